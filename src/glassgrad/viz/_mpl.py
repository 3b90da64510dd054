"""Lazy matplotlib: imported inside each plotting function, with a clear hint when missing."""

from __future__ import annotations

import os
import warnings

HINT = ("glassgrad.viz needs matplotlib, a dependency of glassgrad that is missing here: "
        "pip install matplotlib.")


def figure(nrows: int = 1, ncols: int = 1, size=None, squeeze: bool = True, **kwargs):
    """A new ``Figure`` and its axes (no pyplot: safe headless, nothing kept globally)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(HINT) from exc
    size = size or (4.0 * ncols, 3.2 * nrows)
    # NOTE: constrained layout costs seconds on big grids; those get fixed spacing instead.
    big = nrows * ncols > 16
    fig = Figure(figsize=size, layout=None if big else "constrained")
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, **kwargs)
    if big:
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.04, top=0.93, hspace=0.7,
                            wspace=0.35)
    return fig, axes


def save_target(save, path, where: str):
    """The file to write the figure to: ``save=``, the one keyword of every plot in glassgrad.

    ``path=`` (History.plot's earlier name) still works, with a DeprecationWarning.
    """
    if path is None:
        return save
    if save is not None:
        raise TypeError(f"{where}: the file is given twice; use save= only (path= is its "
                        "deprecated alias).")
    warnings.warn(f"{where}(path=...) is deprecated; use save=... (the keyword every glassgrad "
                  "plot takes).", DeprecationWarning, stacklevel=3)
    return path


def finish(fig, save=None, dpi: int = 110):
    """Save ``fig`` to ``save`` (format from the extension) if given; return ``fig``."""
    if save is not None:
        import io

        from ..io.atomic import atomic_write_bytes

        save = os.fspath(save)
        ext = os.path.splitext(save)[1].lstrip(".").lower() or "png"
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, dpi=dpi)
        atomic_write_bytes(save, buf.getvalue())  # NOTE: the project's one file writer
    return fig

"""Decision boundary of a 2-D classifier over its data."""

from __future__ import annotations

import numpy as np

from ._mpl import figure, finish, save_target


def _predict(model, grid):
    from ..autograd import no_grad
    from ..explain.model_io import as_input, model_device, model_dtype, numpy

    was = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            out = numpy(model(as_input(grid, model_dtype(model), model_device(model))))
    finally:
        if was:
            model.train()
    return out


def plot_decision_boundary(model, X, y, resolution: int = 200, save=None, from_logits=None,
                           ax=None, title: str | None = None, *, path=None):
    """Regions the model assigns to each class, with the data points on top.

    Args:
        model: maps (N, 2) inputs to one score per sample (binary: probability or logit) or
            one per class (N, C).
        X: (N, 2) inputs; y: labels (N,) or (N, 1).
        from_logits: binary outputs are logits (threshold 0) rather than probabilities (0.5);
            default: guessed from the output range.
        ax: draw into this Axes instead of a new figure; title: the panel title.
        save: write the figure there (.png, .svg, .pdf).

    Returns:
        The matplotlib Figure.
    """
    save = save_target(save, path, "plot_decision_boundary")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(len(X), -1)
    y = y.argmax(1) if y.shape[1] > 1 else y[:, 0]
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must be (N, 2), got {X.shape}.")
    pad = 0.1 * (X.max(0) - X.min(0)) + 1e-9
    lo, hi = X.min(0) - pad, X.max(0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    out = _predict(model, np.c_[gx.ravel(), gy.ravel()])
    out = out.reshape(len(out), -1)
    if out.shape[1] > 1:
        region, levels = out.argmax(1), None
    else:
        s = out[:, 0]
        logits = from_logits if from_logits is not None else bool(s.min() < 0 or s.max() > 1)
        region, levels = (s > (0.0 if logits else 0.5)).astype(int), [0.0 if logits else 0.5]
        score = s
    if ax is None:
        fig, ax = figure(size=(5, 4.2))
    else:
        fig = ax.figure
    ax.contourf(gx, gy, region.reshape(gx.shape), alpha=0.25, cmap="coolwarm",
                levels=np.arange(region.max() + 2) - 0.5)
    if levels is not None:
        ax.contour(gx, gy, score.reshape(gx.shape), levels=levels, colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    ax.set_title(title or "decision boundary")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    return finish(fig, save)

"""Training curves: each metric's training and validation values by epoch."""

from __future__ import annotations

from ._mpl import figure, finish, save_target


def _default_keys(h: dict) -> list:
    """Every base metric name (``val_x`` counts as ``x``), in first-seen order, without ``lr``."""
    keys = []
    for k in h:
        base = k[4:] if k.startswith("val_") else k
        if base != "lr" and base not in keys:
            keys.append(base)
    return keys


def plot_history(history, keys=None, save=None, log_scale: bool | None = None, ax=None,
                 title: str | None = None, *, path=None):
    """One panel per metric (loss, accuracy, ...), training vs validation (``val_`` keys).

    Args:
        history: a ``train.History`` (its epoch numbers label the x axis) or a dict of lists
            ``{"loss": [...], "val_loss": [...]}``.
        keys: base metric names to show, each with its ``val_`` twin when present (default:
            every metric except ``lr``).
        save: write the figure there (.png, .svg, .pdf).
        log_scale: log y axis for losses (default: when a positive loss spans > 2 decades).
        ax: draw every key into this one Axes instead of one panel per key.
        title: a title over the figure.

    Returns:
        The matplotlib Figure.
    """
    save = save_target(save, path, "plot_history")
    h = dict(getattr(history, "history", history))
    keys = keys or _default_keys(h)
    if not h or not keys:
        raise ValueError("plot_history: the history is empty (no completed epoch).")
    # NOTE: History numbers epochs from 1 (and on across fit() calls); plain dicts from 1.
    epochs = list(getattr(history, "epoch", []))
    if ax is None:
        fig, axes = figure(1, len(keys), size=(4.5 * len(keys), 3.5), squeeze=False)
        axes = list(axes[0])
    else:
        fig, axes = ax.figure, [ax] * len(keys)
    for ax_, key in zip(axes, keys):
        values = []
        for k, label, style in ((key, "train", "-"), (f"val_{key}", "validation", "--")):
            ys = h.get(k)
            if not ys:
                continue
            xs = epochs[-len(ys):] if len(epochs) >= len(ys) else range(1, len(ys) + 1)
            ax_.plot(list(xs), ys, linestyle=style, label=f"{label} {key}")
            values += ys
        finite = [v for v in values if v == v and abs(v) != float("inf") and v > 0]
        use_log = log_scale if log_scale is not None else bool(
            "loss" in key and finite and len(finite) == len(values)
            and max(finite) / min(finite) > 100)
        if use_log:
            ax_.set_yscale("log")
        ax_.set_xlabel("epoch")
        ax_.set_ylabel(key)
        ax_.set_title(key)
        ax_.grid(alpha=0.3)
        ax_.legend()
    if title:
        fig.suptitle(title)
    return finish(fig, save)

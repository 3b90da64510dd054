"""Training curves: each metric's training and validation values by epoch."""

from __future__ import annotations

from ._mpl import figure, finish


def plot_history(history, keys=None, save=None, log_scale: bool | None = None):
    """One panel per metric (loss, accuracy, ...), training vs validation (``val_`` keys).

    Args:
        history: a ``train.History`` or a dict of lists ``{"loss": [...], "val_loss": [...]}``.
        keys: metrics to show (default: every key without ``val_``, except ``lr``).
        log_scale: log y axis for losses (default: when the loss spans > 2 decades).
    """
    h = dict(getattr(history, "history", history))
    if not h:
        raise ValueError("plot_history: the history is empty (no completed epoch).")
    keys = keys or [k for k in h if not k.startswith("val_") and k != "lr"]
    fig, axes = figure(1, len(keys), squeeze=False)
    for ax, key in zip(axes[0], keys):
        train = h.get(key, [])
        ax.plot(range(1, len(train) + 1), train, label=f"train {key}")
        val = h.get(f"val_{key}")
        if val:
            ax.plot(range(1, len(val) + 1), val, label=f"validation {key}", linestyle="--")
        finite = [v for v in train if v == v and abs(v) != float("inf") and v > 0]
        use_log = log_scale if log_scale is not None else (
            "loss" in key and finite and max(finite) / min(finite) > 100)
        if use_log:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend()
    return finish(fig, save)

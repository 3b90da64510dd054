"""Plots for runs: the decision boundary of a classifier on 2-D inputs (matplotlib, lazily)."""

from __future__ import annotations

import numpy as np

from .fit import predict
from .metrics import to_labels


def decision_boundary(model, X, y, path=None, ax=None, resolution: int = 200,
                      from_logits: bool = False, title: str | None = None):
    """Color the plane by the model's predicted class and scatter the samples on top.

    Args:
        model: a classifier on 2 inputs (binary ``(N, 1)`` probabilities or ``(N, C)`` scores).
        X: ``(N, 2)`` inputs; y: ``(N,)`` labels (or ``(N, 1)`` 0/1).
        path: save the figure there (.png, .svg).
        resolution: grid points per axis.
        from_logits: binary outputs are logits (threshold 0 instead of 0.5).

    Returns:
        The matplotlib Figure.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("decision_boundary needs matplotlib: pip install 'glassgrad[viz]'.") \
            from e
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(len(X), -1)
    y = y.argmax(1) if y.shape[1] > 1 else y[:, 0]
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (N, 2), got {X.shape}.")
    pad = 0.1 * (X.max(0) - X.min(0)) + 1e-9
    lo, hi = X.min(0) - pad, X.max(0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    labels = to_labels(predict(model, grid), from_logits=from_logits).reshape(gx.shape)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 4.5))
    else:
        fig = ax.figure
    k = int(max(labels.max(), y.max())) + 1
    ax.contourf(gx, gy, labels, levels=np.arange(k + 1) - 0.5, cmap="coolwarm", alpha=0.35)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=10, edgecolors="k", linewidths=0.3,
               vmin=0, vmax=k - 1)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig

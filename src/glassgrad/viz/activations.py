"""Activation functions with their derivatives, and hidden-unit activation maps."""

from __future__ import annotations

import numpy as np

from ._mpl import figure, finish, save_target

DEFAULT = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu")


def _curve(name: str, x: np.ndarray):
    """f(x) and f'(x); the derivative comes from glassgrad's own backward pass."""
    from .. import tensor
    from ..nn import functional as F

    fn = getattr(F, name, None)
    if fn is None:
        raise ValueError(f"plot_activation_functions: unknown activation {name!r} (a name of "
                         "glassgrad.nn.functional, e.g. 'sigmoid', 'tanh', 'relu').")
    t = tensor(x, requires_grad=True)
    y = fn(t)
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


def plot_activation_functions(names=DEFAULT, x_range=(-5.0, 5.0), save=None, *, path=None):
    """One panel per activation: f(z) (solid) and f'(z) (dashed)."""
    save = save_target(save, path, "plot_activation_functions")
    x = np.linspace(*x_range, 401)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig, axes = figure(rows, cols, squeeze=False, size=(3.2 * cols, 2.6 * rows))
    for i, name in enumerate(names):
        ax = axes[i // cols][i % cols]
        y, dy = _curve(name, x)
        ax.plot(x, y, label=f"{name}(z)")
        ax.plot(x, dy, "--", label=f"{name}'(z)")
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
        ax.set_title(name)
        ax.legend(fontsize=7)
    for j in range(len(names), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    return finish(fig, save)


def plot_activation_map(stats_or_model, x=None, layer: int | str = 0, max_samples: int = 200,
                        save=None, *, path=None):
    """Heatmap of one layer's activations: samples (rows) × units (columns).

    Dead units show as constant columns, saturated ones at the colour extremes.

    Args:
        stats_or_model: a ``LayerStats``, or a model (then ``x`` is required and one forward
            pass is observed).
        layer: index or name of the layer in the stats.
    """
    save = save_target(save, path, "plot_activation_map")
    from ..explain.stats import LayerStats, layer_stats

    stats = stats_or_model if isinstance(stats_or_model, LayerStats) else None
    if stats is None:
        if x is None:
            raise ValueError("plot_activation_map: pass x together with a model.")
        stats = layer_stats(stats_or_model, x)
    L = stats[layer]
    units = L.per_unit(L.a)[:max_samples]
    fig, ax = figure(size=(max(4, 0.18 * units.shape[1] + 2), 4))
    im = ax.imshow(units, aspect="auto", cmap="viridis", interpolation="nearest")
    fig.colorbar(im, ax=ax, label="activation a")
    ax.set_xlabel("unit")
    ax.set_ylabel("sample")
    ax.set_title(f"layer {L.name} ({L.type}, {L.kind}): activations")
    return finish(fig, save)

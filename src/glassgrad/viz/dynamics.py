"""Layer dynamics: histograms of weights, z, activations and δ by layer, side by side for
several runs (e.g. initializations) so that collapse or explosion is visible at a glance."""

from __future__ import annotations

import numpy as np

from ._mpl import figure, finish

QUANTITIES = (("weight", "weights w"), ("z", "weighted sums z"), ("a", "activations a"),
              ("delta", "δ = ∂E/∂z"))


def plot_layer_dynamics(stats, quantities=("weight", "z", "a", "delta"), bins: int = 40,
                        save=None):
    """A grid of histograms: one row per layer, one column per quantity.

    Args:
        stats: a ``LayerStats`` (from ``glassgrad.explain.layer_stats``) or a dict
            ``{"N(0, 0.01²)": stats1, "Xavier": stats2, ...}`` overlaid in each panel.
        quantities: any of "weight", "z", "a", "delta".
    """
    runs = stats if isinstance(stats, dict) else {"": stats}
    if not runs:
        raise ValueError("plot_layer_dynamics: no stats given.")
    n_layers = max(len(s.layers) for s in runs.values())
    titles = dict(QUANTITIES)
    fig, axes = figure(n_layers, len(quantities), squeeze=False,
                       size=(3.2 * len(quantities), 1.9 * n_layers + 0.6))
    for col, q in enumerate(quantities):
        for row in range(n_layers):
            ax = axes[row][col]
            for label, s in runs.items():
                if row >= len(s.layers):
                    continue
                values = getattr(s.layers[row], q)
                if values is None:
                    continue
                v = np.asarray(values, dtype=np.float64).reshape(-1)
                v = v[np.isfinite(v)]
                if v.size:
                    ax.hist(v, bins=bins, histtype="step", density=True,
                            label=f"{label} (std {v.std():.2g})".strip())
            if row == 0:
                ax.set_title(titles.get(q, q))
            if col == 0:
                name = next(iter(runs.values())).layers[row].name
                ax.set_ylabel(f"layer {name}")
            ax.tick_params(labelsize=7)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=6)
    return finish(fig, save)

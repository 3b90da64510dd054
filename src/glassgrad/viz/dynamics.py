"""Layer dynamics: histograms of weights, z, activations and δ by layer, side by side for
several runs (e.g. initializations) so that collapse or explosion is visible at a glance."""

from __future__ import annotations

import numpy as np

from ._mpl import figure, finish, save_target

QUANTITIES = (("weight", "weights w"), ("z", "weighted sums z"), ("a", "activations a"),
              ("delta", "δ = ∂E/∂z"))


def plot_layer_dynamics(stats, quantities=("weight", "z", "a", "delta"), bins: int = 40,
                        overlay: bool = False, save=None, *, path=None):
    """A grid of histograms: one row per layer, one column per quantity (and per run).

    Args:
        stats: a ``LayerStats`` (from ``glassgrad.explain.layer_stats``) or a dict
            ``{"N(0, 0.01²)": stats1, "Xavier": stats2, ...}`` to compare runs.
        quantities: any of "weight", "z", "a", "delta".
        overlay: draw the runs in the same panel (default: a column per run and quantity,
            each with its own x range, since collapsed and exploded spreads differ by
            orders of magnitude; the std is in each title).
    """
    save = save_target(save, path, "plot_layer_dynamics")
    runs = stats if isinstance(stats, dict) else {"": stats}
    if not runs:
        raise ValueError("plot_layer_dynamics: no stats given.")
    n_layers = max(len(s.layers) for s in runs.values())
    titles = dict(QUANTITIES)
    groups = [(q, list(runs.items())) for q in quantities] if overlay or len(runs) == 1 else [
        (q, [item]) for q in quantities for item in runs.items()]
    fig, axes = figure(n_layers, len(groups), squeeze=False,
                       size=(2.6 * len(groups) + 0.6, 1.7 * n_layers + 0.6))
    from matplotlib.ticker import MaxNLocator  # after figure(): it gives the install hint
    for col, (q, members) in enumerate(groups):
        for row in range(n_layers):
            ax = axes[row][col]
            stds = []
            for label, s in members:
                layer = s.layers[row] if row < len(s.layers) else None
                values = getattr(layer, q) if layer is not None else None
                if q == "z" and getattr(layer, "recurrent", False):
                    # NOTE: a recurrent layer's output h is already activated: no separate z.
                    ax.text(0.5, 0.5, "recurrent layer:\nh is shown under a", ha="center",
                            va="center", fontsize=7, transform=ax.transAxes)
                    ax.set_xticks([])
                    ax.set_yticks([])
                    continue
                if values is None:
                    continue
                v = np.asarray(values, dtype=np.float64).reshape(-1)
                v = v[np.isfinite(v)]
                if v.size:
                    ax.hist(v, bins=bins, histtype="step", density=True, label=label or None)
                    stds.append(f"{v.std():.2g}")
            head = titles.get(q, q) + (f"\n{members[0][0]}" if len(members) == 1 and
                                        members[0][0] else "")
            spread = "std " + ", ".join(stds) if stds else ""
            ax.set_title((head + "\n" if row == 0 else "") + spread, fontsize=7)
            if col == 0:
                name = next(iter(runs.values())).layers[row].name
                ax.set_ylabel(f"layer {name}")
            ax.tick_params(labelsize=6)
            # NOTE: δ spans 1e-4 and less: few ticks in a ×10ⁿ offset keep labels apart.
            if stds:
                ax.xaxis.set_major_locator(MaxNLocator(4))
                ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
                ax.xaxis.get_offset_text().set_fontsize(6)
            if len(members) > 1 and row == 0:
                ax.legend(fontsize=6)
    return finish(fig, save)

"""Attention maps: token × token heat maps of the weights ``explain.attention_maps`` records."""

from __future__ import annotations

import numpy as np

from ._mpl import figure, finish, save_target


def plot_attention(maps, layer=0, head: int | None = None, sample: int = 0, tokens=None,
                   key_tokens=None, save=None, *, path=None):
    """Heat maps of attention weights: rows are queries, columns keys; row sums are 1.

    Args:
        maps: an ``explain.AttentionMaps``, or weights (N, H, L, S), (H, L, S) or (L, S).
        layer: which attention module of ``maps`` (index or name).
        head: one head, or None for every head side by side (and their mean).
        sample: which sequence of the batch.
        tokens: labels of the query positions (e.g. ``list("hello")``); ``key_tokens`` of the
            keys (default: ``tokens`` when the lengths match).
    """
    save = save_target(save, path, "plot_attention")
    title = ""
    if hasattr(maps, "maps"):
        title = maps.names[layer] if isinstance(layer, int) else str(layer)
        w = maps[layer]
    else:
        w = np.asarray(maps)
    w = w.reshape((1,) * (4 - w.ndim) + w.shape) if w.ndim < 4 else w
    if w.ndim != 4:
        raise ValueError(f"plot_attention: expected weights (N, H, L, S), got shape {w.shape}.")
    w = w[sample]
    heads = list(range(w.shape[0])) if head is None else [head]
    panels = [(w[h], f"head {h}") for h in heads]
    if head is None and len(heads) > 1:
        panels.append((w.mean(0), "mean of heads"))
    L, S = w.shape[1:]
    if key_tokens is None and tokens is not None and len(tokens) == S:
        key_tokens = tokens
    fig, axes = figure(1, len(panels), squeeze=False,
                       size=(min(3.2 * len(panels), 16), 3.4 + 0.05 * L))
    vmax = max(float(p.max()) for p, _ in panels) or 1.0
    for ax, (p, label) in zip(axes[0], panels):
        im = ax.imshow(p, cmap="viridis", vmin=0.0, vmax=vmax, interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("key position")
        ax.set_ylabel("query position")
        if tokens is not None and len(tokens) == L and L <= 48:
            ax.set_yticks(range(L), [repr(t)[1:-1] for t in tokens], fontsize=6)
        if key_tokens is not None and len(key_tokens) == S and S <= 48:
            ax.set_xticks(range(S), [repr(t)[1:-1] for t in key_tokens], fontsize=6,
                          rotation=90)
    fig.colorbar(im, ax=list(axes[0]), shrink=0.8, label="attention weight")
    if title:
        fig.suptitle(f"attention weights: {title} (sample {sample})")
    return finish(fig, save)

"""Convolution filters and feature maps."""

from __future__ import annotations

import math

import numpy as np

from ._mpl import figure, finish, save_target


def _grid(images, titles, cmap, save, suptitle):
    n = len(images)
    cols = min(8, n)
    rows = math.ceil(n / cols)
    fig, axes = figure(rows, cols, squeeze=False, size=(1.4 * cols + 0.4, 1.5 * rows + 0.5))
    for i in range(rows * cols):
        ax = axes[i // cols][i % cols]
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap, interpolation="nearest")
            ax.set_title(titles[i], fontsize=7)
    fig.suptitle(suptitle)
    return finish(fig, save)


def plot_filters(conv, channel: int | None = None, save=None, *, path=None):
    """Each output channel's kernel as a small image.

    Args:
        conv: a Conv1d/Conv2d module, or a weight array (out, in, kh, kw) / (out, in, k).
        channel: input channel to show (default: the mean over input channels; RGB when the
            layer has 3 input channels).
    """
    save = save_target(save, path, "plot_filters")
    from ..explain.model_io import numpy

    w = numpy(getattr(conv, "weight", conv))
    if w.ndim == 3:
        w = w[:, :, None, :]
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a conv weight (out, in, kh, kw), got {w.shape}.")
    if channel is None and w.shape[1] == 3:
        lo, hi = w.min(), w.max()
        images = list(np.transpose((w - lo) / (hi - lo + 1e-12), (0, 2, 3, 1)))
    else:
        images = list(w.mean(axis=1) if channel is None else w[:, channel])
    return _grid(images, [f"filter {i}" for i in range(len(images))], "gray", save,
                 f"{w.shape[0]} filters {w.shape[2]}×{w.shape[3]}")


def plot_feature_maps(model, x, layer, sample: int = 0, max_maps: int = 32, save=None, *,
                      path=None):
    """The output channels of ``layer`` (a module inside ``model``) for one input sample.

    Args:
        model: the network; x: a batch (N, C, H, W) or (N, C, L).
        layer: the module whose output to show (e.g. ``model[0]``) or its name in
            ``model.named_modules()``.
    """
    save = save_target(save, path, "plot_feature_maps")
    from ..autograd import no_grad
    from ..explain.model_io import as_input, model_device, model_dtype, numpy

    if isinstance(layer, str):
        layer = dict(model.named_modules())[layer]
    seen = {}
    handle = layer.register_forward_hook(lambda m, i, o: seen.setdefault("out", o))
    try:
        with no_grad():
            model(as_input(x, model_dtype(model), model_device(model)))
    finally:
        handle.remove()
    if "out" not in seen:
        raise ValueError("plot_feature_maps: the layer did not run in the model's forward.")
    maps = numpy(seen["out"])[sample]
    if maps.ndim == 2:
        maps = maps[:, None, :]
    maps = maps[:max_maps]
    return _grid(list(maps), [f"channel {i}" for i in range(len(maps))], "viridis", save,
                 f"feature maps of {type(layer).__name__} (sample {sample})")

"""Shape and movement with PyTorch's names: ``reshape``/``view``, ``permute``, ``transpose``,
``flatten``, ``squeeze``, ``unsqueeze``, ``expand``, ``cat``, ``stack``, ``split``, ``chunk``,
``pad``, and the ``ShapeMixin`` that makes them Tensor methods (one definition each).

Reshape, Permute, Expand, Cat and Pad are primitives (ops/movement.py, ops/padding.py); the
rest are composed from them.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from .dims import dims_of, shape_args
from .errors import ShapeError
from .ops import movement, padding
from .promotion import as_tensor


def reshape(input, *shape):
    """The same elements in a new shape (``reshape(x, 2, 3)`` or ``reshape(x, (2, 3))``; one
    size may be -1, inferred)."""
    return movement.Reshape.apply(input, shape=shape_args(shape))


def permute(input, *dims):
    """The dims reordered: ``permute(x, 2, 0, 1)`` makes dim 2 the first."""
    return movement.Permute.apply(input, axes=tuple(shape_args(dims)))


def transpose(input, dim0, dim1):
    """``dim0`` and ``dim1`` swapped."""
    if not input.ndim:
        dims_of(input, (dim0, dim1), "transpose")  # NOTE: a 0-d tensor accepts 0 and -1 only
        return input
    dim0, dim1 = dims_of(input, (dim0, dim1), "transpose")
    axes = list(range(input.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return movement.Permute.apply(input, axes=tuple(axes))


def flatten(input, start_dim=0, end_dim=-1):
    """Dims ``start_dim``..``end_dim`` merged into one. Shapes: (N, C, H, W) -> (N, C*H*W) for
    ``start_dim=1``; a 0-d tensor becomes (1,)."""
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = dims_of(input, (start_dim, end_dim), "flatten")
    # NOTE: the merged size spelled out, not -1: NumPy cannot infer -1 next to a 0 (empty batch)
    shape = input.shape
    return reshape(input, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


def squeeze(input, dim=None):
    """Size-1 dims removed (all of them, or those among ``dim``)."""
    if dim is None:
        shape = tuple(n for n in input.shape if n != 1)
    else:
        dims = dims_of(input, dim, "squeeze")
        shape = tuple(n for d, n in enumerate(input.shape) if not (d in dims and n == 1))
    return reshape(input, shape)


def unsqueeze(input, dim):
    """A size-1 dim inserted at ``dim`` (-1: a new last dim)."""
    n = input.ndim
    if not -(n + 1) <= dim <= n:
        raise ShapeError(f"unsqueeze: dim {dim} is out of range for a tensor of shape "
                         f"{tuple(input.shape)} (valid dims are {-(n + 1)}..{n}).")
    dim = dim % (n + 1)
    return reshape(input, input.shape[:dim] + (1,) + input.shape[dim:])


def expand(input, *shape):
    """Size-1 dims repeated (without copying) to ``shape``; -1 keeps a dim's size."""
    shape = shape_args(shape)
    lead = len(shape) - input.ndim
    shape = tuple(input.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return movement.Expand.apply(input, shape=shape)


def cat(tensors, dim=0):
    """Join tensors along an existing dimension."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors.")
    return movement.Cat.apply(*tensors, axis=dim)


concatenate = cat


def stack(tensors, dim=0):
    """Join tensors along a new dimension ``dim``; all must have the same shape."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors.")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors need the same shape, got {sorted(shapes)}.")
    return cat([unsqueeze(as_tensor(t), dim) for t in tensors], dim)


def split(input, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    n = input.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and not (size == 0 and n == 0):
            raise ValueError(f"split: split_size must be a positive int, got {size} (dim {dim} "
                             f"has {n} elements); or give a list of sizes.")
        if size == 0:
            return (input,)
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise ShapeError(f"split: sizes {sizes} add up to {builtins.sum(sizes)}, but dim "
                             f"{dim} has {n} elements.")
    pieces, start = [], 0
    lead = (slice(None),) * (dim % input.ndim)
    for size in sizes:
        pieces.append(input[lead + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def chunk(input, chunks, dim=0):
    """``chunks`` pieces of (nearly) equal size along ``dim`` (the last may be smaller)."""
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}.")
    n = input.shape[dim]
    if n == 0:
        return (input,)
    return split(input, -(-n // chunks), dim)


def pad(input, pad, mode="constant", value=None):
    """Pad ``input`` as PyTorch's ``F.pad``: ``pad`` lists (before, after) widths starting from
    the LAST dim, e.g. (left, right, top, bottom) for an image.

    Modes: "constant" (``value``, default 0; any of the last ≤ ndim dims), and "reflect"
    (mirror, edge not repeated; widths < the dim's size), "replicate" (repeat the edge) and
    "circular" (wrap around; widths ≤ the dim's size), which pad the last 1, 2 or 3 dims of a
    (C, ...) or (N, C, ...) input. Negative widths crop. Gradients of the copied border values
    flow back into the input positions they came from.

    Shapes: (..., W) -> (..., W + left + right), and so on for each padded dim.
    """
    x = input
    widths = padding.check_pad(tuple(x.shape), pad, mode, value)
    if mode != "constant":
        widths = tuple(w for w in widths if w[1] or w[2])
        return padding.PadModes.apply(x, widths=widths, mode=mode) if widths else x
    crop, np_widths = padding.constant_parts(x.ndim, tuple(x.shape), widths)
    if crop is not None:  # negative widths: crop first (a slice), as PyTorch
        x = x[crop]
    return movement.Pad.apply(x, widths=np_widths, value=0.0 if value is None else value)


class ShapeMixin:
    """Tensor methods for shapes; each is the same function as ``glassgrad.<name>``."""

    __slots__ = ()
    reshape = view = reshape
    permute, transpose, flatten = permute, transpose, flatten
    squeeze, unsqueeze, expand = squeeze, unsqueeze, expand
    split, chunk = split, chunk

    @property
    def T(self):
        """All dims reversed (the transpose of a matrix)."""
        return permute(self, *reversed(range(self.ndim)))

    @property
    def mT(self):
        """The last two dims swapped (a batch of matrices transposed), as ``torch.Tensor.mT``."""
        if self.ndim < 2:
            raise ShapeError(f"mT needs at least 2 dims, this tensor has shape "
                             f"{tuple(self.shape)}.")
        return transpose(self, -2, -1)

"""Selection and repetition with PyTorch's semantics: ``where``, ``gather``, ``take_along_dim``,
``masked_fill``, ``repeat``, ``clamp`` with tensor bounds, the values of ``max(dim)``, and the
``SelectionMixin`` that makes them Tensor methods (one definition each).

All are built from the primitives (GetItem, Where, Expand, Reshape), so their gradients come from
those ops: ``gather`` accumulates into repeated indices, as ``torch.gather`` does.
"""

from __future__ import annotations

from . import engine_state
from .backend import get_array_module
from .dims import dim_index
from .errors import ShapeError
from .ops import elementwise as E
from .ops import movement
from .promotion import _operand


def where(condition, x, y):
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (gradients flow to both).

    Shapes: ``condition``, ``x`` and ``y`` broadcast together.
    """
    cond = condition.data if isinstance(condition, engine_state.Tensor) else condition
    like = x if isinstance(x, engine_state.Tensor) else y
    return E.Where.apply(cond, _operand(x, like), _operand(y, like))


def _index_array(index, what: str):
    data = index.data if isinstance(index, engine_state.Tensor) else index
    data = get_array_module(data).asarray(data)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{what}: index must be an integer tensor (int64), got {data.dtype}.")
    return data


def gather(x, dim: int, index):
    """``out[i][j] = x[index[i][j]][j]`` for ``dim=0`` (and so on), as ``torch.gather``.

    Shapes: ``index`` has ``x.ndim`` dims and, except along ``dim``, no dim larger than ``x``'s;
    the result has ``index``'s shape. Repeated indices accumulate their gradients.
    """
    idx = _index_array(index, "gather")
    if idx.ndim != x.ndim:
        raise ShapeError(f"gather: index has {idx.ndim} dims but the input has {x.ndim}; they "
                         "must match (unsqueeze the index).")
    dim = dim_index(dim, x.ndim, "gather")
    for d, (n, m) in enumerate(zip(idx.shape, x.shape)):
        if d != dim and n > m:
            raise ShapeError(f"gather: index shape {tuple(idx.shape)} is larger than the input "
                             f"shape {tuple(x.shape)} in dim {d} (only dim {dim} may differ).")
    n = x.shape[dim]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise IndexError(f"gather: index values must lie in [0, {n}) along dim {dim}, got "
                         f"[{int(idx.min())}, {int(idx.max())}].")
    grid = list(get_array_module(idx).indices(idx.shape, sparse=True))
    grid[dim] = idx
    return movement.GetItem.apply(x, index=tuple(grid))


def take_along_dim(x, indices, dim: int):
    """``gather`` that broadcasts ``indices`` against ``x`` (as ``torch.take_along_dim``)."""
    idx = _index_array(indices, "take_along_dim")
    dim = dim_index(dim, x.ndim, "take_along_dim")
    shape = list(x.shape)
    shape[dim] = idx.shape[dim]
    idx = get_array_module(idx).broadcast_to(idx, tuple(shape))
    return gather(x, dim, idx)


def masked_fill(x, mask, value):
    """``x`` with ``value`` where ``mask`` (a bool tensor broadcasting to ``x``) is True.

    The gradient flows to ``x`` where the mask is False, and to a tensor ``value`` where True.
    """
    cond = mask.data if isinstance(mask, engine_state.Tensor) else mask
    if getattr(cond, "dtype", None) is None or cond.dtype.kind != "b":
        raise TypeError("masked_fill: mask must be a bool tensor (e.g. x > 0).")
    if isinstance(value, engine_state.Tensor) and value.ndim:
        raise ShapeError(f"masked_fill: value must be a number or a 0-d tensor, got shape "
                         f"{tuple(value.shape)}.")
    out = E.Where.apply(cond, _operand(value, x), x)
    if out.shape != x.shape:
        raise ShapeError(f"masked_fill: mask of shape {tuple(cond.shape)} does not broadcast to "
                         f"the input's shape {tuple(x.shape)}.")
    return out


def repeat(x, *sizes):
    """Tile ``x``: ``sizes[i]`` copies along dim i (as ``torch.Tensor.repeat``, NumPy's ``tile``).

    Shapes: len(sizes) >= x.ndim; x is first padded with leading 1s to len(sizes) dims.
    """
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if len(sizes) < x.ndim:
        raise ShapeError(f"repeat: {len(sizes)} repeat counts for a {x.ndim}-d tensor; give at "
                         "least one per dim.")
    shape = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
    # NOTE: (n,) repeated r times is (1, n) expanded to (r, n), flattened: every dim at once.
    paired = [v for n in shape for v in (1, n)]
    expanded = [v for r, n in zip(sizes, shape) for v in (r, n)]
    out = movement.Expand.apply(x.reshape(tuple(paired)), shape=tuple(expanded))
    return out.reshape(tuple(r * n for r, n in zip(sizes, shape)))


def clamp(x, min=None, max=None):
    """``x`` limited to [min, max]; the bounds may be numbers or tensors (broadcasting).

    As in PyTorch, the gradient flows to ``x`` where min <= x <= max, to a tensor bound where it
    was taken, and ``max`` wins where min > max.
    """
    Tensor = engine_state.Tensor
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return E.Clamp.apply(x, min=min, max=max)
    out = x
    if min is not None:
        lo = _operand(min, x)
        out = E.Where.apply(_data(out) < _data(lo), lo, out)
    if max is not None:
        hi = _operand(max, x)
        out = E.Where.apply(_data(out) > _data(hi), hi, out)
    return out


def values_at(x, indices, dim: int, keepdim: bool):
    """The values of ``x.max(dim)``/``x.min(dim)``: the gradient goes to the returned index only
    (PyTorch's rule; ``amax`` splits it among ties instead)."""
    dim = dim_index(dim, x.ndim, "max/min")
    idx = indices.data if keepdim else get_array_module(indices.data).expand_dims(
        indices.data, dim)
    out = gather(x, dim, idx)
    return out if keepdim else out.reshape(tuple(n for d, n in enumerate(out.shape) if d != dim))


def _data(v):
    return v.data if isinstance(v, engine_state.Tensor) else v



class SelectionMixin:
    """Tensor methods for selection; each is the same function as ``glassgrad.<name>``."""

    __slots__ = ()
    gather, take_along_dim, masked_fill, repeat = gather, take_along_dim, masked_fill, repeat
    clamp = clip = clamp

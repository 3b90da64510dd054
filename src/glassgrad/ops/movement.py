"""Movement ops: they rearrange elements without arithmetic, so backward moves gradients back."""

import numpy as np

from ..autograd import Function
from ..backend import get_array_module, scatter_add
from ..errors import ShapeError


def index_array(a, index):
    """``a[index]``. A 1-D integer array (a minibatch's row numbers) takes a faster path."""
    # NOTE: a.take(rows, 0) picks the same rows as a[rows], negative and out-of-range indices
    # included, at a fraction of the cost (bench/RESULTS.md §13): it runs for every batch.
    if (type(index) is np.ndarray and type(a) is np.ndarray and index.ndim == 1
            and index.dtype.kind in "iu" and a.ndim):
        return a.take(index, 0)
    return a[index]


class Reshape(Function):
    hint = "the new shape must hold the same number of elements (use -1 for one inferred dim)."

    def forward(self, a, shape=None):
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, gy):
        return gy.reshape(self.shape)


class Permute(Function):
    hint = "permute takes every dim exactly once, e.g. x.permute(0, 2, 1) for a 3-d x."

    def forward(self, a, axes=None):
        # NOTE: negative dims made non-negative first: backward's inverse permutation sorts them.
        if axes and min(axes) < 0:
            nd = a.ndim
            if min(axes) < -nd:
                raise ValueError(f"dim {min(axes)} is out of range for {nd} dims")
            axes = tuple(d + nd if d < 0 else d for d in axes)
        self.axes = axes
        return a.transpose(axes)

    def backward(self, gy):
        inverse = sorted(range(len(self.axes)), key=self.axes.__getitem__)
        return gy.transpose(inverse)


class Expand(Function):
    hint = "expand only repeats dimensions of size 1 (or adds new leading ones)."

    def forward(self, a, shape=None):
        return get_array_module(a).broadcast_to(a, shape)

    def backward(self, gy):
        return gy  # the engine sums the repeated dimensions back


def _is_basic(index) -> bool:
    """True for indices made of ints, slices, None and Ellipsis: no element is picked twice."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items)


class GetItem(Function):
    hint = "each index must be within the dimension it indexes."

    def forward(self, a, index=None):
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        return index_array(a, index)

    def backward(self, gy):
        gx = get_array_module(gy).zeros(self.shape, dtype=self.dtype)
        if _is_basic(self.index):
            gx[self.index] = gy
        else:
            scatter_add(gx, self.index, gy)  # repeated indices accumulate
        return gx


class Cat(Function):
    hint = "all inputs need the same shape except along the concatenation dim."

    def forward(self, *arrays, axis=0):
        ndim = arrays[0].ndim
        for i, a in enumerate(arrays):
            if a.ndim != ndim or any(
                    n != m for d, (n, m) in enumerate(zip(a.shape, arrays[0].shape))
                    if d != axis % ndim):
                raise ShapeError(
                    f"Cat along dim {axis}: input {i} has shape {tuple(a.shape)} but input 0 has "
                    f"{tuple(arrays[0].shape)}; {self.hint}")
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return get_array_module(*arrays).concatenate(arrays, axis=axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        bounds = xp.cumsum(xp.asarray(self.sizes[:-1])).tolist() if len(self.sizes) > 1 else []
        return tuple(xp.split(gy, bounds, axis=self.axis))


class Pad(Function):
    """Constant padding; ``widths`` is NumPy's ((before, after), ...) per dimension."""

    def forward(self, a, widths=None, value=0.0):
        self.slices = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return get_array_module(a).pad(a, widths, constant_values=value)

    def backward(self, gy):
        return gy[self.slices]

"""The functional tensor API (``glassgrad.functional``, also ``glassgrad.<name>``): every op as a
function. Each is defined once, and the Tensor method of the same name is that same function.

Where each lives: elementwise math, products and the softmaxes here; reductions in
reductions.py; shapes in shaping.py; selection in selection.py; products, scans and integer
division in products_scans.py. Composites (mean, var, std, min, softmax, flatten, stack, split,
...) get their gradients from the primitives they are made of; none has a hand-written backward.
"""

from __future__ import annotations

from .backend import get_array_module
from .ops import elementwise as E
from .ops import linalg, loss
from .products_scans import cumprod, cumsum, floor_divide, prod, remainder  # noqa: F401
from .promotion import as_tensor as _as_tensor
from .reductions import (  # noqa: F401
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    maximum,
    mean,
    min,
    minimum,
    std,
    sum,
    values_indices,
    var,
)
from .selection import clamp, gather, masked_fill, repeat, take_along_dim, where  # noqa: F401
from .shaping import (  # noqa: F401
    cat,
    chunk,
    concatenate,
    expand,
    flatten,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    transpose,
    unsqueeze,
)


# ---------------------------------------------------------------- arithmetic (the dunders)
def add(input, other):
    """input + other (broadcasting)."""
    return _as_tensor(input) + other


def sub(input, other):
    """input − other (broadcasting)."""
    return _as_tensor(input) - other


def mul(input, other):
    """input · other, elementwise (broadcasting)."""
    return _as_tensor(input) * other


def div(input, other):
    """input / other (broadcasting; integers divide to the default float)."""
    return _as_tensor(input) / other


def neg(input):
    """−input."""
    return -input


def pow(input, exponent):
    """input ** exponent (broadcasting)."""
    return _as_tensor(input) ** exponent


# ---------------------------------------------------------------- elementwise math
def exp(input):
    """eˣ, elementwise."""
    return E.Exp.apply(input)


def log(input):
    """ln x, elementwise."""
    return E.Log.apply(input)


def sqrt(input):
    """√x, elementwise."""
    return E.Sqrt.apply(input)


def abs(input):
    """|x|, elementwise."""
    return E.Abs.apply(input)


def sin(input):
    """sin x, elementwise."""
    return E.Sin.apply(input)


def cos(input):
    """cos x, elementwise."""
    return E.Cos.apply(input)


def tanh(input):
    """tanh x, elementwise."""
    return E.Tanh.apply(input)


def sigmoid(input):
    """σ(x) = 1 / (1 + e⁻ˣ), elementwise."""
    return E.Sigmoid.apply(input)


def relu(input):
    """max(0, x), elementwise."""
    return E.ReLU.apply(input)


def leaky_relu(input, negative_slope=0.01):
    """x where x > 0, else negative_slope · x."""
    return E.LeakyReLU.apply(input, negative_slope=negative_slope)


# ---------------------------------------------------------------- products and softmax
def matmul(input, other):
    """The matrix product input @ other (batched over leading dims, as NumPy's matmul)."""
    return _as_tensor(input) @ other


def linear(x, weight, bias=None):
    """y = x Wᵀ + b. Shapes: x (..., in), weight (out, in), bias (out,) -> (..., out)."""
    if bias is None:
        return linalg.Linear.apply(x, weight)
    return linalg.Linear.apply(x, weight, bias)


def log_softmax(input, dim=-1):
    """log softmax(x) = x − logsumexp(x) along ``dim``, computed stably (one primitive)."""
    return loss.LogSoftmax.apply(input, axis=dim)


def softmax(input, dim=-1):
    """softmax(x)_i = e^{x_i} / Σ_j e^{x_j} along ``dim``, as exp(log_softmax(x))."""
    return exp(log_softmax(input, dim))


def one_hot(indices, num_classes):
    """Class indices (ints) as rows of the identity: shape (...,) -> (..., num_classes)."""
    data = getattr(indices, "data", indices)
    xp = get_array_module(data)
    data = xp.asarray(data)
    if data.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {data.dtype}; use "
                        ".long().")
    if data.size and (data.min() < 0 or data.max() >= num_classes):
        raise ValueError(f"one_hot: class indices must lie in [0, {num_classes}), got values "
                         f"in [{int(data.min())}, {int(data.max())}].")
    return _as_tensor(xp.eye(num_classes, dtype=xp.float32)[data])

"""glassgrad: a glass-box deep-learning framework on NumPy (and CuPy).

    import glassgrad as gg
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
"""

import numpy as _np

from . import autograd, backend, cuda, functional, ops  # noqa: F401
from .autograd import (  # noqa: F401
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import get_rng_state, manual_seed, set_rng_state  # noqa: F401
from .creation import (  # noqa: F401
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .errors import (  # noqa: F401
    AnomalyError,
    DeviceError,
    GlassgradError,
    GradcheckError,
    GraphError,
    NotDifferentiableError,
    ShapeError,
)
from .functional import (  # noqa: F401
    abs,
    amax,
    amin,
    argmax,
    argmin,
    cat,
    chunk,
    clamp,
    concatenate,
    cos,
    cumprod,
    cumsum,
    exp,
    flatten,
    floor_divide,
    gather,
    linear,
    log,
    log_softmax,
    logsumexp,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    pad,
    permute,
    prod,
    relu,
    remainder,
    reshape,
    sigmoid,
    sin,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    take_along_dim,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from .gradcheck import gradcheck  # noqa: F401
from .tensor import Tensor, get_default_dtype, set_default_dtype  # noqa: F401

float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64, uint8 = _np.int8, _np.int16, _np.int32, _np.int64, _np.uint8
bool_ = _np.bool_
__version__ = "0.1.0"

# Subpackages load on first use, so ``import glassgrad`` stays fast.
_SUBPACKAGES = {"nn", "optim", "data", "train", "explain", "viz", "io", "cli", "distributed"}


def __getattr__(name):
    import importlib

    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):  # glassgrad.save(state, path) / glassgrad.load(path)
        return getattr(importlib.import_module(".io.serialization", __name__), name)
    raise AttributeError(f"module 'glassgrad' has no attribute {name!r}")

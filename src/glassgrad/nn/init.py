"""Weight initializers, in place (under ``no_grad``), drawn from glassgrad's seeded generator.

Each returns the tensor it filled. Variances, with n_in = fan_in and n_out = fan_out
(for a Linear weight (out, in): n_in = in, n_out = out; for a conv weight multiply by the kernel
area):

============================ ====================================  ==========================
function                     distribution                          variance
============================ ====================================  ==========================
``fan_in_uniform_``          U(−g/√n_in, g/√n_in)                  g²/(3·n_in)  (PyTorch's
                                                                   Linear/Conv default)
``xavier_uniform_/normal_``  Glorot: U(±g·√(6/(n_in+n_out))), N    g²·2/(n_in+n_out)
``lecun_normal_/uniform_``   N(0, g²/n_in), U(±g·√(3/n_in))        g²/n_in
``kaiming_uniform_/normal_`` He: U or N                            gain²/n (n: fan_in or
                                                                   fan_out), gain √2 for ReLU
``orthogonal_``              (semi-)orthogonal matrix × g          —
============================ ====================================  ==========================

Arrays are drawn in float64 on the CPU and cast to the tensor's dtype and device, so a seed gives
the same weights on every device.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import no_grad
from ..backend import default_generator, to_device

__all__ = ["calculate_gain", "zeros_", "ones_", "constant_", "normal_", "uniform_",
           "fan_in_uniform_", "xavier_uniform_", "xavier_normal_", "lecun_normal_",
           "lecun_uniform_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_"]


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table): linear/conv/sigmoid 1,
    tanh 5/3, relu √2, leaky_relu √(2/(1+slope²)) (slope ``param``, default 0.01), selu 3/4."""
    name = nonlinearity.lower()
    if name in ("linear", "identity", "sigmoid") or name.startswith("conv"):
        return 1.0
    if name == "tanh":
        return 5.0 / 3
    if name == "relu":
        return math.sqrt(2.0)
    if name == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if name == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one of "
                     "linear, conv1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu.")


def _fill(tensor, array):
    with no_grad():
        array = to_device(np.asarray(array).astype(tensor.dtype, copy=False), tensor.device)
        tensor.data[...] = array
    return tensor


def _calculate_fans(tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(f"fan in/out needs a weight with at least 2 dims, got shape "
                         f"{tuple(tensor.shape)}; pass fan_in= explicitly for biases.")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _rng():
    return default_generator(np)


def zeros_(tensor):
    return _fill(tensor, np.zeros(tensor.shape))


def ones_(tensor):
    return _fill(tensor, np.ones(tensor.shape))


def constant_(tensor, val: float):
    return _fill(tensor, np.full(tensor.shape, val))


def normal_(tensor, mean: float = 0.0, std: float = 1.0):
    return _fill(tensor, _rng().normal(mean, std, tensor.shape))


def uniform_(tensor, a: float = 0.0, b: float = 1.0):
    return _fill(tensor, _rng().uniform(a, b, tensor.shape))


def fan_in_uniform_(tensor, fan_in: int | None = None, gain: float = 1.0):
    """U(−g/√m, g/√m) with m = fan_in: the classic rule and PyTorch's Linear/Conv default."""
    fan_in = _calculate_fans(tensor)[0] if fan_in is None else fan_in
    bound = gain / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return uniform_(tensor, -bound, bound)


def xavier_uniform_(tensor, gain: float = 1.0):
    """Glorot uniform: variance gain²·2/(fan_in+fan_out), bound √3 times the std."""
    fan_in, fan_out = _calculate_fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain: float = 1.0):
    """Glorot normal: N(0, gain²·2/(fan_in+fan_out))."""
    fan_in, fan_out = _calculate_fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def lecun_normal_(tensor, gain: float = 1.0):
    """LeCun normal: N(0, gain²/fan_in) (the SELU and classic tanh-network rule)."""
    return normal_(tensor, 0.0, gain / math.sqrt(_calculate_fans(tensor)[0]))


def lecun_uniform_(tensor, gain: float = 1.0):
    """LeCun uniform: U(−g·√(3/fan_in), g·√(3/fan_in)), variance g²/fan_in (Keras' rule)."""
    bound = gain * math.sqrt(3.0 / _calculate_fans(tensor)[0])
    return uniform_(tensor, -bound, bound)


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}.")
    fan_in, fan_out = _calculate_fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", gain: float = 1.0):
    """He uniform: variance gain²/fan, gain from ``nonlinearity`` (slope ``a`` for leaky_relu;
    a=0 gives ReLU's √2, so the variance is 2/fan_in). ``gain`` multiplies on top."""
    bound = gain * math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", gain: float = 1.0):
    """He normal: N(0, gain²/fan) with ReLU's gain √2 by default (variance 2/fan_in)."""
    return normal_(tensor, 0.0, gain * _kaiming_std(tensor, a, mode, nonlinearity))


def orthogonal_(tensor, gain: float = 1.0):
    """A (semi-)orthogonal matrix (rows or columns orthonormal) times ``gain``, from the QR
    decomposition of a Gaussian matrix (Saxe et al. 2013). Dims past the first are flattened."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: needs at least 2 dims, got shape {tuple(tensor.shape)}.")
    rows = tensor.shape[0]
    cols = int(np.prod(tensor.shape[1:]))
    flat = _rng().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))

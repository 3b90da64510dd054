"""NN-level functional API: activations, dropout, batch norm and losses, on top of (and
re-exporting) the tensor-math ``glassgrad.functional``.

    import glassgrad.nn.functional as F
    F.gelu(x); F.dropout(x, 0.5, training=True); F.cross_entropy(logits, labels)
"""

from __future__ import annotations

import builtins

from ..backend import default_generator, get_array_module
from ..functional import *  # noqa: F403  (the tensor-math API, re-exported)
from ..functional import relu, sigmoid, tanh, where  # noqa: F401
from ..ops import activation as A
from ..ops import elementwise as E
from ..tensor import Tensor
from .attention_functional import (  # noqa: F401  (layer norm, attention, positions)
    generate_square_subsequent_mask,
    layer_norm,
    scaled_dot_product_attention,
    sinusoidal_positional_encoding,
)
from .conv_functional import (  # noqa: F401  (convolution and pooling)
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv_output_shape,
    global_avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from .loss_functional import (  # noqa: F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    l2_penalty,
    mse_loss,
    nll_loss,
    sse_loss,
)
from .loss_functional_more import (  # noqa: F401
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    smooth_l1_loss,
)


# ---------------------------------------------------------------- activations
def identity(x):
    return x


# sigmoid, tanh and relu are the core's (glassgrad.functional, re-exported above)


def hardtanh(x, min_val: float = -1.0, max_val: float = 1.0):
    return A.Hardtanh.apply(x, min_val=min_val, max_val=max_val)


def relu6(x):
    return hardtanh(x, 0.0, 6.0)


def leaky_relu(x, negative_slope: float = 0.01):
    return E.LeakyReLU.apply(x, negative_slope=negative_slope)


def prelu(x, weight):
    """max(0, x) + w·min(0, x) with a learnable slope ``weight``: shape (1,) (shared) or (C,),
    one per channel (dim 1 of x, or dim 0 of a 1-D x)."""
    if weight.numel() > 1 and x.ndim >= 2:
        if x.shape[1] != weight.shape[0]:
            from ..errors import ShapeError

            raise ShapeError(f"prelu: weight has {weight.shape[0]} slopes but the input has "
                             f"{x.shape[1]} channels in dim 1 (shape {tuple(x.shape)}).")
        weight = weight.reshape((-1,) + (1,) * (x.ndim - 2))
    return where(x.data > 0, x, x * weight)


def elu(x, alpha: float = 1.0):
    """x for x > 0, α(eˣ − 1) otherwise."""
    return A.ELU.apply(x, alpha=alpha)


def gelu(x, approximate: str = "none"):
    """x·Φ(x) with Φ the standard normal CDF (exact erf form, PyTorch's default), or the tanh
    approximation 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) with ``approximate="tanh"``."""
    return A.GELU.apply(x, approximate=approximate)


def softplus(x, beta: float = 1.0, threshold: float = 20.0):
    """(1/β)·log(1 + e^{βx}), and x itself where βx > threshold (as PyTorch)."""
    return A.Softplus.apply(x, beta=beta, threshold=threshold)


def hardsigmoid(x):
    """PyTorch's piecewise-linear sigmoid relu6(x + 3)/6: 0 below −3, 1 above 3."""
    return hardtanh(x * (1.0 / 6.0) + 0.5, 0.0, 1.0)


def step(x):
    """Heaviside step (1 for z > 0, 0 for z < 0, 0.5 at 0). Not differentiable."""
    return A.Step.apply(x)


def sign(x):
    """sign(z) in {−1, 0, 1}. Not differentiable."""
    return A.Sign.apply(x)


def threshold(x, theta: float = 0.0):
    """Threshold logic unit: 1 where z ≥ θ, else 0. Not differentiable.

    NOTE: unlike ``torch.nn.functional.threshold`` (which replaces values below a threshold by
    a constant), this is the McCulloch–Pitts neuron.
    """
    return A.Threshold.apply(x, threshold=theta)


def stochastic_binary(x):
    """Samples 1 with probability σ(z), else 0, from glassgrad's seeded generator."""
    return A.StochasticBinary.apply(x)


# ---------------------------------------------------------------- regularization
def dropout(x, p: float = 0.5, training: bool = True):
    """Inverted dropout: zero each element with probability ``p`` and scale the survivors by
    1/(1−p) when ``training``; the identity otherwise. The mask comes from the seeded generator.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}.")
    if not training or p == 0.0:
        return x
    xp = get_array_module(x.data)
    if p == 1.0:
        return x * xp.zeros(x.shape, dtype=x.dtype)
    keep = default_generator(xp).random(x.shape) >= p
    return x * (keep * (1.0 / (1.0 - p))).astype(x.dtype)


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization over every dim but the channel dim 1 (PyTorch's semantics).

    In training, normalizes with the batch mean and biased variance and, if running stats are
    given, updates them in place: r ← (1−m)·r + m·batch (unbiased variance), or the cumulative
    average when ``momentum`` is None (pass the averaging factor instead). Otherwise uses the
    running statistics.

    Shapes: x (N, C) or (N, C, ...); running stats, weight, bias (C,).
    """
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training or running_mean is None:
        mean = False  # not computed yet
        n = x.numel() // x.shape[1] if x.shape[1] else 0
        if training and n == 0 and x.shape[0] == 0:
            # NOTE: PyTorch: an empty batch gives an empty output, the running stats unchanged
            # (nothing to average); weight and bias get zero gradients.
            ones = get_array_module(x.data).ones((1, x.shape[1]) + (1,) * (x.ndim - 2), x.dtype)
            mean, var, centered = None, Tensor._make(ones, None), x
        elif training and n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training,"
                             f" got input shape {tuple(x.shape)}. Use a batch of 2 or more, or "
                             "call .eval().")
        if mean is False:
            mean = x.mean(dim=dims, keepdim=True)
            centered = x - mean
            var = (centered * centered).mean(dim=dims, keepdim=True)
        if training and running_mean is not None and mean is not None:
            m = 0.1 if momentum is None else momentum
            batch_mean = mean.data.reshape(-1)
            batch_var = var.data.reshape(-1) * (n / builtins.max(n - 1, 1))
            running_mean.data = ((1 - m) * running_mean.data + m * batch_mean).astype(
                running_mean.dtype)
            running_var.data = ((1 - m) * running_var.data + m * batch_var).astype(
                running_var.dtype)
    else:
        mean = Tensor._make(running_mean.data.reshape(shape), None)
        var = Tensor._make(running_var.data.reshape(shape), None)
        centered = x - mean
    out = centered / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out

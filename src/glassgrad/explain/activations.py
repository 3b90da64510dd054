"""Activations as the glass box sees them: the kind of an activation module, ∂a/∂z by its
formula or observed through the module's own backward, and the Linear + activation layers
that ``trace`` explains."""

from __future__ import annotations

import numpy as np

from ..errors import GlassgradError
from .model_io import numpy

# class name of an elementwise activation module -> the kind the explain tools understand
ACTIVATION_KINDS = {
    "Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "Identity": "identity",
    "Softmax": "softmax", "LeakyReLU": "leaky_relu", "ReLU6": "relu6", "ELU": "elu",
    "GELU": "gelu", "Softplus": "softplus", "HardSigmoid": "hardsigmoid", "PReLU": "prelu",
}


def activation_kind(module) -> str | None:
    """The kind of an elementwise activation module, or None for anything else."""
    return ACTIVATION_KINDS.get(type(module).__name__)


def derivative(kind: str, z: np.ndarray, a: np.ndarray, module=None) -> np.ndarray | None:
    """∂a/∂z by the activation's derivative formula (elementwise); None for softmax (a
    Jacobian, not one number per neuron) and kinds without a formula here."""
    if kind == "sigmoid":
        return a * (1.0 - a)
    if kind == "tanh":
        return 1.0 - a * a
    if kind == "relu":
        return (z > 0).astype(z.dtype)
    if kind == "identity":
        return np.ones_like(z)
    if kind == "relu6":
        return ((z > 0) & (z < 6)).astype(z.dtype)
    if kind == "leaky_relu":
        slope = getattr(module, "negative_slope", 0.01)
        return np.where(z > 0, 1.0, slope).astype(z.dtype)
    if kind == "elu":
        alpha = getattr(module, "alpha", 1.0)
        return np.where(z > 0, 1.0, a + alpha).astype(z.dtype)
    return None


def observed_derivative(act, z) -> np.ndarray:
    """∂a/∂z of an elementwise activation module at the Tensor ``z``, from the module's own
    forward and backward (no formula): the gradient of Σ a is the derivative, elementwise.

    For activations without a formula in ``derivative`` (Softplus, GELU, HardSigmoid, PReLU).
    ``act.forward`` is called, not ``act(...)``, so forward hooks do not see this extra pass;
    a learnable slope (PReLU) gets a ``.grad`` here, which the caller's ``saved_grads`` undoes.
    """
    from ..autograd import enable_grad

    zt = z.detach().requires_grad_()
    with enable_grad():
        act.forward(zt).sum().backward()
    return numpy(zt.grad).copy()


def linear_layers(model) -> list:
    """[(linear, activation_module_or_None)] for a Sequential of Linear + activations: what
    ``trace`` explains; anything else raises GlassgradError saying why and what to use."""
    from ..nn import Linear, Sequential

    mods = list(model) if isinstance(model, Sequential) else [model]
    layers: list = []
    for i, m in enumerate(mods):
        kind = activation_kind(m)
        if isinstance(m, Linear):
            layers.append([m, None])
        elif kind == "identity":
            continue
        elif kind is not None and layers and layers[-1][1] is None:
            layers[-1][1] = m
        elif type(m).__name__ in ("Step", "Sign", "Threshold", "StochasticBinary"):
            raise GlassgradError(
                f"trace: module {i} is {type(m).__name__}, which has no useful derivative (zero "
                "almost everywhere): trace shows a backward pass, and none goes through it. "
                "Use a smooth neuron (Sigmoid for Step, Tanh for Sign); the perceptron rule "
                "w <- w + eta (t - y) x is not a gradient, so it has no trace.")
        else:
            what = "an activation with no Linear before it" if kind else type(m).__name__
            raise GlassgradError(
                f"trace: module {i} is {what}. trace explains a Sequential of Linear layers, "
                "each followed by at most one elementwise activation (Sigmoid, Tanh, ReLU, "
                "Identity, Softmax, ...). For conv/recurrent layers use "
                "glassgrad.explain.layer_stats.")
    if not layers:
        raise GlassgradError("trace: the model has no Linear layer to explain.")
    return layers

"""Helpers shared by the explain tools: losses by name, activation kinds and their derivatives,
moving arrays to NumPy, and saving/restoring parameter gradients around an observed pass."""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..errors import GlassgradError
from ..tensor import Tensor
from ..train.inputs import model_device  # noqa: F401  (re-exported for explain and viz)

# class name of an elementwise activation module -> the kind the explain tools understand
ACTIVATION_KINDS = {
    "Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu", "Identity": "identity",
    "Softmax": "softmax", "LeakyReLU": "leaky_relu", "ReLU6": "relu6", "ELU": "elu",
    "GELU": "gelu", "Softplus": "softplus", "HardSigmoid": "hardsigmoid", "PReLU": "prelu",
}

_LOSS_NAMES = {
    "sse": "sse_loss", "half_sse": "sse_loss", "mse": "mse_loss", "l1": "l1_loss",
    "cross_entropy": "cross_entropy", "ce": "cross_entropy", "nll": "nll_loss",
    "bce": "binary_cross_entropy", "bce_with_logits": "binary_cross_entropy_with_logits",
    "huber": "huber_loss", "smooth_l1": "smooth_l1_loss", "kl_div": "kl_div",
}


def resolve_loss(loss):
    """``loss`` as a callable ``(output, target) -> scalar Tensor``, and its name.

    Accepts a name ("sse" = ½Σ(t − a)², "mse", "cross_entropy", "bce", "bce_with_logits",
    "nll", "l1", "huber", "smooth_l1", "kl_div"), a loss module (``nn.SSELoss()``) or any callable.
    """
    from ..nn import functional as F

    if isinstance(loss, str):
        key = loss.lower()
        if key not in _LOSS_NAMES:
            raise ValueError(f"unknown loss {loss!r}; use one of {sorted(_LOSS_NAMES)} or pass "
                             "a callable loss(output, target) -> Tensor.")
        return getattr(F, _LOSS_NAMES[key]), _LOSS_NAMES[key]
    if not callable(loss):
        raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}.")
    name = type(loss).__name__ if not hasattr(loss, "__name__") else loss.__name__
    return loss, name


# what each named loss computes per example, and how it reduces over the batch by default
_LOSS_TEXT = {
    "sse_loss": ("halved SSE E = ½ Σ (t − a)²", "sum"),
    "mse_loss": ("MSE E = mean of (t − a)² over examples and outputs", "mean"),
    "l1_loss": ("L1 E = mean of |t − a| over examples and outputs", "mean"),
    "cross_entropy": ("cross-entropy E = −Σ_j t_j log p_j with p = softmax(z)", "mean"),
    "nll_loss": ("negative log-likelihood E = −a_t", "mean"),
    "binary_cross_entropy": ("binary cross-entropy E = −[t log a + (1 − t) log(1 − a)]",
                             "mean"),
    "binary_cross_entropy_with_logits": (
        "binary cross-entropy on σ(z) E = −[t log σ(z) + (1 − t) log(1 − σ(z))]", "mean"),
    "huber_loss": ("Huber E = mean of ½(t − a)² where |t − a| ≤ δ, δ(|t − a| − ½δ) beyond "
                   "(δ = 1 by default)", "mean"),
    "smooth_l1_loss": ("smooth L1 E = mean of ½(t − a)²/β where |t − a| < β, |t − a| − ½β "
                       "beyond (β = 1 by default)", "mean"),
    "kl_div": ("KL divergence E = Σ t (log t − a) with a = log-probabilities (per element "
               "mean)", "mean"),
}
_MODULE_LOSS = {"SSELoss": "sse_loss", "MSELoss": "mse_loss", "L1Loss": "l1_loss",
                "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss",
                "BCELoss": "binary_cross_entropy",
                "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
                "HuberLoss": "huber_loss", "SmoothL1Loss": "smooth_l1_loss", "KLDivLoss": "kl_div"}


def describe_loss(loss, loss_name: str) -> tuple[str, str | None]:
    """(what E is, "sum" | "mean" | None) for a loss name, loss module or callable."""
    key = _MODULE_LOSS.get(type(loss).__name__, loss_name)
    text, reduction = _LOSS_TEXT.get(key, (f"{loss_name} (as the callable defines it)", None))
    if not isinstance(loss, str):
        reduction = getattr(loss, "reduction", None if key not in _LOSS_TEXT else reduction)
    return text, reduction


def output_activation_in_loss(loss_name: str) -> str | None:
    """The activation a fused loss applies to the last layer's z ("softmax", "sigmoid")."""
    n = loss_name.lower()
    if n in ("cross_entropy", "crossentropyloss"):
        return "softmax"
    if n in ("binary_cross_entropy_with_logits", "bcewithlogitsloss"):
        return "sigmoid"
    return None


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


def precision_note(precision: int, **dtypes) -> str:
    """A warning line when ``precision`` decimals are more than the named arrays' dtypes carry
    (float32: about 7 significant digits), with the way to work in float64; "" otherwise."""
    low = {name: np.dtype(dt) for name, dt in dtypes.items()
           if dt is not None and np.dtype(dt).kind == "f"
           and precision > np.finfo(dt).precision}
    if not low:
        return ""
    by_dtype: dict = {}
    for name, dt in low.items():
        by_dtype.setdefault(dt.name, []).append(name)
    names = ", ".join(f"{dt} ({', '.join(ns)})" for dt, ns in by_dtype.items())
    digits = min(np.finfo(dt).precision for dt in low.values()) + 1
    verb = "carries" if len(by_dtype) == 1 else "carry"
    return (f"Precision: {precision} decimals asked, but the values are computed in "
            f"{names}, which {verb} about {digits} significant digits: the last printed digits "
            "are rounding noise (0.05 is stored as 0.0500000007 in float32). For a hand check "
            "to more digits, work in float64: gg.set_default_dtype(gg.float64) before creating "
            "the model and the tensors, or model.double() with float64 inputs.")


def numpy(x) -> np.ndarray | None:
    """A Tensor/array as a NumPy array (None stays None)."""
    if x is None:
        return None
    if isinstance(x, Tensor):
        x = x.data
    return to_numpy(x) if not isinstance(x, np.ndarray) else x


def model_dtype(model):
    for p in model.parameters():
        return p.dtype
    from ..tensor import get_default_dtype

    return get_default_dtype()


def as_input(x, dtype, device="cpu") -> Tensor:
    """``x`` as a Tensor: floating arrays take the model's dtype, integer labels stay ints."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind == "f" or arr.dtype.kind == "O":
        arr = arr.astype(dtype)
    return Tensor(arr, dtype=arr.dtype, device=device)




class saved_grads:
    """Context manager: clear every parameter's ``.grad`` on entry and put the old ones back on
    exit, so an observed forward/backward leaves the user's gradients as they were."""

    def __init__(self, model):
        self.params = list(model.parameters())

    def __enter__(self):
        self.old = [p.grad for p in self.params]
        for p in self.params:
            p.grad = None
        return self

    def __exit__(self, *exc):
        for p, g in zip(self.params, self.old):
            p.grad = g
        return False


def check_scalar(E, where: str):
    if not isinstance(E, Tensor) or E.data.size != 1:
        raise GlassgradError(
            f"{where}: the loss must return a scalar Tensor, got "
            f"{type(E).__name__} of shape {getattr(E, 'shape', None)}. Use reduction='sum' "
            "or 'mean'.")


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

"""Losses in the explain and live tools: a loss given by name (the table ``fit`` reads too,
nn/loss_names.py), what each computes in words, and the scalar check."""

from __future__ import annotations

from ..errors import GlassgradError
from ..nn.loss_names import FUNCTIONAL, loss_class_name
from ..tensor import Tensor


def resolve_loss(loss):
    """``loss`` as a callable ``(output, target) -> scalar Tensor``, and its name.

    Accepts a name (nn/loss_names.py, the table ``fit`` reads too: "sse" = ½Σ(t − a)², "mse",
    "cross_entropy"/"ce", "bce", "bce_with_logits", "nll", "l1"/"mae", "huber", "smooth_l1",
    "kl_div", or a loss class name), a loss module (``nn.SSELoss()``) or any callable.
    NOTE: a KL name means the functional's default reduction here (per-element mean), where
    ``fit`` builds KLDivLoss(reduction="batchmean"); see ``describe_loss``.
    """
    from ..nn import functional as F

    if isinstance(loss, str):
        name = FUNCTIONAL[loss_class_name(loss)]
        return getattr(F, name), name
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


def describe_loss(loss, loss_name: str) -> tuple[str, str | None]:
    """(what E is, "sum" | "mean" | None) for a loss name, loss module or callable."""
    key = FUNCTIONAL.get(type(loss).__name__, loss_name)
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


def check_scalar(E, where: str):
    if not isinstance(E, Tensor) or E.data.size != 1:
        raise GlassgradError(
            f"{where}: the loss must return a scalar Tensor, got "
            f"{type(E).__name__} of shape {getattr(E, 'shape', None)}. Use reduction='sum' "
            "or 'mean'.")

"""Losses by name: the one table that ``compile``/``fit``, run configs (the CLI) and the explain
and live tools read, so every entry point accepts the same names.

A name is an alias below (case-insensitive: ``"mse"``, ``"ce"``, ``"mae"``, Keras's
``"categorical_crossentropy"``, ...) or a ``glassgrad.nn`` loss class name (``"MSELoss"``).
NOTE: the cross-entropy names take LOGITS, as PyTorch's CrossEntropyLoss (Keras's
``from_logits=True``); the KL names build PyTorch's KLDivLoss, whose input is
LOG-probabilities.
"""

from __future__ import annotations

LOSS_NAMES = {
    "mse": "MSELoss", "mean_squared_error": "MSELoss",
    "sse": "SSELoss", "half_sse": "SSELoss",
    "mae": "L1Loss", "l1": "L1Loss", "mean_absolute_error": "L1Loss",
    "bce": "BCELoss", "binary_crossentropy": "BCELoss",
    "bce_with_logits": "BCEWithLogitsLoss",
    "cross_entropy": "CrossEntropyLoss", "ce": "CrossEntropyLoss",
    "categorical_crossentropy": "CrossEntropyLoss",
    "sparse_categorical_crossentropy": "CrossEntropyLoss",
    "nll": "NLLLoss",
    "huber": "HuberLoss", "huber_loss": "HuberLoss", "smooth_l1": "SmoothL1Loss",
    "kl_div": "KLDivLoss", "kld": "KLDivLoss", "kl_divergence": "KLDivLoss",
    "kullback_leibler_divergence": "KLDivLoss",
}
# each loss class -> its function in glassgrad.nn.functional
FUNCTIONAL = {
    "SSELoss": "sse_loss", "MSELoss": "mse_loss", "L1Loss": "l1_loss",
    "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss",
    "BCELoss": "binary_cross_entropy", "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
    "HuberLoss": "huber_loss", "SmoothL1Loss": "smooth_l1_loss", "KLDivLoss": "kl_div",
}


def loss_class_name(name: str) -> str:
    """The ``glassgrad.nn`` loss class a name means; ValueError listing the names otherwise."""
    key = LOSS_NAMES.get(name.lower())
    if key is None:
        key = next((c for c in FUNCTIONAL if c.lower() == name.lower()), None)
    if key is None:
        allowed = sorted(set(LOSS_NAMES) | set(FUNCTIONAL))
        raise ValueError(f"unknown loss {name!r}; allowed: {', '.join(allowed)}; or pass a "
                         "loss module or a callable loss(output, target) -> Tensor.")
    return key

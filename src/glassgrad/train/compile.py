"""``compile``: attach an optimizer, a loss and metrics to a model (Keras's ``model.compile``).

Names are resolved here, for ``compile``, ``fit`` and the CLI's config files:

* losses (the table is nn/loss_names.py, shared with the explain and live tools): ``"mse"``,
  ``"sse"``, ``"mae"``/``"l1"``, ``"bce"``/``"binary_crossentropy"``, ``"bce_with_logits"``,
  ``"cross_entropy"``/``"ce"``/``"categorical_crossentropy"``/
  ``"sparse_categorical_crossentropy"``, ``"nll"``, ``"huber"``/``"huber_loss"``,
  ``"smooth_l1"``, ``"kl_div"``/``"kld"``/``"kl_divergence"``/
  ``"kullback_leibler_divergence"``, or any ``glassgrad.nn`` loss class name (``"MSELoss"``);
  a loss instance or any callable ``loss(output, target) -> Tensor`` passes.
  NOTE: the cross-entropy names (Keras's included) take LOGITS, as PyTorch's CrossEntropyLoss
  (Keras's ``from_logits=True``): end the model with a Linear layer, not Softmax.
  NOTE: the KL names build PyTorch's KLDivLoss, whose input is LOG-probabilities (end the
  model with LogSoftmax), unlike Keras's KLDivergence, which takes probabilities.
* optimizers: ``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``, ``"adagrad"`` or a
  ``glassgrad.optim`` class name, built on ``model.parameters()`` with the class defaults; an
  optimizer class is instantiated the same way; an optimizer instance passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..nn.loss_names import LOSS_NAMES, loss_class_name

OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
                   "adagrad": "Adagrad"}


@dataclass
class CompiledConfig:
    """What ``compile`` stores on ``model._compiled``."""

    optimizer: object
    loss: object
    metrics: list = field(default_factory=list)


def resolve_loss(loss, **kwargs):
    """A loss instance from a name (see the module docstring), class, instance or callable."""
    from .. import nn

    if isinstance(loss, str):
        name = loss if isinstance(getattr(nn, loss, None), type) and loss.endswith("Loss") \
            else loss_class_name(loss)
        cls = getattr(nn, name)
        if name == "KLDivLoss" and loss.lower() in LOSS_NAMES:
            # NOTE: the short names mean the true KL divergence per sample (Keras's
            # KLDivergence), "batchmean"; the class name keeps PyTorch's "mean" default.
            kwargs = {"reduction": "batchmean", **kwargs}
        return cls(**kwargs)
    if isinstance(loss, type):
        return loss(**kwargs)
    if not callable(loss):
        raise TypeError(f"loss must be a name, a loss class or a callable, got "
                        f"{type(loss).__name__}.")
    return loss


def resolve_optimizer(optimizer, model, **kwargs):
    """An optimizer from a name or class (built on ``model.parameters()``) or an instance."""
    from .. import optim

    if isinstance(optimizer, str):
        name = OPTIMIZER_NAMES.get(optimizer.lower(), optimizer)
        cls = getattr(optim, name, None)
        if not (isinstance(cls, type) and issubclass(cls, optim.Optimizer)):
            allowed = sorted(set(OPTIMIZER_NAMES) | set(OPTIMIZER_NAMES.values()))
            raise ValueError(f"unknown optimizer {optimizer!r}; allowed: {', '.join(allowed)}.")
        optimizer = cls
    if isinstance(optimizer, type):
        return optimizer(model.parameters(), **kwargs)
    if not hasattr(optimizer, "step") or not hasattr(optimizer, "zero_grad"):
        raise TypeError(f"optimizer must be a name, an Optimizer class or instance, got "
                        f"{type(optimizer).__name__}.")
    return optimizer


def is_logits_loss(loss) -> bool:
    """True for losses that take logits for binary problems (``BCEWithLogitsLoss``)."""
    return "logits" in type(loss).__name__.lower()


def is_class_index_loss(loss) -> bool:
    """True for losses whose target is a class index per sample (cross entropy, NLL)."""
    name = type(loss).__name__.lower()
    return "crossentropy" in name and "bce" not in name or "nll" in name


def check_output_layer(model, loss) -> None:
    """Refuse a Softmax/Sigmoid output layer in front of a loss that applies its own.

    ``CrossEntropyLoss`` and ``BCEWithLogitsLoss`` take raw scores (logits); a probability layer
    before them squashes twice and trains badly without any error. ``KLDivLoss`` takes
    log-probabilities, so a Softmax/Sigmoid (probabilities) before it is refused too. Checked for
    Sequential models, whose last layer is known.
    """
    from ..nn import Sequential

    if not isinstance(model, Sequential) or len(model) == 0:
        return
    last, name = model[len(model) - 1], type(loss).__name__
    squash = type(last).__name__ in ("Softmax", "LogSoftmax", "Sigmoid")
    if name == "KLDivLoss" and type(last).__name__ in ("Softmax", "Sigmoid"):
        raise ValueError(
            f"the model ends in {type(last).__name__} (probabilities) but KLDivLoss takes "
            "LOG-probabilities as its input, as PyTorch's (Keras's KLDivergence takes "
            "probabilities). End the model with LogSoftmax instead.")
    if squash and (is_logits_loss(loss) or ("crossentropy" in name.lower() and "bce" not in
                                            name.lower())):
        raise ValueError(
            f"the model ends in {type(last).__name__} but {name} applies its own "
            f"{'sigmoid' if is_logits_loss(loss) else 'log-softmax'} to raw scores (logits). "
            f"Remove the final {type(last).__name__} layer (predict with softmax/sigmoid on the "
            "outputs), or use NLLLoss after LogSoftmax / BCELoss after Sigmoid.")


def compile(model, optimizer="adam", loss=None, metrics=None) -> CompiledConfig:
    """Attach ``optimizer``, ``loss`` and ``metrics`` to ``model`` for later ``fit`` calls.

    Args:
        model: an ``nn.Module``.
        optimizer: a name (``"adam"``), an optimizer class or instance.
        loss: a name (``"mse"``, ``"bce"``, ``"cross_entropy"``), class, instance or callable.
        metrics: names (``"accuracy"``) or callables ``fn(y_true, y_pred)``.

    Returns:
        The ``CompiledConfig``, also stored as ``model._compiled``.

    Example:
        >>> glassgrad.train.compile(model, "adam", "bce", metrics=["accuracy"])
        >>> glassgrad.train.fit(model, train=(X, y), epochs=100)
    """
    if loss is None:
        raise ValueError("compile: a loss is required, e.g. loss='mse' or nn.BCELoss().")
    config = CompiledConfig(resolve_optimizer(optimizer, model), resolve_loss(loss),
                            list(metrics or []))
    model._compiled = config
    return config

"""``prepare(config)``: THE place where a ``glassgrad train`` config is validated as a whole.

It checks the structure and plain values (``check_config``), estimates the memory the run
needs and refuses what cannot fit, builds the data, model, loss, optimizer and callbacks in
memory, and checks that they fit together — loss ↔ targets ↔ output layer, monitored and
``stop_when`` keys that will really be logged — with one forward pass on two samples. Nothing is
written: ``run_config`` writes the run folder only from a ``Prepared`` run. Every problem is a
``ConfigError`` naming the key, the value and the fix. Other front ends (``tune``) validate their
configs through this function too.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from .build import build_callbacks, build_model, build_optimizer, load_data, split_data
from .config import ConfigError, check_config

__all__ = ["Prepared", "prepare", "estimate_memory", "MEMORY_FRACTION"]

MEMORY_FRACTION = 0.8  # refuse a run whose estimate exceeds this share of the machine's RAM


@dataclass
class Prepared:
    """Everything a run needs, built and checked (see ``prepare``)."""

    config: dict
    loss: object
    parts: dict
    model: object
    optimizer: object
    callbacks: list
    classification: bool
    metrics: list = field(default_factory=list)
    log_keys: list = field(default_factory=list)


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def _layer_params(spec: dict, prev: int | None) -> tuple[int, int | None]:
    """(parameters, outputs) of one layer spec, for the estimate (Linear/Conv; else 0)."""
    kind = spec.get("type")
    nums = {k: v for k, v in spec.items() if isinstance(v, int) and not isinstance(v, bool)}
    if kind == "Linear":
        n_in, n_out = nums.get("in", prev or 0), nums.get("out", 0)
        return n_in * n_out + n_out, n_out
    if str(kind).startswith("Conv"):
        k = nums.get("kernel_size", 3)
        c_in, c_out = nums.get("in_channels", 0), nums.get("out_channels", 0)
        return c_in * c_out * k ** (2 if "2d" in str(kind) else 1) + c_out, prev
    return 0, prev


def estimate_memory(config: dict) -> dict:
    """Bytes the run would need, before anything is built: ``{"data", "model", "total"}``.

    Data: samples × features × 8 (generated as float64, then copied into float32 parts);
    model: parameters × 4 bytes × 4 (weights, gradients, two optimizer moments) plus one
    batch of activations."""
    data, kind = config["data"], config["data"]["kind"]
    n = data.get("n_samples", 0) if kind not in ("csv", "mnist", "digits") else 0
    n = n if isinstance(n, int) else 0
    features = data.get("n_features", 2) if kind == "blobs" else 2
    features = features if isinstance(features, int) else 2
    if kind == "mnist":
        limit = data.get("limit")
        n, features = (limit if isinstance(limit, int) else 60000), 784
    data_bytes = n * max(features, 1) * 8 * 2
    params, prev, widths = 0, features, 0
    for spec in config["model"]["layers"]:
        p, prev = _layer_params(spec, prev)
        params += p
        widths += prev or 0
    batch = config["train"].get("batch_size", 32)
    batch = batch if isinstance(batch, int) else 32
    model_bytes = params * 4 * 4 + batch * widths * 4 * 3
    return {"data": data_bytes, "model": model_bytes, "total": data_bytes + model_bytes}


def _check_memory(config: dict) -> None:
    est, have = estimate_memory(config), _physical_memory()
    if est["total"] > MEMORY_FRACTION * have:
        gib = 2**30
        raise ConfigError(
            f"this run would need about {est['total'] / gib:.1f} GiB of memory (data "
            f"{est['data'] / gib:.1f} GiB, model and one batch {est['model'] / gib:.1f} GiB) but "
            f"the machine has {have / gib:.1f} GiB; reduce data.n_samples / data.limit, the "
            "layer sizes or train.batch_size.")


def _targets(y, class_index: bool):
    if class_index:
        return y.astype(np.int64) if y.ndim == 1 else y
    y = y.astype(np.float32)
    return y.reshape(len(y), -1)


def _check_fit(loss, model, X, y, class_index: bool) -> None:
    """Loss ↔ targets ↔ output layer, with the fix in each message."""
    from .. import nn, no_grad

    name = type(loss).__name__
    labels = np.asarray(y)
    integral = labels.dtype.kind in "iub" or bool(np.all(labels == np.round(labels)))
    n_classes = int(labels.max()) + 1 if integral and labels.size and labels.min() >= 0 else None
    try:
        with no_grad():
            model.eval()
            out = model(np.asarray(X[:2], dtype=np.float32))
            model.train()
    except Exception as exc:  # NOTE: any layer error here is a config error, shown as one
        raise ConfigError(f"model.layers do not fit the data (inputs of shape "
                          f"{tuple(X.shape[1:])}): {exc}") from None
    width = int(np.prod(out.shape[1:])) if out.ndim > 1 else 1
    last = type(model[len(model) - 1]).__name__ if isinstance(model, nn.Sequential) else None
    if class_index:
        if not integral or labels.min() < 0:
            raise ConfigError(f"train.loss = {name!r} needs class labels 0, 1, 2, ... as targets, "
                              "but the data's targets are not; for numeric targets use "
                              '"MSELoss" with an output of 1 unit.')
        if width < n_classes:
            raise ConfigError(f"the model gives {width} output(s) but the data has {n_classes} "
                              f"classes; set the last Linear's out = {n_classes} for {name}.")
        return
    if "BCE" in name:
        if labels.min() < 0 or labels.max() > 1:
            fix = (f'; for {n_classes} classes use loss = "CrossEntropyLoss" with the last '
                   f'Linear out = {n_classes} and no Sigmoid layer' if n_classes else "")
            raise ConfigError(f"train.loss = {name!r} takes targets in [0, 1] but the data's "
                              f"targets run from {labels.min():g} to {labels.max():g}{fix}.")
        if name == "BCELoss" and last not in ("Sigmoid", "Softmax"):
            raise ConfigError(f"train.loss = 'BCELoss' takes probabilities, but the model ends in "
                              f"{last}; add {{type = \"Sigmoid\"}} as the last layer, or use "
                              '"BCEWithLogitsLoss" on the raw scores.')
    cols = int(np.prod(y.shape[1:])) if y.ndim > 1 else 1
    if width != cols:
        raise ConfigError(f"the model gives {width} output(s) per sample but the targets have "
                          f"{cols} column(s); {name} would compare them by broadcasting. Set the "
                          f"last Linear's out = {cols}" + (
                              f', or use "CrossEntropyLoss" for {n_classes} classes'
                              if n_classes and n_classes > 2 else "") + ".")


def _check_keys(config: dict, log_keys: list) -> None:
    from .callbacks import parse_criterion

    for name in ("early_stopping", "reduce_lr_on_plateau"):
        table = config["callbacks"].get(name)
        monitor = (table or {}).get("monitor")
        if table is not None and monitor is not None and monitor not in log_keys:
            hint = (" (it needs validation data, but data.validation_split is 0: monitor "
                    f"{monitor[4:]!r} or set a split)" if str(monitor).startswith("val_")
                    and monitor[4:] in log_keys else "")
            raise ConfigError(f"callbacks.{name}.monitor = {monitor!r} will never be "
                              f"logged{hint}; the logged keys are {', '.join(log_keys)}.")
    stop = config["train"].get("stop_when") or []
    for text in [stop] if isinstance(stop, str) else stop:
        try:
            parse_criterion(text)
        except ValueError as exc:
            raise ConfigError(f"train.{exc}") from None
        key = text.split("<")[0].split(">")[0].strip()
        if key not in log_keys:
            raise ConfigError(f"train.stop_when = {text!r}: {key!r} will never be logged; the "
                              f"logged keys are {', '.join(log_keys)}.")


def prepare(config: dict, scale: bool = True) -> Prepared:
    """Validate ``config`` as a whole and build the run in memory (see the module docstring).

    ``scale=False`` leaves the data parts unscaled (``data.scale`` is still checked), for
    callers that regroup them and scale afterwards (``glassgrad tune``'s k-fold and retraining).

    Raises:
        ConfigError: the first problem found, naming the key and the fix.
    """
    from .. import manual_seed
    from .compile import check_output_layer, is_class_index_loss, resolve_loss
    from .metrics import get_metric
    from .monitor import expected_log_keys

    check_config(config)
    seed, tcfg = config["seed"], config["train"]
    manual_seed(seed)
    try:
        loss = resolve_loss(tcfg["loss"])
        metrics = [get_metric(m)[0] for m in tcfg.get("metrics", [])]
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"train: {exc}") from None
    class_index = is_class_index_loss(loss)
    classification = class_index or "bce" in type(loss).__name__.lower() or \
        any(m in ("accuracy", "acc") for m in tcfg.get("metrics", []))
    _check_memory(config)
    X, y = load_data(config["data"], seed)
    data_cfg = config["data"] if scale else {**config["data"], "scale": "none"}
    parts = split_data(X, _targets(y, class_index), data_cfg, seed, classification)
    if not class_index:
        parts = {k: (x, _targets(t, False)) for k, (x, t) in parts.items()}
    model, _ = build_model(config["model"]["layers"], int(np.prod(X.shape[1:])))
    try:
        check_output_layer(model, loss)
    except ValueError as exc:
        raise ConfigError(f"model.layers / train.loss: {exc}") from None
    _check_fit(loss, model, X, _targets(y, class_index), class_index)
    optimizer = build_optimizer(config["optimizer"], model)
    has_val = "val" in parts
    log_keys = expected_log_keys(metrics, has_val)
    _check_keys(config, log_keys)
    batches = math.ceil(len(parts["train"][0]) / tcfg["batch_size"])
    callbacks = build_callbacks(config["callbacks"], optimizer, has_val, epochs=tcfg["epochs"],
                                steps_per_epoch=batches)
    return Prepared(config, loss, parts, model, optimizer, callbacks, classification,
                    tcfg.get("metrics", []), log_keys)

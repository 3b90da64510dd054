"""Build the pieces of a ``glassgrad train`` run from a checked config (see ``config.py``)."""

from __future__ import annotations

import inspect
import math
import os

import numpy as np

from .config import ConfigError

_LAYER_ALIASES = {"in": "in_features", "out": "out_features"}

# NOTE: ranges of well-known argument names, checked for every constructor a config calls
# (optimizers, schedulers, callbacks, data generators, layers) before it is called.
RANGES = {
    "lr": (0, None, False), "max_lr": (0, None, False), "base_lr": (0, None, True),
    "min_lr": (0, None, True), "eta_min": (0, None, True), "weight_decay": (0, None, True),
    "momentum": (0, 1, True), "dampening": (0, 1, True), "eps": (0, None, False),
    "gamma": (0, None, False), "factor": (0, 1, True), "noise": (0, None, True),
    "cluster_std": (0, None, False), "n_samples": (1, None, True), "patience": (0, None, True),
    "step_size": (1, None, True), "alpha": (0, None, True), "p": (0, 1, True),
    "in_features": (1, None, True), "out_features": (1, None, True),
}


def _check_value(what: str, section: str, key: str, value, default) -> None:
    """Type from the parameter's default value, range from ``RANGES``."""
    shown = {v: k for k, v in _LAYER_ALIASES.items()}.get(key, key)
    name = f"{section}.{shown}"
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, bool) and not isinstance(value, bool):
        raise ConfigError(f"config key '{name}' = {value!r} ({what}) must be true or false.")
    if isinstance(default, (int, float)) and not isinstance(default, bool) and not number:
        raise ConfigError(f"config key '{name}' = {value!r} ({what}) must be a number, e.g. "
                          f"{default!r}.")
    if isinstance(default, str) and not isinstance(value, str):
        raise ConfigError(f"config key '{name}' = {value!r} ({what}) must be a string, e.g. "
                          f"{default!r}.")
    if number and not math.isfinite(value):
        raise ConfigError(f"config key '{name}' = {value!r} ({what}) must be a finite number.")
    values = value if isinstance(value, (list, tuple)) and key == "betas" else [value]
    for v in values:
        if key == "betas" and not (isinstance(v, (int, float)) and 0 <= v < 1):
            raise ConfigError(f"config key '{name}' = {value!r} ({what}): each beta must be a "
                              "number in [0, 1), e.g. [0.9, 0.999].")
    if key in RANGES and number:
        lo, hi, closed = RANGES[key]
        low_ok = value >= lo if closed else value > lo
        if not low_ok or (hi is not None and value >= hi and key not in ("p",)) or (
                key == "p" and value > 1):
            rng = "in [0, 1]" if key == "p" else (
                f"{'>=' if closed else '>'} {lo}" + (f" and < {hi}" if hi is not None else ""))
            raise ConfigError(f"config key '{name}' = {value!r} ({what}) is out of range; it "
                              f"must be {rng}.")
    if key in RANGES and not number and value is not None and default is inspect.Parameter.empty:
        raise ConfigError(f"config key '{name}' = {value!r} ({what}) must be a number.")


def _call(what: str, fn, section: str, **kwargs):
    """``fn(**kwargs)``; unknown keyword -> ConfigError naming ``section.key`` and the allowed
    keys; a value of the wrong type or range -> ConfigError; other TypeError/ValueError ->
    ConfigError with ``what`` in front."""
    skip = ("self", "params", "optimizer")
    try:
        sig = inspect.signature(fn).parameters
        names = [p for p in sig if p not in skip]
    except (TypeError, ValueError):
        sig, names = {}, None
    for key in kwargs:
        if names is not None and key not in names and key not in skip:
            raise ConfigError(f"unknown config key '{section}.{key}' ({what}); allowed: "
                              f"{', '.join(names)}.")
        if key in sig and key not in skip:
            _check_value(what, section, key, kwargs[key], sig[key].default)
    try:
        return fn(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError, KeyError, ArithmeticError) as exc:
        msg = str(exc.args[0] if exc.args else exc)
        # name the config section; do not repeat a class name the message already starts with
        msg = msg if msg.startswith(f"{what}:") else f"{what}: {msg}"
        raise ConfigError(f"[{section}] {msg}") from None


# ---------------------------------------------------------------- data


def _generated(kind: str, params: dict, seed: int):
    from .. import data
    from .config import DATA_KINDS

    fn = getattr(data, DATA_KINDS[kind])
    allowed = [p for p in inspect.signature(fn).parameters if p != "seed"]
    for key in params:
        if key not in allowed:
            raise ConfigError(f"unknown config key 'data.{key}' for kind = {kind!r}; allowed: "
                              f"kind, test_size, validation_split, scale, {', '.join(allowed)}.")
    return _call(f"kind = {kind!r}", fn, "data", **params, seed=seed)


def _csv(params: dict):
    from ..data import load_csv

    path = params["path"]
    if not os.path.isfile(path):
        where = "is a folder" if os.path.isdir(path) else "does not exist"
        raise ConfigError(f"data.path = {path!r} {where} (working directory {os.getcwd()!r}).")
    kwargs = {k: params[k] for k in ("target", "delimiter", "header") if k in params}
    try:
        return load_csv(path, **kwargs)
    except (KeyError, IndexError) as exc:
        msg = exc.args[0] if exc.args else exc
        raise ConfigError(f"data.target = {params.get('target')!r}: {msg}") from None
    except ValueError as exc:
        raise ConfigError(f"data.path = {path!r}: {exc}") from None


def _mnist(params: dict, seed: int):
    from ..data import load_mnist

    path = params["path"]
    if not os.path.isdir(path):
        raise ConfigError(f"data.path = {path!r} is not a folder (it should hold the MNIST IDX "
                          "files train-images-idx3-ubyte[.gz] and friends).")
    try:
        images, labels = load_mnist(path, kind=params.get("variant", "mnist"), train=True)
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from None
    X = images.reshape(len(images), -1).astype(np.float32) / 255.0
    limit = params.get("limit")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 2:
            raise ConfigError(f"data.limit = {limit!r} must be an integer >= 2.")
        idx = np.random.default_rng(seed).permutation(len(X))[:limit]
        X, labels = X[idx], labels[idx]
    return X, labels


def _digits(params: dict):
    from ..data import load_digits

    return _call("kind = 'digits'", lambda n_class=10: load_digits(images=False,
                                                                   n_class=n_class),
                 "data", **params)


def load_data(cfg: dict, seed: int):
    """``(X, y)`` from the [data] table, checked for length and NaN."""
    from .config import DATA_COMMON
    from .inputs import check_arrays

    params = {k: v for k, v in cfg.items() if k not in DATA_COMMON}
    kind = cfg["kind"]
    if kind == "digits":
        X, y = _digits(params)
    elif kind == "csv":
        X, y = _csv(params)
    elif kind == "mnist":
        X, y = _mnist(params, seed)
    else:
        X, y = _generated(kind, params, seed)
    try:
        return check_arrays(X, y, where=f"data ({kind})")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def split_data(X, y, cfg: dict, seed: int, classification: bool):
    """train / validation / test parts (stratified for classification), scaled on train only."""
    from .. import data

    n = len(X)
    n_test = int(np.ceil(n * cfg.get("test_size", 0.0)))
    n_val = int(np.ceil((n - n_test) * cfg.get("validation_split", 0.0)))
    if n - n_test - n_val < 1 or (cfg.get("test_size", 0) and n_test < 1):
        raise ConfigError(f"data.test_size = {cfg.get('test_size')} and data.validation_split = "
                          f"{cfg.get('validation_split')} leave no training samples out of {n}.")
    strat = y if classification and y.ndim == 1 else None
    sizes = [s for s in (n_test, n_val)]
    try:
        idx = data.split_indices(n, sizes, stratify=strat, shuffle=True, seed=seed)
    except ValueError:  # e.g. a class too small to stratify: fall back to a plain shuffle
        idx = data.split_indices(n, sizes, shuffle=True, seed=seed)
    parts = {"train": idx[0], "test": idx[1], "val": idx[2]}
    out = {k: (X[v], y[v]) for k, v in parts.items() if len(v)}
    return scale_parts(out, cfg.get("scale", "none"))


def scale_parts(parts: dict, scale: str) -> dict:
    """``parts`` (name -> (X, y)) scaled by a scaler fitted on ``parts["train"]`` only."""
    from .. import data

    if scale == "none":
        return parts
    scaler = (data.StandardScaler() if scale == "standard" else data.MinMaxScaler())
    scaler.fit(parts["train"][0])
    return {k: (np.asarray(scaler.transform(x), dtype=np.float32), t)
            for k, (x, t) in parts.items()}


# ---------------------------------------------------------------- model, optimizer, callbacks


def build_model(layers: list, n_features: int | None):
    from .. import nn

    modules, prev_out = [], n_features
    for i, spec in enumerate(layers):
        spec = dict(spec)
        kind = spec.pop("type")
        cls = getattr(nn, str(kind), None)
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)) or kind in (
                "Module", "Sequential", "ModuleList", "ModuleDict") or kind.endswith("Loss"):
            allowed = sorted(n for n in dir(nn) if isinstance(getattr(nn, n), type)
                             and issubclass(getattr(nn, n), nn.Module) and not n.endswith("Loss")
                             and n not in ("Module", "ModuleList", "ModuleDict", "Sequential"))
            raise ConfigError(f"model.layers[{i}].type = {kind!r} is not a glassgrad.nn layer; "
                              f"allowed: {', '.join(allowed)}.")
        kwargs = {_LAYER_ALIASES.get(k, k): v for k, v in spec.items()}
        if kind == "Linear":
            if "in_features" not in kwargs and prev_out is not None:
                kwargs["in_features"] = prev_out
            if "out_features" not in kwargs:
                raise ConfigError(f"missing config key 'model.layers[{i}].out' (Linear).")
            if prev_out is not None and kwargs.get("in_features") != prev_out:
                src = "the data has" if i == 0 or prev_out == n_features and not modules else \
                    "the previous Linear gives"
                raise ConfigError(f"model.layers[{i}].in = {kwargs.get('in_features')} but {src} "
                                  f"{prev_out} features.")
            prev_out = kwargs["out_features"]
        modules.append(_call(kind, cls, f"model.layers[{i}]", **kwargs))
    return nn.Sequential(*modules), prev_out


def build_optimizer(cfg: dict, model):
    from .. import optim
    from .compile import OPTIMIZER_NAMES

    params = dict(cfg)
    name = params.pop("name")
    cls_name = OPTIMIZER_NAMES.get(str(name).lower(), name)
    cls = getattr(optim, str(cls_name), None)
    if not (isinstance(cls, type) and issubclass(cls, optim.Optimizer)):
        raise ConfigError(f"optimizer.name = {name!r} is not allowed; choose one of "
                          f"{', '.join(OPTIMIZER_NAMES.values())}.")
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    return _call(cls_name, cls, "optimizer", params=model.parameters(), **params)


def build_callbacks(cfg: dict, optimizer, has_val: bool, epochs: int | None = None,
                    steps_per_epoch: int | None = None):
    """The callbacks of ``cfg`` (the ``[callbacks]`` tables). ``epochs`` and
    ``steps_per_epoch`` (batches per epoch) complete a OneCycleLR that gives neither."""
    from .. import optim
    from .callbacks import SchedulerCallback, TerminateOnNaN
    from .checkpoint import EarlyStopping

    out = []
    default_monitor = "val_loss" if has_val else "loss"
    for name, table in cfg.items():
        table = dict(table)
        if name == "early_stopping":
            table.setdefault("monitor", default_monitor)
            _check_monitor(name, table["monitor"], has_val)
            out.append(_call("EarlyStopping", EarlyStopping, "callbacks.early_stopping",
                             **table))
        elif name == "reduce_lr_on_plateau":
            monitor = table.pop("monitor", default_monitor)
            _check_monitor(name, monitor, has_val)
            sched = _call("ReduceLROnPlateau", optim.ReduceLROnPlateau,
                          "callbacks.reduce_lr_on_plateau", optimizer=optimizer, **table)
            out.append(SchedulerCallback(sched, monitor=monitor))
        elif name == "lr_scheduler":
            out.append(_lr_scheduler(table, optimizer, epochs, steps_per_epoch))
        elif name == "terminate_on_nan":
            out.append(TerminateOnNaN())
    return out


# schedulers [callbacks.lr_scheduler] can name (the others need functions, schedulers or a metric)
SCHEDULER_NAMES = ("StepLR", "MultiStepLR", "ExponentialLR", "InverseTimeLR", "CosineAnnealingLR",
                   "PolynomialLR", "LinearLR", "ConstantLR", "CosineAnnealingWarmRestarts",
                   "CyclicLR", "OneCycleLR")
PER_BATCH_SCHEDULERS = ("CyclicLR", "OneCycleLR")  # stepped after every batch by default


def _lr_scheduler(table: dict, optimizer, epochs, steps_per_epoch):
    from .. import optim
    from .callbacks import SchedulerCallback

    sname = table.pop("name", None)
    if sname not in SCHEDULER_NAMES:
        raise ConfigError(f"callbacks.lr_scheduler.name = {sname!r}; choose one of "
                          f"{', '.join(SCHEDULER_NAMES)}.")
    per_batch = table.pop("per_batch", sname in PER_BATCH_SCHEDULERS)
    if not isinstance(per_batch, bool):
        raise ConfigError(f"callbacks.lr_scheduler.per_batch = {per_batch!r}; use true (step "
                          "after every batch) or false (after every epoch).")
    if sname == "OneCycleLR" and epochs and steps_per_epoch and not \
            {"total_steps", "epochs", "steps_per_epoch"} & set(table):
        table.update(epochs=epochs, steps_per_epoch=steps_per_epoch if per_batch else 1)
    sched = _call(sname, getattr(optim.lr_scheduler, sname), "callbacks.lr_scheduler",
                  optimizer=optimizer, **table)
    return SchedulerCallback(sched, per_batch=per_batch)


def _check_monitor(name, monitor, has_val):
    if str(monitor).startswith("val_") and not has_val:
        raise ConfigError(f"callbacks.{name}.monitor = {monitor!r} needs validation data, but "
                          "data.validation_split is 0; monitor 'loss' or set a split.")

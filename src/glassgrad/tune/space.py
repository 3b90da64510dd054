"""The ``[tune]`` table of a run config: its settings and the search space of config paths.

A search dimension is a dotted config path (list indices allowed) and one of three specs::

    "optimizer.lr"        = { low = 1e-4, high = 0.3, log = true }   # float range
    "model.layers[0].out" = { low = 4, high = 32, step = 4 }         # int range (ints given)
    "optimizer.name"      = { choices = ["SGD", "Adam"] }            # categorical

Everything is checked here, before any trial runs: the path must lead into the config (a new
leaf key is allowed in an existing table, e.g. ``optimizer.momentum``), the spec must be well
formed, and every choice and both ends of every range must give a config that ``glassgrad
train`` accepts (``validate``). Errors are ``ConfigError`` s naming the ``tune.space`` key.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass

from ..train.config import ConfigError

SAMPLERS = ("grid", "random", "tpe")
PRUNERS = ("none", "median", "hyperband")
TUNE_KEYS = {"sampler", "trials", "metric", "direction", "pruner", "cv", "space"}
ROOTS = ("seed", "data", "model", "train", "optimizer", "callbacks")  # searchable sections
# metrics where a larger value is better; every other metric (loss, mse, mae) is minimized
MAXIMIZED = {"accuracy", "binary_accuracy", "precision", "recall", "f1", "precision_macro",
             "recall_macro", "f1_macro", "r2"}
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*")


def parse_path(path: str) -> tuple:
    """``"model.layers[0].out"`` -> ``("model", "layers", 0, "out")``."""
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise ConfigError(f"tune.space key {path!r} is not a config path; write dotted keys with "
                          'list indices, e.g. "optimizer.lr" or "model.layers[0].out".')
    keys: list = []
    for part in path.split("."):
        name, *idx = part.split("[")
        keys.append(name)
        keys.extend(int(i.rstrip("]")) for i in idx)
    return tuple(keys)


def _where(keys) -> str:
    out = ""
    for k in keys:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else k)
    return out


def set_path(config: dict, keys: tuple, value, path: str | None = None) -> None:
    """Set ``config[k0][k1]...`` to ``value``; every container on the way must exist."""
    path = path or _where(keys)
    if keys[0] not in ROOTS:
        raise ConfigError(f"tune.space[{path!r}]: {keys[0]!r} cannot be searched; paths start "
                          f"with one of {', '.join(ROOTS)}.")
    node = config
    for i, k in enumerate(keys[:-1]):
        nxt = keys[i + 1]
        if isinstance(k, int):
            if not isinstance(node, list) or not 0 <= k < len(node):
                n = len(node) if isinstance(node, list) else 0
                raise ConfigError(f"tune.space[{path!r}]: {_where(keys[:i])} has {n} entries, "
                                  f"so there is no index [{k}].")
        elif not isinstance(node, dict) or k not in node:
            raise ConfigError(f"tune.space[{path!r}]: the config has no {_where(keys[:i + 1])!r}"
                              " (search a key of an existing table or list).")
        node = node[k]
        if isinstance(nxt, int) != isinstance(node, list):
            what = "a list" if isinstance(node, list) else "not a list"
            raise ConfigError(f"tune.space[{path!r}]: {_where(keys[:i + 1])} is {what}.")
    last = keys[-1]
    if isinstance(last, int):
        if not 0 <= last < len(node):
            raise ConfigError(f"tune.space[{path!r}]: {_where(keys[:-1])} has {len(node)} "
                              f"entries, so there is no index [{last}].")
    elif not isinstance(node, dict):
        raise ConfigError(f"tune.space[{path!r}]: {_where(keys[:-1])} is not a table.")
    if isinstance(node[last] if isinstance(last, int) else node.get(last), dict | list):
        raise ConfigError(f"tune.space[{path!r}] is a whole table or list; search one of its "
                          "values instead (e.g. model.layers[0].out).")
    node[last] = value


def apply(config: dict, params: dict) -> dict:
    """A copy of ``config`` (without ``[tune]``) with each ``path -> value`` of ``params`` set."""
    out = copy.deepcopy({k: v for k, v in config.items() if k != "tune"})
    for path, value in params.items():
        set_path(out, parse_path(path), value, path)
    return out


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


@dataclass
class Dim:
    """One search dimension: ``choices`` or a ``low``..``high`` range (int when all are ints)."""
    path: str
    choices: list | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False

    @property
    def is_int(self) -> bool:
        return self.choices is None and all(
            isinstance(v, int) for v in (self.low, self.high, self.step) if v is not None)

    def suggest(self, trial):
        """The value of this dimension for an Optuna ``trial``."""
        if self.choices is not None:
            return trial.suggest_categorical(self.path, self.choices)
        if self.is_int:
            return trial.suggest_int(self.path, self.low, self.high, step=self.step or 1,
                                     log=self.log)
        return trial.suggest_float(self.path, self.low, self.high, step=self.step, log=self.log)

    def grid(self) -> list:
        """Every value of the dimension (for grid search)."""
        if self.choices is not None:
            return list(self.choices)
        if self.step is None and not self.is_int:
            raise ConfigError(f"tune.space[{self.path!r}] is a continuous range; grid search "
                              "needs a finite set: give choices = [...] or a step.")
        step = self.step or 1
        n = int(round((self.high - self.low) / step)) + 1
        return [self.low + i * step for i in range(n)]

    def probes(self) -> list:
        """Values that stand for the dimension when checking it: every choice, both ends."""
        return list(self.choices) if self.choices is not None else [self.low, self.high]


def parse_dim(path: str, spec) -> Dim:
    name = f"tune.space[{path!r}]"
    parse_path(path)
    if not isinstance(spec, dict):
        raise ConfigError(f"{name} = {spec!r} must be a table: {{ choices = [...] }} or "
                          "{ low = ..., high = ... } (optionally log = true, step = ...).")
    if "choices" in spec:
        extra = set(spec) - {"choices"}
        if extra:
            raise ConfigError(f"{name}: {sorted(extra)[0]!r} cannot go with choices; give "
                              "either choices or low/high.")
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise ConfigError(f"{name}.choices = {choices!r} must be a non-empty list.")
        for c in choices:
            if not isinstance(c, bool | int | float | str):
                raise ConfigError(f"{name}.choices holds {c!r}; choices must be numbers, strings "
                                  "or booleans (tables and lists cannot be stored by Optuna).")
        if len({(type(c), c) for c in choices}) < len(choices):
            raise ConfigError(f"{name}.choices = {choices!r} holds a value twice.")
        return Dim(path, choices=list(choices))
    extra = set(spec) - {"low", "high", "step", "log"}
    if extra or "low" not in spec or "high" not in spec:
        bad = sorted(extra)[0] if extra else ("low" if "low" not in spec else "high")
        raise ConfigError(f"{name}: {'unknown key ' + repr(bad) if extra else 'missing ' + bad}; "
                          "a range is { low = ..., high = ... } with optional step and log, "
                          "a categorical is { choices = [...] }.")
    low, high, step, log = spec["low"], spec["high"], spec.get("step"), spec.get("log", False)
    for key, v in (("low", low), ("high", high)) + ((("step", step),) if step is not None else ()):
        if not _number(v):
            raise ConfigError(f"{name}.{key} = {v!r} must be a finite number.")
    if not low < high:
        raise ConfigError(f"{name}: low = {low!r} must be below high = {high!r}.")
    if not isinstance(log, bool):
        raise ConfigError(f"{name}.log = {log!r} must be true or false.")
    if log and low <= 0:
        raise ConfigError(f"{name}: a log range needs low > 0, got low = {low!r}.")
    dim = Dim(path, low=low, high=high, step=step, log=log)
    if step is not None:
        if step <= 0:
            raise ConfigError(f"{name}.step = {step!r} must be positive.")
        if log and (not dim.is_int or step != 1):
            raise ConfigError(f"{name}: step and log = true cannot be combined (Optuna samples a "
                              "log range continuously); drop one of them.")
        n = (high - low) / step
        if abs(n - round(n)) > 1e-9 * max(1.0, abs(n)):
            raise ConfigError(f"{name}: high - low = {high - low!r} is not a multiple of "
                              f"step = {step!r}.")
    return dim


@dataclass
class TuneSpec:
    """The checked ``[tune]`` table."""
    dims: list
    sampler: str = "tpe"
    trials: int | None = None
    metric: str = "val_loss"
    direction: str = "minimize"
    pruner: str = "none"
    cv: int = 0

    def grid_space(self) -> dict:
        return {d.path: d.grid() for d in self.dims}

    def grid_size(self) -> int:
        return math.prod(len(v) for v in self.grid_space().values())


def _metric_name(metric: str, config: dict, cv: int) -> str:
    from ..train.metrics import get_metric

    if not isinstance(metric, str):
        raise ConfigError(f"tune.metric = {metric!r} must be a name such as 'val_loss'.")
    val = metric.startswith("val_")
    base = metric[4:] if val else metric
    logged = ["loss"]
    for m in config["train"].get("metrics", []):
        try:
            logged.append(get_metric(m)[0])
        except (ValueError, TypeError):
            pass  # the config check names a bad train.metrics entry
    canonical = base
    if base != "loss":
        try:
            canonical = get_metric(base)[0]
        except ValueError:
            canonical = None
    has_val = config["data"].get("validation_split", 0) > 0 or cv > 1
    allowed = logged + ([f"val_{m}" for m in logged] if has_val else [])
    name = None if canonical is None else (f"val_{canonical}" if val else canonical)
    if name not in allowed:
        raise ConfigError(f"tune.metric = {metric!r} is never logged by this config; choose one "
                          f"of {', '.join(allowed)} (add metrics to train.metrics"
                          f"{'' if has_val else ', and validation data with data.validation_split'}"
                          ").")
    return name


def parse_tune(config: dict) -> TuneSpec:
    """Check the ``[tune]`` table of ``config`` (merged over the defaults) -> ``TuneSpec``."""
    table = config.get("tune")
    if not isinstance(table, dict) or not table:
        raise ConfigError("the config has no [tune] table; add one with a [tune.space] of config "
                          'paths, e.g.\n[tune]\nsampler = "tpe"\ntrials = 20\n[tune.space]\n'
                          '"optimizer.lr" = { low = 1e-4, high = 0.3, log = true }')
    extra = sorted(set(table) - TUNE_KEYS)
    if extra:
        raise ConfigError(f"unknown config key 'tune.{extra[0]}'; allowed keys in [tune]: "
                          f"{', '.join(sorted(TUNE_KEYS))}.")
    sampler = table.get("sampler", "tpe")
    if sampler not in SAMPLERS:
        raise ConfigError(f"tune.sampler = {sampler!r}; choose one of {', '.join(SAMPLERS)}.")
    pruner = table.get("pruner", "none")
    if pruner not in PRUNERS:
        raise ConfigError(f"tune.pruner = {pruner!r}; choose one of {', '.join(PRUNERS)}.")
    cv = table.get("cv", 0)
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 0 or cv == 1:
        raise ConfigError(f"tune.cv = {cv!r}; use 0 (the validation split) or k >= 2 (k-fold "
                          "cross-validation on the training part).")
    if cv == 0 and not config["data"].get("validation_split", 0) > 0:
        raise ConfigError("tune: data.validation_split is 0 and tune.cv is 0, so there is no data "
                          "to compare settings on; set data.validation_split (e.g. 0.2) or "
                          "tune.cv = 5. The test set is kept for the final evaluation.")
    space = table.get("space")
    if not isinstance(space, dict) or not space:
        raise ConfigError("tune.space is empty: nothing to search. Add config paths, e.g. "
                          '[tune.space]\n"optimizer.lr" = { low = 1e-4, high = 0.3, log = true }')
    spec = TuneSpec([parse_dim(p, s) for p, s in space.items()], sampler=sampler, pruner=pruner,
                    cv=cv)
    spec.metric = _metric_name(table.get("metric", "val_loss"), config, cv)
    base = spec.metric.removeprefix("val_")
    direction = table.get("direction", "maximize" if base in MAXIMIZED else "minimize")
    if direction not in ("minimize", "maximize"):
        raise ConfigError(f"tune.direction = {direction!r}; choose minimize or maximize.")
    spec.direction = direction
    spec.trials = check_trials(table.get("trials"), spec, "tune.trials")
    return spec


def check_trials(trials, spec: TuneSpec, key: str) -> int:
    """The total number of trials: ``trials``, or the whole grid for grid search."""
    size = spec.grid_size() if spec.sampler == "grid" else None
    if trials is None:
        if size is None:
            raise ConfigError(f"{key} is missing: how many trials should the {spec.sampler} "
                              "search run in total? (e.g. trials = 20 or --trials 20)")
        return size
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ConfigError(f"{key} = {trials!r} must be an integer >= 1.")
    if size is not None and trials > size:
        raise ConfigError(f"{key} = {trials} but the grid has only {size} points; omit it to run "
                          "the whole grid.")
    return trials


def validate(config: dict, spec: TuneSpec) -> None:
    """Build every choice and both ends of every range (one dimension at a time, the others at
    the base config's values), so a bad path or value is refused before any trial runs."""
    from ..train.config import check_config
    from ..train.run import build_run, prepare_data

    base = apply(config, {})
    check_config(base)
    loss, _, parts = prepare_data(base)
    build_run(base, parts, loss)
    for dim in spec.dims:
        for value in dim.probes():
            cfg = apply(config, {dim.path: value})
            try:
                check_config(cfg)
                if dim.path.split(".")[0] in ("data", "seed") or dim.path.startswith(
                        ("train.loss", "train.metrics")):
                    dim_loss, _, dim_parts = prepare_data(cfg)   # the data itself changes
                    build_run(cfg, dim_parts, dim_loss)
                else:
                    build_run(cfg, parts, loss)
            except ConfigError as exc:
                hint = (" Omit 'in' of the next Linear: it then follows the searched width."
                        if dim.path.endswith(".out") and ".in = " in str(exc) else "")
                raise ConfigError(f"tune.space[{dim.path!r}] = {value!r} gives a config that "
                                  f"cannot run: {exc}{hint}") from None

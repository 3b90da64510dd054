"""The TOML run configuration of ``glassgrad train``: defaults, schema checks, TOML output.

A config has these tables (every key optional; missing ones take ``DEFAULT_CONFIG``'s value,
``model.layers`` is replaced as a whole)::

    name = "moons-mlp"        # run folder name (default: a timestamp)
    seed = 0                  # seeds data generation, splits, initialization and shuffling
    [data]     kind + its parameters, test_size, validation_split, scale
    [model]    layers = [{type = "Linear", in = 2, out = 16}, {type = "Tanh"}, ...]
    [train]    loss, metrics, epochs, batch_size, stop_when, verbose
    [optimizer] name + its parameters (lr, momentum, betas, weight_decay, ...)
    [callbacks.early_stopping] / [callbacks.reduce_lr_on_plateau] / [callbacks.lr_scheduler]
               / [callbacks.terminate_on_nan]

Errors are ``ConfigError`` s that name the key, what it holds and what is allowed.
``check_config`` checks the structure and every plain value (types, finite numbers, ranges, a
safe run name); ``train.prepare.prepare(config)`` then builds every piece in memory and checks
how they fit together. Both run before any file is written.
"""

from __future__ import annotations

import copy
import math
import tomllib

from ..errors import GlassgradError

DEFAULT_TOML = '''\
# glassgrad train: the built-in default run (glassgrad train --print-default-config).
# A 2-16-16-1 tanh network with a sigmoid output learns the two-moons problem.
name = ""                   # run folder name under runs/ ("" = a timestamp)
seed = 0                    # one seed: data, splits, weights, shuffling

[data]
kind = "moons"              # moons | circles | blobs | spirals | xor | digits | csv | mnist
n_samples = 1000            # generated kinds: their make_* parameters (noise, factor, ...)
noise = 0.15
# digits: the shipped 8x8 digits (1797 images as 64 features), n_class = 10
# csv:   path = "table.csv", target = "label" (column name or index), delimiter = ","
# mnist: path = "mnist/" (IDX files), variant = "mnist" | "fashion", limit = 10000
test_size = 0.2             # fraction held out for the final test
validation_split = 0.2      # fraction of the remaining samples used for validation
scale = "standard"          # none | standard | minmax (fitted on the training part only)

[model]
layers = [
    {type = "Linear", in = 2, out = 16}, {type = "Tanh"},
    {type = "Linear", in = 16, out = 16}, {type = "Tanh"},
    {type = "Linear", in = 16, out = 1}, {type = "Sigmoid"},
]

[train]
loss = "BCELoss"            # any glassgrad.nn loss class, or mse | sse | bce | cross_entropy
metrics = ["accuracy"]      # accuracy | precision | recall | f1 | *_macro | mse | mae | r2
epochs = 100
batch_size = 32
stop_when = ""              # convergence criterion, e.g. "loss < 1e-4" ("" = none)
verbose = 1                 # 0 silent, 1 progress bar, 2 one line per epoch

[optimizer]
name = "Adam"               # SGD | Adam | AdamW | RMSprop | Adagrad
lr = 0.01                   # other keys go to the optimizer (momentum, betas, weight_decay)

[callbacks.early_stopping]  # delete this table to train for all epochs
monitor = "val_loss"
patience = 20               # other keys: min_delta, mode, baseline, start_from_epoch,
                            # restore_best_weights (default true)
# [callbacks.reduce_lr_on_plateau]   factor = 0.5, patience = 5, monitor = "val_loss"
# [callbacks.lr_scheduler]           name = "StepLR", step_size = 30, gamma = 0.1
#     or name = "OneCycleLR", max_lr = 0.1 (stepped per batch; epochs x batches filled in)
# [callbacks.terminate_on_nan]
'''

DATA_KINDS = {"moons": "make_moons", "circles": "make_circles", "blobs": "make_blobs",
              "spirals": "make_spirals", "xor": "make_xor", "digits": None, "csv": None,
              "mnist": None}
SCALES = ("none", "standard", "minmax")
# [tune] belongs to `glassgrad tune` (glassgrad.tune checks it); `glassgrad train` ignores it
TOP_KEYS = {"name", "seed", "data", "model", "train", "optimizer", "callbacks", "tune"}
DATA_COMMON = {"kind", "test_size", "validation_split", "scale"}
DATA_KEYS = {"csv": {"path", "target", "delimiter", "header"},
             "mnist": {"path", "variant", "limit"}, "digits": {"n_class"}}
TRAIN_KEYS = {"loss", "metrics", "epochs", "batch_size", "stop_when", "verbose"}
CALLBACKS = ("early_stopping", "reduce_lr_on_plateau", "lr_scheduler", "terminate_on_nan")


class ConfigError(GlassgradError, ValueError):
    """A config key is missing, unknown or holds a value that is not allowed."""


def default_config() -> dict:
    return tomllib.loads(DEFAULT_TOML)


def _merge(default: dict, user: dict) -> dict:
    out = copy.deepcopy(default)
    for key, value in user.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "callbacks":
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    if isinstance(user.get("data"), dict) and user["data"].get("kind", "moons") != \
            default["data"]["kind"]:
        # the generator parameters of the default kind do not apply to another kind
        for k in ("n_samples", "noise"):
            if k not in user["data"]:
                out["data"].pop(k, None)
    return out


def load_config(path=None, text: str | None = None) -> dict:
    """Read a TOML file (or ``text``), merge it over the defaults and check it."""
    if path is not None:
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8")
        except FileNotFoundError:
            raise ConfigError(f"config file {str(path)!r} does not exist.") from None
        except IsADirectoryError:
            raise ConfigError(f"config path {str(path)!r} is a folder, not a TOML file.") from None
    user = {}
    if text is not None:
        try:
            user = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config {str(path or '<text>')!r} is not valid TOML: {e}.") from None
    config = _merge(default_config(), user)
    check_config(config)
    return config


def _err(key, value, allowed):
    raise ConfigError(f"config key {key!r} = {value!r} is not allowed; {allowed}.")


def _unknown(section: str, keys, allowed) -> None:
    extra = sorted(set(keys) - set(allowed))
    if extra:
        where = f"{section}." if section else ""
        raise ConfigError(f"unknown config key {where + extra[0]!r}; allowed keys"
                          f"{' in [' + section + ']' if section else ''}: "
                          f"{', '.join(sorted(allowed))}.")


def _int(config, section, key, minimum):
    value = config[section][key] if section else config[key]
    name = f"{section}.{key}" if section else key
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        _err(name, value, f"it must be an integer >= {minimum}")


def _fraction(data, key):
    value = data.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        _err(f"data.{key}", value, "it must be a fraction in [0, 1), e.g. 0.2")


def check_config(config: dict) -> None:
    """Check the structure and the simple values; the builders check the rest."""
    _unknown("", config, TOP_KEYS)
    for section in ("data", "model", "train", "optimizer", "callbacks"):
        if not isinstance(config.get(section), dict):
            raise ConfigError(f"config key {section!r} must be a table ([{section}]), got "
                              f"{type(config.get(section)).__name__}.")
    _finite(config, "")
    if not isinstance(config.get("tune", {}), dict):
        raise ConfigError("config key 'tune' must be a table ([tune]), see glassgrad tune --help.")
    _int(config, None, "seed", 0)
    check_name(config["name"])
    data = config["data"]
    kind = data.get("kind")
    if kind not in DATA_KINDS:
        _err("data.kind", kind, f"choose one of {', '.join(DATA_KINDS)}")
    if kind in DATA_KEYS:
        _unknown("data", data, DATA_COMMON | DATA_KEYS[kind])
        if "path" in DATA_KEYS[kind] and "path" not in data:
            raise ConfigError(f"missing config key 'data.path' (required for kind = {kind!r}).")
    _fraction(data, "test_size")
    _fraction(data, "validation_split")
    if data.get("scale", "none") not in SCALES:
        _err("data.scale", data.get("scale"), f"choose one of {', '.join(SCALES)}")
    _unknown("model", config["model"], {"layers"})
    layers = config["model"].get("layers")
    if not isinstance(layers, list) or not layers:
        raise ConfigError("config key 'model.layers' must be a non-empty list of tables like "
                          '{type = "Linear", in = 2, out = 16}.')
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or "type" not in layer:
            raise ConfigError(f"model.layers[{i}] = {layer!r} needs a 'type' key, e.g. "
                              '{type = "Linear", in = 2, out = 16} or {type = "Tanh"}.')
    train = config["train"]
    _unknown("train", train, TRAIN_KEYS)
    for key in ("loss", "epochs", "batch_size"):
        if key not in train:
            raise ConfigError(f"missing config key 'train.{key}'.")
    _int(config, "train", "epochs", 1)
    _int(config, "train", "batch_size", 1)
    if train.get("verbose", 1) not in (0, 1, 2):
        _err("train.verbose", train.get("verbose"), "choose 0, 1 or 2")
    if not isinstance(train["loss"], str):
        _err("train.loss", train["loss"], 'it must be a loss name such as "BCELoss", '
             '"CrossEntropyLoss" or "MSELoss"')
    metrics = train.get("metrics", [])
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        _err("train.metrics", metrics, 'it must be a list of names such as ["accuracy"]')
    stop = train.get("stop_when", "")
    if not (isinstance(stop, str) or isinstance(stop, list) and all(
            isinstance(s, str) for s in stop)):
        _err("train.stop_when", stop, 'it must be a criterion such as "loss < 1e-4" (or a '
             'list of them; "" for none)')
    for key in ("path", "target", "variant", "delimiter"):
        if key in data and not isinstance(data[key], (str, int) if key == "target" else str):
            _err(f"data.{key}", data[key], "it must be a string")
    if "name" not in config["optimizer"]:
        raise ConfigError("missing config key 'optimizer.name' (SGD, Adam, AdamW, RMSprop, "
                          "Adagrad).")
    if not isinstance(config["optimizer"]["name"], str):
        _err("optimizer.name", config["optimizer"]["name"], "it must be a name such as "
             '"Adam" or "SGD"')
    _unknown("callbacks", config["callbacks"], CALLBACKS)
    for name, table in config["callbacks"].items():
        if not isinstance(table, dict):
            raise ConfigError(f"config key 'callbacks.{name}' must be a table "
                              f"([callbacks.{name}]), got {table!r}.")


def check_name(name) -> None:
    """A run name is one plain folder name: it can never lead outside ``runs/``."""
    if not isinstance(name, str):
        _err("name", name, "it must be a string")
    if name and (name in (".", "..") or name.startswith(".") or any(
            c in name for c in '/\\:\0') or not name.isprintable() or len(name) > 100):
        _err("name", name, "it must be a plain folder name under runs/ (letters, digits, -, _, "
             "no path separators, not starting with '.'); use --out DIR for another place")


def _finite(value, key: str) -> None:
    """Every number in the config must be finite (TOML allows nan and inf)."""
    if isinstance(value, float) and not math.isfinite(value):
        _err(key, value, "numbers in a config must be finite")
    if isinstance(value, dict):
        for k, v in value.items():
            _finite(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _finite(v, f"{key}[{i}]")


# ---------------------------------------------------------------- TOML output


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int,)):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else
                                                 ("inf" if v > 0 else "-inf"))
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, dict) for x in v):
            return "[\n" + "".join(f"    {_value(x)},\n" for x in v) + "]"
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else _value(k)


def dump_toml(config: dict, prefix: str = "") -> str:
    """Write a config dict as TOML (tables, nested tables, arrays of inline tables)."""
    lines, tables = [], []
    for k, v in config.items():
        (tables if isinstance(v, dict) else lines).append((k, v))
    out = "".join(f"{_key(k)} = {_value(v)}\n" for k, v in lines)
    for k, v in tables:
        name = f"{prefix}.{_key(k)}" if prefix else _key(k)
        has_scalars = any(not isinstance(x, dict) for x in v.values()) or not v
        if has_scalars:
            out += f"\n[{name}]\n"
        out += dump_toml(v, name).lstrip("\n") if has_scalars else dump_toml(v, name)
    return out

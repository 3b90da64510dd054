"""One ``glassgrad train`` run: data -> model -> fit -> metrics -> a run folder.

The run folder holds:

* ``config.toml``: the full config used (defaults filled in), enough to repeat the run;
* ``history.csv``: one row per completed epoch, appended and flushed as training goes;
* ``history.json``: the same plus ``stop_reason``/``interrupted``/``restored_epoch``;
* ``weights.npz``: the model's ``state_dict`` (``numpy.savez``), written after every epoch and
  finally the returned model (the best epoch's when early stopping restored it);
* ``summary.json``: status (``completed``/``interrupted``), epochs, final train/val/test metrics;
* ``INTERRUPTED``: present only when Ctrl-C stopped the run (files hold the finished epochs);
* ``curves.png`` and, for 2-D classification data, ``decision_boundary.png`` (matplotlib).
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np

from .build import build_callbacks, build_model, build_optimizer, load_data, split_data
from .config import ConfigError, dump_toml

# every file a run (and the CLI's diagnosis report) writes into its folder
RUN_FILES = ("config.toml", "history.csv", "history.json", "weights.npz", "summary.json",
             "INTERRUPTED", "curves.png", "decision_boundary.png", "layer_dynamics.png",
             "diagnosis.md", "diagnosis.json", "layer_stats.md", "live.json")


def make_run_dir(config: dict, out: str | None = None, root: str = "runs",
                 overwrite: bool = False) -> str:
    """``out`` if given, else ``runs/<name or timestamp>`` (``-2``, ``-3`` ... if taken).

    An existing ``out`` folder is used only if it holds none of ``RUN_FILES`` (or with
    ``overwrite=True``), so a run never silently replaces a user's files or an earlier run.
    """
    if out is None:
        base = os.path.join(root, config.get("name") or time.strftime("%Y%m%d-%H%M%S"))
        out, i = base, 1
        while os.path.exists(out):
            i += 1
            out = f"{base}-{i}"
    if os.path.exists(out) and not os.path.isdir(out):
        raise ConfigError(f"--out {out!r} exists and is not a folder.")
    taken = [f for f in RUN_FILES if os.path.exists(os.path.join(out, f))]
    if taken and not overwrite:
        raise ConfigError(f"--out {out!r} already holds {', '.join(taken)}; a run would "
                          "overwrite them. Choose a new folder, or pass --overwrite.")
    os.makedirs(out, exist_ok=True)
    return out


def _write_json(path, obj) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, default=float)
    os.replace(tmp, path)


def _targets(y, classification: bool):
    if classification:
        return y.astype(np.int64) if y.ndim == 1 else y
    y = y.astype(np.float32)
    return y.reshape(len(y), -1)


def run_config(config: dict, out_dir: str, echo=print, plots: bool = True,
               report=None, callbacks=()) -> dict:
    """Train as ``config`` says and fill ``out_dir``; returns the summary dict.

    ``plots=False`` skips the figures; ``report(model, history, train_data, loss)``, when given,
    runs after a completed run (the CLI writes the glass-box diagnosis with it); ``callbacks``
    are added to fit's (the CLI's snapshot recorder or live view).

    Raises ConfigError for bad config values; KeyboardInterrupt is re-raised after the folder
    was made consistent (history, weights of the finished epochs, ``INTERRUPTED``).
    """
    from .. import manual_seed
    from .callbacks import CSVLogger
    from .checkpoint import ModelCheckpoint, save_weights
    from .compile import is_class_index_loss, is_logits_loss, resolve_loss
    from .fit import evaluate, fit
    from .metrics import get_metric

    extra_callbacks = list(callbacks)
    seed = config["seed"]
    manual_seed(seed)
    tcfg = config["train"]
    try:
        loss = resolve_loss(tcfg["loss"])
        for m in tcfg.get("metrics", []):
            get_metric(m)
    except ValueError as exc:
        raise ConfigError(f"train: {exc}") from None
    classification = is_class_index_loss(loss) or "bce" in type(loss).__name__.lower() or \
        any(m in ("accuracy", "acc") for m in tcfg.get("metrics", []))
    X, y = load_data(config["data"], seed)
    parts = split_data(X, _targets(y, classification and is_class_index_loss(loss)),
                       config["data"], seed, classification)
    if not is_class_index_loss(loss):
        parts = {k: (x, _targets(t, False)) for k, (x, t) in parts.items()}
    n_features = int(np.prod(X.shape[1:]))
    model, n_out = build_model(config["model"]["layers"], n_features)
    if is_class_index_loss(loss) and n_out is not None and n_out <= int(y.max()):
        raise ConfigError(f"the last Linear has out = {n_out} but the data has {int(y.max()) + 1} "
                          f"classes; set it to {int(y.max()) + 1} for {type(loss).__name__}.")
    optimizer = build_optimizer(config["optimizer"], model)
    has_val = "val" in parts
    batches = math.ceil(len(parts["train"][0]) / tcfg["batch_size"])  # per epoch
    callbacks = build_callbacks(config["callbacks"], optimizer, has_val,
                                epochs=tcfg["epochs"], steps_per_epoch=batches)

    with open(os.path.join(out_dir, "config.toml"), "w") as f:
        f.write(dump_toml(config))
    for stale in ("INTERRUPTED",):
        if os.path.exists(os.path.join(out_dir, stale)):
            os.remove(os.path.join(out_dir, stale))
    weights = os.path.join(out_dir, "weights.npz")
    callbacks = [CSVLogger(os.path.join(out_dir, "history.csv")),
                 ModelCheckpoint(weights), *callbacks, *extra_callbacks]
    echo(f"glassgrad train: {len(parts['train'][0])} train / "
         f"{len(parts['val'][0]) if has_val else 0} validation / "
         f"{len(parts['test'][0]) if 'test' in parts else 0} test samples, "
         f"{model.num_parameters()} parameters -> {out_dir}")
    start, status = time.perf_counter(), "completed"
    history = None
    try:
        history = fit(model, loss, optimizer, parts["train"], parts.get("val"),
                      epochs=tcfg["epochs"], batch_size=tcfg["batch_size"],
                      metrics=tcfg.get("metrics", []), callbacks=callbacks,
                      stop_when=tcfg.get("stop_when") or None, verbose=tcfg.get("verbose", 1),
                      seed=seed)
    except KeyboardInterrupt:
        status, history = "interrupted", model.history
        with open(os.path.join(out_dir, "INTERRUPTED"), "w") as f:
            f.write(f"Run interrupted (KeyboardInterrupt) after {len(history.epoch)} completed "
                    "epoch(s); history.csv, history.json and weights.npz hold those epochs.\n")
    elapsed = time.perf_counter() - start
    history.to_json(os.path.join(out_dir, "history.json"))
    if status == "completed":
        save_weights(model, weights)  # the final (possibly restored-best) weights
    metrics = tcfg.get("metrics", [])
    results = {} if status != "completed" else {
        name: evaluate(model, loss, data, metrics=metrics) for name, data in parts.items()}
    summary = {"status": status, "epochs_completed": len(history.epoch),
               "stop_reason": history.stop_reason, "restored_epoch": history.restored_epoch,
               "elapsed_s": round(elapsed, 3), "parameters": model.num_parameters(),
               "metrics": results}
    _write_json(os.path.join(out_dir, "summary.json"), summary)
    if status != "completed":
        raise KeyboardInterrupt
    for name in ("train", "val", "test"):
        if name in results:
            shown = "  ".join(f"{k} {v:.4f}" for k, v in results[name].items())
            echo(f"{name:>5}: {shown}")
    if history.stop_reason:
        echo(f"stopped: {history.stop_reason}")
    if history.restored_epoch is not None:
        echo(f"restored the weights of the best epoch, {history.restored_epoch + 1}")
    if plots:
        _plots(model, history, parts, out_dir, classification, is_logits_loss(loss), echo)
    if report is not None:
        report(model, history, parts["train"], loss)
    return summary


def _plots(model, history, parts, out_dir, classification, from_logits, echo) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        echo("plots skipped: matplotlib is not installed (pip install 'glassgrad[viz]').")
        return
    # NOTE: viz sits above train; imported here, lazily, so train never needs matplotlib.
    from ..viz import plot_decision_boundary

    if history.epoch:
        history.plot(path=os.path.join(out_dir, "curves.png"))
    X, y = parts["train"]
    if classification and X.ndim == 2 and X.shape[1] == 2:
        Xs = np.concatenate([p[0] for p in parts.values()])
        ys = np.concatenate([np.asarray(p[1]).reshape(len(p[1]), -1) for p in parts.values()])
        plot_decision_boundary(model, Xs, ys, save=os.path.join(out_dir, "decision_boundary.png"),
                               from_logits=from_logits)

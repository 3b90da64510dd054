"""One ``glassgrad train`` run: a prepared config -> fit -> metrics -> a run folder.

The run folder holds (every file written through ``glassgrad.io``'s atomic writer):

* ``config.toml``: the full config used (defaults filled in), enough to repeat the run;
* ``summary.json``: ``status`` — ``running`` while training (with the process id), then
  ``completed`` (all epochs, or stopped early by a callback: see ``stop_reason``), ``failed``
  (with ``reason``: a non-finite loss, an error) or ``interrupted`` — epochs, final metrics;
* ``history.csv``: one row per completed epoch (epochs numbered from 1), rewritten after each;
* ``history.json``: the same plus ``stop_reason``/``interrupted``/``restored_epoch``/``status``;
* ``weights.npz``: the model's ``state_dict`` (``glassgrad.save`` format, ``numpy.load``
  reads it), written after every good epoch and finally the returned model (the best epoch's
  when early stopping restored it); never from NaN/Inf weights;
* ``INTERRUPTED``: present only when Ctrl-C stopped the run (files hold the finished epochs);
* ``curves.png`` and, for 2-D classification data, ``decision_boundary.png`` (matplotlib).

A folder whose ``summary.json`` says the run did not complete (failed, interrupted, or killed
while ``running``) may be reused by a corrected rerun without ``--overwrite``.
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np

from ..errors import GlassgradError
from ..io.atomic import atomic_write_text, clean_stale_temps
from .build import build_callbacks, build_model, build_optimizer
from .config import ConfigError, dump_toml

# every file a run (and the CLI's diagnosis report) writes into its folder
RUN_FILES = ("config.toml", "history.csv", "history.json", "weights.npz", "summary.json",
             "INTERRUPTED", "curves.png", "decision_boundary.png", "layer_dynamics.png",
             "diagnosis.md", "diagnosis.json", "layer_stats.md", "live.json")


class RunFailed(GlassgradError):
    """The run started but did not complete (its folder's summary.json says why)."""


def _unfinished(out: str) -> bool:
    """Whether ``out`` holds a glassgrad run that did not complete (failed, interrupted, or
    killed while running)."""
    try:
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
    except (OSError, ValueError):
        return False
    status = summary.get("status") if isinstance(summary, dict) else None
    if status == "running":
        from ..io.atomic import _alive

        return not _alive(int(summary.get("pid", 0) or 0)) or summary.get("pid") == os.getpid()
    return status in ("failed", "interrupted")


def make_run_dir(config: dict, out: str | None = None, root: str = "runs",
                 overwrite: bool = False) -> str:
    """``out`` if given, else ``runs/<name or timestamp>`` (``-2``, ``-3`` ... if taken).

    An existing ``out`` folder is used only if it holds none of ``RUN_FILES``, holds an
    unfinished run (its files are then removed), or with ``overwrite=True``, so a run never
    silently replaces a user's files or a completed run. The name never leads outside ``root``.
    """
    if out is None:
        name = config.get("name") or time.strftime("%Y%m%d-%H%M%S")
        base = os.path.join(root, name)
        if os.path.dirname(os.path.relpath(os.path.abspath(base), os.path.abspath(root))):
            raise ConfigError(f"config key 'name' = {name!r} would leave {root}/.")
        out, i = base, 1
        while os.path.exists(out) and not _unfinished(out):
            i += 1
            out = f"{base}-{i}"
    if os.path.exists(out) and not os.path.isdir(out):
        raise ConfigError(f"--out {out!r} exists and is not a folder.")
    taken = [f for f in RUN_FILES if os.path.exists(os.path.join(out, f))]
    if taken and not overwrite and not _unfinished(out):
        raise ConfigError(f"--out {out!r} already holds {', '.join(taken)}; a run would "
                          "overwrite them. Choose a new folder, or pass --overwrite.")
    os.makedirs(out, exist_ok=True)
    if taken:  # an unfinished run's (or an overwritten run's) files: none may linger
        for f in taken:
            os.remove(os.path.join(out, f))
    clean_stale_temps(out)
    return out


def _write_json(path, obj) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, default=float) + "\n")


def prepare_data(config: dict, scale: bool = True):
    """``(loss, classification, parts)`` of a config, validated by ``prepare`` (the one place):
    the loss module, whether the task is classification, and the ``train``/``val``/``test``
    parts (``name -> (X, y)``). ``scale=False`` leaves the parts unscaled, for callers that
    regroup them and then scale with ``build.scale_parts`` (k-fold, retraining on train + val).
    """
    from .prepare import prepare

    run = prepare(config, scale=scale)
    return run.loss, run.classification, run.parts


def build_run(config: dict, parts: dict, loss):
    """``(model, optimizer, callbacks)`` of ``config`` for the data ``parts``; the model is
    initialized from ``manual_seed(config["seed"])``, so equal configs give equal weights."""
    from .. import manual_seed
    from .compile import is_class_index_loss

    tcfg = config["train"]
    X = parts["train"][0]
    manual_seed(config["seed"])
    model, n_out = build_model(config["model"]["layers"], int(np.prod(X.shape[1:])))
    if is_class_index_loss(loss) and n_out is not None:
        n_classes = max(int(np.max(t)) for _, t in parts.values()) + 1
        if n_out < n_classes:
            raise ConfigError(f"the last Linear has out = {n_out} but the data has {n_classes} "
                              f"classes; set it to {n_classes} for {type(loss).__name__}.")
    optimizer = build_optimizer(config["optimizer"], model)
    batches = math.ceil(len(X) / tcfg["batch_size"])  # per epoch
    callbacks = build_callbacks(config["callbacks"], optimizer, "val" in parts,
                                epochs=tcfg["epochs"], steps_per_epoch=batches)
    return model, optimizer, callbacks


def run_config(config, out_dir: str, echo=print, plots: bool = True, report=None,
               distributed=None, callbacks=()) -> dict:
    """Train as ``config`` (a dict or a ``Prepared`` run) says and fill ``out_dir``; returns the
    summary dict.

    ``plots=False`` skips the figures; ``report(model, history, train_data, loss)``, when given,
    runs after a completed run (the CLI writes the glass-box diagnosis with it); ``callbacks``
    are added to fit's (the CLI's snapshot recorder or live view).
    ``distributed``: as in ``fit`` (``mpiexec -n N glassgrad train``, see
    ``glassgrad.distributed.cli``); train and final metrics are then over all ranks.

    Raises ConfigError for a bad config (before any file is written); RunFailed when training
    failed (non-finite loss, an error), after ``summary.json`` recorded it; KeyboardInterrupt
    is re-raised after the folder was made consistent.
    """
    from .callbacks import CSVLogger
    from .checkpoint import ModelCheckpoint, save_weights
    from .compile import is_logits_loss
    from .fit import evaluate, fit
    from .prepare import Prepared, prepare

    run = config if isinstance(config, Prepared) else prepare(config)
    config, parts, model, loss = run.config, run.parts, run.model, run.loss
    tcfg, has_val = config["train"], "val" in run.parts
    summary_path = os.path.join(out_dir, "summary.json")
    _write_json(summary_path, {"status": "running", "pid": os.getpid()})
    atomic_write_text(os.path.join(out_dir, "config.toml"), dump_toml(config))
    weights = os.path.join(out_dir, "weights.npz")
    callbacks = [CSVLogger(os.path.join(out_dir, "history.csv")),
                 ModelCheckpoint(weights, save_weights_only=True), *run.callbacks,
                 *callbacks]
    echo(f"glassgrad train: {len(parts['train'][0])} train / "
         f"{len(parts['val'][0]) if has_val else 0} validation / "
         f"{len(parts['test'][0]) if 'test' in parts else 0} test samples, "
         f"{model.num_parameters()} parameters -> {out_dir}")
    start, status, reason = time.perf_counter(), "completed", None
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NOTE: the summary says it once
            history = fit(model, loss, run.optimizer, parts["train"], parts.get("val"),
                          epochs=tcfg["epochs"], batch_size=tcfg["batch_size"],
                          metrics=run.metrics, callbacks=callbacks,
                          stop_when=tcfg.get("stop_when") or None,
                          verbose=tcfg.get("verbose", 1), seed=config["seed"],
                          distributed=distributed)
        if history.failed:
            status, reason = "failed", history.stop_reason
    except KeyboardInterrupt:
        status, history = "interrupted", model.history
        atomic_write_text(os.path.join(out_dir, "INTERRUPTED"), (
            f"Run interrupted (KeyboardInterrupt) after {len(history.epoch)} completed "
            "epoch(s); history.csv, history.json and weights.npz hold those epochs.\n"))
    except Exception as exc:  # NOTE: the folder must say failed, whatever went wrong
        status, history = "failed", getattr(model, "history", None)
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        _write_json(summary_path, {"status": "failed", "reason": reason,
                                   "epochs_completed": len(getattr(history, "epoch", []))})
        if history is not None:
            history.to_json(os.path.join(out_dir, "history.json"))
        raise
    elapsed = time.perf_counter() - start
    history.to_json(os.path.join(out_dir, "history.json"))
    done = status == "completed"
    if done:
        save_weights(model, weights)  # the final (possibly restored-best) weights
    results = {name: evaluate(model, loss, data, metrics=run.metrics, distributed=distributed)
               for name, data in parts.items()} if done else {}
    summary = {"status": status, "reason": reason,
               "epochs_completed": len(history.epoch), "stop_reason": history.stop_reason,
               "restored_epoch": history.restored_epoch, "elapsed_s": round(elapsed, 3),
               "parameters": model.num_parameters(), "metrics": results}
    _write_json(summary_path, summary)
    if status == "interrupted":
        raise KeyboardInterrupt
    if status == "failed":
        raise RunFailed(f"run failed: {reason}")
    for name in ("train", "val", "test"):
        if name in results:
            shown = "  ".join(f"{k} {v:.4f}" for k, v in results[name].items())
            echo(f"{name:>5}: {shown}")
    if history.stop_reason:
        echo(f"stopped: {history.stop_reason}")
    if history.restored_epoch is not None:
        echo(f"restored the weights of the best epoch, {history.restored_epoch}")
    if plots:
        _plots(model, history, parts, out_dir, run.classification, is_logits_loss(loss), echo)
    if report is not None:
        report(model, history, parts["train"], loss)
    return summary


def _plots(model, history, parts, out_dir, classification, from_logits, echo) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        echo("plots skipped: matplotlib, a glassgrad dependency, is missing "
             "(pip install matplotlib).")
        return
    # NOTE: viz sits above train; imported here, lazily, so train never needs matplotlib.
    from ..viz import plot_decision_boundary

    if history.epoch:
        history.plot(save=os.path.join(out_dir, "curves.png"))
    X, y = parts["train"]
    if classification and X.ndim == 2 and X.shape[1] == 2:
        Xs = np.concatenate([p[0] for p in parts.values()])
        ys = np.concatenate([np.asarray(p[1]).reshape(len(p[1]), -1) for p in parts.values()])
        plot_decision_boundary(model, Xs, ys, save=os.path.join(out_dir, "decision_boundary.png"),
                               from_logits=from_logits)

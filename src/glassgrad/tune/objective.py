"""What one trial trains and measures, and the final retraining of the best configuration.

The protocol (the course's, and what ``summary.json`` states):

* **selection**: each trial trains on the training part and is scored by ``tune.metric`` on the
  validation part (``data.validation_split``), or, with ``tune.cv = k``, by the mean over k
  folds of the training + validation parts; the model scored is the one ``fit`` returns (the
  best epoch's weights when early stopping restored them);
* **final**: the best configuration is retrained on training + validation data for the number
  of epochs its trial used, and evaluated ONCE on the test part, which no trial ever sees.

Splits, scaling (fitted on whatever is trained on), initialization and shuffling all come from
the config's ``seed``, so every trial of a study starts from the same weights and data order.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from ..train.config import ConfigError


class TrialFailed(RuntimeError):
    """A trial that cannot give a score (diverged, or an error in its configuration)."""


def _concat(*pairs):
    return (np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs]))


def _first_bad(values):
    for i, v in enumerate(values):
        if not math.isfinite(v):
            return i, v
    return None


def train_and_score(model, loss, optimizer, parts: dict, metric: str, *, epochs: int,
                    batch_size: int, metrics=(), callbacks=(), stop_when=None, seed=None,
                    trial=None):
    """Train on ``parts["train"]`` and score ``metric`` on ``parts["val"]`` (``val_*``) or on
    the training part, with the model ``fit`` returns; ``(score, epochs used)``. ``trial``: an
    Optuna trial that gets every epoch's ``metric`` (pruning, intermediate-values plot).

    Raises ``TrialFailed`` when a loss or the score is NaN/inf (the trial diverged)."""
    from ..train import TerminateOnNaN, evaluate, fit
    from .callback import PruningCallback

    callbacks = [*callbacks, TerminateOnNaN()]
    if trial is not None:
        callbacks.append(PruningCallback(trial, monitor=metric))
    with np.errstate(over="ignore", invalid="ignore"):  # NOTE: divergence fails the trial
        history = fit(model, loss, optimizer, parts["train"], parts.get("val"), epochs=epochs,
                      batch_size=batch_size, metrics=list(metrics), callbacks=callbacks,
                      stop_when=stop_when, verbose=0, seed=seed)
    for key in ("loss", "val_loss", metric):
        bad = _first_bad(history.history.get(key, []))
        if bad is not None:
            raise TrialFailed(f"diverged: {key} = {bad[1]} at epoch {bad[0] + 1}")
    if history.stop_reason and "TerminateOnNaN" in history.stop_reason:
        raise TrialFailed(f"diverged: {history.stop_reason}")
    scored = parts["val"] if metric.startswith("val_") else parts["train"]
    score = evaluate(model, loss, scored, metrics=list(metrics))[metric.removeprefix("val_")]
    if not math.isfinite(score):
        raise TrialFailed(f"diverged: {metric} = {score} after training")
    restored = history.restored_epoch
    return float(score), (restored + 1 if restored is not None else len(history.epoch))


def fit_and_score(config: dict, metric: str, parts: dict, loss, trial=None):
    """``train_and_score`` for the model, optimizer and callbacks ``config`` builds."""
    from ..train.run import build_run

    tcfg = config["train"]
    model, optimizer, callbacks = build_run(config, parts, loss)
    return train_and_score(model, loss, optimizer, parts, metric, epochs=tcfg["epochs"],
                           batch_size=tcfg["batch_size"], metrics=tcfg.get("metrics", []),
                           callbacks=callbacks, stop_when=tcfg.get("stop_when") or None,
                           seed=config["seed"], trial=trial)


def folds(parts: dict, k: int, seed: int, classification: bool, scale: str):
    """The k ``{"train", "val"}`` part dicts of k-fold cross-validation over the unscaled
    training + validation parts (stratified for class labels), each scaled on its own train."""
    from ..data import kfold_indices, stratified_kfold_indices
    from ..train.build import scale_parts

    X, y = _concat(*(parts[n] for n in ("train", "val") if n in parts))
    if k > len(X):
        raise ConfigError(f"tune.cv = {k} folds but the training part has {len(X)} samples.")
    if classification and y.ndim == 1:
        index_pairs = stratified_kfold_indices(y, k, shuffle=True, seed=seed)
    else:
        index_pairs = kfold_indices(len(X), k, shuffle=True, seed=seed)
    return [scale_parts({"train": (X[tr], y[tr]), "val": (X[va], y[va])}, scale)
            for tr, va in index_pairs]


def score_config(config: dict, spec, trial=None):
    """``(score, epochs)`` of one configuration under ``spec`` (a ``TuneSpec``): validation
    split, or the mean over ``spec.cv`` folds (reported fold by fold to ``trial``)."""
    from ..train.run import prepare_data

    if spec.cv < 2:
        loss, _, parts = prepare_data(config)
        parts.pop("test", None)  # the test part is for the final evaluation only
        return fit_and_score(config, spec.metric, parts, loss, trial)
    loss, classification, raw = prepare_data(config, scale=False)
    scores, epochs = [], []
    for i, fold in enumerate(folds(raw, spec.cv, config["seed"], classification,
                                   config["data"].get("scale", "none"))):
        score, used = fit_and_score(config, spec.metric, fold, loss)
        scores.append(score)
        epochs.append(used)
        if trial is not None:  # the running mean after each fold is the intermediate value
            trial.report(float(np.mean(scores)), i + 1)
            if trial.should_prune():
                from . import require_optuna

                raise require_optuna().TrialPruned(
                    f"pruned after fold {i + 1}: mean {spec.metric} = {np.mean(scores):.6g}")
    return float(np.mean(scores)), int(round(np.mean(epochs)))


def final_config(config: dict, epochs: int):
    """The config retrained on training + validation data: ``epochs`` fixed, and what needs
    validation data dropped. Returns ``(config, notes)``."""
    cfg = copy.deepcopy(config)
    notes = []
    cfg["train"]["epochs"] = int(epochs)
    if cfg["callbacks"].pop("early_stopping", None) is not None:
        notes.append(f"callbacks.early_stopping dropped: the retraining runs the {epochs} "
                     "epoch(s) the best trial used")
    plateau = cfg["callbacks"].get("reduce_lr_on_plateau")
    if plateau is not None and str(plateau.get("monitor", "val_loss")).startswith("val_"):
        del cfg["callbacks"]["reduce_lr_on_plateau"]
        notes.append("callbacks.reduce_lr_on_plateau dropped: it monitors "
                     f"{plateau.get('monitor', 'val_loss')} and the retraining has no "
                     "validation data")
    if "val_" in str(cfg["train"].get("stop_when") or ""):
        notes.append(f"train.stop_when = {cfg['train']['stop_when']!r} dropped (validation)")
        cfg["train"]["stop_when"] = ""
    return cfg, notes


def retrain_and_test(config: dict, epochs: int) -> dict:
    """Retrain ``config`` on training + validation data for ``epochs`` and evaluate it once on
    the test part. Returns ``{"epochs", "notes", "train", "test"}`` (metrics dicts)."""
    from ..train import TerminateOnNaN, evaluate, fit
    from ..train.build import scale_parts
    from ..train.run import build_run, prepare_data

    cfg, notes = final_config(config, epochs)
    loss, _, raw = prepare_data(cfg, scale=False)
    parts = {"train": _concat(*(raw[n] for n in ("train", "val") if n in raw))}
    if "test" in raw:
        parts["test"] = raw["test"]
    parts = scale_parts(parts, cfg["data"].get("scale", "none"))
    model, optimizer, callbacks = build_run(cfg, {"train": parts["train"]}, loss)
    tcfg = cfg["train"]
    history = fit(model, loss, optimizer, parts["train"], None, epochs=tcfg["epochs"],
                  batch_size=tcfg["batch_size"], metrics=tcfg.get("metrics", []),
                  callbacks=[*callbacks, TerminateOnNaN()],
                  stop_when=tcfg.get("stop_when") or None, verbose=0, seed=cfg["seed"])
    bad = _first_bad(history.history.get("loss", []))
    if bad is not None:
        return {"epochs": epochs, "notes": notes, "status": "failed",
                "reason": f"diverged: loss = {bad[1]} at epoch {bad[0] + 1}"}
    out = {"epochs": len(history.epoch), "notes": notes, "status": "completed",
           "samples": {k: len(v[0]) for k, v in parts.items()}}
    for name, data in parts.items():
        out[name] = evaluate(model, loss, data, metrics=tcfg.get("metrics", []))
    return out

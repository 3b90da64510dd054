"""``search(config)``: the whole search of ``glassgrad tune``, from Python.

    from glassgrad import tune
    result = tune.search("moons-tune.toml", out="runs/moons-tune", trials=20, workers=2)
    result.best_params, result.best_value, result.summary["final"]["test"]

Steps: read and check the config and its ``[tune]`` table, build every searched value once
(bad input is refused before any trial), open or resume the study, run the trials (in this
process, or in ``workers`` processes), then write ``trials.csv``, ``best.toml``, the plots and
``summary.json`` (with the best configuration retrained on training + validation data and
tested once). See ``objective.py`` for the protocol and ``study.py`` for storage and workers.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass, field

from ..errors import GlassgradError
from ..io.atomic import atomic_write_bytes
from ..train.config import ConfigError


class NoCompletedTrial(GlassgradError, RuntimeError):
    """Every trial failed or was pruned: there is no best configuration."""


class WorkerFailed(GlassgradError, RuntimeError):
    """A worker process of ``workers=K`` stopped with an error (printed by the worker)."""


@dataclass
class SearchResult:
    """What ``search`` returns; ``summary`` is the content of ``summary.json``."""
    study: object
    out_dir: str
    best_params: dict
    best_value: float
    best_config: dict
    summary: dict = field(default_factory=dict)


def read_config(config) -> tuple[dict, str]:
    """``(config merged over the defaults, study name)`` from a path or a dict."""
    from ..train.config import dump_toml, load_config

    if isinstance(config, dict):
        try:
            text = dump_toml(config)
        except TypeError as exc:
            raise ConfigError(f"config: {exc}") from None
        merged = load_config(text=text)
        return merged, merged.get("name") or "tune"
    merged = load_config(os.fspath(config))
    stem = os.path.splitext(os.path.basename(os.fspath(config)))[0]
    return merged, merged.get("name") or stem


def _trial_runner(config: dict, spec):
    from .objective import score_config
    from .space import apply

    def run_trial(trial):
        params = {d.path: d.suggest(trial) for d in spec.dims}
        score, epochs = score_config(apply(config, params), spec, trial)
        trial.set_user_attr("epochs", epochs)
        return score

    return run_trial


def _open(config, spec, name, out_dir, storage_url):
    from .study import create_or_load, make_pruner, make_sampler, open_storage

    storage, lock, where = open_storage(storage_url, out_dir)
    study = create_or_load(storage, name, config, spec, make_sampler(spec, config["seed"], 0),
                           make_pruner(spec, config["train"]["epochs"]))
    return study, lock, where


def worker_main(job: dict) -> int:
    """One worker process of ``workers=K`` (``python -m glassgrad.tune.worker``, the job as
    JSON on stdin): join the study and run trials until the total is reached."""
    import sys

    from . import require_optuna
    from .space import parse_tune
    from .study import work

    optuna = require_optuna()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    config = job["config"]
    spec = parse_tune(config)
    try:
        study, lock, _ = _open(config, spec, job["name"], job["out"], job["storage"])
        work(study, spec, job["total"], config["seed"], lock, _trial_runner(config, spec))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        print(f"glassgrad tune worker {os.getpid()}: error: {exc}".splitlines()[0],
              file=sys.stderr)
        return 1
    return 0


def _run_workers(k: int, job: dict, study, progress) -> None:
    # NOTE: fresh interpreters, not multiprocessing: a user's script that calls search() at
    # top level (no __main__ guard) is not re-imported by the workers
    import subprocess
    import sys

    import glassgrad

    root = os.path.dirname(os.path.dirname(os.path.abspath(glassgrad.__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    procs = []
    for _ in range(k):
        p = subprocess.Popen([sys.executable, "-m", "glassgrad.tune.worker"], env=env,
                             stdin=subprocess.PIPE, text=True)
        p.stdin.write(json.dumps(job))
        p.stdin.close()
        procs.append(p)
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(0.3)
            progress.update(study)
    except KeyboardInterrupt:
        deadline = time.time() + 2  # a terminal's Ctrl-C reached the workers too
        while any(p.poll() is None for p in procs) and time.time() < deadline:
            time.sleep(0.1)
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        raise
    progress.update(study)
    failed = [p.returncode for p in procs if p.returncode != 0]
    if failed:
        raise WorkerFailed(f"{len(failed)} of {k} worker processes failed (exit codes "
                           f"{failed}); their errors are printed above.")


def search(config, out: str | None = None, trials: int | None = None, workers: int = 1,
           storage: str | None = None, plots: bool = True, retrain: bool = True,
           echo=print) -> SearchResult:
    """Run (or resume) the search a config's ``[tune]`` table describes.

    Args:
        config: a TOML path or a config dict with a ``tune`` table (see ``glassgrad tune
            --help``).
        out: output folder (default ``runs/<name>-tune``); it holds the study's journal, so
            running again with the same ``out`` resumes the study.
        trials: the TOTAL number of trials (overrides ``tune.trials``).
        workers: worker processes on this machine.
        storage: an Optuna storage URL shared by workers on several machines
            (``postgresql://user@host/db``); default: the journal file in ``out``.
        plots, retrain: write the plots / retrain the best config and test it once.

    Raises:
        ConfigError: bad config, space, trials or storage (before any trial runs);
        NoCompletedTrial: no trial completed; KeyboardInterrupt: after the running trials
        were recorded as interrupted and re-queued (the study resumes on the next call).
    """
    from . import require_optuna
    from .report import Progress, write_trials_csv
    from .space import check_trials, parse_tune, validate
    from .study import work

    config, name = read_config(config)
    spec = parse_tune(config)
    if trials is not None:
        spec.trials = check_trials(trials, spec, "--trials")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers = {workers!r} must be an integer >= 1.")
    validate(config, spec)
    optuna = require_optuna()
    out_dir = out or os.path.join("runs", f"{name}-tune")
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        study, lock, where = _open(config, spec, name, out_dir, storage)
        os.makedirs(out_dir, exist_ok=True)
        progress = Progress(spec.trials, spec, echo=None if echo is print else echo)
        done = progress.skip_finished(study)
        echo(f"glassgrad tune: study {name!r} ({where}), {spec.sampler} sampler, "
             f"{spec.direction} {spec.metric}: {done} of {spec.trials} trials done"
             f"{', resuming' if done else ''}; {workers} worker(s) -> {out_dir}")
        try:
            if workers == 1:
                work(study, spec, spec.trials, config["seed"], lock,
                     _trial_runner(config, spec), after_trial=progress.update)
            else:
                job = {"config": config, "name": name, "out": out_dir, "storage": storage,
                       "total": spec.trials}
                _run_workers(workers, job, study, progress)
        except KeyboardInterrupt:
            progress.close()
            write_trials_csv(os.path.join(out_dir, "trials.csv"), study.get_trials(), spec)
            raise
        progress.close()
        return _finish(study, config, spec, name, out_dir, where, plots, retrain, echo)
    finally:
        optuna.logging.set_verbosity(verbosity)


def _finish(study, config, spec, name, out_dir, where, plots, retrain, echo) -> SearchResult:
    from optuna.trial import TrialState

    from .objective import retrain_and_test
    from .report import write_best_toml, write_plots, write_trials_csv
    from .space import apply

    trials = study.get_trials()
    write_trials_csv(os.path.join(out_dir, "trials.csv"), trials, spec)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    if not complete:
        reasons = {t.user_attrs.get("fail_reason") for t in trials} - {None}
        raise NoCompletedTrial(f"no trial completed ({len(trials)} trials; see "
                               f"{os.path.join(out_dir, 'trials.csv')}"
                               f"{'; e.g. ' + sorted(reasons)[0] if reasons else ''}).")
    best = study.best_trial
    best_config = apply(config, best.params)
    write_best_toml(os.path.join(out_dir, "best.toml"), config, best, spec, name)
    written = write_plots(out_dir, study, spec, echo) if plots else []
    summary = _summary(study, trials, config, spec, name, where, best, out_dir, retrain)
    if retrain:
        final = retrain_and_test(best_config, best.user_attrs.get("epochs")
                                 or config["train"]["epochs"])
        summary["final"] = final
        summary["protocol"]["notes"] = final.pop("notes")
    summary["plots"] = written
    atomic_write_bytes(os.path.join(out_dir, "summary.json"),
                       json.dumps(summary, indent=2, default=str).encode())
    shown = ", ".join(f"{k} = {v!r}" for k, v in best.params.items())
    echo(f"best: trial {best.number}, {spec.metric} {best.value:.4f} ({shown})")
    if retrain and summary["final"].get("status") == "completed" and "test" in summary["final"]:
        echo("test (best config retrained on train + validation, evaluated once): "
             + "  ".join(f"{k} {v:.4f}" for k, v in summary["final"]["test"].items()))
    echo(f"outputs: {out_dir} (trials.csv, best.toml, summary.json{', plots' if written else ''})")
    return SearchResult(study, out_dir, dict(best.params), float(best.value), best_config,
                        summary)


def _summary(study, trials, config, spec, name, where, best, out_dir, retrain) -> dict:
    from ..train.run import prepare_data
    from .study import counted

    states: dict = {}
    for t in trials:
        key = "interrupted" if t.user_attrs.get("interrupted") else t.state.name.lower()
        states[key] = states.get(key, 0) + 1
    _, _, parts = prepare_data({k: v for k, v in config.items() if k != "tune"})
    n = {k: len(v[0]) for k, v in parts.items()}
    data = config["data"]
    if not spec.metric.startswith("val_"):
        selection = (f"score {spec.metric} on the data each trial TRAINED on (not validation "
                     "data, so the choice favours settings that overfit)")
    elif spec.cv > 1:
        selection = (f"{spec.cv}-fold cross-validation over the training + validation parts "
                     f"({n.get('train', 0) + n.get('val', 0)} samples); score = mean "
                     f"{spec.metric} over the folds")
    else:
        selection = (f"train on the training part ({n['train']} samples), score {spec.metric} "
                     f"on the validation part ({n.get('val', 0)} samples, data.validation_split"
                     f" = {data.get('validation_split')})")
    previous = os.path.join(out_dir, "summary.json")
    tests = int(retrain)  # how often this study's test part has been evaluated, this time included
    if os.path.exists(previous):
        try:
            with open(previous) as f:
                tests += int(json.load(f).get("protocol", {}).get("test_evaluations", 0))
        except (ValueError, OSError):
            pass
    return {
        "study": name, "storage": where, "sampler": spec.sampler, "pruner": spec.pruner,
        "metric": spec.metric, "direction": spec.direction, "cv": spec.cv,
        "trials": {"requested": spec.trials, "counted": counted(trials), **states},
        "best": {"trial": best.number, "value": best.value, "params": best.params,
                 "epochs": best.user_attrs.get("epochs")},
        "protocol": {
            "seed": config["seed"],
            "seeds": "data split, scaling, weight initialization and shuffling come from seed "
                     "in every trial and in the retraining; " + (
                         "the order of the grid comes from seed" if spec.sampler == "grid" else
                         f"the {spec.sampler} sampler of trial n is seeded from seed and n"),
            "selection": selection,
            "final": (f"the best configuration retrained on training + validation data "
                      f"({n.get('train', 0) + n.get('val', 0)} samples) for the epochs its trial "
                      f"used, then evaluated once on the test part ({n.get('test', 0)} samples, "
                      f"data.test_size = {data.get('test_size')}), which no trial saw"),
            "test_evaluations": tests,
        },
    }

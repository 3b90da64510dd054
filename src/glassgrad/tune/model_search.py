"""``search_model(build, ...)``: the search from Python, with a function that builds the model.

``build(trial)`` uses Optuna's define-by-run API (``trial.suggest_float`` ...) and returns
``(model, optimizer)``; every trial is then trained with ``fit`` and scored the same way as a
``glassgrad tune`` trial (the model ``fit`` returns, on the validation data; a trial whose loss
becomes NaN/inf is recorded FAILED with the reason in ``trial.user_attrs["fail_reason"]``).
"""

from __future__ import annotations

from .space import MAXIMIZED, PRUNERS, SAMPLERS


class _Spec:  # what make_pruner reads
    def __init__(self, pruner):
        self.pruner, self.cv = pruner, 0


def search_model(build, train, val=None, *, loss, epochs: int, batch_size: int = 32,
                 metrics=None, trials: int = 20, metric: str = "val_loss",
                 direction: str | None = None, sampler: str = "tpe", grid: dict | None = None,
                 pruner: str = "none", callbacks=None, storage=None,
                 study_name: str | None = None, seed: int = 0):
    """Search hyperparameters of a model that ``build(trial)`` makes; returns the Optuna study.

    Args:
        build: ``build(trial) -> (model, optimizer)``.
        train, val: ``(X, y)`` pairs, Datasets or DataLoaders, as ``fit`` takes them.
        loss, epochs, batch_size, metrics, callbacks: as in ``fit`` (``callbacks``: a function
            ``trial -> list`` when each trial needs fresh callback objects, or a list of
            stateless ones).
        trials: the total number of trials in the study (a resumed study runs the rest).
        metric: the score, ``val_loss`` by default (any logged name).
        direction: minimize / maximize (default: maximize for accuracy-like metrics).
        sampler: ``"tpe"``, ``"random"`` or ``"grid"`` (then ``grid = {name: [values]}``).
        pruner: ``"none"``, ``"median"`` or ``"hyperband"`` (epochs are the steps).
        storage, study_name: an Optuna storage (URL or object) to keep or share the study.
        seed: seeds the sampler and, before every ``build``, ``glassgrad.manual_seed``.

    Returns:
        ``optuna.Study``: ``study.best_params``, ``study.best_value``, ``study.trials``.
    """
    from .. import manual_seed
    from . import require_optuna
    from .objective import TrialFailed, train_and_score
    from .study import make_pruner

    optuna = require_optuna()
    if sampler not in SAMPLERS:
        raise ValueError(f"search_model: sampler = {sampler!r}; choose one of "
                         f"{', '.join(SAMPLERS)}.")
    if pruner not in PRUNERS:
        raise ValueError(f"search_model: pruner = {pruner!r}; choose one of {', '.join(PRUNERS)}.")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"search_model: trials must be an int >= 1, got {trials!r}.")
    if metric.startswith("val_") and val is None:
        raise ValueError(f"search_model: metric = {metric!r} needs val=... data.")
    if sampler == "grid":
        if not grid:
            raise ValueError("search_model: sampler = 'grid' needs grid = {name: [values]} with "
                             "the values build() asks for.")
        chosen = optuna.samplers.GridSampler(grid, seed=seed)
    elif sampler == "random":
        chosen = optuna.samplers.RandomSampler(seed=seed)
    else:
        chosen = optuna.samplers.TPESampler(seed=seed)
    direction = direction or ("maximize" if metric.removeprefix("val_") in MAXIMIZED
                              else "minimize")
    study = optuna.create_study(storage=storage, study_name=study_name, sampler=chosen,
                                pruner=make_pruner(_Spec(pruner), epochs), direction=direction,
                                load_if_exists=study_name is not None)
    parts = {"train": train} if val is None else {"train": train, "val": val}

    def objective(trial):
        manual_seed(seed)
        built = build(trial)
        if not (isinstance(built, tuple) and len(built) == 2):
            raise TypeError("search_model: build(trial) must return (model, optimizer), got "
                            f"{type(built).__name__}.")
        model, optimizer = built
        cbs = callbacks(trial) if callable(callbacks) else list(callbacks or [])
        try:
            score, used = train_and_score(model, loss, optimizer, parts, metric, epochs=epochs,
                                          batch_size=batch_size, metrics=metrics or [],
                                          callbacks=cbs, seed=seed, trial=trial)
        except TrialFailed as exc:
            trial.set_user_attr("fail_reason", str(exc))
            raise
        trial.set_user_attr("epochs", used)
        return score

    left = trials - len([t for t in study.trials if t.state.is_finished()])
    if left > 0:
        study.optimize(objective, n_trials=left, catch=(TrialFailed,))
    return study

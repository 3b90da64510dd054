"""PruningCallback in a user's own Optuna objective around fit."""

import numpy as np
import pytest

from glassgrad import data, nn, optim, train, tune

optuna = pytest.importorskip("optuna")


def _moons():
    X, y = data.make_moons(200, noise=0.2, seed=0)
    return (X[:150], y[:150]), (X[150:], y[150:])


def _model(width=8):
    return nn.Sequential(nn.Linear(2, width), nn.Tanh(), nn.Linear(width, 1), nn.Sigmoid())


def _study(pruner):
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return optuna.create_study(pruner=pruner)


def test_pruning_callback_reports_every_epoch_as_steps_1_to_n():
    (Xt, yt), val = _moons()
    study = _study(optuna.pruners.NopPruner())
    seen = {}

    def objective(trial):
        model = _model()
        history = train.fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.05),
                            (Xt, yt), val, epochs=4, verbose=0,
                            callbacks=[tune.PruningCallback(trial, monitor="val_loss")])
        seen["val_loss"] = history.history["val_loss"]
        return history.history["val_loss"][-1]

    study.optimize(objective, n_trials=1)
    t = study.trials[0]
    assert t.state.name == "COMPLETE"
    assert sorted(t.intermediate_values) == [1, 2, 3, 4]
    np.testing.assert_allclose([t.intermediate_values[s] for s in (1, 2, 3, 4)],
                               seen["val_loss"])


def test_pruning_callback_stops_a_trial_the_pruner_prunes():
    (Xt, yt), val = _moons()
    # Optuna's ThresholdPruner prunes as soon as a reported value is above `upper`
    study = _study(optuna.pruners.ThresholdPruner(upper=1e-9))
    epochs_run = []

    def objective(trial):
        model = _model()
        cb = train.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs_run.append(epoch))
        train.fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.05), (Xt, yt), val,
                  epochs=10, verbose=0, callbacks=[cb, tune.PruningCallback(trial)])
        return 0.0

    study.optimize(objective, n_trials=1)
    assert study.trials[0].state.name == "PRUNED" and epochs_run == [0]


def test_pruning_callback_warns_when_the_monitored_metric_is_never_logged():
    (Xt, yt), _ = _moons()
    study = _study(optuna.pruners.MedianPruner())
    trial = study.ask()
    model = _model()
    with pytest.warns(UserWarning, match="'val_accuracy' is not in the logs"):
        train.fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.05), (Xt, yt),
                  epochs=2, verbose=0,
                  callbacks=[tune.PruningCallback(trial, monitor="val_accuracy")])
    assert study.trials[0].intermediate_values == {}
    with pytest.raises(ValueError, match="interval must be an int >= 1"):
        tune.PruningCallback(trial, interval=0)

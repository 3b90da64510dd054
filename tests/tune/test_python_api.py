"""The Python side: PruningCallback in a user's own objective, search_model, search(dict)."""

import numpy as np
import pytest

import glassgrad as gg
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


def test_search_model_with_a_build_function_scores_each_trial_on_validation_data():
    train_part, val = _moons()

    def build(trial):
        width = trial.suggest_categorical("width", [2, 16])
        model = _model(width)
        return model, optim.Adam(model.parameters(), lr=trial.suggest_float("lr", 0.01, 0.1))

    study = tune.search_model(build, train_part, val, loss="bce", epochs=5, trials=2,
                              sampler="grid", grid={"width": [2, 16], "lr": [0.05]})
    assert [t.state.name for t in study.trials] == ["COMPLETE", "COMPLETE"]
    assert {t.params["width"] for t in study.trials} == {2, 16}
    # each value is the validation loss of the model trained as build() made it (recomputed)
    for t in study.trials:
        gg.manual_seed(0)
        model = _model(t.params["width"])
        train.fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=t.params["lr"]),
                  train_part, val, epochs=5, verbose=0, seed=0)
        expected = train.evaluate(model, nn.BCELoss(), val)["loss"]
        assert t.value == pytest.approx(expected, rel=1e-6)
    assert study.best_value == min(t.value for t in study.trials)


def test_search_from_a_config_dict(tmp_path):
    config = {"name": "dict", "data": {"kind": "moons", "n_samples": 120},
              "model": {"layers": [{"type": "Linear", "out": 4}, {"type": "Tanh"},
                                   {"type": "Linear", "out": 1}, {"type": "Sigmoid"}]},
              "train": {"epochs": 3, "verbose": 0},
              "tune": {"sampler": "random", "trials": 3, "metric": "val_accuracy",
                       "pruner": "hyperband",
                       "space": {"optimizer.lr": {"low": 0.01, "high": 0.1, "log": True}}}}
    result = tune.search(config, out=str(tmp_path / "o"), plots=False, echo=lambda *a: None)
    assert result.summary["direction"] == "maximize" and result.summary["metric"] == \
        "val_accuracy"
    assert len(result.study.trials) == 3
    assert type(result.study.pruner).__name__ == "HyperbandPruner"
    assert {t.state.name for t in result.study.trials} <= {"COMPLETE", "PRUNED"}
    assert result.best_config["optimizer"]["lr"] == result.best_params["optimizer.lr"]
    assert "test" in result.summary["final"]


def test_cross_validation_scores_the_mean_over_folds(tmp_path):
    config = {"name": "cv", "data": {"kind": "moons", "n_samples": 90},
              "model": {"layers": [{"type": "Linear", "out": 4}, {"type": "Tanh"},
                                   {"type": "Linear", "out": 1}, {"type": "Sigmoid"}]},
              "train": {"epochs": 2, "verbose": 0},
              "tune": {"sampler": "grid", "cv": 3,
                       "space": {"optimizer.lr": {"choices": [0.05]}}}}
    result = tune.search(config, out=str(tmp_path / "o"), plots=False, retrain=False,
                         echo=lambda *a: None)
    t = result.study.trials[0]
    assert sorted(t.intermediate_values) == [1, 2, 3]  # the running mean after each fold
    assert t.value == pytest.approx(t.intermediate_values[3])
    assert "3-fold cross-validation" in result.summary["protocol"]["selection"]

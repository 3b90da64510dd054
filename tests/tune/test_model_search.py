"""The search from Python: search_model with a build function, search with a config dict."""

import pytest

import glassgrad as gg
from glassgrad import data, nn, optim, train, tune

optuna = pytest.importorskip("optuna")


def _moons():
    X, y = data.make_moons(200, noise=0.2, seed=0)
    return (X[:150], y[:150]), (X[150:], y[150:])


def _model(width=8):
    return nn.Sequential(nn.Linear(2, width), nn.Tanh(), nn.Linear(width, 1), nn.Sigmoid())


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

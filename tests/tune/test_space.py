"""The [tune] table and its space: paths, specs, grids, and bad input refused before any trial."""

import itertools

import pytest

from glassgrad import cli
from glassgrad.train.config import ConfigError, load_config
from glassgrad.tune.space import apply, parse_dim, parse_path, parse_tune

from .conftest import BASE, write_config

GOOD = """
[tune]
sampler = "grid"
[tune.space]
"optimizer.lr" = { choices = [0.01, 0.1] }
"train.batch_size" = { choices = [16, 64] }
"""


def _config(tune=GOOD, base=BASE):
    return load_config(text=base + tune)


def test_parse_path_with_list_indices():
    assert parse_path("model.layers[0].out") == ("model", "layers", 0, "out")
    assert parse_path("callbacks.early_stopping.patience") == (
        "callbacks", "early_stopping", "patience")
    for bad in ("model..lr", "model.layers[x]", "1abc", "optimizer.lr ", ""):
        with pytest.raises(ConfigError, match="not a config path"):
            parse_path(bad)


def test_apply_sets_nested_values_and_new_leaf_keys_without_touching_the_input():
    config = _config()
    out = apply(config, {"model.layers[0].out": 4, "optimizer.momentum": 0.9})
    assert out["model"]["layers"][0]["out"] == 4 and out["optimizer"]["momentum"] == 0.9
    assert config["model"]["layers"][0]["out"] == 8 and "momentum" not in config["optimizer"]
    assert "tune" not in out


@pytest.mark.parametrize("path, match", [
    ("model.layers[9].out", r"has 4 entries, so there is no index \[9\]"),
    ("modle.lr", "'modle' cannot be searched"),
    ("name", "'name' cannot be searched"),
    ("optimizer.lr.x", "optimizer.lr is not a table"),
    ("model.layers", "whole table or list"),
    ("data.nothing.deeper", "the config has no 'data.nothing'"),
])
def test_bad_paths_name_the_key(path, match):
    with pytest.raises(ConfigError, match=match):
        apply(_config(), {path: 1})


@pytest.mark.parametrize("spec, match", [
    ({"choices": []}, "non-empty list"),
    ({"choices": [1, 1]}, "holds a value twice"),
    ({"choices": [[1, 2]]}, "choices must be numbers"),
    ({"low": 1}, "missing high"),
    ({"low": 1, "high": 2, "steps": 1}, "unknown key 'steps'"),
    ({"low": 2, "high": 1}, "must be below high"),
    ({"low": 0, "high": 1, "log": True}, "log range needs low > 0"),
    ({"low": 0.0, "high": 1.0, "step": 0.3}, "not a multiple of step"),
    ({"low": 1e-3, "high": 1.0, "step": 0.001, "log": True}, "cannot be combined"),
    ({"low": float("nan"), "high": 1}, "finite number"),
    ([0.1, 0.2], "must be a table"),
])
def test_bad_specs_are_refused(spec, match):
    with pytest.raises(ConfigError, match=match):
        parse_dim("optimizer.lr", spec)


def test_grids_of_choices_and_stepped_ranges():
    assert parse_dim("a.b", {"choices": ["SGD", "Adam"]}).grid() == ["SGD", "Adam"]
    assert parse_dim("a.b", {"low": 4, "high": 16, "step": 4}).grid() == [4, 8, 12, 16]
    assert parse_dim("a.b", {"low": 1, "high": 3}).grid() == [1, 2, 3]
    assert parse_dim("a.b", {"low": 0.0, "high": 0.5, "step": 0.25}).grid() == [0.0, 0.25, 0.5]
    with pytest.raises(ConfigError, match="grid search needs a finite set"):
        parse_dim("a.b", {"low": 1e-3, "high": 1.0, "log": True}).grid()


def test_grid_trials_default_to_the_whole_grid_and_directions_follow_the_metric():
    spec = parse_tune(_config())
    assert spec.trials == 4 == len(list(itertools.product([0.01, 0.1], [16, 64])))
    assert (spec.metric, spec.direction) == ("val_loss", "minimize")
    acc = parse_tune(_config(GOOD.replace('sampler = "grid"',
                                          'sampler = "grid"\nmetric = "val_acc"')))
    assert (acc.metric, acc.direction) == ("val_accuracy", "maximize")


@pytest.mark.parametrize("tune, match", [
    (GOOD.replace('"grid"', '"grid"\ntrials = 0'), "tune.trials = 0 must be an integer >= 1"),
    (GOOD.replace('"grid"', '"grid"\ntrials = 9'), "the grid has only 4 points"),
    (GOOD.replace('"grid"', '"bayes"'), "tune.sampler = 'bayes'"),
    (GOOD.replace('"grid"', '"random"'), "tune.trials is missing"),
    (GOOD.replace('"grid"', '"grid"\npruner = "asha"'), "tune.pruner = 'asha'"),
    (GOOD.replace('"grid"', '"grid"\ncv = 1'), "tune.cv = 1"),
    (GOOD.replace('"grid"', '"grid"\nmetric = "val_f1"'), "'val_f1' is never logged"),
    (GOOD.replace('"grid"', '"grid"\nsamplr = 1'), "unknown config key 'tune.samplr'"),
    ('[tune]\nsampler = "grid"\n[tune.space]\n', "tune.space is empty"),
    ("", "no \\[tune\\] table"),
])
def test_bad_tune_tables(tune, match):
    with pytest.raises(ConfigError, match=match):
        parse_tune(_config(tune))


def test_no_validation_data_and_no_cv_is_refused():
    base = BASE.replace('kind = "moons"', 'kind = "moons"\nvalidation_split = 0.0')
    with pytest.raises(ConfigError, match="no data to compare settings on"):
        parse_tune(_config(base=base))


@pytest.mark.parametrize("space, match", [
    ('"optimizer.lrr" = { choices = [0.1, 0.2] }', "unknown config key 'optimizer.lrr'"),
    ('"optimizer.name" = { choices = ["SGD", "Adamm"] }', "optimizer.name = 'Adamm'"),
    ('"train.batch_size" = { low = 0, high = 8 }', "train.batch_size"),
    ('"model.layers[5].out" = { choices = [2, 4] }', r"no index \[5\]"),
    ('"model.layers[1].type" = { choices = ["Tanh", "Tahn"] }', "'Tahn' is not a glassgrad.nn"),
])
def test_cli_refuses_bad_spaces_before_any_trial(tmp_path, capsys, space, match):
    """Exit 2, one line naming the key, and nothing written (no study, no folder)."""
    import re

    path = write_config(tmp_path, f'[tune]\nsampler = "grid"\n[tune.space]\n{space}\n')
    out = tmp_path / "out"
    assert cli.main(["tune", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err) and "tune.space[" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_refuses_trials_zero_and_a_fixed_in_after_a_searched_width(tmp_path, capsys):
    path = write_config(tmp_path, GOOD)
    assert cli.main(["tune", str(path), "--trials", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--trials = 0 must be an integer >= 1" in capsys.readouterr().err
    assert cli.main(["tune", str(path), "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--workers = 0 must be an integer >= 1" in capsys.readouterr().err
    base = BASE.replace('{type = "Linear", out = 1}', '{type = "Linear", in = 8, out = 1}')
    path = write_config(tmp_path, '[tune]\nsampler = "grid"\n[tune.space]\n'
                        '"model.layers[0].out" = { choices = [4, 8] }\n', base=base)
    assert cli.main(["tune", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "tune.space['model.layers[0].out'] = 4" in err
    assert "model.layers[2].in = 8 but the previous Linear gives 4" in err
    assert "Omit 'in' of the next Linear" in err


def test_without_optuna_the_command_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "optuna", None)  # import optuna fails
    path = write_config(tmp_path, GOOD)
    assert cli.main(["tune", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "pip install 'glassgrad[tune]'" in err and len(err.strip().splitlines()) == 1

"""The ``glassgrad`` command: the default run end to end, the config format, bad input."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from glassgrad import cli
from glassgrad.train.config import DEFAULT_TOML, dump_toml, load_config

SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_default_run_as_a_subprocess(tmp_path):
    """The README's main command on a fresh machine: no config, no network."""
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": SRC, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-m", "glassgrad.cli", "train", "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "test: loss" in proc.stdout and "\r" not in proc.stdout
    names = {p.name for p in out.iterdir()}
    assert {"config.toml", "history.csv", "history.json", "weights.npz", "summary.json",
            "diagnosis.md", "diagnosis.json", "layer_stats.md"} <= names
    assert "INTERRUPTED" not in names
    diagnosis = (out / "diagnosis.md").read_text()
    assert "no problems found" in diagnosis  # a healthy default run
    assert "Checked:" in diagnosis and "overfitting" in diagnosis  # says what was checked
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["metrics"]["test"]["accuracy"] >= 0.95
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert len(rows) == summary["epochs_completed"] > 0
    hist = json.loads((out / "history.json").read_text())
    assert len(hist["history"]["val_loss"]) == len(rows)
    with np.load(out / "weights.npz", allow_pickle=False) as w:
        assert w["0.weight"].shape == (16, 2) and w["4.weight"].shape == (1, 16)
    assert load_config(out / "config.toml") == load_config(None)   # the config round-trips
    pytest.importorskip("matplotlib")
    assert {"curves.png", "decision_boundary.png", "layer_dynamics.png"} <= names


def test_python_dash_m_glassgrad_runs_the_cli(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.run([sys.executable, "-m", "glassgrad", "--help"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0 and "train" in proc.stdout and "explain" in proc.stdout


def test_help_lists_both_subcommands():
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.run([sys.executable, "-m", "glassgrad.cli", "--help"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0 and "train" in proc.stdout and "explain" in proc.stdout


def _write(tmp_path, text, name="c.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_custom_config_regression_csv(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (120, 4))
    y = X @ [1.0, -2.0, 0.5, 3.0]
    table = tmp_path / "t.csv"
    with open(table, "w") as f:
        f.write("a,b,c,d,out\n")
        for row, t in zip(X, y):
            f.write(",".join(f"{v:.6f}" for v in (*row, t)) + "\n")
    cfg = _write(tmp_path, f'''
name = "reg"
[data]
kind = "csv"
path = "{table}"
target = "out"
scale = "minmax"
[model]
layers = [{{type = "Linear", out = 8}}, {{type = "Tanh"}}, {{type = "Linear", out = 1}}]
[train]
loss = "MSELoss"
metrics = ["r2"]
epochs = 5
verbose = 0
[optimizer]
name = "SGD"
lr = 0.1
momentum = 0.9
[callbacks]
''')
    out = tmp_path / "o"
    assert cli.main(["train", cfg, "--out", str(out), "--no-plots"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["epochs_completed"] == 5 and "r2" in summary["metrics"]["test"]
    assert "r2" in capsys.readouterr().out


def test_help_texts_and_default_config(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0 and "train" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    for word in ("--out", "--print-default-config", "[data]", "[model]", "[optimizer]",
                 "early_stopping", "exit status"):
        assert word in text
    assert cli.main(["train", "--print-default-config"]) == 0
    assert capsys.readouterr().out == DEFAULT_TOML
    assert load_config(text=DEFAULT_TOML) == load_config(None)


def test_dump_toml_round_trip():
    import tomllib

    config = load_config(None)
    config["callbacks"]["terminate_on_nan"] = {}
    config["name"] = 'with "quotes"'
    assert tomllib.loads(dump_toml(config)) == config


BAD = [
    ('[data]\nkind = "moon"\n', "'data.kind' = 'moon'.*moons, circles"),
    ('[data]\nnosie = 0.1\n', "unknown config key 'data.nosie'"),
    ('[train]\nepochs = 0\n', "'train.epochs' = 0.*integer >= 1"),
    ('[optimizer]\nname = "Adamm"\n', "optimizer.name = 'Adamm'.*SGD"),
    ('[optimizer]\nname = "SGD"\nlr = 0.1\nmomentun = 0.9\n',
     "unknown config key 'optimizer.momentun'"),
    ('[model]\nlayers = [{type = "Linear", in = 3, out = 1}]\n',
     r"model.layers\[0\].in = 3 but the data has 2 features"),
    ('[model]\nlayers = [{type = "Dense", out = 1}]\n', r"layers\[0\].type = 'Dense'"),
    ('[model]\nlayers = [{out = 1}]\n', "needs a 'type' key"),
    ('[data]\nvalidation_split = 1.5\n', "validation_split' = 1.5.*fraction"),
    ('[data]\nn_samples = 10\ntest_size = 0.5\nvalidation_split = 0.9\n',
     "leave no training samples out of 10"),
    ('[data]\nkind = "csv"\npath = "nope.csv"\ntarget = "y"\n', "'nope.csv' does not exist"),
    ('[data]\nkind = "csv"\n', "missing config key 'data.path'"),
    ('[data]\nkind = "mnist"\npath = "no_such_dir"\n', "'no_such_dir' is not a folder"),
    ('[train]\nloss = "MSE_Loss"\n', "unknown loss 'MSE_Loss'"),
    ('[train]\nmetrics = ["acc", "auc"]\n', "unknown metric 'auc'"),
    ('[callbacks.early_stop]\n', "unknown config key 'callbacks.early_stop'"),
    ('[data]\nn_samples = 10\nnoise = 0.1\nvalidation_split = 0.0\n', None),
    ('[data\n', "not valid TOML"),
    ('[callbacks.early_stopping]\npatience = "x"\n',
     r"^glassgrad train: error: config key 'callbacks.early_stopping.patience' = 'x' "
     r"\(EarlyStopping\) must be a number"),
    ('[callbacks.lr_scheduler]\nname = "StepLR"\n',
     r"\[callbacks.lr_scheduler\] StepLR: .*step_size"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_bad_configs_exit_2_with_one_line(tmp_path, capsys, text, message):
    cfg = _write(tmp_path, text + "[train]\nverbose = 0\n" if "[train]" not in text else text)
    code = cli.main(["train", cfg, "--out", str(tmp_path / "o"), "--no-plots", "--epochs", "1"])
    err = capsys.readouterr().err
    if message is None:   # a valid small config (early stopping on val_loss without val data)
        assert code == 2 and "needs validation data" in err
        return
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    import re

    assert re.search(message, err), err


def test_missing_file_and_data_errors(tmp_path, capsys):
    assert cli.main(["train", str(tmp_path / "none.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    table = tmp_path / "nan.csv"
    table.write_text("a,b,y\n1,2,0\n3,,1\n5,6,0\n7,8,1\n")
    cfg = _write(tmp_path, f'[data]\nkind = "csv"\npath = "{table}"\ntarget = "y"\n'
                 'test_size = 0.0\nvalidation_split = 0.0\nscale = "none"\n[callbacks]\n')
    assert cli.main(["train", cfg, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "NaN" in err and "row 1" in err


def test_interrupted_run_leaves_a_consistent_folder(tmp_path, monkeypatch, capsys):
    fit_module = sys.modules["glassgrad.train.fit"]

    def interrupt_in_epoch_4(epoch, logs=None):
        if epoch == 3:
            raise KeyboardInterrupt

    orig_fit = fit_module.fit

    def fit_with_interrupt(*a, **k):
        from glassgrad.train import LambdaCallback

        k["callbacks"] = [*k["callbacks"], LambdaCallback(on_epoch_begin=interrupt_in_epoch_4)]
        return orig_fit(*a, **k)

    monkeypatch.setattr(fit_module, "fit", fit_with_interrupt)
    out = tmp_path / "o"
    cfg = _write(tmp_path, "[train]\nverbose = 0\n")
    assert cli.main(["train", cfg, "--out", str(out), "--no-plots"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert (out / "INTERRUPTED").exists()
    rows = list(csv.DictReader(open(out / "history.csv")))
    hist = json.loads((out / "history.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert len(rows) == 3 == len(hist["history"]["loss"]) == summary["epochs_completed"]
    assert hist["interrupted"] and summary["status"] == "interrupted"
    with np.load(out / "weights.npz", allow_pickle=False) as w:
        names = set(w.files) - {"__glassgrad__"}   # glassgrad.save's metadata member
        assert names == {"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}


def test_out_folder_with_an_earlier_run_or_user_files_is_not_overwritten(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.toml").write_text("# my own notes\n")
    (out / "weights.npz").write_bytes(b"precious")
    argv = ["train", "--out", str(out), "--no-plots", "--epochs", "1", "--verbose", "0"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "config.toml, weights.npz" in err and "--overwrite" in err
    assert (out / "config.toml").read_text() == "# my own notes\n"
    assert (out / "weights.npz").read_bytes() == b"precious"
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep")   # a folder with unrelated files is fine
    assert cli.main(["train", "--out", str(other), "--no-plots", "--epochs", "1",
                     "--verbose", "0"]) == 0
    assert (other / "notes.txt").read_text() == "keep" and (other / "summary.json").exists()
    assert cli.main([*argv, "--overwrite"]) == 0
    assert load_config(out / "config.toml") == {**load_config(None), "train": {
        **load_config(None)["train"], "epochs": 1, "verbose": 0}}


def test_default_run_folder_never_reuses_a_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cfg = _write(tmp_path, 'name = "exp"\n[train]\nepochs = 1\nverbose = 0\n')
    for _ in range(2):
        assert cli.main(["train", cfg, "--no-plots"]) == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["exp", "exp-2"]

"""``glassgrad tune`` end to end on moons: grid, TPE with workers, resume, failures, Ctrl-C."""

import csv
import itertools
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from glassgrad import cli

from .conftest import BASE, SRC, run_cli, write_config

optuna = pytest.importorskip("optuna")

GRID = """
[tune]
sampler = "grid"
metric = "val_loss"
[tune.space]
"optimizer.lr" = { choices = [0.01, 0.1] }
"train.batch_size" = { choices = [16, 64] }
"""

TPE = """
[tune]
sampler = "tpe"
trials = 3
[tune.space]
"optimizer.lr" = { low = 1e-3, high = 0.3, log = true }
"model.layers[0].out" = { low = 2, high = 16, step = 2 }
"""


def _rows(out):
    with open(out / "trials.csv") as f:
        return list(csv.DictReader(f))


def test_grid_2x2_writes_4_trials_a_best_toml_that_trains_and_the_protocol(tmp_path, capsys):
    path = write_config(tmp_path, GRID)
    out = tmp_path / "search"
    assert cli.main(["tune", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("complete") == 4  # one progress line per trial
    rows = _rows(out)
    assert [r["state"] for r in rows] == ["complete"] * 4
    grid = {(float(r["optimizer.lr"]), int(r["train.batch_size"])) for r in rows}
    assert grid == set(itertools.product([0.01, 0.1], [16, 64]))  # every point exactly once
    assert all(float(r["duration_s"]) >= 0 and int(r["epochs"]) >= 1 for r in rows)
    best_row = min(rows, key=lambda r: float(r["val_loss"]))

    summary = json.loads((out / "summary.json").read_text())
    assert summary["best"]["trial"] == int(best_row["number"])
    assert summary["best"]["value"] == pytest.approx(float(best_row["val_loss"]))
    protocol = summary["protocol"]
    assert protocol["seed"] == 0 and protocol["test_evaluations"] == 1
    assert "validation part (32 samples" in protocol["selection"]
    assert "evaluated once on the test part (40 samples" in protocol["final"]
    final = summary["final"]
    assert final["status"] == "completed" and final["samples"] == {"train": 160, "test": 40}
    assert 0.5 < final["test"]["accuracy"] <= 1.0
    assert (out / "optimization_history.png").exists() and (out / "slice.png").exists()
    assert (out / "intermediate_values.png").exists()

    # best.toml is a complete run config; `glassgrad train` on it reproduces the best trial's
    # validation loss (same seed, split and initialization: an independent code path)
    run = tmp_path / "best-run"
    assert cli.main(["train", str(out / "best.toml"), "--out", str(run), "--no-plots"]) == 0
    trained = json.loads((run / "summary.json").read_text())
    assert trained["status"] == "completed"
    assert trained["metrics"]["val"]["loss"] == pytest.approx(float(best_row["val_loss"]),
                                                              rel=1e-5)
    study = optuna.load_study(study_name="moons", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(out / "study.journal"))))
    assert study.best_trial.number == int(best_row["number"])  # Optuna's own answer

    # running the finished study again repeats nothing
    assert cli.main(["tune", str(path), "--out", str(out), "--no-plots", "--no-retrain"]) == 0
    assert len(_rows(out)) == 4 and "4 of 4 trials done" in capsys.readouterr().out


def test_tpe_with_two_workers_then_a_resumed_run_gives_the_total_without_repeats(tmp_path):
    path = write_config(tmp_path, TPE)
    out = tmp_path / "tpe"
    first = run_cli(["tune", path, "--out", out, "--workers", "2", "--no-plots",
                     "--no-retrain"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert len(_rows(out)) == 3
    second = run_cli(["tune", path, "--out", out, "--workers", "2", "--trials", "5",
                      "--no-plots", "--no-retrain"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert "3 of 5 trials done, resuming" in second.stdout
    rows = _rows(out)
    assert [int(r["number"]) for r in rows] == [0, 1, 2, 3, 4]
    assert all(r["state"] in ("complete", "pruned") for r in rows)
    params = {(r["optimizer.lr"], r["model.layers[0].out"]) for r in rows}
    assert len(params) == 5  # no trial repeated
    assert len({r["worker"] for r in rows}) >= 2  # two runs: at least two worker processes


def test_a_diverging_trial_is_recorded_failed_and_the_study_goes_on(tmp_path, capsys):
    base_mse = """
seed = 0
[data]
kind = "moons"
n_samples = 100
[model]
layers = [{type = "Linear", out = 8}, {type = "Tanh"}, {type = "Linear", out = 1}]
[train]
loss = "MSELoss"
epochs = 5
batch_size = 16
verbose = 0
[optimizer]
name = "SGD"
lr = 0.1
[tune]
sampler = "grid"
[tune.space]
"optimizer.lr" = { choices = [0.05, 1e12] }
"""
    path = tmp_path / "div.toml"
    path.write_text('name = "div"\n' + base_mse)
    out = tmp_path / "div"
    assert cli.main(["tune", str(path), "--out", str(out), "--no-plots"]) == 0
    rows = {float(r["optimizer.lr"]): r for r in _rows(out)}
    assert rows[0.05]["state"] == "complete"
    assert rows[1e12]["state"] == "failed" and "diverged" in rows[1e12]["reason"]
    assert rows[1e12]["val_loss"] == ""
    assert "failed: diverged" in capsys.readouterr().out
    assert json.loads((out / "summary.json").read_text())["best"]["params"] == {
        "optimizer.lr": 0.05}


def test_all_trials_failing_exits_1_with_the_reason(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[data]\nkind = "moons"\nn_samples = 100\n'
                    '[model]\nlayers = [{type = "Linear", out = 1}]\n'
                    '[train]\nloss = "MSELoss"\nepochs = 3\nbatch_size = 16\nverbose = 0\n'
                    '[optimizer]\nname = "SGD"\nlr = 1e15\n'
                    '[tune]\nsampler = "grid"\n[tune.space]\n'
                    '"optimizer.momentum" = { choices = [0.0, 0.5] }\n')
    assert cli.main(["tune", str(path), "--out", str(tmp_path / "o"), "--no-plots"]) == 1
    err = capsys.readouterr().err
    assert "no trial completed" in err and "diverged" in err


def test_ctrl_c_leaves_the_study_resumable(tmp_path):
    # ~1 s per trial (300 epochs, no early stopping), so the signal lands inside trial 0
    slow = BASE.replace("epochs = 8", "epochs = 300") + "[callbacks]\n"
    path = write_config(tmp_path, TPE, base=slow)
    out = tmp_path / "cc"
    env = {**os.environ, "PYTHONPATH": SRC, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "glassgrad", "tune", str(path), "--out",
                             str(out), "--no-plots", "--no-retrain"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    journal, deadline = out / "study.journal", time.time() + 120
    # the first trial has started once its worker attribute is in the journal
    while time.time() < deadline and not (journal.exists() and '"worker"' in journal.read_text()):
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stdout + stderr
    assert "run the same command to resume" in stderr and "Traceback" not in stderr
    rows = _rows(out)
    interrupted = [r for r in rows if "interrupted" in r["reason"]]
    assert len(interrupted) == 1 and interrupted[0]["state"] == "failed"

    again = run_cli(["tune", path, "--out", out, "--no-plots", "--no-retrain", "--trials", "1"],
                    tmp_path)
    assert again.returncode == 0, again.stderr
    rows = _rows(out)
    counted = [r for r in rows if "interrupted" not in r["reason"]]
    assert len(counted) == 1 and all(r["state"] in ("complete", "pruned") for r in counted)
    lost = next(r for r in rows if r["number"] == interrupted[0]["number"])
    assert "re-queued as trial" in lost["reason"]
    retry = rows[int(lost["reason"].rsplit("re-queued as trial ", 1)[1])]
    # the interrupted trial's parameters are evaluated again
    assert retry["state"] in ("complete", "pruned")
    assert (retry["optimizer.lr"], retry["model.layers[0].out"]) == (
        lost["optimizer.lr"], lost["model.layers[0].out"])

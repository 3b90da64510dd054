"""The CLI tells the truth: every config error is exit 2 with one line (no traceback, no file
written); a failed run exits 1 and its folder says "failed" and why; a corrected rerun into
that folder works; names cannot escape runs/; explain refuses options that do not apply;
epochs are numbered from 1 everywhere; a closed stdout pipe is no error."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from glassgrad import cli

SRC = str(Path(__file__).resolve().parents[1] / "src")
SMALL = '[data]\nn_samples = 120\n'

# (config error class, TOML, what the one-line message must say)
CONFIG_ERRORS = [
    ("type: loss", '[train]\nloss = 3\n', "'train.loss' = 3"),
    ("type: stop_when", '[train]\nstop_when = 5\n', "'train.stop_when' = 5"),
    ("type: scheduler gamma", '[callbacks.lr_scheduler]\nname = "StepLR"\nstep_size = 2\n'
     'gamma = "x"\n', "'callbacks.lr_scheduler.gamma' = 'x'"),
    ("type: seed", 'seed = "a"\n', "'seed' = 'a'"),
    ("type: metrics", '[train]\nmetrics = "accuracy"\n', "'train.metrics'"),
    ("type: optimizer.name", '[optimizer]\nname = 1\n', "'optimizer.name' = 1"),
    ("type: momentum", '[optimizer]\nname = "SGD"\nlr = 0.1\nmomentum = "x"\n',
     "'optimizer.momentum' = 'x'"),
    ("type: layer size", '[model]\nlayers = [{type = "Linear", in = 2, out = "x"}]\n',
     r"'model.layers\[0\].out' = 'x'"),
    ("type: bool", '[callbacks.early_stopping]\nrestore_best_weights = "yes"\n',
     "restore_best_weights' = 'yes'"),
    ("type: table", 'data = 3\n', "'data' must be a table"),
    ("finite: noise = nan", '[data]\nnoise = nan\n', "'data.noise' = nan"),
    ("finite: lr = inf", '[optimizer]\nname = "SGD"\nlr = inf\n', "'optimizer.lr' = inf"),
    ("range: lr <= 0", '[optimizer]\nname = "SGD"\nlr = 0\n', "'optimizer.lr' = 0.*> 0"),
    ("range: momentum", '[optimizer]\nname = "SGD"\nlr = 0.1\nmomentum = 1.5\n', "< 1"),
    ("range: betas", '[optimizer]\nname = "Adam"\nbetas = [1.5, 0.9]\n', "each beta"),
    ("range: dropout p", '[model]\nlayers = [{type = "Linear", in = 2, out = 4}, '
     '{type = "Dropout", p = 2.0}, {type = "Linear", out = 1}, {type = "Sigmoid"}]\n',
     r"layers\[1\]\.p' = 2.0.*in \[0, 1\]"),
    ("range: n_samples", '[data]\nn_samples = -5\n', "'data.n_samples' = -5"),
    ("range: epochs", '[train]\nepochs = 0\n', "'train.epochs' = 0"),
    ("range: factor", '[callbacks.reduce_lr_on_plateau]\nfactor = 2.0\n', "factor' = 2.0"),
    ("memory: data", '[data]\nn_samples = 100000000000\n', "GiB of memory"),
    ("memory: model", '[model]\nlayers = [{type = "Linear", in = 2, out = 1000000}, '
     '{type = "Linear", out = 1000000}, {type = "Linear", out = 1}, {type = "Sigmoid"}]\n',
     "GiB of memory"),
    ("monitor never logged", '[callbacks.early_stopping]\nmonitor = "val_acc"\n',
     "'val_acc' will never be logged"),
    ("monitor needs validation", SMALL + 'validation_split = 0.0\n', "needs validation data"),
    ("stop_when key never logged", '[train]\nstop_when = "val_los < 0.1"\n',
     "'val_los' will never be logged"),
    ("stop_when unreadable", '[train]\nstop_when = "whatever"\n', "cannot read 'whatever'"),
    ("loss/data: BCE on 3 classes", '[data]\nkind = "blobs"\ncenters = 3\n',
     'use loss = "CrossEntropyLoss" with the last Linear out = 3'),
    ("loss/data: BCE on digits", '[data]\nkind = "digits"\n[model]\nlayers = [{type = '
     '"Linear", out = 8}, {type = "Tanh"}, {type = "Linear", out = 1}, {type = "Sigmoid"}]\n',
     "out = 10"),
    ("loss/output: BCE without sigmoid", '[model]\nlayers = [{type = "Linear", in = 2, out = 4},'
     ' {type = "Tanh"}, {type = "Linear", out = 1}]\n', 'add {type = "Sigmoid"}'),
    ("loss/output: CE with out = 1", '[train]\nloss = "CrossEntropyLoss"\n[model]\nlayers = ['
     '{type = "Linear", in = 2, out = 4}, {type = "Tanh"}, {type = "Linear", out = 1}]\n',
     "out = 2 for CrossEntropyLoss"),
    ("loss/output: CE after Softmax", '[train]\nloss = "CrossEntropyLoss"\n[model]\nlayers = ['
     '{type = "Linear", in = 2, out = 2}, {type = "Softmax", dim = 1}]\n', "Remove the final"),
    ("loss/output: MSE width", '[train]\nloss = "MSELoss"\nmetrics = []\n[model]\nlayers = ['
     '{type = "Linear", in = 2, out = 3}]\n', "out = 1"),
    ("layers/data shape", '[model]\nlayers = [{type = "Conv2d", in_channels = 1, '
     'out_channels = 2, kernel_size = 3}]\n', "do not fit the data"),
    ("name escapes runs/", 'name = "../../x"\n', "plain folder name"),
    ("name absolute", 'name = "/tmp/x"\n', "plain folder name"),
    ("unknown key", '[data]\nnosie = 0.1\n', "unknown config key 'data.nosie'"),
    ("unknown data kind", '[data]\nkind = "moon"\n', "'data.kind' = 'moon'"),
    ("invalid TOML", '[data\n', "not valid TOML"),
]


@pytest.mark.parametrize("what,text,message", CONFIG_ERRORS, ids=[c[0] for c in CONFIG_ERRORS])
def test_every_config_error_is_exit_2_with_one_line_and_no_file(tmp_path, capsys, monkeypatch,
                                                                what, text, message):
    import re

    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "c.toml"
    cfg.write_text(text + ("" if "[train]" in text else "[train]\n") + "verbose = 0\n"
                   if "[train]" not in text else text)
    code = cli.main(["train", str(cfg), "--no-plots", "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(message, err), err
    assert not (tmp_path / "runs").exists()   # validated before any file was written


def test_config_errors_from_the_real_command_have_no_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    for _, text, _ in CONFIG_ERRORS[:3]:
        (tmp_path / "c.toml").write_text(text)
        proc = subprocess.run([sys.executable, "-m", "glassgrad", "train", "c.toml"],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr


DIVERGE = ('name = "r"\n[optimizer]\nname = "SGD"\nlr = 1e4\n[train]\nverbose = 0\nloss = '
           '"MSELoss"\nmetrics = []\n[model]\nlayers = [{type = "Linear", in = 2, out = 64}, '
           '{type = "ReLU"}, {type = "Linear", out = 64}, {type = "ReLU"}, {type = "Linear", '
           'out = 1}]\n' + SMALL)


def test_a_diverging_run_fails_marks_its_folder_and_a_corrected_rerun_works(tmp_path, capsys,
                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.toml").write_text(DIVERGE)
    assert cli.main(["train", "c.toml", "--no-plots"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "non-finite loss" in err
    run = tmp_path / "runs" / "r"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "failed" and "epoch 1, batch" in summary["reason"]
    assert not (run / "weights.npz").exists()   # no epoch was good: nothing written
    # the corrected config, same name: reuses the failed run's folder, no --overwrite needed
    (tmp_path / "c.toml").write_text('name = "r"\n[train]\nverbose = 0\nepochs = 3\n' + SMALL)
    assert cli.main(["train", "c.toml", "--no-plots"]) == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["r"]
    assert json.loads((run / "summary.json").read_text())["status"] == "completed"
    # a completed run is never replaced: the next run gets a new folder
    assert cli.main(["train", "c.toml", "--no-plots"]) == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["r", "r-2"]


def test_epochs_are_numbered_from_1_everywhere(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[train]\nverbose = 2\nepochs = 3\n' + SMALL)
    assert cli.main(["train", str(cfg), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    out = capsys.readouterr().out
    assert "Epoch 1/3" in out and "Epoch 3/3" in out and "Epoch 0/" not in out
    rows = list(csv.DictReader(open(tmp_path / "o" / "history.csv")))
    hist = json.loads((tmp_path / "o" / "history.json").read_text())
    assert [int(r["epoch"]) for r in rows] == hist["epoch"] == [1, 2, 3]
    best = 1 + min(range(3), key=lambda i: hist["history"]["val_loss"][i])
    assert hist["restored_epoch"] == best and f"best epoch, {best}" in out
    diagnosis = json.loads((tmp_path / "o" / "diagnosis.json").read_text())
    assert f"restored from epoch {best}" in diagnosis["judged"]


def test_digits_is_a_data_kind(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[data]\nkind = "digits"\n[model]\nlayers = [{type = "Linear", out = 32}, '
                   '{type = "ReLU"}, {type = "Linear", out = 10}]\n[train]\nloss = '
                   '"CrossEntropyLoss"\nepochs = 15\nverbose = 0\n')
    assert cli.main(["train", str(cfg), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["metrics"]["test"]["accuracy"] > 0.85


def test_a_closed_stdout_pipe_is_not_an_error(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = (f"{sys.executable} -m glassgrad train --no-plots --epochs 3 --verbose 2 --out o "
           "| head -2")
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd}"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
    assert len(proc.stdout.splitlines()) == 2
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["status"] == "completed"


@pytest.mark.parametrize("argv,message", [
    (["trace", "runs/x"], "'runs/x' does not apply to 'trace'"),
    (["trace", "--dot", "g.dot"], "--dot does not apply to 'trace'"),
    (["trace", "--image", "g.png"], "--image does not apply"),
    (["graph", "x*2", "--at", "x=1", "--example", "softmax"], "--example does not apply"),
    (["graph", "x*2", "--at", "x=1", "--out", "d"], "--out does not apply"),
    (["diagnose", "r", "--dot", "g.dot"], "--dot does not apply to 'diagnose'"),
    (["graph", "foo(x)", "--at", "x=1"], "foo.*allowed functions: sin, cos"),
    (["graph", "x*y", "--at", "x=1"], "unknown name 'y'.*--at y=VALUE.*allowed functions"),
    (["graph", "x.__class__", "--at", "x=1"], "Attribute.*allowed functions"),
    (["graph", "x*2", "--at", "x=abc"], "--at 'x=abc'"),
    (["graph", "x*(", "--at", "x=1"], "not a valid expression.*allowed functions"),
])
def test_explain_refuses_options_that_do_not_apply(tmp_path, capsys, monkeypatch, argv,
                                                   message):
    import re

    monkeypatch.chdir(tmp_path)
    assert cli.main(["explain", *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and re.search(message, err), err
    assert not list(tmp_path.iterdir())

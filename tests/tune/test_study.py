"""Shared studies: two `glassgrad tune` processes on one real PostgreSQL server, bad storage URLs,
and a journal study resumed with a different config."""

import csv
import subprocess
import sys

import pytest

from glassgrad import cli

from .conftest import BASE, SRC, write_config

optuna = pytest.importorskip("optuna")

SPACE = """
[tune]
sampler = "random"
trials = 6
[tune.space]
"optimizer.lr" = { low = 1e-3, high = 0.3, log = true }
"model.layers[0].out" = { choices = [4, 8, 16] }
"""


def test_two_workers_on_two_commands_share_one_postgresql_study(tmp_path, postgres_url):
    """As on two machines: `glassgrad tune CONFIG --storage URL` started twice at once."""
    import os

    base = BASE.replace("epochs = 8", "epochs = 100") + "[callbacks]\n"  # ~0.4 s per trial
    path = write_config(tmp_path, SPACE, name="shared", base=base)
    env = {**os.environ, "PYTHONPATH": SRC, "MPLBACKEND": "Agg"}
    command = [sys.executable, "-m", "glassgrad", "tune", str(path), "--storage", postgres_url,
               "--no-plots", "--no-retrain"]
    procs = [subprocess.Popen([*command, "--out", str(tmp_path / f"machine{i}")], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://")
    study = optuna.load_study(study_name="shared", storage=url)
    trials = study.get_trials()
    assert len(trials) == 6  # the requested total, not 12 and not 7
    assert sorted(t.number for t in trials) == list(range(6))
    assert all(t.state.name in ("COMPLETE", "PRUNED") for t in trials)
    assert len({t.user_attrs["worker"] for t in trials}) == 2  # both processes ran trials
    assert len({(t.params["optimizer.lr"], t.params["model.layers[0].out"])
                for t in trials}) == 6  # no configuration was run twice
    # both machines' folders describe the shared study
    for i in range(2):
        assert (tmp_path / f"machine{i}" / "best.toml").exists()
        rows = list(csv.DictReader(open(tmp_path / f"machine{i}" / "trials.csv")))
        assert {int(r["number"]) for r in rows} <= set(range(6)) and len(rows) >= 3
        assert not (tmp_path / f"machine{i}" / "study.journal").exists()


@pytest.mark.parametrize("url", ["postgresql://nobody:secret@127.0.0.1:1/nothing",
                                 "mysql+nodriver://x@y/z", "notaurl"])
def test_an_unreachable_or_bad_storage_url_is_one_line_exit_2(tmp_path, capsys, url):
    path = write_config(tmp_path, SPACE)
    assert cli.main(["tune", str(path), "--storage", url, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--storage" in err
    assert "secret" not in err  # passwords are not echoed


def test_resuming_with_a_different_config_is_refused(tmp_path, capsys):
    path = write_config(tmp_path, SPACE.replace("trials = 6", "trials = 1"))
    out = tmp_path / "o"
    assert cli.main(["tune", str(path), "--out", str(out), "--no-plots", "--no-retrain"]) == 0
    changed = write_config(tmp_path, SPACE.replace("trials = 6", "trials = 2"),
                           base=BASE.replace("epochs = 8", "epochs = 9"))
    assert cli.main(["tune", str(changed), "--out", str(out)]) == 2
    assert "'train.epochs' differs" in capsys.readouterr().err


def test_a_trial_whose_worker_was_killed_is_requeued_by_the_next_run(tmp_path):
    """kill -9 leaves the trial RUNNING in the journal; the next run on this host sees that its
    worker process is gone, records it as interrupted and evaluates its parameters again."""
    import os
    import signal
    import time

    from .conftest import run_cli

    base = BASE.replace("epochs = 8", "epochs = 200") + "[callbacks]\n"  # killed at once
    path = write_config(tmp_path, SPACE.replace("trials = 6", "trials = 1"), base=base)
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-m", "glassgrad", "tune", str(path), "--out",
                             str(out), "--no-plots", "--no-retrain"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal, deadline = out / "study.journal", time.time() + 120
    while time.time() < deadline and not (journal.exists() and '"worker"' in journal.read_text()):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    again = run_cli(["tune", path, "--out", out, "--no-plots", "--no-retrain"], tmp_path,
                    timeout=240)
    assert again.returncode == 0, again.stderr
    rows = list(csv.DictReader(open(out / "trials.csv")))
    assert [r["state"] for r in rows] == ["failed", "complete"]
    assert f"worker process {proc.pid} died" in rows[0]["reason"]
    assert rows[1]["optimizer.lr"] == rows[0]["optimizer.lr"]

"""Real ``mpiexec -n 2`` runs, started from the normal test run (each with a timeout).

* the MPI test suite (``-m mpi``), under mpiexec;
* ``mpiexec -n 2 glassgrad train CONFIG`` against the single-process run of the same config;
* a rank that raises, or dies outright, ends the whole job within seconds.

Skipped with the reason where mpiexec or mpi4py is missing (``pip install 'glassgrad[mpi]'``).
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py", reason="needs mpi4py: pip install 'glassgrad[mpi]'")
MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
if MPIEXEC is None:
    pytest.skip("needs mpiexec (pip install 'glassgrad[mpi]' brings MPICH's)",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = "1"  # 2 ranks on a 2-core machine
    for var in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "PMIX_SIZE"):
        env.pop(var, None)  # never nested inside another launch
    return env


def _mpiexec(n, *args, timeout=240, cwd=None, tmpdir=None):
    env = _env()
    if tmpdir is not None:  # where ranks > 0 keep their scratch run folders
        os.makedirs(tmpdir, exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
    return subprocess.run([MPIEXEC, "-n", str(n), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


def test_mpi_suite_under_mpiexec():
    proc = _mpiexec(2, sys.executable, "-m", "pytest", "-m", "mpi", "-q", "-p",
                    "no:cacheprovider", str(ROOT / "tests" / "distributed"), timeout=300,
                    cwd=ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    passed = [line for line in out.splitlines() if " passed" in line and "failed" not in line]
    assert len(passed) == 2, out[-2000:]  # one summary line per rank, no skips or failures
    assert "skipped" not in out


CONFIG = """
seed = 0
[data]
kind = "moons"
n_samples = 600
noise = 0.2
test_size = 0.2
validation_split = 0.2
[model]
layers = [{type = "Linear", in = 2, out = 16}, {type = "Tanh"},
          {type = "Linear", out = 16}, {type = "Tanh"}, {type = "Linear", out = 1}]
[train]
loss = "BCEWithLogitsLoss"
metrics = ["accuracy", "f1"]
epochs = 5
batch_size = 33
verbose = 0
[optimizer]
name = "Adam"
lr = 0.01
"""


def test_cli_two_ranks_write_one_run_folder_matching_one_process(tmp_path):
    cfg = tmp_path / "run.toml"
    cfg.write_text(CONFIG)
    alone = subprocess.run([sys.executable, "-m", "glassgrad", "train", str(cfg), "--out",
                            str(tmp_path / "alone"), "--no-plots"], capture_output=True,
                           text=True, timeout=240, env=_env())
    assert alone.returncode == 0, alone.stderr
    scratch = tmp_path / "scratch"
    before = set(os.listdir(tmp_path))
    proc = _mpiexec(2, sys.executable, "-m", "glassgrad", "train", str(cfg), "--out",
                    str(tmp_path / "mpi"), "--no-plots", tmpdir=scratch)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(os.listdir(tmp_path)) - before == {"mpi", "scratch"}  # one run folder
    assert os.listdir(scratch) == []  # rank 1's scratch folder is gone
    assert proc.stdout.count("run folder:") == 1  # rank 0 alone prints
    assert "data parallel on 2 MPI ranks" in proc.stdout
    a, b = np.load(tmp_path / "alone" / "weights.npz"), np.load(tmp_path / "mpi" / "weights.npz")
    assert sorted(a.files) == sorted(b.files)
    for k in a.files:
        np.testing.assert_allclose(b[k], a[k], rtol=0, atol=1e-4)
    sa = json.loads((tmp_path / "alone" / "summary.json").read_text())
    sb = json.loads((tmp_path / "mpi" / "summary.json").read_text())
    assert sb["status"] == "completed" and sb["epochs_completed"] == sa["epochs_completed"]
    for part in ("train", "val", "test"):
        for k, v in sa["metrics"][part].items():
            assert sb["metrics"][part][k] == pytest.approx(v, abs=1e-4), (part, k)
    ha = json.loads((tmp_path / "alone" / "history.json").read_text())
    hb = json.loads((tmp_path / "mpi" / "history.json").read_text())
    np.testing.assert_allclose(hb["history"]["val_loss"], ha["history"]["val_loss"], atol=1e-4)


def test_cli_refuses_an_existing_run_folder_on_every_rank(tmp_path):
    cfg = tmp_path / "run.toml"
    cfg.write_text(CONFIG)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "weights.npz").write_bytes(b"user file")
    proc = _mpiexec(2, sys.executable, "-m", "glassgrad", "train", str(cfg), "--out",
                    str(tmp_path / "out"), timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("already holds") == 1  # rank 0 says it once
    assert (tmp_path / "out" / "weights.npz").read_bytes() == b"user file"


FAILING = """
import os, sys
import numpy as np
import glassgrad as gg
import glassgrad.distributed as dist
from glassgrad import nn, optim, train

comm = dist.init()
X = np.random.default_rng(0).standard_normal((64, 3))
y = (X[:, 0] > 0).astype(np.int64)

def fail(batch, logs):
    if comm.rank == 1 and batch == 2:
        if sys.argv[1] == "raise":
            raise RuntimeError("rank 1 fails on purpose")
        os._exit(7)  # dies without a word, as after a kill

model = nn.Sequential(nn.Linear(3, 2))
train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
          epochs=50, batch_size=8, verbose=0, distributed=True,
          callbacks=[train.LambdaCallback(on_train_batch_end=fail)])
print("rank", comm.rank, "finished: the failure was not noticed")
"""


@pytest.mark.parametrize("how", ["raise", "die"])
def test_a_failing_rank_ends_every_rank_quickly(tmp_path, how):
    script = tmp_path / "failing.py"
    script.write_text(textwrap.dedent(FAILING))
    start = time.perf_counter()
    proc = _mpiexec(2, sys.executable, str(script), how, timeout=120)
    elapsed = time.perf_counter() - start
    assert proc.returncode != 0
    assert elapsed < 60, f"took {elapsed:.0f} s"
    assert "finished" not in proc.stdout
    if how == "raise":
        assert "rank 1 fails on purpose" in proc.stderr
        assert "aborting all ranks" in proc.stderr


def test_cli_unsplittable_batches_exit_2_on_every_rank(tmp_path):
    cfg = tmp_path / "run.toml"
    cfg.write_text(CONFIG.replace("batch_size = 33", "batch_size = 383"))  # 384 train: 383 + 1
    start = time.perf_counter()
    proc = _mpiexec(2, sys.executable, "-m", "glassgrad", "train", str(cfg), "--out",
                    str(tmp_path / "out"), "--no-plots", timeout=120,
                    tmpdir=tmp_path / "scratch")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "every rank needs at least one sample of every global batch" in proc.stderr
    assert time.perf_counter() - start < 60

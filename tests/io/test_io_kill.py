"""Kill test: a training run SIGKILLed again and again while it checkpoints every epoch always
leaves a loadable, self-consistent checkpoint, and each restart resumes from it."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
from _io_fuzz_counts import note

import glassgrad as gg
from glassgrad.io import load_checkpoint

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")
KILLS = 15

CHILD = r"""
import os, sys
import numpy as np
import glassgrad as gg
from glassgrad import nn
from glassgrad.io import Checkpoint
from glassgrad.train import fit

path = sys.argv[1]
gg.manual_seed(0)
model = nn.Sequential(nn.Linear(256, 2048), nn.Tanh(), nn.Linear(2048, 1))  # 0.5M params, 2 MB
opt = gg.optim.Adam(model.parameters(), lr=1e-4)  # + 4 MB of Adam state per checkpoint
rng = np.random.default_rng(0)
X, y = rng.normal(size=(8, 256)).astype(np.float32), rng.normal(size=(8,)).astype(np.float32)
resume = path if os.path.exists(path) else None
print("ready", flush=True)
fit(model, nn.MSELoss(), opt, (X, y), epochs=10**6, batch_size=8, verbose=0,
    callbacks=[Checkpoint(path)], resume_from=resume)
"""


def _parent_model():
    from glassgrad import nn

    model = nn.Sequential(nn.Linear(256, 2048), nn.Tanh(), nn.Linear(2048, 1))
    return model, gg.optim.Adam(model.parameters(), lr=1e-4)


def test_sigkill_during_checkpointing_always_leaves_a_loadable_checkpoint(tmp_path):
    path = str(tmp_path / "last.npz")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(SRC), OMP_NUM_THREADS="1")
    rnd = random.Random(0)
    model, opt = _parent_model()
    epochs, mid_write, survived = [], 0, 0
    t0 = time.monotonic()
    for i in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, path], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert proc.stdout.readline().strip() == b"ready", proc.stderr.read().decode()
            deadline = time.monotonic() + 10
            while not os.path.exists(path) and time.monotonic() < deadline:
                time.sleep(0.01)  # the very first run: wait for its first checkpoint
            if i % 2:
                time.sleep(rnd.uniform(0.02, 0.3))  # anywhere: training, writing, renaming
            else:  # aim at the write itself: kill as soon as a temporary file shows up
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and not any(
                        f.endswith(".tmp") for f in os.listdir(tmp_path)):
                    time.sleep(0.0005)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            proc.stdout.close()
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        temps = [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
        mid_write += bool(temps)
        for f in temps:  # NOTE: a kill mid-write leaves its temp file; the checkpoint is intact
            os.unlink(tmp_path / f)
        info = load_checkpoint(path, model, opt)
        assert info["history"]["epoch"] == list(range(info["epoch"]))
        assert all(np.isfinite(p.data).all() for p in model.parameters())
        assert not epochs or info["epoch"] >= epochs[-1]  # each restart resumed, none lost
        epochs.append(info["epoch"])
        survived += 1
    elapsed = time.monotonic() - t0
    note(f"kill test: {survived}/{KILLS} SIGKILLs survived in {elapsed:.1f}s, "
          f"{mid_write} landed mid-write (temp file present); epochs reached {epochs}")
    assert survived == KILLS and epochs[-1] > epochs[0]

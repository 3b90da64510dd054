"""Kill test: a training run SIGKILLed again and again while it checkpoints every epoch always
leaves a loadable, self-consistent checkpoint, each restart resumes from it, and the temporary
file a kill mid-write leaves behind is removed by the next run (never blocking it)."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

import glassgrad as gg
from glassgrad.io import load_checkpoint
from glassgrad.io.atomic import TMP_PATTERN
from tests._fuzz_counts import note

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")
KILLS = 20

CHILD = r"""
import os, sys
import numpy as np
import glassgrad as gg
from glassgrad import nn
from glassgrad.train import LambdaCallback, ModelCheckpoint, fit

path = sys.argv[1]
gg.manual_seed(0)
model = nn.Sequential(nn.Linear(256, 2048), nn.Tanh(), nn.Linear(2048, 1))  # 0.5M params, 2 MB
opt = gg.optim.Adam(model.parameters(), lr=1e-4)  # + 4 MB of Adam state per checkpoint
rng = np.random.default_rng(0)
X, y = rng.normal(size=(8, 256)).astype(np.float32), rng.normal(size=(8,)).astype(np.float32)
resume = path if os.path.exists(path) else None
print("ready", flush=True)
fit(model, nn.MSELoss(), opt, (X, y), epochs=10**6, batch_size=8, verbose=0,
    callbacks=[ModelCheckpoint(path), LambdaCallback(on_epoch_begin=lambda e, logs: print(
        "epoch", flush=True))], resume_from=resume)
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
    epochs, mid_write, survived, leftovers, cleaned = [], 0, 0, set(), 0
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
                        TMP_PATTERN.match(f) and f not in leftovers for f in os.listdir(tmp_path)):
                    time.sleep(0.0005)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            started = b"epoch" in proc.stdout.read()  # past on_train_begin: cleanup done
            proc.stdout.close()
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        names = set(os.listdir(tmp_path))
        assert names <= {"last.npz"} | {f for f in names if TMP_PATTERN.match(f)}, names
        # the previous kill's leftover was cleaned by this run (it reached on_train_begin)
        assert not (started and leftovers & names), leftovers & names
        cleaned += bool(started and leftovers)
        leftovers = {f for f in names if TMP_PATTERN.match(f)}
        mid_write += bool(leftovers)
        info = load_checkpoint(path, model, opt)
        assert info["history"]["epoch"] == list(range(1, info["epoch"] + 1))  # 1-based
        assert all(np.isfinite(p.data).all() for p in model.parameters())
        assert not epochs or info["epoch"] >= epochs[-1]  # each restart resumed, none lost
        epochs.append(info["epoch"])
        survived += 1
    elapsed = time.monotonic() - t0
    note(f"kill test: {survived}/{KILLS} SIGKILLs survived in {elapsed:.1f}s, "
         f"{mid_write} landed mid-write (temp file present), {cleaned} leftovers cleaned by "
         f"the next run; epochs reached {epochs}")
    assert survived == KILLS and epochs[-1] > epochs[0] and mid_write >= 3 and cleaned >= 1

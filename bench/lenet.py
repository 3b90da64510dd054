"""LeNet training step: glassgrad vs PyTorch on the CPU, same weights, same data, same threads.

    PYTHONPATH=src python bench/lenet.py [--repeats 7] [--steps 20] [--threads 2] [--stat median]

Workload: 1×28×28 inputs (random, MNIST-like range [0, 1]), conv 5×5 ×6 pad 2, ReLU,
max-pool 2, conv 5×5 ×16, ReLU, max-pool 2, 400-120-84-10, batch 64, SGD (lr 0.01, momentum
0.9), softmax cross-entropy, float32. Each repeat times ``--steps`` steps of glassgrad, then the
same of PyTorch (alternating which goes first); the table shows the median (or min) over repeats
of seconds per batch, and the ratio torch/glassgrad (> 1: glassgrad is faster).

Threads: PyTorch gets ``torch.set_num_threads(threads)``; NumPy's BLAS reads
OPENBLAS_NUM_THREADS/OMP_NUM_THREADS, set here before NumPy is imported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

_args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
_args.add_argument("--repeats", type=int, default=7)
_args.add_argument("--steps", type=int, default=20)
_args.add_argument("--threads", type=int, default=2)
_args.add_argument("--batch", type=int, default=64)
_args.add_argument("--stat", choices=["median", "min"], default="median")
if __name__ == "__main__":  # BLAS reads its thread count when NumPy is first imported
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(_args.parse_args().threads))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassgrad as gg  # noqa: E402
import glassgrad.nn.functional as F  # noqa: E402
from glassgrad import nn  # noqa: E402


def lenet_glassgrad():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def lenet_torch():
    T = torch.nn
    return T.Sequential(
        T.Conv2d(1, 6, 5, padding=2), T.ReLU(), T.MaxPool2d(2),
        T.Conv2d(6, 16, 5), T.ReLU(), T.MaxPool2d(2),
        T.Flatten(), T.Linear(400, 120), T.ReLU(), T.Linear(120, 84), T.ReLU(), T.Linear(84, 10))


def main(argv=None) -> dict:
    """Time both frameworks; print the table; return median (or min) seconds per batch."""
    ARGS = _args.parse_args(argv)
    torch.set_num_threads(ARGS.threads)
    gg.manual_seed(0)
    rng = np.random.default_rng(0)
    batches = [(rng.random((ARGS.batch, 1, 28, 28), dtype=np.float32),
                rng.integers(0, 10, ARGS.batch)) for _ in range(8)]
    ours, theirs = lenet_glassgrad(), lenet_torch()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    opt_g = gg.optim.SGD(ours.parameters(), lr=0.01, momentum=0.9)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.01, momentum=0.9)
    data_g = [(gg.tensor(x), gg.tensor(y)) for x, y in batches]
    data_t = [(torch.tensor(x), torch.tensor(y)) for x, y in batches]

    def step_g(i):
        x, y = data_g[i % len(data_g)]
        loss = F.cross_entropy(ours(x), y)
        opt_g.zero_grad()
        loss.backward()
        opt_g.step()
        return loss.item()

    def step_t(i):
        x, y = data_t[i % len(data_t)]
        loss = torch.nn.functional.cross_entropy(theirs(x), y)
        opt_t.zero_grad()
        loss.backward()
        opt_t.step()
        return loss.item()

    # the same weights and data give the same losses: the two sides do the same work
    first = [(step_g(i), step_t(i)) for i in range(3)]
    gap = max(abs(a - b) for a, b in first)

    times = {"glassgrad": [], "PyTorch": []}
    runs = [("glassgrad", step_g), ("PyTorch", step_t)]
    for r in range(ARGS.repeats):
        for name, step in (runs if r % 2 == 0 else runs[::-1]):
            t0 = time.perf_counter()
            for i in range(ARGS.steps):
                step(i)
            times[name].append((time.perf_counter() - t0) / ARGS.steps)
    stat = statistics.median if ARGS.stat == "median" else min
    g, t = stat(times["glassgrad"]), stat(times["PyTorch"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"LeNet-5 training step, batch {ARGS.batch}, float32, {ARGS.threads} thread(s), "
          f"{ARGS.stat} of {ARGS.repeats} repeats × {ARGS.steps} steps "
          f"(load average {load:.2f}; loss gap over 3 steps {gap:.1e})\n")
    print("| framework | s / batch | torch / glassgrad |")
    print("|---|---|---|")
    print(f"| glassgrad {gg.__version__} (NumPy {np.__version__}) | {g:.5f} | {t / g:.2f} |")
    print(f"| PyTorch {torch.__version__} | {t:.5f} | 1.00 |")
    print(f"first losses: glassgrad {first[0][0]:.6f} torch {first[0][1]:.6f}")
    return {"glassgrad": g, "torch": t}


if __name__ == "__main__":
    main()
    sys.exit(0)

"""W2 data parallel: 1 vs N MPI ranks, one BLAS thread each (docs/howto/distributed.md).

    python bench/distributed_w2.py --configs 1x1 2x1 1x2 --rounds 5   # the driver (no mpiexec)

A config ``NxT`` is N ranks with T BLAS threads each. The driver starts ``mpiexec -n N python
bench/distributed_w2.py --worker`` for each config, rounds alternating (1x1, 2x1, 1x2, 1x1,
...), and reports medians against the first config; ``1x2`` (one process, two BLAS threads) is
the other way to use two cores. A worker trains W2 (784-256-128-10 ReLU,
Adam 1e-3, GLOBAL batch 128, the synthetic data of workloads/w2_data.py) for ``--steps``
steps after a warm-up, exactly as ``fit(..., distributed=True)`` does it: each rank takes its
contiguous 64 of every global 128, one Allreduce of all 235,146 gradients per step. Rank 0
prints the wall time per step and the part of it spent in the Allreduce (including waiting for
the slower rank). Every framework-comparison rule of bench/ applies: same data, same initial
weights, separate processes, medians; /proc/loadavg is recorded before and after, because this
machine is shared and the figures are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class _Timed:
    def __init__(self, fn):
        self.fn, self.spent = fn, 0.0

    def __call__(self, *args, **kwargs):
        t = time.perf_counter()
        out = self.fn(*args, **kwargs)
        self.spent += time.perf_counter() - t
        return out


def worker(steps: int, warmup: int) -> None:

    sys.path.insert(0, os.path.join(HERE, "workloads"))
    from w2_data import BATCH, LR, make

    import glassgrad as gg
    import glassgrad.distributed as dist
    from glassgrad import nn, optim
    from glassgrad.data import DataLoader, TensorDataset

    comm = dist.init()
    arrays = make(False, n=BATCH * (steps + warmup))
    x, y = arrays["x"], arrays["y"]
    gg.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                        nn.Linear(128, 10))
    dist.broadcast_parameters(net, comm=comm)
    opt = dist.DistributedOptimizer(optim.Adam(net.parameters(), lr=LR), comm)
    loss_fn = nn.CrossEntropyLoss()
    loader = dist.ShardedLoader(DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True,
                                           seed=0), comm)
    timer = _Timed(opt.reducer)
    opt.reducer = timer  # NOTE: times the Allreduce step (packing, waiting, unpacking)
    comm.barrier()
    for i, (xb, yb) in enumerate(loader):
        if i == warmup:
            comm.barrier()
            timer.spent, start = 0.0, time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step(batch_size=len(yb), loss=loss)
    comm.barrier()
    wall = time.perf_counter() - start
    same = dist.check_identical(net, comm)
    if comm.rank == 0:
        print(json.dumps({"ranks": comm.size, "step_s": wall / steps,
                          "allreduce_s": timer.spent / steps, "identical": same,
                          "loss": float(loss.item())}))


def driver(configs, rounds: int, steps: int, warmup: int) -> None:
    mpiexec = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or "mpiexec"
    parsed = [tuple(int(v) for v in c.split("x")) for c in configs]
    results = {c: [] for c in parsed}
    with open("/proc/loadavg") as f:
        load_before = f.read().strip()
    for _ in range(rounds):
        for n, threads in parsed:
            t = str(threads)
            env = dict(os.environ, OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t, MKL_NUM_THREADS=t)
            out = subprocess.run([mpiexec, "-n", str(n), sys.executable, __file__, "--worker",
                                  "--steps", str(steps), "--warmup", str(warmup)],
                                 capture_output=True, text=True, env=env, check=True, timeout=600)
            results[n, threads].append(json.loads(out.stdout.strip().splitlines()[-1]))
    with open("/proc/loadavg") as f:
        load_after = f.read().strip()
    base = statistics.median(r["step_s"] for r in results[parsed[0]])
    print(f"W2 data parallel, {steps} timed steps of global batch 128 (+{warmup} warm-up), "
          f"{rounds} alternating rounds, medians (min-max); "
          f"/proc/loadavg before: {load_before} | after: {load_after}")
    print("| ranks x BLAS threads | ms / step | of which Allreduce (+wait) | compute (the rest) "
          "| speed-up | efficiency (per core) |")
    print("|---|---|---|---|---|---|")
    for n, threads in parsed:
        times = [r["step_s"] for r in results[n, threads]]
        step = statistics.median(times)
        red = statistics.median(r["allreduce_s"] for r in results[n, threads])
        speed = base / step
        print(f"| {n} x {threads} | {1e3 * step:.2f} ({1e3 * min(times):.2f}-"
              f"{1e3 * max(times):.2f}) | {1e3 * red:.2f} | {1e3 * (step - red):.2f} | "
              f"{speed:.2f}x | {100 * speed / (n * threads):.0f}% |")
    print("all ranks identical after training:",
          all(r["identical"] for rs in results.values() for r in rs))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--configs", nargs="+", default=["1x1", "2x1", "1x2"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    a = ap.parse_args()
    if a.worker:
        worker(a.steps, a.warmup)
    else:
        driver(a.configs, a.rounds, a.steps, a.warmup)

"""Machine-level figures: W5 (float32 matmul peak), import cost, and W2's peak memory.

Import and memory are measured in fresh subprocesses (one per sample, alternating frameworks),
so neither framework's already-imported modules or allocator state colour the other's numbers.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")


def matmul_peak(threads: int, quick: bool) -> tuple[float, str]:
    """Best float32 GFLOP/s of a square sgemm through NumPy's BLAS (median of its repeats)."""
    from harness import blas_threads, timed

    blas_threads(threads)
    n = 1024 if quick else 2048
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b  # warm up
    rates, loads = [], []
    for _ in range(3 if quick else 7):
        wall, load, _ = timed(lambda: a @ b)
        rates.append(2 * n ** 3 / wall / 1e9)
        loads.append(load)
    return max(rates), f"{n}x{n} sgemm, best of {len(rates)}, max load {max(loads):.0%}"


# NOTE: VmHWM, not getrusage's ru_maxrss: Linux keeps ru_maxrss across fork and exec, so a child
# would report this (torch-laden) parent's peak; VmHWM belongs to the child's own address space.
_PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024"


def _child(code: str) -> dict:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + HERE)
    code = code.replace("PEAK", _PEAK)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


_IMPORT = """
import json, time
t0 = time.perf_counter()
import {module}
wall = time.perf_counter() - t0
print(json.dumps({{"wall": wall, "rss_mb": PEAK}}))
"""


def import_cost(samples: int) -> dict[str, dict]:
    """Median wall seconds and peak RSS (MiB) of ``import glassgrad`` and ``import torch``."""
    got = {"glassgrad": [], "torch": []}
    for _ in range(samples):
        for module in got:
            got[module].append(_child(_IMPORT.format(module=module)))
    return {m: {"wall": statistics.median(r["wall"] for r in rows),
                "rss_mb": statistics.median(r["rss_mb"] for r in rows),
                "range": (min(r["wall"] for r in rows), max(r["wall"] for r in rows))}
            for m, rows in got.items()}


_MEMORY = """
import json, time
import harness, w2_mnist
harness.blas_threads({threads})
bench = w2_mnist.build({quick}, {{"{framework}"}}, n={n})[0]
t0 = time.perf_counter()
loss = bench.runs[0].step()
print(json.dumps({{"rss_mb": PEAK,
                  "epoch_s": time.perf_counter() - t0, "loss": loss}}))
"""


def w2_memory(frameworks, quick: bool, threads: int, n: int | None = None) -> dict[str, dict]:
    """Peak RSS (MiB) of one W2 training epoch, each framework alone in a fresh process.

    The data set (n x 784 float32) is part of every framework's peak: it is the same array.
    """
    return {f: _child(_MEMORY.format(framework=f, quick=quick, threads=threads, n=n))
            for f in frameworks}


def machine_line(threads: int) -> str:
    import platform

    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                         "")
    except OSError:
        pass
    return (f"{model or platform.processor()} ({os.cpu_count()} cores), Python "
            f"{platform.python_version()}, NumPy {np.__version__}, {threads} BLAS/torch threads, "
            f"load average at start {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M')}")

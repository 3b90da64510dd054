"""Machine-level figures, each measured in fresh processes: W5 (the float32 matmul peak), the
cost of ``import``, and W2's peak memory per framework. Also the machine line and the commit."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

_PEAK = """
import json, sys
sys.path.insert(0, {here!r})
import numpy as np
from harness import timed
n = {n}
rng = np.random.default_rng(0)
a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
a @ b
rates, loads = [], []
for _ in range({reps}):
    wall, load, _ = timed(lambda: a @ b)
    rates.append(2 * n ** 3 / wall / 1e9)
    loads.append(load)
print(json.dumps({{"rates": rates, "loads": loads}}))
"""


def _child(code: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def matmul_peak(env: dict, quick: bool) -> tuple[float, str]:
    """Best float32 GFLOP/s of a square sgemm through NumPy's BLAS, in its own process."""
    n, reps = (1024, 3) if quick else (2048, 7)
    got = _child(_PEAK.format(here=HERE, n=n, reps=reps), env)
    return max(got["rates"]), (f"{n}x{n} sgemm, best of {reps}, max load "
                               f"{max(got['loads']):.0%}")


_IMPORT = """
import json, time
t0 = time.perf_counter()
import {module}
wall = time.perf_counter() - t0
print(json.dumps({{"wall": wall, "rss_mb":
    int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024}}))
"""


def import_cost(env: dict, samples: int) -> dict[str, dict]:
    """Median wall seconds and peak RSS (MiB) of ``import glassgrad`` and ``import torch``,
    each sample a fresh process, alternating."""
    got = {"glassgrad": [], "torch": []}
    for _ in range(samples):
        for module in got:
            got[module].append(_child(_IMPORT.format(module=module), env))
    return {m: {"wall": statistics.median(r["wall"] for r in rows),
                "rss_mb": statistics.median(r["rss_mb"] for r in rows),
                "range": (min(r["wall"] for r in rows), max(r["wall"] for r in rows))}
            for m, rows in got.items()}


def w2_memory(env: dict, quick: bool, folder: str | None = None,
              frameworks=("glassgrad", "torch", "numpy")) -> dict[str, dict]:
    """Peak RSS (MiB) of one W2 training epoch, each framework alone in a fresh worker
    process (warm-up only, no timed repeats). The data set is part of every peak."""
    sys.path[:0] = [HERE, os.path.join(HERE, "workloads")]
    from run import write_data

    data = write_data(["W2"], quick, folder or tempfile.mkdtemp(prefix="glassgrad-bench-"))["W2"]
    out = {}
    for fw in frameworks:
        cmd = [sys.executable, os.path.join(HERE, "worker.py"), "W2", fw, "--data", data,
               "--repeats", "0", "--warmup", "1", "--min-time", "0"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        out[fw] = (json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0
                   else {"error": done.stderr.strip().splitlines()[-1:]})
    return out


def commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "bench"], cwd=HERE,
                               capture_output=True, text=True).stdout.strip()
        return sha + (" (+ uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_line(threads: int | None) -> str:
    import platform

    import numpy as np

    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                         "")
    except OSError:
        pass
    how = f"{threads} thread(s) for every library" if threads else "each library's default threads"
    return (f"{model or platform.processor()} ({os.cpu_count()} cores), Python "
            f"{platform.python_version()}, NumPy {np.__version__}, {how}, load average at start "
            f"{os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M')}")

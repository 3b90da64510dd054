"""Timing machinery for one framework's process: BLAS threads, interference-aware repeats.

The runner (run.py) starts one process per framework and workload (worker.py); inside it,
``time_repeats`` warms the step up, then times several repeats, each lasting at least
``min_time`` seconds of work. No framework is imported here.

Interference: this machine is shared. During every timed repeat we read /proc/stat (CPU time of
the whole machine) and this process's own CPU time; what the machine spent that we did not is
other processes' load, as a fraction of the machine's capacity (cores x wall). A repeat whose
load exceeds ``max_load`` is retried (up to ``retries`` times); if every try is loaded, the
least loaded one is kept and counted as measured under load.
"""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Settings:
    repeats: int = 5
    min_time: float = 0.25  # a repeat runs enough units to last at least this long
    max_load: float = 0.15  # others' share of the machine above which a repeat is dirty
    retries: int = 1
    warmup: int = 1  # units run before timing (the first one's loss is recorded)


@dataclass
class Result:
    times: list[float] = field(default_factory=list)  # seconds per unit, one per repeat
    loads: list[float] = field(default_factory=list)  # others' load during each kept repeat
    dirty: int = 0  # kept repeats measured under load
    first_loss: float = float("nan")
    last_loss: float = float("nan")
    units: int = 0  # units trained in the timed repeats

    def as_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- BLAS threads

def _openblas():
    """NumPy's OpenBLAS as a ctypes library, or None (another BLAS, or not found)."""
    import numpy  # noqa: F401  (loads the library so it shows in our memory map)

    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "openblas" in line and ".so" in line}
    for path in sorted(paths):
        lib = ctypes.CDLL(path)
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", ""):
                get = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    return get, put
    return None


def blas_threads(n: int | None = None) -> int:
    """Set NumPy's BLAS threads to ``n`` (if given) and return the number it uses."""
    lib = _openblas()
    if lib is None:
        return int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))
    if n is not None:
        lib[1](int(n))
    return int(lib[0]())


# ---------------------------------------------------------------- interference

_TICK = os.sysconf("SC_CLK_TCK")
_NCPU = os.cpu_count() or 1


def _machine_busy() -> float:
    """Seconds of CPU the whole machine has spent busy since boot (user..steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / _TICK  # minus idle and iowait


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Run ``fn`` once: (wall seconds, others' load as a fraction of the machine, result)."""
    busy0, cpu0, t0 = _machine_busy(), time.process_time(), time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    own, busy = time.process_time() - cpu0, _machine_busy() - busy0
    return wall, max(0.0, busy - own) / (max(wall, 1e-9) * _NCPU), out


def time_repeats(step: Callable[[], float], s: Settings) -> Result:
    """Warm ``step`` up, then time ``s.repeats`` repeats of k units each (k chosen so that a
    repeat lasts at least ``s.min_time``); seconds per unit for each repeat."""
    res = Result()
    res.first_loss = res.last_loss = float(step())  # the first unit: warms caches
    for _ in range(max(0, s.warmup - 1)):
        step()
    t0 = time.perf_counter()
    res.last_loss = float(step())
    k = max(1, round(s.min_time / max(time.perf_counter() - t0, 1e-9)))

    def many():
        return [step() for _ in range(k)][-1]

    for _ in range(s.repeats):
        best = None
        for attempt in range(1 + s.retries):
            if attempt:  # back off a little: a build or test run nearby may finish
                time.sleep(min(1.0, 0.1 * 2 ** attempt))
            wall, load, loss = timed(many)
            res.units += k
            res.last_loss = float(loss)
            if best is None or load < best[1]:
                best = (wall, load)
            if load <= s.max_load:
                break
        res.times.append(best[0] / k)
        res.loads.append(best[1])
        res.dirty += best[1] > s.max_load
    return res


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM: its own, unlike ru_maxrss across exec)."""
    with open("/proc/self/status") as f:
        return int(next(ln for ln in f if ln.startswith("VmHWM")).split()[1]) / 1024

"""Timing machinery shared by the workloads: the workload interface, BLAS threads, and
interference-aware repeats.

A workload module exposes ``build(quick: bool, frameworks: set[str]) -> list[Bench]``. Each
``Bench`` holds one ``Run`` per framework; a run's ``step()`` executes one unit of work (an
epoch, a training step) and returns its training loss; ``reached()`` says what the model
reached afterwards ("loss 0.31, acc 88.2%"). The runner times the runs alternately in this
process; equal starting weights and data give equal first losses, a check that the frameworks
really compute the same thing.

Interference: this machine is shared. During every timed repeat we read /proc/stat (CPU time of
the whole machine) and this process's own CPU time; what the machine spent that we did not is
other processes' load, as a fraction of the machine's capacity (cores x wall). A repeat whose
load exceeds ``max_load`` is retried (up to ``retries`` times); if every try is loaded, the
least loaded one is kept and the result is marked as measured under load.
"""

from __future__ import annotations

import ctypes
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FRAMEWORKS = ("glassgrad", "torch", "numpy")  # numpy: the hand-written floor


@dataclass
class Run:
    framework: str
    step: Callable[[], float]  # one unit of work; returns its training loss
    reached: Callable[[], str]  # evaluation after the timed repeats


@dataclass
class Bench:
    name: str  # "W1 full batch"
    unit: str  # "epoch (1000 samples)"
    runs: list[Run]
    flops: float | None = None  # matmul FLOPs per unit, for the fraction of the machine's peak
    note: str = ""
    measured: dict | None = None  # framework -> Result, when an external script timed itself


@dataclass
class Result:
    framework: str
    times: list[float] = field(default_factory=list)  # seconds per unit, one per repeat
    loads: list[float] = field(default_factory=list)  # others' load during each kept repeat
    dirty: int = 0  # kept repeats measured under load
    first_loss: float = float("nan")
    last_loss: float = float("nan")
    reached: str = ""
    units: int = 0  # units trained in timed repeats (after the warm-up ones)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


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
    return wall, max(0.0, busy - own) / (wall * _NCPU), out


@dataclass
class Settings:
    repeats: int = 7
    min_time: float = 0.25  # a repeat runs enough units to last at least this long
    max_load: float = 0.15  # others' share of the machine above which a repeat is dirty
    retries: int = 3
    warmup: int = 1


def _units_per_repeat(run: Run, min_time: float, warmup: int, res: Result) -> int:
    """Warm a run up and pick how many units one of its repeats runs (>= min_time of work)."""
    res.first_loss = float(run.step())  # the first unit: warms caches, records the loss
    for _ in range(max(0, warmup - 1)):
        run.step()
    t0 = time.perf_counter()
    run.step()
    return max(1, round(min_time / max(time.perf_counter() - t0, 1e-9)))


def measure(bench: Bench, s: Settings, log=None) -> dict[str, Result]:
    """Time every run of ``bench`` alternately, each repeat lasting at least ``s.min_time``.

    Frameworks run different numbers of units per repeat (a 1 ms unit needs more of them than a
    100 ms one to be timed well); ``Result.units`` records how many each trained in all.
    """
    results = {r.framework: Result(r.framework) for r in bench.runs}
    per_repeat = {r.framework: _units_per_repeat(r, s.min_time, s.warmup, results[r.framework])
                  for r in bench.runs}

    def many(step, k):
        return lambda: [step() for _ in range(k)][-1]

    runs = bench.runs
    for rep in range(s.repeats):
        order = runs if rep % 2 == 0 else runs[::-1]  # alternate to cancel drift
        for run in order:
            res, k = results[run.framework], per_repeat[run.framework]
            best = None
            for attempt in range(1 + s.retries):
                if attempt:  # back off a little: a build or test run nearby may finish
                    time.sleep(min(1.0, 0.1 * 2 ** attempt))
                wall, load, loss = timed(many(run.step, k))
                res.units += k
                if best is None or load < best[1]:
                    best = (wall, load)
                if load <= s.max_load:
                    break
            res.times.append(best[0] / k)
            res.loads.append(best[1])
            res.dirty += best[1] > s.max_load
            res.last_loss = float(loss)
        if log:
            log(f"  {bench.name}: repeat {rep + 1}/{s.repeats}")
    for run in runs:
        results[run.framework].reached = run.reached()
    return results


def linear_init(sizes, frameworks) -> list:
    """(weight, bias) per layer of an MLP with ``sizes``: PyTorch's default init (copied), or the
    same U(±1/√in) law from NumPy when torch is not benchmarked. Every framework starts here."""
    import numpy as np

    if "torch" in frameworks:
        import torch

        torch.manual_seed(0)
        layers = [torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]
        return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
                for m in layers]
    rng = np.random.default_rng(0)
    return [(rng.uniform(-a ** -.5, a ** -.5, (b, a)).astype(np.float32),
             rng.uniform(-a ** -.5, a ** -.5, b).astype(np.float32))
            for a, b in zip(sizes, sizes[1:])]


def copy_into_torch(net, weights) -> None:
    """Load ``linear_init``'s (weight, bias) pairs into the Linear layers of a torch Sequential."""
    import torch

    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for layer, (w, b) in zip(linears, weights, strict=True):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))

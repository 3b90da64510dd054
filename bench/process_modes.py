"""How much one measured process's speed depends on its thread settings, process by process.

    PYTHONPATH=src python bench/process_modes.py [--workload W3] [--seconds 540]

Launches `bench/worker.py` processes of one workload over and over, in alternating order, in
four variants: glassgrad with the default threads, glassgrad with OpenBLAS's idle workers
spinning for the shortest time (``OPENBLAS_THREAD_TIMEOUT=4``, a diagnostic only: it must be
set before NumPy loads), glassgrad with one thread, and PyTorch with its default threads. It
prints each round's per-process medians (ms per unit), then per variant the median, the range
and how many processes ran at more than 1.5x the variant's median: on this 2-vCPU host,
two-thread work runs ~2x slower in stretches of seconds that catch about one process in five
(bench/RESULTS.md §16), which is why `bench/run.py` takes the median over 5 rounds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import run  # bench/run.py: the worker launch, the data files, the measured environment

VARIANTS = {
    "glassgrad": ("glassgrad", None, {}),
    "glassgrad, OpenBLAS spin 4": ("glassgrad", None, {"OPENBLAS_THREAD_TIMEOUT": "4"}),
    "glassgrad, 1 thread": ("glassgrad", 1, {}),
    "torch": ("torch", None, {}),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", default="W3", choices=sorted(run.WORKLOADS))
    p.add_argument("--seconds", type=float, default=540, help="keep launching rounds this long")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    opts = argparse.Namespace(repeats=args.repeats, min_time=0.25, warmup=2, max_load=1.0,
                              retries=0, timeout=900)
    data = run.write_data([args.workload], False, tempfile.mkdtemp(prefix="glassgrad-modes-"))
    times = {k: [] for k in VARIANTS}
    end, r = time.time() + args.seconds, 0
    while r == 0 or time.time() < end:  # at least one round
        row = {}
        for name in (list(VARIANTS) if r % 2 == 0 else list(VARIANTS)[::-1]):
            fw, threads, extra = VARIANTS[name]
            res = run.run_worker(args.workload, fw, data[args.workload],
                                 {**run.child_env(threads), **extra}, opts)
            if "error" in res:
                raise SystemExit(f"{name}: {res['error']}")
            row[name] = statistics.median(res["times"]) * 1e3
            times[name].append(row[name])
        print(time.strftime("%H:%M:%S"), {k: round(v, 2) for k, v in row.items()}, flush=True)
        r += 1
    print(f"\n{args.workload}, {r} rounds, ms per unit (one process each):")
    for name, v in times.items():
        med = statistics.median(v)
        slow = sum(t > 1.5 * med for t in v)
        print(f"  {name:28s} median {med:6.2f}  min {min(v):6.2f}  max {max(v):6.2f}  "
              f"slower than 1.5x median: {slow} of {len(v)}")


if __name__ == "__main__":
    main()

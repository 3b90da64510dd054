"""Where a glassgrad training step goes: time and page faults per op's forward and backward.

    PYTHONPATH=src python bench/profile_ops.py W3 [--steps 20] [--threads 1]

Builds the workload's glassgrad side from bench/workloads (its own data file, made here),
warms up, then times ``--steps`` steps with every op's ``forward``/``backward`` wrapped in this
process only: wall time and minor page faults (``getrusage``) per op and per step. The wrapping
costs ~1 µs per call, so use it for where the time goes, and ``run.py`` for how long it takes.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "workloads")]


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _all_ops(cls):
    todo, seen = [cls], set()
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return seen


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    if args.threads:
        from run import THREAD_VARS

        for var in THREAD_VARS:
            os.environ[var] = str(args.threads)
    from registry import WORKLOADS

    from glassgrad.autograd import Function

    w = WORKLOADS[args.workload]
    data = importlib.import_module(f"{w.module}_data").make(False)
    step, _ = importlib.import_module(f"{w.module}_glassgrad").build(data, **w.options)
    for _ in range(3):
        step()
    wall, faults, calls = collections.Counter(), collections.Counter(), collections.Counter()
    for cls in _all_ops(Function):
        for name in ("forward", "backward"):
            fn = cls.__dict__.get(name)
            if fn is None:
                continue

            def timed(*a, _fn=fn, _key=f"{cls.__name__}.{name}", **k):
                f0, t0 = _faults(), time.perf_counter()
                out = _fn(*a, **k)
                wall[_key] += time.perf_counter() - t0
                faults[_key] += _faults() - f0
                calls[_key] += 1
                return out

            setattr(cls, name, timed)
    f0, t0 = _faults(), time.perf_counter()
    for _ in range(args.steps):
        step()
    n = args.steps
    total, total_faults = (time.perf_counter() - t0) / n, (_faults() - f0) / n
    print(f"{w.title}: {total * 1e3:.2f} ms per {w.unit}, "
          f"{total_faults:.1f} page faults")
    print(f"{'op':40s} {'ms':>8s} {'share':>6s} {'faults':>8s} {'calls':>6s}")
    for key, t in wall.most_common():
        print(f"{key:40s} {t / n * 1e3:8.3f} {t / n / total:6.1%} {faults[key] / n:8.1f} "
              f"{calls[key] / n:6.0f}")
    rest = total - sum(wall.values()) / n
    print(f"{'(outside ops: engine, optimizer, Python)':40s} {rest * 1e3:8.3f} {rest / total:6.1%}")


if __name__ == "__main__":
    main()

"""Per-op overhead on tiny tensors: glassgrad vs raw NumPy vs PyTorch (CPU, one thread).

    PYTHONPATH=src python bench/overhead.py [--repeats 25] [--number 2000] [--stat median|min]

Prints a Markdown table of microseconds per call (median over repeats by default; ``--stat min``
gives the least-disturbed repeat on a busy machine):
  forward (grad)   forward with graph recording (inputs require grad)
  forward (no_grad) the same with grad mode off (no_grad() entered once, outside the timing)
  fwd+bwd          forward, then backward with a given output gradient (grads reset each call)
The target for a small elementwise op is forward (grad) <= 4 us.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import timeit

import numpy as np

OPS = {  # name -> (function of two tensors/arrays, shapes of the two inputs)
    "add": (lambda a, b: a + b, (4, 4), (4, 4)),
    "mul": (lambda a, b: a * b, (4, 4), (4, 4)),
    "tanh": (lambda a, b: a.tanh() if hasattr(a, "tanh") else np.tanh(a), (4, 4), (4, 4)),
    "matmul 4x4": (lambda a, b: a @ b, (4, 4), (4, 4)),
    "sum": (lambda a, b: a.sum(), (4, 4), (4, 4)),
}
TARGET_US = 4.0
STAT = {"median": statistics.median, "min": min}
_stat = [statistics.median]


def median_us(stmt, number: int, repeats: int) -> float:
    times = timeit.repeat(stmt, number=number, repeat=repeats)
    return _stat[0](times) / number * 1e6


def bench_framework(name: str, fn, a0, b0, number, repeats):
    """glassgrad or torch (the same API here): forward with and without grad mode, and
    forward+backward. Imported by name: each framework runs in its own process."""
    lib = importlib.import_module(name)
    a = lib.tensor(a0, requires_grad=True)
    b = lib.tensor(b0, requires_grad=True)
    g = lib.ones_like(fn(a, b))

    def fwd():
        fn(a, b)

    def fwd_bwd():
        a.grad = b.grad = None
        fn(a, b).backward(g)

    with lib.no_grad():  # the mode is set once, outside the timed calls
        nograd = median_us(fwd, number, repeats)
    return [median_us(fwd, number, repeats), nograd, median_us(fwd_bwd, number, repeats)]


def measure(framework: str, number: int, repeats: int) -> dict[str, list[float]]:
    """One framework's columns for every op, in this process."""
    rng = np.random.default_rng(0)
    out = {}
    for name, (fn, sa, sb) in OPS.items():
        a0 = rng.standard_normal(sa).astype(np.float32)
        b0 = rng.standard_normal(sb).astype(np.float32)
        if framework == "numpy":
            out[name] = [median_us(lambda: fn(a0, b0), number, repeats)]  # noqa: B023
        else:  # torch's calls are slower: fewer repeats keep its column as long
            reps = repeats if framework == "glassgrad" else repeats // 2 + 1
            out[name] = bench_framework(framework, fn, a0, b0, number, reps)
    return out


def in_own_process(framework: str, args) -> dict[str, list[float]] | None:
    """Each framework in its own process (one thread): no other library's threads nearby."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, os.path.abspath(__file__), "--framework", framework,
           "--number", str(args.number), "--repeats", str(args.repeats), "--stat", args.stat]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"({framework}: {done.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--stat", choices=sorted(STAT), default="median")
    parser.add_argument("--framework", choices=["numpy", "glassgrad", "torch"],
                        help="(internal) measure one framework here and print JSON")
    args = parser.parse_args()
    _stat[0] = STAT[args.stat]
    if args.framework:
        print(json.dumps(measure(args.framework, args.number, args.repeats)))
        return
    cols = {fw: in_own_process(fw, args) for fw in ("numpy", "glassgrad", "torch")}
    header = ["op", "numpy", "gg fwd (grad)", "gg fwd (no_grad)", "gg fwd+bwd"]
    if cols["torch"] is not None:
        header += ["torch fwd (grad)", "torch fwd (no_grad)", "torch fwd+bwd"]
    print(f"{args.stat} us per call over {args.repeats} repeats of {args.number} calls; float32; "
          f"one thread, each framework in its own process; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    elementwise_fwd = []
    for name in OPS:
        row = [v for fw in ("numpy", "glassgrad", "torch") if cols[fw] for v in cols[fw][name]]
        if name in ("add", "mul", "tanh"):
            elementwise_fwd.append(row[1])
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in row) + " |")
    worst = max(elementwise_fwd)
    verdict = "met" if worst <= TARGET_US else "MISSED"
    print(f"\nelementwise forward with recording: worst {worst:.2f} us "
          f"(target <= {TARGET_US} us: {verdict})")


if __name__ == "__main__":
    main()

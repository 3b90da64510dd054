"""The benchmark suite: glassgrad vs PyTorch (CPU) vs a hand-written NumPy floor.

    PYTHONPATH=src python bench/run.py                 # everything (~15-20 min on 2 cores)
    PYTHONPATH=src python bench/run.py --quick   # short repeats, W2 on 12,800 samples, <2 min
    PYTHONPATH=src python bench/run.py --only W1,W2    # a selection: W1 W2 W3 W4 W5 import memory
    PYTHONPATH=src python bench/run.py --threads 1     # BLAS and torch threads (default: NumPy's)

On a loaded machine prefer --threads 1: two-thread BLAS and torch thread pools stall whenever
another process holds a core (those repeats are flagged UNDER LOAD, but the run gets slow).

Workloads: W1 moons MLP (full batch, batch 32), W2 MNIST-size MLP (synthetic data), W3 LeNet and
W4 LSTM (adapters over bench/lenet.py and bench/lstm.py), W5 the float32 matmul peak; the cost of
``import``; the peak RSS of W2 per framework. Each workload module exposes
``build(quick, frameworks) -> list[harness.Bench]``; frameworks alternate in this process from
the same data and the same initial weights (PyTorch's, copied), in float32, with the same
number of threads. Repeats disturbed by other processes are retried, then flagged (see
harness.py). Prints Markdown: median seconds per unit, torch/this ratio with its min-max over
repeats, the losses (first unit -> last) and what each model reached, and the load.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import system  # noqa: E402

WORKLOADS = {"W1": "w1_moons", "W2": "w2_mnist", "W3": "w3_lenet", "W4": "w4_lstm"}
SECTIONS = (*WORKLOADS, "W5", "import", "memory")
COLUMNS = ["workload", "unit", "framework", "median s/unit", "torch / this (min-max)",
           "loss first -> last", "reached", "load"]


def run_workloads(names, quick: bool, settings: harness.Settings, frameworks=harness.FRAMEWORKS,
                  log=None) -> list[tuple[harness.Bench, dict]]:
    """Build and time each named workload; returns (bench, {framework: Result}) pairs."""
    out = []
    for name in names:
        module = importlib.import_module(WORKLOADS[name])
        for bench in module.build(quick, set(frameworks)):
            if log:
                log(f"{bench.name} ...")
            results = bench.measured if bench.measured is not None else (
                harness.measure(bench, settings, log) if bench.runs else {})
            out.append((bench, results))
    return out


def _ratio(torch_res, res) -> str:
    if torch_res is None or not res.times:
        return ""
    mid = torch_res.median / res.median
    if len(res.times) < 2 or len(torch_res.times) != len(res.times):
        return f"{mid:.2f}"
    per = [t / s for t, s in zip(torch_res.times, res.times)]
    return f"**{mid:.2f}** ({min(per):.2f}-{max(per):.2f})"


def _load(res, max_load: float) -> str:
    worst = max(res.loads, default=0.0)
    if res.dirty:
        return f"UNDER LOAD {res.dirty}/{len(res.loads)} (max {worst:.0%})"
    return f"clean (max {worst:.0%})"


def table(pairs, max_load: float = 0.15) -> str:
    """The Markdown table of ``run_workloads``' results, one row per framework."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(["---"] * len(COLUMNS)) + "|"]
    for bench, results in pairs:
        if not results:
            lines.append(f"| {bench.name} | {bench.unit} | - | - | - | - | {bench.note} | - |")
            continue
        torch_res = results.get("torch")
        for framework in harness.FRAMEWORKS:
            res = results.get(framework)
            if res is None:
                continue
            label = "numpy (hand-written floor)" if framework == "numpy" else framework
            losses = (f"{res.first_loss:.4f} -> {res.last_loss:.4f} ({res.units} more "
                      f"{bench.unit.split(' (')[0]}s)" if res.units else "")
            lines.append(f"| {bench.name} | {bench.unit} | {label} | {res.median:.5f} | "
                         f"{_ratio(torch_res, res)} | {losses} | {res.reached} | "
                         f"{_load(res, max_load)} |")
        if bench.note:
            lines.append(f"| | | | | | | note: {bench.note} | |")
    return "\n".join(lines)


def _sections(only: str | None) -> list[str]:
    if not only:
        return list(SECTIONS)
    wanted = [s.strip() for s in only.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        raise SystemExit(f"--only: unknown {unknown}; choose from {', '.join(SECTIONS)}")
    return wanted


def main(argv=None) -> str:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short repeats, small W2 (<2 min)")
    p.add_argument("--only", help="comma-separated: " + ",".join(SECTIONS))
    p.add_argument("--threads", type=int, default=None, help="default: NumPy's BLAS threads")
    p.add_argument("--repeats", type=int, default=None, help="default 7 (quick: 3)")
    p.add_argument("--max-load", type=float, default=0.15,
                   help="others' share of the machine above which a repeat is retried")
    p.add_argument("--retries", type=int, default=None,
                   help="retries of a loaded repeat, default 3 (quick: 1)")
    args = p.parse_args(argv)
    sections = _sections(args.only)
    threads = harness.blas_threads(args.threads)
    import torch

    torch.set_num_threads(threads)
    settings = harness.Settings(repeats=args.repeats or (3 if args.quick else 7),
                                min_time=0.05 if args.quick else 0.25, max_load=args.max_load,
                                retries=args.retries if args.retries is not None
                                else (1 if args.quick else 3))
    t0 = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    out = [f"# glassgrad benchmarks{' (quick)' if args.quick else ''}", "",
           system.machine_line(threads), f"torch {torch.__version__}; command: python bench/run.py "
           + " ".join(argv if argv is not None else sys.argv[1:]), ""]
    pairs = run_workloads([s for s in sections if s in WORKLOADS], args.quick, settings, log=log)
    if pairs:
        out += [table(pairs, args.max_load), ""]
    if "W5" in sections:
        log("W5 matmul peak ...")
        peak, how = system.matmul_peak(threads, args.quick)
        out.append(f"**W5** float32 matmul peak: **{peak:.1f} GFLOP/s** ({how}).")
        for bench, results in pairs:
            if bench.flops and "glassgrad" in results:
                for fw, res in results.items():
                    rate = bench.flops / res.median / 1e9
                    out.append(f"- {bench.name.split()[0]} {fw}: {bench.flops / 1e9:.1f} GFLOP "
                               f"of GEMM per unit -> {rate:.1f} GFLOP/s = **{rate / peak:.0%}** "
                               "of peak")
        out.append("")
    if "import" in sections:
        log("import cost ...")
        imp = system.import_cost(3 if args.quick else 7)
        out += ["| import | median wall s (min-max) | peak RSS MiB |", "|---|---|---|"]
        out += [f"| `import {m}` | {r['wall']:.3f} ({r['range'][0]:.3f}-{r['range'][1]:.3f}) | "
                f"{r['rss_mb']:.0f} |" for m, r in imp.items()]
        out.append("")
    if "memory" in sections:
        log("W2 peak memory ...")
        mem = system.w2_memory(harness.FRAMEWORKS, args.quick, threads)
        base = mem["torch"]["rss_mb"]
        out += ["| W2 peak RSS, one epoch, fresh process | MiB | / torch |", "|---|---|---|"]
        out += [f"| {f} | {r['rss_mb']:.0f} | {r['rss_mb'] / base:.2f} |" for f, r in mem.items()]
        out += ["", "(the data set itself, N x 784 float32, is in every row.)"]
    log(f"done in {time.perf_counter() - t0:.0f} s")
    text = "\n".join(out)
    print(text)
    return text


if __name__ == "__main__":
    main()

"""The benchmark suite: glassgrad vs PyTorch (CPU) vs a hand-written NumPy floor, each framework
in its OWN process.

    PYTHONPATH=src python bench/run.py                  # every workload, 5 rounds (~7 min)
    PYTHONPATH=src python bench/run.py --quick          # 2 rounds, shorter repeats, small W2
    PYTHONPATH=src python bench/run.py --only W1,W1b32  # a selection (see --help)
    PYTHONPATH=src python bench/run.py --threads 1      # one BLAS/OpenMP thread everywhere
    PYTHONPATH=src python bench/run.py --smoke          # one tiny round of everything (CI)

Why separate processes: after any NumPy BLAS call, OpenBLAS's worker threads keep spinning for
a while, and PyTorch's OpenMP threads then fight them for the cores; timing both frameworks in
one process slowed PyTorch 2-3x (an LSTM step: 13.9 ms alone, 36 ms with a NumPy matmul between
steps) and flattered glassgrad. So: for each workload the data and initial weights are written
once to a file (bench/workloads/<w>_data.py); each round launches one process per framework
(bench/worker.py) in alternating order, each loading that file, warming up and timing several
repeats (medians); each round gives a ratio torch / glassgrad, and the table shows the median
over rounds with the range. Every process runs with the same thread settings: the libraries'
defaults, or ``--threads N`` for all. Repeats disturbed by other processes are retried, then
counted as under load (harness.py). Beside each workload: the hand-written NumPy floor and the
physical limit (GEMM FLOPs per unit at the machine's measured float32 matmul peak, W5).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "workloads")]

import system  # noqa: E402
from registry import WORKLOADS  # noqa: E402

FRAMEWORKS = ("glassgrad", "torch", "numpy")
SECTIONS = (*WORKLOADS, "W5", "import", "memory")
# NOTE: every variable OpenBLAS reads for its thread count (GOTO_NUM_THREADS too), and MKL's
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "MKL_NUM_THREADS")


def child_env(threads: int | None) -> dict:
    """The environment of every measured process: our sources first, the same threads."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    src = os.path.join(os.path.dirname(HERE), "src")
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if threads:
        env.update({k: str(threads) for k in THREAD_VARS})
    return env


def available(key: str) -> bool:
    """Whether the workload's data module exists (W6 arrives with the Transformer layers)."""
    return os.path.exists(os.path.join(HERE, "workloads", f"{WORKLOADS[key].module}_data.py"))


def write_data(keys, quick: bool, folder: str) -> dict[str, str]:
    """Each workload module's data and initial weights, written once (NumPy only here)."""
    import importlib

    import numpy as np

    paths = {}
    for key in keys:
        module = WORKLOADS[key].module
        path = os.path.join(folder, f"{module}{'-quick' if quick else ''}.npz")
        if not os.path.exists(path):
            np.savez(path, **importlib.import_module(f"{module}_data").make(quick))
        paths[key] = path
    return paths


def run_worker(key, framework, data, env, args) -> dict:
    cmd = [sys.executable, os.path.join(HERE, "worker.py"), key, framework, "--data", data,
           "--repeats", str(args.repeats), "--min-time", str(args.min_time),
           "--warmup", str(args.warmup), "--max-load", str(args.max_load),
           "--retries", str(args.retries)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": " / ".join(tail) or f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(keys, frameworks, args, log) -> dict:
    """{key: {"rounds": [{framework: worker result}, ...]}}: each round launches every
    framework's process once, in alternating order."""
    env = child_env(args.threads)
    folder = args.data_dir or tempfile.mkdtemp(prefix="glassgrad-bench-")
    data = write_data(keys, args.quick, folder)
    out = {}
    for key in keys:
        fws = [f for f in frameworks if f != "numpy" or WORKLOADS[key].floor]
        rounds = []
        for r in range(args.rounds):
            order = fws if r % 2 == 0 else fws[::-1]
            got = {}
            for fw in order:
                got[fw] = run_worker(key, fw, data[key], env, args)
                res = got[fw]
                log(f"{key} round {r + 1}/{args.rounds} {fw}: "
                    + (res["error"] if "error" in res else
                       f"{statistics.median(res['times']):.5f} s/unit"))
            rounds.append(got)
        out[key] = {"rounds": rounds}
    return out


def _median_time(res: dict) -> float | None:
    return statistics.median(res["times"]) if res and res.get("times") else None


def summarize(key: str, rounds: list[dict], peak_gflops: float | None) -> list[dict]:
    """One row per framework: the median over rounds of its per-process medians, and the
    ratio torch / this per round (median and range)."""
    w = WORKLOADS[key]
    rows = []
    fws = [f for f in FRAMEWORKS if any(f in rd for rd in rounds)]
    for fw in fws:
        per_round = [_median_time(rd.get(fw)) for rd in rounds]
        ok = [t for t in per_round if t is not None]
        ratios = [_median_time(rd.get("torch")) / t for rd, t in zip(rounds, per_round)
                  if t is not None and _median_time(rd.get("torch")) is not None]
        last = next((rd[fw] for rd in reversed(rounds) if fw in rd and "times" in rd[fw]), {})
        errors = [rd[fw]["error"] for rd in rounds if fw in rd and "error" in rd[fw]]
        rows.append({
            "workload": key, "framework": fw, "median_s": statistics.median(ok) if ok else None,
            "ratio": statistics.median(ratios) if ratios else None,
            "ratios": ratios, "first_loss": last.get("first_loss"),
            "last_loss": last.get("last_loss"), "reached": last.get("reached", ""),
            "max_load": max((max(rd[fw]["loads"]) for rd in rounds
                             if fw in rd and rd[fw].get("loads")), default=None),
            "dirty": sum(rd[fw].get("dirty", 0) for rd in rounds if fw in rd),
            "repeats": sum(len(rd[fw].get("times", [])) for rd in rounds if fw in rd),
            "rss_mib": last.get("rss_mib"), "threads": last.get("torch_threads",
                                                                 last.get("blas_threads")),
            "limit_s": w.flops / (peak_gflops * 1e9) if peak_gflops and w.flops else None,
            "errors": errors})
    return rows


def _fmt(v, spec=".5f") -> str:
    return "-" if v is None else format(v, spec)


def table(summaries: dict[str, list[dict]]) -> str:
    head = ["workload", "framework", "median s/unit", "torch / this: median (per round)",
            "physical limit s/unit", "loss first -> last", "reached", "load", "threads",
            "peak RSS MiB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, rows in summaries.items():
        for i, row in enumerate(rows):
            label = row["framework"]
            label = "numpy (hand-written floor)" if label == "numpy" else label
            ratio = "-" if row["ratio"] is None else (
                f"**{row['ratio']:.2f}** (" + ", ".join(f"{x:.2f}" for x in row["ratios"]) + ")")
            load = "-" if row["max_load"] is None else (
                f"{row['dirty']}/{row['repeats']} under load (max {row['max_load']:.0%})"
                if row["dirty"] else f"clean (max {row['max_load']:.0%})")
            loss = (f"{row['first_loss']:.4f} -> {row['last_loss']:.4f}"
                    if row["first_loss"] is not None else "-")
            reached = row["reached"] + (f" ERROR: {row['errors'][0]}" if row["errors"] else "")
            name = f"{key}: {WORKLOADS[key].title}, per {WORKLOADS[key].unit}" if i == 0 else ""
            lines.append(f"| {name} | {label} | {_fmt(row['median_s'])} | {ratio} | "
                         f"{_fmt(row['limit_s'], '.2e') if i == 0 else ''} | {loss} | {reached} "
                         f"| {load} | {row['threads'] or '-'} | {_fmt(row['rss_mib'], '.0f')} |")
    return "\n".join(lines)


def _sections(only: str | None) -> list[str]:
    if not only:
        return list(SECTIONS)
    wanted = [s.strip() for s in only.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        raise SystemExit(f"--only: unknown {unknown}; choose from {', '.join(SECTIONS)}")
    return wanted


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="2 rounds, short repeats, small W2")
    p.add_argument("--smoke", action="store_true",
                   help="one round, one short repeat, quick data: checks that everything runs")
    p.add_argument("--only", help="comma-separated: " + ",".join(SECTIONS))
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    p.add_argument("--threads", type=int, default=None,
                   help="threads for every library in every process (default: their defaults)")
    p.add_argument("--rounds", type=int, default=None, help="default 5 (quick: 2)")
    p.add_argument("--repeats", type=int, default=None, help="per process, default 5 (quick: 3)")
    p.add_argument("--min-time", type=float, default=None, help="seconds per repeat (0.25)")
    p.add_argument("--warmup", type=int, default=None, help="units before timing (default 2)")
    p.add_argument("--max-load", type=float, default=0.15,
                   help="others' share of the machine above which a repeat is retried")
    p.add_argument("--retries", type=int, default=1)
    p.add_argument("--timeout", type=float, default=900, help="seconds per process")
    p.add_argument("--data-dir", help="where to write the data files (default: a temp folder)")
    p.add_argument("--json", help="also write the raw results here")
    args = p.parse_args(argv)
    if args.smoke:
        args.quick = True
        args.rounds, args.repeats = args.rounds or 1, args.repeats or 1
        args.min_time = 0.0 if args.min_time is None else args.min_time
        args.warmup, args.retries = args.warmup or 1, 0
    # NOTE: 5 rounds, not 3: on this 2-vCPU host two-thread work runs ~2x slower in stretches
    # of seconds, which catch about one measured process in five (bench/RESULTS.md §16), and a
    # median of 3 rounds still moves with one such process.
    args.rounds = args.rounds or (2 if args.quick else 5)
    args.repeats = args.repeats or (3 if args.quick else 5)
    args.min_time = (0.1 if args.quick else 0.25) if args.min_time is None else args.min_time
    args.warmup = args.warmup or 2
    return args


def main(argv=None) -> dict:
    args = parse(argv)
    sections = _sections(args.only)
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    t0 = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    env = child_env(args.threads)
    kind = " (smoke)" if args.smoke else " (quick)" if args.quick else ""
    out = [f"# glassgrad benchmarks{kind}",
           "", system.machine_line(args.threads), "",
           "command: `python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
           + f"`; commit {system.commit()}; {args.rounds} rounds x {args.repeats} repeats per "
           "process, every framework in its own process", ""]
    raw = {"args": vars(args), "machine": system.machine_line(args.threads)}
    keys = [s for s in sections if s in WORKLOADS and available(s)]
    missing = [s for s in sections if s in WORKLOADS and not available(s)]
    if missing:
        out += [f"Not run (no bench/workloads/<w>_data.py yet): {', '.join(missing)}.", ""]
    peak = None
    if "W5" in sections or keys:
        log("W5 matmul peak ...")
        peak, how = system.matmul_peak(env, args.quick or args.smoke)
        raw["W5"] = {"gflops": peak, "how": how}
        out += [f"**W5** float32 matmul peak (NumPy BLAS, own process): **{peak:.1f} GFLOP/s** "
                f"({how}).", ""]
    if keys:
        measured = measure(keys, frameworks, args, log)
        summaries = {k: summarize(k, v["rounds"], peak) for k, v in measured.items()}
        raw["workloads"], raw["summary"] = measured, summaries
        out += [table(summaries), ""]
    if "import" in sections:
        log("import cost ...")
        imp = system.import_cost(env, 2 if args.smoke else 3 if args.quick else 7)
        raw["import"] = imp
        out += ["| import | median wall s (min-max) | peak RSS MiB |", "|---|---|---|"]
        out += [f"| `import {m}` | {r['wall']:.3f} ({r['range'][0]:.3f}-{r['range'][1]:.3f}) | "
                f"{r['rss_mb']:.0f} |" for m, r in imp.items()]
        out.append("")
    if "memory" in sections:
        log("W2 peak memory ...")
        mem = system.w2_memory(env, args.quick, args.data_dir)
        raw["memory"] = mem
        base = mem.get("torch", {}).get("rss_mib")
        out += ["| W2 peak RSS, one epoch, fresh process | MiB | / torch |", "|---|---|---|"]
        out += [f"| {f} | {r['rss_mib']:.0f} | {r['rss_mib'] / base:.2f} |" if base else
                f"| {f} | {r.get('rss_mib', r.get('error'))} | - |" for f, r in mem.items()]
        out += ["", "(the data set itself, N x 784 float32, is in every row.)"]
    log(f"done in {time.perf_counter() - t0:.0f} s")
    print("\n".join(out))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1, default=str)
    return raw


if __name__ == "__main__":
    main()

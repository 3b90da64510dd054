"""One framework, one workload, one process: what run.py launches for every measurement.

    python bench/worker.py W2 torch --data DIR/w2.npz [--repeats 5] [--min-time 0.25]

Loads the data and initial weights that run.py wrote, builds the framework's side of the
workload (bench/workloads/<w>_<framework>.py), times it (harness.time_repeats) and prints one
JSON line: seconds per unit for each repeat, the machine load during each, first and last
training loss, what the model reached, the peak RSS and the threads each library used. Only
this framework is imported: the others' thread pools cannot disturb it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "workloads")]

import harness  # noqa: E402
from registry import WORKLOADS  # noqa: E402


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("framework", choices=["glassgrad", "torch", "numpy"])
    p.add_argument("--data", required=True, help=".npz written by run.py")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--min-time", type=float, default=0.25)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--max-load", type=float, default=0.15)
    p.add_argument("--retries", type=int, default=1)
    args = p.parse_args(argv)
    w = WORKLOADS[args.workload]

    import numpy as np

    with np.load(args.data) as f:
        arrays = {k: f[k] for k in f.files}
    module = importlib.import_module(f"{w.module}_{args.framework}")
    step, reached = module.build(arrays, **w.options)
    settings = harness.Settings(repeats=args.repeats, min_time=args.min_time,
                                warmup=args.warmup, max_load=args.max_load, retries=args.retries)
    res = harness.time_repeats(step, settings)
    out = {"workload": args.workload, "framework": args.framework, **res.as_dict(),
           "reached": reached(), "rss_mib": harness.peak_rss_mib(),
           "blas_threads": harness.blas_threads()}
    lib = importlib.import_module(args.framework)  # already loaded by the workload's module
    out["version"] = lib.__version__
    if args.framework == "torch":
        out["torch_threads"] = lib.get_num_threads()
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()

"""Adapters for workloads whose scripts other branches own (bench/lenet.py, bench/lstm.py).

A script that exposes the runner's interface, ``build(quick, frameworks) -> list[Bench]``, is
timed by the runner like W1/W2 (alternation, interference checks, ranges). A script that only
has ``main(argv) -> {"torch": s, "glassgrad": s}`` (median seconds per unit, timed by itself)
is run once in this process with our thread count; its medians are reported as they are, with
the machine load measured around the whole call. A missing script gives an explanatory row.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import re

from harness import Bench, Result, blas_threads, timed

HERE = os.path.dirname(os.path.abspath(__file__))


def adapt(script: str, title: str, unit: str, quick: bool, frameworks: set[str],
          owner: str) -> list[Bench]:
    if not os.path.exists(os.path.join(HERE, f"{script}.py")):
        return [Bench(title, unit, [], note=f"bench/{script}.py not present yet (it comes with "
                                            f"the {owner} branch)")]
    module = importlib.import_module(script)
    if hasattr(module, "build"):
        return module.build(quick, frameworks)
    repeats = 5 if quick else 30
    argv = ["--repeats", str(repeats), "--threads", str(blas_threads())]
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        _, load, med = timed(lambda: module.main(argv))
    losses = dict(re.findall(r"(torch|glassgrad) (-?[0-9.]+)", text.getvalue()))
    measured = {}
    for framework in ("glassgrad", "torch"):
        if framework in med and framework in frameworks:
            res = Result(framework, times=[med[framework]], loads=[load],
                         dirty=int(load > 0.15))
            res.reached = f"first loss {losses[framework]}" if framework in losses else ""
            measured[framework] = res
    return [Bench(title, unit, [], measured=measured,
                  note=f"timed by bench/{script}.py main() ({repeats} alternating repeats; "
                       "median only, no range; load is over the whole run)")]

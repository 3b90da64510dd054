"""Which lines of a glassgrad training step grow and trim glibc's heap (the page faults' cause).

    PYTHONPATH=src python bench/heap_lines.py W3 [--steps 5] [--threads 1] [--junk 70000,300000]
                                             [--data DIR/w3.npz]

Builds the workload's glassgrad side from its quick data (or, with ``--data``, from a data file
that run.py wrote, loaded as worker.py loads it), warms up, then runs ``--steps`` steps
under a line tracer that reads the end of the heap (``sbrk(0)``) at every line and every return
of Python code. A line after which the heap's end moved up grew the heap (NumPy arrays under
glibc's mmap threshold come from there); one after which it moved down trimmed it: glibc gave
the memory back to the OS, and the next step page-faults it in again (bench/RESULTS.md §14,
§17). Prints the bytes per step for the top lines of each kind, and the minor page faults per
step of the same steps run untraced just before.

Whether a step trims depends on the heap's layout, i.e. on everything the process allocated
before (what stays alive at the top of the heap keeps glibc from trimming below it).
``--junk`` keeps arrays of these byte sizes alive first, to try other layouts. This is also
why ``profile_ops.py`` can show no faults where a plain run has them: its wrappers change the
layout. Linux with glibc only.
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import importlib
import os
import resource
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "workloads")]


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--junk", default="", help="comma-separated byte sizes kept alive first")
    p.add_argument("--data", help="a data file written by run.py (default: quick data, made here)")
    args = p.parse_args(argv)
    if args.threads:
        from run import THREAD_VARS

        for var in THREAD_VARS:
            os.environ[var] = str(args.threads)
    import numpy as np
    from registry import WORKLOADS

    junk = [np.ones(int(n), np.uint8) for n in args.junk.split(",") if n]  # noqa: F841
    w = WORKLOADS[args.workload]
    if args.data:
        with np.load(args.data) as f:
            data = {k: f[k] for k in f.files}
    else:
        data = importlib.import_module(f"{w.module}_data").make(True)
    step, _ = importlib.import_module(f"{w.module}_glassgrad").build(data, **w.options)
    libc = ctypes.CDLL(None)
    libc.sbrk.restype, libc.sbrk.argtypes = ctypes.c_void_p, [ctypes.c_long]
    heap_end = libc.sbrk

    for _ in range(3):
        step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(args.steps):
        step()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / args.steps

    moved = {"grow": collections.Counter(), "trim": collections.Counter()}
    last = {"end": heap_end(0), "line": None}

    def tracer(frame, event, arg):
        # NOTE: the heap moved while the line recorded last ran (or, after a return, while
        # the rest of the caller's line ran): charge that line.
        if event in ("line", "return"):
            end = heap_end(0)
            if end != last["end"] and last["line"] is not None:
                moved["grow" if end > last["end"] else "trim"][last["line"]] += abs(
                    end - last["end"])
            last["end"] = end
            name = frame.f_code.co_filename
            last["line"] = (name.split(os.sep + "src" + os.sep)[-1], frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        for _ in range(args.steps):
            step()
    finally:
        sys.settrace(None)
    print(f"{w.title}: {faults:.1f} minor page faults per step untraced")
    for kind, lines in moved.items():
        total = sum(lines.values()) / args.steps / 1024
        print(f"heap {kind}: {total:.0f} KiB per step")
        for (path, line), n in lines.most_common(8):
            print(f"  {n / args.steps / 1024:8.0f} KiB  {path}:{line}")
    return {"faults": faults, **{k: dict(v) for k, v in moved.items()}}


if __name__ == "__main__":
    main()

"""What the live view and the report's snapshot recording cost training, on W1 and W3.

    PYTHONPATH=src python bench/live_overhead.py [--rounds 7] [--only W1|W3] [--quick]

Each measurement is one ``train.fit`` run in its OWN process (fresh interpreter, same data,
same initial weights), timed around ``fit`` only, in one of three modes:

  none      no callback (the baseline)
  nop       a callback that does nothing (what any callback costs fit)
  record    ``live.SnapshotRecorder`` at its default interval (what ``glassgrad train`` adds)
  live      ``train.LiveView`` at its default interval, with a page connected: a separate
            process reads the server-sent events stream, as a browser would

Rounds alternate the modes (rotating which goes first) so load on a shared machine hits all
modes alike; the table gives the median wall-clock and CPU seconds per run (CPU time of the
training process, server threads included), the overheads against the baseline's medians, the
snapshots taken, and the time spent inside the callback's hooks on the training thread (the
direct cost, robust to other load on a shared machine) with its share of the run, and
/proc/loadavg before and after.

Workloads (as bench/w1_moons.py and bench/w3_lenet.py):
  W1  moons (1000 points), 2-4(tanh)-2(tanh)-1(sigmoid), BCE, SGD lr 0.1, batch 32, 300 epochs
  W3  LeNet-5 on MNIST-shaped random data (1×28×28, 10 classes), batch 64, SGD lr 0.01
      momentum 0.9, cross-entropy, 4 epochs of 32 batches (128 steps)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODES = ("none", "nop", "record", "live")


def _workload(name: str, quick: bool):
    import numpy as np

    import glassgrad as gg
    from glassgrad import nn, optim

    gg.manual_seed(0)
    if name == "W1":
        from glassgrad.data.synthetic import make_moons

        x, y = make_moons(1000, noise=0.1, seed=0)
        model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh(),
                              nn.Linear(2, 1), nn.Sigmoid())
        return (model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1),
                (x.astype(np.float32), y.astype(np.float32).reshape(-1, 1)),
                30 if quick else 300, 32)

    rng = np.random.default_rng(0)
    n = 64 * (16 if quick else 32)
    x = rng.random((n, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, n)
    model = nn.Sequential(  # W3's LeNet-5 (bench/workloads/w3_glassgrad.py)
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))
    return (model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
            (x, y), 2 if quick else 4, 64)


def worker(name: str, mode: str, quick: bool) -> None:
    """One timed fit; prints a JSON line."""
    from glassgrad import live, train
    from glassgrad.train.callbacks import HOOKS

    model, loss, opt, data, epochs, batch = _workload(name, quick)
    callbacks, reader = [], None
    if mode == "nop":
        callbacks = [train.Callback()]
    elif mode == "record":
        callbacks = [live.SnapshotRecorder()]
    elif mode == "live":
        view = train.LiveView(echo=None)
        callbacks = [view]
        reader = subprocess.Popen([sys.executable, __file__, "--read", view.url + "events"],
                                  stdout=subprocess.DEVNULL)
        time.sleep(0.3)  # the page is connected before training starts
    inside = [0.0]  # seconds spent inside the callback's hooks, on the training thread
    def timed(f):
        def hook(*a):
            t = time.perf_counter()
            try:
                return f(*a)
            finally:
                inside[0] += time.perf_counter() - t
        return hook

    for cb in callbacks:
        for name in HOOKS:
            setattr(cb, name, timed(getattr(cb, name)))
    start, cpu = time.perf_counter(), time.process_time()
    train.fit(model, loss, opt, train=data, epochs=epochs, batch_size=batch, verbose=0,
              shuffle=True, seed=0, callbacks=callbacks)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    shots = getattr(callbacks[0], "snapshots", []) if callbacks else []
    snaps, cost = len(shots), sum(s["cost_s"] for s in shots)
    if reader is not None:
        callbacks[0].close()
        reader.terminate()
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "snapshots": snaps, "snapshot_s": cost,
                      "inside_s": inside[0]}))


def read_events(url: str) -> None:
    """A stand-in browser: read the event stream until the server closes it."""
    import urllib.request

    with urllib.request.urlopen(url) as r:
        while r.read(65536):
            pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--only", choices=("W1", "W3"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--worker", nargs=2, metavar=("WORKLOAD", "MODE"), help=argparse.SUPPRESS)
    ap.add_argument("--read", metavar="URL", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.read:
        return read_events(args.read)
    if args.worker:
        return worker(*args.worker, args.quick)
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, "..", "src"))
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        env.setdefault(var, "2")
    print("| workload | mode | median wall s | overhead | median CPU s | overhead | snapshots | "
          "snapshot s | in callback s (share) | loadavg before → after |\n"
          "|---|---|---|---|---|---|---|---|---|---|")
    for name in ([args.only] if args.only else ["W1", "W3"]):
        with open("/proc/loadavg") as f:
            load0 = " ".join(f.read().split()[:3])
        runs = {m: [] for m in MODES}
        for r in range(args.rounds):
            order = MODES[r % len(MODES):] + MODES[:r % len(MODES)]
            for mode in order:
                cmd = [sys.executable, __file__, "--worker", name, mode] + (
                    ["--quick"] if args.quick else [])
                out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
                runs[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
        with open("/proc/loadavg") as f:
            load1 = " ".join(f.read().split()[:3])
        base = statistics.median(x["seconds"] for x in runs["none"])
        base_cpu = statistics.median(x["cpu"] for x in runs["none"])
        for mode in MODES:
            med = statistics.median(x["seconds"] for x in runs[mode])
            cpu = statistics.median(x["cpu"] for x in runs[mode])
            snaps = statistics.median(x["snapshots"] for x in runs[mode])
            cost = statistics.median(x["snapshot_s"] for x in runs[mode])
            inside = statistics.median(x["inside_s"] for x in runs[mode])
            share = statistics.median(x["inside_s"] / x["seconds"] for x in runs[mode])
            print(f"| {name} | {mode} | {med:.3f} | {100 * (med / base - 1):+.1f}% | {cpu:.3f} | "
                  f"{100 * (cpu / base_cpu - 1):+.1f}% | {snaps:g} | {cost:.3f} | "
                  f"{inside:.3f} ({100 * share:.1f}%) | {load0} → {load1} |", flush=True)


if __name__ == "__main__":
    main()

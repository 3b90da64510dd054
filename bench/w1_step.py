"""Microseconds per W1 batch-32 training step in a tight loop (glassgrad only, one thread).

    OMP_NUM_THREADS=1 PYTHONPATH=src python bench/w1_step.py [--repeats 11] [--epochs 30] [--fuse]

The loop of bench/RESULTS.md sections 8-9: 2-4(tanh)-2(tanh)-1(sigmoid) on 1000 moons points,
BCE, plain SGD (lr 0.1), 32 steps per epoch in one fixed order. Prints the minimum and median
over repeats of µs per step, and the final loss as a float: equal floats before and after a
change mean the change kept every bit. Run it interleaved with a checkout of the previous commit
to compare; single runs on a shared machine vary by a few µs.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.data.synthetic import make_moons


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--epochs", type=int, default=30, help="epochs per repeat")
    parser.add_argument("--fuse", action="store_true", help="nn.Sequential(..., fuse=True)")
    args = parser.parse_args()

    gg.manual_seed(0)
    x, y = make_moons(1000, noise=0.1, seed=0)
    X = gg.tensor(x.astype(np.float32))
    Y = gg.tensor(y.astype(np.float32).reshape(-1, 1))
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh(),
                        nn.Linear(2, 1), nn.Sigmoid(), fuse=args.fuse)
    opt, loss_fn = optim.SGD(net.parameters(), lr=0.1), nn.BCELoss()
    perm = np.random.default_rng(0).permutation(1000)
    batches = [perm[i:i + 32] for i in range(0, 1000, 32)]

    def epoch():
        for idx in batches:
            opt.zero_grad()
            loss = loss_fn(net(X[idx]), Y[idx])
            loss.backward()
            opt.step()
        return loss

    for _ in range(20):  # warm-up
        epoch()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.epochs):
            epoch()
        times.append((time.perf_counter() - start) / args.epochs / len(batches) * 1e6)
    print(f"W1 batch-32 step: min {min(times):.1f} us, median {statistics.median(times):.1f} us "
          f"(final loss {epoch().item()!r})")


if __name__ == "__main__":
    main()

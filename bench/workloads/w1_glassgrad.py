"""W1 in glassgrad, written as the README shows: Sequential, BCELoss, SGD, batches sliced from
the NumPy arrays and wrapped per step, with every default as a user gets it. (The documented
opt-in ``Sequential(..., fuse=True)``, each Linear+Tanh/Sigmoid as one graph node, buys ~6 % of
this overhead-bound step: bench/RESULTS.md §13 and ``bench/w1_step.py --fuse``; the benchmark
shows the default, so it is off here.)"""

from __future__ import annotations

import w1_data

import glassgrad as gg
from glassgrad import nn, optim


def build(arrays, batch: int, lr: float):
    x, y = arrays["x"], arrays["y"]
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh(),
                        nn.Linear(2, 1), nn.Sigmoid())
    net.load_state_dict({k: v for k, v in arrays.items() if "." in k})
    opt, loss_fn = optim.SGD(net.parameters(), lr=lr), nn.BCELoss()
    epoch = [0]

    def step() -> float:
        for idx in w1_data.batches(len(x), batch, epoch[0]):
            xb, yb = (x, y) if idx is None else (x[idx], y[idx])
            opt.zero_grad()
            loss = loss_fn(net(gg.tensor(xb)), gg.tensor(yb))
            loss.backward()
            opt.step()
        epoch[0] += 1
        return loss.item()

    def reached() -> str:
        with gg.no_grad():
            p = net(gg.tensor(x))
            return f"loss {loss_fn(p, gg.tensor(y)).item():.4f}, {w1_data.accuracy(p.numpy(), y)}"

    return step, reached

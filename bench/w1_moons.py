"""W1, the seed-scale MLP: 2-D moons (1000 points), 2-4(tanh)-2(tanh)-1(sigmoid), BCE, SGD.

Two benches, one unit = one epoch: full batch (one step per epoch) and batch 32 (32 steps per
epoch, in a fixed shuffled order per epoch, the same for every framework). Tiny matrices: this
measures per-op overhead, not arithmetic. All frameworks start from PyTorch's initial weights.
"""

from __future__ import annotations

import numpy as np
from harness import Bench, Run, copy_into_torch, linear_init

SIZES = (2, 4, 2, 1)
LR = {"full batch": 0.5, "batch 32": 0.1}


def _data(n=1000):
    from glassgrad.data.synthetic import make_moons

    x, y = make_moons(n, noise=0.1, seed=0)
    return x.astype(np.float32), y.astype(np.float32).reshape(-1, 1)


def _batches(n, batch, epoch_seed):
    if batch >= n:
        return [slice(None)]
    perm = np.random.default_rng(epoch_seed).permutation(n)
    return [perm[i:i + batch] for i in range(0, n, batch)]


def _accuracy(p, y) -> str:
    return f"acc {100 * float(((p > 0.5) == (y > 0.5)).mean()):.1f}%"


def glassgrad_run(x, y, weights, batch, lr):
    import glassgrad as gg
    from glassgrad import nn, optim

    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh(),
                        nn.Linear(2, 1), nn.Sigmoid())
    state = {}
    for i, (w, b) in zip((0, 2, 4), weights):
        state[f"{i}.weight"], state[f"{i}.bias"] = w, b
    net.load_state_dict(state)
    opt, loss_fn = optim.SGD(net.parameters(), lr=lr), nn.BCELoss()
    X, Y = gg.tensor(x), gg.tensor(y)
    epoch = [0]

    def step():
        for idx in _batches(len(x), batch, epoch[0]):
            opt.zero_grad()
            loss = loss_fn(net(X[idx] if batch < len(x) else X), Y[idx] if batch < len(x) else Y)
            loss.backward()
            opt.step()
        epoch[0] += 1
        return loss.item()

    def reached():
        with gg.no_grad():
            p = net(X)
            return f"loss {loss_fn(p, Y).item():.4f}, {_accuracy(p.numpy(), y)}"

    return Run("glassgrad", step, reached)


def torch_run(x, y, weights, batch, lr):
    import torch

    net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2),
                              torch.nn.Tanh(), torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    copy_into_torch(net, weights)
    opt, loss_fn = torch.optim.SGD(net.parameters(), lr=lr), torch.nn.BCELoss()
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    epoch = [0]

    def step():
        for idx in _batches(len(x), batch, epoch[0]):
            opt.zero_grad()
            if batch < len(x):
                ti = torch.from_numpy(idx)
                loss = loss_fn(net(X[ti]), Y[ti])
            else:
                loss = loss_fn(net(X), Y)
            loss.backward()
            opt.step()
        epoch[0] += 1
        return loss.item()

    def reached():
        with torch.no_grad():
            p = net(X)
            return f"loss {loss_fn(p, Y).item():.4f}, {_accuracy(p.numpy(), y)}"

    return Run("torch", step, reached)


def numpy_run(x, y, weights, batch, lr):
    """The floor: forward and backward written by hand, no graph, no bookkeeping."""
    (w1, b1), (w2, b2), (w3, b3) = [(w.copy(), b.copy()) for w, b in weights]
    epoch = [0]

    def forward(xb):
        a1 = np.tanh(xb @ w1.T + b1)
        a2 = np.tanh(a1 @ w2.T + b2)
        p = 1 / (1 + np.exp(-(a2 @ w3.T + b3)))
        return a1, a2, p

    def bce(p, yb):
        return float(-(yb * np.log(p) + (1 - yb) * np.log(1 - p)).mean())

    def step():
        for idx in _batches(len(x), batch, epoch[0]):
            xb, yb = (x, y) if batch >= len(x) else (x[idx], y[idx])
            a1, a2, p = forward(xb)
            d3 = (p - yb) * np.float32(1 / len(xb))  # BCE + sigmoid: δ = (p − t)/N
            d2 = (d3 @ w3) * (1 - a2 * a2)
            d1 = (d2 @ w2) * (1 - a1 * a1)
            for w, b, d, a in ((w3, b3, d3, a2), (w2, b2, d2, a1), (w1, b1, d1, xb)):
                w -= lr * (d.T @ a)
                b -= lr * d.sum(0)
        epoch[0] += 1
        return bce(p, yb)

    def reached():
        p = forward(x)[2]
        return f"loss {bce(p, y):.4f}, {_accuracy(p, y)}"

    return Run("numpy", step, reached)


def build(quick: bool, frameworks: set[str]) -> list[Bench]:
    x, y = _data()
    weights = linear_init(SIZES, frameworks)
    makers = {"glassgrad": glassgrad_run, "torch": torch_run, "numpy": numpy_run}
    benches = []
    for name, batch in (("full batch", len(x)), ("batch 32", 32)):
        runs = [makers[f](x, y, weights, batch, LR[name]) for f in makers if f in frameworks]
        benches.append(Bench(f"W1 moons MLP, {name}", f"epoch ({len(x)} samples)", runs))
    return benches

"""W2, the MNIST-size MLP: 784-256-128-10 ReLU, softmax cross-entropy, Adam (lr 1e-3), batch 128.

Data: SYNTHETIC MNIST-shaped data (no download): 60,000 images of 784 float32 pixels in [0, 1],
ten classes, each a fixed random prototype under Gaussian noise (std 1, then clipped): learnable,
not trivial.
One unit = one epoch over the training set in a fixed shuffled order (the same for every
framework). Big matrices: this measures BLAS throughput and the cost of every extra pass.
"""

from __future__ import annotations

import numpy as np
from harness import Bench, Run, copy_into_torch, linear_init

SIZES = (784, 256, 128, 10)
BATCH, LR = 128, 1e-3


def make_data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    protos = np.float32(0.35) + np.float32(0.3) * rng.random((10, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    x = protos[y]
    for i in range(0, n, 4096):  # NOTE: in chunks, so making the data adds no peak memory
        noise = rng.standard_normal((min(4096, n - i), 784), dtype=np.float32)
        x[i:i + 4096] += noise
    np.clip(x, 0, 1, out=x)
    return x, y.astype(np.int64)


def matmul_flops(n: int) -> float:
    """GEMM FLOPs of one epoch: forward 2·n·Σ(in·out), backward ≈ 2× forward (≈ 3× in all)."""
    return 3 * 2 * n * sum(a * b for a, b in zip(SIZES, SIZES[1:]))


def _batches(n, epoch):
    perm = np.random.default_rng(1000 + epoch).permutation(n)
    return [perm[i:i + BATCH] for i in range(0, n, BATCH)]


def _eval(logits, y, loss) -> str:
    return f"loss {loss:.4f}, acc {100 * float((logits.argmax(1) == y).mean()):.1f}%"


def glassgrad_run(x, y, weights):
    import glassgrad as gg
    from glassgrad import nn, optim

    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                        nn.Linear(128, 10))
    net.load_state_dict({f"{i}.{k}": a for i, (w, b) in zip((0, 2, 4), weights)
                         for k, a in (("weight", w), ("bias", b))})
    opt, loss_fn = optim.Adam(net.parameters(), lr=LR), nn.CrossEntropyLoss()
    epoch = [0]

    def step():
        for idx in _batches(len(x), epoch[0]):
            opt.zero_grad()
            loss = loss_fn(net(gg.from_numpy(x[idx])), gg.from_numpy(y[idx]))
            loss.backward()
            opt.step()
        epoch[0] += 1
        return loss.item()

    def reached():
        with gg.no_grad():
            out = net(gg.tensor(x[:10000]))
            return _eval(out.numpy(), y[:10000], loss_fn(out, gg.tensor(y[:10000])).item())

    return Run("glassgrad", step, reached)


def torch_run(x, y, weights):
    import torch

    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    copy_into_torch(net, weights)
    opt, loss_fn = torch.optim.Adam(net.parameters(), lr=LR), torch.nn.CrossEntropyLoss()
    epoch = [0]

    def step():
        for idx in _batches(len(x), epoch[0]):
            opt.zero_grad()
            loss = loss_fn(net(torch.from_numpy(x[idx])), torch.from_numpy(y[idx]))
            loss.backward()
            opt.step()
        epoch[0] += 1
        return loss.item()

    def reached():
        with torch.no_grad():
            out = net(torch.from_numpy(x[:10000]))
            yt = torch.from_numpy(y[:10000])
            return _eval(out.numpy(), y[:10000], loss_fn(out, yt).item())

    return Run("torch", step, reached)


def numpy_run(x, y, weights):
    """The floor: hand-written forward, backward and Adam, in place where NumPy allows."""
    params = [a.copy() for wb in weights for a in wb]  # w1 b1 w2 b2 w3 b3
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t, epoch = [0], [0]
    b1, b2, eps = 0.9, 0.999, 1e-8

    def forward(xb):
        w1, c1, w2, c2, w3, c3 = params
        h1 = xb @ w1.T
        h1 += c1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ w2.T
        h2 += c2
        np.maximum(h2, 0, out=h2)
        z = h2 @ w3.T
        z += c3
        return h1, h2, z

    def softmax_ce(z, yb):
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return logp, float(-logp[np.arange(len(yb)), yb].mean())

    def step():
        for idx in _batches(len(x), epoch[0]):
            xb, yb = x[idx], y[idx]
            h1, h2, z = forward(xb)
            logp, loss = softmax_ce(z, yb)
            d3 = np.exp(logp)
            d3[np.arange(len(yb)), yb] -= 1
            d3 *= np.float32(1 / len(yb))
            d2 = d3 @ params[4]
            d2 *= h2 > 0
            d1 = d2 @ params[2]
            d1 *= h1 > 0
            grads = [d1.T @ xb, d1.sum(0), d2.T @ h1, d2.sum(0), d3.T @ h2, d3.sum(0)]
            t[0] += 1
            c1, c2 = 1 - b1 ** t[0], (1 - b2 ** t[0]) ** 0.5
            for p, g, mi, vi in zip(params, grads, m, v):
                mi *= b1
                mi += (1 - b1) * g
                vi *= b2
                g *= g
                g *= 1 - b2
                vi += g
                denom = np.sqrt(vi)
                denom *= 1 / c2
                denom += eps
                np.divide(mi, denom, out=denom)
                denom *= LR / c1
                p -= denom
        epoch[0] += 1
        return loss

    def reached():
        z = forward(x[:10000])[2]
        return _eval(z, y[:10000], softmax_ce(z, y[:10000])[1])

    return Run("numpy", step, reached)


def build(quick: bool, frameworks: set[str], n: int | None = None) -> list[Bench]:
    n = n or (12_800 if quick else 60_000)
    x, y = make_data(n)
    weights = linear_init(SIZES, frameworks)
    makers = {"glassgrad": glassgrad_run, "torch": torch_run, "numpy": numpy_run}
    runs = [makers[f](x, y, weights) for f in makers if f in frameworks]
    return [Bench("W2 MNIST-size MLP (synthetic data), batch 128, Adam", f"epoch ({n} samples)",
                  runs, flops=matmul_flops(n))]

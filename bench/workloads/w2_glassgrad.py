"""W2 in glassgrad, as the README shows: batches sliced from NumPy and wrapped per step."""

from __future__ import annotations

import w2_data

import glassgrad as gg
from glassgrad import nn, optim


def build(arrays):
    x, y = arrays["x"], arrays["y"]
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                        nn.Linear(128, 10))
    net.load_state_dict({k: v for k, v in arrays.items() if "." in k})
    opt, loss_fn = optim.Adam(net.parameters(), lr=w2_data.LR), nn.CrossEntropyLoss()
    epoch = [0]

    def step() -> float:
        for idx in w2_data.batches(len(x), epoch[0]):
            opt.zero_grad()
            loss = loss_fn(net(gg.tensor(x[idx])), gg.tensor(y[idx]))
            loss.backward()
            opt.step()
        epoch[0] += 1
        return loss.item()

    def reached() -> str:
        with gg.no_grad():
            out = net(gg.tensor(x[:10000]))
            loss = loss_fn(out, gg.tensor(y[:10000])).item()
            return w2_data.evaluation(out.numpy(), y[:10000], loss)

    return step, reached

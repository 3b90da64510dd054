"""W3 LeNet-5 in glassgrad."""

from __future__ import annotations

import w3_data

import glassgrad as gg
from glassgrad import nn, optim


def build(arrays):
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))
    net.load_state_dict({k: v for k, v in arrays.items() if "." in k})
    opt = optim.SGD(net.parameters(), lr=w3_data.LR, momentum=w3_data.MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    x, y, i = arrays["x"], arrays["y"], [0]

    def step() -> float:
        k = i[0] % len(x)
        i[0] += 1
        opt.zero_grad()
        loss = loss_fn(net(gg.tensor(x[k])), gg.tensor(y[k]))
        loss.backward()
        opt.step()
        return loss.item()

    def reached() -> str:
        with gg.no_grad():
            return f"loss {loss_fn(net(gg.tensor(x[0])), gg.tensor(y[0])).item():.4f} (batch 0)"

    return step, reached

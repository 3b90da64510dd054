"""W3 LeNet-5 in PyTorch: the same network, data and optimizer as w3_glassgrad."""

from __future__ import annotations

import torch
import w3_data


def build(arrays):
    T = torch.nn
    net = T.Sequential(
        T.Conv2d(1, 6, 5, padding=2), T.ReLU(), T.MaxPool2d(2),
        T.Conv2d(6, 16, 5), T.ReLU(), T.MaxPool2d(2),
        T.Flatten(), T.Linear(400, 120), T.ReLU(), T.Linear(120, 84), T.ReLU(), T.Linear(84, 10))
    net.load_state_dict({k: torch.tensor(v) for k, v in arrays.items() if "." in k})
    opt = torch.optim.SGD(net.parameters(), lr=w3_data.LR, momentum=w3_data.MOMENTUM)
    loss_fn = T.CrossEntropyLoss()
    x, y, i = arrays["x"], arrays["y"], [0]

    def step() -> float:
        k = i[0] % len(x)
        i[0] += 1
        opt.zero_grad()
        loss = loss_fn(net(torch.tensor(x[k])), torch.tensor(y[k]))
        loss.backward()
        opt.step()
        return loss.item()

    def reached() -> str:
        with torch.no_grad():
            loss = loss_fn(net(torch.tensor(x[0])), torch.tensor(y[0])).item()
            return f"loss {loss:.4f} (batch 0)"

    return step, reached

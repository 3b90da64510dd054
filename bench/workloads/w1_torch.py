"""W1 in PyTorch: the same network, loss, optimizer and batches as w1_glassgrad."""

from __future__ import annotations

import torch
import w1_data


def build(arrays, batch: int, lr: float):
    x, y = arrays["x"], arrays["y"]
    net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2),
                              torch.nn.Tanh(), torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    net.load_state_dict({k: torch.tensor(v) for k, v in arrays.items() if "." in k})
    opt, loss_fn = torch.optim.SGD(net.parameters(), lr=lr), torch.nn.BCELoss()
    epoch = [0]

    def step() -> float:
        for idx in w1_data.batches(len(x), batch, epoch[0]):
            xb, yb = (x, y) if idx is None else (x[idx], y[idx])
            opt.zero_grad()
            loss = loss_fn(net(torch.tensor(xb)), torch.tensor(yb))
            loss.backward()
            opt.step()
        epoch[0] += 1
        return loss.item()

    def reached() -> str:
        with torch.no_grad():
            p = net(torch.tensor(x))
            return (f"loss {loss_fn(p, torch.tensor(y)).item():.4f}, "
                    f"{w1_data.accuracy(p.numpy(), y)}")

    return step, reached

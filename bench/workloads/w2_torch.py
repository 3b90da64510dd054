"""W2 in PyTorch: the same network, loss, optimizer and batches as w2_glassgrad."""

from __future__ import annotations

import torch
import w2_data


def build(arrays):
    x, y = arrays["x"], arrays["y"]
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    net.load_state_dict({k: torch.tensor(v) for k, v in arrays.items() if "." in k})
    opt, loss_fn = torch.optim.Adam(net.parameters(), lr=w2_data.LR), torch.nn.CrossEntropyLoss()
    epoch = [0]

    def step() -> float:
        for idx in w2_data.batches(len(x), epoch[0]):
            opt.zero_grad()
            loss = loss_fn(net(torch.tensor(x[idx])), torch.tensor(y[idx]))
            loss.backward()
            opt.step()
        epoch[0] += 1
        return loss.item()

    def reached() -> str:
        with torch.no_grad():
            out = net(torch.tensor(x[:10000]))
            loss = loss_fn(out, torch.tensor(y[:10000])).item()
            return w2_data.evaluation(out.numpy(), y[:10000], loss)

    return step, reached

"""W4 LSTM classifier in PyTorch: the same network, data and optimizer as w4_glassgrad."""

from __future__ import annotations

import torch
import w4_data


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(w4_data.I, w4_data.H, batch_first=True)
        self.head = torch.nn.Linear(w4_data.H, w4_data.C)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def build(arrays):
    net = Net()
    net.load_state_dict({k: torch.tensor(v) for k, v in arrays.items() if "." in k})
    opt, loss_fn = torch.optim.Adam(net.parameters(), lr=w4_data.LR), torch.nn.CrossEntropyLoss()
    x, y = arrays["x"], arrays["y"]

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(net(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        opt.step()
        return loss.item()

    def reached() -> str:
        with torch.no_grad():
            return f"loss {loss_fn(net(torch.tensor(x)), torch.tensor(y)).item():.4f}"

    return step, reached

"""W4 LSTM classifier in glassgrad (batch_first, as users write it)."""

from __future__ import annotations

import w4_data

import glassgrad as gg
from glassgrad import nn, optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(w4_data.I, w4_data.H, batch_first=True)
        self.head = nn.Linear(w4_data.H, w4_data.C)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def build(arrays):
    net = Net()
    net.load_state_dict({k: v for k, v in arrays.items() if "." in k})
    opt, loss_fn = optim.Adam(net.parameters(), lr=w4_data.LR), nn.CrossEntropyLoss()
    x, y = arrays["x"], arrays["y"]

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(net(gg.tensor(x)), gg.tensor(y))
        loss.backward()
        opt.step()
        return loss.item()

    def reached() -> str:
        with gg.no_grad():
            return f"loss {loss_fn(net(gg.tensor(x)), gg.tensor(y)).item():.4f}"

    return step, reached

"""W6 on glassgrad (see w6_data.py): one training step per call."""

from __future__ import annotations

from w6_data import CLASSES, D_MODEL, FF, LAYERS, NHEAD, weights

import glassgrad as gg
from glassgrad import nn, optim


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, LAYERS)
        self.head = nn.Linear(D_MODEL, CLASSES)

    def forward(self, x):  # (N, T, d) -> (N, classes)
        return self.head(self.encoder(x).mean(dim=1))


def build(arrays: dict):
    model = Classifier()
    model.load_state_dict(weights(arrays))
    x, y = gg.tensor(arrays["x"]), gg.tensor(arrays["y"])
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    last = [float("nan")]

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        last[0] = loss.item()
        return last[0]

    return step, lambda: f"loss {last[0]:.4f}"

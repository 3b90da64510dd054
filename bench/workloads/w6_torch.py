"""W6 on PyTorch (see w6_data.py): one training step per call."""

from __future__ import annotations

import torch
from w6_data import CLASSES, D_MODEL, FF, LAYERS, NHEAD, weights


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.0,
                                                 batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.head = torch.nn.Linear(D_MODEL, CLASSES)

    def forward(self, x):  # (N, T, d) -> (N, classes)
        return self.head(self.encoder(x).mean(dim=1))


def build(arrays: dict):
    model = Classifier()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights(arrays).items()})
    x, y = torch.from_numpy(arrays["x"]), torch.from_numpy(arrays["y"])
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    last = [float("nan")]

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        last[0] = loss.item()
        return last[0]

    return step, lambda: f"loss {last[0]:.4f}"

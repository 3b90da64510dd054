"""Models exported by PyTorch's own ONNX exporter (an exporter independent of glassgrad's) load
into glassgrad and give PyTorch's outputs: an MLP, a CNN, an LSTM classifier and a GRU."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from tests._torch import import_torch

pytest.importorskip("onnx")
torch = import_torch()

import glassgrad.onnx as gonnx  # noqa: E402


class _Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(20, 8)
        self.lstm = torch.nn.LSTM(8, 6, num_layers=2, bidirectional=True, batch_first=True)
        self.head = torch.nn.Linear(12, 3)

    def forward(self, ids):
        out, _ = self.lstm(self.embed(ids))
        return self.head(out[:, -1])


def _cases():
    t = torch.nn
    return {
        "mlp": (t.Sequential(t.Linear(4, 8), t.Tanh(), t.Linear(8, 3), t.Softmax(dim=1)),
                lambda B: torch.randn(B, 4), 0),
        "cnn": (t.Sequential(t.Conv2d(1, 4, 3, padding=1), t.ReLU(), t.MaxPool2d(2),
                             t.Conv2d(4, 6, 3, groups=2), t.AvgPool2d(2), t.Flatten(),
                             t.Linear(6, 5)), lambda B: torch.randn(B, 1, 10, 10), 0),
        "lstm": (_Classifier(), lambda B: torch.randint(0, 20, (B, 7)), 0),
        "gru": (t.GRU(3, 5, num_layers=2), lambda B: torch.randn(6, B, 3), 1),
    }


@pytest.mark.parametrize("name", ["mlp", "cnn", "lstm", "gru"])
def test_torch_exported_model_loads_with_torch_outputs(tmp_path, name):
    torch.manual_seed(0)
    model, make, axis = _cases()[name]
    model.eval()
    path = tmp_path / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(model, (make(2),), str(path), dynamo=False, input_names=["x"],
                          dynamic_axes={"x": {axis: "N"}})
    net = gonnx.load(path)
    if name in ("mlp", "cnn"):
        assert isinstance(net, nn.Sequential)
    if name in ("lstm", "gru"):
        assert any(isinstance(m, (nn.LSTM, nn.GRU)) for m in net.modules())
    for B in (1, 3):
        x = make(B)
        with torch.no_grad():
            want = model(x)
        want = (want[0] if isinstance(want, tuple) else want).numpy()
        got = net(gg.tensor(x.numpy()))
        got = got[0] if isinstance(got, tuple) else got
        np.testing.assert_allclose(got.data, want, rtol=0, atol=1e-5)

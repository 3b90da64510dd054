"""RNN, LSTM and GRU exported as ONNX's recurrent ops (gate orders reordered), several option
sets each, against onnxruntime and onnx.reference at batch sizes 1 and 3."""

import pytest

import glassgrad as gg
from glassgrad import nn
from tests.onnx._onnx_check import rand

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

OPTIONS = [dict(), dict(num_layers=2), dict(bidirectional=True), dict(batch_first=True),
           dict(num_layers=2, bidirectional=True, batch_first=True), dict(bias=False)]


def _seq(batch_first):
    return (lambda B: rand(B, 5, 3, seed=B)) if batch_first else (lambda B: rand(5, B, 3, seed=B))


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN], ids=lambda c: c.__name__)
@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
def test_recurrent_layer(check_export, cls, kwargs):
    gg.manual_seed(7)
    proto = check_export(cls(3, 4, **kwargs), _seq(kwargs.get("batch_first", False)))
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count(cls.__name__) == kwargs.get("num_layers", 1)  # one node per layer


def test_rnn_relu_in_onnxruntime(check_export):
    # NOTE: onnx.reference knows only Tanh/Sigmoid as RNN activations; onnxruntime has Relu
    gg.manual_seed(8)
    check_export(nn.RNN(3, 4, nonlinearity="relu", bidirectional=True), _seq(False),
                 reference=False)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU], ids=lambda c: c.__name__)
def test_initial_states_as_inputs(check_export, cls):
    gg.manual_seed(9)
    layers, directions = 2, 2
    model = cls(3, 4, num_layers=layers, bidirectional=True, batch_first=True)

    def make(B):
        h = rand(layers * directions, B, 4, seed=10 + B)
        if cls is nn.LSTM:
            return rand(B, 5, 3, seed=B), (h, rand(layers * directions, B, 4, seed=20 + B))
        return rand(B, 5, 3, seed=B), h

    class Wrap(nn.Module):  # the state as separate graph inputs
        def __init__(self):
            super().__init__()
            self.rnn = model

        def forward(self, x, h, c=None):
            return self.rnn(x, h if c is None else (h, c))

    def flat(B):
        x, s = make(B)
        return (x, *s) if isinstance(s, tuple) else (x, s)

    check_export(Wrap(), flat)


def test_gate_order_matches_onnx_formula():
    """The exported LSTM weights, read in ONNX's i, o, f, c order, give glassgrad's output
    when the ONNX spec's equations are written out by hand in NumPy (one step, one layer)."""
    import numpy as np

    onnx = pytest.importorskip("onnx")
    from glassgrad.onnx import export

    gg.manual_seed(10)
    lstm = nn.LSTM(3, 2)
    x = rand(1, 1, 3)
    proto = export(lstm, x, None, dynamic_batch=False)
    w = {t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}
    W, R, B = (next(v for k, v in w.items() if k.endswith(s)) for s in (".W", ".R", ".B"))
    z = x[0, 0] @ W[0].T + B[0][:8] + B[0][8:]  # h0 = 0
    i, o, f, c = np.split(z, 4)
    sig = 1 / (1 + np.exp(-np.array([i, o, f])))
    h = sig[1] * np.tanh(sig[0] * np.tanh(c))
    out, _ = lstm(gg.tensor(x))
    np.testing.assert_allclose(out.data[0, 0], h, atol=1e-6)
    del R


def test_lengths_are_refused():
    from glassgrad.onnx import ExportError, export

    class Packed(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(3, 4)

        def forward(self, x):
            return self.rnn(x, None, lengths=[5] * x.shape[1])[0]

    with pytest.raises(ExportError, match="lengths"):
        export(Packed(), rand(5, 2, 3), None)


def test_cells_export_through_their_ops(check_export):
    gg.manual_seed(11)

    class Cells(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.gru = nn.LSTMCell(3, 4), nn.GRUCell(4, 4)

        def forward(self, x):
            h, c = self.lstm(x)
            return self.gru(h, c)

    check_export(Cells(), lambda B: rand(B, 3, seed=B))

"""Whole models: MLP, LeNet, an LSTM classifier and custom modules traced through their
forward (residuals, reshapes, indexing, concatenation, reductions), and export's contract
(symbolic batch dim, checker, names, clear refusals)."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from tests.onnx._onnx_check import rand

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def mlp():
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Dropout(0.3), nn.Linear(16, 3), nn.LogSoftmax(dim=1))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


class LSTMClassifier(nn.Module):
    """Token ids → Embedding → LSTM → the last step's output → Linear (class scores)."""

    def __init__(self, vocab=20, embed=8, hidden=12, classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, ids):
        out, (h, c) = self.lstm(self.embed(ids))
        return self.head(out[:, -1, :])


def ids(B, T=7):
    return np.random.default_rng(B).integers(0, 20, (B, T))


def test_mlp(check_export):
    gg.manual_seed(0)
    proto = check_export(mlp(), lambda B: rand(B, 4, seed=B))
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 4
    assert [n.op_type for n in proto.graph.node] == ["Gemm", "Tanh", "Gemm", "Relu", "Gemm",
                                                      "LogSoftmax"]


def test_lenet(check_export):
    gg.manual_seed(1)
    model = lenet()
    model.train()
    model(gg.tensor(rand(8, 1, 28, 28)))  # moves BatchNorm's running statistics
    check_export(model, lambda B: rand(B, 1, 28, 28, seed=B), atol=2e-5)


def test_lstm_classifier(check_export):
    gg.manual_seed(2)
    check_export(LSTMClassifier(), ids)


def test_time_major_lstm_from_embedding_gets_batch_axis_1(check_export):
    gg.manual_seed(3)

    class CharLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed, self.lstm = nn.Embedding(20, 6), nn.LSTM(6, 5, num_layers=2)
            self.out = nn.Linear(5, 20)

        def forward(self, x):
            y, _ = self.lstm(self.embed(x))
            return self.out(y)

    proto = check_export(CharLM(), lambda B: ids(B).T.copy())
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_value == 7 and dims[1].dim_param == "batch"


class Custom(nn.Module):
    """A forward with ops outside layers: each must map to ONNX nodes."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(6, 6), nn.Linear(6, 4)
        self.scale = nn.Parameter(gg.tensor(np.linspace(0.5, 1.5, 4).astype(np.float32)))

    def forward(self, x):
        h = gg.relu(self.a(x)) + x                      # residual
        h = h.reshape(h.shape[0], 2, 3).permute(0, 2, 1).reshape(-1, 6)
        y = self.b(h) * self.scale - 0.5
        z = gg.cat([y, y[:, :1] ** 2, (y.exp() / 4).sqrt()], dim=1)
        z = z - z.mean(dim=1, keepdim=True)
        return gg.clamp(z, -1.0, 2.0).sum(dim=1, keepdim=True).tanh(), y.unsqueeze(1)[..., 1:3]


def test_custom_module_traced_through_its_ops(check_export):
    gg.manual_seed(4)
    proto = check_export(Custom(), lambda B: rand(B, 6, seed=B))
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]
    assert "scale" in [t.name for t in proto.graph.initializer]


def test_fixed_batch_and_names(tmp_path):
    onnx = pytest.importorskip("onnx")
    from glassgrad.onnx import export

    proto = export(mlp(), rand(5, 4), tmp_path / "m.onnx", dynamic_batch=False,
                   input_names="features", output_names=["logp"])
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert proto.graph.input[0].name == "features" and dims[0].dim_value == 5
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")), full_check=True)


def test_batch_dependent_constant_is_refused():
    from glassgrad.onnx import ExportError, export

    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            return self.lin(x) + gg.ones(x.shape[0], 3)

    with pytest.raises(ExportError, match="depends on the batch size"):
        export(Bad(), rand(2, 3), None)
    export(Bad(), rand(2, 3), None, dynamic_batch=False)  # fixed batch: fine


def test_unsupported_op_names_op_and_layer():
    from glassgrad.onnx import ExportError, export

    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            return self.lin(x).cumprod(dim=1)

    with pytest.raises(ExportError, match=r"op CumProd \(in layer 'model'\).*opset 17"):
        export(Odd(), rand(2, 3), None)


def test_bad_opset_and_no_file_written(tmp_path):
    from glassgrad.onnx import export

    with pytest.raises(ValueError, match="opset"):
        export(mlp(), rand(2, 4), tmp_path / "m.onnx", opset=9)
    assert not (tmp_path / "m.onnx").exists()


def test_model_mode_is_restored():
    from glassgrad.onnx import export

    model = mlp()
    model.train()
    export(model, rand(2, 4), None)
    assert model.training and all(m.training for m in model.modules())


def test_outputs_that_are_an_input_or_repeated(check_export):
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 2)

        def forward(self, x):
            y = self.lin(x)
            return y, y, x

    gg.manual_seed(5)
    proto = check_export(Twice(), lambda B: rand(B, 3, seed=B))
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1", "output_2"]


def test_a_graph_that_would_compute_something_else_is_not_written(tmp_path):
    """A layer given its state as a keyword argument: forward hooks cannot see it, so the
    graph would start from zeros; the verification run catches it and nothing is written."""
    from glassgrad.onnx import ExportError, export

    class KwState(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(3, 4)

        def forward(self, x, h):
            return self.rnn(x, hx=h * 3)[0]

    gg.manual_seed(6)
    with pytest.raises(ExportError, match="differs from glassgrad's forward"):
        export(KwState(), (rand(5, 2, 3), rand(1, 2, 4)), tmp_path / "m.onnx", batch_axis=1)
    assert not (tmp_path / "m.onnx").exists()


class Functional(nn.Module):
    """The functional forms (no layers around them): each op must export on its own."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(gg.tensor(rand(4, 2, 3, 3, seed=9) * 0.3))
        self.b = nn.Parameter(gg.tensor(rand(4, seed=10)))
        self.table = nn.Parameter(gg.tensor(rand(6, 5, seed=11)))
        self.mask = rand(144, seed=12) > 0  # a constant mask: fine

    def forward(self, x):
        F = nn.functional
        h = F.conv2d(x, self.w, self.b, stride=1, padding=1)
        h = F.max_pool2d(F.leaky_relu(h, 0.1), 2) + F.avg_pool2d(F.elu(h, 0.5), 2)
        h = F.pad(h, (1, 0, 0, 1), value=0.25)
        h = F.pad(h, (1, 1, 1, 1), mode="reflect")
        v = h.flatten(1)
        v = F.gelu(v) - F.softplus(v, beta=2.0) + gg.maximum(v, 0.1) * gg.minimum(v, 0.2)
        v = gg.where(self.mask, v.sin(), v.cos().abs().log()) - (-v).exp()
        w = v[:, :5].expand(3, *v[:, :5].shape).mean(dim=0) + self.table[2]
        u = v[:, :6]
        return (F.log_softmax(w, dim=1), v.amax(dim=1), v.double(), u.cumsum(dim=1),
                u.prod(dim=1, keepdim=True), u // 0.3, u % -0.7)


def test_functional_ops_export(check_export):
    check_export(Functional(), lambda B: rand(B, 2, 6, 6, seed=B))


@pytest.mark.parametrize("dynamic", [True, False])
def test_a_mask_from_the_input_values_is_refused(dynamic):
    """``x > 0`` is computed outside the ops: the trace would bake the example's mask."""
    from glassgrad.onnx import ExportError, export

    class Masked(nn.Module):
        def forward(self, x):
            return gg.where(x > 0, x * 2, x)

    with pytest.raises(ExportError, match="outside the ops"):
        export(Masked(), rand(2, 5), None, dynamic_batch=dynamic)

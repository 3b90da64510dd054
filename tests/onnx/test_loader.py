"""``glassgrad.onnx.load``: round trips (export → load → same outputs), models built directly
with onnx.helper (independent of glassgrad's exporter) and the glass box on imported models."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from tests.onnx._onnx_check import rand
from tests.onnx.test_exporter import Custom, LSTMClassifier, ids, lenet, mlp

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import glassgrad.onnx as gonnx  # noqa: E402


def _round_trip(model, make, tmp_path, atol=1e-5):
    path = tmp_path / "m.onnx"
    gonnx.export(model, make(2), path)
    loaded = gonnx.load(path)
    model.eval()
    for B in (1, 3):
        xs = make(B)
        xs = xs if isinstance(xs, tuple) else (xs,)
        with gg.no_grad():
            want, got = model(*map(gg.tensor, xs)), loaded(*map(gg.tensor, xs))
        want, got = _flat(want), _flat(got)
        assert len(want) == len(got)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.data, w.data, rtol=0, atol=atol)
    return loaded


def _flat(v):
    return [t for x in v for t in _flat(x)] if isinstance(v, (tuple, list)) else [v]


def test_mlp_round_trip_is_a_sequential_of_familiar_layers(tmp_path):
    gg.manual_seed(0)
    loaded = _round_trip(mlp(), lambda B: rand(B, 4, seed=B), tmp_path)
    assert isinstance(loaded, nn.Sequential)
    assert [type(m).__name__ for m in loaded] == ["Linear", "Tanh", "Linear", "ReLU", "Linear",
                                                  "LogSoftmax"]


def test_lenet_round_trip(tmp_path):
    gg.manual_seed(1)
    loaded = _round_trip(lenet(), lambda B: rand(B, 1, 28, 28, seed=B), tmp_path, atol=2e-5)
    kinds = [type(m).__name__ for m in loaded]
    assert kinds[:3] == ["Conv2d", "ReLU", "AvgPool2d"] and "BatchNorm2d" in kinds


def test_lstm_classifier_round_trip(tmp_path):
    gg.manual_seed(2)
    loaded = _round_trip(LSTMClassifier(), ids, tmp_path)
    assert any(isinstance(m, nn.LSTM) for m in loaded.modules())


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN], ids=lambda c: c.__name__)
def test_recurrent_round_trip(tmp_path, cls):
    gg.manual_seed(3)
    model = cls(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    _round_trip(model, lambda B: rand(B, 5, 3, seed=B), tmp_path)


def test_custom_module_round_trip(tmp_path):
    gg.manual_seed(4)
    _round_trip(Custom(), lambda B: rand(B, 6, seed=B), tmp_path)


@pytest.mark.parametrize("layer", [nn.Conv1d(2, 4, 3, padding="same", groups=2),
                                   nn.Conv2d(2, 3, 3, stride=2, padding=1, dilation=1),
                                   nn.MaxPool2d(3, 2, 1, ceil_mode=True),
                                   nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                                   nn.AdaptiveAvgPool2d(1), nn.Embedding(5, 3)], ids=repr)
def test_layer_round_trip(tmp_path, layer):
    gg.manual_seed(5)
    if isinstance(layer, nn.Embedding):
        def make(B):
            return np.random.default_rng(B).integers(0, 5, (B, 4))
    elif isinstance(layer, nn.Conv1d):
        def make(B):
            return rand(B, 2, 9, seed=B)
    else:
        def make(B):
            return rand(B, 2, 9, 8, seed=B)
    loaded = _round_trip(nn.Sequential(layer), make, tmp_path)
    assert type(loaded[0]) is type(layer) or isinstance(layer, nn.AdaptiveAvgPool2d)


# ---------------------------------------------------------------- models built with onnx.helper

def _helper_mlp(path, w1, b1, w2, b2):
    """A 2-2-2 sigmoid MLP written node by node with onnx.helper, as another tool would."""
    x = helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 2])
    y = helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 2])
    inits = [numpy_helper.from_array(np.asarray(a, np.float64), n) for n, a in
             (("W1", w1), ("B1", b1), ("W2t", np.asarray(w2).T), ("B2", b2))]
    nodes = [helper.make_node("Gemm", ["x", "W1", "B1"], ["z1"], transB=1, name="hidden"),
             helper.make_node("Sigmoid", ["z1"], ["a1"]),
             helper.make_node("MatMul", ["a1", "W2t"], ["p2"], name="out_matmul"),
             helper.make_node("Add", ["p2", "B2"], ["z2"]),
             helper.make_node("Sigmoid", ["z2"], ["y"])]
    model = helper.make_model(helper.make_graph(nodes, "mlp", [x], [y], inits),
                              opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))


def test_helper_built_mlp_loads_and_its_backprop_trace_prints(tmp_path):
    """Matt Mazur's worked example (his published numbers), from an ONNX file."""
    from glassgrad.explain import trace

    path = tmp_path / "mazur.onnx"
    _helper_mlp(path, [[.15, .20], [.25, .30]], [.35, .35], [[.40, .45], [.50, .55]],
                [.60, .60])
    model = gonnx.load(path)
    assert [type(m).__name__ for m in model] == ["Linear", "Sigmoid", "Linear", "Sigmoid"]
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.array([[0.05, 0.10]])
    np.testing.assert_allclose(model(x).data, sess.run(None, {"x": x})[0],
                               rtol=0, atol=1e-9)  # onnxruntime's own sigmoid
    t = trace(model, x, [[0.01, 0.99]], loss="sse", lr=0.5)
    text = str(t)
    assert "0.298371109" in t.to_text(9)  # E_total from the blog post
    w5 = [r for r in t.weight_records() if r["layer"] == 2 and r["to"] == "5" and r["from"] == "3"]
    assert abs(w5[0]["w_new"] - 0.35891648) < 1e-8  # Mazur's w5 after one update
    assert "δ" in text


def test_helper_built_cnn_loads_and_layer_stats_run(tmp_path):
    from glassgrad.explain import layer_stats

    rng = np.random.default_rng(0)
    f32 = TensorProto.FLOAT
    inits = {"cw": rng.normal(size=(4, 1, 3, 3)), "cb": rng.normal(size=4),
             "fw": rng.normal(size=(3, 4 * 3 * 3)) * 0.1, "fb": np.zeros(3)}
    nodes = [helper.make_node("Conv", ["x", "cw", "cb"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["f"], axis=1),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], transB=1)]
    graph = helper.make_graph(
        nodes, "cnn", [helper.make_tensor_value_info("x", f32, ["N", 1, 6, 6])],
        [helper.make_tensor_value_info("y", f32, ["N", 3])],
        [numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items()])
    model_proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model_proto, str(tmp_path / "cnn.onnx"))
    model = gonnx.load(tmp_path / "cnn.onnx")
    assert [type(m).__name__ for m in model] == ["Conv2d", "ReLU", "MaxPool2d", "Flatten",
                                                 "Linear"]
    x = rng.normal(size=(5, 1, 6, 6)).astype(np.float32)
    sess = ort.InferenceSession(str(tmp_path / "cnn.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(model(x).data, sess.run(None, {"x": x})[0],
                               rtol=0, atol=1e-5)
    stats = layer_stats(model, x, np.array([0, 1, 2, 0, 1]), loss="cross_entropy")
    assert "Conv2d" in str(stats)


def test_unsupported_ops_are_listed_together(tmp_path):
    f32 = TensorProto.FLOAT
    nodes = [helper.make_node("Relu", ["x"], ["a"]),
             helper.make_node("Hardmax", ["a"], ["b"], name="hm"),
             helper.make_node("TopK", ["b", "k"], ["c", "i"], name="top"),
             helper.make_node("LpNormalization", ["c"], ["y"], name="lp")]
    graph = helper.make_graph(
        nodes, "bad", [helper.make_tensor_value_info("x", f32, [2, 4])],
        [helper.make_tensor_value_info("y", f32, None)],
        [numpy_helper.from_array(np.array([2], np.int64), "k")])
    path = tmp_path / "bad.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(gonnx.LoadError) as err:
        gonnx.load(path)
    msg = str(err.value)
    assert all(s in msg for s in ("Hardmax (node 'hm')", "TopK (node 'top')",
                                  "LpNormalization (node 'lp')"))


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no file"):
        gonnx.load("/nonexistent/model.onnx")

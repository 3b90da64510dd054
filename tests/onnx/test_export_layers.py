"""Each layer exported to ONNX and run in onnxruntime and onnx.reference at batch sizes 1 and
3: outputs equal glassgrad's forward within 1e-5."""

import pytest

import glassgrad as gg
from glassgrad import nn
from tests.onnx._onnx_check import rand

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def _features(n):
    return lambda B: rand(B, n, seed=B)


ACTIVATIONS = [nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.ReLU6(), nn.HardSigmoid(),
               nn.LeakyReLU(0.2), nn.PReLU(), nn.ELU(0.7), nn.GELU(), nn.GELU("tanh"),
               nn.Softplus(), nn.Softplus(beta=2.0, threshold=1.0), nn.Softmax(dim=1),
               nn.LogSoftmax(dim=-1), nn.Step(), nn.Sign(), nn.Threshold(0.3), nn.Identity(),
               nn.Dropout(0.5)]


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda m: repr(m))
def test_activation_after_linear(check_export, act):
    gg.manual_seed(0)
    check_export(nn.Sequential(nn.Linear(5, 6), act), _features(5))


def test_gelu_native_at_opset_20(check_export):
    gg.manual_seed(0)
    proto = check_export(nn.Sequential(nn.Linear(4, 4), nn.GELU()), _features(4), opset=20)
    assert "Gelu" in [n.op_type for n in proto.graph.node]


@pytest.mark.parametrize("bias", [True, False])
def test_linear_on_3d_input_and_prelu_per_channel(check_export, bias):
    gg.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 3, bias=bias), nn.PReLU(7))
    check_export(model, lambda B: rand(B, 7, 4, seed=B))


CONV2D = [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2),
          dict(groups=2, bias=False), dict(padding=(1, 2), stride=(2, 1)),
          dict(padding=2, padding_mode="reflect"), dict(padding="same", padding_mode="replicate")]


@pytest.mark.parametrize("kwargs", CONV2D, ids=str)
def test_conv2d(check_export, kwargs):
    gg.manual_seed(2)
    check_export(nn.Conv2d(4, 6, 3, **kwargs), lambda B: rand(B, 4, 9, 8, seed=B))


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=2, dilation=2),
                                    dict(padding="same", groups=2)], ids=str)
def test_conv1d(check_export, kwargs):
    gg.manual_seed(3)
    check_export(nn.Conv1d(2, 4, 3, **kwargs), lambda B: rand(B, 2, 11, seed=B))


def test_circular_padding_needs_opset_19(check_export):
    from glassgrad.onnx import ExportError

    gg.manual_seed(4)
    conv = nn.Conv2d(1, 2, 3, padding=1, padding_mode="circular")
    with pytest.raises(ExportError, match="opset 19.*opset 17"):
        check_export(conv, lambda B: rand(B, 1, 5, 5))
    check_export(conv, lambda B: rand(B, 1, 5, 5, seed=B), opset=19)


POOLS = [nn.MaxPool2d(2), nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
         nn.MaxPool2d(2, dilation=2), nn.AvgPool2d(2), nn.AvgPool2d(3, 2, padding=1),
         nn.AvgPool2d(3, 2, padding=1, count_include_pad=False),
         nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveAvgPool2d(1), nn.AdaptiveAvgPool2d((3, 2)),
         nn.AdaptiveAvgPool2d((4, 3)), nn.AdaptiveMaxPool2d(1), nn.AdaptiveMaxPool2d((3, 4)),
         nn.GlobalAvgPool2d()]


@pytest.mark.parametrize("pool", POOLS, ids=repr)
def test_pool2d(check_export, pool):
    check_export(pool, lambda B: rand(B, 3, 9, 8, seed=B))


@pytest.mark.parametrize("pool", [nn.MaxPool1d(3, 2, 1), nn.AvgPool1d(2, ceil_mode=True),
                                  nn.AdaptiveAvgPool1d(4), nn.AdaptiveMaxPool1d(1)], ids=repr)
def test_pool1d(check_export, pool):
    check_export(pool, lambda B: rand(B, 3, 9, seed=B))


def test_adaptive_max_with_uneven_windows_is_refused(check_export):
    from glassgrad.onnx import ExportError

    with pytest.raises(ExportError, match=r"AdaptiveMaxPool2d.*different sizes"):
        check_export(nn.AdaptiveMaxPool2d(4), lambda B: rand(B, 2, 9, 9))


@pytest.mark.parametrize("bn", [nn.BatchNorm1d(5), nn.BatchNorm1d(5, affine=False)], ids=repr)
def test_batchnorm1d_uses_running_statistics(check_export, bn):
    bn.train()
    for seed in range(3):  # a few training steps move the running statistics off 0 and 1
        bn(gg.tensor(rand(8, 5, seed=seed) * 3 + 1))
    check_export(nn.Sequential(bn), _features(5))


def test_batchnorm2d_and_without_running_stats(check_export):
    gg.manual_seed(5)
    bn = nn.BatchNorm2d(3)
    bn.train()
    bn(gg.tensor(rand(4, 3, 5, 5) * 2 - 1))
    check_export(bn, lambda B: rand(B, 3, 5, 5, seed=B))
    # NOTE: no running stats: inference normalizes with the batch's own statistics
    check_export(nn.BatchNorm2d(3, track_running_stats=False),
                 lambda B: rand(B, 3, 4, 4, seed=B) * 2 + 1, batches=(2, 3))


def test_flatten_unflatten(check_export):
    check_export(nn.Sequential(nn.Flatten(), nn.Unflatten(1, (6, 4)), nn.Flatten(2)),
                 lambda B: rand(B, 2, 3, 4, seed=B))


def test_embedding_gathers(check_export):
    import numpy as np

    gg.manual_seed(6)
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
    check_export(model, lambda B: np.random.default_rng(B).integers(0, 10, (B, 3)))


def test_stochastic_binary_is_refused_with_the_reason():
    from glassgrad.onnx import ExportError, export

    with pytest.raises(ExportError, match="StochasticBinary.*Bernoulli"):
        export(nn.Sequential(nn.Linear(2, 2), nn.StochasticBinary()), rand(2, 2), None)


def test_maxpool_with_indices_is_refused():
    from glassgrad.onnx import ExportError, export

    with pytest.raises(ExportError, match="return_indices"):
        export(nn.MaxPool2d(2, return_indices=True), rand(1, 1, 4, 4), None)

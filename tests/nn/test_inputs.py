"""The input rule and the dtype rule (glassgrad/nn/inputs.py), for every layer and loss.

Input rule: arrays and lists of numbers are converted (to the layer's parameter dtype), junk
raises TypeError naming the layer. Dtype rule: a Tensor must have the parameters' dtype
(PyTorch raises for a float64 or integer tensor into a float32 layer, and so do we)."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F
from tests._torch import import_torch

# (make layer, one valid input as nested lists); the torch twin is built by name where needed
LAYERS = {
    "Linear": (lambda: nn.Linear(4, 3), [[1.0, 2, 3, 4]]),
    "Conv1d": (lambda: nn.Conv1d(1, 2, 2), [[[1.0, 2, 3]]]),
    "Conv2d": (lambda: nn.Conv2d(1, 2, 2), np.ones((1, 1, 3, 3)).tolist()),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(2), [[1.0, 2], [3, 5]]),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(1), np.arange(8.0).reshape(2, 1, 2, 2).tolist()),
    "PReLU": (lambda: nn.PReLU(), [[1.0, -2]]),
    "RNN": (lambda: nn.RNN(2, 3), [[[1.0, 2]]]),
    "LSTM": (lambda: nn.LSTM(2, 3), [[[1.0, 2]]]),
    "GRU": (lambda: nn.GRU(2, 3), [[[1.0, 2]]]),
    "RNNCell": (lambda: nn.RNNCell(2, 3), [[1.0, 2]]),
    "LSTMCell": (lambda: nn.LSTMCell(2, 3), [[1.0, 2]]),
    "GRUCell": (lambda: nn.GRUCell(2, 3), [[1.0, 2]]),
}
PARAMETER_FREE = {
    "ReLU": (lambda: nn.ReLU(), [[1.0, -2]]),
    "Tanh": (lambda: nn.Tanh(), [[1.0, -2]]),
    "Softmax": (lambda: nn.Softmax(1), [[1.0, -2]]),
    "LogSoftmax": (lambda: nn.LogSoftmax(1), [[1.0, -2]]),
    "Dropout": (lambda: nn.Dropout(0.5), [[1.0, -2]]),
    "Flatten": (lambda: nn.Flatten(), [[[1.0, 2]]]),
    "Unflatten": (lambda: nn.Unflatten(1, (1, 2)), [[1.0, 2]]),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), np.ones((1, 1, 4, 4)).tolist()),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), [[[1.0, 2]]]),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d(1), np.ones((1, 1, 2, 2)).tolist()),
    "GlobalAvgPool2d": (lambda: nn.GlobalAvgPool2d(), np.ones((1, 1, 2, 2)).tolist()),
}
ALL = {**LAYERS, **PARAMETER_FREE}
JUNK = ["abc", None, {"x": 1}, [["a", "b"]], [[1.0, 2.0], [3.0]], object()]


def _out(y):
    return y[0] if isinstance(y, tuple) else y


@pytest.mark.parametrize("name", sorted(ALL))
def test_lists_and_arrays_are_converted_to_the_layers_dtype(name):
    make, data = ALL[name]
    gg.manual_seed(0)
    layer = make().eval()
    want = np.float32
    ref = _out(layer(gg.tensor(np.array(data, np.float32)))).detach().numpy()
    for x in (data, np.array(data), np.array(data, np.float32)):
        y = _out(layer(x))
        assert isinstance(y, gg.Tensor) and y.dtype == want, (type(x), y.dtype)
        np.testing.assert_array_equal(y.detach().numpy(), ref)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_float64_model_converts_lists_to_float64(name):
    make, data = LAYERS[name]
    layer = make().double().eval()
    assert _out(layer(data)).dtype == np.float64
    assert _out(layer(np.array(data, np.float32))).dtype == np.float64


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("junk", range(len(JUNK)))
def test_junk_is_a_type_error_naming_the_layer(name, junk):
    make, _ = ALL[name]
    layer = make()
    with pytest.raises(TypeError) as err:
        layer(JUNK[junk])
    assert type(layer).__name__ in str(err.value)
    assert "Tensor" in str(err.value)  # names the accepted types


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_tensor_of_another_dtype_is_refused_like_torch(name):
    torch = import_torch()
    make, data = LAYERS[name]
    layer = make().eval()
    tlayer = getattr(torch.nn, name)(*_torch_args(layer)).eval()
    x64 = np.array(data, np.float64)
    with pytest.raises((RuntimeError, ValueError), match="(?i)dtype|type"):
        tlayer(torch.tensor(x64))
    with pytest.raises(TypeError) as err:
        layer(gg.tensor(x64, dtype=gg.float64))
    msg = str(err.value)
    assert name in msg and "float64" in msg and "float32" in msg and "x.float()" in msg
    assert "model.double()" in msg  # or convert the model to the input's float64
    with pytest.raises(TypeError, match=r"int64.*x\.float\(\)"):
        layer(gg.tensor(x64.astype(np.int64)))
    with pytest.raises(TypeError, match=r"float32.*x\.double\(\)"):
        layer.double()(gg.tensor(x64, dtype=gg.float32))


def _torch_args(layer):
    name = type(layer).__name__
    if name == "Linear":
        return (layer.in_features, layer.out_features)
    if name.startswith("Conv"):
        return (layer.in_channels, layer.out_channels, layer.kernel_size)
    if name.startswith("BatchNorm"):
        return (layer.num_features,)
    if name == "PReLU":
        return ()
    return (layer.input_size, layer.hidden_size)


def test_parameter_free_layers_keep_a_tensors_dtype_as_torch():
    x = gg.tensor([[1.0, -2.0]], dtype=gg.float64)
    assert nn.ReLU()(x).dtype == np.float64
    assert nn.Flatten()(x).dtype == np.float64


def test_embedding_converts_lists_of_ids_to_integers_and_refuses_floats():
    emb = nn.Embedding(5, 2)
    np.testing.assert_array_equal(emb([[1, 2]]).detach().numpy(),
                                  emb(gg.tensor([[1, 2]])).detach().numpy())
    with pytest.raises(TypeError, match="integers"):
        emb([[1.5, 2.0]])
    with pytest.raises(TypeError, match="Embedding"):
        emb("ab")


def test_containers_convert_by_their_first_layer_identity_and_user_modules_pass_through():
    seq = nn.Sequential(nn.Embedding(5, 2), nn.Flatten())
    assert seq([[1, 2]]).shape == (1, 4)  # ids reach the Embedding as integers
    # a Sequential converts by its first layer with parameters: float64 after model.double()
    assert nn.Sequential(nn.Flatten(), nn.Linear(2, 1)).double()([[1.0, 2.0]]).dtype == np.float64
    assert nn.Identity()("anything") == "anything"

    class Pair(nn.Module):
        def forward(self, batch):
            x, n = batch
            return x * n

    assert Pair()((gg.ones(2), 3)).tolist() == [3.0, 3.0]


LOSSES = [("mse_loss", nn.MSELoss, [0.5, 0.2], [1.0, 0.0]),
          ("l1_loss", nn.L1Loss, [0.5, 0.2], [1.0, 0.0]),
          ("binary_cross_entropy", nn.BCELoss, [0.5, 0.2], [1.0, 0.0]),
          ("binary_cross_entropy_with_logits", nn.BCEWithLogitsLoss, [0.5, 0.2], [1.0, 0.0]),
          ("huber_loss", nn.HuberLoss, [0.5, 0.2], [1.0, 0.0]),
          ("smooth_l1_loss", nn.SmoothL1Loss, [0.5, 0.2], [1.0, 0.0]),
          ("cross_entropy", nn.CrossEntropyLoss, [[0.5, 0.2, 0.1]], [2]),
          ("nll_loss", nn.NLLLoss, [[-0.5, -1.2, -2.1]], [1])]


@pytest.mark.parametrize("fname, cls, inp, tgt", LOSSES)
def test_losses_take_arrays_and_lists_and_match_torch(fname, cls, inp, tgt):
    torch = import_torch()
    want = getattr(torch.nn.functional, fname)(torch.tensor(inp), torch.tensor(tgt)).item()
    for a, b in ((np.array(inp), np.array(tgt)), (inp, tgt)):
        assert cls()(a, b).item() == pytest.approx(want, rel=1e-6)
        assert getattr(F, fname)(a, b).item() == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("fname, cls, inp, tgt", LOSSES)
def test_losses_refuse_junk_naming_the_loss(fname, cls, inp, tgt):
    for bad in ("ab", None, {"a": 1}):
        with pytest.raises(TypeError, match=cls.__name__):
            cls()(bad, tgt)
        with pytest.raises(TypeError, match=fname):
            getattr(F, fname)(bad, tgt)
    if fname not in ("cross_entropy", "nll_loss"):
        with pytest.raises(TypeError, match=fname + ".*target"):
            getattr(F, fname)(inp, ["a", "b"])


@pytest.mark.parametrize("data", [["a", "b"], [b"x"], np.array(["1.5"]), "abc",
                                  np.array(["2020-01-01"], dtype="datetime64[D]")])
def test_tensor_refuses_strings_and_non_numbers(data):
    with pytest.raises(TypeError, match="numeric tensor"):
        gg.tensor(data)

"""Fuzzing Conv1d/Conv2d, the pooling layers, RNN/LSTM/GRU and Embedding with malformed input
(wrong ndim, wrong channels/features, wrong state shapes, bad lengths, non-integer and
out-of-range indices): every failure is a clear glassgrad error naming the layer, never a raw
NumPy traceback. Valid draws may succeed; their output shape is then checked."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import glassgrad as gg
from glassgrad import nn
from tests._clear import call_clear
from tests._fuzz_counts import count

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
shapes = st.lists(st.integers(0, 4), min_size=0, max_size=5).map(tuple)
dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.bool_])


def _snake(name):
    """MaxPool1d -> max_pool1d: the functional form a layer delegates to (PyTorch's names)."""
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out.replace("_pool", "pool").replace("pool", "_pool")


def _names_layer(exc, *names):
    """A failure message says which layer (or its functional form) refused the input."""
    if not isinstance(exc, (gg.GlassgradError, ValueError, TypeError, IndexError, KeyError)):
        return  # a known, reported raw finding (see _clear.KNOWN), listed at the end of the run
    msg = str(exc)
    names = names + tuple(_snake(n) for n in names)
    assert any(n in msg for n in names), f"error does not name the layer: {msg}"


CONV_POOL = {
    "Conv1d": lambda: nn.Conv1d(2, 4, 3, padding=1, groups=2),
    "Conv2d": lambda: nn.Conv2d(3, 2, (2, 3), stride=2, dilation=(1, 2)),
    "Conv2d(same)": lambda: nn.Conv2d(2, 2, 3, padding="same"),
    "MaxPool1d": lambda: nn.MaxPool1d(2), "MaxPool2d": lambda: nn.MaxPool2d(3, 1, 1),
    "AvgPool1d": lambda: nn.AvgPool1d(3, 2, 1), "AvgPool2d": lambda: nn.AvgPool2d(2),
    "AdaptiveAvgPool1d": lambda: nn.AdaptiveAvgPool1d(3),
    "AdaptiveAvgPool2d": lambda: nn.AdaptiveAvgPool2d((2, 3)),
    "GlobalAvgPool2d": lambda: nn.GlobalAvgPool2d(),
}


@pytest.mark.parametrize("layer", sorted(CONV_POOL))
@SETTINGS
@given(shape=shapes, dtype=dtypes)
@example(shape=(1, 2, 0, 3), dtype=np.float32)  # an empty map: the known mean() finding
@example(shape=(0, 0, 0), dtype=np.float32)  # 1-d layers used to name only the 2-d op
def test_conv_and_pool_layers_with_malformed_input(layer, shape, dtype):
    count(f"api:{layer}(input)")
    module = CONV_POOL[layer]()
    ok, out = call_clear(module, gg.tensor(np.ones(shape, dtype)))
    if ok:
        assert out.shape[:2] == shape[:2] or out.shape[0] == shape[0]
    else:
        _names_layer(out, layer.split("(")[0])


RNNS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
state_shape = st.lists(st.integers(0, 3), min_size=0, max_size=4).map(tuple)
lengths = st.one_of(st.none(), st.lists(st.integers(-2, 6), max_size=4),
                    st.lists(st.floats(0, 5), min_size=1, max_size=3), st.text(max_size=2),
                    st.just([[1, 2]]))


@pytest.mark.parametrize("layer", sorted(RNNS))
@SETTINGS
@given(x_shape=shapes, h_shape=st.one_of(st.none(), state_shape), bf=st.booleans(),
       bi=st.booleans(), lens=lengths, state_kind=st.sampled_from(["tensor", "tuple", "junk"]))
def test_recurrent_layers_with_malformed_input_states_and_lengths(layer, x_shape, h_shape, bf,
                                                                  bi, lens, state_kind):
    count(f"api:{layer}(input,state,lengths)")
    module = RNNS[layer](3, 2, num_layers=2, batch_first=bf, bidirectional=bi)
    x = gg.tensor(np.ones(x_shape, np.float32))
    if h_shape is None:
        hx = None
    else:
        h = gg.tensor(np.zeros(h_shape, np.float32))
        hx = {"tensor": h, "tuple": (h, h), "junk": [1.0, "h"]}[state_kind]
    ok, out = call_clear(module, x, hx, lengths=lens)
    if ok:
        assert out[0].shape[-1] == 2 * (1 + bi)
    else:
        _names_layer(out, layer, f"{layer}Sequence", "RNNSequence")


@SETTINGS
@given(idx=st.one_of(
    st.lists(st.integers(-3, 8), max_size=4),
    st.lists(st.lists(st.integers(0, 4), min_size=2, max_size=2), max_size=3),
    st.lists(st.floats(-1, 6), min_size=1, max_size=3), st.lists(st.booleans(), max_size=3),
    st.text(max_size=2), st.none(), st.integers(-2, 7)), as_tensor=st.booleans(),
    padding_idx=st.one_of(st.none(), st.integers(-6, 6)))
def test_embedding_with_malformed_indices(idx, as_tensor, padding_idx):
    count("api:Embedding(indices)")
    ok, module = call_clear(nn.Embedding, 5, 3, padding_idx=padding_idx)
    if not ok:
        _names_layer(module, "Embedding")
        return
    arg = idx
    if as_tensor:
        ok, arg = call_clear(gg.tensor, idx)
        if not ok:
            return
    ok, out = call_clear(module, arg)
    if ok:
        assert out.shape == (*np.shape(np.asarray(idx)), 3)
    else:
        _names_layer(out, "Embedding")


@SETTINGS
@given(layer=st.sampled_from(["Conv1d", "Conv2d", "MaxPool2d", "AvgPool1d", "RNN", "Embedding"]),
       value=st.one_of(st.integers(-2, 3), st.floats(-1, 2) | st.just(float("nan")), st.none(),
                       st.text(max_size=2), st.booleans(), st.tuples(st.integers(-1, 2))))
def test_layer_constructors_with_bad_arguments(layer, value):
    count("api:conv/pool/rnn/embedding constructors(args)")
    build = {"Conv1d": lambda: nn.Conv1d(2, 2, value), "Conv2d": lambda: nn.Conv2d(value, 2, 3),
             "MaxPool2d": lambda: nn.MaxPool2d(2, value),
             "AvgPool1d": lambda: nn.AvgPool1d(value), "RNN": lambda: nn.RNN(2, value),
             "Embedding": lambda: nn.Embedding(value, 2)}[layer]
    call_clear(build)


@pytest.mark.parametrize("layer, shape", [("AvgPool1d", (1, 1, 0)), ("MaxPool1d", (2, 3)),
                                          ("AdaptiveAvgPool2d", (2, 3)),
                                          ("GlobalAvgPool2d", (2, 3, 4))])
def test_pooling_errors_name_the_layer_and_the_input_shape(layer, shape):
    """Regression: a 1-d pool's error used to name only the 2-d op and its 4-D shape."""
    module = CONV_POOL[layer]()
    with pytest.raises(gg.ShapeError) as info:
        module(gg.ones(*shape))
    assert str(info.value).startswith(f"{module!r} (input shape {shape}): ")

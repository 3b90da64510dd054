"""The dtype and input rules (nn/inputs.py) hold for the attention layers as for Linear: a
Tensor of another float dtype is refused with the fix, NumPy inputs are converted."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn


def _layers():
    return [
        ("mha", nn.MultiheadAttention(8, 2, batch_first=True).double(), (2, 3, 8), 3),
        ("layernorm", nn.LayerNorm(8).double(), (2, 8), 1),
        ("encoder", nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).double(),
         (2, 3, 8), 1),
        ("encoder_norm_first", nn.TransformerEncoderLayer(8, 2, 16, batch_first=True,
                                                          norm_first=True).double(), (2, 3, 8), 1),
    ]


@pytest.mark.parametrize("name,layer,shape,n_in", _layers(), ids=[c[0] for c in _layers()])
def test_a_float32_tensor_into_a_float64_layer_is_refused_with_the_fix(name, layer, shape, n_in):
    x = gg.zeros(*shape)  # float32
    with pytest.raises(TypeError, match=r"float32 tensor but the layer's parameters are "
                                        r"float64\. Convert the input \(x\.double\(\)\)"):
        layer(*[x] * n_in)


@pytest.mark.parametrize("name,layer,shape,n_in", _layers(), ids=[c[0] for c in _layers()])
def test_numpy_inputs_take_the_layer_dtype(name, layer, shape, n_in):
    out = layer(*[np.ones(shape, dtype=np.float32)] * n_in)
    out = out[0] if isinstance(out, tuple) else out
    assert out.dtype == gg.float64 and out.shape == shape


def test_the_dtype_error_names_the_layer_on_one_line():
    layer = nn.MultiheadAttention(8, 2, batch_first=True).double()
    with pytest.raises(TypeError) as info:
        layer(*[gg.zeros(2, 3, 8)] * 3)
    assert "\n" not in str(info.value) and str(info.value).startswith("MultiheadAttention(")

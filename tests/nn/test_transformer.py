"""Transformer encoder/decoder layers, stacks and nn.Transformer against PyTorch 2.13: forward
and every gradient in float64 (1e-10) and float32 (1e-5), with masks and options, after loading
PyTorch's state dict into ours; plus the positional encoding against its closed form."""

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad import nn
from tests._torch import compare, import_torch

torch = import_torch()
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Support for mismatched")]
DTYPES = ["float64", "float32"]
D, NHEAD, FF, N, L, S = 8, 2, 12, 3, 5, 4
rng = np.random.default_rng(0)


def _r(*shape):
    return rng.standard_normal(shape)


def _perturb(ref):
    """Non-trivial LayerNorm γ/β and biases (PyTorch starts them at 1 and 0)."""
    with torch.no_grad():
        for name, p in ref.named_parameters():
            if "norm" in name or "bias" in name:
                p.add_(0.3 * torch.randn(p.shape))
    return ref


def _pad(n, s):
    pad = np.zeros((n, s), bool)
    pad[0, -1] = pad[-1, -2:] = True
    return pad


def _masks(lib, dtype, L, S=None):
    """(causal float attn_mask (L, L), key padding mask (N, L)) in either library."""
    causal = np.triu(np.full((L, L), -np.inf), 1)
    pad = _pad(N, L)
    if lib == "torch":
        return torch.tensor(causal, dtype=getattr(torch, dtype)), torch.tensor(pad)
    return causal.astype(dtype), pad


LAYER_OPTS = [
    {},
    {"norm_first": True},
    {"activation": "gelu", "batch_first": True},
    {"activation": "callable", "bias": False, "layer_norm_eps": 1e-3},
]


def _layer_kw(opts, lib):
    kw = dict(opts)
    if kw.get("activation") == "callable":
        kw["activation"] = (torch.nn.GELU(approximate="tanh") if lib == "torch"
                            else nn.GELU(approximate="tanh"))
    return kw


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("opts", LAYER_OPTS)
def test_encoder_layer(opts, masked, dtype):
    torch.manual_seed(0)
    ref = _perturb(torch.nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0,
                                                    **_layer_kw(opts, "torch")))
    ours = nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, **_layer_kw(opts, "gg"))
    bf = opts.get("batch_first", False)

    def call(m, xs, lib):
        if not masked:
            return m(xs[0])
        causal, pad = _masks(lib, dtype, L)
        return m(xs[0], src_mask=causal, src_key_padding_mask=pad, is_causal=True)

    compare(ours, ref, [_r(N, L, D) if bf else _r(L, N, D)], dtype, call=call)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_stack_with_final_norm(norm_first, dtype):
    torch.manual_seed(0)
    t_layer = torch.nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, batch_first=True,
                                               norm_first=norm_first)
    ref = _perturb(torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(D)))
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, batch_first=True,
                                       norm_first=norm_first)
    ours = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(D))
    assert list(ours.state_dict()) == list(ref.state_dict())
    # the copies are independent: different weights after loading, separate gradients
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight

    def call(m, xs, lib):
        _, pad = _masks(lib, dtype, L)
        return m(xs[0], src_key_padding_mask=pad)

    compare(ours, ref, [_r(N, L, D)], dtype, call=call)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("opts", LAYER_OPTS)
def test_decoder_layer(opts, masked, dtype):
    torch.manual_seed(0)
    ref = _perturb(torch.nn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0,
                                                    **_layer_kw(opts, "torch")))
    ours = nn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0, **_layer_kw(opts, "gg"))
    bf = opts.get("batch_first", False)

    def call(m, xs, lib):
        if not masked:
            return m(*xs)
        causal, pad = _masks(lib, dtype, L)
        mem_pad = _pad(N, S)
        mem_pad = torch.tensor(mem_pad) if lib == "torch" else mem_pad
        return m(*xs, tgt_mask=causal, tgt_key_padding_mask=pad,
                 memory_key_padding_mask=mem_pad, tgt_is_causal=True)

    arrays = [_r(N, L, D), _r(N, S, D)] if bf else [_r(L, N, D), _r(S, N, D)]
    compare(ours, ref, arrays, dtype, call=call)


@pytest.mark.parametrize("dtype", DTYPES)
def test_decoder_stack_and_full_transformer(dtype):
    torch.manual_seed(0)
    ref = _perturb(torch.nn.Transformer(D, NHEAD, 2, 2, FF, dropout=0.0, batch_first=True))
    ours = nn.Transformer(D, NHEAD, 2, 2, FF, dropout=0.0, batch_first=True)
    assert list(ours.state_dict()) == list(ref.state_dict())

    def call(m, xs, lib):
        mask = (torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=xs[0].dtype)
                if lib == "torch" else nn.Transformer.generate_square_subsequent_mask(L, dtype))
        _, pad = _masks(lib, dtype, S)
        return m(*xs, tgt_mask=mask, src_key_padding_mask=pad, memory_key_padding_mask=pad)

    compare(ours, ref, [_r(N, S, D), _r(N, L, D)], dtype, call=call)


def test_dropout_only_in_training_and_seeded():
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.3, batch_first=True)
    x = gg.randn(2, L, D)
    gg.manual_seed(5)
    a = layer(x).detach().numpy()
    gg.manual_seed(5)
    np.testing.assert_array_equal(layer(x).detach().numpy(), a)
    assert not np.allclose(layer(x).detach().numpy(), a)
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match="'relu', 'gelu' or a callable"):
        nn.TransformerEncoderLayer(D, NHEAD, activation="swish")
    with pytest.raises(ValueError, match="num_layers must be positive"):
        nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NHEAD), 0)
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, batch_first=True)
    with pytest.raises(gg.ShapeError, match="8 features"):
        layer(gg.randn(2, L, 6))


# ---------------------------------------------------------------- positional encoding
def test_sinusoidal_positional_encoding_closed_form():
    pe = F.sinusoidal_positional_encoding(7, 6, dtype="float64").numpy()
    for pos in range(7):
        for i in range(3):
            angle = pos / 10000 ** (2 * i / 6)
            assert pe[pos, 2 * i] == pytest.approx(math.sin(angle), abs=1e-12)
            assert pe[pos, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-12)
    assert F.sinusoidal_positional_encoding(3, 5).shape == (3, 5)  # odd d_model


def test_positional_encoding_module():
    enc = nn.PositionalEncoding(6, dropout=0.0, max_len=10, batch_first=True)
    assert "pe" not in enc.state_dict()
    x = gg.zeros(2, 4, 6)
    np.testing.assert_allclose(enc(x).numpy()[1],
                               F.sinusoidal_positional_encoding(4, 6).numpy())
    with pytest.raises(gg.ShapeError, match="max_len = 10"):
        enc(gg.zeros(2, 11, 6))

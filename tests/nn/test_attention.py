"""LayerNorm, scaled_dot_product_attention and MultiheadAttention against PyTorch 2.13: forward
and every gradient (inputs and parameters) in float64 (1e-10) and float32 (1e-5), with masks and
options; PyTorch's state dicts load into ours."""

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad import nn
from tests._torch import compare, import_torch

torch = import_torch()
TF = torch.nn.functional
DTYPES = ["float64", "float32"]
rng = np.random.default_rng(0)


def _r(*shape):
    return rng.standard_normal(shape)


# ---------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [
    {"normalized_shape": 6},
    {"normalized_shape": (3, 6), "eps": 1e-3},
    {"normalized_shape": 6, "elementwise_affine": False},
    {"normalized_shape": 6, "bias": False},
])
def test_layer_norm(kw, dtype):
    torch.manual_seed(0)
    ref = torch.nn.LayerNorm(**kw)
    with torch.no_grad():  # non-trivial γ, β
        for p in ref.parameters():
            p.add_(torch.randn(p.shape))
    compare(nn.LayerNorm(**kw), ref, [_r(2, 3, 6)], dtype)


def test_functional_layer_norm_and_errors():
    x, w, b = _r(4, 5), _r(5), _r(5)
    t = lambda a: gg.tensor(a, dtype="float64")  # noqa: E731
    got = F.layer_norm(t(x), (5,), t(w), t(b), 1e-4)
    want = TF.layer_norm(torch.tensor(x), (5,), torch.tensor(w), torch.tensor(b), 1e-4)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-10)
    with pytest.raises(gg.ShapeError, match="normalized_shape"):
        nn.LayerNorm(4)(gg.randn(2, 5))


@pytest.mark.parametrize("affine", [(True, True), (True, False), (False, False)])
def test_fused_layer_norm_matches_its_composition(affine):
    """The LayerNorm op (speed) and the composition it replaces: same values and gradients."""
    from glassgrad.nn.attention_functional import layer_norm_composed

    x = _r(3, 4, 6)
    w, b = (_r(4, 6) if on else None for on in affine)
    results = []
    for fn in (F.layer_norm, layer_norm_composed):
        ts = [gg.tensor(a, dtype="float64", requires_grad=True) if a is not None else None
              for a in (x, w, b)]
        out = fn(ts[0], (4, 6), ts[1], ts[2])
        (out * gg.tensor(_r(3, 4, 6) * 0 + np.arange(72).reshape(3, 4, 6))).sum().backward()
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in ts if t is not None])
    for a, c in zip(*results):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- scaled_dot_product_attention
def _sdpa_case(kind):
    L, S, E = 4, 5, 3
    bool_mask = rng.random((L, S)) > 0.3
    bool_mask[:, 0] = True  # every query sees at least one key
    return {
        "plain": ({}, {}),
        "bool_mask": ({"attn_mask": torch.tensor(bool_mask)}, {"attn_mask": gg.tensor(bool_mask)}),
        "float_mask": ({"attn_mask": torch.tensor(_r(L, S))}, "same"),
        "causal": ({"is_causal": True}, {"is_causal": True}),
        "scale": ({"scale": 0.3}, {"scale": 0.3}),
    }[kind], (L, S, E)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["plain", "bool_mask", "float_mask", "causal", "scale"])
def test_sdpa(kind, dtype):
    (t_kw, g_kw), (L, S, E) = _sdpa_case(kind)
    if kind == "causal":
        S = L
    if g_kw == "same":
        g_kw = {"attn_mask": t_kw["attn_mask"].numpy()}
    arrays = [_r(2, 3, L, E), _r(2, 3, S, E), _r(2, 3, S, 2)]
    tdt = getattr(torch, dtype)
    t_kw = {k: (v.to(tdt) if isinstance(v, torch.Tensor) and v.is_floating_point() else v)
            for k, v in t_kw.items()}

    def call(m, xs, lib):
        return (TF.scaled_dot_product_attention(*xs, **t_kw) if lib == "torch"
                else F.scaled_dot_product_attention(*xs, **g_kw))

    compare(nn.Module(), torch.nn.Module(), arrays, dtype, call=call)


def test_sdpa_gradcheck():
    q, k, v = (gg.tensor(_r(2, 3, 4), dtype="float64", requires_grad=True) for _ in range(3))
    mask = gg.tensor(_r(3, 3))
    assert gg.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask), [q, k, v])
    assert gg.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                        [q, k, v])


def test_sdpa_dropout_drops_whole_weights_and_rescales():
    # with V = I the output IS the (dropped) attention matrix: each entry 0 or p_ij / (1 − p)
    L = 64
    q, k = gg.tensor(_r(1, L, 8)), gg.tensor(_r(1, L, 8))
    eye = gg.tensor(np.eye(L)[None])
    probs = F.scaled_dot_product_attention(q, k, eye).numpy()
    gg.manual_seed(3)
    dropped = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.25).numpy()
    kept = dropped != 0
    np.testing.assert_allclose(dropped[kept], probs[kept] / 0.75, rtol=1e-5)
    assert 0.2 < 1 - kept.mean() < 0.3
    gg.manual_seed(3)
    again = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.25).numpy()
    np.testing.assert_array_equal(dropped, again)  # the seeded generator drives the mask


def test_sdpa_errors():
    q = gg.randn(2, 4, 3)
    with pytest.raises(gg.ShapeError, match="same last dim"):
        F.scaled_dot_product_attention(q, gg.randn(2, 4, 5), gg.randn(2, 4, 5))
    with pytest.raises(ValueError, match="not both"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((4, 4), bool), is_causal=True)


# ---------------------------------------------------------------- MultiheadAttention
E, H, N, L, S = 8, 2, 3, 4, 5


def _mha_masks(kind, tdt):
    pad = np.zeros((N, S), bool)
    pad[0, -2:] = pad[2, -1] = True
    causal = np.triu(np.ones((L, S), bool), 1)
    fmask = _r(L, S)
    per_head = _r(N * H, L, S)
    return {
        "none": {},
        "key_padding": {"key_padding_mask": pad},
        "key_padding_float": {"key_padding_mask": np.where(pad, -np.inf, 0.0)},
        "bool_attn": {"attn_mask": causal},
        "float_attn": {"attn_mask": fmask},
        "3d_attn_and_padding": {"attn_mask": per_head, "key_padding_mask": pad},
    }[kind]


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("masks", ["none", "key_padding", "key_padding_float", "bool_attn",
                                   "float_attn", "3d_attn_and_padding"])
@pytest.mark.parametrize("opts", [
    {"batch_first": True},
    {"batch_first": False, "average": False},
    {"batch_first": True, "bias": False, "need_weights": False},
    {"batch_first": True, "kdim": 3, "vdim": 6},
])
def test_multihead_attention(opts, masks, dtype):
    opts = dict(opts)
    average, need = opts.pop("average", True), opts.pop("need_weights", True)
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(E, H, **opts)
    ours = nn.MultiheadAttention(E, H, **opts)
    with torch.no_grad():  # non-zero biases
        for name, p in ref.named_parameters():
            if "bias" in name:
                p.add_(torch.randn(p.shape))
    m = _mha_masks(masks, getattr(torch, dtype))
    bf = opts.get("batch_first")
    shape = (lambda n, t, f: (n, t, f)) if bf else (lambda n, t, f: (t, n, f))
    arrays = [_r(*shape(N, L, E)), _r(*shape(N, S, opts.get("kdim", E))),
              _r(*shape(N, S, opts.get("vdim", E)))]

    def call(mod, xs, lib):
        if lib == "torch":
            kw = {k: torch.tensor(v, dtype=(torch.bool if v.dtype == bool else xs[0].dtype))
                  for k, v in m.items()}
        else:
            kw = {k: v if v.dtype == bool else v.astype(dtype) for k, v in m.items()}
        return mod(*xs, need_weights=need, average_attn_weights=average, **kw)

    out = compare(ours, ref, arrays, dtype, call=call)
    if need:
        assert out[1].shape == ((N, L, S) if average else (N, H, L, S))


@pytest.mark.parametrize("dtype", DTYPES)
def test_multihead_self_attention_unbatched_and_state_dict_names(dtype):
    torch.manual_seed(1)
    ref = torch.nn.MultiheadAttention(E, H, dropout=0.5)
    ours = nn.MultiheadAttention(E, H, dropout=0.5)
    assert list(ours.state_dict()) == list(ref.state_dict())
    ref.eval()
    ours.eval()  # dropout off in evaluation
    x = _r(L, E)
    compare(ours, ref, [x], dtype, call=lambda m, xs, lib: m(xs[0], xs[0], xs[0],
                                                            average_attn_weights=False))


def test_multihead_attention_init_and_errors():
    m = nn.MultiheadAttention(16, 4)
    bound = np.sqrt(6 / (16 + 48))
    w = m.in_proj_weight.detach().numpy()
    assert w.shape == (48, 16) and np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not m.in_proj_bias.detach().numpy().any()
    assert not m.out_proj.bias.detach().numpy().any()
    with pytest.raises(ValueError, match="multiple of num_heads"):
        nn.MultiheadAttention(10, 3)
    x = gg.randn(5, 2, 16)
    with pytest.raises(gg.ShapeError, match="key_padding_mask must be"):
        m(x, x, x, key_padding_mask=np.zeros((5, 2), bool))
    with pytest.raises(gg.ShapeError, match="attn_mask must be"):
        m(x, x, x, attn_mask=np.zeros((2, 5), bool))
    with pytest.raises(gg.ShapeError, match="16 features"):
        m(gg.randn(5, 2, 8), x, x)
    with pytest.raises(ValueError, match="is_causal"):
        m(x, x, x, is_causal=True)
    with pytest.raises(NotImplementedError, match="add_bias_kv"):
        nn.MultiheadAttention(16, 4, add_bias_kv=True)


def test_multihead_attention_dropout_in_training_only():
    m = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = gg.randn(2, 6, 8)
    out_a, w_a = m(x, x, x)
    out_b, w_b = m(x, x, x)
    assert not np.allclose(w_a.detach().numpy(), w_b.detach().numpy())
    m.eval()
    np.testing.assert_allclose(m(x, x, x)[1].detach().numpy().sum(-1), 1.0, rtol=1e-6)


def test_query_with_every_key_masked_gets_zero_weights_and_output():
    """PyTorch's scaled_dot_product_attention gives such a query output 0 (its MHA
    need_weights=True path gives NaN); glassgrad gives 0 on every path, and zero gradients."""
    q = _r(1, 3, 4)
    keep = np.ones((3, 3), bool)
    keep[1] = False  # query 1 may attend to nothing
    want = TF.scaled_dot_product_attention(*(torch.tensor(q),) * 3, attn_mask=torch.tensor(keep))
    x = gg.tensor(q, dtype="float64", requires_grad=True)
    got = F.scaled_dot_product_attention(x, x, x, attn_mask=keep)
    np.testing.assert_allclose(got.detach().numpy(), want.numpy(), atol=1e-12)
    assert not got.detach().numpy()[0, 1].any()
    got.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    pad = np.array([[True, True, True]])
    xs = gg.tensor(q)
    for need in (True, False):
        with gg.no_grad():
            mha.out_proj.bias.data[...] = 0.5  # the output is out_proj(0) = its bias
        out, w = mha(xs, xs, xs, key_padding_mask=pad, need_weights=need)
        np.testing.assert_allclose(out.detach().numpy(), 0.5)
        if need:
            assert not w.detach().numpy().any()

"""Property tests for the attention ops: LayerNorm (random shapes, normalized dims, affine or
not) and ScaledDotProductAttention (random batch, heads, lengths, features, masks with no
fully masked query), forward vs PyTorch 2.13 in float64 and gradients vs central differences."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import glassgrad.nn.functional as F
from glassgrad.ops.attention import ScaledDotProductAttention
from tests._torch import import_torch, to_torch
from tests.ops._props import SETTINGS, check, close, x64

torch = import_torch()


@SETTINGS
@given(lead=st.lists(st.integers(1, 3), min_size=1, max_size=2),
       feat=st.lists(st.integers(2, 4), min_size=1, max_size=2), affine=st.booleans(),
       eps=st.sampled_from([1e-5, 1e-3, 0.1]), seed=st.integers(0, 2**16))
def test_layer_norm_gradcheck(lead, feat, affine, eps, seed):
    rng = np.random.default_rng(seed)
    x = x64(rng, tuple(lead) + tuple(feat))
    params = [x64(rng, tuple(feat)), x64(rng, tuple(feat))] if affine else []

    def run(x, *wb):
        return F.layer_norm(x, tuple(feat), *wb, eps=eps)

    want = torch.nn.functional.layer_norm(to_torch(x), tuple(feat),
                                          *[to_torch(p) for p in params], eps=eps)
    close(run(x, *params), want.numpy(), tol=1e-10)
    check("layer_norm", run, [x, *params])


@SETTINGS
@given(b=st.integers(1, 2), h=st.integers(1, 2), L=st.integers(1, 4), S=st.integers(1, 4),
       d=st.integers(1, 3), dv=st.integers(1, 3), masked=st.booleans(),
       seed=st.integers(0, 2**16))
def test_scaled_dot_product_attention_gradcheck(b, h, L, S, d, dv, masked, seed):
    rng = np.random.default_rng(seed)
    q, k, v = x64(rng, (b, h, L, d)), x64(rng, (b, h, S, d)), x64(rng, (b, h, S, dv))
    keep = rng.random((L, S)) > 0.4
    keep[:, 0] = True  # every query sees a key
    mask = np.where(keep, 0.0, -np.inf) if masked else None
    scale = 1.0 / np.sqrt(d)

    def run(q, k, v):
        return ScaledDotProductAttention.apply(q, k, v, mask, scale=scale)

    want = torch.nn.functional.scaled_dot_product_attention(
        to_torch(q), to_torch(k), to_torch(v), attn_mask=torch.tensor(keep) if masked else None)
    close(run(q, k, v), want.numpy(), tol=1e-10)
    check("sdpa", run, [q, k, v])

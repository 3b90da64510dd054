"""Functional layer norm, attention and positional encoding (PyTorch's names and semantics).

Everything here is composed from the primitive ops (mean, sub, mul, matmul, permute, where,
log-softmax, exp, dropout), so each gradient comes from those ops and ``explain.graph`` shows
attention as the textbook writes it: softmax(QKᵀ/√d)V.

    import glassgrad.nn.functional as F
    F.layer_norm(x, (d,), weight, bias)
    F.scaled_dot_product_attention(q, k, v, is_causal=True)
    F.sinusoidal_positional_encoding(seq_len, d_model)
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import get_array_module
from ..errors import ShapeError
from ..functional import softmax
from ..ops import normalization as N
from ..tensor import Tensor


# ---------------------------------------------------------------- layer normalization
def layer_norm(x, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalize over the last ``len(normalized_shape)`` dims of each sample:
    y = (x − mean) / √(var + ε) · γ + β, with the biased (population) variance.

    Runs as one ``LayerNorm`` op (ops/normalization.py), the speed replacement of the
    composition ``layer_norm_composed``, which the op table checks it against.

    Shapes: x (..., *normalized_shape); weight and bias ``normalized_shape`` (or None).
    """
    shape = _normalized(x, normalized_shape, weight, bias)
    return N.LayerNorm.apply(x, weight, bias, ndim=len(shape), eps=eps)


def layer_norm_composed(x, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """``layer_norm`` composed from primitives: the reference the fused op replaces."""
    shape = _normalized(x, normalized_shape, weight, bias)
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    centered = x - x.mean(dim=dims, keepdim=True)
    var = (centered * centered).mean(dim=dims, keepdim=True)
    out = centered / (var + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _normalized(x, normalized_shape, weight, bias) -> tuple:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if len(shape) > x.ndim or tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ShapeError(f"layer_norm: normalized_shape {shape} must be the last dims of the "
                         f"input, got input shape {tuple(x.shape)}. Set normalized_shape to "
                         f"the feature dims, e.g. ({x.shape[-1] if x.ndim else 1},).")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise ShapeError(f"layer_norm: {name} must have shape normalized_shape {shape}, "
                             f"got {tuple(p.shape)}.")
    return shape


# ---------------------------------------------------------------- masks
def _array(m):
    return m.data if isinstance(m, Tensor) else m


def additive_mask(mask, dtype, masked_is_true: bool = True, what: str = "attn_mask"):
    """A mask as the array added to the attention scores: 0 where a position takes part and
    −∞ where it does not. Bool masks: True marks the positions LEFT OUT when
    ``masked_is_true`` (MultiheadAttention's convention), the positions KEPT otherwise
    (scaled_dot_product_attention's). Float masks are added as they are."""
    if mask is None:
        return None
    m = _array(mask)
    xp = get_array_module(m)
    m = xp.asarray(m)
    if m.dtype.kind == "b":
        out_ = m if masked_is_true else ~m
        return xp.where(out_, -np.inf, 0.0).astype(dtype)
    if m.dtype.kind != "f":
        raise TypeError(f"{what}: expected a bool or float mask, got dtype {m.dtype}. Use a "
                        "bool mask (True = masked) or a float mask added to the scores.")
    return m.astype(dtype, copy=False)


def causal_mask(L: int, S: int | None = None, dtype=np.float32):
    """The float mask of causal attention: 0 on and below the diagonal, −∞ above it (position
    i attends to positions ≤ i). As ``torch.nn.Transformer.generate_square_subsequent_mask``."""
    S = L if S is None else S
    return np.triu(np.full((L, S), -np.inf, dtype=dtype), 1)


def generate_square_subsequent_mask(sz: int, dtype=None) -> Tensor:
    """(sz, sz) float mask: 0 where j ≤ i, −∞ where j > i (hides the future)."""
    return Tensor(causal_mask(sz, dtype=dtype or np.float32))


# ---------------------------------------------------------------- attention
def attention(q, k, v, mask=None, dropout_p: float = 0.0, scale: float | None = None):
    """softmax(Q Kᵀ · scale + mask) V with the attention weights: ``(out, weights)``.

    ``mask`` is additive (an array broadcasting to the scores, −∞ = left out). Shapes:
    q (..., L, d), k (..., S, d), v (..., S, dv) -> out (..., L, dv), weights (..., L, S).
    The weights returned are those applied to V (after dropout, as PyTorch returns them).
    """
    from .functional import dropout

    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    mask, keep = masked_rows(mask)
    scores = (q @ k.transpose(-2, -1)) * scale  # QKᵀ/√d
    if mask is not None:
        scores = scores + mask
    weights = softmax(scores, -1)
    if keep is not None:  # queries that may attend to nothing: zero weights
        weights = weights * keep
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return weights @ v, weights


def masked_rows(mask):
    """``(mask, keep)``: a query whose keys are ALL left out would get 0/0 = NaN weights; there
    the mask is set to 0 (any finite softmax) and ``keep`` (1 per query, 0 for such rows)
    zeroes the weights afterwards, so such a query gets weights 0 and output 0 (as PyTorch's
    scaled_dot_product_attention). ``keep`` is None when every query sees some key."""
    if mask is None:
        return None, None
    xp = get_array_module(mask)
    dead = xp.isneginf(mask).all(axis=-1, keepdims=True)
    if not dead.any():
        return mask, None
    return xp.where(dead, 0.0, mask).astype(mask.dtype), (~dead).astype(mask.dtype)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None):
    """softmax(Q Kᵀ / √d + mask) V, as ``torch.nn.functional.scaled_dot_product_attention``.

    Args:
        query: (..., L, E); key: (..., S, E); value: (..., S, Ev).
        attn_mask: broadcasting to (..., L, S): bool (True = TAKES PART, as PyTorch's SDPA)
            or float (added to the scores).
        dropout_p: dropout on the attention weights (applied whenever > 0, as in PyTorch:
            pass 0.0 when evaluating).
        is_causal: position i attends to positions ≤ i (no attn_mask allowed with it).
        scale: defaults to 1/√E.

    Returns:
        (..., L, Ev).
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2:
            raise ShapeError(f"scaled_dot_product_attention: {name} must be a Tensor of at "
                             f"least 2 dims (..., seq, features), got "
                             f"{getattr(t, 'shape', type(t).__name__)}.")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"scaled_dot_product_attention: query {tuple(query.shape)}, key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)} do not fit: query "
                         "and key need the same last dim, key and value the same length.")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1], got "
                         f"{dropout_p}.")
    L, S = query.shape[-2], key.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal=True, "
                             "not both (fold the causal mask into attn_mask).")
        mask = causal_mask(L, S, query.dtype)
    else:
        mask = additive_mask(attn_mask, query.dtype, masked_is_true=False)
    return attention(query, key, value, mask, dropout_p, scale)[0]


# ---------------------------------------------------------------- positional encoding
def sinusoidal_positional_encoding(seq_len: int, d_model: int, dtype=None,
                                   base: float = 10000.0) -> Tensor:
    """The Transformer's sinusoidal position table, (seq_len, d_model):
    PE[pos, 2i] = sin(pos / base^(2i/d)), PE[pos, 2i+1] = cos(pos / base^(2i/d)).
    """
    if seq_len < 0 or d_model <= 0:
        raise ValueError(f"sinusoidal_positional_encoding: need seq_len >= 0 and d_model > 0, "
                         f"got {seq_len} and {d_model}.")
    pos = np.arange(seq_len, dtype=np.float64)[:, None]
    freq = base ** (-np.arange(0, d_model, 2, dtype=np.float64) / d_model)
    pe = np.zeros((seq_len, d_model))
    pe[:, 0::2] = np.sin(pos * freq)
    pe[:, 1::2] = np.cos(pos * freq[: d_model // 2])
    from ..creation import tensor

    return tensor(pe, dtype=dtype)

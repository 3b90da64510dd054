"""``MultiheadAttention`` and ``PositionalEncoding`` (PyTorch's names, parameters and masks).

Multi-head attention projects queries, keys and values, splits them into ``num_heads`` heads of
``embed_dim // num_heads`` features, runs softmax(QKᵀ/√d)V in each head, joins the heads and
projects them back. The parameter names are PyTorch's (``in_proj_weight``, ``in_proj_bias``,
``out_proj.weight``, ``out_proj.bias``), so a PyTorch state dict loads as it is.
"""

from __future__ import annotations

import math

import numpy as np

from ..creation import empty
from ..errors import ShapeError
from ..ops.attention import ScaledDotProductAttention as _SDPA
from ..tensor import Tensor
from . import init
from .attention_functional import (
    additive_mask,
    attention,
    masked_rows,
    sinusoidal_positional_encoding,
)
from .dropout import Dropout
from .inputs import check_dtype, layer_input
from .linear import Linear
from .module import Module
from .parameter import Parameter


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads over ``embed_dim`` features.

    Args:
        embed_dim: E, the query features (and the output's). num_heads: H, dividing E.
        dropout: dropout on the attention weights in training. bias: biases in the projections.
        kdim, vdim: key/value features (default E); when they differ from E the projections
            are ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` (as in PyTorch).
        batch_first: inputs (N, L, E) instead of PyTorch's default (L, N, E).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``: output like
    the query with E features; weights (N, L, S) averaged over heads, or (N, H, L, S) with
    ``average_attn_weights=False``, or None with ``need_weights=False``. Masks: bool True =
    LEFT OUT (−∞ added), or float (added to the scores); ``key_padding_mask`` (N, S);
    ``attn_mask`` (L, S) or (N·H, L, S). Unbatched inputs (L, E) work too.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be a positive "
                             f"multiple of num_heads ({num_heads}).")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are "
                                      "not supported; append the extra key/value positions "
                                      "to the key and value inputs yourself.")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim = embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.batch_first = batch_first
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, dtype=dtype))
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: Xavier-uniform projections, zero biases (out_proj.weight keeps Linear's)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _projections(self):
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            ws = (w[:E], w[E:2 * E], w[2 * E:])
        else:
            ws = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        b = self.in_proj_bias
        bs = (None,) * 3 if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        return ws, bs

    def _heads(self, x, w, b):
        """(N, L, features) -> projected and split into heads: (N, H, L, head_dim)."""
        from .functional import linear

        N, L = x.shape[0], x.shape[1]
        return linear(x, w, b).reshape(N, L, self.num_heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        # the input rule (nn/inputs.py) for key and value too: NumPy arrays and lists convert
        key, value = (t if isinstance(t, Tensor) else layer_input(self, t) for t in (key, value))
        unbatched = query.ndim == 2
        self._check(query, key, value, unbatched)
        for t in (query, key, value):  # the dtype rule (nn/inputs.py), as Linear's
            check_dtype(self, t, self.out_proj.weight)
        if unbatched:  # (L, E): a batch of one
            query, key, value = (t.unsqueeze(0) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = _array(key_padding_mask)[None]
        elif not self.batch_first:  # (L, N, E) -> (N, L, E)
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        N, L, S = query.shape[0], query.shape[1], key.shape[1]
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal=True is a hint that attn_mask is "
                             "causal; pass the mask too (nn.Transformer."
                             "generate_square_subsequent_mask(L)).")
        mask = self._mask(attn_mask, key_padding_mask, N, L, S, query.dtype)
        (wq, wk, wv), (bq, bk, bv) = self._projections()
        q, k, v = self._heads(query, wq, bq), self._heads(key, wk, bk), self._heads(value, wv, bv)
        p = self.dropout if self.training else 0.0
        if not need_weights and p == 0.0:  # the fused op: no weights asked for, none dropped
            weights = None
            mask, keep = masked_rows(mask)
            out = _SDPA.apply(q, k, v, mask, scale=1.0 / math.sqrt(self.head_dim))
            if keep is not None:  # queries that may attend to nothing: output 0
                out = out * keep
        else:
            out, weights = attention(q, k, v, mask, p)  # (N, H, L, head_dim), (N, H, L, S)
        out = self.out_proj(out.permute(0, 2, 1, 3).reshape(N, L, self.embed_dim))
        if not need_weights:
            weights = None
        if unbatched:
            out = out.reshape(L, self.embed_dim)
            weights = None if weights is None else weights.reshape(self.num_heads, L, S)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if weights is None:
            return out, None
        return out, weights.mean(dim=-3) if average_attn_weights else weights

    @property
    def _label(self) -> str:
        return f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})"

    def _check(self, query, key, value, unbatched: bool) -> None:
        nd = 2 if unbatched else 3
        for name, t, n in (("query", query, self.embed_dim), ("key", key, self.kdim),
                           ("value", value, self.vdim)):
            if not isinstance(t, Tensor) or t.ndim != nd or t.shape[-1] != n:
                layout = ("(L, E)" if unbatched else "(N, L, E)" if self.batch_first
                          else "(L, N, E)")
                raise ShapeError(
                    f"{self._label}: {name} must be a {nd}-D Tensor {layout} with {n} features "
                    f"in the last dim, got {getattr(t, 'shape', type(t).__name__)}.")
        b = 0 if self.batch_first else 1
        if not unbatched and not (query.shape[b] == key.shape[b] == value.shape[b]):
            raise ShapeError(f"{self._label}: query, key and value need the same batch size "
                             f"in dim {b}, got {tuple(query.shape)}, {tuple(key.shape)}, "
                             f"{tuple(value.shape)}.")
        if key.shape[:-1] != value.shape[:-1]:
            raise ShapeError(f"{self._label}: key {tuple(key.shape)} and value "
                             f"{tuple(value.shape)} need the same sequence length and batch.")

    def _mask(self, attn_mask, key_padding_mask, N, L, S, dtype):
        """attn_mask and key_padding_mask merged into one additive (N or 1, H or 1, L, S) mask."""
        mask = additive_mask(attn_mask, dtype, what="attn_mask")
        if mask is not None:
            if mask.shape == (L, S):
                mask = mask[None, None]
            elif mask.shape == (N * self.num_heads, L, S):
                mask = mask.reshape(N, self.num_heads, L, S)
            else:
                raise ShapeError(f"{self._label}: attn_mask must be (L, S) = {(L, S)} or "
                                 f"(N·H, L, S) = {(N * self.num_heads, L, S)}, got "
                                 f"{tuple(mask.shape)}.")
        pad = additive_mask(key_padding_mask, dtype, what="key_padding_mask")
        if pad is not None:
            if pad.shape != (N, S):
                raise ShapeError(f"{self._label}: key_padding_mask must be (N, S) = {(N, S)}, "
                                 f"got {tuple(pad.shape)}.")
            pad = pad[:, None, None, :]
            mask = pad if mask is None else mask + pad
        return mask

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"dropout={self.dropout}, batch_first={self.batch_first}")


def _array(m):
    return m.data if isinstance(m, Tensor) else np.asarray(m)


class PositionalEncoding(Module):
    """Adds the sinusoidal position table to a sequence, then dropout (the module of PyTorch's
    Transformer tutorial; the table is ``F.sinusoidal_positional_encoding``).

    Shapes: (L, N, d_model), or (N, L, d_model) with ``batch_first=True``; L ≤ ``max_len``.
    The table is a non-persistent buffer ``pe`` (max_len, d_model): not in the state dict.
    """

    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000,
                 batch_first: bool = False, dtype=None):
        super().__init__()
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.dropout = Dropout(dropout)
        self.register_buffer("pe", sinusoidal_positional_encoding(max_len, d_model, dtype),
                             persistent=False)

    def forward(self, x):
        t = 1 if self.batch_first else 0
        if x.ndim != 3 or x.shape[-1] != self.d_model or x.shape[t] > self.max_len:
            layout = "(N, L, d_model)" if self.batch_first else "(L, N, d_model)"
            raise ShapeError(f"PositionalEncoding(d_model={self.d_model}): expected {layout} "
                             f"with L ≤ max_len = {self.max_len}, got {tuple(x.shape)}.")
        pe = self.pe.data[: x.shape[t]].astype(x.dtype, copy=False)
        return self.dropout(x + (pe[None] if self.batch_first else pe[:, None]))

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}, batch_first={self.batch_first}"

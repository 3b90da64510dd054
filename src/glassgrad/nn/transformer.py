"""Transformer encoder and decoder layers and stacks (PyTorch's names, defaults and masks).

    layer = nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=512,
                                       batch_first=True)
    encoder = nn.TransformerEncoder(layer, num_layers=2)      # two independent copies
    h = encoder(x, mask=nn.Transformer.generate_square_subsequent_mask(L))

Post-norm (the original paper, PyTorch's default): x = norm(x + sublayer(x)); pre-norm
(``norm_first=True``): x = x + sublayer(norm(x)). The submodule names are PyTorch's
(``self_attn``, ``linear1``, ``norm1``, ...), so PyTorch state dicts load as they are.
"""

from __future__ import annotations

import copy

from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .attention_functional import generate_square_subsequent_mask
from .containers import ModuleList
from .dropout import Dropout
from .layernorm import LayerNorm
from .linear import Linear
from .module import Module


def _activation(activation):
    # NOTE: "relu"/"gelu" become modules (PyTorch stores bare functions): no parameters, so the
    # state dict is the same, and layer_stats/diagnose can see the feed-forward activations.
    if isinstance(activation, str):
        if activation not in ("relu", "gelu"):
            raise ValueError(f"Transformer layer: activation must be 'relu', 'gelu' or a "
                             f"callable, got {activation!r}.")
        return ReLU() if activation == "relu" else GELU()
    if not callable(activation):
        raise TypeError(f"Transformer layer: activation must be 'relu', 'gelu' or a callable, "
                        f"got {type(activation).__name__}.")
    return activation


class _Layer(Module):
    """What encoder and decoder layers share: the feed-forward block and the options."""

    def _common(self, d_model, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias, dtype, norms: int):
        if d_model <= 0 or dim_feedforward <= 0:
            raise ValueError(f"{type(self).__name__}: d_model and dim_feedforward must be "
                             f"positive, got {d_model} and {dim_feedforward}.")
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        for i in range(1, norms + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                dtype=dtype))
        for i in range(1, norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation)
        self.batch_first = batch_first

    def _ff_block(self, x, drop):
        """linear2(dropout(activation(linear1(x)))), then dropout."""
        return drop(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _residual(self, x, block, norm):
        if self.norm_first:
            return x + block(norm(x))
        return norm(x + block(x))


class TransformerEncoderLayer(_Layer):
    """Self-attention then a feed-forward block, each with a residual connection and LayerNorm.

    Args (PyTorch's): d_model, nhead, dim_feedforward=2048, dropout=0.1, activation ("relu",
    "gelu" or a callable), layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True.

    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``: src (L, N, E)
    or (N, L, E) with ``batch_first``, or unbatched (L, E); masks as ``MultiheadAttention``'s
    ``attn_mask`` and ``key_padding_mask``. Returns the same shape as src.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation="relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self._common(d_model, dim_feedforward, dropout, activation, layer_norm_eps,
                     batch_first, norm_first, bias, dtype, norms=2)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        def sa(x):
            return self.dropout1(self.self_attn(x, x, x, attn_mask=src_mask,
                                                key_padding_mask=src_key_padding_mask,
                                                need_weights=False, is_causal=is_causal)[0])

        x = self._residual(src, sa, self.norm1)
        return self._residual(x, lambda y: self._ff_block(y, self.dropout2), self.norm2)


class TransformerDecoderLayer(_Layer):
    """Masked self-attention, attention over the encoder's output (memory), then a
    feed-forward block; each with a residual connection and LayerNorm.

    Args as ``TransformerEncoderLayer``. ``forward(tgt, memory, tgt_mask=None,
    memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    tgt_is_causal=False, memory_is_causal=False)``: tgt (T, N, E), memory (S, N, E) (or batch
    first). Returns the shape of tgt.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation="relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self._common(d_model, dim_feedforward, dropout, activation, layer_norm_eps,
                     batch_first, norm_first, bias, dtype, norms=3)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False):
        def sa(x):
            return self.dropout1(self.self_attn(x, x, x, attn_mask=tgt_mask,
                                                key_padding_mask=tgt_key_padding_mask,
                                                need_weights=False, is_causal=tgt_is_causal)[0])

        def mha(x):
            return self.dropout2(self.multihead_attn(
                x, memory, memory, attn_mask=memory_mask,
                key_padding_mask=memory_key_padding_mask, need_weights=False,
                is_causal=memory_is_causal)[0])

        x = self._residual(tgt, sa, self.norm1)
        x = self._residual(x, mha, self.norm2)
        return self._residual(x, lambda y: self._ff_block(y, self.dropout3), self.norm3)


def _clones(layer: Module, n: int) -> ModuleList:
    if n <= 0:
        raise ValueError(f"num_layers must be positive, got {n}.")
    return ModuleList([copy.deepcopy(layer) for _ in range(n)])


class TransformerEncoder(Module):
    """``num_layers`` independent copies of ``encoder_layer`` (``layers.0``, ``layers.1``, ...)
    applied in turn, then ``norm`` if given (the final LayerNorm of pre-norm stacks).

    ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``; PyTorch's
    ``enable_nested_tensor`` and ``mask_check`` are accepted and have no effect.
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm=None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn over the same memory, then
    ``norm`` if given. ``forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=None,
    memory_is_causal=False)``."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm=None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder–decoder Transformer (PyTorch's ``nn.Transformer``; defaults d_model=512,
    nhead=8, 6 + 6 layers, dim_feedforward=2048, dropout=0.1), with a final LayerNorm after
    each stack. ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None)``.

    NOTE: parameters keep each layer's own initialization (PyTorch re-draws every matrix
    with Xavier-uniform); load a state dict for identical weights.
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", custom_encoder=None, custom_decoder=None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, dtype=None):
        super().__init__()
        kw = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                  layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                  norm_first=norm_first, bias=bias, dtype=dtype)
        self.encoder = custom_encoder if custom_encoder is not None else TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, **kw), num_encoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self.decoder = custom_decoder if custom_decoder is not None else TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, **kw), num_decoder_layers,
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal: bool = False):
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

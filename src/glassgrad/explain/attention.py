"""``attention_maps``: the attention weights of every head of every ``MultiheadAttention`` in a
model, recorded on one forward pass — the token × token maps of what attends to what.

    maps = explain.attention_maps(model, x)          # model(x), observed
    maps["encoder.layers.0.self_attn"]               # (N, heads, L, S) NumPy array
    print(maps)                                      # per head: entropy, strongest key
    glassgrad.viz.plot_attention(maps, layer=0, tokens=list("hello"))

The weights are the module's own: forward hooks make each attention module return its
per-head weights (``need_weights=True, average_attn_weights=False``, the composed path whose
nodes ``explain.graph`` shows) and hand the caller the output it asked for. Nothing is
recomputed by a second implementation.
"""

from __future__ import annotations

import inspect

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from .model_io import numpy
from .render import Renderable, Table


def _attention_modules(model):
    from ..nn.attention import MultiheadAttention

    found = [(n, m) for n, m in model.named_modules() if isinstance(m, MultiheadAttention)]
    if not found:
        raise TypeError(f"attention_maps: {type(model).__name__} contains no "
                        "nn.MultiheadAttention (nor a Transformer layer holding one).")
    return found


class AttentionMaps(Renderable):
    """Result of ``attention_maps``: ``maps`` (name -> (N, heads, L, S) array, in call order;
    a module called twice appears as ``name#2``), ``output`` (the model's output) and
    ``names``. Index by name or by position: ``maps[0]``, ``maps["layers.1.self_attn"]``."""

    def __init__(self, maps: dict, output, precision: int = 4):
        self.maps, self.output, self.precision = maps, output, precision

    @property
    def names(self) -> list[str]:
        return list(self.maps)

    def __getitem__(self, key) -> np.ndarray:
        return self.maps[self.names[key] if isinstance(key, int) else key]

    def __len__(self):
        return len(self.maps)

    def header(self, precision: int) -> str:
        return (f"Attention weights of {len(self)} attention module(s): each row (a query "
                "position) is a distribution over the key positions and sums to 1.")

    def tables(self, precision: int) -> list[Table]:
        rows = []
        for name, w in self.maps.items():
            p = np.clip(w, 1e-30, 1.0)
            entropy = -(w * np.log(p)).sum(-1)  # (N, H, L)
            for h in range(w.shape[1]):
                top = np.bincount(w[:, h].argmax(-1).reshape(-1), minlength=w.shape[-1])
                rows.append([name, h, f"{w.shape[2]}×{w.shape[3]}", float(entropy[:, h].mean()),
                             float(np.log(w.shape[-1])), float(w[:, h].max(-1).mean()),
                             int(top.argmax())])
        return [Table("Attention by head", ["module", "head", "queries×keys", "mean entropy",
                                            "uniform entropy", "mean max weight",
                                            "most attended key"], rows,
                      "Entropy of each query's weights in nats (0: all on one key; log S: "
                      "spread evenly), averaged over queries and the batch. Most attended key: "
                      "the key position that is most often a query's strongest.")]


def attention_maps(model, *inputs, precision: int = 4, **kwargs) -> AttentionMaps:
    """Run ``model(*inputs, **kwargs)`` once without gradients and record the attention
    weights of every head of every ``nn.MultiheadAttention`` inside it.

    Dropout on the attention weights is applied in training mode, and the recorded weights are
    then the dropped ones (PyTorch's convention): call ``model.eval()`` first for clean maps.

    Returns:
        AttentionMaps: name -> (N, heads, L, S) arrays (unbatched inputs give N = 1).
    """
    modules = _attention_modules(model)
    maps: dict = {}
    handles = []

    def pre(module, args, kw):
        bound = inspect.signature(module.forward).bind(*args, **kw)
        bound.apply_defaults()
        call = dict(bound.arguments)
        module.__dict__.setdefault("_explain_asked", []).append(
            (call["need_weights"], call["average_attn_weights"]))
        call.update(need_weights=True, average_attn_weights=False)
        return (), call

    def post(name):
        def hook(module, args, kw, out):
            need, average = module.__dict__["_explain_asked"].pop()
            w = out[1]
            arr = numpy(w).copy()
            key, i = name, 1
            while key in maps:
                i += 1
                key = f"{name}#{i}"
            maps[key] = arr if arr.ndim == 4 else arr[None]
            if not need:
                return out[0], None
            return out[0], (w.mean(dim=-3) if average else w)
        return hook

    try:
        for name, m in modules:
            handles.append(m.register_forward_pre_hook(pre, with_kwargs=True))
            handles.append(m.register_forward_hook(post(name), with_kwargs=True))
        with no_grad():
            out = model(*inputs, **kwargs)
    finally:
        for h in handles:
            h.remove()
        for _, m in modules:
            m.__dict__.pop("_explain_asked", None)
    if not maps:
        raise RuntimeError("attention_maps: the model ran but called none of its attention "
                           f"modules ({[n for n, _ in modules]}).")
    return AttentionMaps(maps, out if not isinstance(out, Tensor) else out.detach(), precision)

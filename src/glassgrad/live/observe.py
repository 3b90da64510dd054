"""What the live view draws, observed from one forward pass under ``no_grad``.

Layers are grouped exactly as ``explain.layer_stats`` groups them: every leaf module that owns
parameters (Linear, Conv, RNN/LSTM/GRU, BatchNorm, ...) is a layer, its output is z, and the
output of an elementwise activation module that follows it is a (a = z when none does).
Forward hooks record them; nothing is recomputed by a second implementation.

Pictures (neuron maps over the input plane, feature maps, filters, hidden states) travel as
8-bit images: ``{"shape", "lo", "hi", "q"}`` where ``q`` is base64 of uint8 values and a value
is ``lo + q / 255 · (hi − lo)``. Exact numbers travel as floats (trace tables, statistics).
"""

from __future__ import annotations

import base64

import numpy as np

from ..autograd import no_grad
from ..explain.activations import activation_kind
from ..explain.model_io import as_input, model_device, model_dtype, numpy
from ..tensor import Tensor

MAX_SHOWN = 24  # neurons (or channels) drawn per layer in the network diagram


class LayerOut:
    """One layer of one observed forward pass: ``name``, ``module``, ``type``, ``kind`` (the
    activation that follows it), ``z`` and ``a`` (NumPy arrays, batch first)."""

    def __init__(self, name, module, z):
        self.name, self.module, self.type = name, module, type(module).__name__
        self.recurrent = hasattr(module, "hidden_size")
        self.kind = "identity"
        if self.recurrent:
            self.kind = "relu" if getattr(module, "nonlinearity", "tanh") == "relu" else "tanh"
            if not getattr(module, "batch_first", False) and z.ndim == 3:
                z = np.swapaxes(z, 0, 1)  # (T, N, H) -> (N, T, H): batch first everywhere
        self.z, self.a = z, z

    @property
    def units(self) -> int:
        """Features (2-D outputs), channels (conv, axis 1) or hidden units (recurrent)."""
        if self.a.ndim == 2 or self.recurrent:
            return int(self.a.shape[-1])
        return int(self.a.shape[1]) if self.a.ndim > 2 else 1

    def unit_values(self, i: int) -> np.ndarray:
        """Sample ``i``'s value per unit (conv channels and time steps averaged)."""
        v = self.a[i]
        if v.ndim == 0:
            return v.reshape(1)
        if self.recurrent:
            return v[-1] if v.ndim == 2 else v
        return v.reshape(v.shape[0], -1).mean(axis=1) if v.ndim > 1 else v


def forward_outputs(model, x) -> list[LayerOut]:
    """Run ``model`` on ``x`` under ``no_grad`` and return each layer's z and a, call order.

    The caller decides the mode (``model.eval()`` for snapshots, so dropout draws no random
    numbers and batch norm keeps its running statistics)."""
    found: dict = {}
    order: list = []
    last = [None]
    handles = []

    def on_layer(name):
        def hook(module, inputs, out):
            z = out[0] if isinstance(out, tuple) else out
            if isinstance(z, Tensor) and name not in found:
                found[name] = LayerOut(name, module, numpy(z))
                order.append(name)
            last[0] = name
        return hook

    def on_act(module, inputs, out):
        rec = found.get(last[0])
        if rec is None or rec.recurrent or rec.a is not rec.z or not isinstance(out, Tensor):
            return
        rec.kind, rec.a = activation_kind(module), numpy(out)
        last[0] = None  # NOTE: one activation per layer, as layer_stats counts it

    try:
        for name, m in model.named_modules():
            if any(True for _ in m.children()):
                continue
            if any(True for _ in m.parameters(recurse=False)):
                handles.append(m.register_forward_hook(on_layer(name or type(m).__name__)))
            elif activation_kind(m) not in (None, "identity"):
                handles.append(m.register_forward_hook(on_act))
        with no_grad():
            out = model(as_input(x, model_dtype(model), model_device(model)))
    finally:
        for h in handles:
            h.remove()
    out = out[0] if isinstance(out, tuple) else out
    return [found[n] for n in order], numpy(out)


def image8(arr, symmetric: bool = False) -> dict:
    """``arr`` as an 8-bit picture (see the module docstring). ``symmetric``: the range is
    [−m, m] (m = max |value|), so 0 sits mid-scale (weights: sign visible)."""
    a = np.asarray(arr, dtype=np.float64)
    finite = np.isfinite(a)
    vals = a[finite]
    lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 0.0)
    if symmetric:
        m = max(abs(lo), abs(hi))
        lo, hi = -m, m
    span = hi - lo
    q = np.zeros(a.shape, np.uint8)
    if span > 0:
        q[finite] = np.rint((vals - lo) / span * 255).astype(np.uint8)
    out = {"shape": list(a.shape), "lo": lo, "hi": hi,
           "q": base64.b64encode(q.tobytes()).decode("ascii")}
    if not finite.all():
        out["nonfinite"] = int((~finite).sum())
    return out


def decode8(img: dict) -> np.ndarray:
    """The inverse of ``image8`` (to within one step of (hi − lo)/255)."""
    q = np.frombuffer(base64.b64decode(img["q"]), np.uint8).astype(np.float64)
    return (img["lo"] + q / 255.0 * (img["hi"] - img["lo"])).reshape(img["shape"])


def plane_grid(x, size: int) -> tuple[np.ndarray, list]:
    """A ``size``×``size`` grid over the 2-D inputs ``x`` (10% margin): the points, row-major
    from the top row (largest x2) down, and the extent [x1_min, x1_max, x2_min, x2_max]."""
    x = np.asarray(x, dtype=np.float64)
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = 0.1 * (hi - lo) + 1e-6
    lo, hi = lo - pad, hi + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], size), np.linspace(hi[1], lo[1], size))
    return np.c_[gx.ravel(), gy.ravel()], [float(lo[0]), float(hi[0]), float(lo[1]),
                                            float(hi[1])]


def edges(layer: LayerOut, in_units: int):
    """The weights from the previous column's units into ``layer``'s units, (out, in), or None.

    Linear: its weight matrix; after a Flatten of channels (in = channels·k), each channel's
    block of k weights summed; Conv: each kernel's weights summed. Returns (matrix, how)."""
    w = getattr(layer.module, "weight", None)
    if w is None or layer.recurrent:
        return None, None
    w = numpy(w)
    if w.ndim == 2:
        if w.shape[1] == in_units:
            return w, "w"
        if in_units and w.shape[1] % in_units == 0:
            k = w.shape[1] // in_units
            return w.reshape(w.shape[0], in_units, k).sum(axis=2), f"sum of {k} weights"
        return None, None
    if w.ndim >= 3 and w.shape[1] == in_units and getattr(layer.module, "groups", 1) == 1:
        k = int(np.prod(w.shape[2:]))
        return w.reshape(w.shape[0], w.shape[1], -1).sum(axis=2), f"sum of {k} kernel weights"
    return None, None


def _rounded(a: np.ndarray, digits: int | None) -> list:
    """A float array as a list, rounded to ``digits`` significant digits (vectorized)."""
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a)
    if digits:
        mag = np.floor(np.log10(np.abs(np.where(finite & (a != 0), a, 1.0))))
        scale = 10.0 ** (digits - 1 - mag)
        a = np.where(finite, np.round(a * scale) / scale, a)
    if finite.all():
        return a.tolist()
    return [_number(v, None) for v in a.tolist()] if a.ndim == 1 else [
        _rounded(row, None) for row in a]


def _number(v: float, digits):
    if v - v == 0:  # finite
        return float(f"{v:.{digits}g}") if digits else v
    return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")


def jsonable(obj, digits: int | None = None):
    """``obj`` with NumPy values as Python numbers and non-finite floats as the strings
    "NaN"/"Infinity"/"-Infinity" (JSON has no NaN). ``digits``: round floats to that many
    significant digits (pictures and statistics; exact tables pass None)."""
    t = type(obj)
    if t is float:
        return _number(obj, digits)
    if t is str or t is int or obj is None or t is bool:
        return obj
    if t is dict:
        return {str(k): jsonable(v, digits) for k, v in obj.items()}
    if t is list or t is tuple:
        return [jsonable(v, digits) for v in obj]
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "iub":
            return obj.tolist()
        return _rounded(obj, digits)
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _number(float(obj), digits)
    if isinstance(obj, dict):
        return {str(k): jsonable(v, digits) for k, v in obj.items()}
    return obj

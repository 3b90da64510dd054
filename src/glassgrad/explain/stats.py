"""``layer_stats``: per-layer distributions of weights, z, activations and δ, with the
fractions of saturated and dead units — the numbers behind "why does my network not train?".

Generic over modules: every module that owns parameters itself (Linear, Conv, RNN/LSTM/GRU,
BatchNorm, LayerNorm, MultiheadAttention with its in-projection, ...) is a layer; its output is
z (δ = ∂E/∂z via ``retain_grad``), and the output of an activation module that follows it is a.
Recurrent layers' outputs already went through their nonlinearity; they are summarised over
time (all steps pooled).
"""

from __future__ import annotations

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor
from .activations import activation_kind
from .losses import check_scalar, resolve_loss
from .model_io import as_input, model_device, model_dtype, numpy, saved_grads
from .render import Renderable, Table

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SATURATION = {"sigmoid": 0.0127, "tanh": 0.025}  # within this of a bound: σ' < 5% of its max
SATURATED_SHARE = 0.9  # a unit is saturated when ≥ 90% of its values are near a bound


def describe(values, bins: int = 30) -> dict | None:
    """mean, std, min, max, quantiles (5/25/50/75/95 %), rms and a histogram of ``values``."""
    if values is None:
        return None
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"n": 0, "mean": float("nan"), "std": float("nan"), "rms": float("nan"),
                "min": float("nan"), "max": float("nan"), "quantiles": {}, "hist": ([], [])}
    try:
        counts, edges = np.histogram(v, bins=bins)
    except ValueError:  # NOTE: a span numpy cannot bin (≈1e-16 wide, or overflowing)
        counts, edges = np.array([v.size]), np.array([v.min(), v.max()])
    q = np.quantile(v, QUANTILES)
    return {"n": int(v.size), "mean": float(v.mean()), "std": float(v.std()),
            "rms": float(np.sqrt(np.mean(v * v))), "min": float(v.min()), "max": float(v.max()),
            "quantiles": {f"{int(p * 100)}%": float(x) for p, x in zip(QUANTILES, q)},
            "hist": (counts.tolist(), edges.tolist())}


def per_unit(arr, recurrent: bool = False, channels_first: bool = True) -> np.ndarray:
    """(samples, units): units are the last axis of recurrent outputs and features of 2-D
    outputs, and channels (axis 1) of conv outputs (every position counts as a sample).
    ``channels_first=False``: units on the last axis at any rank (a Linear applied to
    (N, T, features))."""
    arr = np.asarray(arr)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    axis = -1 if (recurrent or arr.ndim == 2 or not channels_first) else 1
    return np.moveaxis(arr, axis, -1).reshape(-1, arr.shape[axis])


def _channels_first(module) -> bool:
    """Conv and BatchNorm layers keep their units (channels) on axis 1; the rest on the last."""
    return hasattr(module, "kernel_size") or hasattr(module, "num_features")


class LayerRecord:
    """One layer's observed arrays and their summaries.

    Arrays: ``weight`` (the module's ``weight`` or first parameter), ``z``, ``a``, ``delta``
    (∂E/∂z), ``grad_weight``. Summaries: ``stats[name]`` from ``describe``. Unit health:
    ``saturated`` and ``dead`` (fractions of units), ``unit_std`` (per unit, of a).
    """

    def __init__(self, name, module):
        self.name, self.module, self.type = name, module, type(module).__name__
        self.recurrent = hasattr(module, "hidden_size")
        self.kind = ("relu" if getattr(module, "nonlinearity", "tanh") == "relu" else "tanh") \
            if self.recurrent else "identity"
        self.channels_first = _channels_first(module)
        self.z = self.a = self.delta = self.weight = self.grad_weight = None
        self._z, self._a = [], []

    def per_unit(self, arr) -> np.ndarray:
        """``arr`` (one of this layer's z, a, δ) as (samples, units)."""
        return per_unit(arr, self.recurrent, self.channels_first)

    def finish(self) -> None:
        def cat(ts):
            arrays = [numpy(t) for t in ts]
            if len(arrays) == 1:
                return arrays[0]
            if len({a.shape[1:] for a in arrays}) == 1:  # a layer called several times
                return np.concatenate(arrays)
            # NOTE: calls of different shapes (sequence lengths) pool as (samples, units).
            return np.concatenate([self.per_unit(a) for a in arrays])
        if self._z:
            self.z = cat(self._z)
            grads = [t.grad for t in self._z]
            self.delta = None if any(g is None for g in grads) else cat(grads)
        self.a = cat(self._a) if self._a else self.z
        if self.recurrent and not self._a:
            self.a = self.z
        params = dict(self.module.named_parameters(recurse=False))
        ws = [p for n, p in params.items() if "weight" in n] or list(params.values())[:1]
        # NOTE: recurrent layers own several weight matrices; their values are pooled.
        self.weight = numpy(ws[0]).copy() if len(ws) == 1 else np.concatenate(
            [numpy(w).reshape(-1) for w in ws])
        gs = [w.grad for w in ws]
        self.grad_weight = None if any(g is None for g in gs) else (
            numpy(gs[0]).copy() if len(gs) == 1 else np.concatenate(
                [numpy(g).reshape(-1) for g in gs]))
        self._z = self._a = None
        self.stats = {k: describe(getattr(self, k)) for k in ("weight", "z", "a", "delta",
                                                               "grad_weight")}
        self._health()

    def _health(self) -> None:
        self.saturated = self.dead = 0.0
        self.unit_std = None
        if self.a is None:
            return
        units = self.per_unit(self.a)
        self.units = units.shape[1]
        self.unit_std = units.std(axis=0)
        if self.kind == "relu" or self.kind == "relu6":
            self.dead = float(np.mean(units.max(axis=0) <= 0))
        if self.kind in SATURATION:
            lo, hi = (0.0, 1.0) if self.kind == "sigmoid" else (-1.0, 1.0)
            eps = SATURATION[self.kind]
            near = (units < lo + eps) | (units > hi - eps)
            self.saturated = float(np.mean(near.mean(axis=0) >= SATURATED_SHARE))


class LayerStats(Renderable):
    """Result of ``layer_stats``: ``layers`` (LayerRecord, forward order) and the ``loss``."""

    def __init__(self, layers, loss_value, precision=4, samples: int | None = None):
        self.layers, self.loss, self.precision = layers, loss_value, precision
        self.samples = samples

    def __getitem__(self, i) -> LayerRecord:
        if isinstance(i, str):
            return next(L for L in self.layers if L.name == i)
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def records(self) -> list[dict]:
        """One dict per layer: name, type, activation, units, saturated, dead, and the
        summaries of weight, z, a, delta, grad_weight (``describe`` dicts)."""
        return [{"name": L.name, "type": L.type, "activation": L.kind,
                 "units": getattr(L, "units", None), "saturated": L.saturated, "dead": L.dead,
                 **{k: L.stats[k] for k in ("weight", "z", "a", "delta", "grad_weight")}}
                for L in self.layers]

    def header(self, precision: int) -> str:
        from .render import fmt

        n = f" on a batch of {self.samples}" if self.samples is not None else ""
        loss = (f"; loss E = {fmt(self.loss, precision)}" if self.loss is not None
                else " (forward only: no targets, so no δ or gradients)")
        return f"One forward and backward pass{n}{loss}."

    def tables(self, precision: int) -> list[Table]:
        rows = []
        for L in self.layers:
            label = f"{L.name} ({L.type}, {L.kind})"
            # NOTE: a recurrent layer's output h has already gone through its nonlinearity:
            # z would repeat a, and the gradient there is ∂E/∂h.
            keys = ((("weight", "w"), ("a", "h"), ("delta", "∂E/∂h")) if L.recurrent else
                    (("weight", "w"), ("z", "z"), ("a", "a"), ("delta", "δ")))
            for key, what in keys:
                s = L.stats[key]
                if s is None:
                    continue
                q = s["quantiles"]
                rows.append([label, what, s["mean"], s["std"], q.get("5%"), q.get("50%"),
                             q.get("95%")])
        dist = Table(
            "Distributions by layer", ["layer (type, activation)", "quantity", "mean", "std",
                                       "5%", "median", "95%"], rows,
            "w: the layer's weights (recurrent: all its weight matrices); z: its outputs "
            "(weighted sums) before the activation; a: after the activation that follows it "
            "(a = z when none does); δ = ∂E/∂z; h: a recurrent layer's hidden states (all time "
            "steps). Statistics over every value of the batch; 5%, median, 95% are quantiles.",
            scientific=True)
        health = Table(
            "Unit health", ["layer (type, activation)", "units", "saturated units",
                            "dead units", "rms of ∂E/∂w"],
            [[f"{L.name} ({L.type}, {L.kind})", getattr(L, "units", None), L.saturated,
              L.dead, None if L.stats["grad_weight"] is None else L.stats["grad_weight"]["rms"]]
             for L in self.layers],
            "Saturated and dead are fractions of the layer's units (0.25 = a quarter). "
            "Saturated: a sigmoid/tanh unit within ~1% of a bound (slope < 5% of its "
            "maximum) for at least 90% of the values; dead: a ReLU unit never active on the "
            "batch. Units are features, conv channels or hidden units.", scientific=True)
        return [dist, health]


def layer_stats(model, x, y=None, loss="mse", precision: int = 4) -> LayerStats:
    """Observe one forward (and, given ``y``, backward) pass and summarise every layer.

    Args:
        model: any Module. Layers are its leaf modules with parameters, in call order.
        x: a batch of inputs; y: targets (None: forward only, no δ or gradients).
        loss: name, loss module or callable, as in ``trace``.

    Returns:
        LayerStats. Weights and existing ``.grad`` are left as they were.
    """
    dtype, device = model_dtype(model), model_device(model)
    xt = as_input(x, dtype, device)
    records: dict = {}
    order: list = []
    last = [None]
    handles = []

    def on_layer(name):
        def hook(module, inputs, out):
            z = out[0] if isinstance(out, tuple) else out
            if not isinstance(z, Tensor):
                return
            if z.requires_grad:
                z.retain_grad()
            if name not in records:
                records[name] = LayerRecord(name, module)
                order.append(name)
            records[name]._z.append(z)
            last[0] = name
        return hook

    def on_act(module, inputs, out):
        name = last[0]
        if name is None or not isinstance(out, Tensor):
            return
        rec = records[name]
        if rec.recurrent or len(rec._a) >= len(rec._z):
            return  # an activation not directly after a layer
        rec.kind = activation_kind(module)
        rec._a.append(out)

    try:
        for name, m in model.named_modules():
            own = any(True for _ in m.parameters(recurse=False))
            # NOTE: a module with children is a layer only when it owns parameters itself
            # (MultiheadAttention: in_proj_weight, beside its out_proj child).
            if any(True for _ in m.children()) and not own:
                continue
            if own:
                handles.append(m.register_forward_hook(on_layer(name or type(m).__name__)))
            elif activation_kind(m) not in (None, "identity"):
                handles.append(m.register_forward_hook(on_act))
        with saved_grads(model), enable_grad():
            out = model(xt)
            out = out[0] if isinstance(out, tuple) else out
            E = None
            if y is not None:
                loss_fn, _ = resolve_loss(loss)
                E = loss_fn(out, as_input(y, dtype, device))
                check_scalar(E, "layer_stats")
                E.backward()
            for name in order:
                records[name].finish()
    finally:
        for h in handles:
            h.remove()
    return LayerStats([records[n] for n in order], None if E is None else float(numpy(E)),
                      precision, samples=xt.shape[0] if xt.ndim else None)

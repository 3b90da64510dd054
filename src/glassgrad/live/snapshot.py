"""Snapshots: what a model looks like now, on a fixed probe batch, as JSON for the browser.

    snap = Snapshotter(model, loss, x_probe, y_probe, sample=0)
    snap.meta()                  # the static part: layers, input kind, the probe points
    snap.take(epoch=3, step=60)  # the network now: weights, neuron maps, stats, trace, ...

Every number comes from the explain tools or from one observed forward pass: layer
statistics and the diagnosis from ``explain.diagnose`` (its ``layer_stats``), the per-neuron
tables from ``explain.trace`` on the chosen sample, neuron outputs from forward hooks
(``observe.forward_outputs``). The model is put in ``eval()`` mode for the snapshot (dropout
draws no random numbers, batch norm keeps its running statistics) and its ``.grad`` and mode
are restored, so training goes on exactly as without it.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

from ..errors import GlassgradError
from ..explain import diagnose, trace
from ..explain.losses import describe_loss, resolve_loss
from .observe import (
    MAX_SHOWN,
    decode8,  # noqa: F401  (re-exported for tests and users)
    edges,
    forward_outputs,
    image8,
    jsonable,
    numpy,
    plane_grid,
)

FORMAT = "glassgrad-live/1"
PROBE_SIZE = 256  # samples at most
PROBE_VALUES = 25_000  # input values at most (a probe of images stays cheap: 31 MNIST digits)


def auto_probe_size(sample_shape) -> int:
    """The default probe size: 256 samples, fewer for large samples (at most ~25,000 input
    values, at least 16 samples), so a snapshot costs a few training steps at most."""
    per = int(np.prod(sample_shape)) if len(sample_shape) else 1
    return int(min(PROBE_SIZE, max(16, PROBE_VALUES // max(per, 1))))


def probe_batch(data, size: int | None = None):
    """A fixed probe batch ``(x, y)`` from training data: ``size`` samples (default
    ``auto_probe_size``) evenly spaced through the dataset (so data sorted by class still gives
    every class), in dataset order, drawn without touching any random generator.

    ``data``: an ``(X, y)`` pair, a Dataset or a DataLoader over a Dataset."""
    from ..data.dataloader import default_collate

    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = numpy(data[0]) if hasattr(data[0], "data") else np.asarray(data[0]), data[1]
        y = numpy(y) if hasattr(y, "data") else np.asarray(y)
        size = size or auto_probe_size(x.shape[1:])
        idx = np.linspace(0, len(x) - 1, min(size, len(x))).round().astype(int)
        return x[idx], y[idx]
    ds = getattr(data, "dataset", data)
    if not (hasattr(ds, "__getitem__") and hasattr(ds, "__len__")):
        raise TypeError("live view: cannot take a probe batch from "
                        f"{type(data).__name__} (an iterator of batches); pass "
                        "probe=(x, y) to LiveView / SnapshotRecorder.")
    n = len(ds)
    if size is None:
        first = ds[0]
        size = auto_probe_size(np.shape(first[0] if isinstance(first, (tuple, list)) else first))
    # NOTE: a step of at least 1 keeps the rounded indices distinct (no np.unique needed)
    idx = np.linspace(0, n - 1, min(size, n)).round().astype(int)
    batch = default_collate([ds[int(i)] for i in idx])
    if not (isinstance(batch, tuple) and len(batch) >= 2):
        raise TypeError("live view: dataset samples must be (input, target) pairs; pass "
                        "probe=(x, y).")
    return np.asarray(batch[0]), np.asarray(batch[1])


def _align_targets(y, out, loss):
    """Targets as fit pairs them with outputs: ``(N,)`` meets a one-column output as ``(N, 1)``
    unless the loss takes class indices (fit's own rule, ``train.fit._align``)."""
    from ..train.compile import is_class_index_loss

    if out.ndim == 2 and out.shape[1] == 1 and y.ndim == 1 and not is_class_index_loss(loss):
        return y.reshape(-1, 1)
    return y


def _labels(y) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(len(y))


class Snapshotter:
    """Takes snapshots of ``model`` on the probe batch ``(x, y)`` with training's ``loss``.

    Args:
        model: any Module. loss: the training loss (module, name or callable).
        x, y: the probe batch (NumPy arrays, as the model takes them).
        sample: index into the probe of the sample the trace tables, feature maps and hidden
            states show (change it with ``set_sample``).
        grid: neuron maps over the input plane are grid × grid (2-D inputs only).
        history: the training ``History`` (curves and the diagnosis's history checks).
    """

    def __init__(self, model, loss, x, y, sample: int = 0, grid: int = 32, history=None):
        self.model, self.loss, self.grid, self.history = model, loss, int(grid), history
        self.x = np.asarray(x)
        self.sample = 0
        self.set_sample(sample)
        self.seq = 0
        self.loss_name = resolve_loss(loss)[1]
        layers, out = self._observe(self.x)
        self.y = _align_targets(np.asarray(y), out, loss)
        self._meta = self._build_meta(layers, out)

    # ------------------------------------------------------------------ helpers
    def set_sample(self, i: int) -> None:
        i = int(i)
        if not 0 <= i < len(self.x):
            raise ValueError(f"live view: sample {i} is outside the probe batch "
                             f"(0..{len(self.x) - 1}).")
        self.sample = i

    @contextlib.contextmanager
    def _eval(self):
        """The model in eval mode (dropout draws no random numbers, batch norm keeps its
        running statistics), its mode restored after."""
        was = getattr(self.model, "training", False)
        self.model.eval()
        try:
            yield
        finally:
            self.model.train(was)

    def _observe(self, x):
        with self._eval():
            return forward_outputs(self.model, x)

    @property
    def kind(self) -> str:
        return self._meta["input"]["kind"]

    def _input_kind(self, layers) -> str:
        if self.x.ndim == 2 and self.x.shape[1] == 2:
            return "plane"
        if self.x.ndim == 4:
            return "image"
        if self.x.ndim == 3 and any(L.recurrent for L in layers):
            return "sequence"
        return "vector"

    # ------------------------------------------------------------------ meta
    def _build_meta(self, layers, out) -> dict:
        kind = self._input_kind(layers)
        n_in = int(self.x.shape[1]) if self.x.ndim > 1 else 1
        if kind == "sequence":
            n_in = int(self.x.shape[-1])
        columns = [{"name": "input", "type": "input", "kind": "input", "units": n_in,
                    "shown": min(n_in, MAX_SHOWN)}]
        prev = n_in
        for L in layers:
            _, how = edges(L, prev)
            columns.append({"name": L.name, "type": L.type, "kind": L.kind, "units": L.units,
                            "shown": min(L.units, MAX_SHOWN), "edges": how,
                            "shape": list(L.a.shape[1:])})
            prev = L.units
        text, reduction = describe_loss(self.loss, self.loss_name)
        meta = {"format": FORMAT, "model": repr(self.model),
                "parameters": int(sum(p.data.size for p in self.model.parameters())),
                "input": {"kind": kind, "shape": list(self.x.shape[1:])},
                "columns": columns, "loss": text, "reduction": reduction,
                "output_units": int(out.reshape(len(out), -1).shape[1]),
                "probe": {"size": int(len(self.x)), "sample": self.sample},
                "labels": jsonable(_labels(self.y), 6)}
        try:
            with self._eval():
                trace(self.model, self.x[:1], self.y[:1], self.loss)
            meta["trace"] = None
        except (GlassgradError, TypeError, ValueError) as exc:
            meta["trace"] = str(exc)  # why this model has no per-neuron trace tables
        if kind == "plane":
            from ..train.compile import is_logits_loss

            _, extent = plane_grid(self.x, self.grid)
            meta["plane"] = {"extent": extent, "grid": self.grid,
                             "points": jsonable(self.x, 5),
                             "threshold": 0.0 if is_logits_loss(self.loss) else 0.5}
        return meta

    def meta(self) -> dict:
        return dict(self._meta, probe={"size": int(len(self.x)), "sample": self.sample})

    # ------------------------------------------------------------------ snapshot
    def take(self, epoch: float = 0, step: int = 0, logs=None) -> dict:
        """One snapshot: the network's weights and neuron values now, pictures for the input
        kind, layer statistics, diagnosis findings and the trace of the chosen sample."""
        t0 = time.perf_counter()
        i = self.sample
        layers, _ = self._observe(self.x)
        snap = {"seq": self.seq, "epoch": float(epoch), "step": int(step),
                "sample": i, "logs": jsonable(logs or {}), "columns": self._columns(layers)}
        self.seq += 1
        if self.kind == "plane":
            snap["maps"] = self._plane_maps()
        elif self.kind == "image":
            snap["image"] = image8(self.x[i])
            snap["features"] = [{"name": L.name, "img": image8(L.a[i])} for L in layers
                                if L.a.ndim == 4]
            convs = [L for L in layers if getattr(L.module, "weight", None) is not None
                     and L.module.weight.ndim == 4]
            if convs:
                w = numpy(convs[0].module.weight)
                snap["filters"] = {"name": convs[0].name, "img": image8(w, symmetric=True)}
        elif self.kind == "sequence":
            snap["hidden"] = [{"name": L.name, "img": image8(L.a[i])} for L in layers
                              if L.recurrent and L.a.ndim == 3]
        snap.update(self._explain())
        snap["cost_s"] = time.perf_counter() - t0
        return snap

    def _columns(self, layers) -> list:
        i = self.sample
        first = self.x[i].reshape(-1) if self.kind != "sequence" else self.x[i][-1]
        cols = [{"values": jsonable(first[:MAX_SHOWN], 6)}]
        prev = self._meta["columns"][0]["units"]
        for L, col in zip(layers, self._meta["columns"][1:]):
            w, _ = edges(L, prev)
            shown, prev_shown = col["shown"], min(prev, MAX_SHOWN)
            entry = {"values": jsonable(L.unit_values(i)[:shown], 6)}
            if w is not None:
                entry["edges"] = jsonable(w[:shown, :prev_shown], 4)
            b = getattr(L.module, "bias", None)
            if b is not None and not L.recurrent:
                entry["bias"] = jsonable(numpy(b).reshape(-1)[:shown], 6)
            cols.append(entry)
            prev = L.units
        return cols

    def _plane_maps(self) -> dict:
        pts, _ = plane_grid(self.x, self.grid)
        layers, out = self._observe(pts.astype(self.x.dtype))
        g = self.grid
        cols = [[image8(pts[:, k].reshape(g, g)) for k in range(2)]]
        for L in layers:
            a = L.a.reshape(len(pts), -1)
            cols.append([image8(a[:, j].reshape(g, g)) for j in range(min(a.shape[1],
                                                                           MAX_SHOWN))])
        out = out.reshape(len(pts), -1)
        decision = out[:, 0] if out.shape[1] == 1 else out.argmax(axis=1).astype(np.float64)
        return {"columns": cols, "decision": image8(decision.reshape(g, g))}

    def _explain(self) -> dict:
        """Layer statistics + findings (``explain.diagnose``) and the trace tables
        (``explain.trace``) of the chosen sample, in eval mode."""
        with self._eval():
            report = diagnose(self.model, (self.x, self.y), self.history, loss=self.loss)
            records = report.stats.records()
            for rec in records:  # histogram counts only: the bins span [min, max] evenly
                for key in ("weight", "z", "a", "delta", "grad_weight"):
                    if rec[key] is not None:
                        rec[key] = dict(rec[key], hist=rec[key]["hist"][0])
            out = {"stats": jsonable(records, 5),
                   "probe_loss": jsonable(report.stats.loss),
                   "findings": jsonable([dict(f) for f in report.findings], 6)}
            if self._meta["trace"] is None:
                i = self.sample
                t = trace(self.model, self.x[i:i + 1], self.y[i:i + 1], self.loss)
                out["trace"] = trace_tables(t)
        return out


def trace_tables(t) -> dict:
    """What the page's trace tables show, from an ``explain.trace`` result: its per-neuron
    records and, per layer, its weights and their gradients ∂E/∂w as matrices (out, in) with
    explain's neuron labels (``ids[layer]``; the bias comes from neuron "0")."""
    ids = [[t.neuron_id(0, k) for k in range(t.x.shape[1])]]
    layers = []
    for L in t.layers:
        ids.append([t.neuron_id(L.index, j) for j in range(L.units)])
        layers.append({"layer": L.index, "kind": L.kind, "w": L.weight, "dw": L.grad_weight,
                       "b": L.bias, "db": L.grad_bias})
    return jsonable({"loss": t.loss, "neurons": t.neuron_records(), "ids": ids,
                     "layers": layers})

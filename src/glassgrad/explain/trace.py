"""``trace``: the backprop worked example of a textbook, computed by the real framework.

For a Sequential of Linear layers and elementwise activations, one forward and one backward
pass are OBSERVED (forward hooks record each Linear's input and output z; ``retain_grad`` keeps
∂E/∂z and ∂E/∂a), and laid out per example and per neuron as a lecture does::

    z_j = Σ_k w_jk a_k (a_0 = 1 carries the bias),  a_j = f(z_j),  δ_j = ∂E/∂z_j,
    ∂E/∂w_jk = Σ_examples δ_j a_k,  w_jk ← w_jk − η ∂E/∂w_jk.
"""

from __future__ import annotations

import numpy as np

from ..autograd import enable_grad
from ..errors import GlassgradError
from .activations import activation_kind, derivative, linear_layers, observed_derivative
from .losses import check_scalar, describe_loss, output_activation_in_loss, resolve_loss
from .model_io import as_input, model_device, model_dtype, numpy, saved_grads
from .render import Renderable, Table, precision_note


class LayerTrace:
    """What one Linear layer (+ activation) computed. Arrays are (N, units) unless noted.

    Attributes: ``inputs`` a_k (N, in), ``z``, ``a``, ``da_dz``, ``dE_da``, ``delta``,
    ``weight`` (out, in), ``bias`` (out,) or None, ``grad_weight``, ``grad_bias``, ``kind``.
    """

    def __init__(self, index, kind):
        self.index, self.kind = index, kind
        self.inputs = self.z = self.a = self.da_dz = self.dE_da = self.delta = None
        self.weight = self.bias = self.grad_weight = self.grad_bias = None

    @property
    def units(self) -> int:
        return self.weight.shape[0]


def output_targets(y, units: int):
    """The target t of each example and output neuron, (N, units), when ``y`` gives it: values
    shaped like the output, one value per example for one output neuron, or class indices
    (one-hot). None when ``y`` is anything else (a custom loss's own format)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == units:
        return y.astype(np.float64)
    if y.ndim == 1 and units == 1:
        return y.reshape(-1, 1).astype(np.float64)
    if y.ndim == 1 and y.dtype.kind in "iu" and y.size and 0 <= y.min() and y.max() < units:
        return np.eye(units)[y]
    return None


class Trace(Renderable):
    """The result of ``trace``: ``layers`` (LayerTrace), ``x``, ``y``, ``loss`` E, ``lr``, and
    ``targets`` t of the output neurons (N, units) or None.

    Render with ``str()``, ``to_text/to_markdown/to_html(precision)``; get numbers with
    ``neuron_records()`` and ``weight_records()``.
    """

    def __init__(self, x, y, loss_value, layers, lr, numbering, precision, loss_name,
                 loss_text: str | None = None, reduction: str | None = None):
        self.x, self.y, self.loss, self.layers, self.lr = x, y, loss_value, layers, lr
        self.numbering, self.precision, self.loss_name = numbering, precision, loss_name
        self.loss_text, self.reduction = loss_text or loss_name, reduction
        self.targets = output_targets(y, layers[-1].units)
        if numbering not in ("global", "layer"):
            raise ValueError(f"trace: numbering must be 'global' or 'layer', got {numbering!r}.")

    # ------------------------------------------------------------ neuron numbering
    def neuron_id(self, layer: int, j: int) -> str:
        """Label of neuron j (0-based) of layer ``layer`` (0 = inputs, 1.. = Linear layers);
        j = -1 is the bias input a_0 = 1."""
        if j < 0:
            return "0"
        if self.numbering == "layer":
            return f"{layer}.{j + 1}"
        offset = self.x.shape[1] + sum(L.units for L in self.layers[:max(layer - 1, 0)])
        return str((offset if layer > 0 else 0) + j + 1)

    def weight_id(self, layer: int, j: int, k: int) -> str:
        """``w_{j,k}``: from neuron k (0 = bias) of the layer below into neuron j of ``layer``."""
        to = self.neuron_id(layer, j)
        frm = self.neuron_id(layer - 1, k - 1) if k > 0 else "0"
        if self.numbering == "layer":
            frm = frm.split(".")[-1]
            return f"w^{layer}_{{{to.split('.')[-1]},{frm}}}"
        return f"w_{{{to},{frm}}}"

    # ------------------------------------------------------------ records
    def neuron_records(self) -> list[dict]:
        """One dict per (example, neuron): example (1-based), layer, neuron, z, a, t (the target,
        output neurons only), da_dz, dE_da, delta (None where not defined: inputs have only a;
        softmax has no ∂a/∂z)."""
        out = []
        last = self.layers[-1].index
        for n in range(self.x.shape[0]):
            for k in range(self.x.shape[1]):
                out.append({"example": n + 1, "layer": 0, "neuron": self.neuron_id(0, k),
                            "z": None, "a": float(self.x[n, k]), "t": None, "da_dz": None,
                            "dE_da": None, "delta": None})
            for L in self.layers:
                t = self.targets if L.index == last else None
                for j in range(L.units):
                    def v(arr, n=n, j=j):
                        return None if arr is None else float(arr[n, j])
                    out.append({"example": n + 1, "layer": L.index,
                                "neuron": self.neuron_id(L.index, j), "z": v(L.z), "a": v(L.a),
                                "t": v(t), "da_dz": v(L.da_dz), "dE_da": v(L.dE_da),
                                "delta": v(L.delta)})
        return out

    def weight_records(self) -> list[dict]:
        """One dict per weight (bias = from neuron 0, a_0 = 1): layer, weight, to, from, w,
        per_example (δ_j·a_k for each example), dw (∂E/∂w from the real backward) and, given
        lr, w_new = w − lr·dw."""
        out = []
        for L in self.layers:
            N = L.inputs.shape[0]
            a_ext = np.concatenate([np.ones((N, 1), L.inputs.dtype), L.inputs], axis=1)
            for j in range(L.units):
                for k in range(a_ext.shape[1]):
                    if k == 0 and L.bias is None:
                        continue
                    w = float(L.bias[j]) if k == 0 else float(L.weight[j, k - 1])
                    g = L.grad_bias if k == 0 else L.grad_weight
                    dw = None if g is None else float(g[j] if k == 0 else g[j, k - 1])
                    rec = {"layer": L.index, "weight": self.weight_id(L.index, j, k),
                           "to": self.neuron_id(L.index, j),
                           "from": self.neuron_id(L.index - 1, k - 1) if k else "0",
                           "w": w, "per_example": [float(v) for v in L.delta[:, j] * a_ext[:, k]],
                           "dw": dw}
                    if self.lr is not None and dw is not None:
                        rec["w_new"] = w - self.lr * dw
                    out.append(rec)
        return out

    def records(self) -> dict:
        return {"neurons": self.neuron_records(), "weights": self.weight_records()}

    # ------------------------------------------------------------ tables
    def header(self, precision: int) -> str:
        from .render import fmt

        N = self.x.shape[0]
        how = {"sum": f"summed over the batch of {N}",
               "mean": f"averaged over the batch of {N} (reduction 'mean')"}.get(
            self.reduction, f"on a batch of {N}")
        lr = f" Learning rate η = {self.lr:g}." if self.lr is not None else ""
        order = "globally: inputs first" if self.numbering == "global" else "per layer"
        note = precision_note(precision, model=self.layers[0].weight.dtype, x=self.x.dtype,
                              y=self.y.dtype)
        return (f"Loss E = {fmt(self.loss, precision)}: {self.loss_text}, {how}.{lr} Neurons "
                f"numbered {order}; bias = weight from neuron 0 (a_0 = 1)."
                + (f"\n{note}" if note else ""))

    def tables(self, precision: int) -> list[Table]:
        cols = ["example", "neuron", "layer", "z", "a", "t", "∂a/∂z", "∂E/∂a", "δ = ∂E/∂z"]
        rows = [[r["example"], r["neuron"], r["layer"], r["z"], r["a"], r["t"], r["da_dz"],
                 r["dE_da"], r["delta"]] for r in self.neuron_records()]
        notes = []
        if any(L.kind in ("softmax", "softmax (in loss)") for L in self.layers):
            notes.append("softmax: ∂a/∂z is a Jacobian (no single number per neuron); with "
                         "cross-entropy δ = a − t.")
        neurons = Table("Forward and backward pass per example and neuron", cols, rows,
                        " ".join(notes))
        N = self.x.shape[0]
        wcols = ["weight", "w"] + [f"δ·a (ex {n + 1})" for n in range(N)] + ["Δw = ∂E/∂w"]
        if self.lr is not None:
            wcols.append("w − η·Δw")
        wrows = []
        for r in self.weight_records():
            row = [r["weight"], r["w"], *r["per_example"], r["dw"]]
            if self.lr is not None:
                row.append(r.get("w_new"))
            wrows.append(row)
        note = ("w_{j,k}: the weight into neuron j from neuron k (k = 0: the bias). "
                "δ·a (ex n) = δ_j·a_k on example n; Δw = ∂E/∂w is their sum over the batch")
        if self.reduction == "mean":
            note += (", and each δ already carries the 1/N (or 1/(N·outputs)) of the mean, "
                     "so Δw is the average gradient")
        weights = Table("Weights: per-example δ_j·a_k, batch gradient and update", wcols, wrows,
                        note + ".")
        return [neurons, weights]


def trace(model, x, y, loss="sse", lr: float | None = None, numbering: str = "global",
          precision: int = 4) -> Trace:
    """Observe one forward/backward pass of ``model`` on the batch ``(x, y)``.

    Args:
        model: ``nn.Sequential`` of ``Linear`` layers, each optionally followed by one
            elementwise activation (Sigmoid, Tanh, ReLU, Identity, Softmax, LeakyReLU, ...).
        x: inputs (N, n_inputs); y: targets as ``loss`` expects them.
        loss: a name ("sse" = ½Σ(t − a)², "mse", "cross_entropy", ...), a loss module or a
            callable ``(output, target) -> scalar``. With "cross_entropy" on a last Linear
            (logits), its output activation is the softmax inside the loss, and δ = p − t.
        lr: learning rate η; when given, the tables show the updated weights w − η·∂E/∂w.
        numbering: "global" (inputs 1..n, then hidden, then outputs) or "layer" ("2.1").
        precision: decimals shown by ``str()`` (``to_text(precision)`` overrides it). More
            decimals than the dtype carries (float32: about 7 digits) add a "Precision:" note.

    Returns:
        Trace. The model's weights and ``.grad`` are left as they were.
    """
    layers = linear_layers(model)
    loss_fn, loss_name = resolve_loss(loss)
    dtype, device = model_dtype(model), model_device(model)
    xt = as_input(x, dtype, device)
    yt = as_input(y, dtype, device)
    seen: dict = {}
    handles = []

    def on_linear(index):
        def hook(module, inputs, out):
            out.retain_grad()
            seen[("in", index)], seen[("z", index)] = inputs[0], out
        return hook

    def on_act(index):
        def hook(module, inputs, out):
            out.retain_grad()
            seen[("a", index)] = out
        return hook

    try:
        for i, (lin, act) in enumerate(layers, start=1):
            handles.append(lin.register_forward_hook(on_linear(i)))
            if act is not None:
                handles.append(act.register_forward_hook(on_act(i)))
        with saved_grads(model), enable_grad():
            out = model(xt)
            E = loss_fn(out, yt)
            check_scalar(E, "trace")
            E.backward()
            result = _collect(layers, seen, loss_name)
    finally:
        for h in handles:
            h.remove()
    text, reduction = describe_loss(loss, loss_name)
    return Trace(numpy(xt).copy(), numpy(yt).copy(), float(numpy(E)), result, lr, numbering,
                 precision, loss_name, text, reduction)


def _collect(layers, seen, loss_name) -> list[LayerTrace]:
    out = []
    for i, (lin, act) in enumerate(layers, start=1):
        if ("z", i) not in seen:
            raise GlassgradError(f"trace: layer {i} ({lin!r}) did not run in forward; is the "
                                 "model a plain Sequential?")
        last = i == len(layers)
        fused = output_activation_in_loss(loss_name) if last and act is None else None
        kind = activation_kind(act) if act is not None else (
            f"{fused} (in loss)" if fused else "identity")
        L = LayerTrace(i, kind)
        zt = seen[("z", i)]
        L.inputs, L.z = numpy(seen[("in", i)]).copy(), numpy(zt).copy()
        L.delta = None if zt.grad is None else numpy(zt.grad).copy()
        if act is not None:
            at = seen[("a", i)]
            L.a = numpy(at).copy()
            L.dE_da = None if at.grad is None else numpy(at.grad).copy()
            L.da_dz = derivative(kind, L.z, L.a, act)
            if L.da_dz is None and kind != "softmax":  # no formula here: the module's own
                L.da_dz = observed_derivative(act, zt)  # backward gives it (elementwise)
        elif fused == "softmax":
            e = np.exp(L.z - L.z.max(axis=1, keepdims=True))
            L.a = e / e.sum(axis=1, keepdims=True)
        elif fused == "sigmoid":
            L.a = 1.0 / (1.0 + np.exp(-L.z))
            L.da_dz = L.a * (1 - L.a)
        else:
            L.a, L.dE_da, L.da_dz = L.z, L.delta, np.ones_like(L.z)
        L.weight = numpy(lin.weight).copy()
        L.grad_weight = None if lin.weight.grad is None else numpy(lin.weight.grad).copy()
        if lin.bias is not None:
            L.bias = numpy(lin.bias).copy()
            L.grad_bias = None if lin.bias.grad is None else numpy(lin.bias.grad).copy()
        out.append(L)
    return out

"""``diagnose``: a plain-language health report of a model on data (and its training history).

Each finding says what is wrong, shows the numbers that say so, and suggests a remedy.
Checks: vanishing/exploding gradients (ratio of gradient RMS between the first and the last
layer), dead ReLUs, saturated sigmoid/tanh units, units that ignore the input (no variance
over the data), duplicate units (correlation ≈ 1), and from the history: divergence (a
non-finite or rising loss), a stalled loss, and overfitting (validation loss rising while
training falls).

What it judges is stated in ``Report.judged``: the model's CURRENT weights, which after early
stopping are the restored best epoch's, so overfitting is judged at that epoch. An output
layer's saturation is judged with the loss it feeds (a confident sigmoid before BCE is
healthy; before MSE its gradient vanishes). Gradient ratios are never formed from zeros: all
gradients 0 is reported as a stall. Remedies skip what the run already did (``context``).
Validated on a labelled set of healthy and sick runs (tests/explain/test_diagnose_labels.py).
"""

from __future__ import annotations

import math

import numpy as np

from .diagnose_history import history_findings, history_view, judged_weights
from .model_io import numpy
from .render import Renderable, Table
from .stats import layer_stats

SEVERITIES = ("info", "warning", "error")
VANISH, EXPLODE = 1e-2, 1e2  # first/last layer gradient-RMS ratio thresholds (warning)


class Finding(dict):
    """A record: kind, severity ("info" < "warning" < "error"), layer, message, evidence
    (dict of numbers), remedy. A dict, so it prints and serialises as one."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class Report(Renderable):
    """``findings`` (list of Finding, worst first); ``str()``/``to_markdown()`` render them."""

    def __init__(self, findings, stats=None, history_checked: bool = False,
                 judged: str = "the model's current weights"):
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        self.findings = sorted(findings, key=lambda f: -rank[f["severity"]])
        self.stats, self.history_checked, self.judged = stats, history_checked, judged

    @property
    def ok(self) -> bool:
        """No finding of severity warning or worse."""
        return not any(f["severity"] != "info" for f in self.findings)

    def of_kind(self, kind: str) -> list:
        return [f for f in self.findings if f["kind"] == kind]

    def header(self, precision: int) -> str:
        return self._verdict() + f" Judged: {self.judged}."

    def _verdict(self) -> str:
        if not self.findings:
            return ("Diagnosis: no problems found. Checked: vanishing or exploding gradients "
                    "across depth, dead ReLUs, saturated sigmoid/tanh units, units that ignore "
                    "the input or duplicate each other" + (
                        ", a diverging or stalled loss and overfitting (train/validation gap)."
                        if self.history_checked else "."))
        counts = {s: sum(f["severity"] == s for f in self.findings) for s in SEVERITIES}
        return "Diagnosis: " + ", ".join(f"{n} {s}" + ("s" if n != 1 else "")
                                         for s, n in reversed(counts.items()) if n) + "."

    def tables(self, precision: int) -> list[Table]:
        rows = [[f["severity"].upper(), f["kind"], f["layer"] or "—", f["message"],
                 "; ".join(f"{k} = {_num(v, precision)}" for k, v in f["evidence"].items()),
                 f["remedy"]] for f in self.findings]
        return [Table("Findings", ["severity", "kind", "layer", "what", "evidence", "remedy"],
                      rows)] if rows else []

    def to_text(self, precision: int | None = None) -> str:
        p = self.precision if precision is None else precision
        lines = [self.header(p)]
        for f in self.findings:
            where = f" [{f['layer']}]" if f["layer"] else ""
            ev = ", ".join(f"{k} = {_num(v, p)}" for k, v in f["evidence"].items())
            lines += [f"\n{f['severity'].upper()}: {f['kind']}{where}: {f['message']}",
                      f"  evidence: {ev}", f"  remedy: {f['remedy']}"]
        return "\n".join(lines)


def _num(v, p):
    if isinstance(v, (int, np.integer)) or isinstance(v, str):
        return str(v)
    v = float(v)
    return f"{v:.{p}g}" if math.isfinite(v) else str(v)


def _finding(kind, severity, layer, message, evidence, remedy) -> Finding:
    return Finding(kind=kind, severity=severity, layer=layer, message=message,
                   evidence=evidence, remedy=remedy)


def _batch(data, limit: int = 512):
    """(x, y) arrays from a pair, a Dataset or a DataLoader (at most ``limit`` samples)."""
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = data
        return numpy(x)[:limit], None if y is None else numpy(y)[:limit]
    if not hasattr(data, "__iter__") and hasattr(data, "__getitem__"):
        from ..data import DataLoader  # a Dataset: read it in batches, as fit does

        data = DataLoader(data, batch_size=limit)
    xs, ys, n = [], [], 0
    for batch in data if hasattr(data, "__iter__") else []:
        x, y = batch[0], batch[1]
        xs.append(numpy(x))
        ys.append(numpy(y))
        n += len(xs[-1])
        if n >= limit:
            break
    if not xs:
        raise TypeError("diagnose: data must be (x, y), a Dataset or a DataLoader of (x, y).")
    return np.concatenate(xs)[:limit], np.concatenate(ys)[:limit]


def _default_loss(model, y):
    if y is not None and np.asarray(y).dtype.kind in "iu":
        return "cross_entropy"
    return "mse"


def _loss_name(loss) -> str:
    return (loss if isinstance(loss, str) else type(loss).__name__).lower()


def _gradient_findings(layers) -> list:
    first, last = layers[0].stats["grad_weight"]["rms"], layers[-1].stats["grad_weight"]["rms"]
    ev = {"grad_rms_first": first, "grad_rms_last": last, "layers": len(layers)}
    if first == 0 and last == 0:  # NOTE: 0/0 is no ratio: nothing flows at all
        return [_finding(
            "stalled", "error", None, "every layer's weight gradient is exactly 0 on this "
            "data: no update can change the network (dead units or a flat loss).", ev,
            "Re-initialize (He/Xavier, small positive biases for ReLU), check that the loss "
            "depends on the outputs, and raise the learning rate only after that.")]
    if last == 0:
        return []
    ratio = first / last
    ev["ratio"] = ratio
    if ratio < VANISH:
        return [_finding(
            "vanishing_gradients", "error" if ratio < VANISH**2 else "warning",
            layers[0].name, f"the first layer's gradients are {ratio:.2g}× the last "
            "layer's: early layers barely learn.", ev,
            "Initialize for the activation (Xavier/Glorot for tanh/sigmoid, He/Kaiming for "
            "ReLU), prefer ReLU-family activations over sigmoid in hidden layers, add "
            "normalization, or use a shallower network.")]
    if ratio > EXPLODE:
        return [_finding(
            "exploding_gradients", "error" if ratio > EXPLODE**2 else "warning",
            layers[0].name, f"the first layer's gradients are {ratio:.3g}× the last "
            "layer's: updates to early layers blow up.", ev,
            "Use smaller initial weights (Xavier/He scaling), a lower learning rate, or "
            "gradient clipping (glassgrad.optim.clip_grad_norm_).")]
    return []


def _output_saturation(L, y, loss_name) -> list:
    """The output layer's saturation, judged with the loss it feeds: with (binary) cross
    entropy the gradient is p − y, so confident RIGHT outputs are healthy; only confidently
    wrong ones are a problem. Other losses (MSE) lose the σ' factor: a warning."""
    if L.saturated <= 0.1:
        return []
    if "bce" in loss_name and "logits" not in loss_name and L.kind == "sigmoid" and \
            y is not None:
        p = L.per_unit(L.a).astype(np.float64)
        t = np.asarray(y, dtype=np.float64).reshape(p.shape)
        wrong = float(np.mean((np.abs(p - t) > 0.5) & ((p < 0.0127) | (p > 1 - 0.0127))))
        if wrong <= 0.05:
            return []
        return [_finding(
            "saturated_output", "warning", L.name,
            f"{wrong:.0%} of the outputs are confidently wrong (a saturated sigmoid on the "
            "wrong side): BCE pushes them back slowly only if the learning rate allows.",
            {"confidently_wrong": wrong, "saturated_fraction": L.saturated},
            "Lower the learning rate, add weight decay, or check the labels.")]
    return [_finding(
        "saturated_units", "warning" if L.saturated > 0.25 else "info", L.name,
        f"{L.saturated:.0%} of the output {L.kind} units sit at their bounds and the "
        f"{loss_name} gradient keeps the factor σ' ≈ 0 there, so learning stops.",
        {"saturated_fraction": L.saturated, "units": getattr(L, "units", 0) or 0},
        "Use a cross-entropy loss with a sigmoid/softmax output (BCELoss, CrossEntropyLoss), "
        "or scale the targets and inputs.")]


def _model_findings(stats, y=None, loss_name: str = "") -> list:
    out = []
    layers = [L for L in stats.layers if L.grad_weight is not None]
    if len(layers) >= 2:
        out += _gradient_findings(layers)
    for i, L in enumerate(stats.layers):
        n = getattr(L, "units", 0) or 0
        if L.dead > 0.1:
            out.append(_finding(
                "dead_relu", "error" if L.dead >= 0.9 else "warning" if L.dead > 0.25 else "info",
                L.name,
                f"{L.dead:.0%} of the ReLU units never activate on the data (zero output and "
                "zero gradient: they cannot recover).",
                {"dead_fraction": L.dead, "units": n, "z_mean": L.stats["z"]["mean"]},
                "Use He initialization with zero or small positive biases, a lower learning "
                "rate, or LeakyReLU/ELU."))
        if i == len(stats.layers) - 1 and L.kind in ("sigmoid", "tanh"):
            out += _output_saturation(L, y, loss_name)
        elif L.saturated > 0.1:
            out.append(_finding(
                "saturated_units", "warning" if L.saturated > 0.25 else "info", L.name,
                f"{L.saturated:.0%} of the {L.kind} units sit at their bounds (derivative "
                "≈ 0), so gradients through them vanish.",
                {"saturated_fraction": L.saturated, "units": n,
                 "z_std": L.stats["z"]["std"]},
                "Scale the inputs (standardize), use Xavier initialization, a lower learning "
                "rate, or ReLU-family activations."))
        out += _unit_findings(L, n)
    return out


def _unit_findings(L, n) -> list:
    if L.a is None or L is None or n < 2 or L.unit_std is None:
        return []
    out = []
    units = L.per_unit(L.a).astype(np.float64)
    scale = max(float(np.abs(units).max()), 1e-12)
    const = L.unit_std < 1e-6 * scale + 1e-12
    alive = units.max(axis=0) > 0 if L.kind in ("relu", "relu6") else np.ones(n, bool)
    flat = const & alive
    if L.kind in ("sigmoid", "tanh") and L.saturated:
        flat = flat & ~(np.abs(units.mean(axis=0)) > 0.97)
    if flat.any():
        out.append(_finding(
            "constant_units", "warning" if flat.mean() > 0.25 else "info", L.name,
            f"{int(flat.sum())} of {n} units give the same output for every input: they "
            "ignore the input.", {"constant_units": int(flat.sum()), "units": n},
            "Check the inputs reach the layer (scaling, zero weights), re-initialize with "
            "random weights (not constants), and check for symmetric initialization."))
    rows = _unit_weights(L, n)
    if rows is not None:
        # NOTE: duplicates are judged on the units' incoming weights (and biases), the
        # symmetry that gradient descent can never break: correlated ACTIVATIONS alone are
        # normal (e.g. tanh units in their linear range on a 1-D input).
        diff = np.abs(rows[:, None, :] - rows[None, :, :]).max(axis=2)
        scale = np.abs(rows).max(axis=1)
        iu = np.triu_indices(n, k=1)
        tol = 1e-6 * np.maximum(scale[iu[0]], scale[iu[1]]) + 1e-12
        dup = (diff[iu] <= tol) & ~const[iu[0]]
        if dup.any():
            involved = len(set(iu[0][dup]) | set(iu[1][dup]))
            out.append(_finding(
                "duplicate_units", "warning" if involved > n / 2 else "info", L.name,
                f"{int(dup.sum())} pairs of units have identical weights and biases: they "
                "compute the same feature and receive the same updates forever.",
                {"pairs": int(dup.sum()), "units_involved": involved, "units": n},
                "Break the symmetry with random initialization (never equal weights)."))
    return out


def _unit_weights(L, n):
    """(units, fan_in + 1): each unit's incoming weights and bias, or None (recurrent and
    layers whose weight rows are not its units)."""
    w = getattr(L.module, "weight", None)
    if L.recurrent or w is None or w.ndim < 2 or w.shape[0] != n or n > 2048:
        return None
    rows = numpy(w).reshape(n, -1).astype(np.float64)
    b = getattr(L.module, "bias", None)
    return rows if b is None else np.concatenate([rows, numpy(b).reshape(n, 1)], axis=1)


def _history_like(h) -> bool:
    """A ``History``, its ``to_dict()`` or a dict of lists (not a loss, not targets)."""
    return isinstance(h, dict) or hasattr(h, "on_epoch_end") or hasattr(h, "history")


def diagnose(model, data, y=None, history=None, loss=None, context=None) -> Report:
    """Check a model on data (and its training history) for the usual training failures.

    Data is given as ``fit``/``evaluate`` take it: ``diagnose(model, X, y, history=h)``, or one
    ``(X, y)`` pair, Dataset or DataLoader: ``diagnose(model, loader, history=h)``.

    Args:
        model: a Module.
        data: inputs X (arrays/Tensors, with ``y``), or (x, y) / a Dataset / a DataLoader
            yielding (x, y); at most 512 samples are used.
        y: the targets of ``data`` when ``data`` is the inputs alone.
        history: a ``train.History``, its ``to_dict()`` (history.json), or a dict of lists
            ({"loss": [...], "val_loss": [...]}).
        loss: as in ``layer_stats``; default: cross-entropy for integer labels, else MSE.
        context: what the run already did, so remedies skip it: ``{"early_stopping",
            "restore_best_weights", "weight_decay", "dropout"}`` (bools; taken from a History
            and the model when not given).

    Returns:
        Report with ``.findings`` (kind, severity, layer, message, evidence, remedy), ``.ok``
        (no warning or error) and ``.judged`` (which weights were judged).
    """
    # NOTE: the earlier form diagnose(model, (x, y), history, loss) passed the history third
    # and the loss fourth; both still work.
    if y is not None and _history_like(y):
        if history is not None and not _history_like(history) and loss is None:
            loss, history = history, None
        if history is not None:
            raise TypeError("diagnose: history given twice (third argument and history=).")
        y, history = None, y
    elif y is None and history is not None and not _history_like(history) and loss is None:
        loss, history = history, None  # diagnose(model, (x, y), None, loss)
    if y is not None:
        if isinstance(data, tuple) and len(data) == 2:
            raise TypeError("diagnose: data is already an (X, y) pair; pass y only with X "
                            "alone: diagnose(model, X, y, history=...).")
        data = (data, y)
    x, y = _batch(data)
    loss = loss or _default_loss(model, y)
    stats = layer_stats(model, x, y, loss)
    lists, info, ctx = history_view(history, model)
    ctx.update(context or {})
    findings = _model_findings(stats, y, _loss_name(loss))
    if stats.loss is not None and not math.isfinite(stats.loss):
        findings.append(_finding(
            "diverging", "error", None, "the loss on the data is not finite.",
            {"loss": stats.loss}, "Lower the learning rate and check inputs for NaN/inf."))
    if history is not None:
        kinds = {f["kind"] for f in findings}
        findings += [f for f in history_findings(lists, info, ctx) if f["kind"] not in kinds]
    return Report(findings, stats, history_checked=history is not None,
                  judged=judged_weights(info, lists))

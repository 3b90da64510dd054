"""``diagnose``: a plain-language health report of a model on data (and its training history).

Each finding says what is wrong, shows the numbers that say so, and suggests a remedy.
Checks: vanishing/exploding gradients (ratio of gradient RMS between the first and the last
layer), dead ReLUs, saturated sigmoid/tanh units, units that ignore the input (no variance
over the data), duplicate units (correlation ≈ 1), and from the history: divergence (NaN or
rising loss), a stalled loss, and overfitting (validation loss rising while training falls).
"""

from __future__ import annotations

import math

import numpy as np

from ._common import numpy
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

    def __init__(self, findings, stats=None, history_checked: bool = False):
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        self.findings = sorted(findings, key=lambda f: -rank[f["severity"]])
        self.stats, self.history_checked = stats, history_checked

    @property
    def ok(self) -> bool:
        """No finding of severity warning or worse."""
        return not any(f["severity"] != "info" for f in self.findings)

    def of_kind(self, kind: str) -> list:
        return [f for f in self.findings if f["kind"] == kind]

    def header(self, precision: int) -> str:
        if not self.findings:
            return ("Diagnosis: no problems found. Checked: vanishing or exploding gradients "
                    "across depth, dead ReLUs, saturated sigmoid/tanh units, units that ignore "
                    "the input or duplicate each other" + (
                        ", a diverging or stalled loss and overfitting (train/validation gap)."
                        if self.history_checked else "."))
        counts = {s: sum(f["severity"] == s for f in self.findings) for s in SEVERITIES}
        return "Diagnosis: " + ", ".join(f"{n} {s}" + ("s" if n != 1 else "")
                                         for s, n in reversed(counts.items()) if n)

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


def _model_findings(stats) -> list:
    out = []
    layers = [L for L in stats.layers if L.grad_weight is not None]
    if len(layers) >= 2:
        first, last = layers[0].stats["grad_weight"]["rms"], layers[-1].stats["grad_weight"]["rms"]
        ratio = first / last if last > 0 else math.inf
        ev = {"grad_rms_first": first, "grad_rms_last": last, "ratio": ratio,
              "layers": len(layers)}
        if ratio < VANISH or first == 0:
            out.append(_finding(
                "vanishing_gradients", "error" if ratio < VANISH**2 else "warning",
                layers[0].name, f"the first layer's gradients are {ratio:.2g}× the last "
                "layer's: early layers barely learn.", ev,
                "Initialize for the activation (Xavier/Glorot for tanh/sigmoid, He/Kaiming for "
                "ReLU), prefer ReLU-family activations over sigmoid in hidden layers, add "
                "normalization, or use a shallower network."))
        elif ratio > EXPLODE:
            out.append(_finding(
                "exploding_gradients", "error" if ratio > EXPLODE**2 else "warning",
                layers[0].name, f"the first layer's gradients are {ratio:.3g}× the last "
                "layer's: updates to early layers blow up.", ev,
                "Use smaller initial weights (Xavier/He scaling), a lower learning rate, or "
                "gradient clipping (glassgrad.optim.clip_grad_norm_)."))
    for L in stats.layers:
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
        if L.saturated > 0.1:
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
    live = units[:, ~const]
    if live.shape[1] >= 2 and live.shape[0] >= 3:
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.nan_to_num(np.corrcoef(live, rowvar=False))
        iu = np.triu_indices_from(c, k=1)
        dup = np.abs(c[iu]) > 0.9999
        if dup.any():
            involved = len(set(iu[0][dup]) | set(iu[1][dup]))
            out.append(_finding(
                "duplicate_units", "warning" if involved > n / 2 else "info", L.name,
                f"{int(dup.sum())} pairs of units are perfectly correlated (|r| > 0.9999): "
                "they compute the same feature.",
                {"pairs": int(dup.sum()), "units_involved": involved, "units": n},
                "Break the symmetry with random initialization (never equal weights); "
                "dropout also discourages co-adapted duplicates."))
    return out


def _history_findings(history) -> list:
    h = getattr(history, "history", history)
    loss = [float(v) for v in h.get("loss", [])]
    out = []
    if not loss:
        return out
    bad = [i for i, v in enumerate(loss) if not math.isfinite(v)]
    if bad:
        out.append(_finding(
            "diverging", "error", None,
            f"the training loss became {loss[bad[0]]} at epoch {bad[0] + 1}: training diverged.",
            {"epoch": bad[0] + 1, "first_loss": loss[0]},
            "Lower the learning rate (÷10), clip gradients, check inputs for NaN and scale "
            "them; detect_anomaly() finds the op that produced the NaN."))
        return out
    if len(loss) >= 3 and (loss[-1] > 1.5 * loss[0] or max(loss) > 10 * loss[0]):
        out.append(_finding(
            "diverging", "error" if loss[-1] > 10 * loss[0] else "warning", None,
            "the training loss grows instead of falling: the learning rate is too large.",
            {"first_loss": loss[0], "last_loss": loss[-1], "max_loss": max(loss)},
            "Lower the learning rate (÷10), or use a scheduler/warm-up or Adam."))
        return out
    if len(loss) >= 5 and loss[0] > 1e-6 and (loss[0] - min(loss)) / abs(loss[0]) < 0.01:
        out.append(_finding(
            "stalled", "warning", None,
            f"the training loss barely moved in {len(loss)} epochs.",
            {"first_loss": loss[0], "best_loss": min(loss), "epochs": len(loss)},
            "Raise the learning rate, check the gradients reach the weights (vanishing?), "
            "or use an adaptive optimizer (Adam)."))
    val = [float(v) for v in h.get("val_loss", [])]
    if len(val) >= 5 and all(math.isfinite(v) for v in val):
        best = int(np.argmin(val))
        rise = (val[-1] - val[best]) / max(abs(val[best]), 1e-12)
        gap = (val[-1] - loss[-1]) / max(abs(loss[-1]), 1e-12)
        if best < len(val) - 2 and rise > 0.1 and loss[-1] <= loss[best] and gap > 0.1:
            out.append(_finding(
                "overfitting", "warning", None,
                f"validation loss was best at epoch {best + 1} and rose {rise:.0%} since, "
                "while the training loss kept falling.",
                {"best_epoch": best + 1, "best_val_loss": val[best], "val_loss": val[-1],
                 "train_loss": loss[-1], "gap": gap},
                "Use early stopping (EarlyStopping(restore_best_weights=True)), dropout, "
                "weight decay (AdamW), more data or a smaller model."))
    return out


def diagnose(model, data, y=None, history=None, loss=None) -> Report:
    """Check a model on data (and its training history) for the usual training failures.

    Data is given as ``fit``/``evaluate`` take it: ``diagnose(model, X, y, history=h)``, or one
    ``(X, y)`` pair, Dataset or DataLoader: ``diagnose(model, loader, history=h)``.

    Args:
        model: a Module.
        data: inputs X (arrays/Tensors, with ``y``), or (x, y) / a Dataset / a DataLoader
            yielding (x, y); at most 512 samples are used.
        y: the targets of ``data`` when ``data`` is the inputs alone.
        history: a ``train.History`` or a dict of lists ({"loss": [...], "val_loss": [...]}).
        loss: as in ``layer_stats``; default: cross-entropy for integer labels, else MSE.

    Returns:
        Report with ``.findings`` (kind, severity, layer, message, evidence, remedy) and
        ``.ok`` (no warning or error).
    """
    if isinstance(y, dict) or hasattr(y, "on_epoch_end"):
        # NOTE: the earlier form diagnose(model, (x, y), history) passed the history third.
        if history is not None:
            raise TypeError("diagnose: history given twice (third argument and history=).")
        y, history = None, y
    if y is not None:
        if isinstance(data, tuple) and len(data) == 2:
            raise TypeError("diagnose: data is already an (X, y) pair; pass y only with X "
                            "alone: diagnose(model, X, y, history=...).")
        data = (data, y)
    x, y = _batch(data)
    stats = layer_stats(model, x, y, loss or _default_loss(model, y))
    findings = _model_findings(stats)
    if stats.loss is not None and not math.isfinite(stats.loss):
        findings.append(_finding(
            "diverging", "error", None, "the loss on the data is not finite.",
            {"loss": stats.loss}, "Lower the learning rate and check inputs for NaN/inf."))
    if history is not None:
        findings += _history_findings(history)
    return Report(findings, stats, history_checked=history is not None)

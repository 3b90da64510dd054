"""The history half of ``diagnose``: divergence, stalls and overfitting from the per-epoch
record, judged at the epoch whose weights the model holds (the restored one after early
stopping), with remedies that skip what the run already did."""

from __future__ import annotations

import math

import numpy as np


def _finding(kind, severity, layer, message, evidence, remedy):
    from .diagnose import Finding

    return Finding(kind=kind, severity=severity, layer=layer, message=message,
                   evidence=evidence, remedy=remedy)


def _overfit_remedy(context: dict) -> str:
    steps = []
    if not context.get("early_stopping"):
        steps.append("use early stopping (EarlyStopping(restore_best_weights=True))")
    elif not context.get("restore_best_weights"):
        steps.append("let early stopping restore the best weights (restore_best_weights=True)")
    if not context.get("dropout"):
        steps.append("add dropout")
    if not context.get("weight_decay"):
        steps.append("add weight decay (AdamW)")
    steps.append("get more data or use a smaller model")
    text = "; ".join(steps)
    return text[0].upper() + text[1:] + "."


def history_findings(h: dict, info: dict, context: dict) -> list:
    loss = [float(v) for v in h.get("loss", [])]
    out = []
    status, reason = info.get("status"), info.get("stop_reason") or ""
    if status == "failed" or "non-finite loss" in reason:
        return [_finding(
            "diverging", "error", None, f"training stopped: {reason or 'a non-finite loss'}.",
            {"epochs_completed": len(loss)},
            "Lower the learning rate (÷10), clip gradients, check inputs for NaN and scale "
            "them; detect_anomaly() finds the op that produced the NaN.")]
    if not loss:
        return out
    epochs = list(info.get("epoch") or range(1, len(loss) + 1))
    bad = [i for i, v in enumerate(loss) if not math.isfinite(v)]
    if bad:
        out.append(_finding(
            "diverging", "error", None,
            f"the training loss became {loss[bad[0]]} at epoch {epochs[bad[0]]}: training "
            "diverged.", {"epoch": epochs[bad[0]], "first_loss": loss[0]},
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
    restored = info.get("restored_epoch")
    # NOTE: judge the epoch whose weights the model holds: the restored one, else the last
    j = epochs.index(restored) if restored in epochs else len(val) - 1
    if len(val) >= 5 and j < len(val) and all(math.isfinite(v) for v in val[:j + 1]):
        best = int(np.argmin(val[:j + 1]))
        rise = (val[j] - val[best]) / max(abs(val[best]), 1e-12)
        gap = (val[j] - loss[j]) / max(abs(loss[j]), 1e-12)
        if best < j - 1 and rise > 0.1 and loss[j] <= loss[best] and gap > 0.1:
            out.append(_finding(
                "overfitting", "warning", None,
                f"validation loss was best at epoch {epochs[best]} and rose {rise:.0%} by "
                f"epoch {epochs[j]} (the judged weights), while the training loss kept falling.",
                {"best_epoch": epochs[best], "best_val_loss": val[best],
                 "judged_epoch": epochs[j], "val_loss": val[j], "train_loss": loss[j],
                 "gap": gap}, _overfit_remedy(context)))
    return out


def history_view(history, model) -> tuple[dict, dict, dict]:
    """(lists, info, context) from a History, its ``to_dict()``/history.json, or a plain dict
    of lists."""
    from ..nn import Module

    context = {"dropout": isinstance(model, Module) and any(
        type(m).__name__.startswith("Dropout") for m in model.modules())}
    if history is None:
        return {}, {}, context
    if not isinstance(history, dict):
        info = {k: getattr(history, k, None) for k in ("epoch", "restored_epoch",
                                                        "stop_reason", "status")}
        params = getattr(history, "params", {}) or {}
        for cb in params.get("callbacks", []):
            if type(cb).__name__ == "EarlyStopping":
                context["early_stopping"] = True
                context["restore_best_weights"] = bool(cb.restore_best_weights)
        opt = params.get("optimizer")
        context["weight_decay"] = any(g.get("weight_decay", 0) for g in getattr(
            opt, "param_groups", [])) or type(opt).__name__ == "AdamW"
        return history.history, info, context
    if isinstance(history.get("history"), dict):
        return history["history"], {k: history.get(k) for k in (
            "epoch", "restored_epoch", "stop_reason", "status")}, context
    return history, {}, context


def judged_weights(info: dict, lists: dict) -> str:
    epochs = list(info.get("epoch") or [])
    n = epochs[-1] if epochs else len(lists.get("loss", []))
    if info.get("restored_epoch") is not None:
        return (f"the weights restored from epoch {info['restored_epoch']} (the best epoch; "
                f"training ran to epoch {n})")
    if n:
        return f"the weights after the last completed epoch, {n}"
    return "the model's current weights (no training history given)"

"""Export's last check: the written graph must compute what glassgrad's forward computes.

The trace sees tensors, not Python: a value the forward takes from the data outside the ops
(``x > 0`` used as a mask, ``.item()``, a branch on a value) is recorded as a constant, and the
exported graph would replay the example's value on every input. So the graph runs on the
example input AND on a second input with other values (and, with a symbolic batch, one more
example), and export refuses unless both agree with glassgrad's forward.
"""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from ._lib import ExportError
from .trace import flatten


def grow(x, axis):
    """``x`` with one more example along ``axis`` (a copy of the first)."""
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if data.ndim <= axis:
        raise ExportError(f"export: the input of shape {tuple(data.shape)} has no batch axis "
                          f"{axis}; pass batch_axis=..., or dynamic_batch=False.")
    return np.concatenate([data, np.take(data, [0], axis=axis)], axis=axis)


def _other(x, axis, seed):
    """Other values for a float input (integer inputs such as token ids stay as they are)."""
    data = grow(x, axis) if axis is not None else np.array(x.data)
    if data.dtype.kind != "f":
        return data
    rng = np.random.default_rng(seed)
    scale = float(np.abs(data).mean()) or 1.0
    # NOTE: random factors in (-1.5, 1.5) flip about half the signs (masks such as x > 0
    # change), the noise moves zeros too
    other = data * rng.uniform(-1.5, 1.5, data.shape) + 0.5 * scale * rng.standard_normal(
        data.shape)
    return other.astype(data.dtype)


def run(proto, feed):
    """The graph's outputs on ``feed``: onnxruntime where installed, else onnx.reference."""
    try:
        import onnxruntime as ort

        session = ort.InferenceSession(proto.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        return session.run(None, feed)
    except Exception:  # noqa: BLE001 - not installed, or an op/dtype it lacks: the reference
        from onnx.reference import ReferenceEvaluator

        return ReferenceEvaluator(proto).run(None, feed)


def check_outputs(proto, model, rec, axes) -> None:
    """Raise ExportError unless ``proto`` reproduces ``model`` on the example and on a second
    input (``axes``: each input's batch axis, None for a fixed batch)."""
    names = [i.name for i in proto.graph.input]
    example = [t.data for t in rec.inputs]
    other = [_other(x, None if axes is None else a, k)
             for k, (x, a) in enumerate(zip(rec.inputs, axes or [None] * len(example)))]
    with no_grad():
        want_other = [t.data for t in flatten(model(*[Tensor(x) for x in other]))]
    cases = [(example, [t.data for t in flatten(rec.output)], "the example input", (
        "Usually a layer was called with a tensor as a keyword argument (hooks see positional "
        "arguments only: pass it positionally).")),
        (other, want_other, "a second input with other values", (
            "The forward takes something from the input's values outside the ops (a "
            "comparison such as x > 0 used as a mask, .item(), a branch on a value): the "
            "graph would replay the example's. Write it with ops (relu, clamp, maximum)."))]
    for xs, wants, what, why in cases:
        try:
            outputs = run(proto, dict(zip(names, xs)))
        except Exception as err:  # noqa: BLE001 - any runtime failure is the message
            raise ExportError(f"export: the exported graph fails on {what} "
                              f"({type(err).__name__}: {str(err)[:300]}), so nothing was "
                              f"written. {why}") from None
        for info, got, want in zip(proto.graph.output, outputs, wants):
            want = np.asarray(want)
            if got.shape == want.shape and np.allclose(got, want, rtol=1e-3, atol=1e-4):
                continue
            diff = (f"shape {got.shape} instead of {want.shape}" if got.shape != want.shape
                    else f"max |difference| {float(np.abs(got - want).max()):.3g}")
            raise ExportError(f"export: the exported graph's output {info.name!r} differs from "
                              f"glassgrad's forward on {what} ({diff}), so nothing was written. "
                              f"{why}")

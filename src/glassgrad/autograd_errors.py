"""The backward engine's error messages: anomaly checks (NaN/Inf with the user's line that
created the op) and the shape/device errors of ``Function.apply``."""

from __future__ import annotations

import os
import traceback

from .backend import get_array_module
from .errors import AnomalyError, DeviceError, ShapeError

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_frame() -> str:
    """The innermost stack frame outside glassgrad: the user's line that created an op."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}: {frame.line}'
    return "<inside glassgrad>"


def _check_finite(fn, arrays, phase: str, input_shapes) -> None:
    for i, a in enumerate(arrays):
        if a is None or getattr(a, "dtype", None) is None or a.dtype.kind not in "fc":
            continue
        xp = get_array_module(a)
        if not bool(xp.isfinite(a).all()):
            what = "output" if phase == "forward" else f"gradient for input {i}"
            where = getattr(fn, "_created_at", "<unknown: forward ran outside detect_anomaly()>")
            raise AnomalyError(
                f"{type(fn).__name__} {phase} produced NaN/Inf in its {what} "
                f"(input shapes {input_shapes}).\n  created at {where}\n"
                "Look for log of 0, division by 0, overflow of exp, or a learning rate too large.")


def _shapes(arrays) -> list:
    return [tuple(getattr(a, "shape", ())) for a in arrays]


def _op_error(cls, arrays, params, err) -> Exception:
    from .backend import device_of

    devices = {device_of(a) for a in arrays if hasattr(a, "shape")}
    if len(devices) > 1:
        return DeviceError(
            f"{cls.__name__}: inputs are on different devices {sorted(devices)}. "
            "Move them to one device first with .to('cpu') or .to('cuda').")
    dtypes = [str(getattr(a, "dtype", type(a).__name__)) for a in arrays]
    hint = f"\n  fix: {cls.hint}" if cls.hint else ""
    args = ", ".join(f"{k}={_short(v)}" for k, v in params.items())
    return ShapeError(
        f"{cls.__name__}({args}): cannot apply to inputs of shapes {_shapes(arrays)} and dtypes "
        f"{dtypes}: {err}{hint}")


def _short(value, limit: int = 60) -> str:
    text = repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."

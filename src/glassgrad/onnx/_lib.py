"""The one place that imports ``onnx`` (lazily, with an install hint), and the ONNX errors."""

from __future__ import annotations

from ..errors import GlassgradError

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Softmax/LogSoftmax along one axis, Split/Squeeze/ReduceSum with axes as inputs


class ExportError(GlassgradError):
    """A model (or one op or layer of it) that ONNX cannot express at the requested opset."""


class LoadError(GlassgradError):
    """An ONNX model glassgrad cannot turn into modules (every unsupported op is listed)."""


def onnx():
    """The ``onnx`` module, or an ImportError saying how to install it."""
    try:
        import onnx as _onnx
    except ImportError as err:  # pragma: no cover - the message is the test
        raise ImportError("glassgrad.onnx needs the 'onnx' package: pip install "
                          "'glassgrad[onnx]' (or pip install onnx).") from err
    return _onnx

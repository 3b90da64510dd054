"""ONNX interchange: ``export`` a glassgrad model to an ``.onnx`` file, ``load`` one back.

    import glassgrad.onnx
    glassgrad.onnx.export(model, x[:1], "model.onnx")     # runs in onnxruntime, Netron ...
    net = glassgrad.onnx.load("model.onnx")              # a glassgrad nn.Module again

Needs the ``onnx`` package (``pip install 'glassgrad[onnx]'``), imported only when used.
See docs/howto/onnx.md for what maps to what.
"""

from ._lib import DEFAULT_OPSET, ExportError, LoadError  # noqa: F401


def export(model, example_input, path, opset: int = DEFAULT_OPSET, dynamic_batch: bool = True,
           **kwargs):
    """Write ``model`` to ``path`` as ONNX; see ``glassgrad.onnx.exporter.export``."""
    from .exporter import export as _export

    return _export(model, example_input, path, opset=opset, dynamic_batch=dynamic_batch,
                   **kwargs)


def load(path):
    """An ``nn.Module`` built from the ONNX model at ``path``; see ``onnx.loader.load``."""
    from .loader import load as _load

    return _load(path)

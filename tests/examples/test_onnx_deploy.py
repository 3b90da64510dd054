"""examples/onnx_deploy.py: the exported digits CNN scores in onnxruntime as in glassgrad, and
loads back as the same layers."""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def test_onnx_deploy_example(monkeypatch):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    monkeypatch.syspath_prepend(str(EXAMPLES))
    spec = importlib.util.spec_from_file_location("onnx_deploy", EXAMPLES / "onnx_deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scores, ours, loaded = module.main(epochs=1, verbose=False)
    np.testing.assert_allclose(scores, ours, rtol=0, atol=1e-4)
    assert [type(m).__name__ for m in loaded][:3] == ["Conv2d", "ReLU", "MaxPool2d"]
    sys.modules.pop("lenet_digits", None)

"""Shared checks for the ONNX tests: export, then run in onnxruntime and onnx.reference."""

import numpy as np
import pytest

import glassgrad as gg


@pytest.fixture
def check_export(tmp_path):
    """check_export(model, make, batches=(1, 3), atol=1e-5, **export_kwargs) -> ModelProto.

    ``make(B)`` returns the input batch (an array or a tuple of arrays) of batch size B. The
    model is exported once (on ``make(2)``), then run at every batch size in onnxruntime and in
    ``onnx.reference.ReferenceEvaluator``; every output must equal glassgrad's forward.
    """
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from onnx.reference import ReferenceEvaluator

    import glassgrad.onnx as gonnx

    def run(model, make, batches=(1, 3), atol=1e-5, reference=True, **kwargs):
        path = tmp_path / "model.onnx"
        proto = gonnx.export(model, make(2), path, **kwargs)
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        evaluator = ReferenceEvaluator(proto) if reference else None
        names = [i.name for i in session.get_inputs()]
        model.eval()
        for batch in batches:
            xs = make(batch)
            xs = xs if isinstance(xs, tuple) else (xs,)
            with gg.no_grad():
                want = model(*[gg.tensor(x) for x in xs])
            want = [w.data for w in _flat(want)]
            feed = dict(zip(names, xs))
            runs = [("onnxruntime", session.run(None, feed))]
            if evaluator is not None:
                runs.append(("reference", evaluator.run(None, feed)))
            for label, got in runs:
                assert len(got) == len(want), label
                for g, w in zip(got, want):
                    assert g.shape == w.shape, (label, batch, g.shape, w.shape)
                    np.testing.assert_allclose(g, w, rtol=0, atol=atol,
                                               err_msg=f"{label}, batch {batch}")
        return proto

    return run


def _flat(v):
    if isinstance(v, (tuple, list)):
        return [t for x in v for t in _flat(x)]
    return [v]

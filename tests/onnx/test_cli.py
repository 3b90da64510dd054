"""``glassgrad export RUN_DIR --onnx FILE`` on a real run folder."""

import numpy as np
import pytest

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def test_export_run_folder(tmp_path, capsys):
    from glassgrad.cli import main
    from glassgrad.explain.cli import _load_run

    run = tmp_path / "run"
    assert main(["train", "--out", str(run), "--epochs", "2", "--no-plots", "--verbose",
                 "0"]) == 0
    out = tmp_path / "model.onnx"
    assert main(["export", str(run), "--onnx", str(out)]) == 0
    assert "input ['batch', 2]" in capsys.readouterr().out
    model, (x, _), *_ = _load_run(str(run))
    model.eval()
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input": x[:5].astype(np.float32)})[0]
    np.testing.assert_allclose(got, model(x[:5]).data, rtol=0, atol=1e-5)
    # an existing file is kept unless --overwrite
    assert main(["export", str(run), "--onnx", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nope"), "--onnx", str(tmp_path / "x.onnx")]) == 2
    assert "not a run folder" in capsys.readouterr().err

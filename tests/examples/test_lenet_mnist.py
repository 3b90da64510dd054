"""examples/lenet_mnist.py runs on IDX files in a folder, and explains a missing folder."""

import pathlib
import runpy
import sys

import numpy as np
import pytest

from glassgrad.data import write_idx

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "lenet_mnist.py"


def _run(monkeypatch, *argv):
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), *argv])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(EXAMPLE), run_name="__main__")
    return exit_info.value.code


def test_trains_one_epoch_on_small_idx_files(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 128), ("t10k", 64)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = (rng.random((n, 28, 28)) * 50).astype(np.uint8)
        images[np.arange(n), 2 * labels + 3, 5:20] = 255   # a learnable stroke per class
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", images)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", labels)
    assert _run(monkeypatch, str(tmp_path), "--epochs", "1") == 0
    assert "epoch 1: loss" in capsys.readouterr().out


def test_missing_folder_exits_with_a_clear_message(tmp_path, monkeypatch, capsys):
    assert _run(monkeypatch, str(tmp_path / "nowhere")) == 2
    assert "cannot read MNIST" in capsys.readouterr().err

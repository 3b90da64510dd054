"""The dense autoencoder example learns: its reconstructions from a 2-number code beat the mean
image by far, and the 2-D code separates digits it never saw labels for."""

import importlib.util
import pathlib

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "autoencoder_digits.py"


def test_autoencoder_reconstructs_and_its_code_separates_digits(tmp_path):
    spec = importlib.util.spec_from_file_location("autoencoder_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mse, codes = module.main(epochs=20, out=tmp_path, verbose=False)
    from glassgrad import data

    X, labels = data.load_digits(images=False)
    baseline = float(((X - X.mean(0)) ** 2).mean())  # predicting the mean image: 0.073
    assert mse < 0.04 < 0.55 * baseline, mse
    # the digit of each code's nearest other code agrees well beyond chance (10%)
    d = ((codes[:, None] - codes[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert (labels[d.argmin(1)] == labels).mean() > 0.6
    assert (tmp_path / "code.png").stat().st_size and (tmp_path / "reconstructions.png").exists()

"""The 8×8 handwritten digits (1797 images, 10 classes), shipped with glassgrad: no download.

    from glassgrad.data.digits import load_digits
    X, y = load_digits()          # X (1797, 1, 8, 8) float32 in [0, 1], y (1797,) int64

Source and license: ``glassgrad/data/files/README.md`` (UCI optdigits test set, as packaged by
scikit-learn under BSD-3).
"""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

import numpy as np

from .dataset import TensorDataset

SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
_cache: dict = {}


def digits_path():
    """The shipped ``digits.csv.gz`` (a ``importlib.resources`` Traversable; ``str()`` for a path
    when installed as files)."""
    return resources.files("glassgrad.data").joinpath("files", "digits.csv.gz")


def _read() -> np.ndarray:
    if "table" not in _cache:
        raw = digits_path().read_bytes()
        if hashlib.sha256(raw).hexdigest() != SHA256:
            raise OSError(f"load_digits: {digits_path()} is corrupted (SHA-256 mismatch); "
                          "reinstall glassgrad.")
        text = gzip.decompress(raw).decode("ascii")
        _cache["table"] = np.loadtxt(text.splitlines(), delimiter=",", dtype=np.int64)
    return _cache["table"]


def load_digits(images: bool = True, normalize: bool = True, n_class: int = 10):
    """Load the 8×8 digits.

    Args:
        images: shape X as (N, 1, 8, 8) images for a CNN (True) or (N, 64) rows for an MLP.
        normalize: float32 pixels in [0, 1] (value / 16); False keeps the integer counts 0..16.
        n_class: keep only the digits 0..n_class−1 (as scikit-learn's ``load_digits``).

    Returns:
        ``(X, y)``: NumPy arrays, y int64 labels 0..9. Copies: safe to modify.
    """
    if not 1 <= n_class <= 10:
        raise ValueError(f"load_digits: n_class must be in 1..10, got {n_class}.")
    table = _read()
    keep = table[:, -1] < n_class
    x, y = table[keep, :-1], table[keep, -1].copy()
    x = x.astype(np.float32) / np.float32(16.0) if normalize else x.copy()
    return (x.reshape(-1, 1, 8, 8) if images else x), y


class Digits(TensorDataset):
    """The digits as a ``TensorDataset``: ``ds[i] == (image (1, 8, 8), label)``."""

    def __init__(self, images: bool = True, normalize: bool = True):
        x, y = load_digits(images, normalize)
        super().__init__(x, y)
        self.classes = [str(d) for d in range(10)]

"""Audit of data preparation: loaders vs torch, stratified rounding, train-only scaling."""

import math

import numpy as np
import pytest

from glassgrad.data import DataLoader, TensorDataset, train_test_split
from glassgrad.train.build import split_data
from tests._torch import torch


@pytest.mark.parametrize("n, bs, drop_last", [(10, 3, False), (10, 3, True), (10, 5, True),
                                              (7, 1, False), (7, 7, True), (9, 4, False)])
def test_loader_length_and_batch_sizes_match_torch(n, bs, drop_last):
    X = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.float32)
    ours = DataLoader(TensorDataset(X, y), batch_size=bs, drop_last=drop_last)
    ref = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(X),
                                                                     torch.tensor(y)),
                                      batch_size=bs, drop_last=drop_last)
    assert len(ours) == len(ref)
    got = [yb.numpy().tolist() for _, yb in ours]
    assert got == [yb.numpy().tolist() for _, yb in ref]


def test_stratified_split_rounds_each_class_to_floor_or_ceil_of_its_share():
    y = np.repeat([0, 1, 2], [7, 5, 3])
    X = np.arange(len(y))
    n_test = math.ceil(0.3 * len(y))            # scikit-learn: fractions round up -> 5
    _, X_te, _, y_te = train_test_split(X, y, test_size=0.3, stratify=y, seed=4)
    assert len(y_te) == n_test
    counts = np.bincount(y_te, minlength=3)
    for c, total in enumerate((7, 5, 3)):
        share = total * n_test / len(y)
        assert math.floor(share) <= counts[c] <= math.ceil(share), (c, counts)
    assert set(X_te.tolist()) <= set(X.tolist()) and len(set(X_te.tolist())) == n_test


@pytest.mark.parametrize("scale", ["standard", "minmax"])
def test_cli_scaling_is_fitted_on_the_training_part_only(scale):
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(200, 3)) * [1.0, 10.0, 0.1]
    y = (X[:, 0] > 3).astype(np.int64)
    cfg = {"test_size": 0.2, "validation_split": 0.25, "scale": "none"}
    raw = split_data(X, y, cfg, seed=5, classification=True)
    scaled = split_data(X, y, {**cfg, "scale": scale}, seed=5, classification=True)
    tr = raw["train"][0]
    if scale == "standard":   # scikit-learn StandardScaler: population std (ddof=0)
        mean = tr.sum(0) / len(tr)
        std = np.sqrt(((tr - mean) ** 2).sum(0) / len(tr))
        ref = {k: (v[0] - mean) / std for k, v in raw.items()}
    else:
        lo, hi = tr.min(0), tr.max(0)
        ref = {k: (v[0] - lo) / (hi - lo) for k, v in raw.items()}
    assert set(scaled) == {"train", "val", "test"}
    for k in scaled:
        np.testing.assert_allclose(scaled[k][0], ref[k], rtol=1e-5, atol=1e-5, err_msg=k)
        np.testing.assert_array_equal(scaled[k][1], raw[k][1])

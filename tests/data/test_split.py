"""Train/validation/test splits and k-fold indices."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import (
    kfold_indices,
    stratified_kfold_indices,
    train_test_split,
    train_val_test_split,
)
from glassgrad.errors import ShapeError


def _imbalanced():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(len(y) * 2, dtype=np.float32).reshape(-1, 2)
    return X, y


def test_train_test_split_sizes_disjoint_and_aligned():
    X, y = _imbalanced()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_te) == 25 and len(X_tr) == 75
    rows = np.concatenate([X_tr[:, 0], X_te[:, 0]]) // 2
    assert sorted(rows.astype(int).tolist()) == list(range(100))
    np.testing.assert_array_equal(y[(X_te[:, 0] // 2).astype(int)], y_te)  # rows stay paired
    again = train_test_split(X, y, test_size=0.25, seed=0)
    np.testing.assert_array_equal(again[1], X_te)
    assert len(train_test_split(X, y, test_size=10, seed=0)[1]) == 10
    assert len(train_test_split(X, test_size=0.01, seed=0)[1]) == 1  # fractions round up


def test_stratified_split_keeps_class_proportions():
    X, y = _imbalanced()
    _, _, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, seed=1)
    np.testing.assert_array_equal(np.bincount(y_te), [12, 6, 2])  # 20% of 60/30/10
    np.testing.assert_array_equal(np.bincount(y_tr), [48, 24, 8])


def test_three_way_stratified_split():
    X, y = _imbalanced()
    X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(
        X, y, val_size=0.2, test_size=0.1, stratify=y, seed=2)
    assert (len(y_tr), len(y_va), len(y_te)) == (70, 20, 10)
    np.testing.assert_array_equal(np.bincount(y_va, minlength=3), [12, 6, 2])
    np.testing.assert_array_equal(np.bincount(y_te, minlength=3), [6, 3, 1])
    np.testing.assert_array_equal(np.bincount(y_tr, minlength=3), [42, 21, 7])
    ids = np.concatenate([X_tr[:, 0], X_va[:, 0], X_te[:, 0]])
    assert len(np.unique(ids)) == 100


def test_split_accepts_tensors():
    X = gg.arange(20).reshape(10, 2)
    X_tr, X_te = train_test_split(X, test_size=3, seed=0)
    assert isinstance(X_tr, gg.Tensor) and X_te.shape == (3, 2)


def test_split_errors():
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="larger than the data"):
        train_test_split(X, y, test_size=101)
    with pytest.raises(ValueError, match="leaves no training samples"):
        train_val_test_split(X, y, val_size=60, test_size=40)
    with pytest.raises(ValueError, match="leaves no training samples"):
        train_val_test_split(X, y, val_size=0.5, test_size=0.5)
    with pytest.raises(ValueError, match="larger than the data"):
        train_val_test_split(X, y, val_size=500, test_size=0.1)
    with pytest.raises(ValueError, match=r"must be in \[0, 1\)"):
        train_test_split(X, y, test_size=1.5)
    with pytest.raises(ShapeError, match="array 0 has 100, array 1 has 99"):
        train_test_split(X, y[:-1])
    with pytest.raises(ValueError, match="class 1 has only 1 sample"):
        train_test_split(X[:61], np.array([0] * 60 + [1]), stratify=np.array([0] * 60 + [1]))


@pytest.mark.parametrize("n,k,shuffle", [(10, 3, False), (17, 5, True), (4, 4, True)])
def test_kfold_covers_every_index_once(n, k, shuffle):
    folds = kfold_indices(n, k, shuffle=shuffle, seed=0)
    assert len(folds) == k
    val = np.concatenate([v for _, v in folds])
    assert sorted(val.tolist()) == list(range(n))  # every index validated exactly once
    sizes = sorted(len(v) for _, v in folds)
    assert sizes[-1] - sizes[0] <= 1
    for train, v in folds:
        assert len(np.intersect1d(train, v)) == 0 and len(train) + len(v) == n


def test_kfold_unshuffled_matches_contiguous_blocks():
    folds = kfold_indices(7, 3)
    assert [v.tolist() for _, v in folds] == [[0, 1, 2], [3, 4], [5, 6]]


def test_stratified_kfold():
    _, y = _imbalanced()
    folds = stratified_kfold_indices(y, k=5, shuffle=True, seed=0)
    val = np.concatenate([v for _, v in folds])
    assert sorted(val.tolist()) == list(range(100))
    for _, v in folds:
        np.testing.assert_array_equal(np.bincount(y[v], minlength=3), [12, 6, 2])


def test_kfold_errors():
    with pytest.raises(ValueError, match="k must be an int >= 2"):
        kfold_indices(10, 1)
    with pytest.raises(ValueError, match="more than the 3 samples"):
        kfold_indices(3, 5)
    with pytest.warns(UserWarning, match="smallest class has 2"):
        stratified_kfold_indices(np.array([0] * 8 + [1] * 2), k=3)

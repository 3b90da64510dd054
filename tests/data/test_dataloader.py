"""Dataset, TensorDataset, Subset, random_split and DataLoader."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    random_split,
)
from glassgrad.errors import ShapeError


def _data(n=10):
    X = np.arange(n * 3, dtype=np.float64).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return X, y


class Squares(Dataset):
    """A plain map-style dataset (no fast path): sample i is (i, i^2) as a float pair."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i], dtype=np.float32), i * i


def _order(loader):
    return np.concatenate([yb.numpy() for _, yb in loader])


def test_tensor_dataset_items_and_dtypes():
    X, y = _data()
    ds = TensorDataset(X, gg.tensor(y))
    assert len(ds) == 10
    x3, y3 = ds[3]
    np.testing.assert_array_equal(x3, [9.0, 10.0, 11.0])
    assert y3 == 3
    assert ds.tensors[0].dtype == np.float32  # float64 NumPy -> default float once
    assert ds.tensors[1].dtype == np.int64


def test_tensor_dataset_length_mismatch_names_both_lengths():
    with pytest.raises(ShapeError, match=r"array 0 has 5.*array 1 has 4"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one array"):
        TensorDataset()


def test_full_batch_online_and_minibatch():
    X, y = _data(10)
    ds = TensorDataset(X, y)
    full = DataLoader(ds, batch_size=None)
    assert len(full) == 1
    (xb, yb), = list(full)
    assert isinstance(xb, gg.Tensor) and xb.shape == (10, 3) and xb.dtype == np.float32
    np.testing.assert_array_equal(yb.numpy(), y)
    assert len(DataLoader(ds, batch_size=10)) == 1

    online = list(DataLoader(ds, batch_size=1))
    assert len(online) == 10 and online[4][0].shape == (1, 3)

    mini = DataLoader(ds, batch_size=4)
    assert len(mini) == 3
    assert [b[0].shape[0] for b in mini] == [4, 4, 2]
    np.testing.assert_array_equal(_order(mini), y)  # no shuffle: the dataset's order


def test_drop_last():
    ds = TensorDataset(*_data(10))
    loader = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[0].shape[0] for b in loader] == [4, 4]
    with pytest.raises(ValueError, match="no batches"):
        DataLoader(ds, batch_size=11, drop_last=True)


def test_reshuffles_each_epoch_and_is_a_permutation():
    ds = TensorDataset(*_data(50))
    loader = DataLoader(ds, batch_size=8, shuffle=True, seed=123)
    first, second = _order(loader), _order(loader)
    assert sorted(first.tolist()) == list(range(50))
    assert sorted(second.tolist()) == list(range(50))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(50))


def test_same_seed_same_order_over_epochs():
    ds = TensorDataset(*_data(30))
    a = DataLoader(ds, batch_size=7, shuffle=True, seed=5)
    b = DataLoader(ds, batch_size=7, shuffle=True, seed=5)
    for _ in range(3):
        np.testing.assert_array_equal(_order(a), _order(b))
    # the loader's own generator reproduces numpy's permutation sequence from that seed
    rng = np.random.default_rng(5)
    c = DataLoader(ds, batch_size=7, shuffle=True, seed=5)
    for _ in range(2):
        np.testing.assert_array_equal(_order(c), rng.permutation(30))


def test_manual_seed_drives_shuffling_when_seed_is_none():
    ds = TensorDataset(*_data(30))
    gg.manual_seed(42)
    first = _order(DataLoader(ds, batch_size=5, shuffle=True))
    gg.manual_seed(42)
    again = _order(DataLoader(ds, batch_size=5, shuffle=True))
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, np.random.default_rng(42).permutation(30))


def test_generic_dataset_uses_collate():
    loader = DataLoader(Squares(5), batch_size=2)
    batches = list(loader)
    assert len(batches) == 3
    xb, yb = batches[1]
    np.testing.assert_array_equal(xb.numpy(), [[2.0], [3.0]])
    np.testing.assert_array_equal(yb.numpy(), [4, 9])
    assert yb.dtype == np.int64


def test_custom_collate_fn():
    def collate(samples):
        xs = np.stack([s[0] for s in samples])
        return xs * 10, np.array([s[1] for s in samples])

    ds = TensorDataset(*_data(4))
    xb, yb = next(iter(DataLoader(ds, batch_size=2, collate_fn=collate)))
    np.testing.assert_array_equal(xb.numpy()[0], [0.0, 10.0, 20.0])
    np.testing.assert_array_equal(yb.numpy(), [0, 1])


def test_fast_path_matches_per_sample_path():
    X, y = _data(13)
    ds = TensorDataset(X, y)
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, seed=3))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, seed=3, collate_fn=lambda s: (
        np.stack([a for a, _ in s]), np.stack([b for _, b in s]))))
    for (xf, yf), (xs, ys) in zip(fast, slow):
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())


def test_loader_device(device):
    ds = TensorDataset(*_data(6))
    xb, yb = next(iter(DataLoader(ds, batch_size=3, device=device)))
    assert xb.device == device and yb.device == device


def test_loader_bad_arguments():
    ds = TensorDataset(*_data(4))
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size must be a positive int"):
            DataLoader(ds, batch_size=bad)
    with pytest.raises(gg.DeviceError, match="unknown device"):
        DataLoader(ds, device="tpu")
    with pytest.raises(ValueError, match="empty"):
        DataLoader(TensorDataset(np.zeros((0, 2))))


def test_random_split_lengths_fractions_and_seed():
    ds = TensorDataset(*_data(10))
    a, b = random_split(ds, [7, 3], seed=0)
    assert len(a) == 7 and len(b) == 3
    assert sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(10))
    c, d = random_split(ds, [7, 3], seed=0)
    np.testing.assert_array_equal(a.indices, c.indices)
    parts = random_split(ds, [0.5, 0.3, 0.2], seed=1)
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(TensorDataset(*_data(11)), [0.5, 0.5], seed=1)
    assert [len(p) for p in parts] == [6, 5]  # remainder to the first part
    with pytest.raises(ValueError, match="sum to 9"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="must sum to 1"):
        random_split(ds, [0.5, 0.2])


def test_subset_of_tensor_dataset_uses_batch_indexing():
    X, y = _data(10)
    sub = Subset(TensorDataset(X, y), [9, 2, 5])
    assert sub[0][1] == 9
    (xb, yb), = list(DataLoader(sub, batch_size=None))
    np.testing.assert_array_equal(yb.numpy(), [9, 2, 5])
    np.testing.assert_array_equal(xb.numpy()[1], X[2])
    with pytest.raises(IndexError, match="out of range"):
        Subset(TensorDataset(X, y), [10])


def test_concat_dataset():
    cat = TensorDataset(*_data(3)) + TensorDataset(*_data(2))
    assert isinstance(cat, ConcatDataset) and len(cat) == 5
    assert cat[3][1] == 0 and cat[-1][1] == 1
    assert [int(b[1].item()) for b in DataLoader(cat)] == [0, 1, 2, 0, 1]

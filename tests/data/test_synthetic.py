"""Generated toy datasets: shapes, dtypes, the defining formulas, seeding and errors."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import (
    GATES,
    logic_gate,
    make_adding_problem,
    make_blobs,
    make_circles,
    make_copy_task,
    make_memory_task,
    make_moons,
    make_sine,
    make_sine_windows,
    make_spirals,
    make_xor,
)


def test_moons_noise_free_lie_on_the_two_arcs():
    X, y = make_moons(101, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 51]
    upper, lower = X[y == 0].astype(np.float64), X[y == 1].astype(np.float64)
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-6)  # unit circle, y >= 0
    assert (upper[:, 1] >= -1e-6).all()
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)


def test_circles_radii_and_factor():
    X, y = make_circles(80, factor=0.3, seed=0)
    r = np.hypot(*X.astype(np.float64).T)
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.3, atol=1e-6)
    with pytest.raises(ValueError, match=r"factor .* must be in \[0, 1\)"):
        make_circles(10, factor=1.0)


def test_noise_and_seeding():
    a = make_moons(50, noise=0.2, seed=7)
    b = make_moons(50, noise=0.2, seed=7)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], make_moons(50, noise=0.2, seed=8)[0])
    gg.manual_seed(3)
    c = make_spirals(60, seed=None)
    gg.manual_seed(3)
    np.testing.assert_array_equal(c[0], make_spirals(60)[0])
    clean = make_moons(50, noise=0.0, seed=7, shuffle=False)[0]
    noisy = make_moons(50, noise=0.2, seed=7, shuffle=False)[0]
    assert 0.1 < np.std(noisy - clean) < 0.3
    with pytest.raises(ValueError, match="noise is a standard deviation"):
        make_moons(10, noise=-1)
    with pytest.raises(ValueError, match="n_samples must be an int"):
        make_moons(1)


def test_blobs_centres_and_std():
    centers = np.array([[0.0, 0.0], [10.0, 10.0]])
    X, y = make_blobs(4000, centers=centers, cluster_std=[0.5, 2.0], seed=0)
    assert np.bincount(y).tolist() == [2000, 2000]
    np.testing.assert_allclose(X[y == 0].mean(0), [0, 0], atol=0.05)
    np.testing.assert_allclose(X[y == 1].std(0), [2, 2], rtol=0.06)
    X3, y3 = make_blobs(30, centers=3, n_features=5, seed=1)
    assert X3.shape == (30, 5) and set(y3.tolist()) == {0, 1, 2}


def test_spirals_match_cs231n_formula():
    X, y = make_spirals(300, n_classes=3, noise=0.0, shuffle=False, seed=0)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    r = np.linspace(0, 1, 100)
    t = np.linspace(4, 8, 100)  # arm 1
    np.testing.assert_allclose(X[y == 1], np.stack([r * np.sin(t), r * np.cos(t)], 1), atol=1e-6)


def test_logic_gates_truth_tables():
    expected = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0],
                "NOR": [1, 0, 0, 0], "XOR": [0, 1, 1, 0], "XNOR": [1, 0, 0, 1]}
    assert set(GATES) == set(expected)
    for name, table in expected.items():
        X, y = logic_gate(name.lower())
        a, b = X[:, 0].astype(int), X[:, 1].astype(int)
        assert y.tolist() == table
        formula = {"AND": a & b, "OR": a | b, "NAND": 1 - (a & b), "NOR": 1 - (a | b),
                   "XOR": a ^ b, "XNOR": 1 - (a ^ b)}[name]
        assert y.tolist() == formula.tolist()
    with pytest.raises(ValueError, match="unknown gate 'IMPLY'"):
        logic_gate("IMPLY")


def test_xor_cloud_labels_follow_the_nearest_corner():
    X, y = make_xor(400, noise=0.1, seed=0)
    corner = (X > 0.5).astype(int)
    assert (y == (corner[:, 0] ^ corner[:, 1])).mean() > 0.98


def test_noisy_sine():
    X, y = make_sine(200, noise=0.0, seed=0)
    assert X.shape == (200, 1) and y.shape == (200, 1) and y.dtype == np.float32
    np.testing.assert_allclose(y, np.sin(X), atol=1e-6)
    assert (np.diff(X[:, 0]) >= 0).all()


def test_sine_windows_next_and_sequence():
    X, y = make_sine_windows(16, seq_len=10, dt=0.1, seed=0)
    assert X.shape == (16, 10, 1) and y.shape == (16, 1)
    # sin(a + 2dt) = 2 cos(dt) sin(a + dt) - sin(a): each value follows from the previous two
    c = 2 * np.cos(0.1)
    np.testing.assert_allclose(X[:, 2:, 0], c * X[:, 1:-1, 0] - X[:, :-2, 0], atol=1e-5)
    np.testing.assert_allclose(y[:, 0], c * X[:, -1, 0] - X[:, -2, 0], atol=1e-5)
    X2, y2 = make_sine_windows(4, seq_len=6, target="sequence", seed=0)
    assert y2.shape == (4, 6, 1)
    np.testing.assert_allclose(y2[:, :-1], X2[:, 1:])
    with pytest.raises(ValueError, match="target must be 'next' or 'sequence'"):
        make_sine_windows(4, target="all")


def test_adding_problem():
    X, y = make_adding_problem(64, seq_len=20, seed=0)
    assert X.shape == (64, 20, 2) and y.shape == (64, 1)
    marks = X[:, :, 1]
    assert (marks.sum(1) == 2).all()
    assert (marks[:, :10].sum(1) == 1).all() and (marks[:, 10:].sum(1) == 1).all()
    np.testing.assert_allclose(y[:, 0], (X[:, :, 0] * marks).sum(1), rtol=1e-6)


def test_copy_task():
    X, y = make_copy_task(8, delay=6, copy_len=3, n_symbols=4, seed=0)
    L = 6 + 2 * 3
    assert X.shape == (8, L, 6) and y.shape == (8, L)
    tokens = X.argmax(-1)
    np.testing.assert_array_equal(X.sum(-1), 1.0)  # one-hot rows
    assert ((tokens[:, :3] >= 1) & (tokens[:, :3] <= 4)).all()
    assert (tokens[:, 3 + 6 - 1] == 5).all()  # the "go" delimiter
    np.testing.assert_array_equal(y[:, -3:], tokens[:, :3])
    assert (y[:, :-3] == 0).all()
    ids, _ = make_copy_task(8, delay=6, copy_len=3, n_symbols=4, one_hot=False, seed=0)
    np.testing.assert_array_equal(ids, tokens)


def test_memory_task():
    X, y = make_memory_task(50, seq_len=12, n_classes=3, seed=0)
    assert X.shape == (50, 12, 3) and y.shape == (50,)
    np.testing.assert_array_equal(X[:, 0].argmax(1), y)
    np.testing.assert_array_equal(X[:, 0].sum(1), 1.0)
    with pytest.raises(ValueError, match="seq_len must be a positive int"):
        make_memory_task(5, seq_len=0)

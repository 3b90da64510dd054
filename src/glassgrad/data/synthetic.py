"""Generated toy datasets for classification and regression.

Every ``make_*`` function returns NumPy arrays ``(X, y)`` like scikit-learn: ``X`` is float32 of
shape (N, features); ``y`` is int64 class labels of shape (N,) for classification and float32 of
shape (N, 1) for regression. Wrap them with ``TensorDataset(X, y)`` for a ``DataLoader``.
Randomness comes from ``seed`` (an int) or, when it is None, glassgrad's global generator, so
``glassgrad.manual_seed`` makes the data reproducible.
"""

from __future__ import annotations

import numpy as np

from ._util import make_rng

_F32 = np.float32


def _check_n(n_samples: int, name: str, minimum: int = 1) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) \
            or n_samples < minimum:
        raise ValueError(f"{name}: n_samples must be an int >= {minimum}, got {n_samples!r}.")
    return int(n_samples)


def _check_noise(noise: float, name: str) -> float:
    if noise < 0:
        raise ValueError(f"{name}: noise is a standard deviation and must be >= 0, got {noise}.")
    return float(noise)


def _finish(X, y, noise, shuffle, rng):
    if noise > 0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    if shuffle:
        perm = rng.permutation(len(X))
        X, y = X[perm], y[perm]
    return X.astype(_F32), y.astype(np.int64)


def _per_class(n: int, k: int) -> list[int]:
    """``n`` samples over ``k`` classes as evenly as possible (the first classes get one more)."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def make_moons(n_samples=100, noise=0.0, shuffle=True, seed=None):
    """Two interleaving half circles (scikit-learn's formula): X (N, 2), y (N,) in {0, 1}.

    Class 0 is the upper arc ``(cos t, sin t)``, class 1 the lower ``(1 - cos t, 0.5 - sin t)``,
    t in [0, pi]; Gaussian ``noise`` (std) is added to X.
    """
    n = _check_n(n_samples, "make_moons", 2)
    noise, rng = _check_noise(noise, "make_moons"), make_rng(seed)
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _finish(X, y, noise, shuffle, rng)


def make_circles(n_samples=100, noise=0.0, factor=0.8, shuffle=True, seed=None):
    """A circle of radius ``factor`` (class 1) inside a circle of radius 1 (class 0).

    X (N, 2), y (N,) in {0, 1}. ``factor`` must be in [0, 1).
    """
    n = _check_n(n_samples, "make_circles", 2)
    noise, rng = _check_noise(noise, "make_circles"), make_rng(seed)
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor (inner radius / outer radius) must be in [0, 1), "
                         f"got {factor}.")
    n_out, n_in = n // 2, n - n // 2
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    return _finish(X, y, noise, shuffle, rng)


def make_blobs(n_samples=100, centers=3, n_features=2, cluster_std=1.0, center_box=(-10.0, 10.0),
               shuffle=True, seed=None):
    """Isotropic Gaussian blobs: X (N, n_features), y (N,) = index of the blob.

    Args:
        centers: number of blobs (centres drawn uniformly in ``center_box``) or an array
            (k, n_features) of centres.
        cluster_std: standard deviation of every blob, or one per blob (k,).
    """
    n = _check_n(n_samples, "make_blobs")
    rng = make_rng(seed)
    if isinstance(centers, int | np.integer):
        if centers < 1:
            raise ValueError(f"make_blobs: centers must be >= 1, got {centers}.")
        centers = rng.uniform(center_box[0], center_box[1], size=(int(centers), n_features))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2:
        raise ValueError(f"make_blobs: centers must be an int or a (k, features) array, got "
                         f"shape {centers.shape}.")
    k = len(centers)
    std = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (k,))
    if (std < 0).any():
        raise ValueError(f"make_blobs: cluster_std must be >= 0, got {cluster_std}.")
    X, y = [], []
    for c, m in enumerate(_per_class(n, k)):
        X.append(centers[c] + rng.normal(0.0, std[c], size=(m, centers.shape[1])))
        y.append(np.full(m, c))
    return _finish(np.concatenate(X), np.concatenate(y), 0.0, shuffle, rng)


def make_spirals(n_samples=300, n_classes=3, noise=0.2, shuffle=True, seed=None):
    """The CS231n spiral: ``n_classes`` arms around the origin, X (N, 2), y (N,).

    Arm j has radius r = linspace(0, 1) and angle t = linspace(4j, 4(j+1)) + noise * N(0, 1),
    giving points ``(r sin t, r cos t)``. Not linearly separable: a classic first MLP task.
    """
    if n_classes < 1:
        raise ValueError(f"make_spirals: n_classes must be >= 1, got {n_classes}.")
    n = _check_n(n_samples, "make_spirals", n_classes)
    noise, rng = _check_noise(noise, "make_spirals"), make_rng(seed)
    X, y = [], []
    for j, m in enumerate(_per_class(n, n_classes)):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(j * 4.0, (j + 1) * 4.0, m) + rng.normal(0.0, 1.0, m) * noise
        X.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        y.append(np.full(m, j))
    return _finish(np.concatenate(X), np.concatenate(y), 0.0, shuffle, rng)


_GATES = {
    "AND": (0, 0, 0, 1), "OR": (0, 1, 1, 1), "NAND": (1, 1, 1, 0),
    "NOR": (1, 0, 0, 0), "XOR": (0, 1, 1, 0), "XNOR": (1, 0, 0, 1),
}
GATES = tuple(_GATES)


def logic_gate(name: str = "XOR"):
    """The truth table of a two-input logic gate: X (4, 2) float32, y (4,) int64.

    Rows are ``(0,0), (0,1), (1,0), (1,1)``; ``name`` is one of AND, OR, NAND, NOR, XOR, XNOR.
    For a sigmoid output trained with BCE/MSE use ``y.astype("float32")[:, None]`` (4, 1).
    """
    key = str(name).upper()
    if key not in _GATES:
        raise ValueError(f"logic_gate: unknown gate {name!r}; choose one of {', '.join(GATES)}.")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=_F32)
    return X, np.array(_GATES[key], dtype=np.int64)


def make_xor(n_samples=200, noise=0.1, shuffle=True, seed=None):
    """A noisy XOR cloud: Gaussian clusters (std ``noise``) around the four corners of the unit
    square, labelled by XOR of the corner. X (N, 2), y (N,) in {0, 1}."""
    n = _check_n(n_samples, "make_xor", 4)
    noise, rng = _check_noise(noise, "make_xor"), make_rng(seed)
    corners, labels = logic_gate("XOR")
    counts = _per_class(n, 4)
    X = np.repeat(corners.astype(np.float64), counts, axis=0)
    y = np.repeat(labels, counts)
    return _finish(X, y, noise, shuffle, rng)


def make_sine(n_samples=100, noise=0.1, x_range=(-np.pi, np.pi), seed=None):
    """Noisy sine regression: x ~ U(x_range) (N, 1), y = sin(x) + noise * N(0, 1) (N, 1).

    Both float32; x is sorted so ``plot(X, y)`` draws a line.
    """
    n = _check_n(n_samples, "make_sine")
    noise, rng = _check_noise(noise, "make_sine"), make_rng(seed)
    x = np.sort(rng.uniform(x_range[0], x_range[1], size=n))
    y = np.sin(x) + rng.normal(0.0, 1.0, size=n) * noise
    return x[:, None].astype(_F32), y[:, None].astype(_F32)

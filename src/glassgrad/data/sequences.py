"""Sequence toys for recurrent networks, batch-first: X is float32 (N, T, features).

* ``make_sine_windows``: forecast a sine wave (next value, or the sequence shifted by one).
* ``make_adding_problem``: sum the two marked numbers of a long sequence (regression).
* ``make_copy_task``: reproduce the first symbols after a long blank delay (per-step classes).
* ``make_memory_task``: name the class shown at step 0 after T-1 noisy steps (classification).

The last three need memory over ``T`` steps: a plain RNN fails as T grows, an LSTM/GRU copes.
Randomness comes from ``seed`` (int) or glassgrad's global generator when it is None.
"""

from __future__ import annotations

import numpy as np

from ._util import make_rng

_F32 = np.float32


def _positive(value, name: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name}: {what} must be a positive int, got {value!r}.")
    return int(value)


def make_sine_windows(n_samples=256, seq_len=20, target="next", dt=0.1, noise=0.0,
                      freq_range=(1.0, 1.0), seed=None):
    """Windows of ``sin(f * (phi + dt * t))`` with random phase phi (and frequency f).

    Args:
        seq_len: T, steps per input window.
        target: "next" -> y (N, 1) is the value after the window; "sequence" -> y (N, T, 1) is
            the window shifted one step ahead (many-to-many forecasting).
        dt: time step; noise: std of Gaussian noise added to the inputs only.
        freq_range: (low, high) for a random frequency per window; equal values fix it.

    Returns:
        X (N, T, 1) float32 and y as above (float32, noise-free).
    """
    n = _positive(n_samples, "make_sine_windows", "n_samples")
    T = _positive(seq_len, "make_sine_windows", "seq_len")
    if target not in ("next", "sequence"):
        raise ValueError(f"make_sine_windows: target must be 'next' or 'sequence', got "
                         f"{target!r}.")
    rng = make_rng(seed)
    phase = rng.uniform(0.0, 2 * np.pi, size=(n, 1))
    freq = rng.uniform(freq_range[0], freq_range[1], size=(n, 1))
    series = np.sin(freq * (phase + dt * np.arange(T + 1)))  # (N, T + 1)
    X = series[:, :T] + (rng.normal(0.0, noise, size=(n, T)) if noise > 0 else 0.0)
    y = series[:, T:T + 1] if target == "next" else series[:, 1:, None]
    return X[:, :, None].astype(_F32), y.astype(_F32)


def make_adding_problem(n_samples=1000, seq_len=50, seed=None):
    """The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015).

    Channel 0 holds numbers ~ U(0, 1); channel 1 marks exactly two steps with 1, one in each
    half of the sequence. The target is the sum of the two marked numbers.

    Returns:
        X (N, T, 2) float32, y (N, 1) float32. Predicting 1.0 always gives MSE ~ 0.167, the
        baseline a model has to beat.
    """
    n = _positive(n_samples, "make_adding_problem", "n_samples")
    T = _positive(seq_len, "make_adding_problem", "seq_len")
    if T < 2:
        raise ValueError(f"make_adding_problem: seq_len must be >= 2, got {T}.")
    rng = make_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    marks = np.zeros((n, T))
    rows = np.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    return np.stack([values, marks], axis=2).astype(_F32), y[:, None].astype(_F32)


def make_copy_task(n_samples=1000, delay=20, copy_len=5, n_symbols=8, one_hot=True, seed=None):
    """The copy-memory task (Arjovsky et al. 2016).

    Tokens: 0 = blank, 1..n_symbols = data, n_symbols + 1 = "go" delimiter. The input is
    ``copy_len`` random symbols, ``delay - 1`` blanks, the delimiter, then ``copy_len`` blanks;
    the target is blanks everywhere except the last ``copy_len`` steps, which repeat the symbols.
    Sequence length L = delay + 2 * copy_len.

    Returns:
        X (N, L, n_symbols + 2) float32 one-hot (or (N, L) int64 tokens if ``one_hot=False``)
        and y (N, L) int64 class per step (n_symbols + 2 classes; blank-only guessing gives
        cross-entropy ``copy_len * log(n_symbols) / L``).
    """
    n = _positive(n_samples, "make_copy_task", "n_samples")
    delay = _positive(delay, "make_copy_task", "delay")
    k = _positive(copy_len, "make_copy_task", "copy_len")
    s = _positive(n_symbols, "make_copy_task", "n_symbols")
    rng = make_rng(seed)
    L = delay + 2 * k
    symbols = rng.integers(1, s + 1, size=(n, k))
    x = np.zeros((n, L), dtype=np.int64)
    x[:, :k] = symbols
    x[:, k + delay - 1] = s + 1
    y = np.zeros((n, L), dtype=np.int64)
    y[:, -k:] = symbols
    if not one_hot:
        return x, y
    return np.eye(s + 2, dtype=_F32)[x], y


def make_memory_task(n_samples=1000, seq_len=30, n_classes=4, noise=1.0, seed=None):
    """Remember the first step: step 0 is the one-hot class, steps 1..T-1 are Gaussian noise
    (std ``noise``); the label is the class of step 0 (long-range sequence classification).

    Returns:
        X (N, T, n_classes) float32, y (N,) int64 in [0, n_classes). Chance accuracy is
        1 / n_classes.
    """
    n = _positive(n_samples, "make_memory_task", "n_samples")
    T = _positive(seq_len, "make_memory_task", "seq_len")
    c = _positive(n_classes, "make_memory_task", "n_classes")
    rng = make_rng(seed)
    y = rng.integers(0, c, size=n)
    X = rng.normal(0.0, noise, size=(n, T, c))
    X[:, 0, :] = np.eye(c)[y]
    return X.astype(_F32), y.astype(np.int64)

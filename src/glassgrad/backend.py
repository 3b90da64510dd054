"""Array backends: NumPy on the CPU, CuPy on an NVIDIA GPU.

This is the only module that imports CuPy. Everything else asks ``get_array_module(x)`` for the
``xp`` module of its arrays and writes its math against ``xp``. The random generators that drive
initialization, dropout and shuffling live here too, so one ``manual_seed`` covers them all.
"""

from __future__ import annotations

import os

import numpy as np

from .errors import DeviceError

_cupy = None  # the cupy module once imported; False when the import failed


def _import_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy

            _cupy = cupy
        except ImportError:
            _cupy = False
    return _cupy or None


def gpu_available() -> bool:
    """True when CuPy is installed and sees a working CUDA device."""
    cp = _import_cupy()
    if cp is None:
        return False
    try:
        return bool(cp.is_available())
    except Exception:  # a broken driver install raises all kinds of errors
        return False


def get_array_module(*xs):
    """Return ``numpy`` or ``cupy``, whichever holds the arrays (or Tensors) ``xs``."""
    for x in xs:
        cls = type(x)
        if cls is np.ndarray:  # NOTE: the common case first: this runs in every op's forward
            continue
        if cls.__module__.startswith("cupy"):
            return _cupy
        if hasattr(x, "_ctx") and type(x.data).__module__.startswith("cupy"):  # a Tensor
            return _cupy
    return np


_ONES: dict = {}  # the caches of ones_vector, scalars and add_rows
_SCALARS: dict = {}
_ZEROS: dict = {}


def ones_vector(n: int, like):
    """A cached, read-only vector of ``n`` ones of ``like``'s dtype and device: ``ones @ g``
    sums the rows of ``g`` in one BLAS call (NumPy's axis-0 sum of a tall, narrow array crawls)."""
    key = (n, like.dtype, type(like))
    c = _ONES.get(key)
    if c is None:
        c = get_array_module(like).ones(n, dtype=like.dtype)
        if type(c) is np.ndarray:
            c.flags.writeable = False
        _ONES[key] = c
    return c


def blas_threads() -> int:
    """How many threads NumPy's BLAS (OpenBLAS) runs, by its own start-up rule: the first
    positive integer in ``OPENBLAS_NUM_THREADS``, ``GOTO_NUM_THREADS``, ``OMP_NUM_THREADS``,
    capped at the CPUs this process may use (which are also the default).

    NOTE: read from the environment as OpenBLAS read it when NumPy loaded; a change at run
    time (threadpoolctl) is not seen. For sizing work blocks only, never for results.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    for var in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return min(int(value), cpus)
    return cpus


ADD_ROWS_FROM = 64  # from this many rows on, add_rows beats NumPy's broadcasting add


def add_rows(y, row) -> None:
    """``y += row`` for ``y`` (n, k) and ``row`` (k,), in place: a bias added to every sample.

    NOTE: NumPy's broadcasting add runs its inner loop once per row of ``y``. From
    ``ADD_ROWS_FROM`` rows on, repeating the row first (``take`` with n zero indices) and adding
    same-shaped arrays is faster, copy included (bench/RESULTS.md §13), with the same bits;
    below that the two are even, and callers on a hot path skip the call (``y += row``).
    """
    if type(y) is not np.ndarray or y.ndim != 2 or y.shape[0] < ADD_ROWS_FROM:
        y += row
        return
    n = y.shape[0]
    zeros = _ZEROS.get(n)
    if zeros is None:
        if len(_ZEROS) > 256:  # NOTE: bounded: an entry per batch size seen
            _ZEROS.clear()
        zeros = _ZEROS[n] = np.zeros(n, dtype=np.intp)
        zeros.flags.writeable = False
    y += row.reshape(1, -1).take(zeros, 0)


def scalars(like, *values) -> tuple:
    """``values`` as cached, read-only 0-d arrays of ``like``'s dtype when ``like`` is a NumPy
    float array; the values themselves otherwise (CuPy passes Python scalars to its kernels).

    NOTE: same bits as the Python numbers (NEP 50 casts a Python scalar operand to the array's
    dtype anyway), but NumPy takes its same-dtype fast path, and a small model's step has a
    dozen such calls.
    """
    key = (values, like.dtype)
    c = _SCALARS.get(key)
    if c is None:
        if type(like) is not np.ndarray or like.dtype.kind != "f":
            return values
        c = _SCALARS[key] = tuple(np.array(v, dtype=like.dtype) for v in values)
        for a in c:
            a.flags.writeable = False
    elif type(like) is not np.ndarray:
        return values
    return c


def device_of(array) -> str:
    """``"cpu"`` for NumPy arrays and scalars, ``"cuda"`` for CuPy arrays."""
    return "cuda" if type(array).__module__.startswith("cupy") else "cpu"


def check_device(device) -> str:
    """Normalise a device name ("cpu", "cuda", "cuda:0", "gpu") and fail clearly if unavailable."""
    name = str(device).lower()
    if name == "cpu":
        return "cpu"
    if name in ("cuda", "gpu") or name.startswith("cuda:"):
        if not gpu_available():
            why = ("CuPy is not installed: pip install 'glassgrad[gpu]'"
                   if _import_cupy() is None else "CuPy found no working CUDA device")
            raise DeviceError(f"device {device!r} requested but {why}. Use device='cpu'.")
        return "cuda"
    raise DeviceError(f"unknown device {device!r}: expected 'cpu' or 'cuda'.")


def to_device(array, device: str):
    """Copy ``array`` to ``device`` ("cpu" or "cuda"); unchanged if it is there already."""
    device = check_device(device)
    if device == device_of(array):
        return array
    if device == "cuda":
        return _cupy.asarray(array)
    return _cupy.asnumpy(array)


def to_numpy(array) -> np.ndarray:
    """A NumPy copy (or view) of ``array`` wherever it lives."""
    return _cupy.asnumpy(array) if device_of(array) == "cuda" else np.asarray(array)


def scatter_add(target, index, values) -> None:
    """``target[index] += values`` with repeated indices accumulated (NumPy's ``add.at``)."""
    xp = get_array_module(target)
    if xp is np:
        np.add.at(target, index, values)
    else:
        import cupyx  # the CuPy shim; only reached on a GPU

        cupyx.scatter_add(target, index, values)


# ---------------------------------------------------------------- random number generation

_seed: int | None = None
_generators: dict = {}


def manual_seed(seed: int) -> None:
    """Seed the one generator behind initialization, dropout and shuffling (on every device)."""
    global _seed
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed!r}.")
    _seed = int(seed)
    _generators.clear()


def default_generator(xp=np):
    """The shared generator for backend ``xp`` (``numpy.random.Generator`` on the CPU)."""
    gen = _generators.get(xp.__name__)
    if gen is None:
        gen = xp.random.default_rng(_seed)
        _generators[xp.__name__] = gen
    return gen


def get_rng_state() -> dict:
    """The CPU generator's state, for checkpoints (restore with ``set_rng_state``)."""
    return {"seed": _seed, "numpy": default_generator(np).bit_generator.state}


def set_rng_state(state: dict) -> None:
    global _seed
    _seed = state["seed"]
    default_generator(np).bit_generator.state = state["numpy"]

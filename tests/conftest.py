"""Shared fixtures: the backend parameter (numpy always, cupy with a GPU) and seeding."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.backend import gpu_available

BACKENDS = ["cpu"] + (["cuda"] if gpu_available() else [])


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    """Run a test on every backend; the CUDA case skips with the reason where there is no GPU."""
    if request.param == "cuda" and not gpu_available():
        pytest.skip("no CUDA device (CuPy missing or no GPU)")
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    gg.manual_seed(0)
    np.random.seed(0)
    yield
    gg.set_default_dtype(np.float32)

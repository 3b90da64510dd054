"""Shared helpers of the property (gradcheck) targets: settings, float64 inputs, counting."""

import numpy as np
from hypothesis import HealthCheck, settings

import glassgrad as gg
from tests._fuzz_counts import count

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
FEW = settings(SETTINGS, max_examples=20)  # the costlier targets (recurrent layers)


def x64(rng, shape, low=0.2, high=2.0, signed=True, requires_grad=True):
    """float64 values with |x| in [low, high]: away from kinks at 0."""
    a = rng.uniform(low, high, size=shape)
    if signed:
        a = a * rng.choice([-1.0, 1.0], size=shape)
    return gg.tensor(np.asarray(a, dtype=np.float64), dtype=np.float64,
                     requires_grad=requires_grad)


def distinct64(rng, shape, gap=0.05):
    """float64 values pairwise at least ``gap`` apart (no ties for max to break)."""
    n = int(np.prod(shape))
    a = (rng.permutation(n) - n / 2) * gap + rng.uniform(0, gap / 10, n)
    return gg.tensor(a.reshape(shape), dtype=np.float64, requires_grad=True)


def check(target, fn, inputs, **kwargs):
    """Count one example of ``target`` and gradcheck ``fn`` on ``inputs`` in float64."""
    count(f"gradcheck:{target}")
    assert gg.gradcheck(fn, inputs, **kwargs)


def close(got, want, tol=1e-9):
    np.testing.assert_allclose(got.detach().numpy(), np.asarray(want), rtol=tol, atol=tol)

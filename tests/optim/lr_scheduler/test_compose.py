"""LinearLR and ConstantLR (with PolynomialLR and MultiplicativeLR of decay.py) in their
textbook closed forms, written here; SequentialLR and ChainedScheduler are compared with torch
step by step in test_base.py.
"""

import numpy as np

from glassgrad.optim import lr_scheduler
from tests.optim.lr_scheduler._schedules import (
    LRS,
    _opt,
    _trace,
)


def test_linear_polynomial_constant_closed_forms():
    T = 8
    for build, f in [
        (lambda o: lr_scheduler.LinearLR(o, 0.1, 1.0, T), lambda t: 0.1 + 0.9 * min(t, T) / T),
        (lambda o: lr_scheduler.PolynomialLR(o, T, 2.0), lambda t: (1 - min(t, T) / T) ** 2),
        (lambda o: lr_scheduler.ConstantLR(o, 0.25, T), lambda t: 0.25 if t < T else 1.0),
        (lambda o: lr_scheduler.MultiplicativeLR(o, lambda e: 0.9), lambda t: 0.9 ** t),
    ]:
        opt = _opt("gg")
        trace = _trace(opt, build(opt), 20)[:, :3]
        np.testing.assert_allclose(trace, [[lr0 * f(t) for lr0 in LRS] for t in range(21)],
                                   rtol=1e-12, atol=1e-17)

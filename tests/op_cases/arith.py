"""Op-table cases for products, scans and integer division (ops/reduce.Prod, ops/scan,
ops/division), through the functional API and the Tensor methods/dunders."""

import numpy as np

import glassgrad as gg

from . import Case

F = gg.functional
ZEROS = np.array([[1.5, 0.0, -2.0, 0.5], [0.0, 3.0, 0.0, -1.0], [2.0, -0.5, 1.25, 0.75]])
away = lambda q: q + 0.5 * (np.abs(q - np.round(q)) < 0.1)  # noqa: E731  (off the jumps of %)

CASES = [
    Case("Prod", F.prod, np.prod, [(3, 4)]),
    Case("Prod", lambda a: a.prod(1), lambda a: a.prod(1), [(3, 4, 2)], name="dim"),
    Case("Prod", lambda a: a.prod(-1, keepdim=True), lambda a: a.prod(-1, keepdims=True),
         [(3, 4)], name="keepdim"),
    # one zero in row 0 and column 0/2; two zeros in row 1: the zero-safe gradient
    Case("Prod", lambda a: a.prod(1), lambda a: a.prod(1), [ZEROS], name="zeros-dim"),
    Case("Prod", lambda a: a.prod(0), lambda a: a.prod(0), [ZEROS], name="zeros-dim0"),
    Case("Prod", lambda a: a[0].prod(), lambda a: a[0].prod(), [ZEROS], name="one-zero-all"),
    Case("CumSum", lambda a: a.cumsum(1), lambda a: np.cumsum(a, 1), [(3, 4, 2)]),
    Case("CumSum", lambda a: F.cumsum(a, -1), lambda a: np.cumsum(a, -1), [(2, 5)],
         name="negative-dim"),
    Case("CumProd", lambda a: a.cumprod(1), lambda a: np.cumprod(a, 1), [(3, 4, 2)]),
    Case("CumProd", lambda a: F.cumprod(a, -1), lambda a: np.cumprod(a, -1), [ZEROS],
         name="zeros"),
    Case("CumProd", lambda a: a.cumprod(0), lambda a: np.cumprod(a, 0), [ZEROS], name="zeros0"),
    Case("Remainder", lambda a, b: a % b, lambda a, b: a - np.floor(a / b) * b,
         [np.array([[5.3, -5.3, 7.9], [-0.4, 2.2, -9.1]]), np.array([3.0, -2.5, 1.7])],
         name="signs-broadcast"),
    Case("Remainder", lambda a: a % 1.5, lambda a: a - np.floor(a / 1.5) * 1.5, [(3, 4)],
         domain=lambda a: away(a / 1.5) * 1.5, name="scalar"),
    Case("Remainder", lambda b: 4.0 % b, lambda b: 4.0 - np.floor(4.0 / b) * b,
         [np.array([1.5, -2.5, 0.7])], name="rmod"),
    Case("Remainder", lambda a, b: F.remainder(a, b), lambda a, b: np.mod(a, b),
         [np.array([3.3, -3.3]), np.array([-2.0, 2.0])], name="functional"),
    Case("FloorDivide", lambda a, b: a // b, lambda a, b: np.floor(a / b),
         [np.array([[5.3, -5.3, 7.9], [-0.4, 2.2, -9.1]]), np.array([3.0, -2.5, 1.7])],
         grad_inputs=[]),
    Case("FloorDivide", lambda b: F.floor_divide(7.0, b), lambda b: np.floor(7.0 / b),
         [np.array([2.0, -3.0, 0.5])], grad_inputs=[], name="rfloordiv"),
]

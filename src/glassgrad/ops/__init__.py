"""Differentiable primitives, one ``Function`` subclass per op, grouped by family.

Importing this package registers every op in ``glassgrad.autograd.OPS``.
"""

from . import activation, conv, elementwise, linalg, loss, movement, pool, reduce  # noqa: F401

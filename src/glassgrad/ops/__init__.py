"""Differentiable primitives, one ``Function`` subclass per op, grouped by family.

Importing this package registers every op in ``glassgrad.autograd.OPS``.
"""

from . import elementwise, embedding, linalg, loss, movement, recurrent, reduce  # noqa: F401

"""Differentiable primitives, one ``Function`` subclass per op, grouped by family.

Importing this package registers every op in ``glassgrad.autograd.OPS``.
"""

from . import (  # noqa: F401
    activation,
    elementwise,
    embedding,
    linalg,
    loss,
    movement,
    recurrent,
    reduce,
)

"""Differentiable primitives, one ``Function`` subclass per op, grouped by family.

Importing this package registers every op in ``glassgrad.autograd.OPS``.
"""

from . import (  # noqa: F401
    activation,
    conv,
    division,
    elementwise,
    embedding,
    fused,
    linalg,
    loss,
    movement,
    padding,
    pool,
    recurrent,
    reduce,
    scan,
)

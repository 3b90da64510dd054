"""Differentiable primitives, one ``Function`` subclass per op, grouped by family.

Importing this package registers every op in ``glassgrad.autograd.OPS``.
"""

from . import (  # noqa: F401
    activation,
    attention,
    conv,
    division,
    elementwise,
    embedding,
    fused,
    linalg,
    loss,
    movement,
    normalization,
    padding,
    pool,
    recurrent,
    reduce,
    scan,
)

"""The op table: one or more ``Case`` per registered op, split by family into modules here.

Each module in this package defines ``CASES: list[Case]``. ``tests/test_ops_table.py`` runs every
case (forward against the independent NumPy reference, then ``gradcheck`` in float64) and a guard
test fails when an op in ``glassgrad.autograd.OPS`` has no case.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Case:
    op: str  # name of the Function subclass under test (a key of glassgrad.autograd.OPS)
    fn: Callable  # Tensors -> Tensor, through the public API that reaches ``op``
    reference: Callable  # float64 NumPy arrays -> array: an independent formula, not our code
    inputs: list  # one entry per input: a shape (random normal float64) or a fixed array
    # maps each random array (not the fixed ones) into the op's domain, e.g. lambda x: abs(x) + .5
    domain: Callable | None = None
    name: str = ""  # shown in the test id
    grad_inputs: list | None = None  # indices of inputs to gradcheck (default: all floating)
    kwargs: dict = field(default_factory=dict)  # extra gradcheck arguments (eps, atol, ...)
    forward_tol: float = 1e-7  # rtol and atol of the forward check against ``reference``

    @property
    def id(self) -> str:
        return f"{self.op}-{self.name}" if self.name else self.op


def all_cases() -> list[Case]:
    cases = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases.extend(module.CASES)
    return cases


def glassgrad_ops() -> set[str]:
    """Names of the ops glassgrad ships (Functions defined in test files register in OPS too)."""
    from glassgrad.autograd import OPS

    return {name for name, cls in OPS.items() if cls.__module__.startswith("glassgrad.")}


@contextmanager
def unlisted_op():
    """A throwaway op registered as if it shipped in glassgrad (to prove a guard catches it)."""
    from glassgrad.autograd import OPS, Function

    class Unlisted(Function):
        def forward(self, a):
            return a

        def backward(self, gy):
            return gy

    Unlisted.__module__ = "glassgrad.ops.unlisted"
    try:
        yield "Unlisted"
    finally:
        del OPS["Unlisted"]

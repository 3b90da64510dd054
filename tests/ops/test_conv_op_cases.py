"""Runs this family's op-table cases (tests/op_cases/conv.py): forward against the independent
float64 loops, then gradcheck. The project-wide table runner runs them too once it exists."""

import numpy as np
import pytest
from op_cases.conv import CASES

import glassgrad as gg


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_conv_family_case(case):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) if isinstance(s, tuple) else np.asarray(s, float)
              for s in case.inputs]
    if case.domain is not None:
        arrays = [case.domain(a) for a in arrays]
    tensors = [gg.Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    out = case.fn(*tensors)
    assert type(out.grad_fn).__name__ == case.op
    np.testing.assert_allclose(out.detach().numpy(), case.reference(*arrays), atol=1e-10)
    assert gg.gradcheck(case.fn, tensors, **case.kwargs)

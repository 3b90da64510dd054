"""Every registered op: forward against an independent NumPy reference, then gradcheck in float64.

The cases live in ``tests/op_cases/`` (one module per op family). The guard test fails when a
glassgrad op is registered in ``glassgrad.autograd.OPS`` without a case.
"""

import zlib

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import OPS
from tests.op_cases import Case, all_cases, glassgrad_ops, unlisted_op

CASES = all_cases()


def _arrays(case: Case) -> list:
    """The case's inputs as float64 arrays: shapes become seeded random normals."""
    rng = np.random.default_rng(zlib.crc32(case.id.encode()))
    arrays = []
    for spec in case.inputs:
        if isinstance(spec, tuple):
            a = rng.standard_normal(spec)
            arrays.append(case.domain(a) if case.domain else a)
        else:
            arrays.append(np.asarray(spec))
    return arrays


def _as_list(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_forward_matches_reference(case: Case):
    arrays = _arrays(case)
    tensors = [gg.tensor(a, dtype=a.dtype) for a in arrays]
    got = _as_list(case.fn(*tensors))
    want = _as_list(case.reference(*[a.copy() for a in arrays]))
    assert len(got) == len(want), f"{case.id}: {len(got)} outputs, reference has {len(want)}"
    for g, w in zip(got, want):
        assert isinstance(g, gg.Tensor)
        w = np.asarray(w)
        assert g.shape == w.shape, f"{case.id}: shape {g.shape}, reference {w.shape}"
        np.testing.assert_allclose(g.numpy(), w, rtol=case.forward_tol, atol=case.forward_tol)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gradcheck(case: Case):
    arrays = _arrays(case)
    floating = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    wanted = floating if case.grad_inputs is None else case.grad_inputs
    if not wanted:  # a non-differentiable op: backprop through it must refuse, clearly
        tensors = [gg.tensor(a, dtype=a.dtype, requires_grad=i in floating)
                   for i, a in enumerate(arrays)]
        out = _as_list(case.fn(*tensors))[0]
        with pytest.raises(gg.NotDifferentiableError, match="no useful derivative"):
            out.sum().backward()
        return
    tensors = [gg.tensor(a, dtype=a.dtype, requires_grad=i in wanted)
               for i, a in enumerate(arrays)]
    assert gg.gradcheck(case.fn, tensors, **case.kwargs)


def test_every_registered_op_has_a_case():
    covered = {c.op for c in CASES}
    missing = sorted(glassgrad_ops() - covered)
    assert not missing, f"ops registered without a case in tests/op_cases/: {missing}"


def test_every_case_names_a_registered_op():
    unknown = sorted({c.op for c in CASES} - set(OPS))
    assert not unknown, f"cases for ops that are not registered: {unknown}"


def test_guard_sees_the_core_ops():
    assert {"Add", "MatMul", "GetItem", "LogSoftmax", "Sum"} <= glassgrad_ops()


def test_guard_catches_an_op_without_a_case():
    with unlisted_op() as name:
        assert name in glassgrad_ops() - {c.op for c in CASES}


# ------------------------------------------ every sigmoid against the one reference definition

def _sigma_exact(a):
    """σ in float64 from Python's math (an independent reference), 0 past exp's range."""
    import math
    return np.array([1 / (1 + math.exp(-v)) if v > -700 else math.exp(v) for v in a.tolist()])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_sigmoid_is_the_reference_or_agrees_with_it(dtype):
    from glassgrad.ops.elementwise import sigmoid, sigmoid_stable
    from glassgrad.ops.recurrent import _sigmoid_

    a = (np.random.default_rng(0).standard_normal(2000) * 30).astype(dtype)
    a[:6] = [-1000, -100, -20, 0, 20, 1000]
    exact = _sigma_exact(a.astype(np.float64))
    ulp = np.finfo(dtype).eps
    ref = sigmoid(a)
    assert ref.dtype == dtype
    np.testing.assert_allclose(ref, exact, rtol=8 * ulp, atol=np.finfo(dtype).tiny)
    np.testing.assert_array_equal(gg.tensor(a, dtype=dtype).sigmoid().numpy(), ref)  # the op
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(_sigmoid_(a.copy()), ref)  # the recurrent kernels' one
    stable = sigmoid_stable(a)
    assert stable.dtype == dtype
    # full relative accuracy on the negative tail too, where ``sigmoid`` flushes to 0
    tail = exact > np.finfo(dtype).tiny
    np.testing.assert_allclose(stable[tail], exact[tail], rtol=8 * ulp)
    np.testing.assert_allclose(stable, ref, rtol=8 * ulp, atol=np.finfo(dtype).tiny)

"""Property tests for products, scans and integer division: ``prod``, ``cumsum``, ``cumprod``
(with zeros drawn into the input: their gradients must stay exact), ``remainder`` on broadcast
shapes, and ``floor_divide`` (forward vs PyTorch 2.13, and its refusal to backpropagate)."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import glassgrad as gg
from tests._fuzz_counts import count
from tests._torch import torch
from tests.ops._props import SETTINGS, check, x64

F = gg.functional
shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
seeds = st.integers(0, 2**16)


def _with_zeros(rng, shape, zeros):
    """float64 input with ``zeros`` entries (if it has that many) set to 0."""
    x = x64(rng, shape).detach().numpy().copy()
    flat = x.reshape(-1)
    flat[rng.permutation(flat.size)[:zeros]] = 0.0
    return x


def _grad_vs_torch(fn, tfn, a, rng):
    """``fn``'s value and input gradient (for a random upstream gradient) against torch's."""
    x = gg.tensor(a, dtype=np.float64, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y, ty = fn(x), tfn(t)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.normal(size=tuple(ty.shape))
    y.backward(gg.tensor(g, dtype=np.float64))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(shape=shapes, zeros=st.integers(0, 3), keep=st.booleans(), data=st.data(), seed=seeds)
def test_prod_with_zeros_gradcheck_and_torch(shape, zeros, keep, data, seed):
    rng = np.random.default_rng(seed)
    a = _with_zeros(rng, shape, zeros)
    dim = data.draw(st.sampled_from([None, *range(-len(shape), len(shape))]))
    fn = (lambda t: t.prod()) if dim is None else (lambda t: t.prod(dim, keep))
    tfn = (lambda t: t.prod()) if dim is None else (lambda t: t.prod(dim, keep))
    _grad_vs_torch(fn, tfn, a, rng)
    check("prod", fn, [gg.tensor(a, dtype=np.float64, requires_grad=True)])


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@SETTINGS
@given(shape=shapes, zeros=st.integers(0, 3), data=st.data(), seed=seeds)
def test_scans_with_zeros_gradcheck_and_torch(name, shape, zeros, data, seed):
    rng = np.random.default_rng(seed)
    a = _with_zeros(rng, shape, zeros)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    _grad_vs_torch(lambda t: getattr(t, name)(dim), lambda t: getattr(t, name)(dim), a, rng)
    check(name, lambda t: getattr(F, name)(t, dim),
          [gg.tensor(a, dtype=np.float64, requires_grad=True)])


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=seeds)
def test_remainder_broadcasts_gradcheck(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (x64(rng, s, high=5.0) for s in shapes.input_shapes)
    q = a.detach().numpy() / b.detach().numpy()
    assume(np.abs(q - np.round(q)).min() > 1e-3)  # finite differences across a jump
    out = a % b
    assert out.shape == shapes.result_shape
    check("remainder", lambda a, b: a % b, [a, b])


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       dtype=st.sampled_from([np.float64, np.int64]), seed=seeds)
def test_floor_divide_matches_torch_and_refuses_backward(shapes, dtype, seed):
    count("floor_divide")
    rng = np.random.default_rng(seed)
    scale = 1 if dtype == np.int64 else 0.7
    a, b = (np.asarray(rng.integers(-9, 10, s) * scale, dtype=dtype) for s in shapes.input_shapes)
    b[b == 0] = 3
    got = gg.tensor(a, dtype=dtype) // gg.tensor(b, dtype=dtype)
    want = torch.from_numpy(a) // torch.from_numpy(b)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    if dtype == np.float64:
        x = gg.tensor(a, dtype=dtype, requires_grad=True)
        with pytest.raises(gg.NotDifferentiableError, match="FloorDivide"):
            (x // gg.tensor(b, dtype=dtype)).sum().backward()

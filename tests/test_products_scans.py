"""prod, cumsum, cumprod, floor_divide (//) and remainder (%) against PyTorch 2.13.0 (CPU):
values, dtypes and gradients in float64, zeros in products, signs of // and %, broadcasting and
division by zero. Expected values come from torch or from closed forms written here."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from tests._torch import torch

F = gg.functional
ZEROS = {
    "none": np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]]),
    "one": np.array([[1.5, 0.0, 0.5], [3.0, 0.25, -1.0]]),
    "two-in-a-row": np.array([[0.0, 0.0, 0.5], [3.0, 0.0, -1.0]]),
    "everywhere": np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
}


def _both(a, fn, tfn, upstream_seed=0):
    """(glassgrad value, grad), (torch value, grad) for ``fn``/``tfn`` on float64 ``a``."""
    x = gg.tensor(a, dtype=np.float64, requires_grad=True)
    t = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    y, ty = fn(x), tfn(t)
    g = np.random.default_rng(upstream_seed).normal(size=tuple(ty.shape))
    y.backward(gg.tensor(g, dtype=np.float64))
    ty.backward(torch.tensor(g))
    return (y.detach().numpy(), x.grad.numpy()), (ty.detach().numpy(), t.grad.numpy())


def _assert_same(got, want):
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- prod

@pytest.mark.parametrize("zeros", sorted(ZEROS))
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, False), (-1, False),
                                         (0, True), (-2, True)])
def test_prod_values_and_gradients_match_torch(zeros, dim, keepdim):
    a = ZEROS[zeros]
    if dim is None:
        got, want = _both(a, lambda x: x.prod(), lambda t: t.prod())
    else:
        got, want = _both(a, lambda x: F.prod(x, dim, keepdim),
                          lambda t: torch.prod(t, dim, keepdim))
    _assert_same(got, want)


def test_prod_gradient_with_zeros_in_closed_form_and_no_warnings():
    x = gg.tensor([2.0, 0.0, 3.0, 5.0], dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 30.0, 0.0, 0.0])  # 2*3*5 at the zero
    x = gg.tensor([2.0, 0.0, 3.0, 0.0], dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("dtype,tdtype", [(np.int32, torch.int32), (np.int64, torch.int64),
                                          (np.bool_, torch.bool), (np.uint8, torch.uint8),
                                          (np.float32, torch.float32)])
def test_prod_and_scans_dtypes_match_torch(dtype, tdtype):
    a = np.array([[1, 2, 3], [0, 1, 2]]).astype(dtype)
    x, t = gg.tensor(a, dtype=dtype), torch.tensor(a, dtype=tdtype)
    for name in ("prod", "cumsum", "cumprod"):
        y, ty = getattr(x, name)(1), getattr(t, name)(1)
        assert str(y.dtype) == str(ty.dtype).removeprefix("torch."), name
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
    assert str(x.prod().dtype) == str(t.prod().dtype).removeprefix("torch.")
    assert F.prod(x, dtype=np.float64).dtype == np.float64  # dtype= casts first, as torch


def test_prod_of_a_0d_tensor_and_empty_dims():
    x = gg.tensor(2.5, dtype=np.float64, requires_grad=True)
    y = x.prod(0)
    y.backward()
    assert y.shape == () and y.item() == 2.5 and x.grad.item() == 1.0
    e = torch.ones(2, 0, dtype=torch.float64).prod(1)
    got = gg.functional.prod(gg.ones(2, 0, dtype=np.float64), 1)
    np.testing.assert_array_equal(got.numpy(), e.numpy())  # the empty product is 1


def test_prod_refuses_a_tuple_of_dims_like_torch():
    with pytest.raises(TypeError):
        torch.ones(2, 3).prod((0, 1))
    with pytest.raises(TypeError, match="dim must be one int"):
        gg.ones(2, 3).prod((0, 1))
    with pytest.raises(IndexError, match="out of range"):
        gg.ones(2, 3).prod(2)


# ---------------------------------------------------------------- cumsum, cumprod

@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("zeros", sorted(ZEROS))
@pytest.mark.parametrize("dim", [0, 1, -1, -2])
def test_scans_match_torch(name, zeros, dim):
    got, want = _both(ZEROS[zeros], lambda x: getattr(F, name)(x, dim),
                      lambda t: getattr(torch, name)(t, dim))
    _assert_same(got, want)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_cumprod_gradient_with_zeros_in_3d_matches_torch(dim):
    a = np.random.default_rng(3).normal(size=(3, 5, 4))
    a[0, 1, :] = 0.0
    a[1, [0, 3], 2] = 0.0
    a[2, 4, 1] = 0.0
    got, want = _both(a, lambda x: x.cumprod(dim), lambda t: t.cumprod(dim), dim + 7)
    _assert_same(got, want)


def test_cumprod_gradient_in_closed_form():
    # y = (a, ab, abc) at (a, b, c) = (2, 0, 3), upstream 1: dy/da = 1 + b + bc = 1,
    # dy/db = a + ac = 8, dy/dc = ab = 0
    x = gg.tensor([2.0, 0.0, 3.0], dtype=np.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.cumprod(0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 8.0, 0.0])


def test_scans_of_a_0d_tensor_and_bad_dims():
    for name in ("cumsum", "cumprod"):
        x = gg.tensor(1.5, dtype=np.float64, requires_grad=True)
        y = getattr(x, name)(-1)
        y.backward()
        assert y.shape == () and y.item() == 1.5 and x.grad.item() == 1.0
        with pytest.raises(IndexError, match="out of range"):
            getattr(gg.ones(2, 3), name)(-3)
        with pytest.raises(TypeError, match="dim must be one int"):
            getattr(gg.ones(2, 3), name)(None)


# ---------------------------------------------------------------- // and %

SIGNS_A = np.array([7, -7, 7, -7, 0, 6, -6])
SIGNS_B = np.array([3, 3, -3, -3, 5, -3, 3])


@pytest.mark.parametrize("dtype,tdtype", [(np.int64, torch.int64), (np.int32, torch.int32),
                                          (np.float64, torch.float64),
                                          (np.float32, torch.float32)])
def test_floor_divide_and_remainder_signs_and_dtypes_match_torch(dtype, tdtype):
    a, b = SIGNS_A.astype(dtype), SIGNS_B.astype(dtype)
    x, y = gg.tensor(a, dtype=dtype), gg.tensor(b, dtype=dtype)
    t, u = torch.tensor(a, dtype=tdtype), torch.tensor(b, dtype=tdtype)
    for got, want in [(x // y, t // u), (x % y, t % u), (x.floor_divide(y), t.floor_divide(u)),
                      (x.remainder(y), t.remainder(u)), (x // 2, t // 2), (x % -4, t % -4),
                      (9 // y, 9 // u), (-9 % y, -9 % u), (F.remainder(x, y), t.remainder(u)),
                      (F.floor_divide(x, y), torch.floor_divide(t, u))]:
        assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    # the closed form: a == (a // b) * b + a % b, and a % b has b's sign (or is 0)
    q, r = (x // y).numpy(), (x % y).numpy()
    np.testing.assert_array_equal(q * b + r, a)
    assert np.all((r == 0) | (np.sign(r) == np.sign(b)))


def test_mixed_dtypes_promote_like_torch():
    i, f = np.array([7, -7, 5]), np.array([2.5, -1.5, 2.0], dtype=np.float32)
    pairs = [
        (gg.tensor(i) // 2.5, torch.tensor(i) // 2.5),
        (gg.tensor(i) % 2.5, torch.tensor(i) % 2.5),
        (gg.tensor(i) // gg.tensor(f), torch.tensor(i) // torch.tensor(f)),
        (gg.tensor(f) % gg.tensor(i), torch.tensor(f) % torch.tensor(i)),
        (gg.tensor(i.astype(np.int32)) % 3, torch.tensor(i, dtype=torch.int32) % 3),
        (7.5 // gg.tensor(i), 7.5 // torch.tensor(i)),
    ]
    for got, want in pairs:
        assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_float_floor_divide_and_remainder_match_torch_on_random_values():
    rng = np.random.default_rng(0)
    a = rng.normal(scale=10, size=(4, 1, 50))
    b = rng.normal(scale=3, size=(3, 50))
    np.testing.assert_array_equal((gg.tensor(a, dtype=np.float64) // gg.tensor(
        b, dtype=np.float64)).numpy(), (torch.tensor(a) // torch.tensor(b)).numpy())
    np.testing.assert_allclose((gg.tensor(a, dtype=np.float64) % gg.tensor(
        b, dtype=np.float64)).numpy(), (torch.tensor(a) % torch.tensor(b)).numpy(), atol=1e-12)


def test_division_by_zero_matches_torch():
    a = np.array([5.0, -5.0, 0.0])
    x = gg.tensor(a, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from NumPy either
        np.testing.assert_array_equal((x // 0.0).numpy(), (torch.tensor(a) // 0.0).numpy())
        np.testing.assert_array_equal((x % 0.0).numpy(), (torch.tensor(a) % 0.0).numpy())
    for op in (lambda p, q: p // q, lambda p, q: p % q):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(torch.tensor([5, 1]), torch.tensor([1, 0]))
        with pytest.raises(ZeroDivisionError, match="integer division by zero"):
            op(gg.tensor([5, 1]), gg.tensor([1, 0]))
        with pytest.raises(ZeroDivisionError):
            op(gg.tensor([5, 1]), 0)


@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((4, 1, 3), (2, 1)), ((), (3,)),
                                   ((3,), ())])
def test_remainder_gradients_match_torch_with_broadcasting(sa, sb):
    rng = np.random.default_rng(1)
    a, b = rng.normal(scale=4, size=sa), rng.uniform(0.5, 2, size=sb) * rng.choice([-1, 1], sb)
    x = gg.tensor(a, dtype=np.float64, requires_grad=True)
    y = gg.tensor(b, dtype=np.float64, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    u = torch.tensor(b, requires_grad=True)
    out, tout = x % y, t % u
    g = rng.normal(size=tuple(tout.shape))
    out.backward(gg.tensor(g, dtype=np.float64))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), u.grad.numpy(), atol=1e-12)
    # closed form: d/da = 1, d/db = -floor(a / b), each summed back to its operand's shape
    np.testing.assert_allclose(x.grad.numpy(), _sum_to(g, sa), atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), _sum_to(-g * np.floor(a / b), sb), atol=1e-12)


def _sum_to(g, shape):
    g = g.sum(tuple(range(g.ndim - len(shape))))
    return g.sum(tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


def test_rmod_by_a_tensor_has_the_gradient_torch_leaves_unimplemented():
    b = np.array([1.5, -2.5, 0.7])
    u = torch.tensor(b, requires_grad=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        (4.0 % u).sum().backward()
    # NOTE: a deliberate difference: glassgrad gives d(4 % b)/db = -floor(4 / b) (closed form)
    y = gg.tensor(b, dtype=np.float64, requires_grad=True)
    (4.0 % y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), -np.floor(4.0 / b))


def test_floor_divide_is_not_differentiable_like_torch():
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert (t // 2).requires_grad
    with pytest.raises(RuntimeError, match="floor_divide is not implemented"):
        (t // 2).sum().backward()
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    out = x // 2
    assert out.requires_grad and type(out.grad_fn).__name__ == "FloorDivide"
    with pytest.raises(gg.NotDifferentiableError, match="FloorDivide"):
        out.sum().backward()
    with gg.no_grad():
        assert not (x // 2).requires_grad


def test_in_place_floor_divide_and_remainder():
    x = gg.tensor([7, -7, 8])
    same = x
    x //= 2
    assert x is same and x.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), (torch.tensor([7, -7, 8]) // 2).numpy())
    y = gg.tensor([7.5, -7.5])
    y %= 2.0
    np.testing.assert_array_equal(y.numpy(), (torch.tensor([7.5, -7.5]) % 2.0).numpy())

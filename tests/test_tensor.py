"""The Tensor surface: creation, properties, conversion, dtypes, dunders, randomness."""

import numpy as np
import pytest

import glassgrad as gg
from tests._torch import import_torch


# ---------------------------------------------------------------- creation
def test_tensor_copies_data_and_defaults_to_float32():
    src = np.array([1.0, 2.0])
    t = gg.tensor(src)
    src[0] = 99.0
    assert t.dtype == np.float32 and t.tolist() == [1.0, 2.0]
    assert gg.tensor([[1, 2]]).dtype == np.int64
    assert gg.tensor([True]).dtype == np.bool_
    assert gg.tensor(3.0).shape == ()


def test_float64_on_request_is_preserved():
    t = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    y = (t * 2.5 + 1).exp().sum()
    y.backward()
    assert t.dtype == y.dtype == t.grad.dtype == np.float64


def test_set_default_dtype_float64():
    gg.set_default_dtype(gg.float64)
    assert gg.tensor([1.0]).dtype == gg.zeros(2).dtype == gg.randn(2).dtype == np.float64
    with pytest.raises(TypeError, match="floating"):
        gg.set_default_dtype(np.int32)


@pytest.mark.parametrize("make, shape, value", [
    (lambda: gg.zeros(2, 3), (2, 3), 0.0),
    (lambda: gg.zeros((2, 3)), (2, 3), 0.0),
    (lambda: gg.ones(4), (4,), 1.0),
    (lambda: gg.full((2, 2), 7.0), (2, 2), 7.0),
    (lambda: gg.zeros_like(gg.ones(3, 1)), (3, 1), 0.0),
    (lambda: gg.ones_like(gg.zeros(2)), (2,), 1.0),
    (lambda: gg.full_like(gg.zeros(2), 3.0), (2,), 3.0),
])
def test_constant_factories(make, shape, value):
    t = make()
    assert t.shape == shape and t.dtype == np.float32
    assert np.all(t.numpy() == value)


def test_other_factories():
    np.testing.assert_array_equal(gg.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(gg.arange(5).numpy(), np.arange(5))
    assert gg.arange(5).dtype == np.int64 and gg.arange(0, 1, 0.25).dtype == np.float32
    np.testing.assert_allclose(gg.arange(1.0, 2.0, 0.5).numpy(), [1.0, 1.5])
    np.testing.assert_allclose(gg.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1.0])
    assert gg.empty(2, 3).shape == (2, 3) and gg.empty_like(gg.ones(4)).shape == (4,)
    r = gg.randint(0, 5, (100,))
    assert r.dtype == np.int64 and 0 <= r.numpy().min() and r.numpy().max() < 5
    assert gg.randint(3, size=4).shape == (4,)
    u = gg.rand(1000)
    assert 0 <= u.numpy().min() and u.numpy().max() < 1
    assert gg.randn_like(gg.zeros(2, dtype=gg.float64)).dtype == np.float64
    assert gg.rand_like(gg.zeros(3)).shape == (3,)
    assert gg.randint_like(gg.zeros(3), 10).dtype == np.float32  # keeps the like's dtype
    assert gg.ones(2, requires_grad=True).requires_grad


def test_manual_seed_reproduces_every_random_factory():
    def draw():
        return gg.randn(3, 4).numpy(), gg.rand(5).numpy(), gg.randint(0, 100, (6,)).numpy()

    gg.manual_seed(123)
    first = draw()
    gg.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    gg.manual_seed(124)
    assert not np.array_equal(gg.randn(3, 4).numpy(), first[0])


def test_randn_is_standard_normal():
    x = gg.randn(20000).numpy()
    assert abs(x.mean()) < 0.03 and abs(x.std() - 1) < 0.03


# ---------------------------------------------------------------- properties and conversion
def test_properties():
    t = gg.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.size() == (2, 3, 4) and t.size(-1) == 4
    assert t.device == "cpu" and t.numel() == 24 and t.dim() == 3 and len(t) == 2
    assert t.T.shape == (4, 3, 2) and t.is_leaf and t.grad_fn is None
    assert isinstance(t.data, np.ndarray)


def test_conversions():
    t = gg.tensor([[1.5, 2.0]])
    assert isinstance(t.numpy(), np.ndarray) and t.tolist() == [[1.5, 2.0]]
    assert gg.tensor([[3.0]]).item() == 3.0 and isinstance(gg.tensor(3.0).item(), float)
    assert float(gg.tensor(2.5)) == 2.5 and int(gg.tensor(7)) == 7
    assert np.asarray(t).shape == (1, 2)
    with pytest.raises(ValueError, match=r"shape \(1, 2\)"):
        t.item()


def test_detach_shares_memory_and_cuts_the_graph():
    x = gg.ones(3, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.data is y.data and not d.requires_grad and d.grad_fn is None


def test_to_dtype_and_device():
    x = gg.ones(2)
    assert x.to("cpu") is x and x.cpu() is x
    assert x.to(gg.float64).dtype == np.float64 and x.double().dtype == np.float64
    assert x.double().float().dtype == np.float32 and x.long().dtype == np.int64


def test_to_dtype_is_differentiable():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_requires_grad_and_repr():
    x = gg.zeros(2).requires_grad_()
    assert x.requires_grad and "requires_grad=True" in repr(x)
    assert "grad_fn=<Mul>" in repr(x * 2)
    assert "float64" in repr(gg.zeros(1, dtype=gg.float64))


# ---------------------------------------------------------------- dtype mixing
def test_python_scalars_do_not_upcast():
    x = gg.ones(2)
    for y in (x + 1, x * 2.5, 1.5 - x, x / 3, x**2, 2.0**x):
        assert y.dtype == np.float32


def test_numpy_arrays_and_scalars_follow_the_tensor_dtype():
    x = gg.ones(2)
    a64 = np.array([1.0, 2.0])
    for y in (x + a64, a64 + x, x * a64, a64 - x, x * np.float64(2), np.float64(2) * x):
        assert isinstance(y, gg.Tensor) and y.dtype == np.float32
    x64 = gg.ones(2, dtype=gg.float64)
    assert (x64 + np.ones(2, dtype=np.float32)).dtype == np.float64


def test_float32_plus_float64_tensor_promotes_like_numpy():
    assert (gg.ones(2) + gg.ones(2, dtype=gg.float64)).dtype == np.float64


# ---------------------------------------------------------------- dunders
def test_arithmetic_dunders_against_numpy():
    a, b = np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0, -1.5])
    ta, tb = gg.tensor(a, dtype=gg.float64), gg.tensor(b, dtype=gg.float64)
    pairs = [(ta + tb, a + b), (ta - tb, a - b), (ta * tb, a * b), (ta / tb, a / b),
             (-ta, -a), (+ta, a), (abs(ta), np.abs(a)), (ta**2, a**2), (2 - ta, 2 - a),
             (1 / tb, 1 / b), (ta @ tb, a @ b),
             (ta.reshape(3, 1) @ tb.reshape(1, 3), np.outer(a, b))]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want)


def test_comparisons_give_bool_and_record_no_graph():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for got, want in [(x < 2, [1, 0, 0]), (x <= 2, [1, 1, 0]), (x > 2, [0, 0, 1]),
                      (x >= 2, [0, 1, 1]), (x == 2, [0, 1, 0]), (x != 2, [1, 0, 1]),
                      (x > gg.tensor([0.0, 5.0, 1.0]), [1, 0, 1])]:
        assert got.dtype == np.bool_ and not got.requires_grad
        np.testing.assert_array_equal(got.numpy(), np.array(want, dtype=bool))
    assert x in {x}  # hashable by identity despite __eq__


def test_indexing_and_setitem():
    x = gg.arange(12).reshape(3, 4)
    assert x[1, 2].item() == 6 and x[-1].tolist() == [8, 9, 10, 11]
    assert x[x > 9].tolist() == [10, 11]
    assert x[gg.tensor([2, 0])][:, 0].tolist() == [8, 0]
    assert x[[0, 0]].shape == (2, 4)
    y = gg.zeros(3)
    y[1] = 5.0
    y[gg.tensor([0, 2])] = gg.tensor([1.0, 2.0])
    assert y.tolist() == [1.0, 5.0, 2.0]
    assert [row.tolist() for row in gg.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]


def test_bool_of_tensor():
    assert bool(gg.tensor([1.0])) and not bool(gg.tensor(0.0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(gg.ones(2))
    assert gg.tensor([0.0, 1.0]).any().item() and not gg.tensor([0.0, 1.0]).all().item()


def test_max_min_with_dim_return_values_and_indices():
    x = gg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = x.max(1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert x.min(0).indices.tolist() == [0, 1, 0]
    assert x.argmax().item() == 3 and x.argmin(1, keepdim=True).shape == (2, 1)


def test_mean_of_no_elements_is_nan_as_in_torch():
    torch = import_torch()

    assert np.isnan(gg.zeros(0, 3).mean().item())
    assert np.isnan(torch.zeros(0, 3).mean().item())
    np.testing.assert_array_equal(gg.zeros(0, 3).mean(0).numpy().shape, (3,))

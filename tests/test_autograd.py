"""The backward engine: accumulation, retain_graph/retain_grad, grad modes, deep graphs, freeing."""

import gc
import weakref

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import Function


def test_gradient_accumulates_across_two_backward_calls():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2 + 3, 4 + 3])


def test_shared_input_used_twice_sums_both_paths():
    x = gg.tensor(3.0, requires_grad=True)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad.item() == 7.0


def test_diamond_graph():
    x = gg.tensor(2.0, requires_grad=True)
    a, b = x * 3, x.exp()
    (a * b).backward()  # d/dx 3x e^x = 3 e^x (1 + x)
    assert x.grad.item() == pytest.approx(3 * np.exp(2.0) * 3, rel=1e-6)


def test_retain_graph_allows_a_second_backward():
    x = gg.tensor([1.0, -1.0], requires_grad=True)
    y = (x.tanh() * 2).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)
    with pytest.raises(gg.GraphError, match="retain_graph=True"):
        y.backward()


def test_retain_grad_on_interior_nodes():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3).retain_grad()
    u = x * 5  # not retained
    (h * h + u).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.detach().numpy())
    assert u.grad is None
    np.testing.assert_allclose(x.grad.numpy(), 18 * x.detach().numpy() + 5)


def test_backward_with_explicit_gradient():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(gradient=gg.tensor([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, -6.0])


def test_broadcast_gradients_are_summed_to_the_input_shape():
    a = gg.ones(3, 1, requires_grad=True)
    b = gg.ones(4, requires_grad=True)
    c = gg.tensor(2.0, requires_grad=True)
    (a * b * c).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,) and c.grad.shape == ()
    np.testing.assert_array_equal(a.grad.numpy(), np.full((3, 1), 8.0))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(4, 6.0))
    assert c.grad.item() == 12.0


def test_constants_and_non_grad_tensors_get_no_gradient():
    x = gg.ones(2, requires_grad=True)
    w = gg.ones(2)
    (x * w + np.ones(2)).sum().backward()
    assert w.grad is None and x.grad is not None


def test_no_grad_records_nothing_and_enable_grad_reenables():
    x = gg.ones(2, requires_grad=True)
    with gg.no_grad():
        y = x * 2
        assert not gg.is_grad_enabled()
        with gg.enable_grad():
            z = x * 2
    assert gg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and type(z.grad_fn).__name__ == "Mul"
    with gg.set_grad_enabled(False):
        assert not (x * 2).requires_grad


def test_no_grad_as_decorator():
    @gg.no_grad()
    def evaluate(t):
        return t * 2

    assert not evaluate(gg.ones(2, requires_grad=True)).requires_grad
    assert gg.is_grad_enabled()


def test_chain_of_100000_ops_backpropagates():
    x = gg.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-5
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_deep_graph_can_be_dropped_without_backward():
    x = gg.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    del y  # deallocating a deep chain must not overflow the C stack
    gc.collect()


def test_graph_is_freed_after_backward():
    x = gg.tensor(np.linspace(0.1, 1, 5), requires_grad=True)
    h = x.exp()
    saved = weakref.ref(h.grad_fn.out)  # Exp saves its output for backward
    y = (h * 2).sum()
    del h
    fn = y.grad_fn
    y.backward()
    gc.collect()
    assert saved() is None, "Exp's saved output is still alive after backward"
    assert fn.inputs is None and not fn.__dict__
    with pytest.raises(gg.GraphError, match="second time"):
        y.backward()


def test_retained_graph_keeps_saved_arrays():
    x = gg.ones(3, requires_grad=True)
    h = x.exp()
    saved = weakref.ref(h.grad_fn.out)
    h.sum().backward(retain_graph=True)
    gc.collect()
    assert saved() is not None


def test_leaf_grad_is_a_tensor_with_the_leaf_dtype():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x * np.float64(2.0)).sum().backward()
    assert isinstance(x.grad, gg.Tensor) and x.grad.dtype == np.float32
    assert not x.grad.requires_grad


def test_needs_grad_lets_backward_skip_unneeded_inputs():
    seen = []

    class ProbeForTest(Function):
        def forward(self, a, b):
            return a * b

        def backward(self, gy):
            seen.append((self.needs_grad(0), self.needs_grad(1)))
            return gy, None

    x, w = gg.ones(2, requires_grad=True), gg.ones(2)
    ProbeForTest.apply(x, w).sum().backward()
    assert seen == [(True, False)]


def test_custom_function_with_constant_parameters():
    class ScaleForTest(Function):
        def forward(self, a, factor=1.0):
            self.factor = factor
            return a * factor

        def backward(self, gy):
            return gy * self.factor

    x = gg.tensor([1.0, 2.0], requires_grad=True)
    ScaleForTest.apply(x, factor=4.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])
    assert gg.gradcheck(lambda t: ScaleForTest.apply(t, factor=-2.5), [x])


def test_grad_arrays_are_never_modified_in_place():
    x = gg.ones(2, requires_grad=True)
    y = gg.ones(2, requires_grad=True)
    (x + y).sum().backward()  # Add hands the same array to both inputs
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0])


def test_not_differentiable_function_raises():
    class StepForTest(Function):
        differentiable = False

        def forward(self, a):
            return (a > 0).astype(a.dtype)

        def backward(self, gy):
            return gy * 0

    x = gg.ones(2, requires_grad=True)
    y = StepForTest.apply(x)
    with pytest.raises(gg.NotDifferentiableError, match="StepForTest"):
        y.sum().backward()

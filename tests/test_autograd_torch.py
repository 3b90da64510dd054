"""Core audit, autograd and in-place behaviour against PyTorch 2.13.0's rules."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.errors import GraphError, ShapeError
from tests._torch import import_torch

torch = import_torch()


def test_manual_sgd_step_in_place_keeps_the_parameter():
    w = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    for p in (w, t):
        for _ in range(2):
            (p * p).sum().backward()
            with (gg.no_grad() if p is w else torch.no_grad()):
                p -= 0.1 * p.grad
            p.grad = None
    assert w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.detach().numpy(), t.detach().numpy())


def test_in_place_on_a_leaf_requiring_grad_raises_like_torch():
    w = gg.ones(2, requires_grad=True)
    with pytest.raises(GraphError, match="no_grad"):
        w += 1
    with pytest.raises(RuntimeError, match="leaf"):
        t = torch.ones(2, requires_grad=True)
        t += 1


def test_in_place_on_a_plain_tensor_updates_every_name_for_it():
    a = gg.ones(2)
    b = a
    b += 1
    b *= gg.tensor([2.0, 3.0])
    b /= 2
    assert b is a and a.tolist() == [2.0, 3.0] and a.dtype == np.float32
    d = gg.tensor([1, 2])
    with pytest.raises(TypeError, match="int64"):
        d += 2.5  # torch: "result type Float can't be cast to ... Long"
    with pytest.raises(ShapeError, match="broadcast"):
        a += gg.ones(3, 2)


def test_in_place_inside_the_graph_records_the_op():
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    for p in (x, t):
        h = p * 3
        h += p * p
        acc = gg.zeros(2, dtype=gg.float64) if p is x else torch.zeros(2, dtype=torch.float64)
        acc += h
        acc.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_in_place_under_no_grad_does_not_touch_shared_gradient_arrays():
    a = gg.ones(3, requires_grad=True)
    b = gg.ones(3, requires_grad=True)
    (a + b).sum().backward()
    with gg.no_grad():
        a.grad *= 10
    assert a.grad.tolist() == [10.0] * 3 and b.grad.tolist() == [1.0] * 3


def test_grad_accumulates_and_second_backward_needs_retain_graph():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(GraphError, match="retain_graph=True"):
        y.backward()


def test_autograd_errors_mirror_torch():
    x = gg.ones(2, requires_grad=True)
    with pytest.raises(GraphError, match="leaf"):
        (x * 2).requires_grad_()
    with pytest.raises(GraphError, match="gradient="):
        (x * 2).backward()
    with pytest.raises(GraphError, match="floating"):
        gg.tensor([1, 2], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 6.0]
    d = h.detach()
    assert d.data is h.data and not d.requires_grad

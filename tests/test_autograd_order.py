"""The backward engine's order (newest op first, by creation sequence) on graphs where order
matters: DAGs with shared subexpressions against PyTorch, interior retain_grad, leaf roots,
grad mode restored after an error, a freed shared subgraph, and constant indexing."""

import numpy as np
import pytest

import glassgrad as gg
from tests._torch import torch


def _dag(lib, x, w):
    # a DAG where one tensor (h) feeds three ops created at different times, and a leaf (w)
    # is used by ops on both branches
    h = (x * w).tanh()
    a = h * 2 + w
    b = (h.exp() * w).sum()
    c = (a * h).sum()
    return c * b + h.sum()


def test_dag_gradients_match_torch():
    rng = np.random.default_rng(0)
    xv, wv = rng.standard_normal(5), rng.standard_normal(5)
    x, w = gg.tensor(xv, requires_grad=True, dtype=np.float64), gg.tensor(
        wv, requires_grad=True, dtype=np.float64)
    xt, wt = torch.tensor(xv, requires_grad=True), torch.tensor(wv, requires_grad=True)
    _dag(gg, x, w).backward()
    _dag(torch, xt, wt).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-12)


def test_interior_retain_grad_on_a_shared_tensor_gets_the_full_sum():
    x = gg.tensor(0.5, requires_grad=True, dtype=np.float64)
    h = (x * 3).retain_grad()
    y = h * h + h.exp() + h  # dy/dh = 2h + e^h + 1
    y.backward()
    assert h.grad.item() == pytest.approx(2 * 1.5 + np.exp(1.5) + 1, rel=1e-12)
    assert x.grad.item() == pytest.approx(3 * (2 * 1.5 + np.exp(1.5) + 1), rel=1e-12)


def test_backward_from_a_leaf_accumulates_the_seed():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    x.backward(gg.tensor([3.0, 4.0]))
    x.backward(gg.tensor([1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 5.0])


def test_grad_mode_is_restored_when_backward_raises():
    x = gg.tensor([0.5, -0.5], requires_grad=True)
    y = gg.nn.functional.step(x).sum()
    with pytest.raises(gg.NotDifferentiableError):
        y.backward()
    assert gg.is_grad_enabled()


def test_a_second_backward_through_a_freed_shared_subgraph_raises():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    (h * 2).sum().backward()
    with pytest.raises(gg.GraphError, match="Exp a second time"):
        (h * 3).sum().backward()


def test_indexing_a_constant_records_no_op_and_keeps_numpy_semantics():
    data = np.arange(12, dtype=np.float32).reshape(4, 3)
    x = gg.tensor(data)
    idx = np.array([3, 0, 3])
    picked = x[idx]
    assert picked.grad_fn is None and not picked.requires_grad
    np.testing.assert_array_equal(picked.numpy(), data[idx])
    row = x[1]
    np.testing.assert_array_equal(row.numpy(), data[1])
    assert x[1, 2].item() == 5.0
    assert x[gg.tensor(np.array([1, 2]))].shape == (2, 3)  # a Tensor index
    with pytest.raises(gg.ShapeError, match="GetItem"):
        x[7]
    # a tensor that requires grad still records GetItem (and gets a scattered gradient)
    w = gg.tensor(data, requires_grad=True)
    w[idx].sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1, 0, 0, 2])

"""Core Tensor API audit against PyTorch 2.13.0 (float64): the gaps earlier tests missed.

Every expected value comes from torch run on the same input (or a closed form in the test).
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.errors import GraphError, ShapeError
from tests._torch import import_torch

torch = import_torch()


def _both(shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def _check(fn_gg, fn_torch, shapes, seed=0):
    """Values and gradients (of a random weighting of the output) against torch."""
    ours, theirs = _both(shapes, seed)
    out, ref = fn_gg(*ours), fn_torch(*theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    w = np.random.default_rng(seed + 1).standard_normal(tuple(ref.shape))
    (out * gg.tensor(w, dtype=gg.float64)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        want = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- indexing (all matched torch)
INDEXING = {
    "step-slices": lambda m, x: x[::2, 1::2],
    "negative-slices": lambda m, x: x[-2:, :-1],
    "none-ellipsis": lambda m, x: x[None, ..., 1],
    "repeated-list": lambda m, x: x[[0, 0, 2]],
    "repeated-tensor-negative": lambda m, x: x[m.tensor([1, 1, -1])],
    "two-arrays-repeated": lambda m, x: x[[0, 0, 1], [1, 1, 3]],
    "2d-index-tensor": lambda m, x: x[m.tensor([[0, 1], [1, 1]])],
    "bool-mask": lambda m, x: x[x > 0],
    "bool-row-mask": lambda m, x: x[m.tensor([True, False, True])],
    "0d-result": lambda m, x: x[1, 2],
    "0d-index-tensor": lambda m, x: x[m.tensor(1)],
}


@pytest.mark.parametrize("name", INDEXING)
def test_indexing_values_and_accumulating_gradients(name):
    fn = INDEXING[name]
    _check(lambda x: fn(gg, x), lambda x: fn(torch, x), [(3, 4)])


@pytest.mark.parametrize("name, fn", [
    ("advanced-after-slice", lambda x: x[:, [0, 0, 2]]),
    ("advanced-split-by-slice", lambda x: x[[0, 1], :, [1, 1]]),  # result dims go first
    ("int-then-advanced", lambda x: x[:, 1, [0, 2]]),  # adjacent: they stay in place
])
def test_mixed_advanced_and_basic_indexing_places_dims_like_torch(name, fn):
    _check(fn, fn, [(2, 3, 4)])


def test_setitem_refuses_tensors_requiring_grad_unless_no_grad():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GraphError, match="no_grad"):
        x[0] = 5.0
    with gg.no_grad():
        x[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


# ---------------------------------------------------------------- shape ops
@pytest.mark.parametrize("name, fn, shapes", [
    ("permute-negative", lambda x: x.permute(-1, 0, 1), [(2, 3, 4)]),  # was a wrong gradient
    ("permute-tuple", lambda x: x.permute((2, 0, 1)), [(2, 3, 4)]),
    ("transpose-negative", lambda x: x.transpose(-1, 0), [(2, 3, 4)]),
    ("mT", lambda x: x.mT, [(2, 3, 4)]),
    ("flatten-middle", lambda x: x.flatten(1, 2), [(2, 3, 4, 5)]),
    ("squeeze-tuple", lambda x: x.squeeze((1, -1)), [(2, 1, 3, 1)]),
    ("squeeze-non-1-dim", lambda x: x.squeeze(0), [(2, 1, 3, 1)]),
    ("unsqueeze-negative", lambda x: x.unsqueeze(-3), [(3, 4)]),
    ("expand-minus-1", lambda x: x.expand(2, -1, 4), [(3, 1)]),
    ("repeat", lambda x: x.repeat(2, 1, 3), [(3, 2)]),
    ("split-sizes", lambda x: x.split([1, 3], dim=1)[1], [(3, 4)]),
    ("chunk-uneven", lambda x: x.chunk(3, -1)[2], [(3, 5)]),
])
def test_shape_ops_match_torch(name, fn, shapes):
    _check(fn, fn, shapes)


def test_repeat_and_chunk_counts():
    assert gg.zeros(3).repeat(2, 2).shape == tuple(torch.zeros(3).repeat(2, 2).shape)
    assert len(gg.zeros(3, 6).chunk(4, 1)) == len(torch.zeros(3, 6).chunk(4, 1))
    with pytest.raises(ShapeError):
        gg.zeros(2, 3).repeat(2)
    with pytest.raises(ShapeError, match="mT"):
        gg.zeros(3).mT  # noqa: B018


def test_gather_and_take_along_dim_accumulate_repeated_indices():
    index = [[0, 0], [1, 0], [2, 2]]
    _check(lambda x: x.gather(1, gg.tensor(index)),
           lambda x: x.gather(1, torch.tensor(index)), [(3, 4)])
    _check(lambda x: gg.functional.gather(x, 0, gg.tensor([[2, 0, 2, 2]])),
           lambda x: torch.gather(x, 0, torch.tensor([[2, 0, 2, 2]])), [(3, 4)])
    _check(lambda x: x.take_along_dim(gg.tensor([[0], [3], [3]]), 1),
           lambda x: x.take_along_dim(torch.tensor([[0], [3], [3]]), 1), [(3, 4)])
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        gg.zeros(3, 4).gather(1, gg.tensor([[4]]))
    with pytest.raises(ShapeError, match="dims"):
        gg.zeros(3, 4).gather(1, gg.tensor([0]))


def test_masked_fill_where_and_clamp_with_tensor_bounds():
    _check(lambda x: x.masked_fill(x > 0, -1.5), lambda x: x.masked_fill(x > 0, -1.5), [(3, 4)])
    _check(lambda x, v: x.masked_fill(x > 0, v), lambda x, v: x.masked_fill(x > 0, v),
           [(3, 4), ()])
    _check(lambda x, y: gg.where(x > 0, x, y), lambda x, y: torch.where(x > 0, x, y),
           [(3, 4), (4,)])
    _check(lambda x, lo: x.clamp(lo, 0.5), lambda x, lo: x.clamp(lo, torch.tensor(0.5).double()),
           [(3, 4), (4,)])
    _check(lambda x, lo, hi: gg.clamp(x, min=lo, max=hi),
           lambda x, lo, hi: torch.clamp(x, min=lo, max=hi), [(3, 4), (3, 1), (4,)], seed=3)
    with pytest.raises(TypeError, match="bool"):
        gg.zeros(2).masked_fill(gg.tensor([1, 0]), 1.0)


# ---------------------------------------------------------------- reductions
@pytest.mark.parametrize("name, fn", [
    ("sum-tuple-negative", lambda x: x.sum((0, -1))),
    ("sum-list-keepdim", lambda x: x.sum([0, 2], keepdim=True)),
    ("sum-empty-dims-reduces-all", lambda x: x.sum(())),
    ("mean-empty-dims-reduces-all", lambda x: x.mean(dim=[])),
    ("var-unbiased-false", lambda x: x.var(1, unbiased=False)),
    ("std-unbiased-true", lambda x: x.std((0, 2), unbiased=True, keepdim=True)),
    ("var-correction-0-tuple", lambda x: x.var((0, 1), correction=0)),
    ("amax-tuple", lambda x: x.amax((0, 2))),
    ("logsumexp-tuple", lambda x: x.logsumexp((0, 1))),
    ("softmax-dim-0", lambda x: x.softmax(0)),
    ("log-softmax-dim-1", lambda x: x.log_softmax(1)),
    ("max-dim-values", lambda x: x.max(1).values),
    ("min-dim-keepdim", lambda x: x.min(dim=-1, keepdim=True).values),
])
def test_reductions_match_torch(name, fn):
    _check(fn, fn, [(2, 3, 4)])


def test_max_dim_gradient_goes_to_the_index_amax_splits_ties():
    data = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]
    for reduce in (lambda x: x.max(1).values, lambda x: x.min(0).values,
                   lambda x: x.max(1, keepdim=True)[0], lambda x: x.amax(1), lambda x: x.max(),
                   lambda x: x.amin(0)):
        x = gg.tensor(data, dtype=gg.float64, requires_grad=True)
        t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
        reduce(x).sum().backward()
        reduce(t).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    values, indices = gg.tensor(data).max(1)
    assert indices.tolist() == torch.tensor(data).max(1).indices.tolist() == [1, 0]
    assert gg.tensor(data).max(1)._fields == ("values", "indices")


def test_max_with_a_tensor_is_elementwise():
    _check(lambda x, y: x.max(y), lambda x, y: x.max(y), [(3, 4), (4,)])
    _check(lambda x, y: x.min(y), lambda x, y: x.min(y), [(3, 4), (3, 4)])


def test_var_rejects_correction_and_unbiased_together():
    with pytest.raises(TypeError, match="not both"):
        gg.zeros(3).var(correction=1, unbiased=True)


# ---------------------------------------------------------------- dtype promotion
@pytest.mark.parametrize("name, fn", [
    ("int-plus-float-scalar", lambda m: m.tensor([1, 2]) + 2.5),
    ("float-scalar-times-int", lambda m: 2.5 * m.tensor([1, 2])),
    ("float-scalar-minus-int", lambda m: 2.5 - m.tensor([1, 2])),
    ("int-div-int-scalar", lambda m: m.tensor([1, 2]) / 2),
    ("int-scalar-div-int", lambda m: 3 / m.tensor([1, 2])),
    ("int-div-int-tensor", lambda m: m.tensor([1, 2]) / m.tensor([2, 4])),
    ("int-pow-float", lambda m: m.tensor([1, 4]) ** 0.5),
    ("int-plus-float32-tensor", lambda m: m.tensor([1, 2]) + m.tensor([0.5, 0.5])),
    ("float32-times-int-tensor", lambda m: m.tensor([0.5, 0.5]) * m.tensor([1, 2])),
    ("float32-plus-float64-0d", lambda m: m.tensor([0.5]) + m.tensor(2.0, dtype=m.float64)),
    ("float64-0d-plus-float32", lambda m: m.tensor(2.0, dtype=m.float64) + m.tensor([0.5])),
    ("int-plus-int", lambda m: m.tensor([1, 2]) + 3),
    ("bool-plus-int", lambda m: m.tensor([True, False]) + 1),
    ("int-pow-int", lambda m: m.tensor([2, 3]) ** 2),
])
def test_type_promotion_matches_torch(name, fn):
    out, ref = fn(gg), fn(torch)
    assert str(out.dtype) == str(ref.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.numpy(), ref.numpy())


def test_promoted_int_operand_leaves_the_float_side_differentiable():
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    (x * gg.tensor([3, 4]) + gg.tensor(1.0, dtype=gg.float32)).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [3.0, 4.0]


@pytest.mark.parametrize("name, fn, value", [
    ("abs", lambda m, x: m.abs(x), 0.0),
    ("sqrt", lambda m, x: m.sqrt(x), 0.0),
    ("relu", lambda m, x: m.relu(x), 0.0),
    ("clamp-at-bounds", lambda m, x: m.clamp(x, 0.0, 0.0), 0.0),
    ("pow-negative-base", lambda m, x: x**3, -2.0),
])
def test_gradients_at_kinks_match_torch(name, fn, value):
    x = gg.tensor([value, 1.5], dtype=gg.float64, requires_grad=True)
    t = torch.tensor([value, 1.5], dtype=torch.float64, requires_grad=True)
    with np.errstate(divide="ignore"):
        fn(gg, x).sum().backward()
    fn(torch, t).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())

"""Tensor.register_hook, glassgrad.autograd.grad and the in-place methods, against PyTorch 2.13."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import hooks
from glassgrad.errors import GraphError, ShapeError
from tests._torch import torch

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4))
B = RNG.normal(size=(4, 2))


def pair(array, requires_grad=True):
    """The same float64 data as a glassgrad tensor and a torch tensor."""
    return (gg.tensor(array, dtype=np.float64, requires_grad=requires_grad),
            torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad))


def close(g, t):
    assert g is not None and t is not None
    np.testing.assert_allclose(np.asarray(g.data), t.detach().numpy(), rtol=1e-10, atol=1e-12)


def loss_of(lib, x, w):
    """A DAG in which x is used twice: tanh(x @ w) summed with x's squares."""
    h = (x @ w).tanh() if lib is gg else torch.tanh(x @ w)
    return (h * h).sum() + (x * x).sum() * 0.5, h


# ---------------------------------------------------------------- hooks


@pytest.mark.parametrize("factor", [None, 3.0])
def test_leaf_hook_sees_the_total_once_and_may_replace_it(factor):
    calls = {"gg": [], "torch": []}

    def make(key):
        def hook(g):
            calls[key].append(g.detach().clone() if key == "torch" else g)
            return None if factor is None else g * factor
        return hook

    (x, tx), (w, tw) = pair(A), pair(B)
    x.register_hook(make("gg"))
    tx.register_hook(make("torch"))
    loss_of(gg, x, w)[0].backward()
    loss_of(torch, tx, tw)[0].backward()
    assert len(calls["gg"]) == len(calls["torch"]) == 1  # once, with the sum over both uses
    close(calls["gg"][0], calls["torch"][0])
    assert not calls["gg"][0].requires_grad and calls["gg"][0].grad_fn is None
    close(x.grad, tx.grad)
    close(w.grad, tw.grad)


def test_non_leaf_hook_replaces_the_gradient_before_retain_grad_and_upstream():
    (x, tx), (w, tw) = pair(A), pair(B)
    seen = []
    h = x @ w
    h.retain_grad()
    h.register_hook(lambda g: seen.append(g) or g * 2.0)
    th = tx @ tw
    th.retain_grad()
    th.register_hook(lambda g: g * 2.0)
    (h.tanh() * h).sum().backward()
    (th.tanh() * th).sum().backward()
    assert len(seen) == 1  # used twice, called once
    close(h.grad, th.grad)  # retain_grad stores the replaced gradient
    close(x.grad, tx.grad)
    close(w.grad, tw.grad)


def test_several_hooks_run_in_registration_order_each_on_the_previous_result():
    (x, tx), (w, tw) = pair(A), pair(B)
    order = []
    for lib_x, tag in ((x, "gg"), (tx, "torch")):
        lib_x.register_hook(lambda g, tag=tag: order.append((tag, 1)) or g + 1.0)
        lib_x.register_hook(lambda g, tag=tag: order.append((tag, 2)))
        lib_x.register_hook(lambda g, tag=tag: order.append((tag, 3)) or g * 3.0)
    loss_of(gg, x, w)[0].backward()
    loss_of(torch, tx, tw)[0].backward()
    assert [n for tag, n in order if tag == "gg"] == [1, 2, 3]
    close(x.grad, tx.grad)  # (g + 1) * 3


def test_removed_hook_is_not_called_and_remove_twice_is_harmless():
    x, tx = pair(A)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1) or g * 10.0)
    keep = x.register_hook(lambda g: g + 1.0)
    handle.remove()
    handle.remove()
    (x * x).sum().backward()
    tx.register_hook(lambda g: g + 1.0)
    (tx * tx).sum().backward()
    assert calls == []
    close(x.grad, tx.grad)
    keep.remove()
    assert id(x) not in hooks.LEAVES  # no hooked leaves left: backward takes its plain path
    with x.register_hook(lambda g: g * 0.0):
        pass  # the context manager removes it
    x.grad = None
    (x * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full(A.shape, 2.0))


def test_hooks_on_roots_and_across_two_backwards():
    x, tx = pair(A)
    y, ty = x * 1.0, tx * 1.0
    for t in (y, ty):
        t.register_hook(lambda g: g * 2.0)
        t.retain_grad()
    seed = RNG.normal(size=A.shape)
    y.backward(gg.tensor(seed, dtype=np.float64), retain_graph=True)
    y.backward(gg.tensor(seed, dtype=np.float64))
    ty.backward(torch.tensor(seed), retain_graph=True)
    ty.backward(torch.tensor(seed))
    close(y.grad, ty.grad)
    close(x.grad, tx.grad)
    leaf, tleaf = pair(B)
    leaf.register_hook(lambda g: g * 7.0)
    tleaf.register_hook(lambda g: g * 7.0)
    leaf.backward(gg.ones_like(leaf))
    tleaf.backward(torch.ones_like(tleaf))
    close(leaf.grad, tleaf.grad)


def test_in_place_change_of_the_grad_inside_a_hook_counts():
    x, tx = pair(A)
    def triple(g):
        g.mul_(3.0)  # returns None

    x.register_hook(triple)
    tx.register_hook(triple)
    (x * x).sum().backward()
    (tx * tx).sum().backward()
    close(x.grad, tx.grad)


def test_hook_errors():
    with pytest.raises(RuntimeError, match="require gradient"):
        torch.ones(2).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="does not require grad"):  # GraphError is one
        gg.ones(2).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="callable"):
        gg.ones(2, requires_grad=True).register_hook(3)
    x = gg.ones(2, requires_grad=True)
    x.register_hook(lambda g: gg.ones(3))
    with pytest.raises(ShapeError, match="shape"):
        (x * 2.0).sum().backward()
    y = gg.ones(2, requires_grad=True)
    y.register_hook(lambda g: 5)
    with pytest.raises(TypeError, match="must return a Tensor"):
        (y * 2.0).sum().backward()
    z = gg.ones(2, requires_grad=True)
    z.register_hook(lambda g: g.double())
    with pytest.raises(TypeError, match="dtype"):
        (z * 2.0).sum().backward()


def test_hooks_with_modules_and_an_optimizer_step():
    gg.manual_seed(0)
    net = gg.nn.Linear(3, 2)
    scale = []
    net.weight.register_hook(lambda g: scale.append(g) or g * 0.0)
    before = net.weight.data.copy()
    opt = gg.optim.SGD(net.parameters(), lr=0.1)
    net(gg.randn(5, 3)).sum().backward()
    opt.step()
    assert len(scale) == 1
    np.testing.assert_array_equal(net.weight.grad.data, 0.0)
    np.testing.assert_array_equal(net.weight.data, before)


# ---------------------------------------------------------------- autograd.grad


def test_grad_matches_torch_and_touches_no_grad():
    (x, tx), (w, tw) = pair(A), pair(B)
    loss, h = loss_of(gg, x, w)
    h.retain_grad()
    tloss, th = loss_of(torch, tx, tw)
    gx, gw, gh = gg.autograd.grad(loss, [x, w, h])
    tgx, tgw, tgh = torch.autograd.grad(tloss, [tx, tw, th])
    close(gx, tgx)
    close(gw, tgw)
    close(gh, tgh)
    assert x.grad is None and w.grad is None
    assert h.grad is None  # NOTE: PyTorch would store into a retain_grad tensor; glassgrad not
    assert isinstance(gx, gg.Tensor) and not gx.requires_grad
    single = gg.autograd.grad((x * x).sum(), x)  # a Tensor for inputs: still a tuple
    assert isinstance(single, tuple) and len(single) == 1
    np.testing.assert_allclose(single[0].data, 2 * A)


def test_grad_with_grad_outputs_and_several_outputs():
    (x, tx), (w, tw) = pair(A), pair(B)
    seed = RNG.normal(size=(3, 2))
    out, tout = (x @ w).tanh(), torch.tanh(tx @ tw)
    g = gg.autograd.grad(out, [x, w], grad_outputs=gg.tensor(seed, dtype=np.float64),
                         retain_graph=True)
    tg = torch.autograd.grad(tout, [tx, tw], grad_outputs=torch.tensor(seed), retain_graph=True)
    for a, b in zip(g, tg):
        close(a, b)
    g2 = gg.autograd.grad([out, (w * w).sum()], [x, w],
                          grad_outputs=[gg.tensor(seed, dtype=np.float64), None])
    tg2 = torch.autograd.grad([tout, (tw * tw).sum()], [tx, tw],
                              grad_outputs=[torch.tensor(seed), None])
    for a, b in zip(g2, tg2):
        close(a, b)


def test_grad_unused_inputs():
    (x, tx), (w, tw) = pair(A), pair(B)
    with pytest.raises(RuntimeError, match="allow_unused"):
        torch.autograd.grad((tx * 2).sum(), [tx, tw])
    with pytest.raises(GraphError, match="allow_unused"):
        gg.autograd.grad((x * 2.0).sum(), [x, w], retain_graph=True)
    gx, gw = gg.autograd.grad((x * 2.0).sum(), [x, w], allow_unused=True)
    tgx, tgw = torch.autograd.grad((tx * 2).sum(), [tx, tw], allow_unused=True)
    close(gx, tgx)
    assert gw is None and tgw is None
    _, zeros = gg.autograd.grad((x * 2.0).sum(), [x, w], materialize_grads=True)
    np.testing.assert_array_equal(zeros.data, np.zeros(B.shape))


def test_grad_errors():
    x = gg.ones(2, requires_grad=True)
    with pytest.raises(GraphError, match="does not require grad"):
        gg.autograd.grad(gg.ones(2).sum(), [x])
    with pytest.raises(GraphError, match="scalar"):
        gg.autograd.grad(x * 2.0, [x])
    with pytest.raises(GraphError, match="input 0 does not require grad"):
        gg.autograd.grad((x * 2.0).sum(), [gg.ones(2)])
    with pytest.raises(GraphError, match="shape"):
        gg.autograd.grad(x * 2.0, [x], grad_outputs=gg.ones(3))
    with pytest.raises(NotImplementedError, match="create_graph"):
        gg.autograd.grad((x * 2.0).sum(), [x], create_graph=True)
    out = (x * x).sum()
    gg.autograd.grad(out, [x], retain_graph=True)
    gg.autograd.grad(out, [x])
    with pytest.raises(GraphError, match="second time"):
        gg.autograd.grad(out, [x])


def test_grad_runs_hooks_on_the_path_only_as_torch_does():
    (x, tx), (w, tw) = pair(A), pair(B)
    called = {"gg": [], "torch": []}
    for lib, a, b in ((gg, x, w), (torch, tx, tw)):
        key = "gg" if lib is gg else "torch"
        a.register_hook(lambda g, key=key: called[key].append("x") or g * 3.0)
        h = a @ b
        h.register_hook(lambda g, key=key: called[key].append("h") or g * 10.0)
        loss = (h * h).sum()
        if lib is gg:
            only_h = gg.autograd.grad(loss, [h], retain_graph=True)
            both = gg.autograd.grad(loss, [x])
        else:
            t_only_h = torch.autograd.grad(loss, [h], retain_graph=True)
            t_both = torch.autograd.grad(loss, [tx])
    # hooks on the input itself apply to what is returned; nothing below an input runs
    assert called["gg"] == called["torch"] == ["h", "h", "x"]
    close(only_h[0], t_only_h[0])
    close(both[0], t_both[0])
    assert x.grad is None


def test_grad_through_a_non_leaf_input_still_reaches_inputs_below():
    (x, tx), (w, tw) = pair(A), pair(B)
    h, th = x @ w, tx @ tw
    gh, gx = gg.autograd.grad((h.tanh()).sum(), [h, x])
    tgh, tgx = torch.autograd.grad(torch.tanh(th).sum(), [th, tx])
    close(gh, tgh)
    close(gx, tgx)
    # the marks on the graph are gone afterwards: an ordinary backward still works
    h2 = x @ w
    h2.retain_grad()
    gg.autograd.grad(h2.sum(), [h2], retain_graph=True)
    h2.sum().backward()
    np.testing.assert_array_equal(h2.grad.data, np.ones((3, 2)))


# ---------------------------------------------------------------- in-place methods

CALLS = [
    ("zero_", lambda m: ()),
    ("fill_", lambda m: (2.5,)),
    ("add_", lambda m: (m.tensor([1.0, 2.0, 3.0]),)),
    ("sub_", lambda m: (m.tensor([1.0, 2.0, 3.0]),)),
    ("mul_", lambda m: (m.tensor([[2.0], [-1.0]]),)),
    ("div_", lambda m: (4.0,)),
    ("copy_", lambda m: (m.tensor([7.0, 8.0, 9.0]),)),
    ("clamp_", lambda m: (-0.5, 0.5)),
]


@pytest.mark.parametrize("name, args", CALLS)
def test_in_place_values_identity_and_dtype(name, args):
    data = RNG.normal(size=(2, 3)).astype(np.float32)
    x, tx = gg.tensor(data), torch.tensor(data)
    array_before = x.data
    out = getattr(x, name)(*args(gg))
    getattr(tx, name)(*args(torch))
    assert out is x and x.dtype == np.float32 and x.shape == (2, 3)
    np.testing.assert_allclose(x.data, tx.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(array_before, data)  # the old array was not written into


def test_in_place_alpha_casts_and_broadcasts_like_torch():
    x, tx = gg.tensor([1.0, 5.0]), torch.tensor([1.0, 5.0])
    x.sub_(gg.tensor([1.0, 1.0]), alpha=2)
    tx.sub_(torch.tensor([1.0, 1.0]), alpha=2)
    np.testing.assert_array_equal(x.data, tx.numpy())
    i, ti = gg.tensor([1, 5]), torch.tensor([1, 5])
    i.add_(2, alpha=3)
    ti.add_(2, alpha=3)
    np.testing.assert_array_equal(i.data, ti.numpy())
    ints, tints = gg.zeros(3, dtype=np.int64), torch.zeros(3, dtype=torch.int64)
    ints.copy_(gg.tensor([1.7, 2.2, -1.5]))
    tints.copy_(torch.tensor([1.7, 2.2, -1.5]))
    np.testing.assert_array_equal(ints.data, tints.numpy())  # truncated toward zero
    assert ints.dtype == np.int64
    filled, tfilled = gg.tensor([5, 6, 7]), torch.tensor([5, 6, 7])
    filled.fill_(2.9)
    tfilled.fill_(2.9)
    np.testing.assert_array_equal(filled.data, tfilled.numpy())
    grid, tgrid = gg.zeros((2, 3)), torch.zeros(2, 3)
    grid.copy_(gg.tensor([1, 2, 3]))  # broadcast and int -> float32
    tgrid.copy_(torch.tensor([1, 2, 3]))
    np.testing.assert_array_equal(grid.data, tgrid.numpy())
    assert grid.dtype == np.float32
    x64 = gg.zeros(2, dtype=np.float64)
    x64.fill_(gg.tensor(3.0))  # a 0-d tensor value
    np.testing.assert_array_equal(x64.data, [3.0, 3.0])


@pytest.mark.parametrize("name, args", CALLS)
def test_in_place_on_a_leaf_that_requires_grad(name, args):
    tx = torch.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(tx, name)(*args(torch))
    x = gg.ones((2, 3), requires_grad=True)
    with pytest.raises(GraphError, match="leaf"):
        getattr(x, name)(*args(gg))
    with gg.no_grad():  # as an optimizer step: allowed, identity kept
        assert getattr(x, name)(*args(gg)) is x
    with torch.no_grad():
        getattr(tx, name)(*args(torch))
    np.testing.assert_allclose(x.data, tx.detach().numpy(), rtol=1e-6)
    assert x.is_leaf and x.requires_grad


def test_in_place_errors_like_torch():
    cases = [
        (lambda m: m.zeros(2).add_(m.ones(3)), ShapeError),
        (lambda m: m.zeros(2).add_(m.ones((2, 2)) if m is gg else m.ones(2, 2)), ShapeError),
        (lambda m: m.zeros(2).copy_(m.ones(3)), ShapeError),
        (lambda m: m.zeros(3, dtype=m.int64).add_(1.5), TypeError),
        (lambda m: m.tensor([1, 5]).div_(2), TypeError),
        (lambda m: m.tensor([1, 5]).add_(2, alpha=0.5), TypeError),
        (lambda m: m.tensor([1.0, 5.0]).clamp_(), ValueError),
        (lambda m: m.zeros(2).fill_(m.ones(2)), ShapeError),
    ]
    for make, error in cases:
        with pytest.raises(RuntimeError):
            make(torch)
        with pytest.raises(error):
            make(gg)


def graph_case(m, name):
    """y = w * 1 (a non-leaf), changed in place by ``name``, then summed with weights."""
    w = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
    v = m.tensor([0.5, 0.25, 2.0], requires_grad=True)
    y = w * 1.0
    same = y
    if name == "add_":
        y.add_(v, alpha=2)
    elif name == "sub_":
        y.sub_(v * v)
    elif name == "mul_":
        y.mul_(v)
    elif name == "div_":
        y.div_(v)
    elif name == "zero_":
        y.zero_()
    elif name == "fill_":
        y.fill_(4.0)
    elif name == "copy_":
        y.copy_(v * 2.0)
    elif name == "clamp_":
        y.clamp_(-1.5, 2.0)
    assert y is same
    (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
    return y, w, v


@pytest.mark.parametrize("name", [n for n, _ in CALLS])
def test_in_place_on_a_non_leaf_keeps_identity_and_backpropagates_like_torch(name):
    y, w, v = graph_case(gg, name)
    ty, tw, tv = graph_case(torch, name)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-6)
    assert y.requires_grad and not y.is_leaf
    for g, t in ((w.grad, tw.grad), (v.grad, tv.grad)):
        if t is None or not t.any():
            assert g is None or not g.data.any()  # torch may give zeros where glassgrad None
        else:
            np.testing.assert_allclose(g.data, t.numpy(), rtol=1e-6)


def test_copy_into_a_constant_from_the_graph():
    w, tw = gg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0],
                                                                     requires_grad=True)
    y, ty = gg.zeros(2), torch.zeros(2)
    y.copy_(w * 2.0)
    ty.copy_(tw * 2)
    assert y.requires_grad and ty.requires_grad
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy())


def test_hooks_and_retain_grad_across_an_in_place_change_like_torch():
    results = {}
    for m in (gg, torch):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        y = w * 1.0
        seen = []
        y.register_hook(lambda g, seen=seen: seen.append(np.array(g.tolist())))
        y.retain_grad()
        y.mul_(3.0)
        (y * m.tensor([1.0, 10.0])).sum().backward()
        results[m.__name__] = (seen, y.grad.tolist(), w.grad.tolist())
    (seen, ygrad, wgrad), (tseen, tygrad, twgrad) = results["glassgrad"], results["torch"]
    assert len(seen) == len(tseen) == 1
    np.testing.assert_allclose(seen[0], tseen[0])  # the old value's gradient (x3)
    np.testing.assert_allclose(ygrad, tygrad)
    np.testing.assert_allclose(wgrad, twgrad)


@pytest.mark.parametrize("retain_graph", [False, True])
def test_in_place_after_another_op_used_the_value_is_refused_not_wrong(retain_graph):
    # Mul saved ``a`` for its backward; the version counter sees the change and backward
    # refuses (PyTorch answers 5 here, as its Mul by a constant saves only the constant).
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    a = w * 1.0
    b = a * 2.0
    a.mul_(3.0)
    with pytest.raises(GraphError, match="in place"):
        (a + b).sum().backward(retain_graph=retain_graph)


def test_a_chain_of_in_place_changes_then_two_uses_matches_torch():
    results = []
    for m in (gg, torch):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        y = w * 1.0
        y.add_(1.0)
        y.mul_(w)
        y.clamp_(max=5.0)
        (y * 2.0 + y * 3.0).sum().backward()
        results.append((y.tolist(), w.grad.tolist()))
    assert results[0] == results[1]  # y = [2, 5], dL/dw = [15, 0]

"""Version counters (glassgrad/versions.py): an in-place change to a value that backward still
needs is refused, naming both ops and the versions; earlier uses of a changed tensor follow the
graph as it was. Expected values and which cases raise come from PyTorch 2.13 or closed form."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import GraphError, nn, optim
from tests._torch import import_torch


def _both(build):
    """Run ``build(m)`` for glassgrad and torch; each returns x.grad as a list, or the error."""
    torch = import_torch()
    out = []
    for m in (gg, torch):
        try:
            out.append(build(m))
        except (GraphError, RuntimeError) as err:
            out.append(err)
    return out


def test_issue_example_mul_in_place_after_use_is_refused_naming_ops_versions_and_fix():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    z = (y * y).sum()
    y.mul_(2.0)
    with pytest.raises(GraphError) as err:
        z.backward()
    msg = str(err.value)
    # the op that saved the tensor, the in-place op, both versions, and the fix
    for part in ("Mul saved", "mul_()", "version 0", "version 1", "clone", "after backward"):
        assert part in msg, (part, msg)
    assert x.grad is None  # nothing was accumulated: not [4, 8, 12]


def test_issue_example_sigmoid_output_zeroed_is_refused_like_torch():
    def build(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = m.sigmoid(x)
        z = y.sum()
        y.zero_()
        z.backward()
        return x.grad.tolist()

    g, t = _both(build)
    assert isinstance(t, RuntimeError) and "inplace operation" in str(t)
    assert isinstance(g, GraphError) and "Sigmoid saved its output" in str(g)
    assert "zero_()" in str(g)


@pytest.mark.parametrize("change", ["add_", "mul_", "sub_", "div_", "fill_", "zero_", "copy_",
                                    "clamp_", "iadd", "imul", "isub", "itruediv", "ipow",
                                    "setitem"])
def test_every_in_place_form_bumps_the_version_and_is_caught(change):
    """y saved by Mul (y * y), then changed in place: PyTorch raises for each form; so do we."""
    def build(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1.0
        z = (y * y).sum()
        with m.no_grad() if change == "setitem" else _nullcontext():
            {"add_": lambda: y.add_(1.0), "mul_": lambda: y.mul_(2.0),
             "sub_": lambda: y.sub_(1.0), "div_": lambda: y.div_(2.0),
             "fill_": lambda: y.fill_(3.0), "zero_": lambda: y.zero_(),
             "copy_": lambda: y.copy_(m.ones(3)), "clamp_": lambda: y.clamp_(0.0, 2.0),
             "iadd": lambda: y.__iadd__(1.0), "imul": lambda: y.__imul__(2.0),
             "isub": lambda: y.__isub__(1.0), "itruediv": lambda: y.__itruediv__(2.0),
             "ipow": lambda: y.__ipow__(2.0), "setitem": lambda: y.__setitem__(0, 5.0)}[change]()
        assert y._version == 1
        z.backward()
        return x.grad.tolist()

    g, t = _both(build)
    assert isinstance(t, RuntimeError), t
    assert isinstance(g, GraphError), g
    assert "version 0" in str(g) and "version 1" in str(g)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_version_counts_like_torch():
    torch = import_torch()
    for m in (gg, torch):
        a = m.ones(2)
        assert a._version == 0
        a.add_(1)
        a.mul_(2)
        a[0] = 3
        a += 1
        a.zero_()
        assert a._version == 5
        b = a * 2  # an out-of-place op makes a fresh tensor at version 0
        assert b._version == 0


@pytest.mark.parametrize("case", ["sum-then-add_", "relu-then-mul_", "chain"])
def test_a_change_no_op_saved_gives_torchs_gradient(case):
    """PyTorch's edges point at the old grad_fn: an op that saved nothing of y still
    backpropagates through y's old history. glassgrad must give the same numbers."""
    def build(m):
        x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
        if case == "sum-then-add_":
            y = x * 2.0
            z = y.sum()
            y.add_(1.0)
            (z + y.sum()).backward()  # z through the old y, plus the new y
        elif case == "relu-then-mul_":
            y = x * 3.0
            z = (y + 1.0).sum()
            y.mul_(x)  # in the graph: y becomes y_old * x
            (z * 2.0 + y.sum()).backward()
        else:
            y = x * 1.0
            a = y + 0.0  # Add saves nothing
            y.add_(1.0)
            y.mul_(2.0)
            (a.sum() * 5.0 + (y * 3.0).sum()).backward()
        return x.grad.tolist()

    g, t = _both(build)
    np.testing.assert_allclose(g, t, rtol=1e-6)


def test_a_write_through_a_view_is_seen_by_an_op_that_saved_the_base():
    """Base and views share one counter in PyTorch: a write into the base after Mul saved the
    view is refused by both."""
    def build(m):
        c = m.tensor([3.0, 4.0, 5.0])
        w = m.tensor([1.0, 2.0], requires_grad=True)
        v = c[0:2]
        z = (v * w).sum()
        c[0] = 100.0
        z.backward()
        return w.grad.tolist()

    g, t = _both(build)
    assert isinstance(t, RuntimeError)
    assert isinstance(g, GraphError) and "x[...] = v" in str(g) and "version 1" in str(g)


def test_a_write_into_a_saved_constant_is_refused_and_a_write_after_backward_is_fine():
    x = gg.tensor([1.0, 2.0])
    w = gg.tensor([0.5, 0.5], requires_grad=True)
    (x * w).sum().backward()
    x[0] = 9.0  # after backward: nothing needs the old value
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 2.0])
    z = (x * w).sum()
    x[1] = 7.0
    with pytest.raises(GraphError, match="Mul saved input 0"):
        z.backward()


def test_data_writes_are_not_tracked_as_in_pytorch():
    def build(m):
        x = m.tensor([1.0, 2.0])
        w = m.tensor([0.5, 0.5], requires_grad=True)
        z = (x * w).sum()
        x.data[0] = 10.0  # the documented escape hatch: not counted
        z.backward()
        return w.grad.tolist(), x._version

    (g, gv), (t, tv) = _both(build)
    assert g == t == [10.0, 2.0] and gv == tv == 0


def test_no_false_alarm_in_a_training_loop_with_manual_and_optimizer_updates():
    gg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = optim.SGD(net.parameters(), lr=0.1)
    x, y = gg.randn(8, 3), gg.randn(8, 1)
    for _ in range(3):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        with gg.no_grad():  # a manual update through the in-place dunder: bumps versions
            for p in net.parameters():
                p -= 0.01 * p.grad
    assert np.isfinite(loss.item())


def test_retained_graph_after_a_parameter_update_is_refused_like_torch():
    """The classic GAN mistake: step() between two backwards through one retained graph."""
    def build(m):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        loss = (w * w).sum()
        loss.backward(retain_graph=True)
        with m.no_grad():
            w -= 0.1 * w.grad
        loss.backward()
        return w.grad.tolist()

    g, t = _both(build)
    assert isinstance(t, RuntimeError) and isinstance(g, GraphError)


def test_in_place_before_use_is_fine_and_autograd_grad_follows_old_edges():
    torch = import_torch()
    res = []
    for m in (gg, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2.0
        y.add_(1.0)  # before any use: nothing to check
        z = (y * y).sum()
        (gx,) = (gg.autograd.grad if m is gg else torch.autograd.grad)(z, [x])
        res.append(gx.tolist())
    assert res[0] == res[1] == [12.0, 20.0]


def test_graph_walks_show_the_graph_as_it_was_used():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = y.sum()
    y.add_(1.0)
    ops = [type(t._ctx).__name__ for t in gg.autograd.topological_order(z) if t._ctx]
    assert ops == ["Mul", "Sum"]  # not the Add of the later change


def test_a_long_loop_of_updates_keeps_the_version_record_short():
    w = gg.ones(3)
    for _ in range(500):
        w -= 0.01  # the old arrays die: their records are dropped at the next change
    assert w._version == 500
    assert len(w._vc.changes) <= 2


def test_old_nodes_of_a_changed_tensor_are_dropped_once_backward_freed_them():
    w = gg.tensor([0.5, -0.5], requires_grad=True)
    h = w * 1.0
    for _ in range(50):
        h.mul_(w)  # each change rebases h onto a new node and remembers the old one
    assert len(h._vc.changes) == 50
    h.sum().backward()  # frees the whole graph: no earlier use can be backpropagated again
    np.testing.assert_allclose(w.grad.numpy(), 51 * np.array([0.5, -0.5]) ** 50, rtol=1e-5)
    with gg.no_grad():
        h.add_(1.0)
    assert h._version == 51 and len(h._vc.changes) == 1

"""Behaviour kept by the W1 hot-path work: BCE's input check (now run only when the reduced
loss is not finite), nn.Linear's inline feature check, hook-free Module calls."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F
from tests._torch import TF, import_torch, torch

T = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=np.float32)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("bad", [1.5, -0.25, np.nan, np.inf, -np.inf])
def test_bce_rejects_inputs_outside_0_1_for_every_reduction_without_warnings(reduction, bad):
    p = np.array([[0.2], [0.7], [bad], [0.4]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
            F.binary_cross_entropy(gg.tensor(p, requires_grad=True), gg.tensor(T),
                                   reduction=reduction)
        with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
            F.binary_cross_entropy(gg.tensor(p), gg.tensor(T), weight=gg.tensor(np.zeros(
                (4, 1), np.float32)), reduction=reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_at_exact_0_and_1_matches_torch(reduction):
    p = np.array([[0.0], [1.0], [1.0], [0.3]], dtype=np.float32)
    x = gg.tensor(p, requires_grad=True)
    xt = torch.tensor(p, requires_grad=True)
    out = F.binary_cross_entropy(x, gg.tensor(T), reduction=reduction)
    ref = TF.binary_cross_entropy(xt, torch.tensor(T), reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5)


def test_bce_with_a_nan_target_is_a_target_error_not_an_input_error():
    # PyTorch 2.13: "all elements of target should be between 0 and 1" (NaN included); the
    # message must blame the target, not the valid input.
    torch = import_torch()
    p = np.array([[0.2], [0.7]], dtype=np.float32)
    t = np.array([[np.nan], [1.0]], dtype=np.float32)
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(t))
    with pytest.raises(ValueError, match="target should be between 0 and 1") as err:
        F.binary_cross_entropy(gg.tensor(p), gg.tensor(t))
    assert "input must" not in str(err.value)


def test_bce_of_an_empty_batch_is_nan_not_an_error():
    out = F.binary_cross_entropy(gg.zeros(0, 1), gg.zeros(0, 1))
    assert np.isnan(out.item())


def test_linear_feature_check_names_the_layer_and_accepts_arrays_as_before():
    layer = nn.Linear(3, 2)
    with pytest.raises(gg.ShapeError, match=r"Linear\(in_features=3.*expected input with 3 "
                                            r"features.*got 4"):
        layer(gg.ones(5, 4))
    with pytest.raises(gg.ShapeError, match="got a scalar"):
        layer(gg.tensor(1.0))
    x = np.ones((5, 3), dtype=np.float32)  # a raw array is a constant input, as before
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(x).detach().numpy(), x @ w.T + b, rtol=1e-6)


@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)])
def test_linear_op_matches_torch_for_1d_2d_and_nd_inputs(shape):
    rng = np.random.default_rng(1)
    xv = rng.standard_normal(shape).astype(np.float32)
    layer = nn.Linear(3, 2)
    ref = torch.nn.Linear(3, 2)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(layer.weight.detach().numpy()))
        ref.bias.copy_(torch.from_numpy(layer.bias.detach().numpy()))
    x, xt = gg.tensor(xv, requires_grad=True), torch.tensor(xv, requires_grad=True)
    y, yt = layer(x), ref(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weight.grad.numpy(), ref.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(layer.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=1e-5,
                               atol=1e-6)


def test_hooks_added_after_hook_free_calls_still_run():
    layer = nn.Tanh()
    x = gg.tensor([0.5])
    assert layer(x).item() == pytest.approx(np.tanh(0.5))
    seen = []
    handle = layer.register_forward_pre_hook(lambda m, args: seen.append("pre"))
    layer.register_forward_hook(lambda m, args, out: out * 2)
    assert layer(x).item() == pytest.approx(2 * np.tanh(0.5))
    handle.remove()
    layer(x)
    assert seen == ["pre"]


# ---------------------------------------------------------------- second session's W1 work

def test_hooks_on_a_layer_inside_sequential_still_run():
    # NOTE: Sequential calls a hook-free layer's forward directly; a hooked one through __call__.
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    seen = []
    net[1].register_forward_hook(lambda m, args, out: seen.append(out.shape) or out * 0)
    assert net(gg.ones(4, 2)).abs().sum().item() == 0.0 and seen == [(4, 3)]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("shape", [(7,), (7, 2), (7, 2, 3)])
def test_minibatch_rows_match_numpy_fancy_indexing(dtype, shape):
    data = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    rows = np.array([6, 0, 3, 3], dtype=dtype)
    if np.dtype(dtype).kind == "i":
        rows[1] = -7  # a negative index picks the same row as in NumPy
    for requires_grad in (False, True):
        x = gg.tensor(data, requires_grad=requires_grad)
        np.testing.assert_array_equal(x[rows].detach().numpy(), data[rows])
    x = gg.tensor(data, requires_grad=True)
    x[rows].sum().backward()  # repeated rows accumulate
    expected = np.zeros_like(data)
    np.add.at(expected, rows, 1.0)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_out_of_range_minibatch_rows_raise_a_clear_error():
    x = gg.ones(5, 2)
    with pytest.raises(gg.ShapeError, match=r"GetItem.*index 7 is out of bounds for axis 0"):
        x[np.array([1, 7])]


def test_sigmoid_tails_are_silent_and_match_torch():
    z = np.array([-1e4, -500.0, -100.0, -88.8, -50.0, 0.0, 50.0, 1e4], dtype=np.float32)
    x = gg.tensor(z, requires_grad=True)
    xt = torch.tensor(z, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.sigmoid()
        y.sum().backward()
    yt = torch.sigmoid(xt)
    yt.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=0)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=0)


@pytest.mark.parametrize("loss_fn,torch_fn,target", [
    (F.binary_cross_entropy, TF.binary_cross_entropy, "p"),
    (F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, "p"),
    (F.cross_entropy, TF.cross_entropy, "class"),
])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_a_reduced_loss_is_one_graph_node_with_torch_values(loss_fn, torch_fn, target, reduction):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.05, 0.95, (6, 3)).astype(np.float32)
    t = (rng.integers(0, 3, 6) if target == "class"
         else rng.uniform(0, 1, (6, 3)).astype(np.float32))
    xg = gg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out = loss_fn(xg, gg.tensor(t), reduction=reduction)
    ref = torch_fn(xt, torch.tensor(t), reduction=reduction)
    assert out.shape == () and out.grad_fn.inputs[0] is xg  # no separate Mean/Sum node
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-6)
    out.backward()
    ref.backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_a_shared_leaf_accumulates_every_path_and_earlier_grads():
    w = gg.tensor([0.5, -1.0], requires_grad=True)
    wt = torch.tensor([0.5, -1.0], requires_grad=True)
    for t in (w, wt):
        ((t * t).sum() + (t * 3.0).sum() + t.exp().sum()).backward()
        (t * 2.0).sum().backward()  # .grad accumulates across backward calls
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("make", [lambda x: -x, lambda x: x.exp(), lambda x: x.sum()])
def test_backward_through_a_freed_graph_is_a_graph_error_for_every_kind_of_op(make):
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = make(x)
    y.backward(gg.ones_like(y))
    with pytest.raises(gg.GraphError, match="second time"):
        y.backward(gg.ones_like(y))


def test_plain_sgd_skips_frozen_and_gradless_parameters():
    a, b, c = (gg.tensor([1.0, 2.0], requires_grad=True) for _ in range(3))
    opt = gg.optim.SGD([a, b, c], lr=0.5)
    (a * 2.0).sum().backward()
    b.grad = gg.tensor([1.0, 1.0])
    b.requires_grad_(False)  # frozen after its gradient was set: not updated
    opt.step()
    assert a.tolist() == [0.0, 1.0] and b.tolist() == [1.0, 2.0] and c.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plain_sgd_step_is_theta_minus_lr_times_grad_bit_for_bit(dtype):
    rng = np.random.default_rng(5)
    w0, g = rng.standard_normal(50).astype(dtype), rng.standard_normal(50).astype(dtype)
    w = gg.tensor(w0, dtype=dtype, requires_grad=True)
    w.grad = gg.tensor(g, dtype=dtype)
    gg.optim.SGD([w], lr=0.0137).step()
    expected = w0 - 0.0137 * g  # NumPy with a Python float: the textbook update in w's dtype
    assert w.dtype == dtype
    np.testing.assert_array_equal(w.detach().numpy(), expected)


@pytest.mark.parametrize("shape", [(1, 3), (63, 4), (64, 4), (1000, 4), (128, 256), (2, 5, 3)])
def test_add_rows_is_the_broadcast_add_bit_for_bit(shape):
    from glassgrad.backend import add_rows

    rng = np.random.default_rng(2)
    y = rng.standard_normal(shape).astype(np.float32)
    row = rng.standard_normal(shape[-1]).astype(np.float32)
    expected = y + row  # NumPy's own broadcasting add, the reference
    add_rows(y, row)
    np.testing.assert_array_equal(y, expected)


def test_scalars_are_read_only_arrays_of_the_float_dtype_and_plain_numbers_otherwise():
    from glassgrad.backend import scalars

    for dtype in (np.float16, np.float32, np.float64):
        one, tiny = scalars(np.zeros(3, dtype), 1, 1e-12)
        assert one.dtype == tiny.dtype == dtype and one.shape == ()
        assert tiny == dtype(1e-12) and not one.flags.writeable
    assert scalars(np.zeros(3, np.int64), 1, 1e-12) == (1, 1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_bce_are_their_python_float_formulas_bit_for_bit(dtype):
    # The ops use cached 0-d constants instead of Python floats: same bits (NEP 50 casts the
    # Python float to the array's dtype), and p at exactly 0 and 1 keeps the −100 clamp.
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((40, 1)) * 30).astype(dtype)
    with np.errstate(over="ignore", divide="ignore"):
        sig = 1 / (np.exp(-a) + 1)
        p = np.concatenate([sig[:38], np.array([[0.0], [1.0]], dtype)])
        t = (rng.random((40, 1)) > 0.5).astype(dtype)
        lp, l1p = np.maximum(np.log(p), -100.0), np.maximum(np.log(1 - p), -100.0)
    x = gg.tensor(a, dtype=dtype, requires_grad=True)
    np.testing.assert_array_equal(x.sigmoid().detach().numpy(), sig)
    pt = gg.tensor(p, dtype=dtype, requires_grad=True)
    loss = F.binary_cross_entropy(pt, gg.tensor(t, dtype=dtype), reduction="sum")
    assert loss.item() == np.sum(t * (l1p - lp) - l1p)
    loss.backward()
    expected = (p - t) / np.maximum((1 - p) * p, 1e-12)
    np.testing.assert_array_equal(pt.grad.numpy(), expected)


def _layers_run(net, x, hooked=()):
    """Output, grad_fn name and parameter gradients of ``net(x).sum()``; ``hooked`` layers get
    a do-nothing forward hook (which keeps Sequential from fusing them)."""
    handles = [net[i].register_forward_hook(lambda *a: None) for i in hooked]
    for p in net.parameters():
        p.grad = None
    out = net(x)
    out.sum().backward()
    for h in handles:
        h.remove()
    return out.detach().numpy(), type(out.grad_fn).__name__, [
        p.grad.numpy().copy() for p in net.parameters()]


@pytest.mark.parametrize("act", ["Tanh", "Sigmoid", "ReLU"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 4, 3)])
def test_sequential_fuses_linear_and_activation_with_the_same_bits(act, bias, shape):
    net = nn.Sequential(nn.Linear(3, 4, bias=bias), getattr(nn, act)(), nn.Linear(4, 2, bias=bias),
                        getattr(nn, act)(), fuse=True)
    x = gg.tensor(np.random.default_rng(4).standard_normal(shape).astype(np.float32))
    out, kind, grads = _layers_run(net, x)
    ref_out, ref_kind, ref_grads = _layers_run(net, x, hooked=(0, 1, 2, 3))
    assert kind == f"Linear{act}" and ref_kind == act
    np.testing.assert_array_equal(out, ref_out)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_array_equal(g, r)
    # and PyTorch agrees on the values (independent reference)
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4, bias=bias), getattr(torch.nn, act)(),
                               torch.nn.Linear(4, 2, bias=bias), getattr(torch.nn, act)())
    with torch.no_grad():
        for p, q in zip(net.parameters(), tnet.parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy()))
    xt = torch.from_numpy(x.numpy())
    tnet(xt).sum().backward()
    np.testing.assert_allclose(out, tnet(xt).detach().numpy(), rtol=1e-5, atol=1e-6)
    for g, q in zip(grads, tnet.parameters()):
        np.testing.assert_allclose(g, q.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("act", ["Tanh", "Sigmoid", "ReLU"])
def test_sequential_by_default_shows_the_model_as_written(act):
    # fusion is opt-in: model(x).grad_fn is the last layer's op, as when calling layer by layer
    layers = [nn.Linear(3, 4), getattr(nn, act)(), nn.Linear(4, 2), getattr(nn, act)()]
    x = gg.ones(5, 3)
    by_hand = x
    for layer in layers:
        by_hand = layer(by_hand)
    out = nn.Sequential(*layers)(x)
    assert type(out.grad_fn).__name__ == type(by_hand.grad_fn).__name__ == act
    assert type(out.grad_fn.inputs[0].grad_fn).__name__ == "Linear"
    np.testing.assert_array_equal(out.detach().numpy(), by_hand.detach().numpy())
    assert nn.Sequential(*layers, fuse=True)[1:].fuse  # a slice keeps the switch


def test_sequential_fuses_only_a_plain_hook_free_linear_and_activation_pair():
    class MyTanh(nn.Tanh):
        pass

    class MyLinear(nn.Linear):
        pass

    x = gg.ones(2, 3)
    kinds = {
        "fused": nn.Sequential(nn.Linear(3, 2), nn.Tanh(), fuse=True),
        "subclassed activation": nn.Sequential(nn.Linear(3, 2), MyTanh(), fuse=True),
        "subclassed linear": nn.Sequential(MyLinear(3, 2), nn.Tanh(), fuse=True),
        "not adjacent": nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.0), nn.Tanh(), fuse=True),
        "linear last": nn.Sequential(nn.Tanh(), nn.Linear(3, 2), fuse=True),
        "two linears": nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 2), fuse=True),
    }
    got = {k: type(net(x).grad_fn).__name__ for k, net in kinds.items()}
    assert got == {"fused": "LinearTanh", "subclassed activation": "Tanh",
                   "subclassed linear": "Tanh", "not adjacent": "Tanh", "linear last": "Linear",
                   "two linears": "Linear"}
    net = kinds["fused"]
    seen = []
    net[1].register_forward_hook(lambda m, inp, out: seen.append(inp[0].shape))
    assert type(net(x).grad_fn).__name__ == "Tanh" and seen == [(2, 2)]  # the hook sees z
    with pytest.raises(gg.ShapeError, match="Linear"):  # the layer's own check still runs
        nn.Sequential(nn.Linear(3, 2), nn.Tanh(), fuse=True)(gg.ones(2, 5))

"""Property tests: for every core op, on hypothesis-drawn (broadcast-compatible) shapes, the
analytic gradient matches float64 central differences (glassgrad.gradcheck)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import glassgrad as gg
import glassgrad.nn.functional as F
from tests._fuzz_counts import count

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _x(rng, shape, low=0.2, high=2.0, signed=True):
    """float64 values with |x| in [low, high]: away from kinks at 0 and from log/sqrt's pole."""
    a = rng.uniform(low, high, size=shape)
    if signed:
        a = a * rng.choice([-1.0, 1.0], size=shape)
    return gg.tensor(np.asarray(a, dtype=np.float64), dtype=np.float64, requires_grad=True)


def _check(target, fn, *inputs):
    count(f"gradcheck:{target}")
    assert gg.gradcheck(fn, list(inputs))


UNARY = {
    "exp": (gg.exp, True), "log": (gg.log, False), "sqrt": (gg.sqrt, False),
    "abs": (gg.abs, True), "sin": (gg.sin, True), "cos": (gg.cos, True),
    "tanh": (gg.tanh, True), "sigmoid": (gg.sigmoid, True), "relu": (gg.relu, True),
    "neg": (lambda x: -x, True), "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), True),
    "clamp": (lambda x: gg.clamp(x, -1.5, 1.5), True), "elu": (F.elu, True),
    "gelu": (F.gelu, True), "softplus": (F.softplus, True), "hardtanh": (F.hardtanh, True),
    "pow_scalar": (lambda x: x ** 3, True), "rpow": (lambda x: 2.0 ** x, True),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=array_shapes(min_dims=0, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_unary_ops_gradcheck(name, shape, seed):
    fn, signed = UNARY[name]
    _check(name, fn, _x(np.random.default_rng(seed), shape, signed=signed))


BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a.abs() ** b, "maximum": gg.maximum,
    "minimum": gg.minimum,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16))
def test_broadcasting_binary_ops_gradcheck(name, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (_x(rng, s) for s in shapes.input_shapes)
    out = BINARY[name](a, b)
    assert out.shape == shapes.result_shape
    _check(name, BINARY[name], a, b)


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16))
def test_where_broadcasts_and_routes_gradients(shapes, seed):
    rng = np.random.default_rng(seed)
    cond = gg.tensor(rng.random(shapes.input_shapes[0]) > 0.5)
    a, b = (_x(rng, s) for s in shapes.input_shapes[1:])
    _check("where", lambda a, b: gg.where(cond, a, b), a, b)


REDUCE = {
    "sum": gg.sum, "mean": gg.mean, "amax": gg.amax, "logsumexp": gg.logsumexp,
    "var": gg.var, "std": gg.std, "log_softmax": None, "softmax": None,
}


@pytest.mark.parametrize("name", sorted(REDUCE))
@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3), data=st.data(),
       seed=st.integers(0, 2**16))
def test_reductions_over_any_dim_gradcheck(name, shape, data, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = _x(np.random.default_rng(seed), shape)
    if name in ("log_softmax", "softmax"):
        _check(name, lambda t: getattr(gg, name)(t, dim), x)
    else:
        keep = data.draw(st.booleans())
        dim = data.draw(st.sampled_from([dim, None]))
        _check(name, lambda t: REDUCE[name](t, dim, keep), x)


@SETTINGS
@given(batch=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=2),
       nkm=st.tuples(*[st.integers(1, 3)] * 3), vec=st.sampled_from(["", "a", "b"]),
       seed=st.integers(0, 2**16))
def test_matmul_with_broadcast_batch_dims_gradcheck(batch, nkm, vec, seed):
    rng = np.random.default_rng(seed)
    n, k, m = nkm
    sa = (k,) if vec == "a" else (*batch.input_shapes[0], n, k)
    sb = (k,) if vec == "b" else (*batch.input_shapes[1], k, m)
    _check("matmul", gg.matmul, _x(rng, sa), _x(rng, sb))


@SETTINGS
@given(lead=array_shapes(min_dims=0, max_dims=2, max_side=3), io=st.tuples(
    st.integers(1, 4), st.integers(1, 4)), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_linear_gradcheck(lead, io, bias, seed):
    rng = np.random.default_rng(seed)
    x, w = _x(rng, (*lead, io[0])), _x(rng, (io[1], io[0]))
    if bias:
        _check("linear", gg.linear, x, w, _x(rng, (io[1],)))
    else:
        _check("linear", lambda x, w: gg.linear(x, w), x, w)


@SETTINGS
@given(lead=array_shapes(min_dims=0, max_dims=2, max_side=3), io=st.tuples(
    st.integers(1, 4), st.integers(1, 4)), bias=st.booleans(),
    act=st.sampled_from(["Tanh", "Sigmoid", "ReLU"]), seed=st.integers(0, 2**16))
def test_linear_then_activation_as_sequential_fuses_them_gradcheck(lead, io, bias, act, seed):
    rng = np.random.default_rng(seed)
    x, w = _x(rng, (*lead, io[0])), _x(rng, (io[1], io[0]))
    extra = [_x(rng, (io[1],))] if bias else []
    z = x.data @ w.data.T + (extra[0].data if bias else 0)
    assume(act != "ReLU" or np.abs(z).min() > 1e-3)  # finite differences across the kink

    def fn(x, w, *b):
        layer = gg.nn.Linear(io[0], io[1], bias=bias, dtype=np.float64)
        layer._parameters["weight"] = w
        if bias:
            layer._parameters["bias"] = b[0]
        out = gg.nn.Sequential(layer, getattr(gg.nn, act)(), fuse=True)(x)
        assert not out.requires_grad or type(out.grad_fn).__name__ == f"Linear{act}"  # fused
        return out

    _check("linear_act", fn, x, w, *extra)


def _movement(op, shape, data):
    """A function of one tensor applying movement op ``op`` with drawn arguments."""
    if op == "reshape":
        return lambda t: t.reshape(-1, shape[0])
    if op == "permute":
        perm = data.draw(st.permutations(range(len(shape))))
        return lambda t: t.permute(*perm)
    if op == "expand":
        return lambda t: t.unsqueeze(0).expand(2, *shape)
    if op == "getitem":
        idx = tuple(slice(data.draw(st.integers(0, s - 1)), None, data.draw(st.integers(1, 2)))
                    for s in shape)
        return lambda t: t[idx]
    if op == "fancy":  # repeated indices: gradients must accumulate
        rows = np.array(data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1,
                                           max_size=5)))
        return lambda t: t[rows]
    if op == "pad":
        widths = data.draw(st.lists(st.integers(0, 2), min_size=2, max_size=2 * len(shape)))
        widths = tuple(widths[:len(widths) // 2 * 2])
        return lambda t: gg.pad(t, widths, value=0.5)
    if op == "transpose":
        return lambda t: gg.transpose(t, 0, -1)
    return gg.flatten


@pytest.mark.parametrize("op", ["reshape", "permute", "expand", "getitem", "fancy", "pad",
                                "cat", "transpose", "flatten"])
@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data(),
       seed=st.integers(0, 2**16))
def test_movement_ops_gradcheck(op, shape, data, seed):
    rng = np.random.default_rng(seed)
    x = _x(rng, shape)
    if op == "cat":
        dim = data.draw(st.integers(0, len(shape) - 1))
        other = list(shape)
        other[dim] = data.draw(st.integers(1, 3))
        _check("cat", lambda a, b: gg.cat([a, b], dim), x, _x(rng, tuple(other)))
    else:
        _check(op, _movement(op, shape, data), x)


@SETTINGS
@given(n=st.integers(1, 4), c=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_fused_losses_gradcheck(n, c, seed):
    rng = np.random.default_rng(seed)
    logits = _x(rng, (n, c))
    labels = gg.tensor(rng.integers(0, c, n))
    _check("cross_entropy", lambda z: F.cross_entropy(z, labels), logits)
    target = gg.tensor(rng.random((n, c)), dtype=np.float64)
    _check("bce_with_logits", lambda z: F.binary_cross_entropy_with_logits(z, target), logits)
    probs = gg.tensor(rng.uniform(0.1, 0.9, (n, c)), dtype=np.float64, requires_grad=True)
    _check("binary_cross_entropy", lambda p: F.binary_cross_entropy(p, target), probs)

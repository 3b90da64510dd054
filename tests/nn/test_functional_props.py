"""Property tests for the nn-level ops not covered by tests/ops/test_elementwise_props.py:
activations with their parameters (alpha, beta/threshold, corners, slopes), losses with their
options (class weights, ignore_index, label smoothing, probability targets, pos_weight, extra
dims), Cast and ToDevice; and, for the non-differentiable neurons, forward = definition and
backward raises."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad.ops.elementwise import Cast, ToDevice
from tests._fuzz_counts import count
from tests.ops._props import SETTINGS, check, close, x64

shapes = array_shapes(min_dims=0, max_dims=3, max_side=3)
seeds = st.integers(0, 2**16)


def _away(x, *kinks, gap=1e-3):
    """Skip draws within ``gap`` of a kink: finite differences straddling it are meaningless."""
    a = x.detach().numpy()
    assume(all(np.abs(a - k).min(initial=1.0) > gap for k in kinks))


@pytest.mark.parametrize("name", ["elu", "gelu_tanh", "softplus", "hardtanh", "relu6",
                                  "hardsigmoid", "leaky_relu", "prelu"])
@SETTINGS
@given(shape=shapes, p=st.floats(0.1, 3.0), q=st.floats(0.1, 3.0), seed=seeds)
def test_parametrised_activations_gradcheck(shape, name, p, q, seed):
    rng = np.random.default_rng(seed)
    x = x64(rng, shape, 0.05, 4.0)
    inputs = [x]
    if name == "elu":
        fn = lambda t: F.elu(t, alpha=p)  # noqa: E731
    elif name == "gelu_tanh":
        fn = lambda t: F.gelu(t, approximate="tanh")  # noqa: E731
    elif name == "softplus":
        _away(x * p, q)  # softplus switches to x where βx > threshold (as PyTorch)
        fn = lambda t: F.softplus(t, beta=p, threshold=q)  # noqa: E731
    elif name == "hardtanh":
        lo, hi = -p, q
        _away(x, lo, hi)
        fn = lambda t: F.hardtanh(t, lo, hi)  # noqa: E731
    elif name == "relu6":
        _away(x, 6.0)
        fn = F.relu6
    elif name == "hardsigmoid":
        _away(x, -3.0, 3.0)
        fn = F.hardsigmoid
    elif name == "leaky_relu":
        fn = lambda t: F.leaky_relu(t, p)  # noqa: E731
    else:  # prelu: one slope per channel (dim 1), or one shared
        per_channel = x.ndim >= 2 and p > 1.5
        inputs.append(x64(rng, (x.shape[1],) if per_channel else (1,), 0.1, 0.5))
        fn = F.prelu
    check(f"{name}(params)", fn, inputs)


@SETTINGS
@given(n=st.integers(1, 3), c=st.integers(2, 4), extra=st.lists(st.integers(1, 2), max_size=2),
       weighted=st.booleans(), ignore=st.booleans(), smoothing=st.sampled_from([0.0, 0.1, 0.5]),
       reduction=st.sampled_from(["mean", "sum", "none"]), probs=st.booleans(), seed=seeds)
def test_cross_entropy_and_nll_options_gradcheck(n, c, extra, weighted, ignore, smoothing,
                                                  reduction, probs, seed):
    rng = np.random.default_rng(seed)
    logits = x64(rng, (n, c, *extra))
    labels = rng.integers(0, c, (n, *extra))
    weight = gg.tensor(rng.uniform(0.5, 2.0, c), dtype=np.float64) if weighted else None
    if ignore:
        labels.flat[0] = -100  # at least one other label stays, so "mean" has a divisor
        assume(labels.size > 1)
    if probs:
        target = gg.tensor(np.moveaxis(rng.dirichlet(np.ones(c), (n, *extra)), -1, 1),
                           dtype=np.float64)
    else:
        target = gg.tensor(labels)
    check("cross_entropy(options)", lambda z: F.cross_entropy(
        z, target, weight=weight, reduction=reduction, label_smoothing=smoothing), [logits])
    if not probs:
        check("nll_loss", lambda z: F.nll_loss(F.log_softmax(z, 1), target, weight=weight,
                                               reduction=reduction), [logits])


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), weighted=st.booleans(),
       reduction=st.sampled_from(["mean", "sum", "none"]), seed=seeds)
def test_binary_and_regression_losses_options_gradcheck(shape, weighted, reduction, seed):
    rng = np.random.default_rng(seed)
    target = gg.tensor(rng.random(shape), dtype=np.float64, requires_grad=True)
    weight = gg.tensor(rng.uniform(0.5, 2, shape), dtype=np.float64) if weighted else None
    logits = x64(rng, shape)
    pos_weight = x64(rng, shape[-1:], 0.5, 3.0, signed=False)
    check("bce_with_logits(pos_weight)", lambda z, pw: F.binary_cross_entropy_with_logits(
        z, target, weight=weight, reduction=reduction, pos_weight=pw), [logits, pos_weight])
    probs = gg.tensor(rng.uniform(0.05, 0.95, shape), dtype=np.float64, requires_grad=True)
    check("binary_cross_entropy(weight)", lambda p, t: F.binary_cross_entropy(
        p, t, weight=weight, reduction=reduction), [probs, target])
    for name in ("mse_loss", "l1_loss", "sse_loss"):
        a = x64(rng, shape)
        _away(a - target, 0.0)
        check(name, lambda t, name=name: getattr(F, name)(t, target, reduction=reduction), [a])


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), seed=seeds)
def test_cast_and_to_device_gradcheck(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (x64(rng, s) for s in shapes.input_shapes)
    check("cast", lambda a, b: Cast.apply(a, dtype=np.float64) * b, [a, b])
    check("to_device", lambda a, b: ToDevice.apply(a, device="cpu") * b, [a, b])
    low = a.to(np.float32)  # a real cast: the engine casts the gradient back to float64
    (low * 2).sum().backward()
    assert a.grad.dtype == np.float64
    close(a.grad, np.full(a.shape, 2.0))


NONDIFF = {
    "step": (F.step, lambda a: np.heaviside(a, 0.5)),
    "sign": (F.sign, np.sign),
    "threshold": (lambda t: F.threshold(t, 0.5), lambda a: (a >= 0.5).astype(a.dtype)),
    "stochastic_binary": (F.stochastic_binary, None),
}


@pytest.mark.parametrize("name", sorted(NONDIFF))
@SETTINGS
@given(shape=shapes, dtype=st.sampled_from([np.float32, np.float64]), seed=seeds)
def test_non_differentiable_ops_forward_and_refusal(name, shape, dtype, seed):
    count(f"nondiff:{name}")
    rng = np.random.default_rng(seed)
    a = rng.choice([-60.0, -1.0, -0.5, 0.0, 0.5, 1.0, 60.0], size=shape).astype(dtype)
    fn, definition = NONDIFF[name]
    x = gg.tensor(a, dtype=dtype, requires_grad=True)
    y = fn(x)
    assert y.shape == a.shape and y.dtype == dtype
    if definition is not None:
        np.testing.assert_array_equal(y.detach().numpy(), definition(a))
    else:  # samples in {0, 1}; at |z| = 60, σ(z) is 0 or 1 to within 1e-26
        got = y.detach().numpy()
        assert set(np.unique(got)) <= {0.0, 1.0}
        far = np.abs(a) == 60
        np.testing.assert_array_equal(got[far], (a[far] > 0).astype(dtype))
    with pytest.raises(gg.NotDifferentiableError, match="no useful derivative"):
        (y * 1.0).sum().backward()

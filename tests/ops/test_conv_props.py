"""Property tests for convolution and pooling: on hypothesis-drawn geometries (batch, channels,
groups, kernel, stride, padding incl. "same", dilation, odd sizes), the forward matches
PyTorch 2.13 (CPU, float64) and the gradients match float64 central differences."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import glassgrad.nn.functional as F
from tests._torch import TF, to_torch, torch
from tests.ops._props import SETTINGS, check, close, distinct64, x64

small = st.integers(1, 2)


def _spatial(data, dims, stride1_only=False):
    """Per-dim kernel, stride, dilation drawn small."""
    k = tuple(data.draw(st.integers(1, 3)) for _ in range(dims))
    s = (1,) * dims if stride1_only else tuple(data.draw(small) for _ in range(dims))
    d = tuple(data.draw(small) for _ in range(dims))
    return k, s, d


def _sizes(data, spans, pads):
    """Input sizes at least as large as each padded window span (odd sizes included)."""
    return tuple(max(1, sp - 2 * p) + data.draw(st.integers(0, 2)) for sp, p in zip(spans, pads))


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own speed
@pytest.mark.parametrize("dims", [1, 2])
@SETTINGS
@given(data=st.data(), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_conv_gradcheck(dims, data, bias, seed):
    rng = np.random.default_rng(seed)
    groups = data.draw(st.integers(1, 3))
    cin, cout, n = groups * data.draw(small), groups * data.draw(small), data.draw(small)
    mode = data.draw(st.sampled_from(["int", "tuple", "same", "valid"]))
    k, s, d = _spatial(data, dims, stride1_only=mode == "same")
    spans = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    if mode == "same":
        padding, pads = "same", (0,) * dims
        sizes = tuple(data.draw(st.integers(1, 4)) for _ in range(dims))
    elif mode == "valid":
        padding, pads = "valid", (0,) * dims
        sizes = _sizes(data, spans, pads)
    else:
        pads = tuple(data.draw(st.integers(0, 2)) for _ in range(dims))
        padding = pads[0] if mode == "int" else pads
        pads = (pads[0],) * dims if mode == "int" else pads
        sizes = _sizes(data, spans, pads)
    x = x64(rng, (n, cin, *sizes))
    w = x64(rng, (cout, cin // groups, *k))
    b = x64(rng, (cout,)) if bias else None
    conv, tconv = (F.conv1d, TF.conv1d) if dims == 1 else (F.conv2d, TF.conv2d)
    kw = dict(stride=s, padding=padding, dilation=d, groups=groups)
    want = tconv(to_torch(x), to_torch(w), None if b is None else to_torch(b), **kw)
    close(conv(x, w, b, **kw), want)
    inputs = [x, w] + ([b] if bias else [])
    check(f"conv{dims}d", lambda *t: conv(*t, **kw), inputs)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dims", [1, 2])
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_pool_gradcheck(kind, dims, data, seed):
    rng = np.random.default_rng(seed)
    n, c = data.draw(small), data.draw(st.integers(1, 3))
    k, s, d = _spatial(data, dims)
    s = tuple(data.draw(st.integers(1, 3)) for _ in range(dims))
    if kind == "avg":
        d = (1,) * dims
    spans = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    pads = tuple(data.draw(st.integers(0, kk // 2)) for kk in k)  # PyTorch's limit
    x = distinct64(rng, (n, c, *_sizes(data, spans, pads)))
    stride = data.draw(st.sampled_from([s, None]))  # None: the kernel size, as PyTorch
    if kind == "max":
        kw = dict(stride=stride, padding=pads, dilation=d)
        fn = F.max_pool1d if dims == 1 else F.max_pool2d
        tfn = TF.max_pool1d if dims == 1 else TF.max_pool2d
    else:
        kw = dict(stride=stride, padding=pads, count_include_pad=data.draw(st.booleans()))
        fn = F.avg_pool1d if dims == 1 else F.avg_pool2d
        tfn = TF.avg_pool1d if dims == 1 else TF.avg_pool2d
    y = fn(x, k, **kw)
    close(y, tfn(to_torch(x), k, **kw))
    # NOTE: a dilated window can lie wholly in the padding: -inf there, as in PyTorch, and no
    # finite differences to compare with.
    assume(bool(np.isfinite(y.detach().numpy()).all()))
    check(f"{kind}_pool{dims}d", lambda t: fn(t, k, **kw), [x])


@pytest.mark.parametrize("dims", [1, 2])
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_adaptive_avg_pool_gradcheck(dims, data, seed):
    rng = np.random.default_rng(seed)
    sizes = tuple(data.draw(st.integers(1, 6)) for _ in range(dims))
    out = tuple(data.draw(st.integers(1, sz + 1)) for sz in sizes)  # > size repeats pixels
    x = x64(rng, (data.draw(small), data.draw(small), *sizes))
    if dims == 1:
        fn, want = (lambda t: F.adaptive_avg_pool1d(t, out[0])), TF.adaptive_avg_pool1d(
            to_torch(x), out[0])
    else:
        fn, want = (lambda t: F.adaptive_avg_pool2d(t, out)), TF.adaptive_avg_pool2d(
            to_torch(x), out)
    close(fn(x), want)
    check(f"adaptive_avg_pool{dims}d", fn, [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_pad_modes_gradcheck(mode, data, seed):
    """F.pad's copying modes on drawn ranks (batched or not), sizes and widths (negative ones
    crop) within PyTorch's limits: forward as torch, gradients as finite differences."""
    rng = np.random.default_rng(seed)
    k = data.draw(st.integers(1, 3))  # padded dims
    sizes = tuple(data.draw(st.integers(2, 4)) for _ in range(k))
    lead = (data.draw(small),) * data.draw(st.integers(1, 2))  # (C,) or (N, C)
    pad = []
    # NOTE: no negative circular widths here: beyond its limits torch may return garbage
    # memory instead of raising (tests/nn/test_conv_padding_modes.py covers them against torch).
    low = 0 if mode == "circular" else -1
    for n in reversed(sizes):
        top = {"reflect": n - 1, "circular": n, "replicate": 4}[mode]  # PyTorch's limits
        pad += [data.draw(st.integers(low, top)), data.draw(st.integers(low, top))]
    x = x64(rng, lead + sizes)
    try:
        want = TF.pad(to_torch(x), pad, mode=mode)
    except RuntimeError:  # beyond PyTorch's limits (an empty dim, say): not a target
        assume(False)
    close(F.pad(x, pad, mode), want)
    check("pad_modes", lambda t: F.pad(t, pad, mode), [x])


@pytest.mark.parametrize("dims", [1, 2])
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_adaptive_max_pool_gradcheck(dims, data, seed):
    rng = np.random.default_rng(seed)
    sizes = tuple(data.draw(st.integers(1, 6)) for _ in range(dims))
    out = tuple(data.draw(st.integers(1, sz + 2)) for sz in sizes)  # > size repeats pixels
    x = distinct64(rng, (data.draw(small), data.draw(small), *sizes))
    fn = F.adaptive_max_pool1d if dims == 1 else F.adaptive_max_pool2d
    tfn = TF.adaptive_max_pool1d if dims == 1 else TF.adaptive_max_pool2d
    size = out[0] if dims == 1 else out
    close(fn(x, size), tfn(to_torch(x), size))
    check(f"adaptive_max_pool{dims}d", lambda t: fn(t, size), [x])


def test_torch_reference_is_float64():
    assert to_torch(x64(np.random.default_rng(0), (2,))).dtype == torch.float64

"""Adam's reference update (``adam_step``, the formula as written) against the textbook in
float64, and the in-place kernel (``adam_step_fused``, ``Adam(fused=True)``) against the
reference."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim.adam import adam_step, adam_step_fused

CONFIGS = {
    "plain": {},
    "amsgrad": {"amsgrad": True},
    "l2": {"weight_decay": 0.1},
    "adamw": {"weight_decay": 0.1, "decoupled_weight_decay": True},
    "maximize": {"maximize": True, "betas": (0.8, 0.99), "eps": 1e-3},
}


def _run(kwargs, fused, dtype, shape, steps=25):
    """The parameter after ``steps`` Adam steps on a fixed sequence of random gradients."""
    rng = np.random.default_rng(0)
    p = gg.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)
    opt = optim.Adam([p], lr=0.05, fused=fused, **kwargs)
    for _ in range(steps):
        p.grad = gg.tensor(rng.standard_normal(shape), dtype=dtype)
        opt.step()
    return p.detach().numpy()


def _textbook(kwargs, shape, steps=25):
    """Kingma & Ba's algorithm written out in float64 (PyTorch's weight-decay variants)."""
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(shape).astype(np.float64)
    (b1, b2), eps = kwargs.get("betas", (0.9, 0.999)), kwargs.get("eps", 1e-8)
    lr, wd = 0.05, kwargs.get("weight_decay", 0.0)
    m = v = vmax = np.zeros(shape)
    for t in range(1, steps + 1):
        g = rng.standard_normal(shape)
        g = -g if kwargs.get("maximize") else g
        if kwargs.get("decoupled_weight_decay"):
            theta = theta * (1 - lr * wd)
        else:
            g = g + wd * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        vmax = np.maximum(vmax, v)
        v_used = vmax if kwargs.get("amsgrad") else v
        theta = theta - lr * (m / (1 - b1 ** t)) / (np.sqrt(v_used / (1 - b2 ** t)) + eps)
    return theta


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("shape", [(), (3, 4)])
def test_reference_update_is_the_textbook_algorithm(config, shape):
    got = _run(CONFIGS[config], False, np.float64, shape)
    np.testing.assert_allclose(got, _textbook(CONFIGS[config], shape), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (7, 5)])
def test_fused_kernel_equals_the_reference_to_rounding(config, dtype, shape):
    ref = _run(CONFIGS[config], False, dtype, shape)
    fused = _run(CONFIGS[config], True, dtype, shape)
    assert fused.dtype == ref.dtype == dtype and fused.shape == ref.shape == shape
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(fused, ref, rtol=tol, atol=tol)


def test_the_default_runs_the_fused_kernel_and_fused_is_validated(monkeypatch):
    calls = []
    import glassgrad.optim.adam as adam_module
    monkeypatch.setattr(adam_module, "adam_step_fused",
                        lambda *a: calls.append("fused") or adam_step_fused(*a))
    monkeypatch.setattr(adam_module, "adam_step", lambda *a: calls.append("ref") or adam_step(*a))
    _run({}, None, np.float32, (2,), steps=1)
    _run({}, False, np.float32, (2,), steps=1)
    assert calls == ["fused", "ref"]
    with pytest.raises(ValueError, match="fused"):
        optim.Adam([gg.zeros(2, requires_grad=True)], fused="yes")

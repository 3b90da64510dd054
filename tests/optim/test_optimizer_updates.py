"""Optimizers against PyTorch 2.13: 20 steps from the same parameters with the same gradients.

Gradients are set directly (``p.grad = tensor(g)``), so only the optimizer is under test. The
float64 runs must agree to 1e-6; a float32 run checks that nothing is upcast.
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from tests._torch import torch

SHAPES = [(3, 4), (5,), ()]
STEPS = 20

CONFIGS = [
    ("SGD", {}),
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05,
             "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"initial_accumulator_value": 0.5, "eps": 1e-3}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"alpha": 0.9, "eps": 1e-4}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"maximize": True, "weight_decay": 0.1}),
    ("Adam", {}),
    ("Adam", {"lr": 0.1, "betas": (0.8, 0.9)}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"weight_decay": 0.1}),
    ("Adam", {"amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5}),
    ("AdamW", {"amsgrad": True, "eps": 1e-6}),
    ("AdamW", {"maximize": True}),
]


def _data(seed=0, shapes=SHAPES, steps=STEPS):
    """Initial parameters and one gradient per parameter per step (varying step to step)."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) * (1 + t % 3) for s in shapes] for t in range(steps)]
    return init, grads


def _groups(params, grouped):
    """One group, or two with different lrs (the second group takes the defaults)."""
    if not grouped:
        return params
    return [{"params": params[:1], "lr": 0.03}, {"params": params[1:]}]


def run_glassgrad(name, kwargs, init, grads, dtype=np.float64, grouped=False, check_alias=True):
    params = [gg.tensor(a, dtype=dtype, requires_grad=True) for a in init]
    opt = getattr(optim, name)(_groups(params, grouped), **kwargs)
    trace = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = gg.tensor(g, dtype=dtype)
        before = [p.grad.data.copy() for p in params]
        opt.step()
        if check_alias:  # the optimizer never writes into gradient arrays
            for p, b in zip(params, before):
                np.testing.assert_array_equal(p.grad.data, b)
        trace.append([p.data.copy() for p in params])
    return trace, params, opt


def run_torch(name, kwargs, init, grads, dtype=torch.float64, grouped=False):
    params = [torch.tensor(a, dtype=dtype, requires_grad=True) for a in init]
    opt = getattr(torch.optim, name)(_groups(params, grouped), **kwargs)
    trace = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g, dtype=dtype)
        opt.step()
        trace.append([p.detach().numpy().copy() for p in params])
    return trace


def _ids(config):
    name, kwargs = config
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("grouped", [False, True], ids=["one-group", "two-groups"])
@pytest.mark.parametrize("config", CONFIGS, ids=[_ids(c) for c in CONFIGS])
def test_matches_torch_float64(config, grouped):
    name, kwargs = config
    init, grads = _data()
    ours, _, _ = run_glassgrad(name, kwargs, init, grads, grouped=grouped)
    ref = run_torch(name, kwargs, init, grads, grouped=grouped)
    for t, (a_step, b_step) in enumerate(zip(ours, ref)):
        for a, b in zip(a_step, b_step):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=f"step {t + 1}")
    # the parameters did move (guards against a test that compares two no-ops)
    assert not np.allclose(ours[-1][0], init[0])


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_float32_stays_float32(name):
    kwargs = {"lr": 0.01, "weight_decay": 0.1}
    kwargs |= {"SGD": {"momentum": 0.9, "nesterov": True}, "RMSprop": {"centered": True,
               "momentum": 0.9}, "Adam": {"amsgrad": True}}.get(name, {})
    init, grads = _data(seed=1)
    ours, params, opt = run_glassgrad(name, kwargs, init, grads, dtype=np.float32)
    for p in params:
        assert p.dtype == np.float32
        for v in opt.state[p].values():
            if hasattr(v, "dtype"):
                assert v.dtype == np.float32
    ref = run_torch(name, kwargs, init, grads, dtype=torch.float32)
    for a, b in zip(ours[-1], ref[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_frozen_and_gradless_params_are_skipped():
    a = gg.tensor([1.0, 2.0], requires_grad=True)
    frozen = gg.tensor([3.0, 4.0])  # requires_grad False: allowed, never updated
    unused = gg.tensor([5.0], requires_grad=True)  # grad None this step
    opt = optim.Adam([a, frozen, unused], lr=0.1)
    a.grad = gg.tensor([1.0, -1.0])
    frozen.grad = gg.tensor([1.0, 1.0])
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 2.1], rtol=1e-6)
    np.testing.assert_array_equal(frozen.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(unused.detach().numpy(), [5.0])
    assert len(opt.state[unused]) == 0 and len(opt.state[frozen]) == 0


def test_shared_gradient_array_is_not_modified():
    g = np.array([1.0, 2.0], dtype=np.float32)
    a = gg.tensor([0.0, 0.0], requires_grad=True)
    b = gg.tensor([0.0, 0.0], requires_grad=True)
    a.grad = gg.Tensor._make(g, None)
    b.grad = gg.Tensor._make(g, None)  # the same array behind two gradients
    opt = optim.SGD([a, b], lr=0.5, momentum=0.9, weight_decay=0.1, maximize=True)
    for _ in range(3):
        opt.step()
    np.testing.assert_array_equal(g, [1.0, 2.0])
    np.testing.assert_array_equal(a.data, b.data)


def test_step_runs_closure_with_grad_and_update_without_graph():
    w = gg.tensor([2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with gg.no_grad():  # the closure still records its graph
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(4.0)
    np.testing.assert_allclose(w.detach().numpy(), [2.0 - 0.25 * 4.0])
    assert w.is_leaf and w.grad_fn is None


def test_zero_grad():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    g = np.array([3.0, 4.0], dtype=np.float32)
    w.grad = gg.Tensor._make(g, None)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(g, [3.0, 4.0])  # a new array, the old one untouched
    opt.zero_grad()
    assert w.grad is None


def test_add_param_group_and_defaults():
    a = gg.tensor([1.0], requires_grad=True)
    b = gg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["params"][0] is b
    assert "Parameter Group 1" in repr(opt)


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                         ("Adagrad", {}), ("RMSprop", {"centered": True}),
                                         ("Adam", {"amsgrad": True}), ("AdamW", {})])
def test_runs_on_every_device(name, kwargs, device):
    init, grads = _data(seed=2, steps=5)

    def run(dev):
        params = [gg.tensor(a, requires_grad=True, device=dev) for a in init]
        opt = getattr(optim, name)(params, **kwargs)
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = gg.tensor(g, device=dev)
            optim.clip_grad_norm_(params, 1.0)
            opt.step()
        return params

    for p, q in zip(run(device), run("cpu")):
        assert p.device == device and p.dtype == np.float32
        np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)

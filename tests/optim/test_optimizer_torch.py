"""Audit of the optimizers on a real training problem against PyTorch 2.13.0, in float64.

test_optimizer_updates.py feeds both libraries the same made-up gradients and compares at 1e-6.
Here each library computes its own gradients of a small nonconvex objective (a tanh MLP's
squared error plus a Rosenbrock term) by backprop, so a wrong update would also show up through
the gradients it changes; the trajectories must agree to ~1e-11 relative over 25 steps. Also:
a checkpoint taken mid-training for every configuration, parameters whose gradient is missing
on some steps, and learning rates changed by a scheduler between steps.
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from tests._torch import torch

STEPS = 25
TOL = 1e-11  # relative to each parameter's largest entry
_rng = np.random.default_rng(0)
X, Y = _rng.standard_normal((8, 3)), _rng.standard_normal((8, 2))
INIT = [_rng.standard_normal((4, 3)), _rng.standard_normal(4), _rng.standard_normal((2, 4)),
        np.array([-1.2, 1.0])]

CONFIGS = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.02, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.1,
                 "weight_decay": 0.01, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.8}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9, "eps": 1e-6}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.8,
                 "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.05, "maximize": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "betas": (0.8, 0.95), "maximize": True}),
]


def _objective(lib, params, maximize):
    """Squared error of a tanh MLP plus 0.1·Rosenbrock(r); negated for maximize runs, so that
    ascending it is descending the same landscape."""
    W1, b1, W2, r = params
    if lib is torch:
        h = torch.tanh(torch.tensor(X) @ W1.T + b1)
        d = h @ W2.T - torch.tensor(Y)
    else:
        h = (gg.tensor(X, dtype=np.float64) @ W1.T + b1).tanh()
        d = h @ W2.T - gg.tensor(Y, dtype=np.float64)
    loss = (d * d).mean() + 0.1 * ((1 - r[0]) ** 2 + 10 * (r[1] - r[0] * r[0]) ** 2)
    return -loss if maximize else loss


def _groups(params, grouped):
    """One group, or two: the first with its own lr, the second taking the defaults."""
    return [{"params": params[:2], "lr": 0.02}, {"params": params[2:]}] if grouped else params


def _params(lib, arrays):
    if lib is torch:
        return [torch.tensor(a, requires_grad=True) for a in arrays]
    return [gg.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]


def _train(lib, name, kwargs, steps, params=None, opt=None, grouped=False, skip=None):
    """Run ``steps`` steps; return (trajectory, params, optimizer). ``skip(step)`` names the
    parameter indices whose gradient is removed before that step."""
    params = params or _params(lib, INIT)
    opt = opt or getattr(lib.optim, name)(_groups(params, grouped), **kwargs)
    trace = []
    for t in range(steps):
        opt.zero_grad()
        _objective(lib, params, kwargs.get("maximize", False)).backward()
        for i in (skip(t) if skip else ()):
            params[i].grad = None
        opt.step()
        trace.append([np.array(p.detach().numpy()) for p in params])
    return trace, params, opt


def _assert_same(ours, ref, tol=TOL):
    for t, (a_step, b_step) in enumerate(zip(ours, ref)):
        for i, (a, b) in enumerate(zip(a_step, b_step)):
            scale = np.abs(b).max()
            assert np.abs(a - b).max() <= tol * scale, (
                f"step {t + 1}, parameter {i}: max |diff| {np.abs(a - b).max():.3g}, "
                f"scale {scale:.3g}")


def _ids(c):
    return c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items())


@pytest.mark.parametrize("grouped", [False, True], ids=["one-group", "two-groups"])
@pytest.mark.parametrize("config", CONFIGS, ids=[_ids(c) for c in CONFIGS])
def test_trajectory_matches_torch_on_a_nonconvex_problem(config, grouped):
    name, kwargs = config
    ours = _train(gg, name, kwargs, STEPS, grouped=grouped)[0]
    ref = _train(torch, name, kwargs, STEPS, grouped=grouped)[0]
    _assert_same(ours, ref)
    moved = [np.abs(a - b).max() for a, b in zip(ref[-1], INIT)]
    assert min(moved) > 1e-3  # every parameter travelled: the comparison is not of no-ops


@pytest.mark.parametrize("config", CONFIGS, ids=[_ids(c) for c in CONFIGS])
def test_checkpoint_mid_training_continues_identically(config):
    name, kwargs = config
    full = _train(gg, name, kwargs, 20, grouped=True)[0]
    ref = _train(torch, name, kwargs, 20, grouped=True)[0]
    first, params, opt = _train(gg, name, kwargs, 9, grouped=True)
    sd = opt.state_dict()
    snapshot = [p.detach().numpy().copy() for p in params]
    _train(gg, name, kwargs, 3, params=params, opt=opt)  # going on must not alter sd
    fresh = _params(gg, snapshot)
    opt2 = getattr(optim, name)(_groups(fresh, True), **kwargs)
    opt2.load_state_dict(sd)
    rest = _train(gg, name, kwargs, 11, params=fresh, opt=opt2)[0]
    for a_step, b_step in zip(first + rest, full):  # bit for bit the uninterrupted run
        for a, b in zip(a_step, b_step):
            np.testing.assert_array_equal(a, b)
    _assert_same(first + rest, ref)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
])
def test_missing_gradients_skip_the_parameter_and_its_step_count(name, kwargs):
    # parameter 1 gets no gradient on even steps and parameter 3 none before step 6:
    # PyTorch leaves them (and their state, including Adam's step count) untouched then.
    def skip(t):
        return ([1] if t % 2 == 0 else []) + ([3] if t < 5 else [])

    ours = _train(gg, name, kwargs, STEPS, skip=skip)
    ref = _train(torch, name, kwargs, STEPS, skip=skip)
    _assert_same(ours[0], ref[0])
    np.testing.assert_array_equal(ours[0][4][3], INIT[3])  # untouched while skipped
    state, tstate = ours[2].state[ours[1][1]], ref[2].state[ref[1][1]]
    if "step" in tstate:
        assert state["step"] == int(tstate["step"]) == STEPS // 2


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                         ("Adam", {"lr": 0.05, "amsgrad": True}),
                                         ("Adagrad", {"lr": 0.1}),
                                         ("RMSprop", {"lr": 0.02, "centered": True})])
def test_learning_rates_changed_by_schedulers_between_steps(name, kwargs):
    traces = []
    for lib in (gg, torch):
        params = _params(lib, INIT)
        opt = getattr(lib.optim, name)(_groups(params, True), **kwargs)
        sched = [lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=1e-3),
                 lib.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.7)]
        trace = []
        for _ in range(STEPS):
            trace += _train(lib, name, kwargs, 1, params=params, opt=opt)[0]
            for s in sched:
                s.step()
            trace[-1].append(np.array([g["lr"] for g in opt.param_groups]))
        traces.append(trace)
    _assert_same(*traces)

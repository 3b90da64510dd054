"""Audit of the learning-rate schedulers: long horizons, chaining, resuming with last_epoch
against torch.optim.lr_scheduler 2.13.0, and the textbook closed forms of each decay.

test_lr_scheduler.py compares 20 epochs of each scheduler alone; these go to 120 epochs, chain
two schedulers on one optimizer, build schedulers with last_epoch >= 0, and check the formulas
a course writes down (η₀/(1+kt), η₀e^(−kt), η₀γ^⌊t/s⌋, the cosine) exactly.
"""

import math
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler
from tests._torch import torch

LRS = (0.1, 0.02)
EPOCHS = 120
LIBS = {"gg": (optim, lr_scheduler), "torch": (torch.optim, torch.optim.lr_scheduler)}

SINGLE = [
    ("StepLR", {"step_size": 7, "gamma": 0.8}),
    ("MultiStepLR", {"milestones": [3, 10, 10, 40, 90], "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.97}),
    ("CosineAnnealingLR", {"T_max": 1}),
    ("CosineAnnealingLR", {"T_max": 9, "eta_min": 0.004}),
    ("CosineAnnealingLR", {"T_max": 50, "eta_min": 0.03}),  # eta_min above group 2's lr
    ("LambdaLR", {"lr_lambda": lambda e: 1 / (1 + 0.1 * e)}),
]

CHAINS = [
    [("StepLR", {"step_size": 5, "gamma": 0.5}), ("ExponentialLR", {"gamma": 0.98})],
    [("MultiStepLR", {"milestones": [8, 30], "gamma": 0.3}),
     ("CosineAnnealingLR", {"T_max": 12, "eta_min": 1e-3})],
    [("CosineAnnealingLR", {"T_max": 10}), ("StepLR", {"step_size": 3, "gamma": 0.9})],
    [("ExponentialLR", {"gamma": 0.95}), ("LambdaLR", {"lr_lambda": lambda e: 0.99 ** e})],
    [("LambdaLR", {"lr_lambda": lambda e: 0.99 ** e}), ("MultiStepLR", {"milestones": [4]})],
]


def _run(lib, specs, epochs=EPOCHS, last_epoch=None, resume_lrs=None):
    """lrs after construction and after each epoch, with every scheduler of ``specs`` stepped
    once per epoch (after the optimizer, as PyTorch asks). ``resume_lrs``: the groups' lrs
    when resuming (their initial_lr stays LRS)."""
    opt_mod, sched_mod = LIBS[lib]
    params = [gg.tensor([1.0], requires_grad=True) if lib == "gg"
              else torch.tensor([1.0], requires_grad=True) for _ in LRS]
    opt = opt_mod.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)])
    extra = {}
    if last_epoch is not None:
        extra["last_epoch"] = last_epoch
        for g, lr in zip(opt.param_groups, resume_lrs):
            g["initial_lr"], g["lr"] = g["lr"], lr
    scheds = [getattr(sched_mod, name)(opt, **kw, **extra) for name, kw in specs]
    out = [[g["lr"] for g in opt.param_groups]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(epochs):
            opt.step()
            for s in scheds:
                s.step()
            out.append([g["lr"] for g in opt.param_groups])
    return np.array(out), [s.last_epoch for s in scheds], [s.get_last_lr() for s in scheds]


def _compare(specs, **kw):
    ours, epochs, last = _run("gg", specs, **kw)
    ref, tepochs, tlast = _run("torch", specs, **kw)
    np.testing.assert_allclose(ours, ref, rtol=1e-13, atol=1e-16)
    assert epochs == tepochs
    np.testing.assert_allclose(last, tlast, rtol=1e-13, atol=1e-16)
    return ours


@pytest.mark.parametrize("name,kwargs", SINGLE, ids=[f"{n}-{k}" for n, k in SINGLE])
def test_long_horizon_matches_torch(name, kwargs):
    ours = _compare([(name, kwargs)])
    assert len(np.unique(ours[:, 0])) > 1


@pytest.mark.parametrize("specs", CHAINS, ids=["+".join(n for n, _ in c) for c in CHAINS])
def test_chained_schedulers_match_torch(specs):
    _compare(specs, epochs=60)


@pytest.mark.parametrize("last_epoch", [0, 4, 7, 23])
@pytest.mark.parametrize("name,kwargs", SINGLE, ids=[f"{n}-{k}" for n, k in SINGLE])
def test_resume_with_last_epoch_matches_torch(name, kwargs, last_epoch):
    _compare([(name, kwargs)], epochs=30, last_epoch=last_epoch, resume_lrs=(0.05, 0.01))


# ---------------------------------------------------------------- textbook closed forms

def _ours(name, **kwargs):
    return _run("gg", [(name, kwargs)])[0]


def _closed(f):
    return np.array([[f(lr0, t) for lr0 in LRS] for t in range(EPOCHS + 1)])


def test_textbook_inverse_time_decay():
    k = 0.3  # η_t = η₀ / (1 + k t)
    np.testing.assert_allclose(_ours("InverseTimeLR", decay_rate=k),
                               _closed(lambda lr0, t: lr0 / (1 + k * t)), rtol=1e-14)
    # the same schedule through LambdaLR, as in PyTorch
    np.testing.assert_allclose(_ours("LambdaLR", lr_lambda=lambda t: 1 / (1 + k * t)),
                               _closed(lambda lr0, t: lr0 / (1 + k * t)), rtol=1e-14)


def test_textbook_exponential_decay():
    k = 0.05  # η_t = η₀ e^(−k t) is ExponentialLR with γ = e^(−k)
    np.testing.assert_allclose(_ours("ExponentialLR", gamma=math.exp(-k)),
                               _closed(lambda lr0, t: lr0 * math.exp(-k * t)), rtol=1e-12)


def test_textbook_step_decay():
    np.testing.assert_allclose(_ours("StepLR", step_size=10, gamma=0.5),
                               _closed(lambda lr0, t: lr0 * 0.5 ** (t // 10)), rtol=1e-14)
    ms = [15, 40, 41]
    np.testing.assert_allclose(_ours("MultiStepLR", milestones=ms, gamma=0.1),
                               _closed(lambda lr0, t: lr0 * 0.1 ** sum(t >= m for m in ms)),
                               rtol=1e-12)


@pytest.mark.parametrize("T,eta_min", [(10, 0.0), (13, 0.005)])
def test_textbook_cosine_annealing(T, eta_min):
    def cosine(lr0, t):  # SGDR's formula, followed past T_max as PyTorch does
        return eta_min + 0.5 * (lr0 - eta_min) * (1 + math.cos(math.pi * t / T))

    np.testing.assert_allclose(_ours("CosineAnnealingLR", T_max=T, eta_min=eta_min),
                               _closed(cosine), rtol=1e-9, atol=1e-15)


def test_adagrad_lr_decay_is_the_inverse_time_rule():
    # one coordinate, gradient 1 every step: θ_t = θ_{t−1} − η/(1 + (t−1)δ) · 1/√t
    eta, delta = 0.1, 0.2
    p = gg.tensor([0.0], dtype=np.float64, requires_grad=True)
    opt = optim.Adagrad([p], lr=eta, lr_decay=delta, eps=0.0)
    expected = 0.0
    for t in range(1, 31):
        p.grad = gg.tensor([1.0], dtype=np.float64)
        opt.step()
        expected -= eta / (1 + (t - 1) * delta) / math.sqrt(t)
        assert p.detach().numpy()[0] == pytest.approx(expected, rel=1e-14)


# ---------------------------------------------------------------- ReduceLROnPlateau

@pytest.mark.parametrize("kwargs", [
    {"patience": 2, "factor": 0.5, "cooldown": 1},
    {"mode": "max", "patience": 3, "threshold": 0.05, "threshold_mode": "abs", "min_lr": 1e-3},
    {"patience": 0, "factor": 0.7, "min_lr": [1e-2, 1e-4], "eps": 1e-4},
])
def test_reduce_on_plateau_random_walk_matches_torch(kwargs):
    walk = np.cumsum(np.random.default_rng(5).standard_normal(300)) * 0.1 + 5
    walk[::37] = np.nan  # a NaN metric counts as a bad epoch in both
    traces = []
    for lib in LIBS:
        opt_mod, sched_mod = LIBS[lib]
        params = [gg.tensor([1.0]) if lib == "gg" else torch.tensor([1.0]) for _ in LRS]
        opt = opt_mod.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)])
        sched = sched_mod.ReduceLROnPlateau(opt, **kwargs)
        trace = []
        for m in walk:
            sched.step(float(m))
            trace.append([g["lr"] for g in opt.param_groups] + [sched.num_bad_epochs,
                                                               sched.cooldown_counter,
                                                               sched.last_epoch])
        traces.append(trace)
    np.testing.assert_allclose(traces[0], traces[1], rtol=1e-14)
    assert traces[0][-1][0] < LRS[0]

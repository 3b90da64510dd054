"""StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR (torch.optim.lr_scheduler
2.13) and InverseTimeLR (closed form): 20 epochs of each against torch, checkpoints, 120-epoch
horizons, two schedulers on one optimizer, resuming with last_epoch, the textbook closed forms
a course writes down (eta0/(1+kt), eta0 e^(-kt), eta0 gamma^floor(t/s), the cosine) exactly,
and the errors.
"""

import math
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler
from tests._torch import torch

STEPS = 20


LRS = (0.1, 0.02)  # two parameter groups with different learning rates


class Warmup:
    """A callable object with state (LambdaLR saves its __dict__)."""

    def __init__(self, n):
        self.n = n

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.n)


SCHEDULERS = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 11], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 6}),
    ("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.005}),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95 ** e}),
    ("LambdaLR", {"lr_lambda": [lambda e: 1 / (e + 1), Warmup(4)]}),
]


def _ours(name, kwargs):
    params = [gg.tensor([1.0], requires_grad=True) for _ in LRS]
    opt = optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)])
    return opt, getattr(lr_scheduler, name)(opt, **kwargs)


def _torch(name, kwargs):
    params = [torch.tensor([1.0], requires_grad=True) for _ in LRS]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)])
    return opt, getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)


def _trace(opt, sched, steps=STEPS):
    out = [list(sched.get_last_lr())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            opt.step()
            sched.step()
            out.append(list(sched.get_last_lr()))
            assert out[-1] == [g["lr"] for g in opt.param_groups]
    return out


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[n for n, _ in SCHEDULERS])
def test_matches_torch(name, kwargs):
    ours = _trace(*_ours(name, kwargs))
    ref = _trace(*_torch(name, kwargs))
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-12)
    assert len({tuple(r) for r in ours}) > 1  # the schedule did change the lr


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[n for n, _ in SCHEDULERS])
def test_state_dict_round_trip(name, kwargs):
    full = _trace(*_ours(name, kwargs))
    opt, sched = _ours(name, kwargs)
    first = _trace(opt, sched, steps=10)
    opt_sd, sched_sd = opt.state_dict(), sched.state_dict()
    opt2, sched2 = _ours(name, kwargs)  # a fresh optimizer and scheduler, then the checkpoint
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    assert sched2.last_epoch == 10 and sched2.get_last_lr() == first[-1]
    rest = _trace(opt2, sched2, steps=10)
    np.testing.assert_allclose(first + rest[1:], full, rtol=0, atol=1e-15)


def test_lambda_state_dict_saves_callable_objects_only():
    opt, sched = _ours("LambdaLR", {"lr_lambda": [lambda e: 1.0, Warmup(4)]})
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [None, {"n": 4}]
    sched.lr_lambdas[1].n = 99
    sched.load_state_dict(sd)
    assert sched.lr_lambdas[1].n == 4


@pytest.mark.parametrize("decay_rate,decay_steps,staircase", [
    (0.5, 1, False), (0.1, 3, False), (1.0, 4, True)])
def test_inverse_time_closed_form(decay_rate, decay_steps, staircase):
    opt, sched = _ours("InverseTimeLR", {"decay_rate": decay_rate, "decay_steps": decay_steps,
                                         "staircase": staircase})
    ours = _trace(opt, sched)
    for t, lrs in enumerate(ours):
        k = (t // decay_steps) if staircase else t / decay_steps
        expected = [lr0 / (1 + decay_rate * k) for lr0 in LRS]
        np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    assert ours[-1][0] < ours[0][0]


def test_scheduler_errors():
    opt, _ = _ours("StepLR", {"step_size": 1})
    with pytest.raises(TypeError, match="Optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="2 lr_lambdas"):
        lr_scheduler.LambdaLR(opt, lr_lambda=[lambda e: 1.0])
    with pytest.raises(ValueError, match="decay_rate"):
        lr_scheduler.InverseTimeLR(opt, decay_rate=-1.0)
    with pytest.raises(ValueError, match="factor"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="lowest")
    with pytest.raises(ValueError, match="min_lrs"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1])
    fresh, _ = _ours("StepLR", {"step_size": 1})
    for g in fresh.param_groups:
        g.pop("initial_lr")
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(fresh, step_size=1, last_epoch=3)


def test_importable_from_optim():
    assert optim.StepLR is lr_scheduler.StepLR
    assert math.isclose(optim.ExponentialLR(_ours("StepLR", {"step_size": 1})[0],
                                            gamma=0.5).get_last_lr()[0], LRS[0])


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


def _lrs(name, **kwargs):
    return _run("gg", [(name, kwargs)])[0]


def _closed(f):
    return np.array([[f(lr0, t) for lr0 in LRS] for t in range(EPOCHS + 1)])


def test_textbook_inverse_time_decay():
    k = 0.3  # η_t = η₀ / (1 + k t)
    np.testing.assert_allclose(_lrs("InverseTimeLR", decay_rate=k),
                               _closed(lambda lr0, t: lr0 / (1 + k * t)), rtol=1e-14)
    # the same schedule through LambdaLR, as in PyTorch
    np.testing.assert_allclose(_lrs("LambdaLR", lr_lambda=lambda t: 1 / (1 + k * t)),
                               _closed(lambda lr0, t: lr0 / (1 + k * t)), rtol=1e-14)


def test_textbook_exponential_decay():
    k = 0.05  # η_t = η₀ e^(−k t) is ExponentialLR with γ = e^(−k)
    np.testing.assert_allclose(_lrs("ExponentialLR", gamma=math.exp(-k)),
                               _closed(lambda lr0, t: lr0 * math.exp(-k * t)), rtol=1e-12)


def test_textbook_step_decay():
    np.testing.assert_allclose(_lrs("StepLR", step_size=10, gamma=0.5),
                               _closed(lambda lr0, t: lr0 * 0.5 ** (t // 10)), rtol=1e-14)
    ms = [15, 40, 41]
    np.testing.assert_allclose(_lrs("MultiStepLR", milestones=ms, gamma=0.1),
                               _closed(lambda lr0, t: lr0 * 0.1 ** sum(t >= m for m in ms)),
                               rtol=1e-12)


@pytest.mark.parametrize("T,eta_min", [(10, 0.0), (13, 0.005)])
def test_textbook_cosine_annealing(T, eta_min):
    def cosine(lr0, t):  # SGDR's formula, followed past T_max as PyTorch does
        return eta_min + 0.5 * (lr0 - eta_min) * (1 + math.cos(math.pi * t / T))

    np.testing.assert_allclose(_lrs("CosineAnnealingLR", T_max=T, eta_min=eta_min),
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

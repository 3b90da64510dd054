"""Learning-rate schedulers against torch.optim.lr_scheduler 2.13 (InverseTimeLR: closed form)."""

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


METRICS = [1.0, 0.9, 0.9, 0.91, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.8, 0.7, 0.7, 0.7,
           0.71, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.65, 0.7, 0.7] + [0.66] * 12

PLATEAU = [
    {},
    {"patience": 1},
    {"patience": 1, "cooldown": 2, "factor": 0.5},
    {"patience": 0, "threshold": 0.05, "threshold_mode": "abs"},
    {"patience": 1, "min_lr": [0.01, 0.015], "factor": 0.5},
    {"patience": 0, "min_lr": 0.02, "eps": 1e-3},
    {"mode": "max", "patience": 1},
    {"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.01},
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_on_plateau_matches_torch(kwargs):
    traces = []
    for lib, mod in ((optim, lr_scheduler), (torch.optim, torch.optim.lr_scheduler)):
        params = [torch.tensor([1.0]) if lib is torch.optim else gg.tensor([1.0])
                  for _ in LRS]
        opt = lib.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)])
        sched = mod.ReduceLROnPlateau(opt, **kwargs)
        trace = []
        for m in METRICS:
            sched.step(gg.tensor(m) if lib is optim else m)
            trace.append([g["lr"] for g in opt.param_groups] + [sched.num_bad_epochs,
                                                               sched.cooldown_counter])
        traces.append(trace)
    np.testing.assert_allclose(traces[0], traces[1], rtol=1e-12)
    assert traces[0][-1][0] < LRS[0]  # the lr was reduced at least once


def test_reduce_on_plateau_state_dict():
    opt, _ = _ours("StepLR", {"step_size": 1})
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    for m in METRICS[:8]:
        sched.step(m)
    sd = sched.state_dict()
    opt2, _ = _ours("StepLR", {"step_size": 1})
    opt2.load_state_dict(opt.state_dict())
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2, patience=5)
    sched2.load_state_dict(sd)
    for m in METRICS[8:]:
        sched.step(m)
        sched2.step(m)
    assert sched2.patience == 1 and sched2.get_last_lr() == sched.get_last_lr()
    assert sched2.best == sched.best and sched2.last_epoch == len(METRICS)


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

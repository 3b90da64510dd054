"""ReduceLROnPlateau against torch.optim.lr_scheduler 2.13: a scripted metric sequence and a
random walk with NaNs (lrs, bad-epoch and cooldown counters), and its checkpoint.
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler
from tests._torch import torch

LRS = (0.1, 0.02)
LIBS = {"gg": (optim, lr_scheduler), "torch": (torch.optim, torch.optim.lr_scheduler)}


def _ours(name, kwargs):
    params = [gg.tensor([1.0], requires_grad=True) for _ in LRS]
    opt = optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)])
    return opt, getattr(lr_scheduler, name)(opt, **kwargs)


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

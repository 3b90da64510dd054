"""Shared helpers of the scheduler tests: three parameter groups, glassgrad and torch side by
side, traces of lrs and momenta step by step, and the error check against torch."""

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler
from tests._torch import torch

LRS = (0.1, 0.02, 0.5)  # three parameter groups with different learning rates


LIBS = {"gg": (optim, lr_scheduler), "torch": (torch.optim, torch.optim.lr_scheduler)}


class Decay:
    """A callable object with state (its __dict__ goes into state_dict)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate


def _opt(lib, name="SGD", **kw):
    opt_mod = LIBS[lib][0]
    params = [gg.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True) if lib == "gg"
              else torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
              for _ in LRS]
    return getattr(opt_mod, name)([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)],
                                  **kw)


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum", 0.0) for g in opt.param_groups]


def _trace(opt, sched, steps, epochs=None):
    """lrs and momenta after construction and after each step (epochs: step(epoch) values)."""
    out = [[g["lr"] for g in opt.param_groups] + _momenta(opt)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(steps):
            opt.step()
            sched.step() if epochs is None else sched.step(epochs[i])
            lrs = [g["lr"] for g in opt.param_groups]
            assert list(sched.get_last_lr()) == lrs
            out.append(lrs + _momenta(opt))
    return np.array(out, dtype=np.float64)


SGDM = ("SGD", {"momentum": 0.9})


def _run(lib, case, steps=None, epochs=None):
    _, (opt_name, opt_kw), build, n = case
    opt = _opt(lib, opt_name, **opt_kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(LIBS[lib][1], opt)
    return opt, sched, _trace(opt, sched, n if steps is None else steps, epochs)


def _with_last_epoch(build, sched_mod, opt, last_epoch):
    """build(...) with last_epoch passed to the scheduler's constructor."""
    class Module:
        def __getattr__(self, name):
            cls = getattr(sched_mod, name)
            return lambda *a, **kw: cls(*a, **kw, last_epoch=last_epoch)
    return build(Module(), opt)


def _raises(build, exc, match, torch_exc="same", opt_name="SGD"):
    """glassgrad raises exc with a message matching ``match``; torch raises torch_exc."""
    with pytest.raises(exc, match=match):
        build(lr_scheduler, _opt("gg", opt_name))
    if torch_exc is not None:
        with pytest.raises(exc if torch_exc == "same" else torch_exc):
            build(torch.optim.lr_scheduler, _opt("torch", opt_name))

"""The new schedulers' textbook closed forms (written here) and their errors (with the same
exception types as torch.optim.lr_scheduler 2.13.0, and messages naming the scheduler, the bad
value and the fix). test_lr_scheduler_more.py compares the schedules step by step with torch."""

import math
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler
from tests._torch import torch

LRS = (0.1, 0.02, 0.5)
LIBS = {"gg": (optim, lr_scheduler), "torch": (torch.optim, torch.optim.lr_scheduler)}


def _opt(lib, name="SGD", **kw):
    opt_mod = LIBS[lib][0]
    params = [gg.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True) if lib == "gg"
              else torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
              for _ in LRS]
    return getattr(opt_mod, name)([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)],
                                  **kw)


def _trace(opt, sched, steps):
    """[lr of each group] + [momentum / β₁ of group 0] after construction and each step."""
    g0 = opt.param_groups[0]
    out = [[g["lr"] for g in opt.param_groups] + [g0.get("momentum", 0.0)]]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append([g["lr"] for g in opt.param_groups] + [g0.get("momentum", 0.0)])
    return np.array(out)


# ---------------------------------------------------------------- closed forms

def test_linear_polynomial_constant_closed_forms():
    T = 8
    for build, f in [
        (lambda o: lr_scheduler.LinearLR(o, 0.1, 1.0, T), lambda t: 0.1 + 0.9 * min(t, T) / T),
        (lambda o: lr_scheduler.PolynomialLR(o, T, 2.0), lambda t: (1 - min(t, T) / T) ** 2),
        (lambda o: lr_scheduler.ConstantLR(o, 0.25, T), lambda t: 0.25 if t < T else 1.0),
        (lambda o: lr_scheduler.MultiplicativeLR(o, lambda e: 0.9), lambda t: 0.9 ** t),
    ]:
        opt = _opt("gg")
        trace = _trace(opt, build(opt), 20)[:, :3]
        np.testing.assert_allclose(trace, [[lr0 * f(t) for lr0 in LRS] for t in range(21)],
                                   rtol=1e-12, atol=1e-17)


def test_one_cycle_closed_form():
    """Two cos phases: η_init = max/25 → max over 0.3·N − 1 steps, then → η_init/1e4; the
    momentum 0.95 → 0.85 → 0.95 the other way."""
    N, top = 100, 1.0
    lo, end = top / 25, top / 25 / 1e4
    up = 0.3 * N - 1

    def cos(a, b, p):
        return b + (a - b) * (1 + math.cos(math.pi * p)) / 2

    opt = optim.SGD([gg.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=top, total_steps=N)
    trace = _trace(opt, sched, N - 1)  # N lrs: steps 0 .. N-1
    for t, (lr, mom) in enumerate(trace):
        p = t / up if t <= up else (t - up) / (N - 1 - up)
        assert lr == pytest.approx(cos(lo, top, p) if t <= up else cos(top, end, p), rel=1e-12)
        assert mom == pytest.approx(cos(0.95, 0.85, p) if t <= up else cos(0.85, 0.95, p),
                                    rel=1e-12)
    assert trace[0, 0] == pytest.approx(lo) and trace[-1, 0] == pytest.approx(end)


def test_cyclic_triangular_closed_form():
    """triangular: η rises linearly base → max in `up` steps, falls in `down`, repeats."""
    up, down, base, top = 3, 5, 0.01, 0.09
    opt = optim.SGD([gg.tensor([1.0], requires_grad=True)], lr=0.5, momentum=0.9)
    sched = lr_scheduler.CyclicLR(opt, base, top, step_size_up=up, step_size_down=down)
    for t, (lr, mom) in enumerate(_trace(opt, sched, 30)):
        s = t % (up + down)
        h = s / up if s <= up else (up + down - s) / down
        assert lr == pytest.approx(base + (top - base) * h, rel=1e-12)
        assert mom == pytest.approx(0.9 - 0.1 * h, rel=1e-12)


# ---------------------------------------------------------------- errors

def _raises(build, exc, match, torch_exc="same", opt_name="SGD"):
    """glassgrad raises exc with a message matching ``match``; torch raises torch_exc."""
    with pytest.raises(exc, match=match):
        build(lr_scheduler, _opt("gg", opt_name))
    if torch_exc is not None:
        with pytest.raises(exc if torch_exc == "same" else torch_exc):
            build(torch.optim.lr_scheduler, _opt("torch", opt_name))


ERRORS = [
    (lambda m, o: m.LinearLR(o, start_factor=0), ValueError,
     r"LinearLR: start_factor must be in \(0, 1\].*got 0"),
    (lambda m, o: m.LinearLR(o, end_factor=1.5), ValueError,
     r"LinearLR: end_factor must be in \[0, 1\].*got 1.5"),
    (lambda m, o: m.ConstantLR(o, factor=-0.1), ValueError, r"ConstantLR: factor .* -0.1"),
    (lambda m, o: m.MultiplicativeLR(o, [lambda e: 1.0]), ValueError,
     "MultiplicativeLR: expected 3 lr_lambdas .* got 1"),
    (lambda m, o: m.MultiplicativeLR(o, 0.9), TypeError,
     "MultiplicativeLR: lr_lambda must be a function .* float"),
    (lambda m, o: m.SequentialLR(o, [m.ConstantLR(o), m.ExponentialLR(o, 0.9)], [2, 4]),
     ValueError, "SequentialLR: expected 1 milestones .* 2 schedulers.* got 2"),
    (lambda m, o: m.SequentialLR(o, [], []), ValueError, "SequentialLR: .*at least one"),
    (lambda m, o: m.SequentialLR(o, [m.ReduceLROnPlateau(o)], []), ValueError,
     r"SequentialLR: schedulers\[0\] is a ReduceLROnPlateau"),
    (lambda m, o: m.SequentialLR(o, [m.ConstantLR(o), "warmup"], [2]), TypeError,
     r"SequentialLR: schedulers\[1\] is a str"),
    (lambda m, o: m.ChainedScheduler([]), ValueError, "ChainedScheduler: .*at least one"),
    (lambda m, o: m.ChainedScheduler([m.ExponentialLR(o, 0.9), m.ReduceLROnPlateau(o)]),
     ValueError, r"ChainedScheduler: schedulers\[1\] is a ReduceLROnPlateau"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
     "CosineAnnealingWarmRestarts: T_0 must be a positive int, got 0"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2.5), ValueError, "T_0 .* got 2.5"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=0), ValueError,
     "CosineAnnealingWarmRestarts: T_mult must be an int >= 1, got 0"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, eta_min="0"), ValueError,
     "eta_min must be a number, got '0'"),
    (lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3).step(-1), ValueError,
     r"step\(epoch\) needs an epoch >= 0, got -1"),
    (lambda m, o: m.CyclicLR(o, 0.01, 0.1, mode="sawtooth"), ValueError,
     "CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range'.* 'sawtooth'"),
    (lambda m, o: m.CyclicLR(o, 0.01, [0.1, 0.2]), ValueError,
     "CyclicLR: max_lr has 2 values but the optimizer has 3 parameter groups"),
    (lambda m, o: m.OneCycleLR(o, max_lr=0.1), ValueError,
     "OneCycleLR: give total_steps, or both epochs and steps_per_epoch"),
    (lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=0), ValueError,
     "OneCycleLR: total_steps must be a positive int, got 0"),
    (lambda m, o: m.OneCycleLR(o, max_lr=0.1, epochs=3, steps_per_epoch=-2), ValueError,
     "OneCycleLR: steps_per_epoch must be a positive int, got -2"),
    (lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=9, pct_start=1.5), ValueError,
     r"OneCycleLR: pct_start must be a fraction in \[0, 1\], got 1.5"),
    (lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=9, anneal_strategy="exp"),
     ValueError, "OneCycleLR: anneal_strategy must be 'cos' or 'linear', got 'exp'"),
]


@pytest.mark.parametrize("build,exc,match", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors_as_torch(build, exc, match):
    _raises(build, exc, match)


def test_errors_beyond_torch():
    # torch divides by zero later (ZeroDivisionError); glassgrad says why, up front or at once
    _raises(lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=0), ValueError,
            "CyclicLR: step_size_up must be a number of steps >= 1, got 0", ZeroDivisionError)
    opt = _opt("gg")
    sched = lr_scheduler.ConstantLR(opt, factor=0.0, total_iters=2)
    sched.step()
    with pytest.raises(ValueError, match="ConstantLR: factor=0 cannot be undone"):
        sched.step()


@pytest.mark.parametrize("name", ["CyclicLR", "OneCycleLR"])
def test_cycle_momentum_needs_momentum(name):
    kw = {"base_lr": 0.01, "max_lr": 0.1} if name == "CyclicLR" else {"max_lr": 0.1,
                                                                        "total_steps": 9}
    _raises(lambda m, o: getattr(m, name)(o, **kw), ValueError,
            f"{name}: cycle_momentum=True needs an optimizer with momentum .* Adagrad has "
            "neither. Pass cycle_momentum=False", opt_name="Adagrad")


def test_one_cycle_stepped_too_often():
    for lib in LIBS:
        opt = _opt(lib)
        sched = LIBS[lib][1].OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(10):  # steps 1..10 are allowed (10 = total_steps)
                opt.step()
                sched.step()
            with pytest.raises(ValueError, match="11"):
                sched.step()
    with pytest.raises(ValueError, match="OneCycleLR: tried to step 11 times, but total_steps "
                                         r"is 10 .*once per batch"):
        sched_gg = lr_scheduler.OneCycleLR(_opt("gg"), max_lr=0.1, total_steps=10,
                                           last_epoch=-1)
        for _ in range(11):
            sched_gg.step()


def test_resume_needs_the_optimizer_checkpoint():
    opt = _opt("gg")
    for g in opt.param_groups:
        g["initial_lr"] = g["lr"]
    with pytest.raises(KeyError, match="OneCycleLR: the parameter groups have no 'max_lr'"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10, last_epoch=3)
    with pytest.raises(KeyError, match=r"LinearLR: param_groups\[0\] has no 'initial_lr'"):
        lr_scheduler.LinearLR(_opt("gg"), last_epoch=3)


def test_exported_like_torch():
    new = ["LinearLR", "ConstantLR", "SequentialLR", "ChainedScheduler", "PolynomialLR",
           "MultiplicativeLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "CyclicLR"]
    for name in new:
        cls = getattr(gg.optim.lr_scheduler, name)
        assert getattr(optim, name) is cls and name in optim.__all__
        assert name in lr_scheduler.__all__ and hasattr(torch.optim.lr_scheduler, name)
        assert issubclass(cls, lr_scheduler.LRScheduler)

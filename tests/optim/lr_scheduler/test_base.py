"""Every scheduler against torch.optim.lr_scheduler 2.13.0 through the LRScheduler protocol
(base.py): lrs and the cycled momentum / beta1 of every group, step by step; checkpoints
(state_dict through glassgrad's checkpoint encoding), resuming with last_epoch, the
deprecated step(epoch); the errors, with torch's exception types and messages naming the
scheduler, the bad value and the fix; the names exported like torch's.
"""

import json
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.io.tree import decode, encode
from glassgrad.optim import lr_scheduler
from tests._torch import torch
from tests.optim.lr_scheduler._schedules import (
    LIBS,
    SGDM,
    Decay,
    _opt,
    _raises,
    _run,
    _trace,
    _with_last_epoch,
)

CASES = [
    ("Linear-default", SGDM, lambda m, o: m.LinearLR(o), 12),
    ("Linear-warmup", SGDM, lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=7), 15),
    ("Linear-decay", SGDM, lambda m, o: m.LinearLR(o, 1.0, 0.0, total_iters=10), 15),
    ("Linear-half", SGDM, lambda m, o: m.LinearLR(o, 0.25, 0.5, total_iters=6), 10),
    ("Constant-default", SGDM, lambda m, o: m.ConstantLR(o), 10),
    ("Constant", SGDM, lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4), 10),
    ("Constant-0iters", SGDM, lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=0), 5),
    ("Poly-default", SGDM, lambda m, o: m.PolynomialLR(o), 10),
    ("Poly-square", SGDM, lambda m, o: m.PolynomialLR(o, total_iters=12, power=2.0), 20),
    ("Poly-sqrt", SGDM, lambda m, o: m.PolynomialLR(o, total_iters=9, power=0.5), 12),
    ("Multiplicative", SGDM, lambda m, o: m.MultiplicativeLR(o, lambda e: 0.95), 30),
    ("Multiplicative-groups", SGDM, lambda m, o: m.MultiplicativeLR(
        o, [lambda e: 0.9, lambda e: 1 + 0.01 * e, Decay(0.8)]), 25),
    ("WarmRestarts", SGDM, lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5), 40),
    ("WarmRestarts-mult", SGDM, lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001), 60),
    ("WarmRestarts-T1", SGDM, lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=1), 5),
    ("Cyclic-triangular", SGDM, lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4), 40),
    ("Cyclic-triangular2", SGDM, lambda m, o: m.CyclicLR(
        o, [0.01, 0.001, 0.1], [0.1, 0.05, 1.0], step_size_up=3, step_size_down=6,
        mode="triangular2", base_momentum=[0.7, 0.8, 0.85], max_momentum=0.95), 50),
    ("Cyclic-exp_range", SGDM, lambda m, o: m.CyclicLR(
        o, 0.001, 0.1, step_size_up=5, mode="exp_range", gamma=0.97), 60),
    ("Cyclic-scale_fn", SGDM, lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, step_size_up=2, step_size_down=3, scale_fn=lambda x: 1 / (1 + 0.1 * x),
        scale_mode="iterations"), 30),
    ("Cyclic-down0", ("SGD", {}), lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, step_size_up=3, step_size_down=0, cycle_momentum=False), 12),
    ("Cyclic-adam", ("Adam", {}), lambda m, o: m.CyclicLR(o, 0.001, 0.01, step_size_up=4), 30),
    ("Cyclic-rmsprop", ("RMSprop", {"momentum": 0.5}), lambda m, o: m.CyclicLR(
        o, 0.001, 0.01, step_size_up=3), 20),
    ("OneCycle-cos", SGDM, lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=50), 50),
    ("OneCycle-linear", SGDM, lambda m, o: m.OneCycleLR(
        o, max_lr=[0.5, 0.1, 2.0], total_steps=40, anneal_strategy="linear",
        pct_start=0.25), 40),
    ("OneCycle-3phase", SGDM, lambda m, o: m.OneCycleLR(
        o, max_lr=0.3, total_steps=60, three_phase=True), 60),
    ("OneCycle-3phase-lin", SGDM, lambda m, o: m.OneCycleLR(
        o, max_lr=0.3, epochs=6, steps_per_epoch=7, three_phase=True,
        anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0), 42),
    ("OneCycle-adam", ("Adam", {"betas": (0.9, 0.99)}), lambda m, o: m.OneCycleLR(
        o, max_lr=0.01, epochs=5, steps_per_epoch=9, base_momentum=[0.8, 0.85, 0.9],
        max_momentum=[0.9, 0.95, 0.99]), 45),
    ("OneCycle-nomomentum", ("Adagrad", {}), lambda m, o: m.OneCycleLR(
        o, max_lr=0.1, total_steps=30, cycle_momentum=False), 30),
    ("Sequential-warmup-cos", SGDM, lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)],
        milestones=[5]), 40),
    ("Sequential-3", SGDM, lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.2, total_iters=3), m.ExponentialLR(o, gamma=0.9),
            m.StepLR(o, step_size=4, gamma=0.5)], milestones=[3, 10]), 30),
    ("Sequential-mult-multistep", SGDM, lambda m, o: m.SequentialLR(
        o, [m.MultiplicativeLR(o, lambda e: 0.9), m.MultiStepLR(o, [2, 6], 0.3),
            m.PolynomialLR(o, total_iters=8, power=2.0)], milestones=[4, 12]), 30),
    ("Sequential-restarts", SGDM, lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.5, total_iters=3),
            m.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2)], milestones=[3]), 40),
    ("Chained-constant-exp", SGDM, lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.1, total_iters=4), m.ExponentialLR(o, gamma=0.9)]), 20),
    ("Chained-3", SGDM, lambda m, o: m.ChainedScheduler(
        [m.LinearLR(o, start_factor=0.2, total_iters=6), m.CosineAnnealingLR(o, T_max=10),
         m.StepLR(o, step_size=5, gamma=0.7)], optimizer=o), 30),
    ("Chained-poly-mult", SGDM, lambda m, o: m.ChainedScheduler(
        [m.PolynomialLR(o, total_iters=10), m.MultiplicativeLR(o, lambda e: 0.97)]), 15),
    ("Sequential-of-chained", SGDM, lambda m, o: m.SequentialLR(
        o, [m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=2),
                                m.ExponentialLR(o, gamma=0.8)]),
            m.CosineAnnealingLR(o, T_max=8)], milestones=[6]), 25),
]


IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch(case):
    ours = _run("gg", case)[2]
    ref = _run("torch", case)[2]
    np.testing.assert_allclose(ours, ref, rtol=1e-13, atol=1e-16)
    if case[0] not in ("Constant-0iters", "WarmRestarts-T1"):  # these hold one lr (as in torch)
        assert len(np.unique(ours[:, 0])) > 1  # the schedule did move the lr


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_state_dict_round_trip(case):
    """Save optimizer and scheduler mid-schedule (through glassgrad's checkpoint encoding),
    load them into fresh ones: the continuation is identical to the uninterrupted run."""
    n = case[3]
    full = _run("gg", case)[2]
    opt, sched, first = _run("gg", case, steps=n // 2)
    tree, arrays = encode({"opt": opt.state_dict(), "sched": sched.state_dict()})
    saved = decode(json.loads(json.dumps(tree)), arrays)  # what a checkpoint file holds
    opt2, sched2, _ = _run("gg", case, steps=0)
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    rest = _trace(opt2, sched2, n - n // 2)
    np.testing.assert_array_equal(np.concatenate([first, rest[1:]]), full)


@pytest.mark.parametrize("case", [c for c in CASES if "Sequential" not in c[0]
                                  and "Chained" not in c[0]], ids=lambda c: c[0])
def test_resume_with_last_epoch_matches_torch(case):
    """Resume as PyTorch does: load the optimizer's checkpoint, build the scheduler with
    last_epoch = the steps done − 1 (the constructor's step then recomputes that step)."""
    _, (opt_name, opt_kw), build, n = case
    k = n // 3
    traces = []
    for lib in LIBS:
        opt, sched, _ = _run(lib, case, steps=k)
        opt2 = _opt(lib, opt_name, **opt_kw)
        opt2.load_state_dict(opt.state_dict())
        sched_mod = LIBS[lib][1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            resumed = _with_last_epoch(build, sched_mod, opt2, k - 1)
        assert resumed.last_epoch == k
        traces.append(_trace(opt2, resumed, n - k))
    np.testing.assert_allclose(traces[0], traces[1], rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("build", [
    lambda m, o: m.LinearLR(o, 0.2, 0.9, total_iters=6),
    lambda m, o: m.ConstantLR(o, 0.3, total_iters=4),
    lambda m, o: m.PolynomialLR(o, total_iters=8, power=1.5),
    lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    lambda m, o: m.MultiStepLR(o, [2, 5, 5], gamma=0.5),
    lambda m, o: m.ExponentialLR(o, gamma=0.8),
    lambda m, o: m.CosineAnnealingLR(o, T_max=9, eta_min=0.001),
    lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9),  # no closed form: one more factor
], ids=["Linear", "Constant", "Polynomial", "Step", "MultiStep", "Exponential", "Cosine",
        "Multiplicative"])
def test_step_with_epoch_jumps_like_torch(build):
    """The deprecated ``step(epoch)``: the closed form at that epoch, where there is one."""
    epochs = [3, 7, 2, 10, 10, 0, 5]
    case = ("", SGDM, build, 0)
    ours = _run("gg", case, steps=len(epochs), epochs=epochs)[2]
    np.testing.assert_allclose(ours, _run("torch", case, steps=len(epochs), epochs=epochs)[2],
                               rtol=1e-13, atol=1e-16)
    with pytest.warns(UserWarning, match="deprecated"):
        lr_scheduler.StepLR(_opt("gg"), step_size=2).step(4)


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

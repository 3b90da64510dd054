"""LinearLR, ConstantLR, PolynomialLR, MultiplicativeLR, SequentialLR, ChainedScheduler,
CosineAnnealingWarmRestarts, CyclicLR and OneCycleLR against torch.optim.lr_scheduler 2.13.0
(lrs and the cycled momentum / β₁ of every group, step by step), checkpoints, resuming and
SGDR's closed form; test_lr_scheduler_more_forms.py has the other closed forms and the errors.
"""

import json
import math
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.io.tree import decode, encode
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


# (id, optimizer name + kwargs, scheduler builder (lib's lr_scheduler module, optimizer), steps)
SGDM = ("SGD", {"momentum": 0.9})
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


def _run(lib, case, steps=None, epochs=None):
    _, (opt_name, opt_kw), build, n = case
    opt = _opt(lib, opt_name, **opt_kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build(LIBS[lib][1], opt)
    return opt, sched, _trace(opt, sched, n if steps is None else steps, epochs)


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


def _with_last_epoch(build, sched_mod, opt, last_epoch):
    """build(...) with last_epoch passed to the scheduler's constructor."""
    class Module:
        def __getattr__(self, name):
            cls = getattr(sched_mod, name)
            return lambda *a, **kw: cls(*a, **kw, last_epoch=last_epoch)
    return build(Module(), opt)


# ---------------------------------------------------------------- fractional step(epoch)

@pytest.mark.parametrize("T_0,T_mult,eta_min", [(4, 1, 0.0), (2, 2, 0.003), (3, 3, 0.0)])
def test_warm_restarts_fractional_epochs_match_torch(T_0, T_mult, eta_min):
    epochs = [e + b / 5 for e in range(25) for b in range(5)]  # 5 batches an epoch
    case = ("", SGDM, lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0, T_mult, eta_min), 0)
    ours = _run("gg", case, steps=len(epochs), epochs=epochs)
    ref = _run("torch", case, steps=len(epochs), epochs=epochs)
    np.testing.assert_allclose(ours[2], ref[2], rtol=1e-12, atol=1e-16)
    assert ours[1].last_epoch == ref[1].last_epoch == 24
    assert ours[1].T_i == ref[1].T_i and ours[1].T_cur == pytest.approx(ref[1].T_cur, abs=1e-12)


@pytest.mark.parametrize("T_0,T_mult", [(5, 1), (3, 2)])
def test_warm_restarts_closed_form(T_0, T_mult):
    """SGDR: η = η_min + ½(η₀ − η_min)(1 + cos(π T_cur / T_i)), restarting at T_0, T_0 + T_0·m,
    ... (every T_i, T_i = T_0 · m^i), for integer and fractional epochs."""
    eta_min = 0.004
    starts = [0]
    while starts[-1] < 200:
        starts.append(starts[-1] + T_0 * T_mult ** (len(starts) - 1))

    def sgdr(lr0, e):
        i = max(j for j, s in enumerate(starts) if s <= e + 1e-12)
        return eta_min + 0.5 * (lr0 - eta_min) * (1 + math.cos(
            math.pi * (e - starts[i]) / (T_0 * T_mult ** i)))

    epochs = [e / 4 for e in range(1, 161)]
    opt = _opt("gg", "SGD")
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0, T_mult, eta_min)
    trace = _trace(opt, sched, len(epochs), epochs)[1:, :3]
    expected = [[sgdr(lr0, e) for lr0 in LRS] for e in epochs]
    np.testing.assert_allclose(trace, expected, rtol=1e-9, atol=1e-15)
    opt = _opt("gg", "SGD")  # step() without an epoch: one epoch each
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0, T_mult, eta_min)
    trace = _trace(opt, sched, 40)[:, :3]
    np.testing.assert_allclose(trace, [[sgdr(lr0, e) for lr0 in LRS] for e in range(41)],
                               rtol=1e-9, atol=1e-15)


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


# ---------------------------------------------------------------- training with cycled momentum

@pytest.mark.parametrize("opt_name,opt_kw,build", [
    ("Adam", {}, lambda m, o: m.OneCycleLR(o, max_lr=0.05, total_steps=40, three_phase=True)),
    ("SGD", {"momentum": 0.5}, lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=5,
                                                      mode="triangular2")),
], ids=["Adam+OneCycleLR", "SGD+CyclicLR"])
def test_cycled_momentum_drives_the_optimizer_like_torch(opt_name, opt_kw, build):
    """The optimizer really uses the cycled β₁ / momentum: 40 steps on Σ (p − c)² · w."""
    finals = []
    for lib in LIBS:
        opt = _opt(lib, opt_name, **opt_kw)
        sched = build(LIBS[lib][1], opt)
        for step in range(40):
            for i, g in enumerate(opt.param_groups):
                p = g["params"][0]
                grad = (p.detach().numpy() - [0.5, 1.5]) * (i + 1) * math.cos(step)
                p.grad = (gg.tensor(grad, dtype=np.float64) if lib == "gg"
                          else torch.tensor(grad, dtype=torch.float64))
            opt.step()
            sched.step()
        finals.append(np.stack([g["params"][0].detach().numpy() for g in opt.param_groups]))
    np.testing.assert_allclose(finals[0], finals[1], rtol=1e-11, atol=1e-14)

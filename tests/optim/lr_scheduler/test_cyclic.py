"""CyclicLR and CosineAnnealingWarmRestarts: closed forms (triangular, SGDR), fractional
step(epoch) against torch, the cycled momentum driving the optimizer like torch's, and the
refusal of cycle_momentum without momentum.
"""

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler
from tests._torch import torch
from tests.optim.lr_scheduler._schedules import (
    LIBS,
    LRS,
    SGDM,
    _opt,
    _raises,
    _run,
    _trace,
)


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


@pytest.mark.parametrize("name", ["CyclicLR", "OneCycleLR"])
def test_cycle_momentum_needs_momentum(name):
    kw = {"base_lr": 0.01, "max_lr": 0.1} if name == "CyclicLR" else {"max_lr": 0.1,
                                                                        "total_steps": 9}
    _raises(lambda m, o: getattr(m, name)(o, **kw), ValueError,
            f"{name}: cycle_momentum=True needs an optimizer with momentum .* Adagrad has "
            "neither. Pass cycle_momentum=False", opt_name="Adagrad")

"""OneCycleLR: the two cosine phases in closed form, and stepping past total_steps refused as
in torch.
"""

import math
import warnings

import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler
from tests.optim.lr_scheduler._schedules import (
    LIBS,
    _opt,
    _trace,
)


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

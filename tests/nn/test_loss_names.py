"""One loss-name table (nn/loss_names.py): ``fit``/``compile`` and the explain/live tools accept
the same names and mean the same loss by each (issue 17: "ce" worked in trace only, "mae" in fit
only)."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.explain.losses import resolve_loss as explain_loss
from glassgrad.nn.loss_names import FUNCTIONAL, LOSS_NAMES
from glassgrad.train.compile import resolve_loss as fit_loss

ALL_NAMES = sorted(set(LOSS_NAMES) | set(FUNCTIONAL))


@pytest.mark.parametrize("name", ALL_NAMES)
def test_fit_and_explain_accept_every_name_and_mean_the_same_loss(name):
    module = fit_loss(name)
    fn, fname = explain_loss(name)
    assert FUNCTIONAL[type(module).__name__] == fname
    assert fn is getattr(nn.functional, fname)
    assert explain_loss(name.upper())[1] == fname  # names are case-insensitive in both


def test_unknown_names_are_refused_alike_with_the_names_listed():
    for resolve in (fit_loss, explain_loss):
        with pytest.raises(ValueError, match=r"unknown loss 'nope'.*mae.*mse"):
            resolve("nope")


def test_trace_takes_mae_and_fit_takes_ce():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3))
    x = np.array([[0.5, -1.0], [1.5, 0.25]], dtype=np.float32)
    t = gg.explain.trace(model, x, np.zeros((2, 3), dtype=np.float32), loss="mae")
    assert t is not None
    history = gg.train.fit(model, loss="ce", optimizer="sgd", train=(x, np.array([0, 2])),
                           epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])

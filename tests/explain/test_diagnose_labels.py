"""The diagnosis validated on a labelled set of runs (tests/explain/_label_runs.py): every sick
run gets its finding (warning or error), every healthy run gets NO finding at all. Plus the
fixes the label set asked for: 0/0 is a stall, overfitting is judged on the kept weights with
a remedy that skips what the run did, output saturation is judged with its loss, and the
report says which weights it judged."""

import math
import warnings

import pytest

from glassgrad import nn
from glassgrad.explain import diagnose
from tests.explain._label_runs import HEALTHY, SICK

# NOTE: the diverged run's huge weights overflow in the forward pass the diagnosis observes
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _run(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the diverging run warns, as it should
        return fn()


@pytest.fixture(scope="module")
def runs():
    out = {name: _run(fn) for name, fn in HEALTHY.items()}
    out.update({name: _run(fn) for name, (fn, _) in SICK.items()})
    return out


@pytest.mark.parametrize("name", sorted(HEALTHY))
def test_healthy_runs_get_no_finding(runs, name):
    model, data, history, loss = runs[name]
    report = diagnose(model, data, history, loss)
    assert report.findings == [], report.to_text()
    assert report.ok and "no problems found" in str(report)


@pytest.mark.parametrize("name", sorted(SICK))
def test_sick_runs_get_their_finding(runs, name):
    model, data, history, loss = runs[name]
    report = diagnose(model, data, history, loss)
    expected = SICK[name][1]
    flagged = [f for f in report.findings if f.kind == expected and f.severity != "info"]
    assert flagged, report.to_text()
    assert not report.ok
    for f in report.findings:  # no number in any finding is made of 0/0 or inf/inf
        assert "inf×" not in f.message and "nan×" not in f.message
        for v in f.evidence.values():
            assert not (isinstance(v, float) and math.isnan(v)), f


def test_zero_gradients_are_a_stall_not_an_infinite_ratio(runs):
    model, data, history, loss = runs["dead_relus"]
    report = diagnose(model, data, history, loss)
    stall = report.of_kind("stalled")[0]
    assert stall.evidence["grad_rms_first"] == 0 == stall.evidence["grad_rms_last"]
    assert "ratio" not in stall.evidence and not report.of_kind("vanishing_gradients")
    assert "exactly 0" in stall.message


def test_the_saturated_output_is_healthy_with_bce_and_flagged_with_mse(runs):
    model, data, history, loss = runs["saturated_sigmoid_output_bce"]
    report = diagnose(model, data, history, loss)
    assert report.stats.layers[-1].saturated >= 0.9   # the rule is really exercised
    assert report.findings == []
    with_mse = diagnose(model, data, None, nn.MSELoss())
    f = with_mse.of_kind("saturated_units")[0]
    assert f.severity == "warning" and "MSELoss".lower() in f.message.lower()


def test_overfitting_is_judged_on_the_restored_weights(runs):
    model, data, history, loss = runs["overfit_but_restored"]
    assert history.restored_epoch is not None and history.restored_epoch < history.epoch[-1]
    report = diagnose(model, data, history, loss)
    assert report.findings == []
    assert f"restored from epoch {history.restored_epoch}" in report.judged
    assert f"Judged: the weights restored from epoch {history.restored_epoch}" in str(report)
    # non-vacuity: the same record judged at its last epoch IS overfitting
    last = {"history": history.history, "epoch": history.epoch, "restored_epoch": None}
    f = diagnose(model, data, last, loss).of_kind("overfitting")[0]
    assert f.evidence["judged_epoch"] == history.epoch[-1]
    assert f.evidence["best_epoch"] <= history.restored_epoch + 1


def test_overfitting_remedy_never_repeats_what_the_run_did(runs):
    model, data, history, loss = runs["overfitting"]
    plain = diagnose(model, data, history, loss).of_kind("overfitting")[0]
    assert "early stopping" in plain.remedy.lower() and "dropout" in plain.remedy
    assert "after the last completed epoch" in diagnose(model, data, history, loss).judged
    did = {"early_stopping": True, "restore_best_weights": False, "dropout": True,
           "weight_decay": True}
    f = diagnose(model, data, history, loss, context=did).of_kind("overfitting")[0]
    assert "EarlyStopping(" not in f.remedy and "restore_best_weights=True" in f.remedy
    assert "dropout" not in f.remedy and "weight decay" not in f.remedy

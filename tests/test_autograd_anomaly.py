"""detect_anomaly(): the first op producing NaN/Inf raises, naming the op, shapes and user line."""

import numpy as np
import pytest

import glassgrad as gg

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_forward_nan_names_op_shapes_and_user_line():
    x = gg.tensor([[1.0, -1.0, 2.0]], requires_grad=True)
    with gg.detect_anomaly():
        y = x * 2
        with pytest.raises(gg.AnomalyError) as info:
            y.log()  # the offending line
    msg = str(info.value)
    assert "Log forward" in msg and "NaN/Inf" in msg and "(1, 3)" in msg
    assert "test_autograd_anomaly.py" in msg and "y.log()  # the offending line" in msg


def test_backward_inf_names_the_op():
    x = gg.tensor([0.0, 4.0], requires_grad=True)
    with gg.detect_anomaly():
        y = x.sqrt().sum()  # sqrt(0) is fine forward, its derivative is infinite
        with pytest.raises(gg.AnomalyError, match=r"Sqrt backward .*input shapes \[\(2,\)\]"):
            y.backward()


def test_backward_anomaly_points_at_the_forward_line():
    x = gg.tensor([0.0, 4.0], requires_grad=True)
    with gg.detect_anomaly():
        y = x.sqrt()
        with pytest.raises(gg.AnomalyError, match=r"y = x\.sqrt\(\)"):
            y.sum().backward()


def test_anomaly_mode_only_during_backward_still_raises():
    x = gg.tensor([0.0], requires_grad=True)
    y = x.sqrt().sum()
    with gg.detect_anomaly(), pytest.raises(gg.AnomalyError, match="Sqrt backward"):
        y.backward()


def test_first_anomaly_wins():
    x = gg.tensor([-1.0], requires_grad=True)
    with gg.detect_anomaly(), pytest.raises(gg.AnomalyError, match="Sqrt forward"):
        x.sqrt().log()  # sqrt(-1) is already NaN; log never runs


def test_without_detect_anomaly_nan_propagates_silently():
    x = gg.tensor([-1.0], requires_grad=True)
    y = x.log().sum()
    y.backward()
    assert np.isnan(y.item())


def test_clean_computation_passes_and_mode_is_restored():
    x = gg.randn(3, requires_grad=True)
    with gg.detect_anomaly():
        (x.exp() * x).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    assert not gg.autograd._state["anomaly"]


def test_integer_outputs_are_not_checked():
    with gg.detect_anomaly():
        assert (gg.arange(3) + 1).tolist() == [1, 2, 3]

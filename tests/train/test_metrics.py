"""Metrics against hand-counted expectations."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.errors import ShapeError
from glassgrad.train import metrics as M

Y = np.array([1, 0, 1, 1, 0, 0, 1, 0])
P = np.array([0.9, 0.2, 0.4, 0.7, 0.6, 0.1, 0.8, 0.3])  # predicted 1 0 0 1 1 0 1 0


def test_binary_counts_by_hand():
    # TP = 3 (rows 0, 3, 6), FP = 1 (row 4), FN = 1 (row 2), TN = 3
    assert M.accuracy(Y, P) == pytest.approx(6 / 8)
    assert M.precision(Y, P) == pytest.approx(3 / 4)
    assert M.recall(Y, P) == pytest.approx(3 / 4)
    assert M.f1_score(Y, P) == pytest.approx(0.75)
    np.testing.assert_array_equal(M.confusion_matrix(Y, P), [[3, 1], [1, 3]])


def test_threshold_logits_and_shapes():
    # threshold 0.65: predicted 1 0 0 1 0 0 1 0 -> 7 right
    assert M.accuracy(Y, P, threshold=0.65) == pytest.approx(7 / 8)
    logits = np.log(P / (1 - P))
    assert M.accuracy(Y, logits, from_logits=True) == pytest.approx(6 / 8)
    # (N, 1) columns, float 0./1. targets and Tensors read the same
    assert M.accuracy(gg.tensor(Y[:, None].astype(np.float32)), gg.tensor(P[:, None])) == \
        pytest.approx(6 / 8)


def test_multiclass_scores_labels_onehot():
    y = np.array([0, 1, 2, 2, 1])
    scores = np.array([[2, 1, 0], [0, 3, 1], [1, 0, 5], [4, 0, 1], [0, 0, 1.0]])
    # argmax: 0 1 2 0 2 -> 3 of 5
    assert M.accuracy(y, scores) == pytest.approx(0.6)
    assert M.accuracy(np.eye(3)[y], scores) == pytest.approx(0.6)
    assert M.accuracy(y, np.array([0, 1, 2, 0, 2])) == pytest.approx(0.6)
    cm = M.confusion_matrix(y, scores)
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [1, 0, 1]])
    # per class precision: 1/2, 1/1, 1/2; recall: 1/1, 1/2, 1/2
    assert M.precision(y, scores, average="macro") == pytest.approx((0.5 + 1 + 0.5) / 3)
    assert M.recall(y, scores, average="macro") == pytest.approx((1 + 0.5 + 0.5) / 3)
    f1 = [2 * p * r / (p + r) for p, r in ((0.5, 1), (1, 0.5), (0.5, 0.5))]
    assert M.f1_score(y, scores, average="macro") == pytest.approx(np.mean(f1))
    assert M.precision(y, scores, average="micro") == pytest.approx(0.6)


def test_macro_average_over_labels_present_like_sklearn():
    # labels {0, 2} (no class 1): scikit-learn averages over the 2 present labels
    t, p = [0, 2, 2], [0, 2, 0]
    # class 0: P = 1/2, R = 1/1; class 2: P = 1/1, R = 1/2; F1 = 2/3 for both
    assert M.precision(t, p, average="macro") == pytest.approx(0.75)
    assert M.recall(t, p, average="macro") == pytest.approx(0.75)
    assert M.f1_score(t, p, average="macro") == pytest.approx(2 / 3)
    # with num_classes every class counts (class 1 scores 0, as labels=[0, 1, 2] in sklearn)
    assert M.precision(t, p, average="macro", num_classes=3) == pytest.approx(0.5)


def test_r2_of_a_constant_target_is_finite_like_sklearn():
    assert M.r2_score([1.0, 1.0, 1.0], [1.0, 1.0, 1.0]) == 1.0
    assert M.r2_score([1.0, 1.0, 1.0], [1.0, 2.0, 1.0]) == 0.0
    t = np.array([[1.0, 3.0], [1.0, -0.5], [1.0, 2.0]])
    p = np.array([[1.0, 2.5], [1.0, 0.0], [1.0, 2.0]])
    ss_tot = ((t[:, 1] - t[:, 1].mean()) ** 2).sum()
    assert M.r2_score(t, p) == pytest.approx((1.0 + 1 - 0.5 / ss_tot) / 2)


def test_zero_division_is_zero():
    assert M.precision([1, 1, 0], [0.1, 0.2, 0.3]) == 0.0  # nothing predicted positive


def test_regression_metrics_closed_form():
    t = np.array([3.0, -0.5, 2.0, 7.0])
    p = np.array([2.5, 0.0, 2.0, 8.0])
    assert M.mean_squared_error(t, p) == pytest.approx((0.25 + 0.25 + 0 + 1) / 4)
    assert M.mean_absolute_error(t, p) == pytest.approx((0.5 + 0.5 + 0 + 1) / 4)
    ss_tot = ((t - t.mean()) ** 2).sum()
    assert M.r2_score(t, p) == pytest.approx(1 - 1.5 / ss_tot)
    assert M.r2_score(t[:, None], p[:, None]) == pytest.approx(1 - 1.5 / ss_tot)


def test_metric_names_and_errors():
    name, fn = M.get_metric("acc")
    assert name == "accuracy" and fn(Y, P) == pytest.approx(0.75)
    name, fn = M.get_metric("accuracy", from_logits=True)
    assert fn(Y, np.log(P / (1 - P))) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="unknown metric 'acuracy'"):
        M.get_metric("acuracy")
    with pytest.raises(ShapeError):
        M.accuracy([0, 1, 1], [0.2, 0.9])

"""Scalers, encoders, binning and polynomial features against closed-form expectations."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import (
    KBinsDiscretizer,
    MinMaxScaler,
    NotFittedError,
    OneHotEncoder,
    PolynomialFeatures,
    StandardScaler,
)
from glassgrad.errors import ShapeError

X = np.array([[1.0, 10.0, 5.0], [2.0, 20.0, 5.0], [4.0, 40.0, 5.0], [5.0, 0.0, 5.0]])


def test_minmax_scaler_formula_and_inverse():
    s = MinMaxScaler()
    out = s.fit_transform(X)
    expected = np.array([[0.0, 0.25, 0.0], [0.25, 0.5, 0.0], [0.75, 1.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(out, expected)  # (x - min) / (max - min); constant column -> 0
    np.testing.assert_allclose(s.inverse_transform(out), X)
    r = MinMaxScaler(feature_range=(-1, 1)).fit(X)
    np.testing.assert_allclose(r.transform([[3.0, 30.0, 5.0]]), [[0.0, 0.5, -1.0]])
    clipped = MinMaxScaler(clip=True).fit(X).transform([[9.0, -10.0, 5.0]])
    np.testing.assert_allclose(clipped, [[1.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="low < high"):
        MinMaxScaler(feature_range=(1, 0))


def test_standard_scaler_formula_and_inverse():
    s = StandardScaler().fit(X)
    mean = X.sum(0) / 4
    std = np.sqrt(((X - mean) ** 2).sum(0) / 4)  # population std (ddof=0)
    np.testing.assert_allclose(s.mean_, mean)
    expected = (X - mean) / np.where(std == 0, 1, std)
    out = s.transform(X)
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(out[:, :2].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(out[:, :2].std(0), 1)
    np.testing.assert_allclose(s.inverse_transform(out), X)
    assert out.dtype == np.float64  # float64 in, float64 out
    assert s.transform(X.astype(np.float32)).dtype == np.float32


def test_tensor_in_tensor_out_and_1d():
    t = gg.tensor([[0.0], [2.0], [4.0]])
    out = StandardScaler().fit_transform(t)
    assert isinstance(out, gg.Tensor) and out.shape == (3, 1)
    np.testing.assert_allclose(out.numpy()[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)], rtol=1e-6)
    y = np.array([0, 5, 10])  # a 1-d target: one feature, shape kept
    scaled = MinMaxScaler().fit_transform(y)
    assert scaled.shape == (3,) and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled, [0, 0.5, 1])


def test_one_hot_encoder_round_trip():
    enc = OneHotEncoder()
    labels = np.array([2, 0, 7, 2])
    oh = enc.fit_transform(labels)
    np.testing.assert_array_equal(oh, np.eye(3)[[1, 0, 2, 1]])
    assert oh.dtype == np.float32
    np.testing.assert_array_equal(enc.inverse_transform(oh), labels)
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
    np.testing.assert_array_equal(enc.inverse_transform(probs), [2, 0])  # argmax
    words = OneHotEncoder().fit(["cat", "dog", "cat"])
    np.testing.assert_array_equal(words.transform(["dog"]), [[0, 1]])
    assert words.inverse_transform([[1, 0]]).tolist() == ["cat"]
    with pytest.raises(ValueError, match=r"labels \[5\] not seen in fit"):
        enc.transform([5])
    ignore = OneHotEncoder(handle_unknown="ignore").fit(labels)
    np.testing.assert_array_equal(ignore.transform([5, 7]), [[0, 0, 0], [0, 0, 1]])
    t = enc.transform(gg.tensor([7, 0]))
    assert isinstance(t, gg.Tensor) and t.shape == (2, 3)
    two_cols = OneHotEncoder().fit(np.array([[0, 1], [1, 3], [0, 2]]))
    np.testing.assert_array_equal(two_cols.transform([[1, 2]]), [[0, 1, 0, 1, 0]])
    np.testing.assert_array_equal(two_cols.inverse_transform([[0, 1, 0, 1, 0]]), [[1, 2]])


def test_kbins_uniform_and_quantile():
    x = np.array([0.0, 1.0, 2.5, 5.0, 7.4, 7.5, 10.0])
    kb = KBinsDiscretizer(n_bins=4, strategy="uniform")
    ids = kb.fit_transform(x)
    # edges 0, 2.5, 5, 7.5, 10: [0, 2.5) -> 0, [2.5, 5) -> 1, ..., 10 -> 3
    np.testing.assert_array_equal(ids, [0, 0, 1, 2, 2, 3, 3])
    assert ids.dtype == np.int64
    np.testing.assert_allclose(kb.inverse_transform(ids), [1.25, 1.25, 3.75, 6.25, 6.25, 8.75,
                                                           8.75])
    np.testing.assert_array_equal(kb.transform([-3.0, 99.0]), [0, 3])  # out of range -> ends
    q = KBinsDiscretizer(n_bins=4, strategy="quantile").fit(np.arange(1.0, 9.0))
    np.testing.assert_array_equal(np.bincount(q.transform(np.arange(1.0, 9.0))), [2, 2, 2, 2])
    with pytest.warns(UserWarning, match="empty quantile bins were merged"):
        KBinsDiscretizer(4).fit(np.array([0.0] * 10 + [1.0]))
    with pytest.raises(ValueError, match="n_bins must be an int >= 2"):
        KBinsDiscretizer(1)


def test_polynomial_features_sklearn_order():
    x = np.array([[2.0, 3.0], [-1.0, 0.5]])
    pf = PolynomialFeatures(degree=2)
    out = pf.fit_transform(x)
    a, b = x[:, 0], x[:, 1]
    np.testing.assert_allclose(out, np.stack([np.ones(2), a, b, a * a, a * b, b * b], 1))
    assert pf.get_feature_names_out() == ["1", "x0", "x1", "x0^2", "x0 x1", "x1^2"]
    np.testing.assert_allclose(pf.inverse_transform(out), x)
    no_bias = PolynomialFeatures(2, include_bias=False).fit_transform(x)
    np.testing.assert_allclose(no_bias, np.stack([a, b, a * a, a * b, b * b], 1))
    three = np.array([[1.0, 2.0, 3.0]])
    inter = PolynomialFeatures(3, interaction_only=True).fit_transform(three)
    np.testing.assert_allclose(inter, [[1, 1, 2, 3, 2, 3, 6, 6]])
    assert PolynomialFeatures(3).fit(three).n_output_features_ == 20  # C(3 + 3, 3)


@pytest.mark.parametrize("cls", [MinMaxScaler, StandardScaler, OneHotEncoder, KBinsDiscretizer,
                                 PolynomialFeatures])
def test_transform_before_fit(cls):
    with pytest.raises(NotFittedError, match=rf"{cls.__name__}.transform called before fit"):
        cls().transform(X)
    with pytest.raises(NotFittedError, match="inverse_transform called before fit"):
        cls().inverse_transform(X)


@pytest.mark.filterwarnings("ignore:KBinsDiscretizer. feature 2 is constant")
@pytest.mark.parametrize("cls", [MinMaxScaler, StandardScaler, KBinsDiscretizer,
                                 PolynomialFeatures, OneHotEncoder])
def test_nan_names_the_column(cls):
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN in column 1 \(rows \[2\]\)"):
        cls().fit(bad)
    fitted = cls().fit(X)
    with pytest.raises(ValueError, match="NaN in column 1"):
        fitted.transform(bad)


def test_shape_errors():
    s = StandardScaler().fit(X)
    with pytest.raises(ShapeError, match="fitted on 3 features, got 2"):
        s.transform(X[:, :2])
    with pytest.raises(ShapeError, match=r"expected \(N, features\) or \(N,\)"):
        s.fit(np.zeros((2, 2, 2)))

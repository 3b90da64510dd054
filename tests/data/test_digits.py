"""The shipped 8×8 digits and the batch image transforms (expected values derived by hand)."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data.digits import Digits, digits_path, load_digits
from glassgrad.data.transforms import (
    Compose,
    Normalize,
    RandomAffine,
    RandomHorizontalFlip,
    RandomRotation,
    RandomScaling,
    RandomShift,
    affine_warp,
)


def test_digits_match_the_published_description():
    assert str(digits_path()).endswith("digits.csv.gz")
    X, y = load_digits(normalize=False)
    # UCI/scikit-learn: 1797 images of 8×8 pixel counts 0..16, per-class counts as published
    assert X.shape == (1797, 1, 8, 8) and y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    np.testing.assert_array_equal(np.bincount(y),
                                  [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    # the first sample is the "0" shown in scikit-learn's docs
    assert y[0] == 0
    np.testing.assert_array_equal(X[0, 0, 0], [0, 0, 5, 13, 9, 1, 0, 0])
    Xn, _ = load_digits(images=False)
    assert Xn.shape == (1797, 64) and Xn.dtype == np.float32
    np.testing.assert_allclose(Xn[0, :8], np.array([0, 0, 5, 13, 9, 1, 0, 0]) / 16)
    assert len(load_digits(n_class=2)[1]) == 178 + 182
    assert len(Digits()) == 1797


def _img():
    return np.arange(1.0, 26.0).reshape(1, 1, 5, 5)


def test_integer_shift_moves_pixels_and_fills_zeros():
    x = _img()
    out = affine_warp(x, [0.0], [1.0], [[1, -2]])  # one row down, two columns left
    expected = np.zeros((5, 5))
    expected[1:, :3] = x[0, 0, :4, 2:]
    np.testing.assert_allclose(out[0, 0], expected, atol=1e-12)


def test_right_angle_turns_are_exact_and_counter_clockwise():
    x = _img()
    np.testing.assert_allclose(affine_warp(x, [90.0], [1.0], [[0, 0]])[0, 0],
                               np.rot90(x[0, 0]), atol=1e-9)
    np.testing.assert_allclose(affine_warp(x, [180.0], [1.0], [[0, 0]], fill=7)[0, 0],
                               x[0, 0, ::-1, ::-1], atol=1e-9)


def test_zoom_by_2_reads_halfway_between_centre_and_pixel():
    # output pixel at offset (dr, dq) from the centre (2, 2) reads the input at (dr/2, dq/2);
    # x[r, q] = 5r + q + 1 is linear, so bilinear sampling gives 5(2 + dr/2) + (2 + dq/2) + 1.
    out = affine_warp(_img(), [0.0], [2.0], [[0, 0]])[0, 0]
    dr, dq = np.meshgrid(np.arange(5) - 2, np.arange(5) - 2, indexing="ij")
    np.testing.assert_allclose(out, 5 * (2 + dr / 2) + (2 + dq / 2) + 1, atol=1e-9)


def test_flip_normalize_compose_and_tensor_in_tensor_out():
    x = np.random.default_rng(0).random((4, 3, 5, 6)).astype(np.float32)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(x), x[..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(x), x)
    norm = Normalize([0.5, 0.25, 0.0], [2.0, 0.5, 1.0])
    expected = (x - np.array([0.5, 0.25, 0.0]).reshape(1, 3, 1, 1)) / np.array(
        [2.0, 0.5, 1.0]).reshape(1, 3, 1, 1)
    np.testing.assert_allclose(norm(x), expected, rtol=1e-6)
    t = Compose([RandomShift(0), norm])(gg.tensor(x))
    assert isinstance(t, gg.Tensor) and t.dtype == np.float32
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-6)


def test_random_transforms_are_seeded_and_vary_per_image():
    x = np.tile(_img(), (16, 2, 1, 1))
    aug = Compose([RandomAffine(degrees=15, translate=0.2, scale=(0.8, 1.2)),
                   RandomRotation(5), RandomScaling((0.9, 1.1)), RandomShift(1)])
    gg.manual_seed(1)
    a = aug(x)
    gg.manual_seed(1)
    b = aug(x)
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape
    np.testing.assert_array_equal(a[:, 0], a[:, 1])      # one draw per image, all channels
    assert not np.allclose(a[0], a[1])                   # different draws per image
    shifted = RandomShift(2)(x)
    for img in shifted[:, 0]:   # an integer shift keeps pixel values (plus zeros for fill)
        assert set(np.unique(img)) <= set(np.arange(0.0, 26.0))


def test_transform_errors():
    with pytest.raises(gg.ShapeError, match=r"\(N, C, H, W\)"):
        RandomShift(1)(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="std must be positive"):
        Normalize(0, 0)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        RandomHorizontalFlip(2)

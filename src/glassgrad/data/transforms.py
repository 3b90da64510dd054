"""Image augmentation on whole batches: (N, C, H, W) arrays or Tensors in, the same type out.

Every transform draws one set of random parameters per image from glassgrad's seeded generator
(``glassgrad.manual_seed``) and applies them to the whole batch at once (no loop over images).

    from glassgrad.data.transforms import Compose, Normalize, RandomAffine, RandomHorizontalFlip
    augment = Compose([RandomAffine(degrees=10, translate=0.1, scale=(0.9, 1.1)),
                       Normalize(mean=[0.5], std=[0.25])])
    xb = augment(xb)          # inside the training loop, batch by batch

Geometry: the image centre is ((H − 1)/2, (W − 1)/2); positive angles turn the picture
counter-clockwise as displayed (row 0 at the top), as torchvision. Pixels that come from outside
the image get ``fill``. Sampling is bilinear, so integer shifts and right-angle turns are exact.
"""

from __future__ import annotations

import numpy as np

from ..backend import default_generator, get_array_module
from ..errors import ShapeError

__all__ = ["Compose", "Normalize", "RandomHorizontalFlip", "RandomAffine", "RandomShift",
           "RandomRotation", "RandomScaling", "affine_warp"]


def _unwrap(x):
    """(array, rewrap): accepts a Tensor or an array; rewrap gives back the caller's type."""
    from ..tensor import Tensor

    if isinstance(x, Tensor):
        return x.data, lambda a: Tensor._make(a, None)
    return x, lambda a: a


def _check4d(x, name):
    if x.ndim != 4:
        raise ShapeError(f"{name}: expected a batch of images (N, C, H, W), got shape "
                         f"{tuple(x.shape)}. For one image use x[None].")


def _pair_range(value, name, around=0.0):
    """x -> (around − x, around + x); (lo, hi) stays."""
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}.")
        return (around - value, around + value)
    lo, hi = value
    if lo > hi:
        raise ValueError(f"{name}: range ({lo}, {hi}) has lo > hi.")
    return (float(lo), float(hi))


class Compose:
    """Apply transforms in order: ``Compose([RandomShift(2), Normalize(0.5, 0.25)])``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        body = "".join(f"\n  {t!r}," for t in self.transforms)
        return f"Compose([{body}\n])"


class Normalize:
    """(x − mean[c]) / std[c] per channel; scalars apply to every channel."""

    def __init__(self, mean, std):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if np.any(self.std <= 0):
            raise ValueError(f"Normalize: std must be positive, got {std}.")

    def __call__(self, x):
        a, wrap = _unwrap(x)
        _check4d(a, "Normalize")
        if len(self.mean) not in (1, a.shape[1]) or len(self.std) not in (1, a.shape[1]):
            raise ShapeError(f"Normalize: {len(self.mean)} means / {len(self.std)} stds for "
                             f"{a.shape[1]} channels.")
        xp = get_array_module(a)
        dtype = a.dtype if a.dtype.kind == "f" else np.float32
        mean = xp.asarray(self.mean, dtype=dtype).reshape(1, -1, 1, 1)
        inv = xp.asarray(1.0 / self.std, dtype=dtype).reshape(1, -1, 1, 1)
        return wrap((a - mean) * inv)

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomHorizontalFlip:
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p: float = 0.5):
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}.")
        self.p = p

    def __call__(self, x):
        a, wrap = _unwrap(x)
        _check4d(a, "RandomHorizontalFlip")
        xp = get_array_module(a)
        flip = xp.asarray(default_generator().random(a.shape[0]) < self.p).reshape(-1, 1, 1, 1)
        return wrap(xp.where(flip, a[..., ::-1], a))

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


def affine_warp(x, angle, scale, shift, fill=0.0):
    """Turn, zoom and move each image of a batch: one bilinear resampling for all of them.

    Args:
        x: (N, C, H, W) array.
        angle: (N,) degrees, counter-clockwise as displayed.
        scale: (N,) zoom factors (> 1 enlarges).
        shift: (N, 2) translation (rows down, columns right) in pixels.
        fill: value for pixels that come from outside the image.
    Returns:
        (N, C, H, W) array of x's dtype.
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    dtype = x.dtype if x.dtype.kind == "f" else np.float32
    theta = np.deg2rad(np.asarray(angle, dtype=np.float64))
    inv_s = 1.0 / np.asarray(scale, dtype=np.float64)
    shift = np.asarray(shift, dtype=np.float64).reshape(n, 2)
    cos, sin = np.cos(theta) * inv_s, np.sin(theta) * inv_s
    # NOTE: inverse map, output pixel -> source pixel. With r (down) and q (right) relative to
    # the centre, a counter-clockwise turn by θ on screen sends source (r, q) to
    # (r cos θ − q sin θ, q cos θ + r sin θ); its inverse is applied here (then scale, shift).
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    r = xp.arange(h, dtype=dtype).reshape(1, h, 1) - cy
    q = xp.arange(w, dtype=dtype).reshape(1, 1, w) - cx

    def col(v):
        return xp.asarray(v, dtype=dtype).reshape(n, 1, 1)

    r = r - col(shift[:, 0])
    q = q - col(shift[:, 1])
    src_r = col(cos) * r + col(sin) * q + cy
    src_q = col(cos) * q - col(sin) * r + cx
    return _bilinear(x.astype(dtype, copy=False), src_r, src_q, fill)


def _bilinear(x, src_r, src_q, fill):
    """Sample x (N, C, H, W) at fractional (N, H, W) coordinates; outside -> fill."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    r0, q0 = xp.floor(src_r), xp.floor(src_q)
    fr, fq = src_r - r0, src_q - q0
    r0, q0 = r0.astype(np.int64), q0.astype(np.int64)
    batch = xp.arange(n).reshape(n, 1, 1)
    out = xp.zeros((n, h, w, c), dtype=x.dtype)
    xt = x.transpose(0, 2, 3, 1)  # gather whole pixels (all channels) at once
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dq, wq in ((0, 1 - fq), (1, fq)):
            rr, qq = r0 + dr, q0 + dq
            inside = (rr >= 0) & (rr < h) & (qq >= 0) & (qq < w)
            weight = wr * wq
            vals = xt[batch, xp.clip(rr, 0, h - 1), xp.clip(qq, 0, w - 1)]
            out += xp.where(inside, weight, 0)[..., None] * vals
            if fill:
                out += (xp.where(inside, 0, weight) * fill)[..., None]
    return out.transpose(0, 3, 1, 2)


class RandomAffine:
    """Random turn, zoom and move per image (each part optional).

    Args:
        degrees: angle range: a number d for (−d, d), or (lo, hi).
        translate: largest shift as a fraction of the height/width: a number or (fy, fx).
        scale: (lo, hi) zoom range, e.g. (0.9, 1.1).
        fill: value for pixels that come from outside the image.
        integer_shift: round shifts to whole pixels (exact, no blur).
    """

    def __init__(self, degrees=0.0, translate=None, scale=None, fill=0.0,
                 integer_shift=False):
        self.degrees = _pair_range(degrees, "RandomAffine: degrees")
        if translate is None:
            translate = (0.0, 0.0)
        self.translate = (translate, translate) if isinstance(translate, (int, float)) \
            else tuple(translate)
        self.scale = (1.0, 1.0) if scale is None else _pair_range(scale, "RandomAffine: scale")
        if self.scale[0] <= 0:
            raise ValueError(f"RandomAffine: scale must be positive, got {scale}.")
        self.fill, self.integer_shift = float(fill), integer_shift

    def _shifts(self, rng, n, h, w):
        fy, fx = self.translate
        s = np.stack([rng.uniform(-fy * h, fy * h, n), rng.uniform(-fx * w, fx * w, n)], 1)
        return np.rint(s) if self.integer_shift else s

    def __call__(self, x):
        a, wrap = _unwrap(x)
        _check4d(a, type(self).__name__)
        rng = default_generator()
        n, _, h, w = a.shape
        angle = rng.uniform(*self.degrees, n)
        scale = rng.uniform(*self.scale, n)
        return wrap(affine_warp(a, angle, scale, self._shifts(rng, n, h, w), self.fill))

    def __repr__(self):
        return (f"{type(self).__name__}(degrees={self.degrees}, translate={self.translate}, "
                f"scale={self.scale}, fill={self.fill})")


class RandomShift(RandomAffine):
    """Move each image by whole pixels, up to ``max_shift`` in each direction (int or (dy, dx))."""

    def __init__(self, max_shift=2, fill=0.0):
        super().__init__(fill=fill, integer_shift=True)
        self.max_shift = (max_shift, max_shift) if isinstance(max_shift, int) else max_shift

    def _shifts(self, rng, n, h, w):
        dy, dx = self.max_shift
        return np.stack([rng.integers(-dy, dy + 1, n), rng.integers(-dx, dx + 1, n)], 1)


class RandomRotation(RandomAffine):
    """Turn each image by an angle drawn from ``degrees`` (d for (−d, d), or (lo, hi))."""

    def __init__(self, degrees, fill=0.0):
        super().__init__(degrees=degrees, fill=fill)


class RandomScaling(RandomAffine):
    """Zoom each image about its centre by a factor drawn from ``scale`` = (lo, hi)."""

    def __init__(self, scale=(0.9, 1.1), fill=0.0):
        super().__init__(scale=scale, fill=fill)


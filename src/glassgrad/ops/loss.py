"""Fused ops whose composed form would be numerically unstable.

The three losses take ``scale``: None gives the per-element loss; a number gives the reduction
``scale · Σ loss`` in the same op (1/n for "mean", 1 for "sum"), as PyTorch's loss nodes do.
"""

import numpy as np

from ..autograd import Function
from ..backend import get_array_module, scalars
from ..errors import ShapeError
from .elementwise import sigmoid_stable


class LogSoftmax(Function):
    # NOTE: fused for stability: log(softmax(x)) underflows to -inf; x - logsumexp(x) does not.
    def forward(self, a, axis=-1):
        xp = get_array_module(a)
        self.axis = axis
        if a.size == 0:  # NOTE: as PyTorch: an empty input gives an empty output
            if not -max(a.ndim, 1) <= axis < max(a.ndim, 1):
                raise ShapeError(f"LogSoftmax: dim {axis} is out of range for shape {a.shape}.")
            self.out = a[...]
            return self.out
        shifted = a - a.max(axis=axis, keepdims=True)
        self.out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        return self.out

    def backward(self, gy):
        xp = get_array_module(gy)
        return gy - xp.exp(self.out) * gy.sum(axis=self.axis, keepdims=True)


def _total(loss, scale):
    """The op's output: ``loss`` itself (scale None) or ``scale · Σ loss``."""
    # NOTE: reduced inside the op: a separate Mean node costs more than the whole loss at the
    # batch sizes of small models (the per-step overhead the W1 benchmark measures).
    if scale is None:
        return loss
    # NOTE: np.add.reduce is ndarray.sum without its Python wrapper (same pairwise sum, same
    # bits), less per loss: the small-batch steps of small models are overhead-bound.
    return (np.add.reduce(loss, None) if type(loss) is np.ndarray else loss.sum()) * scale


def _per_element(gy, scale):
    """∂E/∂loss_i for each element: gy itself, or gy · scale broadcast from the scalar."""
    return gy if scale is None else gy * scale


class SoftmaxCrossEntropy(Function):
    """Per-sample −Σ_c q_c · log softmax(x)_c along ``axis``, for a target distribution q
    (class weights, label smoothing and ignored samples already folded into q)."""

    # NOTE: fused: log-sum-exp keeps any logit (±1e4) finite, and the gradient is the famous
    # one-pass softmax(x)·Σq − q instead of a chain through exp, sum, log and a division.
    def forward(self, x, q, axis=1, scale=None):
        xp = get_array_module(x)
        shifted = x - x.max(axis=axis, keepdims=True)
        self.logp = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        self.q, self.axis, self.scale = q, axis, scale
        return _total(-(q * self.logp).sum(axis=axis), scale)

    def backward(self, gy):
        xp = get_array_module(gy)
        g = gy * self.scale if self.scale is not None else xp.expand_dims(gy, self.axis)
        gx = g * (xp.exp(self.logp) * self.q.sum(axis=self.axis, keepdims=True) - self.q)
        gq = -g * self.logp if self.needs_grad(1) else None
        return gx, gq


class BinaryCrossEntropy(Function):
    """Elementwise −[t·log p + (1−t)·log(1−p)] with the logs clamped at −100, as PyTorch."""

    # NOTE: fused so p = 0 or 1 gives a finite loss and gradient: the composed log would give
    # 0 · inf = NaN in backward. The gradient clamps its denominator p(1−p) at 1e-12 (PyTorch).
    # NOTE: p outside [0, 1] gives NaN quietly here; binary_cross_entropy raises for it.
    # errstate as a decorator costs half of a ``with`` block (CuPy never warns anyway).
    @np.errstate(divide="ignore", invalid="ignore")
    def forward(self, p, t, scale=None):
        xp = get_array_module(p)
        one, floor = scalars(p, 1, -100)
        lp = xp.maximum(xp.log(p), floor)
        self.q = one - p
        l1p = xp.maximum(xp.log(self.q), floor)
        self.p, self.t, self.scale = p, t, scale
        self.diff = l1p - lp  # ∂loss/∂t; the loss is t·diff − l1p
        out = t * self.diff
        out -= l1p
        return _total(out, scale)

    def backward(self, gy):
        xp = get_array_module(gy)
        p, t, gy = self.p, self.t, _per_element(gy, self.scale)
        gp = p - t  # gy·(p − t) / max(p(1 − p), 1e-12); q = 1 − p, from forward
        gp *= gy
        gp /= xp.maximum(self.q * p, scalars(p, 1e-12)[0])
        gt = gy * self.diff if self.needs_grad(1) else None
        return gp, gt


class BCEWithLogits(Function):
    """Elementwise (1−t)·x + w·softplus(−x) with w = 1 + (pos_weight − 1)·t (PyTorch's form)."""

    # NOTE: fused for stability: σ then log underflows for |x| ≳ 17 in float32 (log 0);
    # softplus(−x) = log(1 + e^{−|x|}) + max(−x, 0) is finite for any logit, and the gradient
    # (1 − t) − w·σ(−x) (σ(x) − t without pos_weight) needs no log at all.
    def forward(self, x, t, pos_weight=None, scale=None):
        xp = get_array_module(x)
        self.sp = xp.log1p(xp.exp(-abs(x))) + xp.maximum(-x, 0)
        self.lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
        self.x, self.t, self.pw, self.scale = x, t, pos_weight, scale
        return _total((1 - t) * x + self.lw * self.sp, scale)

    def backward(self, gy):
        x, t, gy = self.x, self.t, _per_element(gy, self.scale)
        gx = gy * ((1 - t) - self.lw * sigmoid_stable(-x))
        gt = gpw = None
        if self.needs_grad(1):
            gt = gy * (-x + (0 if self.pw is None else (self.pw - 1) * self.sp))
        if self.pw is not None and self.needs_grad(2):
            gpw = gy * t * self.sp
        return gx, gt, gpw

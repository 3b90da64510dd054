"""Op-table cases for the nn ops: activations (ops/activation.py) and fused losses (ops/loss.py).

Non-differentiable neurons give a forward reference and ``grad_inputs=[]`` (no gradcheck).
"""

import math

import numpy as np

from glassgrad.nn import functional as F
from glassgrad.ops.attention import ScaledDotProductAttention

from . import Case

_erf = np.vectorize(math.erf)


def _away_from(points, gap=0.1):
    """Move random inputs at least ``gap`` away from kinks so finite differences are clean."""
    def domain(a):
        for p in points:
            a = np.where(np.abs(a - p) < gap, p + gap * np.sign(a - p + 1e-12), a)
        return a
    return domain


def _log_softmax(x):
    s = x - x.max(1, keepdims=True)
    return s - np.log(np.exp(s).sum(1, keepdims=True))


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


_P = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
_T = np.array([[1.0, 0.0, 0.3], [0.0, 1.0, 0.5]])
# NOTE: soft targets inside (0, 1) for BCE: gradcheck moves the target by ±ε, and a target
# outside [0, 1] is refused (PyTorch's rule), so hard 0/1 labels cannot be perturbed.
_T_SOFT = np.array([[0.9, 0.05, 0.3], [0.1, 0.95, 0.5]])

CASES = [
    Case(op="ELU", fn=lambda x: F.elu(x, 0.7), inputs=[(3, 4)], domain=_away_from([0.0]),
         reference=lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    Case(op="GELU", fn=lambda x: F.gelu(x), inputs=[(3, 4)],
         reference=lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    Case(op="GELU", name="tanh", fn=lambda x: F.gelu(x, approximate="tanh"), inputs=[(3, 4)],
         reference=lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                                    * (x + 0.044715 * x**3)))),
    Case(op="Softplus", fn=lambda x: F.softplus(x, beta=2.0, threshold=3.0), inputs=[(3, 4)],
         domain=lambda a: _away_from([1.5])(a * 2),
         reference=lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2)),
    Case(op="Hardtanh", fn=lambda x: F.hardtanh(x, -0.5, 1.0), inputs=[(3, 4)],
         domain=_away_from([-0.5, 1.0]), reference=lambda x: np.clip(x, -0.5, 1.0)),
    Case(op="Step", fn=F.step, inputs=[np.array([-1.0, 0.0, 2.0])], grad_inputs=[],
         reference=lambda x: (x > 0) + 0.5 * (x == 0)),
    Case(op="Sign", fn=F.sign, inputs=[(3, 4)], grad_inputs=[],
         reference=lambda x: (x > 0) * 1.0 - (x < 0)),
    Case(op="Threshold", fn=lambda x: F.threshold(x, 0.25), inputs=[(3, 4)], grad_inputs=[],
         reference=lambda x: (x >= 0.25) * 1.0),
    # σ(±50) is 0 or 1 to double precision, so the sample is deterministic
    Case(op="StochasticBinary", fn=F.stochastic_binary,
         inputs=[np.array([[-50.0, 50.0], [60.0, -60.0]])], grad_inputs=[],
         reference=lambda x: (x > 0) * 1.0),
    Case(op="SoftmaxCrossEntropy", fn=lambda x, q: F.cross_entropy(x, q, reduction="none"),
         inputs=[(2, 3), _P], reference=lambda x, q: -(q * _log_softmax(x)).sum(1)),
    # the reduction fused into the op (scale = 1/n for "mean", 1 for "sum")
    Case(op="SoftmaxCrossEntropy", name="mean", fn=lambda x, q: F.cross_entropy(x, q),
         inputs=[(2, 3), _P], reference=lambda x, q: -(q * _log_softmax(x)).sum(1).mean()),
    Case(op="SoftmaxCrossEntropy", name="weighted-mean",
         fn=lambda x: F.cross_entropy(x, np.array([2, 0]), weight=np.array([1.0, 2.0, 3.0])),
         inputs=[(2, 3)],
         reference=lambda x: -(3 * _log_softmax(x)[0, 2] + _log_softmax(x)[1, 0]) / 4),
    Case(op="BinaryCrossEntropy",
         fn=lambda p, t: F.binary_cross_entropy(p, t, reduction="none"), inputs=[_P, _T_SOFT],
         reference=lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p))),
    Case(op="BinaryCrossEntropy", name="mean", fn=F.binary_cross_entropy, inputs=[_P, _T_SOFT],
         reference=lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean()),
    Case(op="BCEWithLogits", name="sum",
         fn=lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="sum"),
         inputs=[(2, 3), _T], reference=lambda x, t: ((1 - t) * x + _softplus(-x)).sum()),
    Case(op="BCEWithLogits",
         fn=lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
         inputs=[(2, 3), _T],
         reference=lambda x, t: -(t * np.log(1 / (1 + np.exp(-x)))
                                  + (1 - t) * np.log(1 - 1 / (1 + np.exp(-x))))),
    Case(op="BCEWithLogits", name="pos_weight",
         fn=lambda x, t: F.binary_cross_entropy_with_logits(
             x, t, reduction="none", pos_weight=np.array([2.0, 0.5, 1.0])),
         inputs=[(2, 3), _T],
         reference=lambda x, t: (1 - t) * x + (1 + np.array([1.0, -0.5, 0.0]) * t)
         * _softplus(-x)),
]


# LayerNorm (ops/normalization.py): the fused speed op, against the closed form
def _layer_norm_ref(x, w=None, b=None, nd=1):
    axes = tuple(range(x.ndim - nd, x.ndim))
    xhat = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    return xhat * (1 if w is None else w) + (0 if b is None else b)


CASES += [
    Case(op="LayerNorm", fn=lambda x, w, b: F.layer_norm(x, (4,), w, b), inputs=[(3, 2, 4), (4,),
         (4,)], reference=_layer_norm_ref),
    Case(op="LayerNorm", name="2-dims", fn=lambda x, w, b: F.layer_norm(x, (2, 4), w, b),
         inputs=[(3, 2, 4), (2, 4), (2, 4)],
         reference=lambda x, w, b: _layer_norm_ref(x, w, b, nd=2)),
    Case(op="LayerNorm", name="no-affine", fn=lambda x: F.layer_norm(x, 5), inputs=[(2, 5)],
         reference=_layer_norm_ref),
    Case(op="LayerNorm", name="weight-only", fn=lambda x, w: F.layer_norm(x, (5,), w),
         inputs=[(2, 5), (5,)], reference=_layer_norm_ref),
]


# ScaledDotProductAttention (ops/attention.py): the fused speed op, against the closed form
def _attention_ref(q, k, v, mask=0.0, scale=0.5):
    s = q @ np.swapaxes(k, -1, -2) * scale + mask
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v


_MASK = np.triu(np.full((3, 4), -np.inf), 2)

CASES += [
    Case(op="ScaledDotProductAttention", inputs=[(2, 3, 2), (2, 4, 2), (2, 4, 5)],
         fn=lambda q, k, v: ScaledDotProductAttention.apply(q, k, v, scale=0.5),
         reference=_attention_ref),
    Case(op="ScaledDotProductAttention", name="masked-heads",
         inputs=[(2, 2, 3, 2), (2, 2, 4, 2), (2, 2, 4, 3)],
         fn=lambda q, k, v: ScaledDotProductAttention.apply(q, k, v, _MASK, scale=0.5),
         reference=lambda q, k, v: _attention_ref(q, k, v, _MASK)),
]

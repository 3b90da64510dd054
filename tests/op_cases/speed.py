"""Cases for ops added or rewritten for speed (fused replacements, reshape-free fast paths)."""

import numpy as np

import glassgrad as gg

from . import Case

CASES = [
    Case("Mean", lambda a: a.mean(), np.mean, [(3, 4)]),
    Case("Mean", lambda a: a.mean(1), lambda a: a.mean(1), [(3, 4, 2)], name="dim"),
    Case("Mean", lambda a: a.mean((0, 2), keepdim=True), lambda a: a.mean((0, 2), keepdims=True),
         [(3, 4, 2)], name="dims-keepdim"),
    Case("Mean", lambda a: a.mean(-1), lambda a: a.mean(-1), [(5,)], name="vector"),
    # the Linear backward's 2-D fast path must not catch a single sample (in,) -> (out,)
    Case("Linear", gg.functional.linear, lambda x, w, b: w @ x + b, [(3,), (5, 3), (5,)],
         name="one-sample"),
]

# Linear + activation fused into one node (ops/fused.py), reached through Sequential(fuse=True)
# whose parameters are the case's inputs; shapes cover 1-D, 2-D and 3-D inputs and no bias.
_ACTS = {"LinearTanh": (gg.nn.Tanh, np.tanh),
         "LinearSigmoid": (gg.nn.Sigmoid, lambda z: 1 / (1 + np.exp(-z))),
         "LinearReLU": (gg.nn.ReLU, lambda z: np.maximum(z, 0))}


def _fused(op, bias):
    module, _ = _ACTS[op]

    def fn(x, w, b=None):
        layer = gg.nn.Linear(w.shape[1], w.shape[0], bias=bias, dtype=np.float64)
        layer._parameters["weight"] = w  # the case's tensors, so gradcheck reaches them
        if bias:
            layer._parameters["bias"] = b
        out = gg.nn.Sequential(layer, module(), fuse=True)(x)
        assert not out.requires_grad or type(out.grad_fn).__name__ == op  # fused really ran
        return out
    return fn


for _op, (_, _f) in _ACTS.items():
    CASES += [
        Case(_op, _fused(_op, True), lambda x, w, b, f=_f: f(x @ w.T + b), [(4, 3), (5, 3), (5,)],
             domain=lambda a: a + np.sign(a) * 0.1),  # away from ReLU's kink at 0
        Case(_op, _fused(_op, False), lambda x, w, f=_f: f(x @ w.T), [(2, 4, 3), (5, 3)],
             name="3d-no-bias", domain=lambda a: a + np.sign(a) * 0.1),
        Case(_op, _fused(_op, True), lambda x, w, b, f=_f: f(w @ x + b), [(3,), (5, 3), (5,)],
             name="one-sample", domain=lambda a: a + np.sign(a) * 0.1),
    ]

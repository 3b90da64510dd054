"""Op-table cases for the core primitives (ops/elementwise, reduce, movement, linalg, loss).

References are plain NumPy float64 formulas, written independently of glassgrad's op code.
Composite functions (sub, mean, var, softmax, stack, split, ...) appear under the primitive they
reach, so the table also covers the functional API built on top.
"""

import numpy as np

import glassgrad as gg
from glassgrad.ops import elementwise as E

from . import Case

pos = lambda x: np.abs(x) + 0.5  # noqa: E731  (a domain: strictly positive)
MASK = np.array([[True, False, True, True], [False, False, True, False], [True] * 4])
IDX = np.array([0, 2, 0, 0])  # repeated indices: the gradient must accumulate


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _var(x, axis, ddof):
    n = x.size if axis is None else x.shape[axis]
    m = x.mean(axis=axis, keepdims=True)
    return ((x - m) ** 2).sum(axis=axis) / (n - ddof)


ELEMENTWISE = [
    Case("Add", lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (3, 4)]),
    Case("Add", lambda a, b: a + b, lambda a, b: a + b, [(3, 1, 4), (5, 1)], name="broadcast"),
    Case("Add", lambda a: a + 2.5, lambda a: a + 2.5, [(3,)], name="scalar"),
    Case("Add", lambda a: np.ones(3) + a, lambda a: 1 + a, [(2, 3)], name="radd-ndarray"),
    Case("Add", lambda a, b: a - b, lambda a, b: a - b, [(2, 3), (3,)], name="sub"),
    Case("Add", lambda a: 3 - a, lambda a: 3 - a, [(4,)], name="rsub"),
    Case("Add", lambda a, b: gg.functional.sub(a, b), lambda a, b: a - b, [(2, 1), (1, 3)],
         name="functional-sub"),
    Case("Mul", lambda a, b: a * b, lambda a, b: a * b, [(3, 4), (3, 4)]),
    Case("Mul", lambda a, b: a * b, lambda a, b: a * b, [(2, 3), (3,)], name="broadcast"),
    Case("Mul", lambda a: 2 * a * 0.5 * a, lambda a: a * a, [(5,)], name="scalars"),
    Case("Mul", lambda a, b: a * b, lambda a, b: a * b, [(), (2, 2)], name="0d"),
    Case("Div", lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (4,)], domain=pos),
    Case("Div", lambda a: 1 / a, lambda a: 1 / a, [(3,)], domain=pos, name="rdiv"),
    Case("Div", lambda a: a / 4, lambda a: a / 4, [(3,)], name="by-scalar"),
    Case("Neg", lambda a: -a, lambda a: -a, [(2, 3)]),
    Case("Pow", lambda a: a**3, lambda a: a**3, [(3, 2)]),
    Case("Pow", lambda a: a**0.5, lambda a: np.sqrt(a), [(4,)], domain=pos, name="sqrt"),
    Case("Pow", lambda a: a**-2, lambda a: 1 / (a * a), [(4,)], domain=pos, name="negative"),
    Case("Pow", lambda a, b: a**b, lambda a, b: np.exp(b * np.log(a)), [(3, 4), (3, 4)],
         domain=pos, name="tensor-exponent"),
    Case("Pow", lambda a, b: a**b, lambda a, b: np.exp(b * np.log(a)), [(3, 4), (4,)],
         domain=pos, name="tensor-exponent-broadcast"),
    Case("Pow", lambda a: 2.0**a, lambda a: np.exp(a * np.log(2)), [(4,)], name="rpow"),
    Case("Pow", lambda a: a.pow(2), lambda a: a * a, [(4,)], name="method"),
    Case("Exp", gg.exp, np.exp, [(3, 4)]),
    Case("Log", gg.log, np.log, [(3, 4)], domain=pos),
    Case("Sqrt", gg.sqrt, np.sqrt, [(3, 4)], domain=pos),
    Case("Abs", gg.abs, np.abs, [(3, 4)]),
    Case("Abs", lambda a: abs(a), np.abs, [(5,)], name="dunder"),
    Case("Sin", gg.sin, np.sin, [(3, 4)]),
    Case("Cos", gg.cos, np.cos, [(3, 4)]),
    Case("Tanh", gg.tanh, np.tanh, [(3, 4)]),
    Case("Sigmoid", gg.sigmoid, lambda a: 1 / (1 + np.exp(-a)), [(3, 4)]),
    Case("Sigmoid", gg.sigmoid, lambda a: 1 / (1 + np.exp(-a)),
         [np.array([-40.0, -3.0, 0.25, 3.0, 40.0])], name="saturated"),
    Case("ReLU", gg.relu, lambda a: np.where(a > 0, a, 0), [(3, 4)]),
    Case("LeakyReLU", lambda a: gg.functional.leaky_relu(a, 0.1),
         lambda a: np.where(a > 0, a, 0.1 * a), [(3, 4)]),
    Case("LeakyReLU", gg.functional.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a), [(6,)],
         name="default-slope"),
    Case("Clamp", lambda a: a.clamp(-0.5, 0.7), lambda a: np.minimum(np.maximum(a, -0.5), 0.7),
         [(4, 5)]),
    Case("Clamp", lambda a: gg.clamp(a, min=0.1), lambda a: np.maximum(a, 0.1), [(6,)],
         name="min-only"),
    Case("Clamp", lambda a: gg.clamp(a, max=0.1), lambda a: np.minimum(a, 0.1), [(6,)],
         name="max-only"),
    Case("Maximum", gg.maximum, np.maximum, [(3, 4), (3, 4)]),
    Case("Maximum", gg.maximum, np.maximum, [(3, 4), (4,)], name="broadcast"),
    Case("Maximum", lambda a: gg.maximum(a, 0.2), lambda a: np.maximum(a, 0.2), [(5,)],
         name="scalar"),
    Case("Minimum", gg.minimum, np.minimum, [(3, 4), (3, 4)]),
    Case("Minimum", gg.minimum, np.minimum, [(2, 1), (1, 3)], name="broadcast"),
    Case("Where", gg.where, np.where, [MASK, (3, 4), (3, 4)]),
    Case("Where", gg.where, np.where, [MASK, (3, 4), (4,)], name="broadcast"),
    Case("Where", lambda c, a: gg.where(c, a, 0.0), lambda c, a: np.where(c, a, 0.0),
         [MASK, (3, 4)], name="scalar-other"),
    Case("Where", lambda a: gg.where(a > 0, a, a * a), lambda a: np.where(a > 0, a, a * a),
         [(3, 4)], name="tensor-condition"),
    Case("Cast", lambda a: E.Cast.apply(a, dtype=np.float64), lambda a: a, [(3,)]),
    Case("Cast", lambda a: a.to(gg.float32) * 2, lambda a: 2 * a, [(3, 2)], name="to-float32",
         forward_tol=1e-6, kwargs={"eps": 1e-3, "atol": 1e-3, "rtol": 1e-2}),
    Case("ToDevice", lambda a: E.ToDevice.apply(a, device="cpu") * 3, lambda a: 3 * a, [(3,)]),
]

REDUCE = [
    Case("Sum", gg.sum, np.sum, [(3, 4)]),
    Case("Sum", lambda a: a.sum(1), lambda a: a.sum(1), [(3, 4, 2)], name="dim"),
    Case("Sum", lambda a: a.sum(-1, keepdim=True), lambda a: a.sum(-1, keepdims=True),
         [(3, 4)], name="keepdim-negative"),
    Case("Sum", lambda a: a.sum((0, 2)), lambda a: a.sum((0, 2)), [(3, 4, 2)], name="dims"),
    Case("Sum", lambda a: a.sum([0, -1], keepdim=True), lambda a: a.sum((0, 2), keepdims=True),
         [(3, 4, 2)], name="dim-list-keepdim"),
    Case("Sum", lambda a: a.mean(), np.mean, [(3, 4)], name="mean"),
    Case("Sum", lambda a: a.mean(-1, keepdim=True), lambda a: a.mean(-1, keepdims=True),
         [(3, 4)], name="mean-keepdim"),
    Case("Sum", lambda a: a.var(0), lambda a: _var(a, 0, 1), [(5, 3)], name="var"),
    Case("Sum", lambda a: a.var(correction=0), lambda a: _var(a, None, 0), [(5, 3)],
         name="var-population"),
    Case("Sum", lambda a: a.std(1), lambda a: np.sqrt(_var(a, 1, 1)), [(3, 6)], name="std"),
    Case("Max", gg.amax, np.max, [(3, 4)]),
    Case("Max", lambda a: a.max(), np.max, [(3, 4)], name="method"),
    Case("Max", lambda a: a.max(1).values, lambda a: a.max(1), [(3, 4, 2)], name="dim"),
    Case("Max", lambda a: a.max(-1, keepdim=True).values, lambda a: a.max(-1, keepdims=True),
         [(3, 4)], name="keepdim-negative"),
    Case("Max", lambda a: a.amax((0, 2)), lambda a: a.max((0, 2)), [(3, 4, 2)], name="dims"),
    Case("Max", lambda a: a.min(0).values, lambda a: a.min(0), [(3, 4)], name="min"),
    Case("Max", lambda a: a.amin(), np.min, [(3, 4)], name="amin"),
    Case("LogSumExp", lambda a: a.logsumexp(-1), lambda a: np.log(np.exp(a).sum(-1)), [(3, 4)]),
    Case("LogSumExp", lambda a: gg.logsumexp(a), lambda a: np.log(np.exp(a).sum()), [(3, 4)],
         name="all"),
    Case("LogSumExp", lambda a: a.logsumexp(0, keepdim=True),
         lambda a: np.log(np.exp(a).sum(0, keepdims=True)), [(3, 4)], name="keepdim"),
    Case("LogSumExp", lambda a: a.logsumexp((0, 2)), lambda a: np.log(np.exp(a).sum((0, 2))),
         [(3, 4, 2)], name="dims"),
    Case("LogSumExp", lambda a: a.logsumexp(-1), lambda a: a.max(-1) + np.log(
        np.exp(a - a.max(-1, keepdims=True)).sum(-1)), [np.array([[500.0, 499.0, -2.0]])],
         name="large"),
    Case("LogSoftmax", lambda a: a.log_softmax(-1), lambda a: np.log(_softmax(a, -1)), [(3, 5)]),
    Case("LogSoftmax", lambda a: gg.log_softmax(a, 0), lambda a: np.log(_softmax(a, 0)),
         [(3, 5)], name="dim0"),
    Case("LogSoftmax", lambda a: a.log_softmax(1), lambda a: a - a.max(1, keepdims=True) - np.log(
        np.exp(a - a.max(1, keepdims=True)).sum(1, keepdims=True)),
         [np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])], name="large"),
    Case("LogSoftmax", lambda a: a.softmax(-1), lambda a: _softmax(a, -1), [(2, 3, 4)],
         name="softmax"),
]

MOVEMENT = [
    Case("Reshape", lambda a: a.reshape(4, 3), lambda a: a.reshape(4, 3), [(3, 4)]),
    Case("Reshape", lambda a: a.view(-1), lambda a: a.reshape(-1), [(3, 4)], name="view"),
    Case("Reshape", lambda a: a.flatten(1), lambda a: a.reshape(2, -1), [(2, 3, 4)],
         name="flatten"),
    Case("Reshape", lambda a: a.squeeze(), lambda a: a.squeeze(), [(3, 1, 4, 1)], name="squeeze"),
    Case("Reshape", lambda a: a.squeeze(-1), lambda a: a[..., 0], [(3, 1, 4, 1)],
         name="squeeze-dim"),
    Case("Reshape", lambda a: a.unsqueeze(-1), lambda a: a[..., None], [(3, 4)],
         name="unsqueeze"),
    Case("Permute", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), [(2, 3, 4)]),
    Case("Permute", lambda a: a.transpose(0, -1), lambda a: np.swapaxes(a, 0, -1), [(2, 3, 4)],
         name="transpose"),
    Case("Permute", lambda a: a.T, lambda a: a.T, [(3, 4)], name="T"),
    Case("Expand", lambda a: a.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4)),
         [(3, 1)]),
    Case("Expand", lambda a: a.expand(-1, 4), lambda a: np.broadcast_to(a, (3, 4)), [(3, 1)],
         name="minus-one"),
    Case("GetItem", lambda a: a[1:, ::2], lambda a: a[1:, ::2], [(3, 4)], name="slices"),
    Case("GetItem", lambda a: a[1], lambda a: a[1], [(3, 4)], name="int"),
    Case("GetItem", lambda a: a[..., None, -1], lambda a: a[..., None, -1], [(2, 3, 4)],
         name="ellipsis-none"),
    Case("GetItem", lambda a: a[IDX], lambda a: a[IDX], [(3, 4)], name="repeated"),
    Case("GetItem", lambda a: a[[0, 2, 0]], lambda a: a[[0, 2, 0]], [(3, 4)], name="list"),
    Case("GetItem", lambda a: a[gg.tensor(IDX)], lambda a: a[IDX], [(3, 2)], name="tensor-index"),
    Case("GetItem", lambda a: a[IDX, 1:], lambda a: a[IDX, 1:], [(3, 4)], name="mixed"),
    Case("GetItem", lambda a: a[[0, 1, 0], [2, 2, 2]], lambda a: a[[0, 1, 0], [2, 2, 2]],
         [(3, 4)], name="two-arrays"),
    Case("GetItem", lambda a: a[MASK], lambda a: a[MASK], [(3, 4)], name="bool-mask"),
    Case("GetItem", lambda a: a[a > 0], lambda a: a[a > 0], [(3, 4)], name="tensor-mask"),
    Case("GetItem", lambda a: gg.split(a, 2, dim=1), lambda a: np.split(a, [2], axis=1),
         [(2, 3)], name="split"),
    Case("GetItem", lambda a: a.split([1, 3], -1), lambda a: np.split(a, [1], axis=-1),
         [(2, 4)], name="split-sizes"),
    Case("GetItem", lambda a: a.chunk(3, 0), lambda a: np.split(a, [2, 4], axis=0), [(5, 2)],
         name="chunk"),
    Case("Cat", lambda a, b, c: gg.cat([a, b, c], dim=1),
         lambda a, b, c: np.concatenate([a, b, c], 1), [(2, 1), (2, 3), (2, 2)]),
    Case("Cat", lambda a, b: gg.cat([a, b], -1), lambda a, b: np.concatenate([a, b], -1),
         [(2, 2, 1), (2, 2, 3)], name="negative-dim"),
    Case("Cat", lambda a, b: gg.stack([a, b]), lambda a, b: np.stack([a, b]), [(2, 3), (2, 3)],
         name="stack"),
    Case("Cat", lambda a, b: gg.stack([a, b], -1), lambda a, b: np.stack([a, b], -1),
         [(2, 3), (2, 3)], name="stack-last"),
    Case("Pad", lambda a: gg.pad(a, (1, 2)), lambda a: np.pad(a, ((0, 0), (1, 2))), [(2, 3)]),
    Case("Pad", lambda a: gg.pad(a, (1, 1, 2, 0), value=-1.0),
         lambda a: np.pad(a, ((0, 0), (2, 0), (1, 1)), constant_values=-1.0), [(2, 3, 2)],
         name="two-dims-value"),
]

LINALG = [
    Case("MatMul", lambda a, b: a @ b, np.matmul, [(3, 4), (4, 5)]),
    Case("MatMul", gg.matmul, np.matmul, [(2, 3, 4), (2, 4, 5)], name="batched"),
    Case("MatMul", lambda a, b: a @ b, np.matmul, [(2, 1, 3, 4), (3, 4, 2)],
         name="broadcast-batch"),
    Case("MatMul", lambda a, b: a @ b, np.matmul, [(2, 3, 4), (4, 5)], name="batched-by-matrix"),
    Case("MatMul", lambda a, b: a @ b, np.dot, [(4,), (4,)], name="1d-1d"),
    Case("MatMul", lambda a, b: a @ b, np.matmul, [(4,), (4, 3)], name="1d-2d"),
    Case("MatMul", lambda a, b: a @ b, np.matmul, [(3, 4), (4,)], name="2d-1d"),
    Case("MatMul", lambda a, b: a @ b, np.matmul, [(2, 3, 4), (4,)], name="batched-1d"),
    Case("MatMul", lambda a, b: a @ b, np.matmul, [(4,), (2, 4, 3)], name="1d-batched"),
    Case("MatMul", lambda a: a @ np.eye(3), lambda a: a, [(2, 3)], name="ndarray-operand"),
    Case("Linear", gg.functional.linear, lambda x, w, b: x @ w.T + b, [(4, 3), (5, 3), (5,)]),
    Case("Linear", gg.functional.linear, lambda x, w: x @ w.T, [(4, 3), (5, 3)], name="no-bias"),
    Case("Linear", gg.functional.linear, lambda x, w, b: x @ w.T + b, [(2, 4, 3), (5, 3), (5,)],
         name="3d-input"),
]

CASES = ELEMENTWISE + REDUCE + MOVEMENT + LINALG

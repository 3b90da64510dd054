"""Gradient checking by central finite differences in float64.

Users call ``gradcheck`` on their own functions; the test suite calls it on every op.
"""

from __future__ import annotations

import numpy as np

from .autograd import no_grad
from .backend import to_numpy
from .errors import GradcheckError
from .tensor import Tensor


def _named(inputs) -> list[tuple[str, Tensor]]:
    if isinstance(inputs, Tensor):
        inputs = [inputs]
    if isinstance(inputs, dict):
        items = list(inputs.items())
    else:
        items = [(getattr(t, "name", None) or f"input {i}", t) for i, t in enumerate(inputs)]
    return [(name, t if isinstance(t, Tensor) else Tensor(t)) for name, t in items]


def _flat_output(out) -> np.ndarray:
    if isinstance(out, (tuple, list)):
        return np.concatenate([to_numpy(o.data).astype(np.float64).ravel() for o in out])
    return to_numpy(out.data).astype(np.float64).ravel()


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, *, elementwise_limit=2048,
              directions=10, seed=0) -> bool:
    """Check the analytic gradients of ``fn`` against central differences, in float64.

    The output is projected on a fixed random vector v, so every output element is checked:
    the analytic side is the gradient of Σ v·fn(inputs), the numerical side is
    (L(x + ε) − L(x − ε)) / 2ε element by element for inputs up to ``elementwise_limit``
    elements, and along ``directions`` random directions for larger ones.

    Args:
        fn: function of Tensors returning a Tensor (or a tuple of Tensors).
        inputs: a Tensor, a sequence of Tensors, or a dict name -> Tensor. Floating inputs with
            ``requires_grad`` are checked (all floating inputs if none requires grad).
    Returns:
        True. Raises ``GradcheckError`` naming the input, the worst element's index and both
        values when they disagree by more than ``atol + rtol * |numerical|``.
    """
    named = _named(inputs)
    floating = [t.dtype.kind == "f" for _, t in named]
    wanted = [f and t.requires_grad for f, (_, t) in zip(floating, named)]
    if not any(wanted):
        wanted = floating
    if not any(wanted):
        raise ValueError("gradcheck: no floating-point input to check.")
    base = [to_numpy(t.data).astype(np.float64) if f else to_numpy(t.data)
            for f, (_, t) in zip(floating, named)]
    rng = np.random.default_rng(seed)

    leaves = [Tensor(a, dtype=a.dtype, requires_grad=w) for a, w in zip(base, wanted)]
    out = fn(*leaves)
    v = rng.standard_normal(_flat_output(out).shape)

    def loss(arrays) -> float:
        with no_grad():
            o = fn(*[Tensor(a, dtype=a.dtype) for a in arrays])
        return float(_flat_output(o) @ v)

    outs = out if isinstance(out, (tuple, list)) else (out,)
    total, offset = None, 0
    for o in outs:
        n = o.data.size
        term = (o * Tensor(v[offset:offset + n].reshape(o.shape), dtype=np.float64)).sum()
        total = term if total is None else total + term
        offset += n
    if total.requires_grad:  # NOTE: an output cut from the inputs has zero analytic gradient
        total.backward()

    for i, ((name, _), leaf) in enumerate(zip(named, leaves)):
        if not wanted[i]:
            continue
        analytic = np.zeros(base[i].shape) if leaf.grad is None else to_numpy(leaf.grad.data)
        _compare(name, base, i, analytic, loss, eps, atol, rtol, elementwise_limit,
                 directions, rng)
    return True


def _compare(name, base, i, analytic, loss, eps, atol, rtol, limit, directions, rng) -> None:
    x = base[i]
    arrays = list(base)
    if x.size <= limit:
        numeric = np.empty(x.shape)
        flat = x.reshape(-1).copy()
        for k in range(x.size):
            for sign, store in ((1, "plus"), (-1, "minus")):
                pert = flat.copy()
                pert[k] += sign * eps
                arrays[i] = pert.reshape(x.shape)
                if store == "plus":
                    plus = loss(arrays)
                else:
                    minus = loss(arrays)
            numeric.reshape(-1)[k] = (plus - minus) / (2 * eps)
        err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        worst = np.unravel_index(np.argmax(err), x.shape) if x.size else ()
        if x.size and err[worst] > 0:
            raise GradcheckError(
                f"gradcheck failed for {name} (shape {x.shape}) at index {tuple(map(int, worst))}"
                f": analytic {analytic[worst]:.10g} vs numerical {numeric[worst]:.10g} "
                f"(tolerance atol={atol} + rtol={rtol}·|numerical|).")
        return
    for d in range(directions):
        u = rng.standard_normal(x.shape)
        arrays[i] = x + eps * u
        plus = loss(arrays)
        arrays[i] = x - eps * u
        minus = loss(arrays)
        numeric = (plus - minus) / (2 * eps)
        exact = float((analytic * u).sum())
        if abs(exact - numeric) > atol + rtol * abs(numeric):
            raise GradcheckError(
                f"gradcheck failed for {name} (shape {x.shape}) along random direction {d}: "
                f"analytic directional derivative {exact:.10g} vs numerical {numeric:.10g}.")

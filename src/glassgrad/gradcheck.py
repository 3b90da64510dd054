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

    A scalar output is differentiated as it is. A larger output is projected on a fixed random
    vector v, so every output element is checked at once: the analytic side is the gradient of
    L = Σ v·fn(inputs), the numerical side (L(x + ε) − L(x − ε)) / 2ε, element by element for
    inputs up to ``elementwise_limit`` elements, and along ``directions`` random directions for
    larger ones. On a failure the message gives true derivatives, not projections: ∂f/∂x of
    the worst element (for a scalar f, the numbers a hand calculation gives), and for a larger
    output the Jacobian entry ∂f[j]/∂x[k] that disagrees most.

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
    size = _flat_output(out).size
    # NOTE: a scalar output needs no projection: its derivatives are reported as they are
    v = np.ones(1) if size == 1 else rng.standard_normal(size)

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
        worst = _compare(name, base, i, analytic, loss, eps, atol, rtol, elementwise_limit,
                         directions, rng)
        if worst is not None:
            raise GradcheckError(_failure(fn, base, wanted, name, i, worst, eps, size, atol,
                                          rtol))
    return True


def _failure(fn, base, wanted, name, i, worst, eps, size, atol, rtol) -> str:
    """The message for a failure at input ``i``'s element ``worst``: the true derivatives of
    each output element there (one backward per output element: only on failure)."""
    x = base[i]
    arrays = list(base)
    cols = []
    for sign in (1, -1):
        pert = x.copy()
        pert[worst] += sign * eps
        arrays[i] = pert
        with no_grad():
            cols.append(_flat_output(fn(*[Tensor(a, dtype=a.dtype) for a in arrays])))
    numeric = (cols[0] - cols[1]) / (2 * eps)
    analytic = np.empty(size)
    for j in range(size):
        leaves = [Tensor(a, dtype=a.dtype, requires_grad=w) for a, w in zip(base, wanted)]
        out = fn(*leaves)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        j0 = j
        for o in outs:
            if j0 < o.data.size:
                picked = o.reshape(-1)[j0]
                if picked.requires_grad:
                    picked.backward()
                break
            j0 -= o.data.size
        g = leaves[i].grad
        analytic[j] = 0.0 if g is None else float(to_numpy(g.data)[worst])
    err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    j = int(np.argmax(err))
    at = f"index {tuple(map(int, worst))}"
    tol = f"(tolerance atol={atol} + rtol={rtol}·|numerical|)"
    if size == 1:
        return (f"gradcheck failed for {name} (shape {x.shape}) at {at}: analytic "
                f"{analytic[0]:.7g} vs numerical {numeric[0]:.7g} (the derivative df/dx there) "
                f"{tol}.")
    return (f"gradcheck failed for {name} (shape {x.shape}) at {at}: analytic {analytic[j]:.7g} "
            f"vs numerical {numeric[j]:.7g} (the Jacobian entry ∂f[{j}]/∂x{list(map(int, worst))}"
            f", output element {j} of the flattened output) {tol}.")


def _compare(name, base, i, analytic, loss, eps, atol, rtol, limit, directions, rng):
    """The index of the worst element where the gradients of L disagree (element by element),
    or None; raises for a disagreement along a random direction (large inputs)."""
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
        return worst if x.size and err[worst] > 0 else None
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

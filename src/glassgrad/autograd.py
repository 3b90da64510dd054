"""Reverse-mode automatic differentiation: the ``Function`` base class and the backward engine.

An op is a ``Function`` subclass with ``forward(*arrays)`` and ``backward(gy)`` side by side.
Both work on raw ``xp`` arrays. ``forward`` saves on ``self`` only what ``backward`` needs;
``backward`` returns one gradient per input (``None`` where no gradient flows). Broadcasting is
undone here, once, after each op's backward, so no op has to think about it.

Graph ownership: a result Tensor holds its creator (``_ctx``), the creator holds its inputs and
never its output, so there are no cycles. The backward walk is iterative (no recursion limit) and
frees the graph as it goes unless ``retain_graph=True``.
"""

from __future__ import annotations

import contextlib
import heapq

import numpy as np

from . import engine_state, versions
from . import hooks as _hooks
from .autograd_errors import _check_finite, _op_error, _shapes, _user_frame
from .engine_state import sequence as _sequence
from .engine_state import state as _state
from .errors import GraphError, NotDifferentiableError, ShapeError

OPS: dict[str, type] = {}  # every Function subclass by name: the op table the tests walk

_new, _ndarray = object.__new__, np.ndarray


# ---------------------------------------------------------------- grad mode and anomaly mode

class _Mode(contextlib.ContextDecorator):
    def __init__(self, key: str, value: bool):
        self.key, self.value = key, value

    def __enter__(self):
        self.prev = _state[self.key]
        _state[self.key] = self.value
        return self

    def __exit__(self, *exc):
        _state[self.key] = self.prev
        return False


def no_grad():
    """Context manager (and decorator) in which ops record no graph: for evaluation and updates."""
    return _Mode("grad", False)


def enable_grad():
    """Context manager (and decorator) that turns graph recording back on inside ``no_grad``."""
    return _Mode("grad", True)


def set_grad_enabled(mode: bool):
    """Context manager that sets grad mode to ``mode``."""
    return _Mode("grad", bool(mode))


def is_grad_enabled() -> bool:
    return _state["grad"]


def detect_anomaly():
    """Context manager: the first op whose forward or backward produces NaN/Inf raises
    ``AnomalyError`` naming the op, its input shapes and the line of user code that created it."""
    return _Mode("anomaly", True)


# ---------------------------------------------------------------- Function: the op base class

class Function:
    """Base class of every differentiable op. Subclasses write ``forward`` and ``backward``."""

    # NOTE: op-specific saved arrays live in __dict__; freeing the graph clears it. ``seq``
    # numbers recorded ops in creation order: the backward engine runs them newest first.
    __slots__ = ("inputs", "seq", "__dict__")
    differentiable = True
    hint = ""  # a line added to shape errors: the usual fix for this op

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        key = cls.__name__
        # NOTE: a user's op never shadows a glassgrad op of the same name in the table.
        if key in OPS and not cls.__module__.startswith("glassgrad."):
            key = f"{cls.__module__}.{cls.__qualname__}"
        OPS[key] = cls

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, gy):
        raise NotImplementedError

    def needs_grad(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient: lets backward skip work nobody needs."""
        # NOTE: constants (arrays, Python scalars) have no requires_grad; one C call.
        return getattr(self.inputs[i], "requires_grad", False)

    @classmethod
    def apply(cls, *inputs, **params):
        """Run ``forward`` on the inputs' arrays and, in grad mode, record the op in the graph.

        Inputs are Tensors or constants (Python scalars, arrays); constants get no gradient.
        """
        fn, Tensor = _new(cls), engine_state.Tensor
        # NOTE: a plain loop, not a comprehension plus any(): this is the per-op hot path.
        arrays, wants_grad = [], False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                wants_grad = wants_grad or x.requires_grad
            else:
                arrays.append(x)
        try:
            out = fn.forward(*arrays, **params)
        except (ValueError, TypeError, IndexError) as err:
            if isinstance(err, ShapeError):
                raise
            raise _op_error(cls, arrays, params, err) from err
        needs = wants_grad and _state["grad"]
        if needs:
            fn.inputs, fn.seq = inputs, next(_sequence)
        if _state["anomaly"]:
            fn._created_at = _user_frame()
            _check_finite(fn, (out,), "forward", _shapes(arrays))
        ctx = fn if needs else None
        if type(out) is not _ndarray:  # NumPy scalars from reductions, CuPy arrays
            return Tensor._make(out, ctx)
        # NOTE: Tensor._make inline: one call less per op on the hot path.
        t = _new(Tensor)
        t.data, t.grad, t._ctx, t._retain, t.name, t.requires_grad = (
            out, None, ctx, False, None, needs)
        return t


# ---------------------------------------------------------------- the backward engine

def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: undoes NumPy broadcasting (the only place that does)."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def freed_graph_error(fn) -> GraphError:
    """The error for a walk that reaches ``fn`` after a backward freed its graph."""
    return GraphError(
        f"backward through {type(fn).__name__} a second time: its graph was freed by the first "
        "backward. Pass retain_graph=True to the first backward() if you need to backpropagate "
        "twice.")


def topological_order(root, all_tensors: bool = False) -> list:
    """Tensors of the graph below ``root``, each after everything it depends on. No recursion.

    Args:
        root: the Tensor at the top.
        all_tensors: also walk into Tensor inputs that do not require grad (constants and
            their graphs), as ``explain.graph`` shows them; the engine needs only those that do.

    Inputs of one op come in argument order (left to right). Raises GraphError where a graph
    below ``root`` was freed by an earlier ``backward``.
    """
    # NOTE: an explicit stack of (tensor, expanded) pairs; a tensor is appended to ``order``
    # when it is popped the second time, after all its inputs. A tensor counts as seen when it
    # is expanded, not when pushed: a DAG may reach it again deeper down, and it must then come
    # after that later path too. Local names: this is the per-step hot path of small models.
    order, seen, isinstance_, tensor = [], set(), isinstance, engine_state.Tensor
    stack = [(root, False)]
    pop, push, see, emit = stack.pop, stack.append, seen.add, order.append
    while stack:
        t, expanded = pop()
        if expanded:
            emit(t)
            continue
        if id(t) in seen:
            continue
        see(id(t))
        fn = t._ctx
        if fn is None:
            emit(t)  # a leaf: nothing below it, so it is done as soon as it is reached
            continue
        push((t, True))
        inputs = fn.inputs if fn.seq > _state["inplace"] else versions.edges(fn)
        if inputs is None:
            raise freed_graph_error(fn)
        # NOTE: pushed in reverse so that the stack visits (and orders) them left to right.
        for x in reversed(inputs):
            if isinstance_(x, tensor) and (all_tensors or x.requires_grad) and id(x) not in seen:
                push((x, False))
    return order


def backward(root, grad, retain_graph: bool = False, session=None) -> None:
    """Backpropagate ``grad`` (an array shaped like ``root``) through the graph below ``root``.

    Ops run in decreasing creation order (``Function.seq``, as PyTorch's engine does): an op's
    inputs were all created before it, so every consumer of a tensor runs before the tensor's
    own creator, with no separate topological sort. A leaf accumulates ``.grad`` as soon as a
    gradient reaches it (PyTorch's AccumulateGrad), as a new Tensor: ``.grad`` is never written
    into, since gradient arrays may be shared.

    Hooks (``hooks.py``) cost nothing here unless present: a non-leaf with hooks carries a
    truthy ``_retain``, already tested once per node; leaves with hooks, and ``autograd.grad``,
    run with a ``hooks.Session`` whose ``sink`` takes the leaves' gradients instead.
    """
    if session is None and _hooks.LEAVES:
        session = _hooks.Session()
    if session is None:
        if root._ctx is None:
            root._accumulate(grad)
            return
        sink, grads = engine_state.Tensor._accumulate, {id(root): grad}
        # NOTE: heap items (−seq, id, tensor): seqs are unique, so tensors are never compared.
        heap = [(-root._ctx.seq, id(root), root)]
    else:
        sink, grads, heap = session.sink, *session.start(root, grad)
    take, get = grads.pop, grads.get
    pop, push = heapq.heappop, heapq.heappush
    anomaly, inplace = _state["anomaly"], _state["inplace"]
    isinstance_, tensor = isinstance, engine_state.Tensor
    # NOTE: grad mode switched off by hand (not ``with no_grad()``) and local names throughout:
    # this loop runs once per node per training step, and small models are overhead-bound.
    grad_mode, _state["grad"] = _state["grad"], False
    fn = None
    try:
        while heap:
            t = pop(heap)[2]
            fn = t._ctx
            g = take(id(t))
            if t._retain:  # retain_grad, hooks, autograd.grad's marks: the rare path
                g = _hooks.visit(t, g, grads, session)
                if g is None:
                    continue
            if not fn.differentiable:
                raise NotDifferentiableError(
                    f"{type(fn).__name__} has no useful derivative (it is zero almost "
                    "everywhere), so gradients cannot flow through it. Use it in forward only, "
                    "or replace it by a smooth surrogate (e.g. sigmoid for Step, tanh for Sign).")
            inputs = fn.inputs
            if fn.seq < inplace:  # changed in place since this op ran: versions.py decides
                inputs = versions.check(fn, t)
            # NOTE: an op freed by an earlier backward (inputs None, saved arrays gone) fails
            # here with AttributeError or TypeError; the handler below explains it.
            in_grads = fn.backward(g)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if anomaly:
                _check_finite(fn, in_grads, "backward", _shapes(
                    [x.data if isinstance(x, engine_state.Tensor) else x for x in fn.inputs]))
            for x, gx in zip(inputs, in_grads):
                if gx is None or not isinstance_(x, tensor) or not x.requires_grad:
                    continue
                data = x.data
                if gx.shape != data.shape:
                    gx = unbroadcast(gx, data.shape)
                if gx.dtype is not data.dtype and gx.dtype != data.dtype:
                    gx = gx.astype(data.dtype)
                ctx = x._ctx
                if ctx is None:  # a leaf: its .grad grows now (PyTorch's AccumulateGrad)
                    sink(x, gx)
                    continue
                key = id(x)
                prev = get(key)
                if prev is None:
                    grads[key] = gx
                    push(heap, (-ctx.seq, key, x))
                else:  # NOTE: out of place on purpose: gradient arrays may be shared.
                    grads[key] = prev + gx
            if not retain_graph:
                fn.inputs = None
                fn.__dict__.clear()
        if session is not None:
            fn = None  # NOTE: a hook's error below is not a freed-graph error
            session.finish()
    except (AttributeError, TypeError):
        if fn is not None and fn.inputs is None:
            raise freed_graph_error(fn) from None
        raise
    finally:
        _state["grad"] = grad_mode


def __getattr__(name):
    # NOTE: ``glassgrad.autograd.grad`` lives in autograd_grad.py, which builds on this engine
    # (and so cannot be imported by it at module level without an import cycle).
    if name == "grad":
        from .autograd_grad import grad

        return grad
    raise AttributeError(f"module 'glassgrad.autograd' has no attribute {name!r}")

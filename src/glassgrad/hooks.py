"""Tensor gradient hooks (``Tensor.register_hook``) and the engine's rare paths.

The backward engine's per-node loop stays free of hook checks: a tensor that needs special
handling carries a ``_Special`` object in its ``_retain`` slot (otherwise ``False``, or ``True``
after ``retain_grad()``), which the engine already tests once per non-leaf node; ``visit`` then
runs here. Leaves with hooks are listed in ``LEAVES``; only when that list is non-empty (or for
``autograd.grad``) does a backward run through a ``Session`` that gathers each hooked leaf's
gradient over all its uses, so its hooks see the total, as PyTorch's do.
"""

from __future__ import annotations

import itertools
import weakref

from . import engine_state
from .errors import GraphError, ShapeError

# NOTE: a plain dict (id -> weakref), not a WeakSet: the engine tests it once per backward,
# and a dict's truth test is one C call.
LEAVES: dict = {}  # leaves that have at least one hook
_ids = itertools.count()


class _Special:
    """What the ``_retain`` slot holds for a tensor with hooks."""

    __slots__ = ("hooks", "retain")

    def __init__(self, retain: bool = False):
        self.hooks, self.retain = {}, retain


class _GradMark:
    """A temporary ``_retain`` value during ``autograd.grad``: capture and/or prune a tensor."""

    __slots__ = ("prev", "capture", "go_on")

    def __init__(self, prev, capture: bool, go_on: bool):
        self.prev, self.capture, self.go_on = prev, capture, go_on


class RemovableHandle:
    """What ``Tensor.register_hook`` and ``Module.register_forward_hook``/
    ``register_forward_pre_hook`` return: ``handle.remove()`` unregisters the hook (idempotent).
    Also a context manager that removes the hook on exit, as ``torch.utils.hooks``'s.

    Args:
        hooks: the dict (id -> hook) the hook was stored in.
        key: the hook's id in ``hooks`` (a fresh one when None).
        on_empty: called after a removal leaves ``hooks`` empty.
    """

    def __init__(self, hooks: dict, key=None, on_empty=None):
        self.id = next(_ids) if key is None else key
        self._hooks, self._on_empty = hooks, on_empty

    def remove(self) -> None:
        self._hooks.pop(self.id, None)
        if not self._hooks and self._on_empty is not None:
            self._on_empty()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def _special(t) -> _Special:
    s = t._retain
    if not isinstance(s, _Special):
        s = t._retain = _Special(retain=bool(s))
    return s


class HookMixin:
    """Tensor methods for gradient hooks: ``register_hook`` and ``retain_grad``."""

    __slots__ = ()

    def register_hook(self, hook) -> RemovableHandle:
        """Register ``hook(grad) -> Tensor | None``, called with ∂L/∂self once it is computed.

        A Tensor returned replaces the gradient that flows on (into ``.grad`` for a leaf, into
        the creator's backward and ``retain_grad`` for a non-leaf). Hooks run in registration
        order, once per backward with the gradient summed over every use of the tensor; ``grad``
        is a Tensor without graph (an in-place change to it, ``grad.mul_(2)``, counts as a
        return).

        Returns:
            a handle whose ``remove()`` unregisters the hook.
        """
        if not self.requires_grad:
            raise GraphError("register_hook(): cannot register a hook on a tensor that does not "
                             "require grad. Create it with requires_grad=True (or call "
                             ".requires_grad_() on a leaf) first.")
        if not callable(hook):
            raise TypeError(f"register_hook(): the hook must be callable, got "
                            f"{type(hook).__name__}.")
        special = _special(self)
        on_empty = None
        if self._ctx is None:  # a leaf: listed in LEAVES while it has hooks
            key = id(self)
            ref = LEAVES[key] = weakref.ref(self, lambda _, key=key: LEAVES.pop(key, None))

            def on_empty():
                if ref() is not None:
                    LEAVES.pop(key, None)
        handle = RemovableHandle(special.hooks, on_empty=on_empty)
        special.hooks[handle.id] = hook
        return handle

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        s = self._retain
        if isinstance(s, _Special):
            s.retain = True
        else:
            self._retain = True
        return self


def run_hooks(t, g, hooks):
    """Call each hook on ``g`` (an array) in order; returns the resulting array."""
    Tensor = engine_state.Tensor
    for hook in list(hooks.values()):
        wrapped = Tensor._make(g, None)
        out = hook(wrapped)
        if out is None:
            out = wrapped  # NOTE: an in-place method on ``grad`` replaced wrapped.data
        elif not isinstance(out, Tensor):
            raise TypeError(f"hook {_name(hook)} returned {type(out).__name__}; a hook must "
                            "return a Tensor (the new gradient) or None.")
        new = out.data
        if new.shape != g.shape:
            raise ShapeError(f"hook {_name(hook)} changed the gradient's shape from "
                             f"{tuple(g.shape)} to {tuple(new.shape)}; return a gradient "
                             "shaped like the tensor.")
        if new.dtype != g.dtype:
            raise TypeError(f"hook {_name(hook)} changed the gradient's dtype from {g.dtype} to "
                            f"{new.dtype}; cast it back (grad.to(...)) before returning it.")
        g = new
    return g


def _name(hook) -> str:
    return f"'{getattr(hook, '__qualname__', type(hook).__name__)}'"


def visit(t, g, grads, session):
    """The engine's rare path for a non-leaf whose ``_retain`` is set, when its gradient ``g``
    is complete. Returns the gradient to pass to its creator's backward, or None to stop."""
    s = t._retain
    mark = None
    if isinstance(s, _GradMark):
        mark, s = s, s.prev
        if not (mark.capture or mark.go_on):
            return None  # leads to no input of autograd.grad: PyTorch does not run it
    if isinstance(s, _Special):
        if s.hooks:
            g = run_hooks(t, g, s.hooks)
    if session is None or session.inputs is None:  # a plain backward: retain_grad stores
        if s is True or (isinstance(s, _Special) and s.retain):
            t._accumulate(g)
        return g
    if mark is None:
        return g
    if mark.capture:
        session.capture(t, g)
    return g if mark.go_on else None


class Session:
    """A backward run with leaf hooks or for ``autograd.grad``: where leaf gradients go.

    Args:
        inputs: for ``autograd.grad``, the tensors whose gradients are captured (no ``.grad``
            is touched); None for a plain backward.
    """

    def __init__(self, inputs=None):
        self.inputs = inputs
        self.wanted = None if inputs is None else {id(x) for x in inputs}
        self.leaf_grads: dict = {}  # id -> [leaf, summed gradient] for hooked/captured leaves
        self.captured: dict = {}

    roots = None  # autograd.grad's (output, seed) pairs, several outputs at once

    def start(self, root, grad) -> tuple:
        """The engine's starting ``grads`` dict and heap for the roots."""
        grads, heap = {}, []
        for t, g in self.roots or ((root, grad),):
            if t._ctx is None:
                self.sink(t, g)
            elif id(t) in grads:
                grads[id(t)] = grads[id(t)] + g
            else:
                grads[id(t)] = g
                heap.append((-t._ctx.seq, id(t), t))
        heap.sort()
        return grads, heap

    def sink(self, x, g) -> None:
        """The engine's leaf branch: accumulate now, or gather for hooks / capture."""
        key = id(x)
        if self.wanted is None:
            s = x._retain
            if not (isinstance(s, _Special) and s.hooks):
                x._accumulate(g)
                return
        elif key not in self.wanted:
            return  # autograd.grad touches no .grad
        entry = self.leaf_grads.get(key)
        if entry is None:
            self.leaf_grads[key] = [x, g]
        else:  # NOTE: out of place: gradient arrays may be shared.
            entry[1] = entry[1] + g

    def capture(self, t, g) -> None:
        self.captured[id(t)] = g

    def finish(self) -> None:
        """After the walk: run each gathered leaf's hooks on its total, then store it."""
        for x, g in self.leaf_grads.values():
            s = x._retain
            if isinstance(s, _Special) and s.hooks:
                g = run_hooks(x, g, s.hooks)
            if self.wanted is None:
                x._accumulate(g)
            else:
                self.captured[id(x)] = g

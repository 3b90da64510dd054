"""Version counters: in-place changes that backward must not miss (PyTorch's mechanism).

Every in-place change of a tensor (``x.add_(y)``, ``x += y``, ``x.zero_()``, ``x[i] = v``, ...)
raises the tensor's version by one and is stamped with a number from the same sequence that
numbers the ops (``Function.seq``). An op created before the stamp used the tensor as it was
before the change. Backward then, for such an op only:

- raises ``GraphError`` when the op saved the changed value for its backward (the value it
  would differentiate with is no longer the one the user sees), naming the op, the in-place
  change and both versions, as PyTorch does;
- otherwise follows the graph edge to the node the tensor had when the op used it (PyTorch's
  edges point at the old ``grad_fn``), so ``z = y.sum(); y.mul_(2); z.backward()`` is right.

Zero cost when nothing is changed in place: a tensor's record (slot ``_vc``) exists only after
its first in-place change, and the engine looks here only for ops older than the latest change
(``engine_state.state["inplace"]``): one integer comparison per node otherwise.

Views. glassgrad's in-place methods and ``+=`` never write into an array: they replace the
tensor's array (the old one may be shared with a view, ``detach()``, a gradient or an op's saved
inputs, none of which change). Only ``x[...] = v`` writes memory, and memory can be shared by a
tensor, its views and ``detach()``: those writes are also counted per buffer (the root array of
NumPy's ``.base`` chain), so a write through any view is seen by every op that saved an array of
that buffer: PyTorch's one counter shared by a base and its views. ``x.data[...] = v`` and
``x.data = ...`` are not tracked, as in PyTorch (optimizers update ``p.data`` that way).
"""

from __future__ import annotations

import bisect
import weakref

from . import engine_state
from .errors import GraphError

FIX = ("Fix: clone it before the in-place change (y = y.clone(), then change y), use the "
       "out-of-place form (y = y * 2 instead of y.mul_(2)), or make the change after backward().")


class Change:
    """One in-place change: its stamp, the op's name, the version it made, the value before
    (a weak reference: only an op that saved it keeps it alive) and, when the tensor was
    rebased onto a new graph node, the Tensor holding the old value and node."""

    __slots__ = ("stamp", "op", "version", "old_ref", "old")

    def __init__(self, stamp, op, version, old_array, old):
        self.stamp, self.op, self.version, self.old = stamp, op, version, old
        try:
            self.old_ref = weakref.ref(old_array)
        except TypeError:
            # NOTE: an array type without weak references: not kept alive (a loop of updates
            # would hold every old value). The old array is never written into, so gradients
            # stay right; only PyTorch's refusal of a saved, changed value is lost there.
            self.old_ref = _dead


class Record:
    """A tensor's version (``Tensor._version``) and its in-place changes still relevant."""

    __slots__ = ("version", "changes")

    def __init__(self, version: int = 0):
        self.version, self.changes = version, []

    def first_after(self, seq: int):
        for ch in self.changes:
            if ch.stamp > seq:
                return ch
        return None


# id(root array) -> [weakref(root), stamps of the writes (ascending)]: memory writes per buffer
_BUFFERS: dict = {}


def _dead():
    return None


def _tracks(entry, root) -> bool:
    """Whether a buffer entry is ``root``'s: its reference gives root itself, or None for an
    array type without weak references (tracked by id). By identity, never by ==."""
    ref = entry[0]()
    return ref is root or ref is None


def _live(c) -> bool:
    if c.old is None:
        return c.old_ref() is not None
    ctx = c.old._ctx
    return ctx is None or ctx.inputs is not None


def stamp() -> int:
    """Draw the stamp of an in-place change before computing it, so that ops the change itself
    records (the new node of a rebased tensor) come after it."""
    return next(engine_state.sequence)


def version(t) -> int:
    rec = getattr(t, "_vc", None)
    return 0 if rec is None else rec.version


def bump(t, op: str, s: int, old_array, old=None) -> None:
    """Record that ``t`` was changed in place by ``op`` at stamp ``s`` (from ``stamp()``).

    Args:
        old_array: t's array before the change (for memory writes, the array written into).
        old: for a rebased tensor, a Tensor with the old array and the old node.
    """
    rec = getattr(t, "_vc", None)
    if rec is None:
        rec = t._vc = Record()
    rec.version += 1
    # NOTE: drop the changes that can no longer matter to any backward, so a loop of updates
    # keeps the list short: an old value nobody kept (no op saved it) that moved no node, or a
    # moved node whose graph a backward has since freed.
    rec.changes = [c for c in rec.changes if _live(c)]
    rec.changes.append(Change(s, op, rec.version, old_array, old))
    if old is not None:
        # the old value is frozen: its own record says when and how it was superseded
        old._vc = Record(rec.version - 1)
        old._vc.changes.append(Change(s, op, rec.version, old_array, None))
    engine_state.state["inplace"] = max(engine_state.state["inplace"], s)


def write(t, index, key, value) -> None:
    """``t[index] = value`` (``key``: the index with Tensors replaced by arrays): the one
    in-place change that writes memory. Counted for t and for the memory it shares."""
    try:
        t.data[key] = value
    except (IndexError, ValueError, TypeError) as err:
        raise type(err)(f"x[...] = v: cannot assign a {type(value).__name__} at index {index!r} "
                        f"of a tensor of shape {tuple(t.shape)}: {err}. The index must lie "
                        "inside the shape and v must be numbers that broadcast to the indexed "
                        "part.") from None
    written(t, "x[...] = v (__setitem__)")


def written(t, op: str) -> None:
    """``t[...] = v`` wrote into t's array: count it for t and for the memory it shares (a view
    of it, or its ``detach()``, may be what an op saved)."""
    s = stamp()
    root = _root(t.data)
    key = id(root)
    entry = _BUFFERS.get(key)
    if entry is None or not _tracks(entry, root):
        try:
            ref = weakref.ref(root, lambda _, key=key: _BUFFERS.pop(key, None))
        except TypeError:
            # NOTE: no weak references: keyed by id alone. A later array reusing the id may
            # then be refused needlessly (a clear error), never silently wrong.
            ref = _dead
        entry = _BUFFERS[key] = [ref, []]
    entry[1].append(s)
    rec = getattr(t, "_vc", None)
    if rec is None:
        rec = t._vc = Record()
    rec.version += 1
    engine_state.state["inplace"] = max(engine_state.state["inplace"], s)


def _root(arr):
    """The array owning ``arr``'s memory (the end of NumPy's/CuPy's ``.base`` chain)."""
    base = getattr(arr, "base", None)
    while base is not None and hasattr(base, "shape"):
        arr, base = base, getattr(base, "base", None)
    return arr


def _saved_roots(fn) -> dict:
    """id(root buffer) -> root, for every array the op saved on itself for backward."""
    roots = {}
    for value in fn.__dict__.values():
        items = value if isinstance(value, (tuple, list)) else (value,)
        for v in items:
            if hasattr(v, "shape") and hasattr(v, "dtype") and hasattr(v, "base"):
                r = _root(v)
                roots[id(r)] = r
    return roots


def _describe(t, i=None) -> str:
    what = "its output" if i is None else f"its input {i}"
    name = f" '{t.name}'" if getattr(t, "name", None) else ""
    return f"{what}{name} (a tensor of shape {tuple(t.shape)})"


def _refuse(fn, t, i, ch, now) -> GraphError:
    op = type(fn).__name__
    return GraphError(
        f"backward: {op} saved {_describe(t, i)} for its backward, but {ch.op} changed that "
        f"tensor in place afterwards: {op} saved version {ch.version - 1}, it is now at version "
        f"{now}. The gradient would use a value the tensor no longer has. {FIX}")


def check(fn, t):
    """The engine's rare path for an op older than the latest in-place change: raise where it
    saved a value changed since, else return its inputs with each tensor rebased since then
    replaced by the Tensor it was when the op used it."""
    inputs = fn.inputs
    if inputs is None:  # a freed graph: the engine explains it
        return inputs
    seq, roots = fn.seq, None
    rec = getattr(t, "_vc", None)
    if rec is not None:  # the op's output, changed after the op made it
        ch = rec.first_after(seq)
        if ch is not None:
            roots = _saved_roots(fn)
            arr = ch.old_ref()
            if arr is not None and id(_root(arr)) in roots:
                raise _refuse(fn, t, None, ch, max(rec.version, ch.version))
    out = None
    tensor = engine_state.Tensor
    for i, x in enumerate(inputs):
        rec = getattr(x, "_vc", None) if isinstance(x, tensor) else None
        if rec is None:
            continue
        ch = rec.first_after(seq)
        if ch is None:
            continue
        if roots is None:
            roots = _saved_roots(fn)
        arr = ch.old_ref()
        if arr is not None and id(_root(arr)) in roots:
            raise _refuse(fn, x, i, ch, rec.version)
        if ch.old is not None:
            if out is None:
                out = list(inputs)
            out[i] = ch.old
    if roots is None:
        roots = _saved_roots(fn)
    for key, root in roots.items():  # memory written through some view after the op saved it
        entry = _BUFFERS.get(key)
        if entry is not None and _tracks(entry, root) and entry[1][-1] > seq:
            stamps = entry[1]
            op = type(fn).__name__
            which = [f"input {i}" for i, x in enumerate(inputs)
                     if isinstance(x, tensor) and _root(x.data) is root]
            what = f"{which[0]} (shape {tuple(inputs[int(which[0][6:])].shape)})" if which \
                else f"an array of shape {tuple(root.shape)}"
            raise GraphError(
                f"backward: {op} saved {what} for its backward, but x[...] = v wrote into "
                "its memory afterwards (through that tensor, a view of it, or its detach()): "
                f"{op} saved version {bisect.bisect_right(stamps, seq)}, the memory is now at "
                f"version {len(stamps)}. {FIX}")
    return inputs if out is None else tuple(out)


def edges(fn):
    """``fn``'s inputs as they were when it ran (rebased tensors replaced), without checks:
    for walks of the graph other than backward (``topological_order``)."""
    inputs = fn.inputs
    if inputs is None:
        return inputs
    out = None
    for i, x in enumerate(inputs):
        rec = getattr(x, "_vc", None) if isinstance(x, engine_state.Tensor) else None
        ch = rec.first_after(fn.seq) if rec is not None else None
        if ch is not None and ch.old is not None:
            if out is None:
                out = list(inputs)
            out[i] = ch.old
    return inputs if out is None else tuple(out)

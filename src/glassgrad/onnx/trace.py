"""Record one forward pass for export: the graph, every op's arguments, the layers that ran.

The computation graph (``Tensor._ctx`` → ``Function.inputs``) already says which op made each
tensor from which; export also needs what the graph does not keep: each op's keyword arguments
(a reshape's shape, a clamp's bounds) and which layer produced which tensor. ``record``
observes both from outside the engine, for the length of one forward pass:

* forward hooks on every module: the dotted name of the module that was running when each op
  ran (for error messages), and for each *layer* (a module with a converter) its inputs and
  outputs, so the exporter maps the layer as a whole (``Conv2d`` → one ``Conv`` node);
* ``Function.apply`` wrapped for the duration (and restored after, also on error): each op's
  class, inputs, output and keyword arguments, in order.

Export traces twice, at two batch sizes; the dims that differ are the batch-dependent ones
(``batch_dims``), which become the symbolic "batch" dim — for any shape arithmetic in the
forward, not only dim 0 of the input.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, enable_grad
from ..tensor import Tensor


class LayerCall:
    """One call of a layer: ``module``, dotted ``name``, ``args`` (as passed), ``outputs``
    (the returned Tensors, nested tuples flattened) and ``ops`` (op records inside it)."""

    def __init__(self, module, name, args):
        self.module, self.name, self.args = module, name, args
        self.outputs: list = []
        self.ops: list = []


def flatten(value) -> list:
    """Tensors in ``value`` (a Tensor or nested tuples/lists of them), in order."""
    out, stack = [], [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (tuple, list)):
            stack.extend(reversed(v))
        elif v is not None:
            out.append(v)
    return out


class Recording:
    """What ``record`` saw: ``inputs``, ``output``, ``ops`` [(cls, inputs, out, params)],
    ``params`` (id(fn) → kwargs), ``layer_of`` (id(tensor) → (LayerCall, index)), ``calls``
    (LayerCall in call order) and ``where`` (id(tensor) → the running module's name)."""

    def __init__(self):
        self.ops, self.calls = [], []
        self.params, self.layer_of, self.where = {}, {}, {}
        self.inputs = self.output = None


def record(model, inputs, is_layer) -> Recording:
    """Run ``model(*inputs)`` once, recording as described in the module docstring.

    ``is_layer(module)`` says which modules are mapped whole. Inputs of float dtype are made
    to require grad so that every op below them is recorded in the graph.
    """
    rec, stack, handles = Recording(), [], []

    def pre(name, layer):
        def hook(module, args):
            call = LayerCall(module, name, args) if layer else None
            stack.append((name, call, len(rec.ops)))
        return hook

    def post(module, args, out):
        name, call, start = stack.pop()
        if call is None:
            return
        call.outputs, call.ops = flatten(out), rec.ops[start:]
        given = {id(t) for t in flatten(args)}
        if any(id(t) in given for t in call.outputs):
            return  # NOTE: a pass-through at inference (Dropout, Identity): nothing to map
        rec.calls.append(call)
        for j, t in enumerate(call.outputs):
            rec.layer_of[id(t)] = (call, j)  # an outer layer overwrites an inner one: last wins

    original = Function.__dict__["apply"]

    def apply(cls, *args, **params):
        out = original.__func__(cls, *args, **params)
        rec.ops.append((cls, args, out, params))
        if out._ctx is not None:
            rec.params[id(out._ctx)] = params
        rec.where[id(out)] = stack[-1][0] if stack else ""
        return out

    for name, m in model.named_modules():
        handles.append(m.register_forward_pre_hook(pre(name or "model", is_layer(m))))
        handles.append(m.register_forward_hook(post))
    # NOTE: the wrapper lives only for this forward pass (see the module docstring): the
    # engine and the ops stay free of export code, and nothing changes for other callers.
    Function.apply = classmethod(apply)
    try:
        with enable_grad():
            xs = [_leaf(x) for x in inputs]
            rec.inputs, rec.output = xs, model(*xs)
    finally:
        Function.apply = original
        for h in handles:
            h.remove()
    return rec


def _leaf(x) -> Tensor:
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    t = Tensor(data.copy())
    t.requires_grad = t.data.dtype.kind == "f"
    return t


def batch_dims(a: Recording, b: Recording) -> dict:
    """id(tensor of ``a``) → its shape in ``b``, aligning the two recordings op by op."""
    if len(a.ops) != len(b.ops) or len(a.calls) != len(b.calls) or any(
            x[0] is not y[0] for x, y in zip(a.ops, b.ops)):
        raise ValueError("the forward pass ran different ops at two batch sizes, so it "
                         "cannot be exported with a symbolic batch dim")
    shapes = {}

    def pair(u, v):
        if hasattr(u, "shape") and hasattr(v, "shape"):
            shapes[id(u)] = tuple(v.shape)

    for (_, ins_a, out_a, _), (_, ins_b, out_b, _) in zip(a.ops, b.ops):
        for u, v in zip(ins_a, ins_b):
            pair(u, v)
        pair(out_a, out_b)
    for ca, cb in zip(a.calls, b.calls):
        for u, v in zip(flatten(ca.args) + ca.outputs, flatten(cb.args) + cb.outputs):
            pair(u, v)
    for u, v in zip(a.inputs + flatten(a.output), b.inputs + flatten(b.output)):
        pair(u, v)
    return shapes

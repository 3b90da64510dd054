"""``Node``: one ONNX node as the ``load`` converters see it (attributes decoded, constant
inputs looked up), and the helpers the converters share."""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ._lib import onnx


class Unsupported(Exception):
    """This node cannot be expressed; the message says why."""


class Node:
    """One ONNX node with its attributes decoded and its constant inputs looked up."""

    def __init__(self, proto, loader):
        get = onnx().helper.get_attribute_value
        self.proto, self.loader, self.op = proto, loader, proto.op_type
        self.attrs = {a.name: _decode(get(a)) for a in proto.attribute}
        self.inputs, self.outputs = list(proto.input), list(proto.output)

    def const(self, i):
        """The constant value of input ``i``, None if absent; Unsupported if not constant."""
        if i >= len(self.inputs) or not self.inputs[i]:
            return None
        value = self.loader.consts.get(self.inputs[i])
        if value is None:
            raise Unsupported(f"input {i} ({self.inputs[i]!r}) must be a constant (an "
                              "initializer) for glassgrad to build a layer from it")
        return value

    def is_const(self, i) -> bool:
        return i < len(self.inputs) and self.inputs[i] in self.loader.consts

    def runtime(self) -> list:
        return [n for n in self.inputs if n and n not in self.loader.consts]

    def used(self, k: int) -> bool:
        name = self.outputs[k] if k < len(self.outputs) else ""
        return bool(name) and (name in self.loader.consumers or name in self.loader.outputs)

    def done(self, module, ins=None, outs=None):
        return module, (self.runtime() if ins is None else ins), (outs or self.outputs[:1])


def _decode(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list) and v and isinstance(v[0], bytes):
        return [x.decode() for x in v]
    return v


def _set(param, value) -> None:
    with no_grad():
        param.data = np.array(value, dtype=param.dtype, order="C")


def _float_dtype(*arrays):
    for a in arrays:
        if a is not None and np.asarray(a).dtype.kind == "f":
            return np.asarray(a).dtype
    return np.float32


def _consts(n) -> dict:
    return {i: n.loader.consts[name] for i, name in enumerate(n.inputs) if n.is_const(i)}



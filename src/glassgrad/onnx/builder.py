"""``Builder``: collects the ONNX nodes and initializers of one export, with unique names.

Converters (``export_layers``, ``export_conv``, ``export_rnn``, ``export_ops``) only call
``node``, ``init`` and ``ints``; the builder owns naming and turns everything into a
``ModelProto`` at the end.
"""

from __future__ import annotations

import numpy as np

from ._lib import ExportError, onnx


class Call:
    """One thing to convert: a layer call or one op of the traced graph.

    ``inputs``: ONNX value names (None for an absent optional input); ``arrays``: the input
    values seen in the trace (NumPy); ``shapes``/``out_shapes``: symbolic shapes (None marks
    the batch-dependent dims); ``params``: the op's keyword arguments; ``module``; ``name``:
    the layer's dotted path (or the op's) for node names and errors.
    """

    def __init__(self, name, inputs, arrays, shapes, out_shapes, params=None, module=None,
                 ops=()):
        self.name, self.inputs, self.arrays = name, inputs, arrays
        self.shapes, self.out_shapes = shapes, out_shapes
        self.params, self.module, self.ops = params or {}, module, ops

    @property
    def what(self) -> str:
        """How errors name this call: ``layer 'features.0' (Conv2d(...))`` or ``op 'v3'``."""
        if self.module is not None:
            return f"layer {self.name!r} ({self.module!r})"
        return f"op {self.name!r}"


class Builder:
    def __init__(self, opset: int, dtype):
        self.opset, self.dtype = opset, np.dtype(dtype)
        self.nodes, self.inits, self.used, self.renamed = [], [], set(), {}
        self._keyed: dict = {}
        self.scope = "op"

    # ------------------------------------------------------------ names
    def fresh(self, base: str) -> str:
        base = base or "v"
        name, i = base, 1
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name

    # ------------------------------------------------------------ graph parts
    def init(self, array, name: str | None = None, key=None) -> str:
        """An initializer holding ``array``; the same ``key`` (a parameter's id) reuses it."""
        if key is not None and key in self._keyed:
            return self._keyed[key]
        arr = np.asarray(array)
        if arr.dtype.kind == "f" and arr.dtype != self.dtype:
            arr = arr.astype(self.dtype)
        out = self.fresh(name or f"{self.scope}.const")
        self.inits.append(onnx().numpy_helper.from_array(arr.copy(order="C"), out))
        if key is not None:
            self._keyed[key] = out
        return out

    def ints(self, values) -> str:
        """An int64 initializer (shapes, axes, pads): ONNX takes those as inputs."""
        return self.init(np.asarray(values, dtype=np.int64), f"{self.scope}.ints")

    def scalar(self, value) -> str:
        """A 0-d initializer of the model's float dtype."""
        return self.init(np.asarray(value, dtype=self.dtype), f"{self.scope}.c")

    def node(self, op: str, inputs, outputs: int = 1, name: str | None = None, **attrs):
        """Append a node; returns its output name (a list when ``outputs`` > 1)."""
        inputs = ["" if i is None else i for i in inputs]
        while inputs and inputs[-1] == "":
            inputs.pop()
        outs = [self.fresh(f"{self.scope}.{op}") for _ in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(onnx().helper.make_node(
            op, inputs, outs, name=self.fresh(name or f"{self.scope}/{op}"), **attrs))
        return outs[0] if outputs == 1 else outs

    def need(self, opset: int, what: str, call: Call) -> None:
        """Refuse, naming the op, the layer and the opset that would support it."""
        if self.opset < opset:
            raise ExportError(f"{what} in {call.what} needs ONNX opset {opset} or newer; this "
                              f"export uses opset {self.opset}. Pass opset={opset} to "
                              "glassgrad.onnx.export (or change the layer).")

    def model(self, inputs, outputs, name: str):
        """The finished ``ModelProto``: ``inputs``/``outputs`` are (name, shape, dtype)."""
        h = onnx().helper

        def info(name, shape, dtype):
            dims = ["batch" if d is None else int(d) for d in shape]
            return h.make_tensor_value_info(name, h.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                                            dims)

        graph = h.make_graph(self.nodes, name, [info(*i) for i in inputs],
                             [info(*o) for o in outputs], self.inits)
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", self.opset)],
                             producer_name="glassgrad", producer_version=_version())
        # NOTE: the oldest IR version that carries this opset: what most runtimes read.
        model.ir_version = h.find_min_ir_version_for(list(model.opset_import))
        return model


def _version() -> str:
    from .. import __version__

    return __version__

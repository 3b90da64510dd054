"""``export``: a glassgrad model to an ONNX file.

How: one forward pass is recorded (``trace.record``); then the graph is walked from the
outputs back to the inputs. A tensor made by a *layer* (a module type listed in ``MODULES``)
becomes that layer's ONNX nodes (``Linear`` → ``Gemm``, ``LSTM`` → ``LSTM`` ...); a tensor made
by an op outside any layer (custom modules' ``forward`` code: ``x + y``, ``x.reshape(...)``)
becomes the ONNX nodes of that op (``OPS``). Parameters and constants become initializers
named as in ``state_dict()``. A second trace at another batch size finds the batch-dependent
dims, which become the symbolic ``batch`` dim.
"""

from __future__ import annotations

import os

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from . import export_conv, export_layers, export_ops, export_rnn
from ._lib import DEFAULT_OPSET, MIN_OPSET, ExportError, onnx
from .builder import Builder, Call
from .trace import batch_dims, flatten, record
from .verify import check_outputs
from .verify import grow as _grow

MODULES = {**export_layers.MODULES, **export_conv.MODULES, **export_rnn.MODULES}
OPS = {**export_ops.OPS, **export_conv.OPS}


def _is_layer(module) -> bool:
    return type(module) in MODULES


def export(model, example_input, path, opset: int = DEFAULT_OPSET, dynamic_batch: bool = True,
           batch_axis: int | None = None, input_names=None, output_names=None,
           check: bool = True, verify: bool = True):
    """Write ``model`` as an ONNX file that runs in onnxruntime (or any ONNX runtime).

    Args:
        model: a Module (a Sequential, or any custom module: its forward is traced).
        example_input: an input batch (array or Tensor), or a tuple of them for several inputs.
            Only its shape and dtype matter, and that the forward runs on it.
        path: the ``.onnx`` file to write (atomically; parent folders are created).
        opset: the ONNX opset (default 17, at least 13). A layer that needs a newer one (GELU:
            20 natively; circular padding: 19) says so.
        dynamic_batch: make the batch dim symbolic (``"batch"``), so the file runs on any
            batch size; False fixes every dim to the example's.
        batch_axis: the input dim that is the batch: an int, or one per input (default 0; 1
            for a time-major sequence or an initial state of an RNN, LSTM or GRU).
        input_names, output_names: graph input/output names (default ``input``,
            ``output``; numbered when there are several).
        check: run ``onnx.checker.check_model(full_check=True)`` on the result.
        verify: run the exported graph (onnxruntime if installed, else ``onnx.reference``)
            on the example input and on a second one (other values, one more example when
            ``dynamic_batch``) and refuse to write it unless its outputs equal glassgrad's
            forward (within 1e-4 + 1e-3·|y|) on both: see ``verify.check_outputs``.

    Returns:
        the ``onnx.ModelProto`` that was written. The model is put in eval mode for the
        trace (Dropout off, BatchNorm on its running statistics) and restored after.
    """
    from ..io.atomic import atomic_write_bytes

    if not MIN_OPSET <= int(opset) <= 23:
        raise ValueError(f"export: opset must lie in [{MIN_OPSET}, 23], got {opset}.")
    inputs = list(example_input) if isinstance(example_input, (tuple, list)) else [example_input]
    devices = {p.device for p in model.parameters()} - {"cpu"}
    if devices:
        raise ExportError(f"export: the model lives on {sorted(devices)[0]}; export reads its "
                          "weights on the CPU. Export a CPU copy (model.to('cpu')).")
    was_training = model.training
    model.eval()
    try:
        proto, rec, axes = _export(model, inputs, int(opset), dynamic_batch, batch_axis,
                                   input_names, output_names)
        if check:
            onnx().checker.check_model(proto, full_check=True)
        if verify:
            check_outputs(proto, model, rec, axes)
    finally:
        model.train(was_training)
    if path is not None:
        atomic_write_bytes(os.fspath(path), proto.SerializeToString())
    return proto


def _export(model, inputs, opset, dynamic, batch_axis, input_names, output_names):
    a = record(model, inputs, _is_layer)
    shapes_b, axes = {}, None
    if dynamic:
        axes = _batch_axes(a, batch_axis)
        b = record(model, [_grow(x, axis) for x, axis in zip(a.inputs, axes)], _is_layer)
        try:
            shapes_b = batch_dims(a, b)
        except ValueError as err:
            raise ExportError(f"export: {err}. Pass dynamic_batch=False for a fixed batch "
                              "size.") from None
    outputs = flatten(a.output)
    if not outputs or not all(isinstance(t, Tensor) for t in outputs):
        raise ExportError(f"export: the model returned {type(a.output).__name__}; expected a "
                          "Tensor or a tuple of Tensors.")
    dtype = next((p.dtype for p in model.parameters()), a.inputs[0].dtype)
    b = Builder(opset, dtype if np.dtype(dtype).kind == "f" else np.float32)
    walk = _Walk(b, a, shapes_b, model)
    in_names = _names(input_names, "input", len(a.inputs))
    for t, n in zip(a.inputs, in_names):
        walk.names[id(t)] = n
        b.used.add(n)
    out_names = _names(output_names, "output", len(outputs))
    b.used.update(out_names)
    with no_grad():
        produced = [walk.value(t) for t in outputs]
    for src, n in zip(produced, out_names):
        _name_output(b, src, n)
    ins = [(n, walk.sym(t), t.dtype) for n, t in zip(in_names, a.inputs)]
    outs = [(n, walk.sym(t), t.dtype) for n, t in zip(out_names, outputs)]
    return b.model(ins, outs, type(model).__name__), a, axes


def _name_output(b, src: str, name: str) -> None:
    """Call the graph output ``name``: rename the value where only its node uses it, else
    (an input, an initializer, a value used twice) add an Identity node."""
    node = next((nd for nd in b.nodes if src in nd.output), None)
    if src not in b.renamed and node is not None and not any(src in nd.input for nd in b.nodes):
        node.output[list(node.output).index(src)] = name
        b.renamed[src] = name
    else:
        b.nodes.append(onnx().helper.make_node("Identity", [b.renamed.get(src, src)], [name],
                                               name=b.fresh(f"{name}/Identity")))


def _names(given, base, n):
    if given is not None:
        given = [given] if isinstance(given, str) else list(given)
        if len(given) != n:
            raise ValueError(f"export: {len(given)} {base} name(s) given for {n} {base}(s).")
        return given
    return [base] if n == 1 else [f"{base}_{i}" for i in range(n)]


def _batch_axes(rec, given) -> list:
    """The batch axis of each input: ``given`` (an int for all, or one per input), else 0,
    and 1 for the sequences and states of a time-major RNN/LSTM/GRU (their batch is dim 1)."""
    from ..nn import RNNBase

    n = len(rec.inputs)
    if given is not None:
        return list(given) if isinstance(given, (tuple, list)) else [int(given)] * n
    axes, ids = [0] * n, {id(t): i for i, t in enumerate(rec.inputs)}
    for call in rec.calls:
        if not isinstance(call.module, RNNBase):
            continue
        args = flatten(call.args)
        time_major = not call.module.batch_first and args[0].ndim == 3
        for j, t in enumerate(args):
            if id(t) in ids and t.ndim == 3 and (j > 0 or time_major):
                axes[ids[id(t)]] = 1  # states (L·D, B, H), or a time-major x (T, B, I)
        if time_major and not any(id(t) in ids for t in args):
            # NOTE: the first recurrent layer reads a time-major sequence made from the input
            # (ids → Embedding → LSTM): the input is time-major too.
            axes = [1 if x.ndim >= 2 else 0 for x in rec.inputs]
        break
    return axes


class _Walk:
    """Converts the recorded graph below each output, inputs first (no recursion)."""

    def __init__(self, builder, rec, shapes_b, model):
        self.b, self.rec, self.shapes_b = builder, rec, shapes_b
        self.names: dict = {}
        self.param_names = {id(p): n for n, p in model.named_parameters()}
        self.param_names.update({id(t): n for n, t in model.named_buffers()})

    def sym(self, t):
        """The symbolic shape of ``t``: None where the dim depends on the batch size."""
        shape = tuple(t.shape)
        other = self.shapes_b.get(id(t), shape)
        return tuple(None if n != m else n for n, m in zip(shape, other))

    def _producer(self, t):
        hit = self.rec.layer_of.get(id(t))
        if hit is not None:
            return hit[0]
        return t._ctx

    def _sources(self, producer) -> list:
        if hasattr(producer, "module"):
            return [t for t in flatten(producer.args) if isinstance(t, Tensor)]
        return [t for t in producer.inputs if isinstance(t, Tensor)]

    def value(self, root) -> str:
        """The ONNX name of tensor ``root``, converting everything below it first."""
        stack = [(root, False)]
        while stack:
            t, ready = stack.pop()
            if id(t) in self.names:
                continue
            producer = self._producer(t)
            if producer is None:
                self.names[id(t)] = self._constant(t)
                continue
            if not ready:
                stack.append((t, True))
                stack.extend((s, False) for s in self._sources(producer)
                             if id(s) not in self.names)
                continue
            self._convert(producer, t)
        return self.names[id(root)]

    def _constant(self, t) -> str:
        if t.dtype.kind == "f" and t.requires_grad and id(t) not in self.param_names:
            raise ExportError("export: the output depends on a tensor that is neither an input "
                              "nor a parameter of the model (a leaf created outside it?).")
        if None in self.sym(t):
            raise ExportError(
                f"export: a constant of shape {tuple(t.shape)} made in forward depends on the "
                "batch size (created without ops from the input, e.g. zeros(batch, ...)). "
                "Build it from the input (zeros_like, x.new_zeros) or pass "
                "dynamic_batch=False.")
        return self.b.init(t.data, self.param_names.get(id(t), "const"), key=id(t))

    def _convert(self, producer, t) -> None:
        b = self.b
        if hasattr(producer, "module"):  # a layer call
            call = Call(producer.name, None, None, None,
                        [self.sym(o) for o in producer.outputs], module=producer.module,
                        ops=producer.ops)
            args = [a for a in flatten(producer.args)]
            call.inputs = [self.names.get(id(a)) if isinstance(a, Tensor) else None
                           for a in args]
            call.arrays = [a.data if isinstance(a, Tensor) else a for a in args]
            call.shapes = [self.sym(a) if isinstance(a, Tensor) else None for a in args]
            call.param_names = self.param_names
            convert, outputs = MODULES[type(producer.module)], producer.outputs
        else:
            fn = producer
            kind = type(fn).__name__
            where = self.rec.where.get(id(t)) or "model"
            call = Call(where, [self.names.get(id(x)) if isinstance(x, Tensor) else None
                                for x in fn.inputs],
                        [x.data if isinstance(x, Tensor) else x for x in fn.inputs],
                        [self.sym(x) if isinstance(x, Tensor) else None for x in fn.inputs],
                        [self.sym(t)], self.rec.params.get(id(fn), {}))
            call.param_names, call.op = self.param_names, kind
            call.out_array = t.data
            convert, outputs = OPS.get(kind), [t]
            if convert is None:
                raise ExportError(export_ops.no_form(kind, where, b.opset))
        b.scope = call.name
        names = convert(b, call)
        names = [names] if isinstance(names, str) else list(names)
        for o, n in zip(outputs, names):
            self.names[id(o)] = n

"""``load``: an ONNX model (from any exporter) as a glassgrad ``nn.Module``.

Each ONNX node becomes the glassgrad layer a reader would recognise (``Gemm`` → ``nn.Linear``,
``MatMul`` + ``Add`` of constants → ``nn.Linear``, ``Conv`` → ``nn.Conv2d``, ``LSTM`` →
``nn.LSTM`` ...), or a small ``modules.Op`` for arithmetic and reshapes. Nodes whose inputs are
all constants (``Constant``, weight transposes) are evaluated once at load time by
``onnx.reference``. A graph that is a plain chain loads as ``nn.Sequential`` (so
``explain.trace`` and ``layer_stats`` work on it as on a hand-built model); any other graph as
``modules.Graph``. Every unsupported op is listed in one ``LoadError``.
"""

from __future__ import annotations

import os
import re

import numpy as np

from .. import nn
from ._lib import LoadError, onnx
from .load_node import Node, Unsupported
from .load_ops import CONVERTERS
from .modules import Graph


def load(source) -> nn.Module:
    """Build a glassgrad module from an ONNX model.

    Args:
        source: a path to an ``.onnx`` file (or an ``onnx.ModelProto``).

    Returns:
        ``nn.Sequential`` for a chain of layers, else ``glassgrad.onnx.modules.Graph`` (called
        with the graph's inputs in order). The module is in eval mode; ``.train()`` makes it
        trainable like any other (its weights are Parameters).

    Raises:
        LoadError listing every node glassgrad cannot express (op, node name, why).
    """
    o = onnx()
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            raise FileNotFoundError(f"glassgrad.onnx.load: no file {os.fspath(source)!r}.")
        model = o.load(os.fspath(source))
    else:
        model = source
    for imp in model.opset_import:
        if imp.domain not in ("", "ai.onnx"):
            raise LoadError(f"glassgrad.onnx.load: the model uses the custom op domain "
                            f"{imp.domain!r}; only standard ONNX ops (domain '') load.")
    try:
        model = o.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - ranks are a help, not a need
        pass
    return _Loader(model).build()


class _Loader:
    def __init__(self, model):
        h = onnx().numpy_helper
        g = model.graph
        self.graph, self.opset = g, next(
            (i.version for i in model.opset_import if i.domain in ("", "ai.onnx")), 13)
        self.consts = {t.name: h.to_array(t) for t in g.initializer}
        self.inputs = [i.name for i in g.input if i.name not in self.consts]
        self.outputs = [o.name for o in g.output]
        self.ranks, self.dtypes = {}, {}
        for v in list(g.input) + list(g.value_info) + list(g.output):
            t = v.type.tensor_type
            if t.HasField("shape"):
                self.ranks[v.name] = len(t.shape.dim)
        self.consumers: dict = {}
        for node in g.node:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        self.absorbed: set = set()
        self.names: set = set()

    def rank(self, name):
        return self.ranks.get(name)

    def _fold(self, node) -> bool:
        """Evaluate ``node`` now if all its inputs are constants."""
        ins = [i for i in node.input if i]
        if not all(i in self.consts for i in ins) or node.op_type in ("RandomNormal",
                                                                      "RandomUniform"):
            return False
        from onnx.reference import ReferenceEvaluator

        h = onnx().helper
        outs = [o for o in node.output if o]
        g = h.make_graph([node], "fold", [], [h.make_empty_tensor_value_info(o) for o in outs],
                         [onnx().numpy_helper.from_array(self.consts[i], i) for i in set(ins)])
        m = h.make_model(g, opset_imports=[h.make_opsetid("", self.opset)])
        try:
            values = ReferenceEvaluator(m).run(None, {})
        except Exception:  # noqa: BLE001 - left to the converters, which name the problem
            return False
        self.consts.update({o: np.asarray(v) for o, v in zip(outs, values)})
        return True

    def _module_name(self, node, index: int) -> str:
        base = re.sub(r"[^0-9A-Za-z_]", "_", node.name or "").strip("_")
        base = base or f"{node.op_type.lower()}_{index}"
        if base[0].isdigit():
            base = f"n{base}"
        name, k = base, 1
        while name in self.names:
            k += 1
            name = f"{base}_{k}"
        self.names.add(name)
        return name

    def build(self) -> nn.Module:
        steps, problems = [], []
        for index, proto in enumerate(self.graph.node):
            if proto.output and proto.output[0] in self.absorbed:
                continue
            if self._fold(proto):
                continue
            node = Node(proto, self)
            convert = CONVERTERS.get(proto.op_type)
            if convert is None:
                problems.append(f"{proto.op_type} (node {proto.name or index!r}): glassgrad has "
                                "no layer or op for it")
                continue
            try:
                module, ins, outs = convert(node)
            except Unsupported as err:
                problems.append(f"{proto.op_type} (node {proto.name or index!r}): {err}")
                continue
            steps.append((self._module_name(proto, index), module, ins, outs))
        if problems:
            raise LoadError("glassgrad.onnx.load: this model uses ops glassgrad cannot express:\n"
                            + "\n".join(f"  - {p}" for p in problems)
                            + "\nSupported ops are listed in docs/howto/onnx.md.")
        consts = {o: self.consts[o] for o in self.outputs if o in self.consts}
        model = self._sequential(steps) if not consts else None
        if model is None:
            model = Graph(steps, self.inputs, self.outputs, consts)
        return model.eval()

    def _sequential(self, steps):
        """An ``nn.Sequential`` when each step feeds only the next one, else None."""
        if len(self.inputs) != 1 or len(self.outputs) != 1 or not steps:
            return None
        value = self.inputs[0]
        for _, _, ins, outs in steps:
            live = [o for o in outs if o]
            if list(ins) != [value] or len(live) != 1 or len(self.consumers.get(value, [])) > 1:
                return None
            value = live[0]
        if value != self.outputs[0]:
            return None
        return nn.Sequential(*[m for _, m, _, _ in steps])

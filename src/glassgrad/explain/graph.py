"""``graph``: every node of a computation graph with its value, local derivatives and gradient.

The forward table lists nodes in topological order (inputs first) with op, inputs and value;
the backward table gives, per node, the local derivatives ∂v/∂u of the node with respect to
each input (the op's backward applied to ones: for elementwise ops exactly the derivative) and
the gradient ∂out/∂v of the output with respect to the node, accumulated in reverse order by
calling each op's own ``backward`` — the chain rule as the lecture writes it, and as the engine
runs it. The walks are iterative (no recursion limit).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np

from ..autograd import no_grad, topological_order, unbroadcast
from ..errors import GlassgradError, GraphError
from ..tensor import Tensor
from .model_io import numpy
from .render import Renderable, Table, fmt, precision_note


class Node:
    """One graph node: ``name``, ``op`` ("leaf"/"const" for inputs), ``inputs`` (names, or
    the printed value of a constant), ``value``, ``local`` (input name -> ∂node/∂input as the
    op's backward of ones gives it), ``grad`` (∂out/∂node, None where no gradient flows)."""

    def __init__(self, tensor, name, op, inputs, step=None):
        self.tensor, self.name, self.op, self.inputs = tensor, name, op, inputs
        self.value = numpy(tensor).copy()
        self.local: dict = {}
        self.grad = None
        # (backward(g) -> one gradient per source, sources): how gradients leave this node
        fn = tensor._ctx
        self.step = step or ((fn.backward, fn.inputs) if fn is not None and fn.differentiable
                             else None)

    def record(self) -> dict:
        return {"name": self.name, "op": self.op, "inputs": list(self.inputs),
                "value": self.value, "local": dict(self.local), "grad": self.grad}


def _order(root) -> list:
    """Tensors below ``root`` (every Tensor input, with or without grad), inputs first."""
    try:
        return topological_order(root, all_tensors=True)
    except GraphError:
        raise GraphError(
            "graph: the graph below this output was freed by backward(). Call "
            "glassgrad.explain.graph(out) before out.backward(), or backward with "
            "retain_graph=True.") from None


class Graph(Renderable):
    """Result of ``graph``: ``nodes`` in topological order, the output last."""

    def __init__(self, nodes, precision):
        self.nodes, self.precision = nodes, precision

    def __getitem__(self, name) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"graph has no node {name!r}; nodes: {[n.name for n in self.nodes]}")

    def records(self) -> list[dict]:
        return [n.record() for n in self.nodes]

    def header(self, precision: int) -> str:
        """Empty, unless ``precision`` asks for more digits than the nodes' dtype carries."""
        floats = [n.value.dtype for n in self.nodes if n.value.dtype.kind == "f"]
        if not floats:
            return ""
        return precision_note(precision, nodes=min(floats, key=lambda d: np.finfo(d).precision))

    def tables(self, precision: int) -> list[Table]:
        fwd = Table("Forward: nodes in topological order", ["node", "op", "inputs", "value"],
                    [[n.name, n.op, ", ".join(n.inputs), n.value] for n in self.nodes])
        rows = []
        for n in reversed(self.nodes):
            local = "; ".join(f"∂{n.name}/∂{k} = {fmt(v, precision)}"
                              for k, v in n.local.items()) or "—"
            rows.append([n.name, n.grad, local])
        out = self.nodes[-1].name
        bwd = Table(f"Backward: gradient of {out} with respect to each node (reverse order)",
                    ["node", f"∂{out}/∂node", "local derivatives"], rows,
                    "Each gradient is the sum over the node's consumers c of "
                    f"∂{out}/∂c · ∂c/∂node.")
        return [fwd, bwd]

    # ------------------------------------------------------------ Graphviz
    def to_dot(self, precision: int | None = None) -> str:
        """The graph in Graphviz DOT: one box per node with op, value and gradient."""
        p = self.precision if precision is None else precision
        ids = {n.name: f"n{i}" for i, n in enumerate(self.nodes)}
        lines = ["digraph glassgrad {", "  rankdir=LR;",
                 '  node [shape=record, fontname="Helvetica", fontsize=10];']
        for n in self.nodes:
            label = (f"{{{n.name} | {n.op} | value {fmt(n.value, p)} | "
                     f"grad {fmt(n.grad, p)}}}")
            label = label.replace('"', '\\"')
            lines.append(f'  {ids[n.name]} [label="{label}"];')
        for n in self.nodes:
            for src in n.inputs:
                if src in ids:
                    local = n.local.get(src)
                    lab = f' [label="{fmt(local, p)}"]' if local is not None else ""
                    lines.append(f"  {ids[src]} -> {ids[n.name]}{lab};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def render(self, path: str, format: str | None = None) -> str:
        """Draw the graph with Graphviz's ``dot`` into ``path`` (format from its extension).

        Needs the graphviz executable; ``glassgrad.viz.draw_graph`` draws with matplotlib
        instead. Returns ``path``.
        """
        dot = shutil.which("dot")
        if dot is None:
            raise GlassgradError(
                "Graph.render needs the Graphviz 'dot' program, which is not installed "
                "(apt install graphviz / brew install graphviz / conda install graphviz). "
                "Without it: save Graph.to_dot() to a .dot file, or draw with matplotlib via "
                "glassgrad.viz.draw_graph(graph, save='graph.png').")
        fmt_ = format or os.path.splitext(path)[1].lstrip(".") or "png"
        subprocess.run([dot, f"-T{fmt_}", "-o", path], input=self.to_dot().encode(),
                       check=True, capture_output=True)
        return path


def graph(output, names: dict | None = None, model=None, precision: int = 4) -> Graph:
    """Every node of the graph that computed ``output``, with values and gradients.

    Args:
        output: the Tensor at the top (the gradient column is ∂output/∂node; a non-scalar
            output is seeded with ones, i.e. the gradient of ``output.sum()``).
        names: ``{"x": x, ...}`` names for tensors; otherwise ``Tensor.name``, then the
            parameter names of ``model`` ("0.weight"), then v1, v2, ... (leaves: x1, x2 ...).
        model: a Module whose parameter names label its parameters.

    Call before ``output.backward()`` (or backward with ``retain_graph=True``): backward frees
    the graph. Nothing is changed: no ``.grad`` is written.
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"graph: expected a Tensor, got {type(output).__name__}.")
    label = {id(t): n for n, t in (names or {}).items()}
    if model is not None:
        for n, p in model.named_parameters():
            label.setdefault(id(p), n)
    tensors = _order(output)
    nodes, by_id, leaves, inner = [], {}, 0, 0
    for t in tensors:
        fn = t._ctx
        step = None
        if fn is None:
            op, inputs = ("leaf" if t.requires_grad else "const"), []
        else:
            op = type(fn).__name__
            inputs = [by_id[id(x)].name if isinstance(x, Tensor) else fmt(x)
                      for x in fn.inputs]
        if hasattr(fn, "parts"):  # a fused node (ops/fused.py): shown as its two ops, with z
            inner += 1
            first = _first_part(fn, f"v{inner}", inputs)
            nodes.append(first)
            by_id[id(first.tensor)] = first
            second = fn.parts[1]
            op, inputs = second.__name__, [first.name]
            step = (lambda g, fn=fn, second=second: (second.backward(fn, g),)), (first.tensor,)
        name = label.get(id(t)) or t.name
        if name is None:
            if fn is None:
                leaves += 1
                name = f"x{leaves}"
            else:
                inner += 1
                name = f"v{inner}"
        node = Node(t, name, op, inputs, step)
        nodes.append(node)
        by_id[id(t)] = node
    _backward(nodes, by_id)
    return Graph(nodes, precision)


def _first_part(fn, name, inputs) -> Node:
    """The first op of fused node ``fn`` as a node of its own: its value recomputed from the
    fused node's inputs by the op's own forward (the same bits), its backward the op's."""
    first = fn.parts[0]
    arrays = [x.data if isinstance(x, Tensor) else x for x in fn.inputs]
    z = Tensor._make(first.forward(object.__new__(first), *arrays), None)
    z.requires_grad = True  # NOTE: a stand-in for the tensor the fused op never made
    return Node(z, name, first.__name__, inputs, (lambda g: first.backward(fn, g), fn.inputs))




def _backward(nodes, by_id) -> None:
    """Fill ``local`` and ``grad`` by calling each op's backward (no ``.grad`` is written)."""
    root = nodes[-1]
    grads = {id(root.tensor): np.ones_like(root.value)}
    with no_grad():
        for node in reversed(nodes):
            t = node.tensor
            g = grads.get(id(t))
            node.grad = None if g is None else numpy(g).copy()
            if node.step is None:
                continue
            backward, sources = node.step
            xp_ones = t.data * 0 + 1
            locs = backward(xp_ones)
            locs = locs if isinstance(locs, tuple) else (locs,)
            ins = backward(g) if g is not None else (None,) * len(sources)
            ins = ins if isinstance(ins, tuple) else (ins,)
            for x, loc, gx in zip(sources, locs, ins):
                if not isinstance(x, Tensor) or not x.requires_grad:
                    continue
                if loc is not None:
                    node.local[by_id[id(x)].name] = numpy(unbroadcast(loc, x.shape)).copy()
                if gx is not None:
                    gx = unbroadcast(gx, x.shape)
                    k = id(x)
                    grads[k] = grads[k] + gx if k in grads else gx

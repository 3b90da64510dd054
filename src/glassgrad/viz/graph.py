"""Draw a computation graph with matplotlib (no Graphviz needed)."""

from __future__ import annotations

from ._mpl import figure, finish, save_target


def draw_graph(graph, precision: int = 3, save=None, *, path=None):
    """Boxes for the nodes (name, op, value, gradient) in columns by depth, arrows for edges,
    each arrow labelled with the local derivative ∂node/∂input.

    Args:
        graph: a ``glassgrad.explain.Graph`` or the output Tensor (then ``graph(output)``).
    """
    save = save_target(save, path, "draw_graph")
    from ..explain.graph import Graph
    from ..explain.graph import graph as build
    from ..explain.render import fmt

    g = graph if isinstance(graph, Graph) else build(graph)
    depth = {}
    for n in g.nodes:  # topological order: inputs already placed
        depth[n.name] = 1 + max((depth[i] for i in n.inputs if i in depth), default=-1)
    columns: dict = {}
    for n in g.nodes:
        columns.setdefault(depth[n.name], []).append(n.name)
    pos = {name: (d, -row + (len(col) - 1) / 2)
           for d, col in columns.items() for row, name in enumerate(col)}
    width = max(columns) + 1
    height = max(len(c) for c in columns.values())
    fig, ax = figure(size=(2.4 * width + 1, 1.3 * height + 1.2))
    for n in g.nodes:
        for src in n.inputs:
            if src in pos:
                (x0, y0), (x1, y1) = pos[src], pos[n.name]
                ax.annotate("", xy=(x1 - 0.32, y1), xytext=(x0 + 0.32, y0),
                            arrowprops={"arrowstyle": "->", "color": "gray"})
                local = n.local.get(src)
                if local is not None:
                    ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.08, fmt(local, precision),
                            fontsize=7, color="tab:red", ha="center")
    for n in g.nodes:
        x, y = pos[n.name]
        text = (f"{n.name} = {n.op}\nvalue {fmt(n.value, precision)}\n"
                f"grad {fmt(n.grad, precision)}")
        ax.text(x, y, text, ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round", "fc": "lightyellow" if n.op in ("leaf", "const")
                      else "white", "ec": "black"})
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.2)
    ax.axis("off")
    ax.set_title("computation graph: values forward, gradients (grad) backward, "
                 "local derivatives on edges", fontsize=9)
    return finish(fig, save)

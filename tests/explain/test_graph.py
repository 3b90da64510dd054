"""graph tables for J = cos(sin(x²) + 3x²), derived by hand."""

import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.errors import GlassgradError, GraphError
from glassgrad.explain import graph


def build(x0=1.5):
    x = gg.tensor(x0, dtype=gg.float64, requires_grad=True)
    u = x**2
    s = u.sin()
    m = 3 * u
    v = s + m
    J = v.cos()
    return x, J, graph(J, names={"x": x, "u": u, "s": s, "m": m, "v": v, "J": J})


def test_every_intermediate_and_gradient_by_hand():
    x0 = 1.5
    _, _, g = build(x0)
    u = x0**2
    v = math.sin(u) + 3 * u
    dJ_dv = -math.sin(v)
    expected = {  # name: (op, value, ∂J/∂node)
        "x": ("leaf", x0, dJ_dv * (math.cos(u) + 3) * 2 * x0),
        "u": ("Pow", u, dJ_dv * (math.cos(u) + 3)),
        "s": ("Sin", math.sin(u), dJ_dv),
        "m": ("Mul", 3 * u, dJ_dv),
        "v": ("Add", v, dJ_dv),
        "J": ("Cos", math.cos(v), 1.0),
    }
    assert [n.name for n in g.nodes] == ["x", "u", "s", "m", "v", "J"]
    for name, (op, value, grad) in expected.items():
        n = g[name]
        assert n.op == op
        assert float(n.value) == pytest.approx(value, rel=1e-14)
        assert float(n.grad) == pytest.approx(grad, rel=1e-12)
    local = {("u", "x"): 2 * x0, ("s", "u"): math.cos(u), ("m", "u"): 3.0, ("v", "s"): 1.0,
             ("v", "m"): 1.0, ("J", "v"): -math.sin(v)}
    for (node, inp), d in local.items():
        assert float(g[node].local[inp]) == pytest.approx(d, rel=1e-12)
    assert g["u"].inputs == ["x", "2"] and g["m"].inputs == ["3", "u"]
    text = g.to_text(6)
    assert f"{expected['x'][2]:.6f}" in text and f"{math.cos(v):.6f}" in text
    assert "∂v/∂s = 1.000000" in text


def test_nothing_is_written_and_graph_stays_usable():
    x, J, _ = build()
    assert x.grad is None
    J.backward()  # the graph was not freed by explain.graph
    u = 1.5**2
    assert x.item() == 1.5
    assert x.grad.item() == pytest.approx(
        -math.sin(math.sin(u) + 3 * u) * (math.cos(u) + 3) * 3.0, rel=1e-12)
    with pytest.raises(GraphError, match="before out.backward"):
        graph(J)


def test_dot_export_and_render_without_graphviz(monkeypatch, tmp_path):
    _, _, g = build()
    dot = g.to_dot()
    assert dot.startswith("digraph") and dot.count("->") == 6 and "Cos" in dot
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GlassgradError, match="Graphviz"):
        g.render(str(tmp_path / "g.png"))


def test_deep_chain_is_not_recursive_and_default_names():
    x = gg.tensor(0.5, dtype=gg.float64, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0001
    g = graph(y)
    assert len(g.nodes) == 3001 and g.nodes[0].name == "x1" and g.nodes[-1].name == "v3000"
    assert float(g.nodes[0].grad) == pytest.approx(1.0001**3000, rel=1e-9)


def test_parameter_names_from_model_and_vector_nodes():
    from glassgrad import nn

    lin = nn.Linear(3, 2).double()
    x = gg.tensor(np.ones((4, 3)), dtype=gg.float64)
    out = lin(x).sum()
    g = graph(out, model=lin)
    names = [n.name for n in g.nodes]
    assert "weight" in names and "bias" in names
    np.testing.assert_allclose(g["weight"].grad, np.full((2, 3), 4.0))
    assert g[names[0]].op in ("const", "leaf")


def test_a_fused_linear_activation_node_shows_as_its_two_ops_exactly_as_unfused():
    # Sequential(fuse=True) runs Linear+Tanh and Linear+Sigmoid as fused nodes; the graph
    # shows them as Linear and activation nodes, z included, equal to the graph of the same
    # model run unfused (a forward hook on a layer keeps Sequential from fusing it).
    import glassgrad as gg
    from glassgrad import explain, nn

    gg.set_default_dtype(gg.float64)
    net = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 2), nn.ReLU(),
                        nn.Linear(2, 1), nn.Sigmoid(), fuse=True)
    x = gg.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    y = gg.tensor([[1.0], [0.0]])

    def graph_of(hooked):
        handles = [m.register_forward_hook(lambda *a: None) for m in net] if hooked else []
        out = net(x)
        kinds = [type(out.grad_fn).__name__]
        loss = nn.functional.binary_cross_entropy(out, y)
        for h in handles:
            h.remove()
        return explain.graph(loss, names={"x": x, "E": loss}, model=net), kinds

    fused, fused_kind = graph_of(False)
    plain, plain_kind = graph_of(True)
    assert fused_kind == ["LinearSigmoid"] and plain_kind == ["Sigmoid"]
    assert [n.op for n in fused.nodes] == [n.op for n in plain.nodes]
    assert [n.op for n in fused.nodes].count("Linear") == 3
    for a, b in zip(fused.records(), plain.records()):
        assert a["name"] == b["name"] and a["inputs"] == b["inputs"]
        np.testing.assert_array_equal(a["value"], b["value"])
        assert (a["grad"] is None) == (b["grad"] is None)
        if a["grad"] is not None:
            np.testing.assert_array_equal(a["grad"], b["grad"])
        assert a["local"].keys() == b["local"].keys()
        for k in a["local"]:
            np.testing.assert_array_equal(a["local"][k], b["local"][k])

"""The glass box on attention: attention maps per head and layer (checked against PyTorch's own
weights), their plot, layer_stats/diagnose on Transformer layers, and explain.graph of one head
reading as softmax(QKᵀ/√d)V."""

import math

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad import explain, nn
from tests._torch import import_torch

D, H, FF, N, L = 8, 2, 16, 3, 5


class Classifier(nn.Module):
    def __init__(self, layers=2):
        super().__init__()
        layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(D, 3)

    def forward(self, x, mask=None):
        return self.head(self.encoder(x, mask=mask).mean(dim=1))


def test_attention_maps_are_pytorchs_weights_per_head_and_layer():
    torch = import_torch()
    torch.manual_seed(0)
    ref = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(
        D, H, FF, dropout=0.0, batch_first=True), 2, enable_nested_tensor=False).double()
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF, dropout=0.0,
                                                            batch_first=True), 2).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((N, L, D))
    causal = np.triu(np.full((L, L), -np.inf), 1)
    maps = explain.attention_maps(ours, gg.tensor(x, dtype="float64"), mask=causal)
    assert maps.names == ["layers.0.self_attn", "layers.1.self_attn"]
    h, tmask = torch.tensor(x), torch.tensor(causal)
    with torch.no_grad():
        for i, layer in enumerate(ref.layers):
            _, w = layer.self_attn(h, h, h, attn_mask=tmask, average_attn_weights=False)
            np.testing.assert_allclose(maps[i], w.numpy(), atol=1e-12)
            h = layer(h, src_mask=tmask)
    np.testing.assert_allclose(maps.output.numpy(), h.numpy(), atol=1e-10)
    assert np.all(maps[1][..., np.triu_indices(L, 1)[0], np.triu_indices(L, 1)[1]] == 0)
    text = str(maps)
    assert "layers.1.self_attn" in text and "mean entropy" in text
    # the hooks are gone and the model computes as before
    assert not ours.layers[0].self_attn._forward_hooks
    assert not ours.layers[0].self_attn._forward_pre_hooks


def test_attention_maps_keep_what_the_caller_asked_for():
    mha = nn.MultiheadAttention(D, H, batch_first=True)
    x = gg.randn(N, L, D)
    maps = explain.attention_maps(mha, x, x, x)  # need_weights=True, averaged by default
    out, w = maps.output
    assert w.shape == (N, L, L)
    np.testing.assert_allclose(w.numpy(), maps[0].mean(1), rtol=1e-6)
    out2, none = explain.attention_maps(mha, x, x, x, need_weights=False).output
    assert none is None
    np.testing.assert_allclose(out2.numpy(), mha(x, x, x)[0].detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(TypeError, match="no nn.MultiheadAttention"):
        explain.attention_maps(nn.Linear(2, 2), gg.randn(1, 2))


def test_plot_attention(tmp_path):
    pytest.importorskip("matplotlib")
    from glassgrad import viz

    maps = explain.attention_maps(Classifier().eval(), gg.randn(N, L, D))
    fig = viz.plot_attention(maps, layer=1, tokens=list("hello"), save=tmp_path / "a.png")
    heat = [ax for ax in fig.axes if ax.images]
    assert len(heat) == H + 1  # every head and their mean
    np.testing.assert_allclose(heat[0].images[0].get_array(), maps[1][0, 0])
    assert [t.get_text() for t in heat[0].get_yticklabels()] == list("hello")
    assert (tmp_path / "a.png").stat().st_size > 0
    fig = viz.plot_attention(maps[0], head=1, sample=2)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), maps[0][2, 1])


def test_layer_stats_on_a_transformer_match_pytorch_gradients():
    torch = import_torch()
    model = Classifier().double()
    x = np.random.default_rng(1).standard_normal((N, L, D))
    y = np.array([0, 1, 2])
    stats = explain.layer_stats(model, gg.tensor(x, dtype="float64"), y, loss="cross_entropy")
    names = [r.name for r in stats.layers]
    assert "encoder.layers.0.self_attn" in names and "encoder.layers.1.norm2" in names
    assert stats["encoder.layers.0.linear1"].kind == "relu"
    assert stats["encoder.layers.0.self_attn"].type == "MultiheadAttention"
    # the in-projection's gradient, against PyTorch on the same weights
    torch.manual_seed(0)
    ref = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(
        D, H, FF, dropout=0.0, batch_first=True), 2, enable_nested_tensor=False).double()
    ref.load_state_dict({k[len("encoder."):]: torch.tensor(v.numpy()) for k, v in
                         model.state_dict().items() if k.startswith("encoder.")})
    head = torch.nn.Linear(D, 3).double()
    head.load_state_dict({"weight": torch.tensor(model.head.weight.detach().numpy()),
                          "bias": torch.tensor(model.head.bias.detach().numpy())})
    loss = torch.nn.functional.cross_entropy(head(ref(torch.tensor(x)).mean(1)),
                                             torch.tensor(y))
    loss.backward()
    assert stats.loss == pytest.approx(loss.item(), abs=1e-12)
    np.testing.assert_allclose(stats["encoder.layers.0.self_attn"].grad_weight,
                               ref.layers[0].self_attn.in_proj_weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(stats["encoder.layers.1.linear1"].grad_weight,
                               ref.layers[1].linear1.weight.grad.numpy(), atol=1e-12)


def test_diagnose_finds_dead_relus_in_a_transformer_layer():
    model = Classifier()
    x, y = gg.randn(8, L, D), np.arange(8) % 3
    healthy = explain.diagnose(model, (x, y), loss="cross_entropy")
    assert not healthy.of_kind("dead_relu")
    with gg.no_grad():
        model.encoder.layers[0].linear1.bias.data[...] = -100.0  # every unit off
    sick = explain.diagnose(model, (x, y), loss="cross_entropy")
    dead = sick.of_kind("dead_relu")
    assert [f["layer"] for f in dead] == ["encoder.layers.0.linear1"]
    assert dead[0]["severity"] == "error"


def test_graph_of_one_head_reads_softmax_qkt_over_sqrt_d_times_v():
    rng = np.random.default_rng(2)
    q, k, v = (gg.tensor(rng.standard_normal((2, 3)), dtype="float64", requires_grad=True)
               for _ in range(3))
    out = F.scaled_dot_product_attention(q, k, v)
    g = explain.graph(out, names={"Q": q, "K": k, "V": v})
    ops = [(n.op, n.inputs) for n in g.nodes if n.op != "leaf"]
    # Kᵀ, Q·Kᵀ, ·(1/√d), softmax = exp(log-softmax), ·V
    assert [op for op, _ in ops] == ["Permute", "MatMul", "Mul", "LogSoftmax", "Exp", "MatMul"]
    assert ops[0][1] == ["K"] and ops[1][1][0] == "Q" and ops[-1][1][1] == "V"
    assert float(ops[2][1][1]) == pytest.approx(1 / math.sqrt(3), abs=1e-4)
    s = q.data @ k.data.T / math.sqrt(3)
    p = np.exp(s) / np.exp(s).sum(1, keepdims=True)
    np.testing.assert_allclose(g.nodes[-1].value, p @ v.data, atol=1e-14)
    np.testing.assert_allclose(g["v5"].value, p, atol=1e-14)  # the attention weights
    assert gg.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v), [q, k, v])

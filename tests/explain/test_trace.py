"""trace against hand calculations: NumPy float64 forward and δ recursions written out here."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.errors import GlassgradError
from glassgrad.explain import trace
from glassgrad.nn import functional as F


def printed(v, p):
    """How a textbook prints a number: p decimals, and -0.000 as 0.000."""
    s = f"{v:.{p}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def set_weights(model, *pairs):
    with gg.no_grad():
        for lin, (W, b) in zip([m for m in model if isinstance(m, nn.Linear)], pairs):
            lin.weight.data[...] = W
            lin.bias.data[...] = b


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------- Matt Mazur's 2-2-2 example
def mazur():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Sigmoid()).double()
    set_weights(m, ([[.15, .20], [.25, .30]], .35), ([[.40, .45], [.50, .55]], .60))
    return m


def test_mazur_published_numbers():
    t = trace(mazur(), [[0.05, 0.10]], [[0.01, 0.99]], loss="sse", lr=0.5)
    assert f"{t.loss:.9f}" == "0.298371109"
    w5 = next(r for r in t.weight_records() if r["weight"] == "w_{5,3}")  # h1 -> o1
    assert f"{w5['dw']:.9f}" == "0.082167041"
    assert f"{w5['w_new']:.8f}" == "0.35891648"
    text = t.to_text(9)
    assert "0.298371109" in text and "0.082167041" in text and "0.358916480" in text
    # the published hidden-layer update: w1 = 0.149780716
    w1 = next(r for r in t.weight_records() if r["weight"] == "w_{3,1}")
    assert f"{w1['w_new']:.9f}" == "0.149780716"


def test_trace_leaves_model_untouched():
    m = mazur()
    before = [p.detach().numpy().copy() for p in m.parameters()]
    trace(m, [[0.05, 0.10]], [[0.01, 0.99]], loss="sse", lr=0.5)
    for p, b in zip(m.parameters(), before):
        np.testing.assert_array_equal(p.detach().numpy(), b)
        assert p.grad is None


# ---------------------------------------------------------------- textbook worked example
RAW = np.array([[150.0, 2.0], [180.0, 5.0], [165.0, 3.0], [200.0, 6.0]])
TARGET = np.array([[0.0], [1.0], [0.0], [1.0]])


def range_normalize(x):
    return (x - x.min(0)) / (x.max(0) - x.min(0))


def hand_step(X, T, W1, b1, W2, b2):
    """Forward, halved SSE and δ recursions for a 2-2-1 sigmoid net, by the book."""
    z1 = X @ W1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + b2
    a2 = sigmoid(z2)
    E = 0.5 * np.sum((T - a2) ** 2)
    d2 = (a2 - T) * a2 * (1 - a2)                 # δ_out = (a − t) σ'(z)
    d1 = (d2 @ W2) * a1 * (1 - a1)                # δ_hid = (Σ w δ_out) σ'(z)
    rows = [(z1, a1, a1 * (1 - a1), d2 @ W2, d1), (z2, a2, a2 * (1 - a2), a2 - T, d2)]
    grads = [(d1.T @ X, d1.sum(0), d1, X), (d2.T @ a1, d2.sum(0), d2, a1)]
    return E, rows, grads


@pytest.mark.parametrize("precision", [4, 6])
def test_textbook_sigmoid_batch_gd_two_epochs(precision):
    X = range_normalize(RAW)
    W1, b1 = np.array([[0.1, -0.2], [0.3, 0.4]]), np.array([0.1, -0.1])
    W2, b2 = np.array([[0.5, -0.3]]), np.array([0.2])
    m = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
    lr = 0.5
    for _epoch in range(2):  # batch gradient descent: trace, then apply its update by hand
        set_weights(m, (W1, b1), (W2, b2))
        t = trace(m, X, TARGET, loss="sse", lr=lr)
        E, rows, grads = hand_step(X, TARGET, W1, b1, W2, b2)
        assert printed(t.loss, precision) == printed(E, precision)
        neuron_cells = t.tables(precision)[0].cells(precision)
        expected = []
        for n in range(4):
            for k in range(2):
                expected.append([str(n + 1), str(k + 1), "0", "—", printed(X[n, k], precision),
                                 "—", "—", "—", "—"])
            num = 3
            for layer, (z, a, dadz, dEda, d) in enumerate(rows, start=1):
                for j in range(z.shape[1]):
                    tgt = printed(TARGET[n, j], precision) if layer == 2 else "—"
                    expected.append([str(n + 1), str(num), str(layer)] + [
                        printed(v[n, j], precision) for v in (z, a)] + [tgt] + [
                        printed(v[n, j], precision) for v in (dadz, dEda, d)])
                    num += 1
        assert neuron_cells == expected
        weight_cells = t.tables(precision)[1].cells(precision)
        exp_w = []
        for (gW, gb, d, a_in), (W, b), offset, from_off in zip(
                grads, [(W1, b1), (W2, b2)], [2, 4], [0, 2]):
            for j in range(W.shape[0]):
                for k in range(W.shape[1] + 1):
                    w = b[j] if k == 0 else W[j, k - 1]
                    ak = np.ones(4) if k == 0 else a_in[:, k - 1]
                    g = gb[j] if k == 0 else gW[j, k - 1]
                    frm = 0 if k == 0 else from_off + k
                    exp_w.append([f"w_{{{offset + j + 1},{frm}}}", printed(w, precision)]
                                 + [printed(v, precision) for v in d[:, j] * ak]
                                 + [printed(g, precision), printed(w - lr * g, precision)])
        assert weight_cells == exp_w
        # the next epoch starts from the hand-updated weights
        W1, b1 = W1 - lr * grads[0][0], b1 - lr * grads[0][1]
        W2, b2 = W2 - lr * grads[1][0], b2 - lr * grads[1][1]


# ---------------------------------------------------------------- softmax + cross-entropy
def softmax_case():
    X = np.array([[0.2, 0.9], [0.7, 0.1], [0.5, 0.5]])
    T = np.eye(3)[[0, 2, 1]]
    W1, b1 = np.array([[0.3, -0.1], [0.2, 0.4]]), np.array([0.05, -0.05])
    W2, b2 = np.array([[0.6, -0.2], [-0.3, 0.5], [0.1, 0.1]]), np.array([0.0, 0.1, -0.1])
    return X, T, (W1, b1), (W2, b2)


def hand_softmax(X, T, p1, p2):
    (W1, b1), (W2, b2) = p1, p2
    a1 = sigmoid(X @ W1.T + b1)
    z2 = a1 @ W2.T + b2
    p = np.exp(z2) / np.exp(z2).sum(1, keepdims=True)
    d2 = p - T                                  # δ = p − t for softmax + cross-entropy (sum)
    d1 = (d2 @ W2) * a1 * (1 - a1)
    return -np.sum(T * np.log(p)), p, d2, d1, d2.T @ a1


def test_softmax_cross_entropy_delta_is_p_minus_t():
    X, T, p1, p2 = softmax_case()
    m = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 3)).double()
    set_weights(m, p1, p2)
    t = trace(m, X, T, loss=lambda o, y: F.cross_entropy(o, y, reduction="sum"), lr=0.1)
    assert t.layers[-1].kind == "identity"  # a callable loss: no fused softmax is assumed
    t = trace(m, X, T, loss="cross_entropy")  # the named loss: softmax inside, mean reduction
    E, p, d2, d1, gW2 = hand_softmax(X, T, p1, p2)
    out = t.layers[-1]
    assert out.kind == "softmax (in loss)"
    np.testing.assert_allclose(out.a, p, rtol=1e-12)
    np.testing.assert_allclose(out.delta, d2 / 3, rtol=1e-12)  # "mean" divides by N = 3
    np.testing.assert_allclose(t.layers[0].delta, d1 / 3, rtol=1e-12)
    assert printed(t.loss, 6) == printed(E / 3, 6)
    assert "Jacobian" in t.to_text()


def test_softmax_module_with_hand_cross_entropy():
    X, T, p1, p2 = softmax_case()
    m = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 3), nn.Softmax(dim=1)).double()
    set_weights(m, p1, p2)
    t = trace(m, X, T, loss=lambda a, y: -(y * a.log()).sum(), lr=0.1)
    E, p, d2, d1, gW2 = hand_softmax(X, T, p1, p2)
    out = t.layers[-1]
    np.testing.assert_allclose(out.a, p, rtol=1e-12)
    np.testing.assert_allclose(out.dE_da, -T / p, rtol=1e-12)
    np.testing.assert_allclose(out.delta, d2, rtol=1e-10, atol=1e-14)
    assert out.da_dz is None
    np.testing.assert_allclose(t.layers[0].delta, d1, rtol=1e-10)
    np.testing.assert_allclose(out.grad_weight, gW2, rtol=1e-10)
    rec = t.weight_records()
    assert all(abs(r["w_new"] - (r["w"] - 0.1 * r["dw"])) < 1e-15 for r in rec)
    assert all(abs(sum(r["per_example"]) - r["dw"]) < 1e-12 for r in rec)


# ---------------------------------------------------------------- rendering and errors
def test_numbering_rendering_and_records():
    m = mazur()
    t = trace(m, [[0.05, 0.10]], [[0.01, 0.99]], numbering="layer", precision=3)
    names = [r["weight"] for r in t.weight_records()]
    assert names[:3] == ["w^1_{1,0}", "w^1_{1,1}", "w^1_{1,2}"]
    assert [r["neuron"] for r in t.neuron_records()][:4] == ["0.1", "0.2", "1.1", "1.2"]
    md, html = t.to_markdown(), t.to_html()
    assert "| example |" in md and "0.593" in md
    assert "<table" in html and "0.593" in html
    assert "0.2984" in str(trace(m, [[0.05, 0.10]], [[0.01, 0.99]]))


def test_negative_zero_prints_as_zero():
    from glassgrad.explain import fmt

    assert fmt(-0.0, 4) == "0.0000" and fmt(-0.00001, 3) == "0.000" and fmt(-0.5, 1) == "-0.5"
    m = nn.Sequential(nn.Linear(1, 1), nn.ReLU()).double()
    set_weights(m, ([[1.0]], -5.0))
    t = trace(m, [[1.0]], [[1.0]])
    assert "-0.0000" not in t.to_text()


def test_unsupported_model_says_what_to_use():
    with pytest.raises(GlassgradError, match="layer_stats"):
        trace(nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)), [[1.0, 2.0]], [[1.0, 2.0]])


@pytest.mark.parametrize("neuron", [nn.Step(), nn.Sign(), nn.Threshold(0.5)])
def test_a_non_differentiable_neuron_is_refused_for_that_reason(neuron):
    with pytest.raises(GlassgradError, match=f"module 1 is {type(neuron).__name__}, which has "
                                             "no useful derivative.*Sigmoid"):
        trace(nn.Sequential(nn.Linear(2, 1), neuron), [[1.0, 2.0]], [[1.0]])


# ---------------------------------------------------------------- batch reductions, printed
def output_weight_rows(t, precision, lr, W2, b2, delta, a_in):
    """The printed output-layer rows of the weight table, from hand δ and activations."""
    rows = []
    for j in range(W2.shape[0]):
        for k in range(W2.shape[1] + 1):
            w = b2[j] if k == 0 else W2[j, k - 1]
            ak = np.ones(len(a_in)) if k == 0 else a_in[:, k - 1]
            per = delta[:, j] * ak
            rows.append([f"w_{{{5 + j},{0 if k == 0 else 2 + k}}}", printed(w, precision)]
                        + [printed(v, precision) for v in per]
                        + [printed(per.sum(), precision), printed(w - lr * per.sum(), precision)])
    return rows


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_softmax_cross_entropy_batch_update_printed(reduction):
    X, T, p1, p2 = softmax_case()
    m = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 3)).double()
    set_weights(m, p1, p2)
    loss = "cross_entropy" if reduction == "mean" else nn.CrossEntropyLoss(reduction="sum")
    t = trace(m, X, T, loss=loss, lr=0.3)
    E, p, d2, d1, _ = hand_softmax(X, T, p1, p2)
    scale = 1 / 3 if reduction == "mean" else 1.0  # δ = (p − t)/N under the mean
    a1 = sigmoid(X @ p1[0].T + p1[1])
    cells = t.tables(6)[1].cells(6)
    assert cells[6:] == output_weight_rows(t, 6, 0.3, *p2, d2 * scale, a1)
    neurons = t.tables(6)[0].cells(6)
    out_rows = [r for r in neurons if r[2] == "2"]
    assert [r[8] for r in out_rows] == [printed(v, 6) for v in (d2 * scale).reshape(-1)]
    assert [r[4] for r in out_rows] == [printed(v, 6) for v in p.reshape(-1)]  # a = p
    assert [r[5] for r in out_rows] == [printed(v, 6) for v in T.reshape(-1)]  # t, one-hot
    assert printed(t.loss, 6) == printed(E * scale, 6)
    head = t.to_text(6).splitlines()[0]
    assert ("averaged over the batch of 3" if reduction == "mean"
            else "summed over the batch of 3") in head
    assert "cross-entropy" in head and "η = 0.3" in head


def test_mse_mean_reduction_divides_delta_by_all_elements():
    X = range_normalize(RAW)
    W1, b1 = np.array([[0.1, -0.2], [0.3, 0.4]]), np.array([0.1, -0.1])
    W2, b2 = np.array([[0.5, -0.3]]), np.array([0.2])
    m = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
    set_weights(m, (W1, b1), (W2, b2))
    t = trace(m, X, TARGET, loss="mse", lr=1.0)
    a1 = sigmoid(X @ W1.T + b1)
    a2 = sigmoid(a1 @ W2.T + b2)
    d2 = 2 * (a2 - TARGET) / TARGET.size * a2 * (1 - a2)  # E = mean (t − a)² over N·1 values
    d1 = (d2 @ W2) * a1 * (1 - a1)
    np.testing.assert_allclose(t.layers[1].delta, d2, rtol=1e-12)
    np.testing.assert_allclose(t.layers[0].delta, d1, rtol=1e-12)
    gW1 = next(r for r in t.weight_records() if r["weight"] == "w_{3,2}")
    assert gW1["dw"] == pytest.approx(float(d1[:, 0] @ X[:, 1]), rel=1e-12)
    assert gW1["per_example"] == pytest.approx(list(d1[:, 0] * X[:, 1]), rel=1e-12)
    assert "averaged over the batch of 4" in str(t) and "average gradient" in str(t)


def test_target_column_for_class_indices_single_outputs_and_custom_formats():
    X, T, p1, p2 = softmax_case()
    m = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 3)).double()
    set_weights(m, p1, p2)
    labels = np.array([0, 2, 1])  # the class indices of T
    t = trace(m, X, labels, loss="cross_entropy")
    np.testing.assert_array_equal(t.targets, T)
    outs = [r for r in t.neuron_records() if r["layer"] == 2]
    assert [r["t"] for r in outs] == list(T.reshape(-1))
    assert all(r["t"] is None for r in t.neuron_records() if r["layer"] < 2)
    one = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()).double()
    t1 = trace(one, X, np.array([1.0, 0.0, 1.0]),
               loss=lambda a, y: ((a.reshape(-1) - y) ** 2).sum())
    assert [r["t"] for r in t1.neuron_records() if r["layer"] == 1] == [1.0, 0.0, 1.0]
    t2 = trace(m, X, T[:, :2], loss=lambda o, y: (o[:, :2] - y).abs().sum())  # not t per neuron
    assert t2.targets is None and "—" in t2.to_text()

"""Notebook HTML (``_repr_html_``): well-formed, escaped, theme-neutral, and showing true values.

The HTML is parsed with the standard library's parser; expected values come from NumPy on the
same arrays, never from our own rendering.
"""

from html.parser import HTMLParser

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import explain, nn, train

ALLOWED = {"div", "table", "caption", "thead", "tbody", "tr", "th", "td", "p", "figure",
           "figcaption", "svg", "polyline", "line", "text"}
VOID = {"polyline", "line"}


class Parsed(HTMLParser):
    """Collects tags, attributes, text and table cells; checks that tags nest properly."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text, self.rows, self.stack = [], [], [], [], []
        self.feed(source)
        self.close()
        assert not self.stack, f"unclosed tags: {self.stack}"

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.rows[-1].append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.stack and self.stack[-1] in ("td", "th"):
            self.rows[-1][-1] += data


def check_safe(source: str) -> Parsed:
    p = Parsed(source)
    assert set(p.tags) <= ALLOWED, set(p.tags) - ALLOWED
    for name, value in p.attrs:
        assert not name.startswith("on"), name                  # no event handlers
        assert name != "class"                                  # inline styles only
        if name == "style":
            assert "javascript" not in value and "url(" not in value
            # theme-neutral: colours are inherited / currentColor / half-transparent grey
            for decl in value.split(";"):
                if decl.strip().startswith(("color", "background")):
                    v = decl.split(":", 1)[1].strip()
                    assert v in ("inherit", "transparent", "currentColor") or v.startswith(
                        "rgba(127, 127, 127"), decl
    return p


def test_tensor_html_shows_shape_dtype_grad_fn_and_the_values():
    x = gg.tensor([[0.5, -1.25, 3.0], [2.0, 0.0, -7.5]], requires_grad=True)
    y = x * 2
    p = check_safe(y._repr_html_())
    text = " ".join(p.text)
    assert "shape (2, 3)" in text and "dtype float32" in text and "grad_fn <Mul>" in text
    body = [row[1:] for row in p.rows[1:]]
    np.testing.assert_allclose(np.array(body, dtype=float), 2 * np.array(
        [[0.5, -1.25, 3.0], [2.0, 0.0, -7.5]]))
    assert "<table" not in repr(y) and repr(y).startswith("tensor(")    # plain text kept


def test_large_tensor_is_truncated_with_the_right_indices_and_values():
    a = np.arange(40 * 30, dtype=np.float64).reshape(40, 30) / 7
    p = check_safe(gg.tensor(a)._repr_html_())
    header, rows = p.rows[0], p.rows[1:]
    assert header[1:6] == ["0", "1", "2", "3", "4"] and "…" in header
    assert header[-1] == "29" and len(header) == 12
    labels = [r[0] for r in rows]
    assert labels[:5] == ["0", "1", "2", "3", "4"] and labels[-1] == "39" and "⋮" in labels
    assert float(rows[-1][-1]) == pytest.approx(a[39, 29], rel=1e-3)
    assert float(rows[0][2]) == pytest.approx(a[0, 1], rel=1e-3)


@pytest.mark.parametrize("value,shape", [(3.5, ()), ([1, 2, 3], (3,)),
                                         (np.ones((2, 3, 4)), (2, 3, 4))])
def test_scalar_vector_and_batched_tensors(value, shape):
    p = check_safe(gg.tensor(value)._repr_html_())
    assert f"shape {shape}" in " ".join(p.text)


def test_everything_user_supplied_is_escaped():
    evil = "<script>alert(1)</script>"
    t = gg.tensor([1.0])
    t.name = evil
    h = train.History()
    h.on_epoch_end(0, {"<img src=x onerror=alert(1)>": 1.0, "loss": 0.5})
    h.stop_reason = evil

    class Evil(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(gg.zeros(1))

        def extra_repr(self):
            return evil

    table = explain.Table(evil, ["<b>col</b>", "x"], [[evil, 1.0]], note=evil)
    for source in (t._repr_html_(), h._repr_html_(), Evil()._repr_html_(), table.to_html()):
        p = check_safe(source)
        assert "script" not in p.tags and "img" not in p.tags and "b" not in p.tags
        assert evil in "".join(p.text) or "<img src=x onerror=alert(1)>" in "".join(p.text)


def test_module_html_lists_layers_and_parameter_counts():
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
    p = check_safe(model._repr_html_())
    text = " ".join(p.text)
    assert "27 parameters (27 trainable)" in text              # (2·4 + 4) + (4·3 + 3)
    rows = {r[0]: r for r in p.rows[1:]}
    assert rows["0"][1] == "Linear" and rows["0"][3] == "weight (4, 2), bias (4,)"
    assert rows["0"][4] == "12" and rows["2"][4] == "15" and rows["1"][4] == "0"


def test_history_html_shows_first_and_last_epochs_and_the_stop_reason():
    h = train.History()
    for e in range(30):
        h.on_epoch_end(e, {"loss": 1.0 / (e + 1), "val_loss": 2.0 / (e + 1)})
    h.stop_reason = "EarlyStopping"
    p = check_safe(h._repr_html_())
    epochs = [r[0] for r in p.rows[1:]]
    assert epochs[:3] == ["1", "2", "3"] and epochs[-1] == "30" and "…" in epochs
    assert float(p.rows[-1][1]) == pytest.approx(1 / 30, rel=1e-3)
    assert "EarlyStopping" in " ".join(p.text)


def test_explain_results_display_as_safe_tables():
    gg.set_default_dtype(gg.float64)
    try:
        net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Sigmoid())
        with gg.no_grad():
            net[0].weight.data[...] = [[0.15, 0.20], [0.25, 0.30]]
            net[0].bias.data[...] = 0.35
            net[2].weight.data[...] = [[0.40, 0.45], [0.50, 0.55]]
            net[2].bias.data[...] = 0.60
        x, t = gg.tensor([[0.05, 0.10]]), gg.tensor([[0.01, 0.99]])
        tr = explain.trace(net, x, t, loss="sse", lr=0.5, precision=9)
        p = check_safe(tr._repr_html_())
        w5 = next(r for r in p.rows if r and r[0] == "w_{5,3}")
        assert "0.082167041" in w5 and "0.358916480" in w5    # Mazur's published numbers
        loss = 0.5 * ((t - net(x)) ** 2).sum()
        check_safe(explain.graph(loss)._repr_html_())
        check_safe(explain.layer_stats(net, x, t, loss="sse")._repr_html_())
        check_safe(explain.diagnose(net, x, t, loss="sse")._repr_html_())
    finally:
        gg.set_default_dtype(gg.float32)

"""NotebookDisplay: silent outside notebooks, a clear error for a bad verbose, honest charts.

The in-notebook behaviour (one output updated in place) runs in a real Jupyter kernel in
tests/examples/test_notebook_tour.py.
"""

import math
from html.parser import HTMLParser

import numpy as np
import pytest

from glassgrad import nn, optim, train
from glassgrad.train.notebook import TrainingView, in_notebook


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2)).astype(np.float32)
    return X, (X[:, :1] > 0).astype(np.float32)


def test_silent_outside_a_notebook(capsys):
    assert not in_notebook()
    X, y = _data()
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    live = train.NotebookDisplay(min_interval=0)
    history = train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
                        epochs=3, batch_size=10, callbacks=[live], verbose="notebook")
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    assert live.updates == 0 and not live.active and len(history) == 3


def test_bad_verbose_is_refused_with_the_choices():
    X, y = _data()
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with pytest.raises(ValueError, match="0, 1, 2 or \"notebook\""):
        train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
                  epochs=1, verbose="loud")
    with pytest.raises(ValueError, match="min_interval"):
        train.NotebookDisplay(min_interval=-1)


class _Points(HTMLParser):
    def __init__(self):
        super().__init__()
        self.polylines, self.captions = [], []
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "polyline":
            self.polylines.append(dict(attrs)["points"])
        self._in_caption = tag == "figcaption"

    def handle_data(self, data):
        if self._in_caption:
            self.captions.append(data)


def test_chart_draws_finite_points_only_and_says_so():
    history = {"loss": [1.0, 0.5, math.nan, 0.25], "val_loss": [1.2, 0.7, 0.6, math.inf]}
    view = TrainingView(4, 10, 0, 5, {"loss": 0.25}, history, 1.0, "training")
    p = _Points()
    p.feed(view._repr_html_())
    assert [len(pts.split()) for pts in p.polylines] == [3, 3]     # NaN and inf left out
    assert any("2 non-finite values not drawn" in c for c in p.captions)
    # the highest point is the largest finite value (1.2), drawn at the top margin
    ys = [float(pt.split(",")[1]) for pts in p.polylines for pt in pts.split()]
    assert min(ys) == pytest.approx(8.0)
    assert repr(view).startswith("epoch 4/10 (training")

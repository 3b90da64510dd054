"""``diagnose`` takes data the way ``fit``/``evaluate`` do: ``diagnose(model, X, y, history=h)``."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import data, nn, optim, train
from glassgrad.explain import diagnose


def _setup():
    gg.manual_seed(0)
    X, y = data.make_moons(120, noise=0.1, seed=0)
    t = y.astype(np.float32)[:, None]
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    with gg.no_grad():
        model[0].bias.data[...] = -50.0                # every ReLU dead: a known finding
    history = train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (X, t),
                        epochs=3, batch_size=40, verbose=0)
    return model, X, t, history


def test_x_y_and_history_keyword_match_the_pair_form():
    model, X, t, history = _setup()
    a = diagnose(model, X, t, history=history, loss="bce")
    b = diagnose(model, (X, t), history=history, loss="bce")
    c = diagnose(model, data.TensorDataset(X, t), history=history, loss="bce")
    kinds = [f.kind for f in a.findings]
    assert "dead_relu" in kinds
    assert kinds == [f.kind for f in b.findings] == [f.kind for f in c.findings]
    assert a.history_checked and b.history_checked


def test_earlier_positional_history_still_works():
    model, X, t, history = _setup()
    old = diagnose(model, (X, t), history, loss="bce")
    assert old.history_checked
    assert [f.kind for f in old.findings] == [
        f.kind for f in diagnose(model, X, t, history=history, loss="bce").findings]


def test_ambiguous_calls_get_clear_errors():
    model, X, t, history = _setup()
    with pytest.raises(TypeError, match="already an \\(X, y\\) pair"):
        diagnose(model, (X, t), t)
    with pytest.raises(TypeError, match="history given twice"):
        diagnose(model, (X, t), history, history=history)

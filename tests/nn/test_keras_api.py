"""model.compile()/fit()/evaluate()/predict(): the Keras-shaped bridge to glassgrad.train."""

import numpy as np

import glassgrad as gg
from glassgrad import nn


def test_compile_fit_evaluate_predict_on_a_module():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [1]], dtype=np.float32)  # OR gate: linearly separable
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    model.compile(gg.optim.SGD(model.parameters(), lr=2.0), nn.BCELoss(), metrics=["accuracy"])
    history = model.fit(X, y, epochs=300, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    result = model.evaluate(X, y)
    assert result["accuracy"] == 1.0
    probs = model.predict(X)
    assert isinstance(probs, np.ndarray) and probs.shape == (4, 1)
    np.testing.assert_array_equal(probs > 0.5, y > 0.5)


def test_fit_accepts_keras_validation_data():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [1]], dtype=np.float32)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    model.compile("sgd", nn.BCELoss())
    history = model.fit(X, y, epochs=2, verbose=0, validation_data=(X[:2], y[:2]))
    assert len(history.history["val_loss"]) == 2
    expected = nn.BCELoss()(model(gg.tensor(X[:2])), gg.tensor(y[:2])).item()  # eval on 2 rows
    assert abs(model.evaluate(X[:2], y[:2])["loss"] - expected) < 1e-6
    try:
        model.fit(X, y, epochs=1, verbose=0, validation_data=(X, y), val=(X, y))
    except TypeError as e:
        assert "validation_data" in str(e)
    else:
        raise AssertionError("validation_data together with val must be refused")

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

"""What a hidden layer buys: linear baselines vs small tanh networks, all trained with ``fit``.

Fixed seeds; each case trains in well under a second.
"""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import data, nn, optim, train


def _split(X, y):
    return data.train_test_split(X, y, test_size=0.3, stratify=y, seed=0)


def _test_accuracy(model, loss, X, y, lr, epochs):
    Xtr, Xte, ytr, yte = _split(X, y)
    opt = optim.Adam(model.parameters(), lr=lr)
    train.fit(model, loss, opt, (Xtr, ytr), epochs=epochs, batch_size=25, verbose=0, seed=0)
    return train.evaluate(model, loss, (Xte, yte), metrics=["accuracy"])["accuracy"]


def _mlp_4_2():
    gg.manual_seed(0)  # the init is part of the experiment: fix it right here
    return nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh(),
                         nn.Linear(2, 1), nn.Sigmoid())


def test_moons_logistic_near_86_mlp_above_99():
    X, y = data.make_moons(1000, noise=0.1, seed=0)
    gg.manual_seed(0)
    logreg = _test_accuracy(train.LogisticRegression(2), nn.BCELoss(), X, y, 0.1, 30)
    mlp = _test_accuracy(_mlp_4_2(), nn.BCELoss(), X, y, 0.05, 60)
    assert 0.83 <= logreg <= 0.90, logreg   # a straight line through two moons
    assert mlp >= 0.99, mlp


def test_circles_logistic_at_chance_mlp_above_99():
    X, y = data.make_circles(500, noise=0.05, factor=0.5, seed=0)
    gg.manual_seed(0)
    logreg = _test_accuracy(train.LogisticRegression(2), nn.BCELoss(), X, y, 0.1, 30)
    mlp = _test_accuracy(_mlp_4_2(), nn.BCELoss(), X, y, 0.05, 60)
    assert 0.35 <= logreg <= 0.65, logreg   # no line separates a ring from its center
    assert mlp >= 0.99, mlp


def test_spirals_softmax_regression_far_below_64_32_16_network():
    X, y = data.make_spirals(600, n_classes=3, noise=0.1, seed=0)
    gg.manual_seed(0)
    soft = _test_accuracy(train.SoftmaxRegression(2, 3), nn.CrossEntropyLoss(), X, y, 0.1, 30)
    gg.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 32), nn.Tanh(),
                        nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 3))
    deep = _test_accuracy(net, nn.CrossEntropyLoss(), X, y, 0.01, 100)
    assert soft <= 0.70, soft
    assert deep >= 0.98, deep
    assert deep - soft >= 0.3


def test_baseline_shapes_and_probabilities():
    x = gg.randn(5, 3)
    lr = train.LogisticRegression(3)
    p = lr(x)
    assert p.shape == (5, 1) and ((p.data > 0) & (p.data < 1)).all()
    z = train.LogisticRegression(3, logits=True)
    z.load_state_dict(lr.state_dict())
    np.testing.assert_allclose(1 / (1 + np.exp(-z(x).data)), p.data, rtol=1e-5)
    assert isinstance(z.default_loss(), nn.BCEWithLogitsLoss)
    sm = train.SoftmaxRegression(3, 4)
    probs = sm.predict_proba(x).data
    assert sm(x).shape == (5, 4)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="num_classes"):
        train.SoftmaxRegression(3, 1)

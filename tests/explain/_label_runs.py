"""The labelled runs the diagnosis is validated on: small, seeded, seconds each.

Each run returns ``(model, train_data, history, loss)``. Healthy runs train well; each sick run
is built to have one textbook failure, named in ``SICK``.
"""

import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim, train


def _moons(n=200, seed=0):
    X, y = data.make_moons(n, noise=0.15, seed=seed)
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    return X, y.astype(np.float32).reshape(-1, 1)


def _circles(n=200, seed=0):
    X, y = data.make_circles(n, noise=0.08, factor=0.5, seed=seed)
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    return X, y.astype(np.float32).reshape(-1, 1)


def _digits(n=500):
    X, y = data.load_digits(images=False)
    X = X[:n] - X[:n].mean(0)  # centered pixels, as a practitioner would feed them
    return X.astype(np.float32), y[:n].astype(np.int64)


def _fit(model, loss, opt, X, y, epochs, val=None, callbacks=(), batch_size=32, **kw):
    h = train.fit(model, loss, opt, (X, y), val=val, epochs=epochs, batch_size=batch_size,
                  verbose=0, callbacks=list(callbacks), seed=0, **kw)
    return model, (X, y), h, loss


# ---------------------------------------------------------------- healthy


def tanh_mlp_moons():
    gg.manual_seed(0)
    X, y = _moons()
    m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                      nn.Linear(16, 1), nn.Sigmoid())
    return _fit(m, nn.BCELoss(), optim.Adam(m.parameters(), lr=0.01), X, y, 60)


def relu_mlp_circles():
    gg.manual_seed(0)
    X, y = _circles()
    m = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
    return _fit(m, nn.BCELoss(), optim.Adam(m.parameters(), lr=0.01), X, y, 60)


def relu_mlp_digits():
    gg.manual_seed(0)
    X, y = _digits()
    m = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    return _fit(m, nn.CrossEntropyLoss(), optim.Adam(m.parameters(), lr=0.01), X, y, 20)


def saturated_sigmoid_output_bce():
    """Well separated classes trained hard: the output sigmoid is confidently right (σ ≈ 0
    or 1 on almost every sample), which is healthy with BCE (its gradient is p − y)."""
    gg.manual_seed(0)
    X, y = data.make_blobs(200, centers=[[-2, -2], [2, 2]], cluster_std=0.5, seed=0)
    X, y = X.astype(np.float32) / 2, y.astype(np.float32).reshape(-1, 1)
    m = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    return _fit(m, nn.BCELoss(), optim.Adam(m.parameters(), lr=0.1), X, y, 80)


def _overfit_data():
    rng = np.random.default_rng(1)
    Xtr = rng.uniform(-1, 1, (12, 1)).astype(np.float32)
    ytr = (np.sin(3 * Xtr) + rng.normal(0, 0.4, Xtr.shape)).astype(np.float32)
    Xva = rng.uniform(-1, 1, (50, 1)).astype(np.float32)
    return Xtr, ytr, (Xva, np.sin(3 * Xva).astype(np.float32))


def overfit_but_restored():
    """The same memorizing network as ``overfitting``, with early stopping restoring the best
    epoch: the weights judged are the best epoch's, so there is nothing to report."""
    gg.manual_seed(0)
    Xtr, ytr, val = _overfit_data()
    m = nn.Sequential(nn.Linear(1, 40), nn.Tanh(), nn.Linear(40, 1))
    es = train.EarlyStopping(monitor="val_loss", patience=150)
    return _fit(m, nn.MSELoss(), optim.Adam(m.parameters(), lr=0.03), Xtr, ytr, 600, val=val,
                callbacks=[es], batch_size=12)


HEALTHY = {f.__name__: f for f in (tanh_mlp_moons, relu_mlp_circles, relu_mlp_digits,
                                   saturated_sigmoid_output_bce, overfit_but_restored)}


# ---------------------------------------------------------------- sick


def bad_init():
    """A deep sigmoid network initialized with tiny weights: gradients vanish with depth."""
    gg.manual_seed(0)
    X, y = _moons()
    layers = [nn.Linear(2, 16), nn.Sigmoid()]
    for _ in range(4):
        layers += [nn.Linear(16, 16), nn.Sigmoid()]
    m = nn.Sequential(*layers, nn.Linear(16, 1), nn.Sigmoid())
    with gg.no_grad():
        for p in m.parameters():
            p.data[...] = np.random.default_rng(0).normal(0, 0.01, p.shape)
    return _fit(m, nn.BCELoss(), optim.SGD(m.parameters(), lr=0.1), X, y, 5)


def dead_relus():
    """Biases of −5 switch every ReLU off on standardized data."""
    gg.manual_seed(0)
    X, y = _moons()
    m = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
    with gg.no_grad():
        m[0].bias.data[...] = -5.0
    return _fit(m, nn.BCELoss(), optim.Adam(m.parameters(), lr=0.01), X, y, 5)


def lr_far_too_high():
    gg.manual_seed(0)
    X, y = _moons()
    m = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    return _fit(m, nn.MSELoss(), optim.SGD(m.parameters(), lr=5.0), X, y, 10)


def lr_far_too_low():
    gg.manual_seed(0)
    X, y = _moons()
    m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
    return _fit(m, nn.BCELoss(), optim.SGD(m.parameters(), lr=1e-6), X, y, 8)


def overfitting():
    gg.manual_seed(0)
    Xtr, ytr, val = _overfit_data()
    m = nn.Sequential(nn.Linear(1, 40), nn.Tanh(), nn.Linear(40, 1))
    return _fit(m, nn.MSELoss(), optim.Adam(m.parameters(), lr=0.03), Xtr, ytr, 400, val=val,
                batch_size=12)


def saturated_hidden_sigmoids():
    """Unscaled inputs (×50) into a sigmoid hidden layer: its units sit at 0 or 1."""
    gg.manual_seed(0)
    X, y = _moons()
    m = nn.Sequential(nn.Linear(2, 16), nn.Sigmoid(), nn.Linear(16, 1), nn.Sigmoid())
    return _fit(m, nn.BCELoss(), optim.Adam(m.parameters(), lr=0.01), X * 50, y, 5)


# run name -> the finding kind it must get (severity warning or error)
SICK = {"bad_init": (bad_init, "vanishing_gradients"), "dead_relus": (dead_relus, "dead_relu"),
        "lr_far_too_high": (lr_far_too_high, "diverging"),
        "lr_far_too_low": (lr_far_too_low, "stalled"),
        "overfitting": (overfitting, "overfitting"),
        "saturated_hidden_sigmoids": (saturated_hidden_sigmoids, "saturated_units")}

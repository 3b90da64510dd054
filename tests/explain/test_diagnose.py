"""diagnose flags vanishing, dead, diverging and overfitting runs, and is quiet on a healthy one."""

import numpy as np

import glassgrad as gg
from glassgrad import nn
from glassgrad.data.synthetic import make_moons
from glassgrad.explain import diagnose


def moons():
    X, y = make_moons(200, noise=0.1, seed=0)
    return X.astype(np.float32), y.reshape(-1, 1).astype(np.float32)


def kinds(report, severities=("warning", "error")):
    return {f["kind"] for f in report.findings if f["severity"] in severities}


def test_sigmoid_bad_init_is_vanishing():
    gg.manual_seed(0)
    mods = [nn.Linear(2, 32), nn.Sigmoid()]
    for _ in range(5):
        mods += [nn.Linear(32, 32), nn.Sigmoid()]
    m = nn.Sequential(*mods, nn.Linear(32, 1), nn.Sigmoid())
    for lin in m:
        if isinstance(lin, nn.Linear):
            nn.init.normal_(lin.weight, 0, 0.01)
    report = diagnose(m, moons(), loss="bce")
    f = report.of_kind("vanishing_gradients")[0]
    assert f.severity == "error" and f.evidence["ratio"] < 1e-4 and "Xavier" in f.remedy
    assert not report.ok and "vanishing_gradients" in str(report)


def test_large_negative_bias_is_dead_relu():
    gg.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))
    with gg.no_grad():
        m[0].bias.data[:] = -20.0
    report = diagnose(m, moons(), loss="bce_with_logits")
    dead = report.of_kind("dead_relu")[0]
    assert dead.layer == "0" and dead.evidence["dead_fraction"] == 1.0
    assert dead.severity == "error" and "He" in dead.remedy


def sgd_history(lr, epochs=20):
    gg.manual_seed(0)
    X, y = moons()
    m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    opt = gg.optim.SGD(m.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    hist = {"loss": []}
    for _ in range(epochs):
        opt.zero_grad()
        loss = loss_fn(m(gg.tensor(X)), gg.tensor(y))
        loss.backward()
        opt.step()
        hist["loss"].append(loss.item())
    return m, hist


def test_too_large_learning_rate_is_diverging():
    with np.errstate(over="ignore", invalid="ignore"):  # it diverges: overflow is the point
        m, hist = sgd_history(lr=5.0)
    report = diagnose(m, moons(), history=hist, loss="mse")
    f = report.of_kind("diverging")
    assert f and f[0].severity in ("warning", "error") and "learning rate" in f[0].remedy.lower()


def test_history_checks_stall_and_overfit():
    flat = {"loss": [0.69, 0.6899, 0.6899, 0.6898, 0.6898, 0.6898]}
    over = {"loss": [1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02],
            "val_loss": [1.0, 0.6, 0.45, 0.5, 0.6, 0.7, 0.8]}
    gg.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    assert kinds(diagnose(m, moons(), flat, loss="mse")) >= {"stalled"}
    f = diagnose(m, moons(), over, loss="mse").of_kind("overfitting")[0]
    assert f.evidence["best_epoch"] == 3 and "early stopping" in f.remedy.lower()
    nan = {"loss": [0.7, 3.0, float("nan")]}
    assert diagnose(m, moons(), nan, loss="mse").of_kind("diverging")[0].severity == "error"


def test_healthy_run_is_quiet():
    from glassgrad.train import fit

    gg.manual_seed(0)
    X, y = moons()
    m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                      nn.Linear(16, 1))
    hist = fit(m, nn.BCEWithLogitsLoss(), gg.optim.Adam(m.parameters(), lr=0.01),
               (X[:150], y[:150]), (X[150:], y[150:]), epochs=30, batch_size=32, verbose=0,
               seed=0)
    report = diagnose(m, (X, y), history=hist, loss="bce_with_logits")
    assert report.ok, str(report)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    md = report.to_markdown()
    assert md.startswith("Diagnosis")

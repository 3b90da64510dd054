"""
9. Diagnosing a sick network
============================

When training fails, the loss curve says *that* something is wrong; the layers say *what*.
This chapter makes four networks sick on purpose — vanishing gradients, dead ReLUs, saturated
units, a learning rate that is too large — looks at the evidence with ``explain.layer_stats``,
and lets ``explain.diagnose`` name each problem with its evidence and a remedy. A healthy
network serves as the control: its report must be clean.
"""

# %%
# The data and a healthy control
# ------------------------------
import os

import numpy as np

import glassgrad as gg
from glassgrad import data, explain, nn, optim, train, viz

QUICK = bool(os.environ.get("GLASSGRAD_DOCS_QUICK"))
X, y = data.make_moons(300 if QUICK else 800, noise=0.2, seed=0)
X = data.StandardScaler().fit_transform(X).astype(np.float32)
t = y.astype(np.float32)[:, None]
epochs = 40 if QUICK else 80


def run(model, lr=0.01, opt=optim.Adam, loss="bce"):
    loss_fn = nn.BCELoss() if loss == "bce" else nn.MSELoss()
    history = train.fit(model, loss_fn, opt(model.parameters(), lr=lr), (X, t),
                        validation_split=0.2, epochs=epochs, batch_size=32, seed=0, verbose=0)
    return history, explain.diagnose(model, X, t, history=history, loss=loss)


gg.manual_seed(0)
healthy = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                        nn.Linear(16, 1), nn.Sigmoid())
history, report = run(healthy)
print(f"healthy: final loss {history['loss'][-1]:.3f}, report ok: {report.ok}")
report

# %%
# Vanishing gradients
# -------------------
# Ten sigmoid layers with the default initialization: each layer multiplies δ by σ′(z) ≤ 0.25 times
# the weights, so the first layers receive almost no gradient and do not learn.
gg.manual_seed(0)
layers = [nn.Linear(2, 16), nn.Sigmoid()]
for _ in range(9):
    layers += [nn.Linear(16, 16), nn.Sigmoid()]
deep = nn.Sequential(*layers, nn.Linear(16, 1), nn.Sigmoid())
history, report = run(deep, opt=optim.SGD, lr=0.1)
stats = explain.layer_stats(deep, X, t, loss="bce")
print("std of ∂E/∂W by layer:",
      " ".join(f"{L.stats['grad_weight']['std']:.1e}" for L in stats.layers))
report

# %%
# Dead ReLUs
# ----------
# A ReLU whose z is negative for every input outputs 0 and passes no gradient: it never
# recovers. A large negative bias kills most units of the hidden layer at the start.
gg.manual_seed(0)
dead = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())
with gg.no_grad():
    dead[0].bias.data[...] = -6.0
history, report = run(dead)
report

# %%
# The per-unit picture: the activation of each hidden unit over the input plane. Dead units
# are flat zero everywhere.
fig = viz.plot_activation_map(dead, X, layer=1)
fig

# %%
# Saturated units
# ---------------
# Tanh units with huge weights sit at ±1, where the derivative is ~0: they have stopped learning.
gg.manual_seed(0)
saturated = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Sigmoid())
with gg.no_grad():
    saturated[0].weight.data[...] *= 40
history, report = run(saturated)
report

# %%
# A learning rate that is too large
# ---------------------------------
# Plain gradient descent on the squared error with η = 1: each step overshoots further, the
# loss overflows to infinity and then NaN. (NumPy's overflow warnings are silenced here.)
gg.manual_seed(0)
jumpy = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
with np.errstate(all="ignore"):
    try:
        history, report = run(jumpy, opt=optim.SGD, lr=1.0, loss="mse")
        print("loss per epoch (first 4):", history["loss"][:4], "| stop reason:",
              history.stop_reason)
    except gg.GlassgradError as err:        # a run may also be refused outright
        print("training stopped:", err)
        report = explain.diagnose(jumpy, X, t, loss="mse")
report

# %%
# The diagnosis is data: each finding has a kind, a severity, the layer, the evidence and a
# remedy, so a script can act on it.
for finding in report.findings:
    print(finding.kind, finding.severity, "->", finding.remedy)

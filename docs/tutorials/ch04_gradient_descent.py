"""
4. Gradient descent and its family
==================================

Training moves the weights against the gradient: w ← w − η·∇E(w).
This chapter checks one update by hand, compares batch, online and mini-batch descent, and then
runs every optimizer of the family (momentum, Nesterov, Adagrad, RMSprop, Adam, with a decaying
learning rate) on the same valley, with the paths they take plotted.
"""

# %%
# One step, by hand
# -----------------
# On E(w) = w₁² + 10·w₂² (a long, narrow valley) at w = (−4, 1) the gradient is
# (2w₁, 20w₂) = (−8, 20); with η = 0.04 the step goes to (−3.68, 0.2).
import os

import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim, train

QUICK = bool(os.environ.get("GLASSGRAD_DOCS_QUICK"))
gg.set_default_dtype(gg.float64)


def valley(w):
    return w[0] ** 2 + 10 * w[1] ** 2


w = gg.tensor([-4.0, 1.0], requires_grad=True)
opt = optim.SGD([w], lr=0.04)
valley(w).backward()
print("gradient:", w.grad.numpy())
opt.step()
print("after one step:", w.detach().numpy())
assert np.allclose(w.detach().numpy(), [-4.0 + 0.04 * 8, 1.0 - 0.04 * 20])

# %%
# The family on the same valley
# -----------------------------
# Each optimizer starts at (−4, 1) and takes 60 steps. Plain gradient descent with η = 0.09
# zig-zags across the narrow direction (each step multiplies w₂ by 1 − 20η = −0.8) while it
# crawls along the flat one (w₁ by 1 − 2η = 0.82). Momentum (β = 0.9) builds up speed along
# the floor, overshoots and circles in; Nesterov's look-ahead step damps that overshoot;
# Adagrad, RMSprop and Adam divide each coordinate's step by its own gradient history, so both
# directions move at similar speeds. The printed E after 60 steps is the honest scoreboard: on
# a valley this small a well-chosen plain step is hard to beat — the family earns its keep on
# noisy, badly conditioned problems, where no single step size suits every direction.
runs = {
    "SGD η=0.09": lambda p: optim.SGD(p, lr=0.09),
    "momentum 0.9": lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
    "Nesterov 0.9": lambda p: optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
    "Adagrad": lambda p: optim.Adagrad(p, lr=1.0),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.1),
    "Adam": lambda p: optim.Adam(p, lr=0.3),
}
paths = {}
for name, make in runs.items():
    w = gg.tensor([-4.0, 1.0], requires_grad=True)
    opt = make([w])
    path = [w.detach().numpy().copy()]
    for _ in range(60):
        opt.zero_grad()
        valley(w).backward()
        opt.step()
        path.append(w.detach().numpy().copy())
    paths[name] = np.array(path)
    print(f"{name:14s} E after 60 steps: {valley(w).item():.2e}")

g1, g2 = np.meshgrid(np.linspace(-4.5, 4.5, 200), np.linspace(-1.5, 1.5, 200))
fig, ax = plt.subplots(figsize=(8, 4))
ax.contour(g1, g2, g1 ** 2 + 10 * g2 ** 2, levels=np.geomspace(0.05, 60, 12), colors="0.75")
for name, path in paths.items():
    ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, label=name)
ax.plot(0, 0, "k*", ms=12)
ax.set(xlabel="$w_1$", ylabel="$w_2$", title="60 steps from (−4, 1) on $w_1^2 + 10w_2^2$")
ax.legend(fontsize=8, loc="lower right")

# %%
# A decaying learning rate
# ------------------------
# With η = 0.1 the steep direction (curvature 20) is exactly at the edge of stability: each
# step multiplies w₂ by 1 − 20η = −1, so a constant step bounces between +1 and −1 for ever.
# Decaying the step (η_t = η₀ / (1 + k·t), "inverse-time decay") lets the same start settle.
# The schedulers of ``optim.lr_scheduler`` rewrite the optimizer's learning rate; here once per
# step.
for decay in (False, True):
    w = gg.tensor([-4.0, 1.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    schedule = optim.lr_scheduler.InverseTimeLR(opt, decay_rate=0.1) if decay else None
    for _ in range(60):
        opt.zero_grad()
        valley(w).backward()
        opt.step()
        if schedule:
            schedule.step()
    print(f"{'decaying' if decay else 'constant'} η: w after 60 steps {w.detach().numpy()}, "
          f"E = {valley(w).item():.2e}")
    assert (valley(w).item() < 0.01) if decay else (valley(w).item() > 9)

# %%
# Batch, online and mini-batch
# ----------------------------
# On a real data set the gradient is a sum over examples. *Batch* descent uses all of them per
# step, *online* (stochastic) descent one at a time, *mini-batch* descent a few dozen. Per epoch
# (one pass over the data) online descent takes many more, noisier steps. Here: logistic
# regression on two blobs, same learning rate, same initial weights, 20 epochs.
gg.set_default_dtype(gg.float32)
n = 200 if QUICK else 600
X, y = data.make_blobs(n, centers=2, cluster_std=2.0, seed=0)
t = y.astype(np.float32)[:, None]
fig, ax = plt.subplots(figsize=(6, 3.5))
for label, batch_size in (("batch", n), ("mini-batch 32", 32), ("online", 1)):
    gg.manual_seed(0)
    model = train.LogisticRegression(2)
    history = train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.05), (X, t),
                        epochs=20, batch_size=batch_size, seed=0, verbose=0)
    ax.plot(np.arange(1, 21), history["loss"], label=f"{label} ({-(-n // batch_size)} steps/epoch)")
ax.set(xlabel="epoch", ylabel="training loss (BCE)", yscale="log")
ax.legend()

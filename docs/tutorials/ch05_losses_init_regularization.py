"""
5. Losses, initialization, regularization and data preparation
==============================================================

Four things decide whether a network trains well before any optimizer runs: what it is asked to
minimize (the loss), where it starts (the initialization), what keeps it from memorizing
(regularization) and what its inputs look like (data preparation).
"""

# %%
# Losses, by formula and by glassgrad
# -----------------------------------
# Mean squared error for regression, binary cross-entropy for a sigmoid output, cross-entropy
# (softmax + negative log-likelihood) for classes. Each glassgrad loss must equal its formula.
import os

import numpy as np

import glassgrad as gg
from glassgrad import data, explain, nn, optim, train, viz

QUICK = bool(os.environ.get("GLASSGRAD_DOCS_QUICK"))
gg.set_default_dtype(gg.float64)

a = np.array([0.9, 0.2, 0.6])
t = np.array([1.0, 0.0, 1.0])
mse = np.mean((t - a) ** 2)
bce = -np.mean(t * np.log(a) + (1 - t) * np.log(1 - a))
logits = np.array([[2.0, 0.5, -1.0]])
ce = -np.log(np.exp(logits[0, 0]) / np.exp(logits).sum())          # the true class is 0
print(f"MSE {mse:.6f} = {nn.MSELoss()(gg.tensor(a), gg.tensor(t)).item():.6f}")
print(f"BCE {bce:.6f} = {nn.BCELoss()(gg.tensor(a), gg.tensor(t)).item():.6f}")
print(f"CE  {ce:.6f} = {nn.CrossEntropyLoss()(gg.tensor(logits), gg.tensor([0])).item():.6f}")

# %%
# Initialization: the layer-dynamics experiment
# ---------------------------------------------
# A 6-layer network of width 100 and a batch of random inputs. With weights drawn from
# N(0, σ²), each layer multiplies the variance of z by about σ²·100: σ = 0.01 shrinks the spread
# tenfold per layer (the signal and the gradients δ vanish), σ = 0.2 doubles it (they explode).
# Xavier (for tanh) and He (for ReLU) choose σ so the spread stays of order one.
# ``explain.layer_stats`` observes z, activations and δ of every layer in one real pass.
WIDTH, DEPTH = 100, 6
setups = {
    "N(0, 0.01²), linear": (lambda w: nn.init.normal_(w, 0, 0.01), None),
    "N(0, 0.2²), linear": (lambda w: nn.init.normal_(w, 0, 0.2), None),
    "Xavier, tanh": (nn.init.xavier_normal_, nn.Tanh),
    "He, ReLU": (lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), nn.ReLU),
}
rng = np.random.default_rng(0)
x, r = rng.standard_normal((256, WIDTH)), rng.standard_normal((256, WIDTH))
runs = {}
for label, (init, act) in setups.items():
    gg.manual_seed(0)
    layers = []
    for _ in range(DEPTH):
        layers += [nn.Linear(WIDTH, WIDTH)] + ([act()] if act else [])
    model = nn.Sequential(*layers)
    for m in model:
        if isinstance(m, nn.Linear):
            init(m.weight)
            nn.init.zeros_(m.bias)
    # E = Σ out·r makes δ at the output exactly r: what happens to δ below is the network's doing
    runs[label] = s = explain.layer_stats(model, x, r, loss=lambda out, t: (out * t).sum())
    print(f"{label:20s} std z:", " ".join(f"{L.stats['z']['std']:8.1e}" for L in s.layers))
    print(f"{'':20s} std δ:", " ".join(f"{L.stats['delta']['std']:8.1e}" for L in s.layers))
fig = viz.plot_layer_dynamics(runs, quantities=("z", "delta"), bins=30)
fig

# %%
# The first setup's numbers follow the variance rule: from layer to layer, std z shrinks by
# 0.01·√100 = 0.1.
z_std = [L.stats["z"]["std"] for L in runs["N(0, 0.01²), linear"].layers]
print("ratios:", np.round(np.array(z_std[1:]) / np.array(z_std[:-1]), 3))

# %%
# Regularization: L2, dropout, early stopping
# -------------------------------------------
# A network with many more weights than examples memorizes them: the training loss keeps
# falling while the validation loss turns up. Three remedies, each one line: weight decay
# (L2, here AdamW's decoupled form), dropout between layers, and early stopping that restores
# the weights of the best validation epoch.
gg.set_default_dtype(gg.float32)
n = 120 if QUICK else 200
epochs = 60 if QUICK else 300
width = 64 if QUICK else 128
X, y = data.make_moons(n, noise=0.3, seed=1)
t = y.astype(np.float32)[:, None]
X_val, y_val = data.make_moons(500, noise=0.3, seed=2)
t_val = y_val.astype(np.float32)[:, None]


def mlp(dropout=0.0):
    gg.manual_seed(0)
    drop = [nn.Dropout(dropout)] if dropout else []
    return nn.Sequential(nn.Linear(2, width), nn.ReLU(), *drop, nn.Linear(width, width),
                         nn.ReLU(), *drop, nn.Linear(width, 1), nn.Sigmoid())


variants = {
    "plain": (mlp(), 0.0, []),
    "L2 (weight decay 0.05)": (mlp(), 0.05, []),
    "dropout 0.3": (mlp(0.3), 0.0, []),
    "early stopping": (mlp(), 0.0, [train.EarlyStopping(patience=20)]),
}
for name, (model, decay, callbacks) in variants.items():
    opt = optim.AdamW(model.parameters(), lr=0.01, weight_decay=decay)
    h = train.fit(model, nn.BCELoss(), opt, (X, t), val=(X_val, t_val), epochs=epochs,
                  batch_size=32, metrics=["accuracy"], callbacks=callbacks, seed=0, verbose=0)
    print(f"{name:24s} epochs {len(h):3d}  train loss {h['loss'][-1]:.3f}  "
          f"val loss {min(h['val_loss']):.3f} (best) {h['val_loss'][-1]:.3f} (last)  "
          f"val acc {train.metrics.accuracy(y_val, train.predict(model, X_val)):.3f}")
    if name == "plain":
        fig = h.plot(title="no regularization: validation loss turns up")

# %%
# Data preparation
# ----------------
# Range normalization maps each column to [0, 1]; standardization to mean 0, std 1; one-hot
# encoding turns a class into a vector; binning turns a number into an interval index. Each is
# fitted on the training data only, then applied unchanged to new data.
table = np.array([[1.0, 200.0], [2.0, 400.0], [4.0, 1000.0]])
mm = data.MinMaxScaler().fit(table)
print("range-normalized:\n", mm.transform(table))
print("by hand:\n", (table - table.min(0)) / (table.max(0) - table.min(0)))
ss = data.StandardScaler().fit(table)
print("standardized:\n", ss.transform(table).round(4))
print("by hand:\n", ((table - table.mean(0)) / table.std(0)).round(4))
print("one-hot of [2, 0, 1]:\n", data.OneHotEncoder().fit_transform(np.array([2, 0, 1])))
bins = data.KBinsDiscretizer(n_bins=3, strategy="uniform").fit(table[:, :1])
print("3 equal-width bins of [1, 2, 4]:", bins.transform(table[:, :1]).ravel())

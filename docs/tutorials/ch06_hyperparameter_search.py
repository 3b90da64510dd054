"""
6. Hyperparameter search and the validation protocol
====================================================

Weights are learned from the training data; hyperparameters (learning rate, width, weight
decay, epochs...) are chosen by comparing trained models. The protocol that keeps the final
number honest has three parts, and this chapter follows it with a small grid search:

1. split the data once into **training**, **validation** and **test** parts;
2. train each candidate on the training part, compare candidates on the validation part only;
3. evaluate the chosen one on the test part **once**; that number is the estimate to report.

Choosing by test accuracy would make the test part a second validation part, and its number
optimistic. With little data, k-fold cross-validation replaces the single validation part.
"""

# %%
# One split, made once
# --------------------
import itertools
import os

import matplotlib.pyplot as plt
import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim, train

QUICK = bool(os.environ.get("GLASSGRAD_DOCS_QUICK"))
X, y = data.make_moons(400 if QUICK else 1000, noise=0.25, seed=0)
X_tr, X_val, X_te, y_tr, y_val, y_te = data.train_val_test_split(
    X, y, val_size=0.2, test_size=0.2, stratify=y, seed=0)
print(f"train {len(y_tr)}, validation {len(y_val)}, test {len(y_te)}")
as_col = lambda v: v.astype(np.float32)[:, None]  # noqa: E731


def fit_candidate(lr, hidden, epochs):
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1), nn.Sigmoid())
    train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=lr, momentum=0.9),
              (X_tr, as_col(y_tr)), epochs=epochs, batch_size=32, seed=0, verbose=0)
    return model


# %%
# A grid over the learning rate and the width
# --------------------------------------------
# Every candidate is scored by its validation accuracy; the test part is not touched.
lrs = [0.003, 0.03, 0.3]
widths = [2, 8, 32]
epochs = 30 if QUICK else 60
scores = np.zeros((len(lrs), len(widths)))
for (i, lr), (j, hidden) in itertools.product(enumerate(lrs), enumerate(widths)):
    model = fit_candidate(lr, hidden, epochs)
    scores[i, j] = train.metrics.accuracy(y_val, train.predict(model, X_val))
    print(f"lr {lr:<6} hidden {hidden:3d}  validation accuracy {scores[i, j]:.3f}")

fig, ax = plt.subplots(figsize=(4.5, 3.5))
im = ax.imshow(scores, cmap="viridis")
ax.set(xticks=range(len(widths)), xticklabels=widths, yticks=range(len(lrs)),
       yticklabels=lrs, xlabel="hidden units", ylabel="learning rate",
       title="validation accuracy")
for (i, j), s in np.ndenumerate(scores):
    ax.text(j, i, f"{s:.2f}", ha="center", va="center", color="w" if s < scores.max() else "k")
fig.colorbar(im)

# %%
# The choice, and the one test evaluation
# ---------------------------------------
i, j = np.unravel_index(np.argmax(scores), scores.shape)
best = fit_candidate(lrs[i], widths[j], epochs)
test_acc = train.metrics.accuracy(y_te, train.predict(best, X_te))
print(f"chosen: lr {lrs[i]}, hidden {widths[j]} (validation {scores[i, j]:.3f}); "
      f"test accuracy {test_acc:.3f}")

# %%
# k-fold cross-validation
# -----------------------
# With few examples, one validation part is a noisy judge. k-fold cross-validation trains k
# times, each time validating on a different fifth of the non-test data, and averages; the
# spread across folds shows how much a single split could mislead.
X_dev, y_dev = np.concatenate([X_tr, X_val]), np.concatenate([y_tr, y_val])
fold_scores = []
for train_idx, val_idx in data.stratified_kfold_indices(y_dev, k=5, shuffle=True, seed=0):
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, widths[j]), nn.Tanh(), nn.Linear(widths[j], 1),
                          nn.Sigmoid())
    train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=lrs[i], momentum=0.9),
              (X_dev[train_idx], as_col(y_dev[train_idx])), epochs=epochs, batch_size=32,
              seed=0, verbose=0)
    fold_scores.append(train.metrics.accuracy(y_dev[val_idx], train.predict(model, X_dev[val_idx])))
print("fold accuracies:", np.round(fold_scores, 3),
      f"mean {np.mean(fold_scores):.3f} ± {np.std(fold_scores):.3f}")

# %%
# Larger searches (random or Bayesian sampling, pruning of poor runs, many workers) follow the
# same protocol; chapter 10 links the guide to glassgrad's search tools where this version has
# them.

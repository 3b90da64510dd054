"""
6. Hyperparameter search and the validation protocol
====================================================

Weights are learned from the training data; hyperparameters (learning rate, width, weight
decay, epochs...) are chosen by comparing trained models. The protocol that keeps the final
number honest has three parts:

1. split the data once into **training**, **validation** and **test** parts;
2. train each candidate on the training part, compare candidates on the validation part only;
3. retrain the chosen one (on training + validation data) and evaluate it on the test part
   **once**; that number is the estimate to report.

Choosing by test accuracy would make the test part a second validation part, and its number
optimistic. With little data, k-fold cross-validation replaces the single validation part.

Which candidates to train is the search strategy: a **grid** (every combination of a few
values), **random** draws, or **Bayesian optimization** (TPE: the next candidate is drawn
where the good ones so far lie). ``glassgrad.tune`` runs all three on
`Optuna <https://optuna.org>`_ (the ``tune`` extra) and keeps to the protocol.
"""

# %%
# One split, made once
# --------------------
import os
import tempfile
import warnings

import matplotlib.pyplot as plt
import numpy as np
import optuna
from matplotlib.ticker import NullFormatter
from optuna.visualization import matplotlib as optuna_plots

import glassgrad as gg
from glassgrad import data, nn, optim, train, tune

optuna.logging.set_verbosity(optuna.logging.WARNING)   # no log line per trial
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

QUICK = os.environ.get("GLASSGRAD_DOCS_QUICK", "") not in ("", "0")
X, y = data.make_moons(400 if QUICK else 1000, noise=0.25, seed=0)
X_tr, X_val, X_te, y_tr, y_val, y_te = data.train_val_test_split(
    X, y, val_size=0.2, test_size=0.2, stratify=y, seed=0)
print(f"train {len(y_tr)}, validation {len(y_val)}, test {len(y_te)}")
as_col = lambda v: v.astype(np.float32)[:, None]  # noqa: E731
EPOCHS = 20 if QUICK else 40

# %%
# The search space, written as a function of a trial
# --------------------------------------------------
# ``tune.search_model`` calls ``build(trial)`` once per candidate: Optuna's ``trial.suggest_*``
# picks the values (a learning rate on a log scale, a width), ``build`` returns the model and its
# optimizer, and every trial is trained with ``fit`` on the training part and scored on the
# validation part (``metric="val_loss"``). The test part is not passed: no trial can see it.


def build(trial):
    lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
    hidden = trial.suggest_int("hidden", 2, 32, log=True)
    model = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1), nn.Sigmoid())
    return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9)


# %%
# Grid, random and TPE, with the same budget
# ------------------------------------------
# Each strategy gets 25 trials. The grid spends them on 5 learning rates × 5 widths; random
# search draws both independently, so its 25 trials try 25 different learning rates (when only
# one hyperparameter matters, a grid wastes most of its trials); TPE starts with 10 random trials,
# then models where the good trials lie and draws the next candidates there.
grid = {"lr": [0.001, 0.01, 0.03, 0.1, 0.3], "hidden": [2, 4, 8, 16, 32]}
studies = {}
for sampler in ("grid", "random", "tpe"):
    studies[sampler] = tune.search_model(
        build, train=(X_tr, as_col(y_tr)), val=(X_val, as_col(y_val)), loss="bce",
        epochs=EPOCHS, trials=25, metric="val_loss", sampler=sampler, grid=grid, seed=0)
    best = studies[sampler].best_trial
    print(f"{sampler:>6}: best validation loss {best.value:.4f} at trial {best.number:2d}  "
          f"lr {best.params['lr']:.4g}, hidden {best.params['hidden']}")

# %%
# Where each strategy looked (colour: validation loss, lower is better; the star is the best),
# and the best validation loss found after each trial.
fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), constrained_layout=True)
for ax, (sampler, study) in zip(axes, studies.items()):
    done = [t for t in study.trials if t.value is not None]
    losses = np.array([t.value for t in done])
    points = ax.scatter([t.params["lr"] for t in done], [t.params["hidden"] for t in done],
                        c=np.minimum(losses, 0.7), cmap="viridis_r", vmin=0.1, vmax=0.7)
    ax.scatter(study.best_params["lr"], study.best_params["hidden"], marker="*", s=250,
               facecolor="none", edgecolor="red")
    ax.set(xscale="log", yscale="log", xlabel="learning rate", title=sampler)
    ax.set_yticks([2, 4, 8, 16, 32], labels=["2", "4", "8", "16", "32"], minor=False)
    ax.minorticks_off()
    curve = np.minimum.accumulate([np.inf if t.value is None else t.value  # failed: no value
                                   for t in study.trials])
    axes[3].plot(np.arange(1, len(curve) + 1), curve, label=sampler)
axes[0].set_ylabel("hidden units")
fig.colorbar(points, ax=axes[2], label="validation loss")
axes[3].set(xlabel="trial", ylabel="best validation loss so far", title="progress")
axes[3].legend()

# %%
# One small problem and one seed do not rank the strategies in general; what does hold: the
# grid's budget grows as the product of the values per hyperparameter, random search does not
# care how many of them matter, and TPE pays off once enough trials have been seen.
#
# The whole protocol in one call
# ------------------------------
# ``tune.search`` runs a search from a run config (the same one ``glassgrad train`` reads,
# plus a ``[tune]`` table; the command line is ``glassgrad tune CONFIG``). The config's
# ``[data]`` table makes the split: ``test_size`` is held out for the one final evaluation,
# ``validation_split`` is what trials are compared on. After the search it **retrains the
# best configuration on training + validation data and evaluates it once on the test part**,
# and writes ``trials.csv``, ``best.toml`` and ``summary.json`` into ``out``. This search uses
# TPE with a median pruner: a trial whose validation loss after an epoch is worse than the
# median of earlier trials at that epoch is stopped early.
config = {
    "name": "moons", "seed": 0,
    "data": {"kind": "moons", "n_samples": 400 if QUICK else 1000, "noise": 0.25,
             "test_size": 0.2, "validation_split": 0.2},
    "model": {"layers": [{"type": "Linear", "out": 8}, {"type": "Tanh"},
                         {"type": "Linear", "out": 1}, {"type": "Sigmoid"}]},
    "train": {"loss": "BCELoss", "metrics": ["accuracy"], "epochs": EPOCHS, "batch_size": 32,
              "verbose": 0},
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "tune": {"sampler": "tpe", "trials": 20, "metric": "val_loss", "pruner": "median",
             "space": {"optimizer.lr": {"low": 1e-3, "high": 1.0, "log": True},
                       "model.layers[0].out": {"low": 2, "high": 32, "log": True}}},
}
workdir = tempfile.TemporaryDirectory(prefix="ch06-")  # removed when the script ends; by
result = tune.search(config, out=workdir.name, plots=False)  # default: runs/moons-tune/

# %%
# ``result.summary`` is the content of ``summary.json``. Its ``protocol`` part says which data
# chose the configuration, which data tested it, and how many times this study's test part has
# been evaluated — run the search again and the count goes up, a reminder that every look at
# the test part spends some of its honesty.
protocol = result.summary["protocol"]
print("selection:", protocol["selection"])
print("final:    ", protocol["final"])
print("test evaluations so far:", protocol["test_evaluations"])
final = result.summary["final"]
print(f"retrained for {final['epochs']} epochs on {final['samples']['train']} samples; test "
      f"loss {final['test']['loss']:.4f}, test accuracy {final['test']['accuracy']:.3f}")
print("trials:", {k: v for k, v in result.summary["trials"].items() if k != "counted"})

# %%
# Optuna's plots
# --------------
# ``result.study`` is the Optuna study, so Optuna's own analysis tools apply (``glassgrad tune``
# saves these plots as PNG files next to ``summary.json``). The optimization history: every
# trial's validation loss and the best so far.
optuna_plots.plot_optimization_history(result.study, target_name="val_loss")

# %%
# The slice plot: the validation loss of each completed trial against each hyperparameter
# separately (colour: the trial number; pruned trials have no final value and are left out).
axes = optuna_plots.plot_slice(result.study, target_name="val_loss")
for ax in axes:                                  # log axes: label the decades only
    ax.xaxis.set_minor_formatter(NullFormatter())

# %%
# The intermediate values: each trial's validation loss after every epoch. These are what the
# median pruner compared; the short curves are the pruned trials.
optuna_plots.plot_intermediate_values(result.study)

# %%
# k-fold cross-validation
# -----------------------
# With few examples, one validation part is a noisy judge. k-fold cross-validation trains k
# times, each time validating on a different fifth of the non-test data, and averages; the
# spread across folds shows how much a single split could mislead. Here for the best setting
# of the TPE search above; in a search config, ``cv = 5`` in ``[tune]`` scores every trial this
# way (the score is the mean over the folds).
lr, hidden = studies["tpe"].best_params["lr"], studies["tpe"].best_params["hidden"]
X_dev, y_dev = np.concatenate([X_tr, X_val]), np.concatenate([y_tr, y_val])
fold_scores = []
for train_idx, val_idx in data.stratified_kfold_indices(y_dev, k=5, shuffle=True, seed=0):
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1), nn.Sigmoid())
    train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=lr, momentum=0.9),
              (X_dev[train_idx], as_col(y_dev[train_idx])), epochs=EPOCHS, batch_size=32,
              seed=0, verbose=0)
    fold_scores.append(train.metrics.accuracy(y_dev[val_idx], train.predict(model, X_dev[val_idx])))
print("fold accuracies:", np.round(fold_scores, 3),
      f"mean {np.mean(fold_scores):.3f} ± {np.std(fold_scores):.3f}")

# %%
# Searches on many processes or machines, resumable studies and the command line are in the
# how-to guide :doc:`/howto/hyperparameter_search`.

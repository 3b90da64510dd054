"""Hyperparameter search on two moons: Bayesian optimization (TPE) with pruning, then the plots.

The course's protocol, step by step:

1. compare settings on the VALIDATION set (each trial trains on the training part only);
2. retrain the best setting on training + validation data;
3. evaluate it ONCE on the test set.

`glassgrad.tune.search` does all three from a run config with a `[tune]` table (the same thing
`glassgrad tune CONFIG` does on the command line) and writes trials.csv, best.toml,
summary.json and the plots of `optuna.visualization.matplotlib` into one folder.

    python examples/hyperparameter_search.py            # 20 trials, about half a minute
    python examples/hyperparameter_search.py --quick    # 6 trials, a few seconds

Needs the tune extra: pip install 'glassgrad[tune]'.
"""

import argparse
import json
import os

from glassgrad import tune

# A normal `glassgrad train` config (see `glassgrad train --help`) plus [tune]. The first
# Linear's width is searched, so the next Linear leaves out `in`: it follows the layer before.
CONFIG = """
name = "moons-search"
seed = 0

[data]
kind = "moons"
n_samples = 600
noise = 0.25
test_size = 0.2            # kept for the single final evaluation
validation_split = 0.2     # what the trials are compared on

[model]
layers = [{type = "Linear", out = 16}, {type = "Tanh"},
          {type = "Linear", out = 1}, {type = "Sigmoid"}]

[train]
loss = "BCELoss"
metrics = ["accuracy"]
epochs = 40
batch_size = 32
verbose = 0

[optimizer]
name = "Adam"
lr = 0.01

[tune]
sampler = "tpe"            # Bayesian optimization; "grid" or "random" work the same way
trials = 20
metric = "val_loss"
pruner = "median"          # stop trials whose val_loss is worse than the median at that epoch

[tune.space]
"optimizer.lr" = { low = 1e-4, high = 0.3, log = true }
"model.layers[0].out" = { low = 2, high = 32, step = 2 }
"train.batch_size" = { choices = [16, 32, 64] }
"optimizer.name" = { choices = ["SGD", "Adam"] }
"""


def main(out="runs/moons-search-tune", trials=None, workers=1):
    """Run (or resume) the search; returns the SearchResult."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "search.toml")
    with open(path, "w") as f:
        f.write(CONFIG)

    # Running this again resumes the study kept in out/study.journal: finished trials stay,
    # `trials` is the total.
    result = tune.search(path, out=out, trials=trials, workers=workers)

    print("\nbest parameters:", result.best_params)
    print(f"best validation loss: {result.best_value:.4f}")
    protocol = result.summary["protocol"]
    print("selection:", protocol["selection"])
    print("final:    ", protocol["final"])
    final = result.summary["final"]
    print("test metrics of the retrained best configuration:",
          json.dumps({k: round(v, 4) for k, v in final["test"].items()}))
    print("plots:", ", ".join(os.path.join(out, p) for p in result.summary["plots"]))
    print(f"train the winner yourself: glassgrad train {os.path.join(out, 'best.toml')}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/moons-search-tune")
    parser.add_argument("--quick", action="store_true", help="6 trials instead of 20")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    main(args.out, trials=6 if args.quick else None, workers=args.workers)

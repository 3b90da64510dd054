"""Hyperparameter search on Optuna: grid, random and Bayesian (TPE), pruning, many workers.

From a config (what ``glassgrad tune CONFIG`` runs)::

    from glassgrad import tune
    result = tune.search("moons-tune.toml", trials=20)    # a run config + a [tune] table
    result.best_params, result.summary["final"]["test"]

From a function that builds the model from an Optuna trial::

    def build(trial):
        width = trial.suggest_categorical("width", [4, 8, 16])
        model = nn.Sequential(nn.Linear(2, width), nn.Tanh(), nn.Linear(width, 1), nn.Sigmoid())
        lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
        return model, optim.Adam(model.parameters(), lr=lr)

    study = tune.search_model(build, train=(X, y), val=(X_val, y_val), loss="bce", epochs=30,
                              trials=20, metric="val_loss", pruner="median")

Your own Optuna objective around ``fit``: ``tune.PruningCallback(trial, monitor="val_loss")``.

Optuna is the ``tune`` extra (``pip install 'glassgrad[tune]'``), imported only when a search
runs.
"""

from __future__ import annotations

from ..errors import GlassgradError


class MissingDependencyError(GlassgradError, ImportError):
    """An optional dependency (an extra) is not installed."""


def require_optuna():
    """The ``optuna`` module, or an error that says how to install it."""
    try:
        import optuna
    except ImportError:
        raise MissingDependencyError(
            "hyperparameter search needs Optuna, which is not installed; install the extra: "
            "pip install 'glassgrad[tune]'") from None
    return optuna


# NOTE: below require_optuna, which they import; none of these modules imports optuna itself.
from .callback import PruningCallback  # noqa: E402
from .config_search import NoCompletedTrial, SearchResult, read_config, search  # noqa: E402
from .model_search import search_model  # noqa: E402
from .space import apply, parse_tune  # noqa: E402

__all__ = ["search", "search_model", "SearchResult", "PruningCallback", "require_optuna",
           "parse_tune", "apply", "read_config", "MissingDependencyError", "NoCompletedTrial"]

"""``glassgrad tune CONFIG``: the command-line side of ``glassgrad.tune.search``."""

from __future__ import annotations

import argparse
import sys

TUNE_EPILOG = """\
CONFIG is a glassgrad train config plus a [tune] table (see 'glassgrad train --help'):

  [tune]
  sampler = "tpe"          # grid | random | tpe (Bayesian optimization)
  trials = 30              # total number of trials (grid: the whole grid when omitted)
  metric = "val_loss"      # any logged metric: val_loss, val_accuracy, ... (loss on training
                           # data overfits the choice)
  direction = "minimize"   # or "maximize" (default: maximize for accuracy-like metrics)
  pruner = "median"        # none | median | hyperband (epochs reported as intermediate values)
  cv = 0                   # k >= 2: k-fold cross-validation on the training part, mean metric

  [tune.space]             # dotted config paths, list indices allowed
  "optimizer.lr" = { low = 1e-4, high = 0.3, log = true }     # float range
  "optimizer.name" = { choices = ["SGD", "Adam"] }            # categorical
  "train.batch_size" = { choices = [16, 32, 64] }
  "model.layers[0].out" = { low = 4, high = 32, step = 4 }    # int range (ints given)

Omit 'in' of the Linear layers after a searched width: it is then taken from the layer before.

DIR (default runs/<name>-tune/) receives: trials.csv (one row per trial: state, reason,
parameters, metric, duration), best.toml (run it with 'glassgrad train best.toml'),
summary.json (best parameters and value; the best config retrained on training + validation
data and evaluated once on the test set; the protocol and seeds), plots
(optimization_history.png, parallel_coordinate.png, slice.png, intermediate_values.png) and,
by default, study.journal, the study itself: running the same command again resumes it
(finished trials are kept; --trials is the total). --workers K runs K processes here;
--storage postgresql://user@host/db lets 'glassgrad tune CONFIG --storage URL' on several
machines share one study (pip install 'psycopg[binary]').

exit status: 0 success, 1 no trial completed or a worker failed, 2 bad input (config, space,
arguments, storage), 130 interrupted (the study is resumable)."""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "tune", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="hyperparameter search (grid, random, TPE) on Optuna",
        description="Search the hyperparameters the [tune] table of CONFIG names: each trial "
                    "trains on the training part and is scored on validation data; the best "
                    "configuration is retrained on training + validation data and tested once.",
        epilog=TUNE_EPILOG)
    p.add_argument("config", metavar="CONFIG.toml", help="a run config with a [tune] table")
    p.add_argument("--out", metavar="DIR", help="output folder (default: runs/<name>-tune/)")
    p.add_argument("--trials", type=int, metavar="N", help="total number of trials "
                   "(overrides tune.trials)")
    p.add_argument("--workers", type=int, default=1, metavar="K",
                   help="worker processes on this machine (default 1)")
    p.add_argument("--storage", metavar="URL", help="Optuna storage shared by several machines "
                   "(postgresql://user@host/db); default: DIR/study.journal")
    p.add_argument("--no-plots", action="store_true", help="do not draw plots")
    p.add_argument("--no-retrain", action="store_true",
                   help="skip the final retraining and the test evaluation")
    p.add_argument("--debug", action="store_true", help="show the full traceback on errors")


def run(args) -> int:
    from ..errors import GlassgradError
    from . import NoCompletedTrial, search
    from .config_search import WorkerFailed

    try:
        search(args.config, out=args.out, trials=args.trials, workers=args.workers,
               storage=args.storage, plots=not args.no_plots, retrain=not args.no_retrain)
    except KeyboardInterrupt:
        print("\nglassgrad tune: interrupted; finished trials are kept and the interrupted one "
              "is queued again: run the same command to resume.", file=sys.stderr)
        return 130
    except (GlassgradError, ValueError, OSError, KeyError) as exc:
        if args.debug:
            raise
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"glassgrad tune: error: {msg}".splitlines()[0], file=sys.stderr)
        return 1 if isinstance(exc, NoCompletedTrial | WorkerFailed) else 2
    return 0

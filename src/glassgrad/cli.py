"""The ``glassgrad`` command.

    glassgrad train                      # the built-in default run (moons, 2-16-16-1 MLP)
    glassgrad train run.toml --out runs/first
    glassgrad train --print-default-config > run.toml   # a commented config to edit
"""

from __future__ import annotations

import argparse
import sys

from .explain import cli as explain_cli
from .live import cli as live_cli

TRAIN_EPILOG = """\
config format (TOML; every key optional, missing ones take the default's value):
  name = "my-run"            run folder name under runs/ (default: a timestamp)
  seed = 0                   seeds data, splits, weights and shuffling
  [data]      kind = moons | circles | blobs | spirals | xor  (+ make_* parameters such as
              n_samples, noise, factor, centers, n_classes, cluster_std)
              | csv (path, target = column name or index, delimiter, header)
              | mnist (path = folder of IDX files, variant = mnist | fashion, limit)
              test_size, validation_split (fractions), scale = none | standard | minmax
  [model]     layers = [{type = "Linear", in = 2, out = 16}, {type = "Tanh"}, ...]
              (any glassgrad.nn layer; other keys are its arguments; "in" may be omitted)
  [train]     loss (e.g. "BCELoss", "CrossEntropyLoss", "MSELoss", "SSELoss"),
              metrics (e.g. ["accuracy", "f1"]), epochs, batch_size,
              stop_when (e.g. "loss < 1e-4"), verbose (0, 1, 2)
  [optimizer] name = SGD | Adam | AdamW | RMSprop | Adagrad, plus lr, momentum, betas ...
  [callbacks.early_stopping]       monitor, patience, min_delta, mode, restore_best_weights
  [callbacks.reduce_lr_on_plateau] monitor, factor, patience, min_lr
  [callbacks.lr_scheduler]         name = StepLR | ExponentialLR | CosineAnnealingLR |
                                   OneCycleLR | CyclicLR | ..., and its arguments;
                                   per_batch (default true for OneCycleLR and CyclicLR)
  [callbacks.terminate_on_nan]

run folder: config.toml, history.csv, history.json, weights.npz (state_dict, numpy .npz),
summary.json (final train/val/test metrics), diagnosis.md/.json (the network's health: vanishing
or exploding gradients, dead or saturated units, learning rate, overfitting) and layer_stats.md;
with matplotlib curves.png, decision_boundary.png (2-D data) and layer_dynamics.png;
live.json (snapshots of the network for 'glassgrad report RUN_DIR');
INTERRUPTED after Ctrl-C (the files then hold the finished epochs).

exit status: 0 success, 2 bad input (config, data, arguments), 130 interrupted."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassgrad", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="glassgrad: a glass-box deep-learning framework. 'train' trains models "
                    "from TOML configs; 'explain' shows backprop tables, computation graphs "
                    "and the health of a finished run.",
        epilog="Run 'glassgrad train --help' for the config format and 'glassgrad explain "
               "--help' for the glass-box tools.")
    parser.add_argument("--version", action="version", version="glassgrad 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    explain_cli.add_parser(sub)
    live_cli.add_parser(sub)
    train = sub.add_parser(
        "train", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="train a model from a TOML config (no config: a built-in moons example)",
        description="Train a model as CONFIG says, print the final train/validation/test "
                    "metrics and write a run folder. Without CONFIG, a built-in default runs "
                    "offline in seconds (a 2-16-16-1 tanh MLP on generated two-moons data).",
        epilog=TRAIN_EPILOG)
    train.add_argument("config", nargs="?", metavar="CONFIG.toml",
                       help="the run configuration (default: the built-in default config)")
    train.add_argument("--out", metavar="DIR",
                       help="write the run folder here (default: runs/<name or timestamp>/)")
    train.add_argument("--overwrite", action="store_true",
                       help="let the run replace the files of an earlier run in --out DIR")
    train.add_argument("--epochs", type=int, metavar="N", help="override train.epochs")
    train.add_argument("--seed", type=int, metavar="N", help="override seed")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), help="override train.verbose")
    train.add_argument("--no-plots", action="store_true", help="do not draw plots")
    train.add_argument("--print-default-config", action="store_true",
                       help="print the default config (commented TOML) and exit")
    train.add_argument("--debug", action="store_true",
                       help="show the full traceback on errors")
    live_cli.add_train_flags(train)
    return parser


def _train(args) -> int:
    from .train.config import DEFAULT_TOML, load_config
    from .train.run import make_run_dir, run_config

    if args.print_default_config:
        sys.stdout.write(DEFAULT_TOML)
        return 0
    config = load_config(args.config)
    if args.epochs is not None:
        config["train"]["epochs"] = args.epochs
    if args.seed is not None:
        config["seed"] = args.seed
    if args.verbose is not None:
        config["train"]["verbose"] = args.verbose
    from .train.config import check_config

    check_config(config)
    out = make_run_dir(config, args.out, overwrite=args.overwrite)

    def report(model, history, data, loss):
        from .explain.cli import write_report

        diagnosis = write_report(out, model, data, history, loss, plots=not args.no_plots)
        print(f"diagnosis: {len(diagnosis.findings)} finding(s), see diagnosis.md")

    extra = live_cli.train_callbacks(args, out, config.get("name") or None)
    run_config(config, out, plots=not args.no_plots, report=report, callbacks=extra)
    print(f"run folder: {out}")
    live_cli.after_train(extra)
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from .errors import GlassgradError

    if args.command == "explain":
        return explain_cli.run(args)
    if args.command == "report":
        return live_cli.run(args)
    try:
        return _train(args)
    except KeyboardInterrupt:
        print("\nglassgrad train: interrupted; the run folder holds the finished epochs.",
              file=sys.stderr)
        return 130
    except (GlassgradError, ValueError, OSError, KeyError) as exc:
        if args.debug:
            raise
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"glassgrad {args.command}: error: {msg}".splitlines()[0], file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

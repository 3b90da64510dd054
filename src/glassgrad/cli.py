"""The ``glassgrad`` command.

    glassgrad train                      # the built-in default run (moons, 2-16-16-1 MLP)
    glassgrad train run.toml --out runs/first
    glassgrad train --print-default-config > run.toml   # a commented config to edit
    glassgrad tune search.toml --workers 2               # hyperparameter search (Optuna)

Subcommands are rows of ``SUBCOMMANDS``: ``(name, add_parser(subparsers), run(args) -> int)``;
a new one adds its own module and one row. Exit status everywhere: 0 success, 1 the run failed
(e.g. a non-finite loss; the run folder says why), 2 bad input (config, data, arguments),
130 interrupted.
"""

from __future__ import annotations

import argparse
import io
import os
import sys

from .explain import cli as explain_cli
from .live import cli as live_cli
from .onnx import cli as onnx_cli
from .tune import cli as tune_cli

TRAIN_EPILOG = """\
config format (TOML; every key optional, missing ones take the default's value):
  name = "my-run"            run folder name under runs/ (default: a timestamp)
  seed = 0                   seeds data, splits, weights and shuffling
  [data]      kind = moons | circles | blobs | spirals | xor  (+ make_* parameters such as
              n_samples, noise, factor, centers, n_classes, cluster_std)
              | digits (the shipped 8x8 digits, 64 features; n_class)
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

The whole config is checked before any file is written: types, finite numbers and ranges, a
memory estimate, monitored keys that will really be logged, and loss <-> targets <-> output
layer. Training stops at the first non-finite loss (before its update).

run folder: config.toml, history.csv, history.json, weights.npz (state_dict, numpy .npz),
summary.json (status completed | failed | interrupted with the reason; final train/val/test
metrics), diagnosis.md/.json (the network's health: vanishing or exploding gradients, dead or
saturated units, learning rate, overfitting) and layer_stats.md; with matplotlib curves.png,
decision_boundary.png (2-D data) and layer_dynamics.png; live.json
(snapshots of the network for 'glassgrad report RUN_DIR'); INTERRUPTED after Ctrl-C (the files
then hold the finished epochs). Epochs are numbered from 1 everywhere. A rerun into the folder
of a run that did not complete needs no --overwrite.

exit status: 0 success, 1 the run failed (non-finite loss ...), 2 bad input (config, data,
arguments), 130 interrupted."""


def add_train_parser(sub) -> argparse.ArgumentParser:
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
    return train


def _error(command: str, exc, args) -> int:
    if getattr(args, "debug", False):
        raise exc
    msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    text = str(msg).strip() or type(exc).__name__
    print(f"glassgrad {command}: error: {text}".splitlines()[0], file=sys.stderr)
    return 2


def _train_config(args) -> dict:
    """The config with the command-line overrides, validated as a whole (no file written)."""
    from .train.config import load_config
    from .train.prepare import prepare

    config = load_config(args.config)
    if args.epochs is not None:
        config["train"]["epochs"] = args.epochs
    if args.seed is not None:
        config["seed"] = args.seed
    if args.verbose is not None:
        config["train"]["verbose"] = args.verbose
    return prepare(config)



def run_train(args) -> int:
    from .distributed.comm import launched_size
    from .train.config import DEFAULT_TOML
    from .train.run import RunFailed, make_run_dir, run_config

    if args.print_default_config:
        sys.stdout.write(DEFAULT_TOML)
        return 0
    try:
        prepared = _train_config(args)
        if launched_size() > 1:  # `mpiexec -n N glassgrad train`: data parallel on MPI
            from .distributed.cli import train_distributed

            return train_distributed(prepared, args, _reporter)
        out = make_run_dir(prepared.config, args.out, overwrite=args.overwrite)
        extra = live_cli.train_callbacks(args, out, prepared.config.get("name") or None)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # NOTE: every config problem is exit 2 with one line, never a
        return _error("train", exc, args)  # traceback (--debug shows it)
    try:
        run_config(prepared, out, plots=not args.no_plots, report=_reporter(out, args, prepared),
                   callbacks=extra)
    except KeyboardInterrupt:
        print("\nglassgrad train: interrupted; the run folder holds the finished epochs.",
              file=sys.stderr)
        return 130
    except RunFailed as exc:
        print(f"glassgrad train: {exc} (see {os.path.join(out, 'summary.json')})",
              file=sys.stderr)
        return 1
    except Exception as exc:
        if args.debug:
            raise
        print(f"glassgrad train: run failed: {type(exc).__name__}: {exc}".splitlines()[0]
              + f" (see {os.path.join(out, 'summary.json')})", file=sys.stderr)
        return 1
    print(f"run folder: {out}")
    live_cli.after_train(extra)
    return 0


def _reporter(out, args, prepared):
    """The glass-box diagnosis ``run_config`` writes after a completed run."""
    def report(model, history, data, loss):
        from .explain.cli import run_context, write_report

        diagnosis = write_report(out, model, data, history, loss, plots=not args.no_plots,
                                 context=run_context(prepared.config))
        print(f"diagnosis: {len(diagnosis.findings)} finding(s), see diagnosis.md")

    return report


# (name, add_parser(subparsers), run(args) -> exit status): one row per subcommand
SUBCOMMANDS = [
    ("train", add_train_parser, run_train),
    ("explain", explain_cli.add_parser, explain_cli.run),
    ("tune", tune_cli.add_parser, tune_cli.run),
    ("export", onnx_cli.add_parser, onnx_cli.run),
    ("report", live_cli.add_parser, live_cli.run),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassgrad", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="glassgrad: a glass-box deep-learning framework. 'train' trains models "
                    "from TOML configs; 'tune' searches their hyperparameters; 'explain' shows "
                    "backprop tables, computation graphs and the health of a finished run; "
                    "'report' writes a run's self-contained HTML report; 'export' writes a "
                    "trained run's model as ONNX.",
        epilog="Run 'glassgrad train --help' for the config format and 'glassgrad explain "
               "--help' for the glass-box tools.")
    parser.add_argument("--version", action="version", version="glassgrad 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for _, add, _ in SUBCOMMANDS:
        add(sub)
    return parser


class _PipeSafe(io.TextIOBase):
    """stdout that survives a closed pipe (``glassgrad train | head -3``): once the reader is
    gone, output is dropped and the command finishes its work quietly."""

    def __init__(self, stream):
        self._stream, self._broken = stream, False

    def _drop(self):
        self._broken = True
        try:  # NOTE: also silences the interpreter's final flush of the real stdout
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass

    def write(self, text):
        if not self._broken:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self):
        if not self._broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def isatty(self):
        return not self._broken and self._stream.isatty()

    def fileno(self):
        return self._stream.fileno()

    @property
    def encoding(self):
        return getattr(self._stream, "encoding", "utf-8")


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    run = {name: fn for name, _, fn in SUBCOMMANDS}[args.command]
    stdout = sys.stdout
    if not isinstance(stdout, _PipeSafe) and hasattr(stdout, "fileno"):
        sys.stdout = _PipeSafe(stdout)
    try:
        return run(args)
    finally:
        if isinstance(sys.stdout, _PipeSafe):
            sys.stdout.flush()
            sys.stdout = stdout


if __name__ == "__main__":
    sys.exit(main())

"""The ``glassgrad explain`` subcommand, and the report ``glassgrad train`` writes to a run.

    glassgrad explain trace                       # Matt Mazur's 2-2-2 backprop example
    glassgrad explain trace --format markdown --precision 9
    glassgrad explain graph "cos(sin(x**2) + 3*x**2)" --at x=1.5 --dot graph.dot
    glassgrad explain diagnose runs/first         # health report of a finished run

The lead wires ``add_parser`` and ``run`` into ``glassgrad.cli``; ``write_report`` is for the
train command's run folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

EPILOG = """\
actions:
  trace     one forward and backward pass of a small network, per example and neuron:
            z, a, ∂a/∂z, ∂E/∂a, δ, and per weight δ·a, ∂E/∂w and w − η·∂E/∂w.
            --example mazur     Matt Mazur's 2-2-2 sigmoid network (halved SSE, η = 0.5)
            --example softmax   the same inputs with a softmax output and cross-entropy
  graph     the computation graph of an expression: every node's value, local derivatives
            and gradient. Names: variables given with --at; functions sin cos tan exp log
            sqrt tanh sigmoid relu abs.
  diagnose  load a run folder written by 'glassgrad train' (config.toml, weights.npz,
            history.json), print the diagnosis and write diagnosis.md/.json (and, with
            matplotlib, layer_dynamics.png) into it (or --out).

exit status: 0 success, 2 bad input."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``explain`` subcommand (with its help) to an argparse ``subparsers``."""
    p = subparsers.add_parser(
        "explain", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="glass box: backprop tables, computation graphs, run diagnosis",
        description="Show what the framework computes, as a textbook writes it.",
        epilog=EPILOG)
    p.add_argument("action", choices=("trace", "graph", "diagnose"), help="what to explain")
    p.add_argument("target", nargs="?", metavar="EXPR|RUN_DIR",
                   help="graph: the expression; diagnose: the run folder")
    p.add_argument("--example", choices=("mazur", "softmax"), default="mazur",
                   help="trace: the built-in example (default mazur)")
    p.add_argument("--at", action="append", default=[], metavar="NAME=VALUE",
                   help="graph: a variable's value (repeatable), e.g. --at x=1.5")
    p.add_argument("--format", choices=("text", "markdown", "html"), default="text",
                   help="table format (default text)")
    p.add_argument("--precision", type=int, default=None, metavar="N",
                   help="decimals shown (default 4; trace of mazur: 9)")
    p.add_argument("--numbering", choices=("global", "layer"), default="global",
                   help="trace: number neurons globally (inputs first) or per layer")
    p.add_argument("--dot", metavar="FILE", help="graph: also write Graphviz DOT to FILE")
    p.add_argument("--image", metavar="FILE", help="graph: also draw it (matplotlib) to FILE")
    p.add_argument("--out", metavar="DIR", help="diagnose: write the report here")
    p.add_argument("--no-plots", action="store_true", help="diagnose: do not draw plots")
    return p


def _render(obj, args, default_precision=4) -> str:
    p = default_precision if args.precision is None else args.precision
    return {"text": obj.to_text, "markdown": obj.to_markdown, "html": obj.to_html}[
        args.format](p)


def example_model(which: str = "mazur"):
    """(model, x, y, loss, lr) of a built-in example, float64."""
    from .. import nn, no_grad

    last = [nn.Sigmoid()] if which == "mazur" else []
    m = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), *last).double()
    with no_grad():
        m[0].weight.data[...] = [[.15, .20], [.25, .30]]
        m[0].bias.data[...] = .35
        m[2].weight.data[...] = [[.40, .45], [.50, .55]]
        m[2].bias.data[...] = .60
    if which == "mazur":
        return m, [[0.05, 0.10]], [[0.01, 0.99]], "sse", 0.5
    return m, [[0.05, 0.10]], [[0.0, 1.0]], "cross_entropy", 0.5


def _graph(args) -> int:
    import numpy as np

    from .. import functional as F
    from .. import tensor
    from .graph import graph

    if not args.target:
        raise ValueError("graph needs an expression, e.g. glassgrad explain graph "
                         "'cos(sin(x**2) + 3*x**2)' --at x=1.5")
    env = {name: getattr(F, name) for name in
           ("sin", "cos", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs")}
    env["tan"] = lambda t: F.sin(t) / F.cos(t)
    variables = {}
    for item in args.at:
        name, _, value = item.partition("=")
        if not name.isidentifier() or not value:
            raise ValueError(f"--at {item!r}: expected NAME=VALUE, e.g. --at x=1.5")
        variables[name] = tensor(float(value), dtype=np.float64, requires_grad=True)
    # NOTE: eval with no builtins and only math functions and the given variables.
    out = eval(compile(args.target, "<expr>", "eval"), {"__builtins__": {}},  # noqa: S307
               {**env, **variables})
    g = graph(out, names={**variables, "out": out})
    print(_render(g, args))
    if args.dot:
        with open(args.dot, "w") as f:
            f.write(g.to_dot())
    if args.image:
        from ..viz import draw_graph

        draw_graph(g, save=args.image)
    return 0


def _load_run(run_dir: str):
    """(model, (x, y), history, loss) rebuilt from a ``glassgrad train`` run folder."""
    from .. import manual_seed
    from ..train.build import build_model, load_data, split_data
    from ..train.checkpoint import load_weights
    from ..train.compile import is_class_index_loss, resolve_loss
    from ..train.config import load_config

    cfg_path = os.path.join(run_dir, "config.toml")
    if not os.path.isfile(cfg_path):
        raise ValueError(f"{run_dir!r} is not a run folder: no config.toml (run 'glassgrad "
                         "train --out DIR' first).")
    config = load_config(cfg_path)
    manual_seed(config["seed"])
    loss = resolve_loss(config["train"]["loss"])
    X, y = load_data(config["data"], config["seed"])
    classification = is_class_index_loss(loss)
    y = y.astype("int64") if classification and y.ndim == 1 else y.astype("float32").reshape(
        len(y), -1)
    parts = split_data(X, y, config["data"], config["seed"], classification)
    model, _ = build_model(config["model"]["layers"], int(X[0].size))
    load_weights(model, os.path.join(run_dir, "weights.npz"))
    history = None
    hist_path = os.path.join(run_dir, "history.json")
    if os.path.isfile(hist_path):
        with open(hist_path) as f:
            raw = json.load(f).get("history", {})
        history = {k: [math.nan if v is None else v for v in vals] for k, vals in raw.items()}
    return model, parts["train"], history, loss


def write_report(run_dir, model, data, history=None, loss=None, plots: bool = True):
    """Write ``diagnosis.md``, ``diagnosis.json`` and ``layer_stats.md`` (and with matplotlib
    ``layer_dynamics.png``) into ``run_dir``; returns the ``Report``.

    Args:
        data: (x, y) (training data; at most 512 samples are used).
        history: History or dict of lists; loss: as in ``diagnose`` (a loss module works).
    """
    from .diagnose import diagnose

    os.makedirs(run_dir, exist_ok=True)
    report = diagnose(model, data, history=history, loss=loss)
    with open(os.path.join(run_dir, "diagnosis.md"), "w") as f:
        f.write(report.to_markdown() + "\n")
    with open(os.path.join(run_dir, "diagnosis.json"), "w") as f:
        json.dump({"ok": report.ok, "findings": report.findings}, f, indent=2, default=float)
    with open(os.path.join(run_dir, "layer_stats.md"), "w") as f:
        f.write(report.stats.to_markdown() + "\n")
    if plots:
        try:
            from ..viz import plot_layer_dynamics

            plot_layer_dynamics(report.stats, save=os.path.join(run_dir, "layer_dynamics.png"))
        except ImportError:
            pass
    return report


def run(args) -> int:
    """Execute ``glassgrad explain``; returns the exit status (2 on bad input)."""
    from ..errors import GlassgradError

    try:
        if args.action == "trace":
            from .trace import trace

            model, x, y, loss, lr = example_model(args.example)
            t = trace(model, x, y, loss=loss, lr=lr, numbering=args.numbering)
            print(_render(t, args, 9))
            return 0
        if args.action == "graph":
            return _graph(args)
        if not args.target:
            raise ValueError("diagnose needs a run folder: glassgrad explain diagnose RUN_DIR")
        model, data, history, loss = _load_run(args.target)
        report = write_report(args.out or args.target, model, data, history, loss,
                              plots=not args.no_plots)
        print(_render(report, args))
        return 0
    except (GlassgradError, ValueError, OSError, KeyError, SyntaxError, NameError,
            TypeError) as exc:
        print(f"glassgrad explain {args.action}: error: {exc}", file=sys.stderr)
        return 2

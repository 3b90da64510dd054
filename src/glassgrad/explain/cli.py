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
import ast
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
            sqrt tanh sigmoid relu abs; operators + - * / **.
  diagnose  load a run folder written by 'glassgrad train' (config.toml, weights.npz,
            history.json), print the diagnosis and write diagnosis.md/.json (and, with
            matplotlib, layer_dynamics.png) into it (or --out). It judges the weights the
            run kept (the restored best epoch's after early stopping) and says so.

Each action refuses options that do not apply to it (e.g. --dot for trace).

exit status: 0 success, 2 bad input."""

# options each action takes (argparse dest names; "target" is the positional argument)
ACTION_OPTIONS = {
    "trace": {"example", "numbering", "format", "precision"},
    "graph": {"target", "at", "dot", "image", "format", "precision"},
    "diagnose": {"target", "out", "no_plots", "format", "precision"},
}
OPTION_FLAGS = {"target": "EXPR|RUN_DIR", "example": "--example", "at": "--at", "dot": "--dot",
                "image": "--image", "out": "--out", "no_plots": "--no-plots",
                "numbering": "--numbering", "format": "--format", "precision": "--precision"}
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs")


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
    p.add_argument("--example", choices=("mazur", "softmax"), default=None,
                   help="trace: the built-in example (default mazur)")
    p.add_argument("--at", action="append", default=None, metavar="NAME=VALUE",
                   help="graph: a variable's value (repeatable), e.g. --at x=1.5")
    p.add_argument("--format", choices=("text", "markdown", "html"), default=None,
                   help="table format (default text)")
    p.add_argument("--precision", type=int, default=None, metavar="N",
                   help="decimals shown (default 4; trace of mazur: 9)")
    p.add_argument("--numbering", choices=("global", "layer"), default=None,
                   help="trace: number neurons globally (inputs first) or per layer")
    p.add_argument("--dot", metavar="FILE", help="graph: also write Graphviz DOT to FILE")
    p.add_argument("--image", metavar="FILE", help="graph: also draw it (matplotlib) to FILE")
    p.add_argument("--out", metavar="DIR", help="diagnose: write the report here")
    p.add_argument("--no-plots", action="store_true", help="diagnose: do not draw plots")
    return p


def _render(obj, args, default_precision=4) -> str:
    p = default_precision if args.precision is None else args.precision
    return {"text": obj.to_text, "markdown": obj.to_markdown, "html": obj.to_html}[
        args.format or "text"](p)


def check_options(args) -> None:
    """Refuse options the action ignores, naming them (ValueError)."""
    given = [k for k in OPTION_FLAGS if getattr(args, k, None) not in (None, False, [])]
    extra = [k for k in given if k not in ACTION_OPTIONS[args.action]]
    if extra:
        names = ", ".join(OPTION_FLAGS[k] if k != "target" else
                          f"the argument {getattr(args, k)!r}" for k in extra)
        allowed = ", ".join(OPTION_FLAGS[k] for k in sorted(ACTION_OPTIONS[args.action])
                            if k != "target")
        raise ValueError(f"{names} does not apply to '{args.action}' (it takes {allowed}"
                         + (", and no positional argument" if args.action == "trace" else "")
                         + ").")
    if args.precision is not None and not 0 <= args.precision <= 17:
        raise ValueError(f"--precision {args.precision}: choose 0 to 17 decimals.")


_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


def _check_expression(text: str, variables) -> None:
    """Allow only numbers, the --at variables, + - * / ** and calls of FUNCTIONS."""
    allowed = f"allowed functions: {', '.join(FUNCTIONS)}; operators + - * / **"
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise ValueError(f"EXPR {text!r} is not a valid expression ({e.msg}); {allowed}.") \
            from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS) or \
                    node.keywords or len(node.args) != 1:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(
                    node.func)
                raise ValueError(f"EXPR: {name}(...) is not an allowed function call; "
                                 f"{allowed} (one argument each).")
        elif isinstance(node, ast.Name):
            if node.id not in FUNCTIONS and node.id not in variables:
                given = ", ".join(variables) or "none"
                raise ValueError(f"EXPR: unknown name {node.id!r}; give each variable a value "
                                 f"with --at {node.id}=VALUE (given: {given}); {allowed}.")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ValueError(f"EXPR: {node.value!r} is not a number; {allowed}.")
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Load, *_OPS)):
            raise ValueError(f"EXPR: {type(node).__name__} ({ast.unparse(node)!r}) is not "
                             f"allowed; {allowed}.")


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
    env = {name: getattr(F, name) for name in FUNCTIONS if name != "tan"}
    env["tan"] = lambda t: F.sin(t) / F.cos(t)
    variables = {}
    for item in args.at or []:
        name, _, value = item.partition("=")
        if not name.isidentifier() or name in FUNCTIONS or not value:
            raise ValueError(f"--at {item!r}: expected NAME=VALUE with a variable name that is "
                             "not a function, e.g. --at x=1.5")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"--at {item!r}: VALUE {value!r} is not a number.") from None
        variables[name] = tensor(number, dtype=np.float64, requires_grad=True)
    _check_expression(args.target, variables)
    # NOTE: the AST was checked above: only numbers, the variables, arithmetic and FUNCTIONS.
    out = eval(compile(args.target, "<expr>", "eval"), {"__builtins__": {}},  # noqa: S307
               {**env, **variables})
    if not hasattr(out, "backward"):
        raise ValueError(f"EXPR {args.target!r} does not depend on any --at variable.")
    g = graph(out, names={**variables, "out": out})
    print(_render(g, args))
    if args.dot:
        from ..io.atomic import atomic_write_text

        atomic_write_text(args.dot, g.to_dot())
    if args.image:
        from ..viz import draw_graph

        draw_graph(g, save=args.image)
    return 0


def run_context(config: dict) -> dict:
    """What a run already did, from its config: so remedies never recommend it again."""
    es = config.get("callbacks", {}).get("early_stopping")
    layers = config.get("model", {}).get("layers", [])
    return {"early_stopping": es is not None,
            "restore_best_weights": bool(es is not None and es.get("restore_best_weights", True)),
            "weight_decay": float(config.get("optimizer", {}).get("weight_decay", 0) or 0)
            or str(config.get("optimizer", {}).get("name", "")).lower() == "adamw",
            "dropout": any(str(layer.get("type", "")).startswith("Dropout") for layer in layers)}


def _load_run(run_dir: str):
    """(model, (x, y), history, loss, context) rebuilt from a ``glassgrad train`` run folder."""
    from ..train.checkpoint import load_weights
    from ..train.config import load_config
    from ..train.prepare import prepare

    cfg_path = os.path.join(run_dir, "config.toml")
    if not os.path.isfile(cfg_path):
        raise ValueError(f"{run_dir!r} is not a run folder: no config.toml (run 'glassgrad "
                         "train --out DIR' first).")
    run = prepare(load_config(cfg_path))
    weights = os.path.join(run_dir, "weights.npz")
    if not os.path.isfile(weights):
        raise ValueError(f"{run_dir!r} holds no weights.npz (the run failed before its first "
                         "good epoch; see summary.json).")
    load_weights(run.model, weights)
    history = None
    hist_path = os.path.join(run_dir, "history.json")
    if os.path.isfile(hist_path):
        with open(hist_path) as f:
            raw = json.load(f)
        history = {k: [math.nan if v is None else v for v in vals]
                   for k, vals in raw.get("history", {}).items()}
        history = {"history": history, **{k: raw.get(k) for k in (
            "epoch", "restored_epoch", "stop_reason", "status")}}
    return run.model, run.parts["train"], history, run.loss, run_context(run.config)


def write_report(run_dir, model, data, history=None, loss=None, plots: bool = True,
                 context=None):
    """Write ``diagnosis.md``, ``diagnosis.json`` and ``layer_stats.md`` (and with matplotlib
    ``layer_dynamics.png``) into ``run_dir``; returns the ``Report``.

    Args:
        data: (x, y) (training data; at most 512 samples are used).
        history: History or dict of lists; loss: as in ``diagnose`` (a loss module works).
        context: what the run already did (see ``run_context``), for the remedies.
    """
    from ..io.atomic import atomic_write_text
    from .diagnose import diagnose

    os.makedirs(run_dir, exist_ok=True)
    report = diagnose(model, data, history=history, loss=loss, context=context)
    atomic_write_text(os.path.join(run_dir, "diagnosis.md"), report.to_markdown() + "\n")
    atomic_write_text(os.path.join(run_dir, "diagnosis.json"), json.dumps(
        {"ok": report.ok, "judged": report.judged, "findings": report.findings}, indent=2,
        default=float) + "\n")
    atomic_write_text(os.path.join(run_dir, "layer_stats.md"),
                      report.stats.to_markdown() + "\n")
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
        check_options(args)
        if args.action == "trace":
            from .trace import trace

            model, x, y, loss, lr = example_model(args.example or "mazur")
            t = trace(model, x, y, loss=loss, lr=lr, numbering=args.numbering or "global")
            print(_render(t, args, 9))
            return 0
        if args.action == "graph":
            return _graph(args)
        if not args.target:
            raise ValueError("diagnose needs a run folder: glassgrad explain diagnose RUN_DIR")
        model, data, history, loss, context = _load_run(args.target)
        report = write_report(args.out or args.target, model, data, history, loss,
                              plots=not args.no_plots, context=context)
        print(_render(report, args))
        return 0
    except (GlassgradError, ValueError, OSError, KeyError, SyntaxError, NameError,
            TypeError, ArithmeticError) as exc:
        text = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
        print(f"glassgrad explain {args.action}: error: {text}".splitlines()[0],
              file=sys.stderr)
        return 2

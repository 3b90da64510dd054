"""``glassgrad export RUN_DIR --onnx model.onnx``: a trained run folder's model as ONNX.

The lead wires ``add_parser`` and ``run`` into ``glassgrad.cli``.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``export`` subcommand to an argparse ``subparsers``."""
    p = subparsers.add_parser(
        "export", help="export a trained run's model (ONNX)",
        description="Rebuild the model of a run folder written by 'glassgrad train' "
                    "(config.toml + weights.npz) and write it as an ONNX file that runs in "
                    "onnxruntime. Needs the onnx package (pip install 'glassgrad[onnx]').",
        epilog="exit status: 0 success, 2 bad input.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run folder")
    p.add_argument("--onnx", required=True, metavar="FILE", help="the .onnx file to write")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    p.add_argument("--fixed-batch", action="store_true",
                   help="fix the batch size to 1 (default: a symbolic batch dim)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing FILE")
    return p


def run(args) -> int:
    """Execute ``glassgrad export``; returns the exit status (2 on bad input)."""
    import os

    from ..errors import GlassgradError

    try:
        if os.path.exists(args.onnx) and not args.overwrite:
            raise ValueError(f"{args.onnx!r} exists; pass --overwrite to replace it.")
        from ..explain.cli import _load_run
        from . import export

        model, (x, _), *_ = _load_run(args.run_dir)
        proto = export(model, x[:1], args.onnx, opset=args.opset,
                       dynamic_batch=not args.fixed_batch)
        shape = [d.dim_param or d.dim_value
                 for d in proto.graph.input[0].type.tensor_type.shape.dim]
        print(f"wrote {args.onnx}: input {proto.graph.input[0].name} {shape}, "
              f"{len(proto.graph.node)} nodes, opset {args.opset}")
        return 0
    except (GlassgradError, ValueError, OSError, KeyError, ImportError) as exc:
        print(f"glassgrad export: error: {exc}", file=sys.stderr)
        return 2

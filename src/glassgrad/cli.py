"""The ``glassgrad`` command."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glassgrad", description=__doc__)
    parser.add_argument("--version", action="version", version="glassgrad 0.1.0")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    del args
    return 0


if __name__ == "__main__":
    sys.exit(main())

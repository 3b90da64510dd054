"""``python -m glassgrad ...`` runs the ``glassgrad`` command (same as the console script)."""

from .cli import main

if __name__ == "__main__":  # NOTE: a guard, so tools that import every module (docs) do not run it
    raise SystemExit(main())

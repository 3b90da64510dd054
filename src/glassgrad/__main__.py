"""``python -m glassgrad ...`` runs the ``glassgrad`` command (same as the console script)."""

from .cli import main

raise SystemExit(main())

"""The live view's command-line parts: ``glassgrad report`` and ``glassgrad train --live``.

    glassgrad train --live                 # the default moons run, live at 127.0.0.1:<port>
    glassgrad train run.toml --live --port 8765
    glassgrad report runs/my-run -o my-run.html

``glassgrad train`` records snapshots for the report in every run (``live.json``, at most 3% of
the training time); with ``--live`` the same recorder also serves them while training runs.
"""

from __future__ import annotations

import os
import sys
import time


def add_train_flags(train) -> None:
    """``--live`` and ``--port`` for ``glassgrad train``."""
    train.add_argument("--live", action="store_true",
                       help="watch training in the browser: serves a live view on 127.0.0.1 "
                            "(address printed); training starts when you press Run on the "
                            "page; the page stays up after training until Ctrl-C")
    train.add_argument("--port", type=int, default=0, metavar="N",
                       help="port of the live view (default: a free one)")


def add_parser(sub) -> None:
    """The ``report`` subcommand."""
    report = sub.add_parser(
        "report", help="write a self-contained HTML report of a run (opens offline)",
        description="Write one HTML file with everything inline (script, styles, data) that "
                    "shows a run as the live view did: the network with its weights, each "
                    "neuron's output, the decision boundary or feature maps, loss curves, "
                    "layer statistics, the diagnosis and the per-neuron trace tables, with a "
                    "slider over the snapshots recorded during training (live.json).")
    report.add_argument("run_dir", metavar="RUN_DIR",
                        help="a run folder written by 'glassgrad train' (or a live.json)")
    report.add_argument("-o", "--out", metavar="FILE",
                        help="the HTML file to write (default: RUN_DIR/report.html)")
    report.add_argument("--debug", action="store_true", help="show the full traceback on errors")


def run(args) -> int:
    """``glassgrad report``: write the file and print where it is."""
    from ..errors import GlassgradError
    from .report import write_report

    try:
        path = write_report(args.run_dir, args.out)
    except (GlassgradError, OSError) as exc:
        if args.debug:
            raise
        print(f"glassgrad report: error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    size = os.path.getsize(path)
    print(f"report: {path} ({size / 1e6:.1f} MB; open it in a browser, no network needed)")
    return 0


def train_callbacks(args, out: str, title: str | None = None) -> list:
    """The callbacks ``glassgrad train`` adds: a recorder for the report, or with ``--live``
    a live view that also records."""
    from .liveview import LiveView
    from .recorder import SnapshotRecorder

    if not getattr(args, "live", False):
        return [SnapshotRecorder(out)]
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port {args.port}: a port is 0 (any free one) to 65535.")
    try:
        view = LiveView(port=args.port, path=out, start_paused=True,
                        title=title or os.path.basename(os.path.abspath(out)))
    except OSError as exc:
        raise OSError(f"--port {args.port}: cannot serve the live view there ({exc.strerror}); "
                      "choose another port or leave --port out for a free one.") from None
    return [view]


def after_train(callbacks, wait: bool = True) -> None:
    """With ``--live``: keep the page up after training until Ctrl-C."""
    from .liveview import LiveView

    views = [cb for cb in callbacks if isinstance(cb, LiveView)]
    if not views:
        return
    try:
        print(f"live view: training finished; the page stays up at {views[0].url} "
              "(Ctrl-C to quit)", flush=True)
        while wait:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for v in views:
            v.close()

"""The live glass box: watch any glassgrad model learn in the browser, and a static report.

    from glassgrad import train
    train.fit(model, loss, opt, train=(X, y), epochs=200, callbacks=[train.LiveView()])
    # glassgrad train run.toml --live        the same from the command line
    # glassgrad report runs/my-run           one self-contained HTML file (works offline)

``SnapshotRecorder`` records snapshots of a fixed probe batch for the report (``glassgrad
train`` adds one to every run: ``live.json`` in the run folder); ``LiveView`` is a recorder
that also serves them, live, on 127.0.0.1. The numbers come from ``glassgrad.explain``.
"""

from .liveview import LiveView  # noqa: F401
from .recorder import FILENAME, SnapshotRecorder  # noqa: F401
from .report import write_report  # noqa: F401
from .snapshot import Snapshotter, probe_batch  # noqa: F401

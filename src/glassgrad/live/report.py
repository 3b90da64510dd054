"""``write_report``: one self-contained HTML file from the snapshots a run recorded.

    glassgrad report runs/moons                   # -> runs/moons/report.html
    glassgrad report runs/moons -o ~/moons.html

The script, the styles and the data are inline: the file opens in any browser with no
network and no server, and shows the live view's panels with a slider over the snapshots.
"""

from __future__ import annotations

import json
import os

from ..errors import GlassgradError
from .observe import jsonable
from .page import render_page
from .recorder import FILENAME
from .snapshot import FORMAT


class ReportError(GlassgradError, ValueError):
    """The run folder has no recording the report can read."""


def load_recording(run_dir) -> dict:
    """The recording (``live.json``) of a run folder, or a file path to one, checked."""
    path = os.fspath(run_dir)
    if os.path.isdir(path):
        path = os.path.join(path, FILENAME)
    if not os.path.exists(path):
        raise ReportError(
            f"report: {path!r} does not exist. Runs of 'glassgrad train' record it by default; "
            "in Python add live.SnapshotRecorder(path) (or train.LiveView(path=...)) to fit's "
            "callbacks.")
    try:
        with open(path, encoding="utf-8") as f:
            rec = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"report: cannot read {path!r}: {exc}.") from None
    if not isinstance(rec, dict) or rec.get("format") != FORMAT or not rec.get("snapshots"):
        raise ReportError(f"report: {path!r} is not a glassgrad live recording "
                          f"(expected format {FORMAT!r} with snapshots).")
    return rec


def write_report(run_dir, out=None, title: str | None = None) -> str:
    """Write the report of ``run_dir`` (a run folder or a ``live.json``) to ``out`` (default:
    ``report.html`` beside the recording) and return its path.

    The run's ``summary.json`` and ``config.toml`` are shown when present."""
    from ..io.atomic import atomic_write_bytes

    rec = load_recording(run_dir)
    folder = os.fspath(run_dir) if os.path.isdir(run_dir) else os.path.dirname(
        os.path.abspath(run_dir))
    for name, key in (("summary.json", "summary"), ("config.toml", "config")):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                text = f.read()
            try:  # NOTE: summary.json may hold NaN (a failed run); JSON for the page has none
                rec[key] = jsonable(json.loads(text)) if name.endswith(".json") else text
            except json.JSONDecodeError:
                pass
    title = title or os.path.basename(os.path.abspath(folder)) or "run"
    rec["title"] = title
    out = os.fspath(out) if out is not None else os.path.join(folder, "report.html")
    if os.path.isdir(out):
        raise ReportError(f"report: -o {out!r} is a folder; give a file name such as "
                          "report.html.")
    atomic_write_bytes(out, render_page("report", rec, f"report · {title}").encode("utf-8"))
    return out

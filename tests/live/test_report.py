"""``glassgrad report`` and ``glassgrad train --live`` from the command line, and the report
file: self-contained (nothing fetched), its data the recording's, safe against markup."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from glassgrad import cli, live, nn, optim, train
from glassgrad.live.page import embed_json, render_page

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")


def _data(html: str):
    m = re.search(r'<script id="gg-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_train_records_and_report_is_self_contained(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "--out", str(out), "--epochs", "4", "--verbose", "0",
                     "--no-plots"]) == 0
    rec = json.loads((out / "live.json").read_text())
    assert rec["format"] == "glassgrad-live/1" and rec["snapshots"][0]["epoch"] == 0
    hist = json.loads((out / "history.json").read_text())
    assert rec["history"]["loss"] == pytest.approx(hist["history"]["loss"]
                                                   if "history" in hist else hist["loss"])
    capsys.readouterr()
    assert cli.main(["report", str(out), "-o", str(tmp_path / "r.html")]) == 0
    assert "r.html" in capsys.readouterr().out
    html = (tmp_path / "r.html").read_text()
    # nothing to fetch: no external script, style, image or connection
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(?!data:)', html)
    assert "EventSource(" in html  # the live code is there, but the page runs in report mode
    assert 'data-mode="report"' in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org', "").replace('"http://www.w3.org/2000/svg"', "")
    data = _data(html)
    assert data["snapshots"] == rec["snapshots"] and data["meta"] == rec["meta"]
    assert data["summary"]["status"] == "completed"
    # default output path
    assert cli.main(["report", str(out)]) == 0 and (out / "report.html").exists()


def test_report_errors(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "live.json" in capsys.readouterr().err
    (tmp_path / "live.json").write_text("{not json")
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "live.json").write_text('{"format": "other"}')
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "not a glassgrad live recording" in capsys.readouterr().err


def test_markup_in_the_data_cannot_break_out():
    evil = {"title": "</script><script>alert(1)</script><!--", "x": "\u2028"}
    text = embed_json(evil)
    assert "<" not in text and json.loads(text) == evil
    page = render_page("report", {"meta": {"model": "{{script}}"}}, "a <b> & {{data}}")
    assert "a &lt;b&gt; &amp; {{data}}" in page  # the title is escaped, not expanded
    assert _data(page) == {"meta": {"model": "{{script}}"}}


def test_fit_liveview_records_for_the_report(tmp_path):
    from glassgrad.data.synthetic import make_moons

    x, y = make_moons(80, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Sigmoid())
    view = train.LiveView(path=tmp_path, echo=None)
    try:
        train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.3),
                  train=(x.astype("float32"), y.astype("float32")), epochs=2, verbose=0,
                  callbacks=[view])
    finally:
        view.close()
    (tmp_path / "summary.json").write_text('{"status": "failed", "loss": NaN}')
    path = live.write_report(tmp_path)
    data = _data(open(path).read())
    assert data["snapshots"][-1]["epoch"] == 2 and data["summary"]["loss"] == "NaN"


def test_train_live_cli(tmp_path):
    """The learner's path: glassgrad train --live prints the address, waits for Run, trains,
    keeps the page up, and Ctrl-C ends it cleanly."""
    env = dict(os.environ, PYTHONPATH=SRC)
    p = subprocess.Popen([sys.executable, "-m", "glassgrad", "train", "--live", "--epochs", "3",
                          "--out", str(tmp_path / "run"), "--verbose", "0", "--no-plots"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = None
        for line in p.stdout:
            if line.startswith("live view: http://127.0.0.1:"):
                url = line.split()[2]
                break
        assert url, p.stderr.read()
        for _ in range(600):  # the address is printed before the data is made
            state = json.load(urllib.request.urlopen(url + "state", timeout=10))
            if state["status"]["state"] != "starting":
                break
            time.sleep(0.05)
        assert state["status"]["state"] == "paused" and state["status"]["step"] == 0
        req = urllib.request.Request(url + "control", data=b'{"action": "resume"}',
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
        for line in p.stdout:
            if "training finished" in line:
                break
        state = json.load(urllib.request.urlopen(url + "state", timeout=10))
        assert state["status"]["state"] == "finished" and len(state["epochs"]) >= 1
        p.send_signal(signal.SIGINT)
        assert p.wait(30) == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
    assert (tmp_path / "run" / "live.json").exists()


def test_port_flag_errors(tmp_path, capsys):
    assert cli.main(["train", "--live", "--port", "70000", "--out", str(tmp_path / "r"),
                     "--verbose", "0"]) == 2
    assert "--port 70000" in capsys.readouterr().err

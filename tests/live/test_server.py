"""The live view's server over real HTTP on the loopback: routes, server-sent events, the
controls (pause, single-step, resume, sample), and what it refuses (other runs' tokens, foreign
Host/Origin, path traversal)."""

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

import numpy as np
import pytest

from glassgrad import nn, optim, train
from glassgrad.data.synthetic import make_moons


def _wait(cond, timeout=30.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Run:
    """A short training in a thread, watched by a LiveView that starts paused."""

    def __init__(self, epochs=3, **kw):
        x, y = make_moons(120, noise=0.1, seed=0)
        self.model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
        self.view = train.LiveView(echo=None, start_paused=True, **kw)
        u = urlsplit(self.view.url)
        self.host, self.port, self.base = u.hostname, u.port, u.path
        self.error = None

        def go():
            try:
                train.fit(self.model, nn.BCELoss(), optim.SGD(self.model.parameters(), lr=0.5),
                          train=(x.astype(np.float32), y.astype(np.float32)), epochs=epochs,
                          batch_size=30, verbose=0, callbacks=[self.view])
            except BaseException as exc:  # pragma: no cover - reported by the test
                self.error = exc

        self.thread = threading.Thread(target=go, daemon=True)
        self.thread.start()

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        hdrs = {"Host": f"127.0.0.1:{self.port}"}
        hdrs.update(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def state(self):
        status, data = self.request("GET", self.base + "state")
        assert status == 200
        return json.loads(data)

    def control(self, action, value=None):
        status, data = self.request("POST", self.base + "control",
                                    {"action": action, "value": value})
        assert status == 200, data
        return json.loads(data)

    def close(self):
        self.control("resume")
        self.thread.join(30)
        self.view.close()


@pytest.fixture
def run():
    r = Run()
    yield r
    if r.thread.is_alive():
        r.control("resume")
        r.thread.join(30)
    r.view.close()


def test_bound_to_loopback_and_page_and_assets(run):
    assert run.view.server.httpd.server_address[0] == "127.0.0.1"
    status, page = run.request("GET", run.base)
    assert status == 200 and b'id="network"' in page and b'src="app.js"' in page
    for name, marker in (("draw.js", b"window.GG"), ("app.js", b"EventSource"),
                         ("app.css", b".neuron")):
        status, body = run.request("GET", run.base + name)
        assert status == 200 and marker in body


def test_pause_step_resume_and_sample(run):
    _wait(lambda: run.state()["status"]["state"] == "paused", what="the paused start")
    s = run.state()
    assert s["meta"]["columns"][1]["units"] == 4 and s["snapshot"]["step"] == 0
    time.sleep(0.3)
    assert run.state()["status"]["step"] == 0  # paused: no batch runs
    run.control("step")
    _wait(lambda: run.state()["status"]["step"] == 1 and run.state()["status"]["state"] ==
          "paused", what="one step")
    time.sleep(0.3)
    st = run.state()
    assert st["status"]["step"] == 1 and st["snapshot"]["step"] == 1  # exactly one batch
    run.control("sample", 5)
    _wait(lambda: run.state()["snapshot"]["sample"] == 5, what="the new sample's snapshot")
    snap = run.state()["snapshot"]
    assert snap["trace"]["neurons"][0]["a"] == pytest.approx(
        float(snap["columns"][0]["values"][0]), rel=1e-5)  # the trace is of sample 5
    run.control("resume")
    run.thread.join(30)
    assert run.error is None and not run.thread.is_alive()
    st = run.state()
    assert st["status"]["state"] == "finished" and len(st["epochs"]) == 3
    assert st["status"]["step"] == 12  # 3 epochs × 4 batches
    # after training the model is idle: a sample request is answered at once
    run.control("sample", 2)
    assert run.state()["snapshot"]["sample"] == 2
    assert "outside the probe" in run.control("sample", 10_000)["error"]
    assert run.state()["snapshot"]["sample"] == 2


def test_server_sent_events(run):
    conn = http.client.HTTPConnection(run.host, run.port, timeout=10)
    conn.request("GET", run.base + "events", headers={"Host": f"127.0.0.1:{run.port}"})
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Type") == "text/event-stream"
    run.control("resume")
    events = []
    while "snapshot" not in events or "epoch" not in events:
        line = r.fp.readline().decode()
        if line.startswith("event: "):
            events.append(line[7:].strip())
        elif line.startswith("data: ") and events[-1] in ("meta", "snapshot", "epoch"):
            json.loads(line[6:])
    assert events[0] == "meta"
    conn.close()


def test_controls_act_only_on_their_own_run(run):
    other = Run()
    try:
        # the other run's token on this server, and this run's token on the other server
        for r, base in ((run, other.base), (other, run.base)):
            status, _ = r.request("POST", base + "control", {"action": "resume"})
            assert status == 403
            status, _ = r.request("GET", base + "state")
            assert status == 403
        time.sleep(0.3)
        assert run.state()["status"]["state"] == "paused"
        assert other.state()["status"]["state"] == "paused"
    finally:
        other.close()


@pytest.mark.parametrize("headers, body, code", [
    ({"Host": "evil.example:80"}, {"action": "resume"}, 403),          # DNS rebinding
    ({"Origin": "http://evil.example"}, {"action": "resume"}, 403),    # cross-site page
    ({"Content-Type": "text/plain"}, b'{"action": "resume"}', 415),    # a form can send this
    ({}, {"action": "rm -rf"}, 400),
    ({}, {"action": "sample", "value": "x"}, 400),
])
def test_refused_requests(run, headers, body, code):
    status, _ = run.request("POST", run.base + "control", body, headers)
    assert status == code
    time.sleep(0.2)
    assert run.state()["status"]["state"] == "paused"


@pytest.mark.parametrize("path", [
    "/", "/etc/passwd", "//etc/passwd", "/run/", "/run/{tok}/../../pyproject.toml",
    "/run/{tok}/%2e%2e/%2e%2e/pyproject.toml", "/run/{tok}/..%2f..%2fpyproject.toml",
    "/run/{tok}/page.html", "/run/{tok}/__init__.py", "/run/{tok}/assets/app.js",
    "/run/{tok}/app.js/../../../../etc/passwd", "/run/{tok}/state/../../x",
    "/run/../run/{tok}/../../../etc/passwd", "/run/{tok}/%00app.js",
])
def test_path_traversal_serves_nothing_else(run, path):
    token = run.base.split("/")[2]
    status, body = run.request("GET", path.format(tok=token))
    assert status in (403, 404)
    assert b"root:" not in body and b"[project]" not in body and b"glassgrad" not in body[:0]
    assert len(body) < 200


def test_port_option_and_busy_port():
    r = Run(epochs=1)
    try:
        with pytest.raises(OSError):
            train.LiveView(port=r.port, echo=None)
    finally:
        r.close()

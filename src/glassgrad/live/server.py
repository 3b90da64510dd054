"""The live view's web server: the standard library's ``ThreadingHTTPServer`` and server-sent
events (SSE), bound to 127.0.0.1.

NOTE: why no web framework: the page needs four routes, one-way pushes (SSE is plain HTTP
that ``EventSource`` reconnects by itself) and a POST for the controls; the standard library
does that in ~200 lines with no dependency to install, audit or keep up to date.

Routes (``<token>`` is a random per-run secret; nothing else is served)::

    GET  /run/<token>/           the page    GET /run/<token>/draw.js, app.js, app.css  its assets
    GET  /run/<token>/state      meta + latest snapshot + epoch logs + status (JSON)
    GET  /run/<token>/events     SSE: meta, epoch, snapshot, status events
    POST /run/<token>/control    {"action": "pause" | "resume" | "step" | "sample" | "delay"}

Safety: requests whose ``Host`` is not this server's loopback address are refused (DNS
rebinding); POSTs need ``Content-Type: application/json`` and, when the browser sends an
``Origin``, this server's own (cross-site pages cannot drive a run); a wrong token is 403. URL
paths are looked up in a fixed table, never joined to a file path.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .page import asset, render_page

KEEPALIVE_S = 15.0
ACTIONS = ("pause", "resume", "step", "sample", "delay")


class LiveState:
    """What the training thread publishes and the page reads, behind one condition."""

    def __init__(self):
        self.cond = threading.Condition()
        self.meta = "null"
        self.snapshot, self.snapshot_seq = "null", -1
        self.epochs: list[str] = []
        self.status = {"state": "starting", "epoch": 0, "step": 0, "delay_ms": 0}
        self.version, self.closed = 0, False
        self.commands: list[dict] = []

    def publish(self, *, meta=None, snapshot=None, epoch_logs=None, notify: bool = True,
                **status) -> None:
        """Store what is new; ``notify=False`` only stores it (the next notified publish sends
        it: epoch logs of fast epochs are batched instead of waking the page every epoch)."""
        with self.cond:
            if meta is not None:
                self.meta = json.dumps(meta, separators=(",", ":"))
            if snapshot is not None:
                self.snapshot = json.dumps(snapshot, separators=(",", ":"))
                self.snapshot_seq = snapshot["seq"]
            if epoch_logs is not None:
                self.epochs.append(json.dumps(epoch_logs, separators=(",", ":")))
            if status:
                self.status = dict(self.status, **status)
            if notify:
                self.version += 1
                self.cond.notify_all()

    def command(self, cmd: dict) -> None:
        with self.cond:
            self.commands.append(cmd)
            self.version += 1
            self.cond.notify_all()

    def take_commands(self) -> list:
        with self.cond:
            cmds, self.commands = self.commands, []
            return cmds

    def state_json(self) -> str:
        with self.cond:
            return (f'{{"meta":{self.meta},"snapshot":{self.snapshot},'
                    f'"epochs":[{",".join(self.epochs)}],"status":{json.dumps(self.status)}}}')


class _Handler(BaseHTTPRequestHandler):
    server_version = "glassgrad-live"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # NOTE: quiet: the training's console is the user's
        pass

    # ------------------------------------------------------------------ plumbing
    def _send(self, code, body: bytes = b"", ctype="text/plain; charset=utf-8"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'self' 'unsafe-inline'; "
                         "img-src 'self' data:; connect-src 'self'")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, code, text):
        self._send(code, (text + "\n").encode())

    def _route(self):
        """(kind, rest) for a path under this run's token; sends the error and returns None
        otherwise."""
        live = self.server.live
        host = self.headers.get("Host", "")
        if host not in live.allowed_hosts:
            self._error(HTTPStatus.FORBIDDEN, f"bad Host header {host!r}: the live view "
                        "answers only on its loopback address.")
            return None
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/":
            self._error(HTTPStatus.FORBIDDEN, "glassgrad live view: open the address that "
                        "glassgrad printed (it carries this run's token).")
            return None
        parts = path.split("/")
        if len(parts) != 4 or parts[1] != "run":
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return None
        if not hmac.compare_digest(parts[2].encode(), live.token.encode()):
            self._error(HTTPStatus.FORBIDDEN, "wrong token: this is not the run you opened.")
            return None
        return parts[3]

    # ------------------------------------------------------------------ GET
    def do_GET(self):
        what = self._route()
        if what is None:
            return
        live = self.server.live
        if what == "":
            self._send(200, render_page("live", None, live.title).encode(),
                       "text/html; charset=utf-8")
        elif what in ("draw.js", "app.js", "app.css"):
            ctype = "text/javascript" if what.endswith(".js") else "text/css"
            self._send(200, asset(what).encode(), ctype + "; charset=utf-8")
        elif what == "state":
            self._send(200, live.state.state_json().encode(), "application/json")
        elif what == "events":
            self._events(live.state)
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")

    do_HEAD = do_GET

    def _events(self, state: LiveState):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        sent_epochs, sent_seq, sent_status, version = 0, -2, None, -1
        try:
            while True:
                with state.cond:
                    state.cond.wait_for(lambda v=version: state.version != v or state.closed,
                                        timeout=KEEPALIVE_S)
                    version, closed = state.version, state.closed
                    out = []
                    if sent_seq == -2:
                        out.append(("meta", state.meta))
                    out += [("epoch", e) for e in state.epochs[sent_epochs:]]
                    sent_epochs = len(state.epochs)
                    if state.snapshot_seq != sent_seq:
                        out.append(("snapshot", state.snapshot))
                        sent_seq = state.snapshot_seq
                    status = json.dumps(state.status)
                    if status != sent_status:
                        out.append(("status", status))
                        sent_status = status
                chunk = "".join(f"event: {k}\ndata: {v}\n\n" for k, v in out) or ": keepalive\n\n"
                self.wfile.write(chunk.encode())
                self.wfile.flush()
                if closed:
                    return
        except (BrokenPipeError, ConnectionResetError, OSError):
            return  # the page went away

    # ------------------------------------------------------------------ POST
    def do_POST(self):
        what = self._route()
        if what is None:
            return
        live = self.server.live
        if what != "control":
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        origin = self.headers.get("Origin")
        if origin is not None and origin not in live.allowed_origins:
            self._error(HTTPStatus.FORBIDDEN, f"cross-site request from {origin!r} refused.")
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON (application/json).")
            return
        n = int(self.headers.get("Content-Length") or 0)
        try:
            cmd = json.loads(self.rfile.read(min(n, 4096)) or b"null")
            if not isinstance(cmd, dict) or cmd.get("action") not in ACTIONS:
                raise ValueError
            if cmd["action"] in ("sample", "delay"):
                cmd["value"] = int(cmd["value"])
        except (ValueError, KeyError, TypeError):
            self._error(HTTPStatus.BAD_REQUEST, f"control: send {{\"action\": one of "
                        f"{', '.join(ACTIONS)}}} (sample and delay with an integer \"value\").")
            return
        live.on_command(cmd)
        with live.state.cond:
            body = json.dumps(live.state.status)
        self._send(200, body.encode(), "application/json")


class LiveServer:
    """The server of one run: ``start()``, ``url``, ``close()``. ``on_command(cmd)`` is what
    the page's controls call (the training side sets it)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", title: str = "training"):
        self.state, self.title = LiveState(), title
        self.token = secrets.token_urlsafe(18)
        self.on_command = self.state.command
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.live = self
        self.host, self.port = host, self.httpd.server_address[1]
        names = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
        names = {f"[{n}]" if ":" in n else n for n in names}
        self.allowed_hosts = {f"{n}:{self.port}" for n in names}
        self.allowed_origins = {f"http://{h}" for h in self.allowed_hosts}
        self._thread = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/run/{self.token}/"

    def start(self) -> LiveServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.1,),
                                        name="glassgrad-live", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        with self.state.cond:
            self.state.closed = True
            self.state.cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

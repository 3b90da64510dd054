"""``LiveView``: watch a model learn in the browser while ``fit`` trains it.

    from glassgrad import train
    train.fit(model, loss, opt, train=(X, y), epochs=200, callbacks=[train.LiveView()])
    # live view: http://127.0.0.1:51234/run/Xq.../   <- open it; pause, step, resume there

A normal training callback (Keras hook names). Between batches it publishes a snapshot when
the time budget allows (at most ``budget`` = 3% of the training time, and at most every
``min_interval`` seconds), the epoch logs after every epoch, and obeys the page's controls:
pause, single-step (one batch), resume, the sample the trace shows, and a delay per batch
(slow motion). Everything touching the model runs on the training thread; the server threads
only pass messages. It also records the snapshots for the report (``path``).
"""

from __future__ import annotations

import time

from .recorder import SnapshotRecorder
from .server import LiveServer


class LiveView(SnapshotRecorder):
    """Serve a live view of training at http://127.0.0.1:PORT/run/TOKEN/.

    Args:
        port: TCP port (0: a free one, printed). host: the address to bind (loopback only by
            default; another address exposes the run to the network).
        path: also write the recording for ``glassgrad report`` there (folder or file).
        start_paused: wait for the page's Run (or resume) before the first batch.
        min_interval: seconds between live snapshots at least (default 0.25).
        echo: prints the address (``print``; None: silent, read ``.url``).
        Other keyword arguments go to ``SnapshotRecorder`` (probe, loss, every, budget, ...).

    After training the server keeps serving the final state (the page stays usable) until
    ``close()`` or the end of the program.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", path=None,
                 start_paused: bool = False, min_interval: float = 0.25, echo=print,
                 title: str = "training", **kwargs):
        super().__init__(path, **kwargs)
        self.schedule.min_interval = float(min_interval)
        self.schedule.begin()
        self.server = LiveServer(port, host, title).start()
        self.server.on_command = self._command
        self.state = self.server.state
        self.paused, self.steps_left, self.delay = bool(start_paused), 0, 0.0
        self.finished, self.epoch, self._pushed = False, 0, 0.0
        if echo is not None:
            echo(f"live view: {self.url}" + ("  (training waits for Run on the page)"
                                              if start_paused else ""))

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        """Stop the server (open pages show it as closed)."""
        self.server.close()

    # ------------------------------------------------------------------ publishing
    def _status(self, state: str | None = None, error: str | None = None) -> None:
        state = state or ("paused" if self.paused else "running")
        self._pushed = time.perf_counter()
        self.state.publish(state=state, epoch=self.epoch, step=self.step,
                           sample=self.snapshotter.sample, delay_ms=int(self.delay * 1000),
                           error=error or self.error)

    def publish(self, snap: dict) -> None:
        self.state.publish(snapshot=snap)

    # ------------------------------------------------------------------ controls
    def _command(self, cmd: dict) -> None:
        """Called by a server thread. While training runs the command is queued for the
        training thread; after it ended (the model is idle) it is applied at once."""
        if not self.finished:
            self.state.command(cmd)
            return
        error = None
        with self.state.cond:  # one page command at a time touches the idle model
            if cmd["action"] == "sample" and self.snapshotter is not None:
                try:
                    self.snapshotter.set_sample(cmd["value"])
                    self.snapshot(self.snapshots[-1]["epoch"] if self.snapshots else 0.0)
                except ValueError as exc:
                    error = str(exc)
        self._status("finished", error)

    def _apply(self, cmd: dict) -> bool:
        """Apply one command on the training thread; True if a new snapshot is wanted."""
        action = cmd["action"]
        if action == "pause":
            self.paused = True
        elif action == "resume":
            self.paused, self.steps_left = False, 0
        elif action == "step":
            self.paused, self.steps_left = False, 1
        elif action == "delay":
            self.delay = min(max(cmd["value"], 0), 5000) / 1000.0
        elif action == "sample":
            try:
                self.snapshotter.set_sample(cmd["value"])
            except ValueError as exc:
                self._status(error=str(exc))
                return False
            return True
        self._status()
        return action == "pause"

    def _gate(self, epoch_now: float) -> None:
        """Between batches: obey the page; block while paused (Ctrl-C still works)."""
        if self.steps_left:
            self.steps_left -= 1
            if not self.steps_left:
                self.paused = True
                self.snapshot(epoch_now)
                self._status()
        paused_at = None
        while True:
            want = False
            for cmd in self.state.take_commands():
                want = self._apply(cmd) or want
            if want:
                self.snapshot(epoch_now)
                self._status()
            if not self.paused:
                if paused_at is not None:  # NOTE: time paused is not training time
                    self.schedule.shift(time.perf_counter() - paused_at)
                return
            paused_at = paused_at or time.perf_counter()
            with self.state.cond:
                self.state.cond.wait_for(lambda: self.state.commands, timeout=0.2)

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self.finished = False
        self._start()
        self.state.publish(meta=self.snapshotter.meta())
        self.snapshot(0.0)
        self._status()
        self._gate(0.0)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        # NOTE: runs after every batch: two comparisons unless a snapshot may be due or the
        # page sent a command (tiny W1 batches take ~80 us; this must stay far below that).
        self.step += 1
        if self.delay:
            time.sleep(self.delay)
        due = self.schedule.every is None and time.perf_counter() >= self.schedule.next_at
        if not (due or self.state.commands or self.paused or self.steps_left):
            return
        steps = self.params.get("steps") or (batch + 1)
        now = self.epoch + (batch + 1) / max(steps, batch + 1)
        if due and self._due_now():
            self.snapshot(now, logs)
            self._status()
        self._gate(now)

    def on_epoch_end(self, epoch, logs=None):
        from .observe import jsonable

        self.epoch = epoch + 1
        self.state.publish(epoch_logs={"epoch": epoch, "logs": jsonable(logs or {})},
                           notify=False)
        if self.schedule.every is not None and self._due_now(epoch + 1):
            self.snapshot(epoch + 1, logs)
            self._status()
        elif time.perf_counter() - self._pushed >= self.schedule.min_interval:
            self._status()  # NOTE: sends the epochs since the last push, at most 4 times a second

    def on_train_end(self, logs=None):
        try:
            super().on_train_end(logs)
        finally:
            self.finished = True
            interrupted = bool((logs or {}).get("interrupted"))
            if self.snapshotter is not None:
                self._status("stopped" if interrupted else "finished")

"""The Optuna study of a search: storage, samplers, pruners, and the worker loop.

Storage: by default a journal file in the output folder (``JournalStorage`` +
``JournalFileBackend``, safe for several processes on one machine); ``--storage URL`` takes any
SQLAlchemy URL Optuna accepts (``postgresql://user@host/db`` for workers on several machines;
``postgresql://`` is read with psycopg 3 when psycopg2 is absent) or ``journal:PATH``.

Exact totals: a worker starts a trial only while fewer than ``total`` trials are counted
(complete, pruned, running, or failed other than by an interruption). The count and the trial's
creation happen under one lock (a file lock next to a journal, a PostgreSQL advisory lock for a
PostgreSQL database), so K workers never overshoot; other databases get no lock (K workers may
then run up to K - 1 trials more than the total). Each trial's random or TPE sampler is seeded
from the config seed and the trial number, so a resumed study never replays the first draws.

Interruptions: a trial stopped by Ctrl-C (or whose worker process died, found by its pid on
this host) is recorded FAILED with ``interrupted`` and re-queued with the same parameters, so the
next run of the same command evaluates it again; it does not count towards the total.
"""

from __future__ import annotations

import json
import os
import socket
import zlib

from ..train.config import ConfigError
from . import require_optuna

HOST = socket.gethostname()


def _mask(url: str) -> str:
    """``url`` without its password."""
    if "://" in url and "@" in url.split("://", 1)[1]:
        scheme, rest = url.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        return f"{scheme}://{cred.split(':', 1)[0]}{':***' if ':' in cred else ''}@{host}"
    return url


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            try:
                import psycopg2  # noqa: F401
            except ImportError:
                return "postgresql+psycopg://" + url[len(prefix):]
            return "postgresql://" + url[len(prefix):]
    return url


class _FileLock:
    """An exclusive ``fcntl.flock`` on a file (processes on one machine, or NFSv4).

    Also the journal's own lock: Optuna's default symlink lock turns a Ctrl-C that arrives
    while it releases into a FileNotFoundError (and can leave the lock behind); a flock is
    dropped by closing its descriptor, so an interrupted release or a killed process cannot
    leave it held."""

    def __init__(self, path: str):
        self.path, self.fd = path, None

    def acquire(self) -> bool:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self.fd = fd
        except BaseException:
            self.fd = None
            os.close(fd)
            raise
        return True

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # closing drops the flock


class _AdvisoryLock:
    """A PostgreSQL session advisory lock (workers on several machines)."""

    def __init__(self, engine, name: str):
        self.engine, self.key, self.conn = engine, zlib.crc32(name.encode()), None

    def acquire(self):
        from sqlalchemy import text

        self.conn = self.engine.connect()
        self.conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": self.key})

    def release(self):
        if self.conn is not None:
            from sqlalchemy import text

            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            finally:
                self.conn.close()
                self.conn = None


class _NoLock:
    def acquire(self):
        pass

    def release(self):
        pass


def _engine(url: str, kwargs: dict):
    import sqlalchemy

    return sqlalchemy.create_engine(url, **kwargs)


def open_storage(url: str | None, out_dir: str):
    """``(storage, lock, description)`` for ``--storage url`` (None: the journal in out_dir)."""
    require_optuna()
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend

    if url is None or url.startswith("journal:"):
        path = os.path.join(out_dir, "study.journal") if url is None else url[len("journal:"):]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        backend = JournalFileBackend(path, lock_obj=_FileLock(path + ".lock"))
        return (JournalStorage(backend), _FileLock(path + ".trials.lock"),
                f"journal file {path}")
    real = _sqlalchemy_url(url)
    kwargs = {"pool_pre_ping": True}
    if real.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        if real.startswith("postgresql"):
            # NOTE: workers starting at once on a new database would race to create Optuna's
            # tables (a UniqueViolation); one lock makes the first create them, the rest wait
            init = _AdvisoryLock(_engine(real, kwargs), "glassgrad-tune-init")
            init.acquire()
            try:
                storage = RDBStorage(real, engine_kwargs=kwargs)
            finally:
                init.release()
                init.engine.dispose()
        else:
            storage = RDBStorage(real, engine_kwargs=kwargs)
    except ImportError as exc:
        raise ConfigError(f"--storage {_mask(url)}: a database driver is missing ({exc}); for "
                          "PostgreSQL: pip install 'psycopg[binary]'.") from None
    except Exception as exc:  # sqlalchemy's OperationalError, ArgumentError, ...
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), repr(exc))
        raise ConfigError(f"cannot open --storage {_mask(url)}: {first}") from None
    lock = (_AdvisoryLock(storage.engine, "glassgrad-tune")
            if real.startswith("postgresql") else _NoLock())
    return storage, lock, f"database {_mask(url)}"


def make_sampler(spec, seed: int, number: int):
    optuna = require_optuna()
    if spec.sampler == "grid":  # NOTE: the seed fixes the grid's order: the same in every trial
        return optuna.samplers.GridSampler(spec.grid_space(), seed=seed)
    seed = (seed * 1_000_003 + number) % 2**32
    if spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, constant_liar=True)


def make_pruner(spec, epochs: int):
    optuna = require_optuna()
    if spec.pruner == "median":
        # NOTE: the first two epochs are too noisy to judge a trial on
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2)
    if spec.pruner == "hyperband":
        top = spec.cv if spec.cv > 1 else epochs
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max(top, 1))
    return optuna.pruners.NopPruner()


def fingerprint(config: dict) -> str:
    """What must not change between runs of one study: the config except ``tune.trials``."""
    cfg = json.loads(json.dumps(config, default=str))
    cfg.get("tune", {}).pop("trials", None)
    cfg.pop("name", None)
    return json.dumps(cfg, sort_keys=True)


def _first_difference(a, b, where=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            d = _first_difference(a.get(k), b.get(k), f"{where}.{k}" if where else k)
            if d:
                return d
        return None
    return None if a == b else where


def create_or_load(storage, name: str, config: dict, spec, sampler, pruner):
    """The study ``name`` in ``storage`` (created on first use); a study made from another
    config is refused, naming the first key that differs."""
    optuna = require_optuna()
    study = optuna.create_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner,
                                direction=spec.direction, load_if_exists=True)
    mine = fingerprint(config)
    theirs = study.user_attrs.get("glassgrad_config")
    if theirs is None:
        study.set_user_attr("glassgrad_config", mine)
    elif theirs != mine:
        key = _first_difference(json.loads(theirs), json.loads(mine)) or "?"
        raise ConfigError(f"the study {name!r} in this storage was made from a different config "
                          f"({key!r} differs); resume it with the same config, or start a new "
                          "study with another --out folder or config name.")
    return study


def counted(trials) -> int:
    """Trials that count towards the total (interrupted ones are re-queued instead)."""
    from optuna.trial import TrialState

    keep = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
    return sum(1 for t in trials if t.state in keep or (
        t.state == TrialState.FAIL and not t.user_attrs.get("interrupted")))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def requeue(study, trial_number: int, reason: str) -> None:
    """Mark a RUNNING trial failed (``interrupted``) and queue its parameters again."""
    optuna = require_optuna()
    frozen = study.get_trials(deepcopy=False)[trial_number]
    trial = optuna.trial.Trial(study, frozen._trial_id)
    trial.set_user_attr("interrupted", True)
    trial.set_user_attr("fail_reason", reason)
    study.tell(trial_number, state=optuna.trial.TrialState.FAIL)
    study.enqueue_trial(frozen.params, user_attrs={"retry_of": trial_number})


def reap_dead(study) -> None:
    """Re-queue RUNNING trials whose worker process on this host no longer exists."""
    from optuna.trial import TrialState

    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        host, _, pid = str(t.user_attrs.get("worker", "")).rpartition(":")
        if host == HOST and pid.isdigit() and not _alive(int(pid)):
            requeue(study, t.number, f"interrupted: worker process {pid} died")


def work(study, spec, total: int, seed: int, lock, run_trial, after_trial=None) -> None:
    """Run trials until ``total`` are counted. ``run_trial(trial)`` returns the score;
    ``after_trial(study)`` is called after each trial (progress)."""
    optuna = require_optuna()
    current: dict = {}

    def objective(trial):
        lock.release()  # the trial exists now (RUNNING, so counted): let other workers go on
        current["number"] = trial.number
        trial.set_user_attr("worker", f"{HOST}:{os.getpid()}")
        try:
            return run_trial(trial)
        except optuna.TrialPruned as exc:
            trial.set_user_attr("prune_reason", str(exc))
            raise
        except KeyboardInterrupt:
            trial.set_user_attr("interrupted", True)
            trial.set_user_attr("fail_reason", "interrupted (Ctrl-C)")
            raise
        except Exception as exc:
            text = " ".join(str(exc).split()) or type(exc).__name__
            trial.set_user_attr("fail_reason", text[:500])
            raise

    while True:
        current.clear()
        lock.acquire()
        try:
            reap_dead(study)
            trials = study.get_trials(deepcopy=False)
            if counted(trials) >= total:
                return
            study.sampler = make_sampler(spec, seed, len(trials))
            study.optimize(objective, n_trials=1, catch=(Exception,), gc_after_trial=False)
        except KeyboardInterrupt:
            if "number" in current:
                frozen = study.get_trials(deepcopy=False)[current["number"]]
                study.enqueue_trial(frozen.params, user_attrs={"retry_of": frozen.number})
            raise
        finally:
            lock.release()
        if after_trial is not None:
            after_trial(study)

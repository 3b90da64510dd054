"""Fixtures of the tune tests: tiny moons configs and a real local PostgreSQL server."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")

BASE = """\
seed = 0
[data]
kind = "moons"
n_samples = 200
noise = 0.2
[model]
layers = [{type = "Linear", out = 8}, {type = "Tanh"}, {type = "Linear", out = 1},
          {type = "Sigmoid"}]
[train]
loss = "BCELoss"
metrics = ["accuracy"]
epochs = 8
batch_size = 32
verbose = 0
"""


def write_config(tmp_path, tune: str, name="moons", base=BASE) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\n{base}\n{tune}')
    return path


def run_cli(args, cwd, timeout=180, **kw):
    """``python -m glassgrad ARGS`` in a fresh process (workers, signals, several machines)."""
    env = {**os.environ, "PYTHONPATH": SRC, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "glassgrad", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, **kw)


def _pg_bin() -> str | None:
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(os.path.realpath(found))
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(candidates[-1]) if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL server (initdb + pg_ctl, trust auth, a free local port); yields
    its SQLAlchemy-style URL ``postgresql://postgres@127.0.0.1:PORT/glassgrad``."""
    pytest.importorskip("optuna")
    pytest.importorskip("psycopg")
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed "
                    "(apt-get install postgresql)")
    user = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
    root = tempfile.mkdtemp(prefix="glassgrad-pg-")
    data = os.path.join(root, "data")
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    port = _free_port()
    as_user = {"user": user.pw_uid, "group": user.pw_gid} if user else {}

    def pg(*args, **kw):
        return subprocess.run([os.path.join(bindir, args[0]), *args[1:]], capture_output=True,
                              text=True, timeout=120, cwd=root, **as_user, **kw)

    init = pg("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
    assert init.returncode == 0, init.stderr
    start = pg("pg_ctl", "-D", data, "-l", os.path.join(root, "log"), "-w", "-t", "60",
               "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -F", "start")
    assert start.returncode == 0, start.stderr + open(os.path.join(root, "log")).read()
    try:
        import psycopg

        for _ in range(50):
            try:
                conn = psycopg.connect(f"host=127.0.0.1 port={port} user=postgres "
                                       "dbname=postgres", autocommit=True)
                break
            except psycopg.OperationalError:
                time.sleep(0.2)
        with conn:
            conn.execute("CREATE DATABASE glassgrad")
        yield f"postgresql://postgres@127.0.0.1:{port}/glassgrad"
    finally:
        pg("pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)

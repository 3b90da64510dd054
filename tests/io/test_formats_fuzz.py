"""Fuzzing the file readers and the CLI: random and mutated IDX, CSV, save/checkpoint files and
TOML configs, and random argv. Every failure is a clear glassgrad error, never a raw traceback
from NumPy's internals, never a hang."""

import io
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassgrad as gg
from glassgrad.data.idx import read_idx, write_idx
from glassgrad.data.tabular import load_csv
from tests._clear import assert_clear, call_clear
from tests._fuzz_counts import count

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))
TMP = tempfile.mkdtemp(prefix="gg-fuzz-")


def _file(name: str, data: bytes) -> str:
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _mutate(data: bytes, ops) -> bytes:
    """Apply drawn (kind, position, byte) edits: flip, truncate, insert, delete."""
    b = bytearray(data)
    for kind, pos, val in ops:
        if not b:
            break
        i = pos % len(b)
        if kind == "flip":
            b[i] ^= val or 1
        elif kind == "cut":
            del b[i:]
        elif kind == "ins":
            b[i:i] = bytes([val])
        else:
            del b[i]
    return bytes(b)


edits = st.lists(st.tuples(st.sampled_from(["flip", "cut", "ins", "del"]),
                           st.integers(0, 2**20), st.integers(0, 255)), min_size=1, max_size=4)


def _valid_idx() -> bytes:
    buf = io.BytesIO()
    path = os.path.join(TMP, "valid.idx")
    write_idx(path, np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    with open(path, "rb") as f:
        buf.write(f.read())
    return buf.getvalue()


@SETTINGS
@given(data=st.one_of(st.binary(max_size=64), edits.map(lambda e: _mutate(_valid_idx(), e))))
def test_idx_reader_on_random_and_mutated_bytes(data):
    count("files:IDX reader")
    call_clear(read_idx, _file("f.idx", data))


cells = st.one_of(st.integers(-9, 9).map(str), st.floats(allow_nan=True).map(repr),
                  st.sampled_from(["", "NA", "?", "a", "x y", '"q"', "1e999", "--1", "\t"]),
                  st.text(max_size=3))


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")  # 1e300 -> inf, reported
@SETTINGS
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=4), max_size=5),
       sep=st.sampled_from([",", ";", "\t"]), header=st.booleans(),
       target=st.one_of(st.integers(-5, 5), st.text(max_size=2), st.none()),
       raw=st.one_of(st.none(), st.binary(max_size=40)))
def test_csv_reader_on_malformed_tables(rows, sep, header, target, raw):
    count("files:CSV reader")
    data = raw if raw is not None else "\n".join(sep.join(r) for r in rows).encode(
        "utf-8", "surrogatepass")
    call_clear(load_csv, _file("f.csv", data), target=target, delimiter=sep, header=header,
               allow=(UnicodeDecodeError,))


def _valid_save(ext: str) -> bytes:
    model = gg.nn.Linear(3, 2)
    opt = gg.optim.Adam(model.parameters())
    path = os.path.join(TMP, "valid" + ext)
    gg.io.save_checkpoint(path, model, opt, epoch=1, step=2, extra={"note": "x", 1: (2.5,)})
    with open(path, "rb") as f:
        return f.read()


VALID = {}


@SETTINGS
@given(ext=st.sampled_from([".npz", ".safetensors"]), ops=edits,
       junk=st.one_of(st.none(), st.binary(max_size=64)))
def test_save_and_checkpoint_readers_on_mutated_files(ext, ops, junk):
    count("files:save/checkpoint readers")
    if ext not in VALID:
        VALID[ext] = _valid_save(ext)
    data = junk if junk is not None else _mutate(VALID[ext], ops)
    path = _file("f" + ext, data)
    call_clear(gg.io.load, path)
    model = gg.nn.Linear(3, 2)
    before = model.weight.data.copy()
    ok, _ = call_clear(gg.io.load_checkpoint, path, model, gg.optim.Adam(model.parameters()))
    if not ok:
        assert np.array_equal(model.weight.data, before)  # a failed load changes nothing


toml_values = st.one_of(st.integers(-3, 10**6).map(str), st.floats(allow_nan=True).map(
    lambda f: repr(f).replace("inf", "inf").replace("nan", "nan")),
    st.sampled_from(['"x"', "true", "[]", "[1, 2]", '{type = "Linear"}', '"Adam"', '"csv"',
                     '[{type = "Linear", in = 2, out = -1}]', '"loss < 1"', "{}", '""']))
toml_keys = st.sampled_from(["name", "seed", "kind", "layers", "epochs", "lr", "batch_size",
                             "loss", "metrics", "path", "n_samples", "test_size", "monitor",
                             "patience", "stop_when", "verbose", "scale", "bogus", "type"])
tables = st.sampled_from(["", "[data]", "[model]", "[train]", "[optimizer]",
                          "[callbacks.early_stopping]", "[callbacks.lr_scheduler]", "[x]"])


@SETTINGS
@given(lines=st.lists(st.one_of(tables, st.tuples(toml_keys, toml_values).map(
    lambda kv: f"{kv[0]} = {kv[1]}"), st.text(max_size=10)), max_size=8))
def test_toml_configs_malformed(lines):
    count("files:TOML config")
    from glassgrad.train.config import load_config

    ok, config = call_clear(load_config, None, text="\n".join(lines))
    if ok:  # a config that passed the checks must also build its pieces
        from glassgrad.train.build import build_model

        call_clear(build_model, config["model"]["layers"], 2)


argv_items = st.one_of(st.sampled_from(["train", "--epochs", "--seed", "--verbose", "--out",
                                        "--no-plots", "--debug", "--help", "--version", "x.toml",
                                        "-1", "0", "abc", "", "--print-default-config", "--bogus"]),
                       st.text(max_size=4))


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(argv=st.lists(argv_items, max_size=5))
def test_cli_main_with_random_argv(argv):
    count("cli:main(argv) in process")
    from glassgrad.cli import main

    if "train" in argv and not any(a in argv for a in ("--help", "--print-default-config")):
        argv = [*argv, "--epochs", "1", "--no-plots", "--out", os.path.join(TMP, "run")]
    try:
        code = main(argv)
    except SystemExit as e:  # argparse: usage errors exit 2 with a message, --help/--version 0
        code = e.code
    except Exception as exc:  # noqa: BLE001
        if "--debug" not in argv:
            raise
        assert_clear(exc)
        code = 2
    assert code in (0, 2)


CONFIGS = st.sampled_from([b"[train]\nepochs = -1\n", b"[model]\nlayers = 3\n", b"seed = \"a\"\n",
                          b"[data]\nkind = \"csv\"\npath = \"/nonexistent.csv\"\n", b""])


@settings(max_examples=8, deadline=None, derandomize=True, database=None)
@given(argv=st.lists(argv_items, max_size=3), config=st.one_of(st.binary(max_size=40), CONFIGS))
def test_cli_subprocess_with_random_argv_and_configs(argv, config):
    count("cli:subprocess(argv, config)")
    path = _file("cfg.toml", config)
    env = dict(os.environ, PYTHONPATH=SRC)
    out = subprocess.run([sys.executable, "-m", "glassgrad.cli", "train", path, *argv,
                          "--epochs", "1", "--no-plots", "--verbose", "0",
                          "--out", os.path.join(TMP, "sub")],
                         capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode in (0, 2), out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    if out.returncode == 2:
        assert "error" in out.stderr

"""The benchmark suite on one tiny round (``bench/run.py --smoke``): every workload's every
framework runs in its own process from the same data file, and the table is printed. No timing
assertions: speed is measured by bench/run.py itself, never by tests."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, "bench")
sys.path[:0] = [BENCH, os.path.join(BENCH, "workloads")]

from tests._torch import import_torch  # noqa: E402

import_torch()

import harness  # noqa: E402
import run  # noqa: E402
from registry import WORKLOADS  # noqa: E402


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    done = subprocess.run(
        [sys.executable, os.path.join(BENCH, "run.py"), "--smoke", "--data-dir", str(out),
         "--json", str(out / "raw.json")], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, json.loads((out / "raw.json").read_text())


def test_every_workload_runs_in_every_framework_from_the_same_start(smoke):
    text, raw = smoke
    ran = [k for k in WORKLOADS if run.available(k)]
    assert set(raw["summary"]) == set(ran) and {"W1", "W1b32", "W2", "W3", "W4"} <= set(ran)
    for key, rows in raw["summary"].items():
        frameworks = {r["framework"] for r in rows}
        expected = {"glassgrad", "torch"} | ({"numpy"} if WORKLOADS[key].floor else set())
        assert frameworks == expected, key
        for row in rows:
            assert not row["errors"], (key, row["framework"], row["errors"])
            assert row["median_s"] > 0 and row["rss_mib"] > 0
        # same data file, same initial weights: the first training losses agree
        firsts = [r["first_loss"] for r in rows]
        assert max(firsts) - min(firsts) < 1e-4, (key, firsts)
        assert f"| {key}: " in text


def test_each_framework_really_ran_in_its_own_process(smoke):
    _, raw = smoke
    for key, data in raw["workloads"].items():
        for framework, res in data["rounds"][0].items():
            # a worker reports the library it imported; torch's side says its thread count
            assert ("torch_threads" in res) == (framework == "torch"), (key, framework)


def test_machine_sections_are_reported(smoke):
    text, raw = smoke
    assert raw["W5"]["gflops"] > 0
    assert set(raw["import"]) == {"glassgrad", "torch"}
    assert {"glassgrad", "torch"} <= set(raw["memory"])
    assert "import glassgrad" in text and "W2 peak RSS" in text


def test_rounds_alternate_the_launch_order(monkeypatch):
    calls = []
    monkeypatch.setattr(run, "write_data", lambda keys, quick, folder: {k: "x" for k in keys})
    monkeypatch.setattr(run, "run_worker",
                        lambda key, fw, data, env, args: calls.append(fw) or {"times": [1.0]})
    args = run.parse(["--rounds", "2"])
    run.measure(["W1"], ["glassgrad", "torch", "numpy"], args, log=lambda msg: None)
    assert calls == ["glassgrad", "torch", "numpy", "numpy", "torch", "glassgrad"]


def test_interference_measurement_reports_a_fraction():
    wall, load, out = harness.timed(lambda: sum(range(10000)))
    assert wall > 0 and 0.0 <= load and out == sum(range(10000))


def test_only_rejects_unknown_sections():
    with pytest.raises(SystemExit):
        run._sections("W1,W7")
    assert run._sections("W1,memory") == ["W1", "memory"]


def test_w1_step_timer_runs_and_reports_the_final_loss():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    done = subprocess.run([sys.executable, os.path.join(BENCH, "w1_step.py"), "--repeats", "1",
                           "--epochs", "1"], env=env, capture_output=True, text=True, timeout=120)
    out = done.stdout
    assert out.startswith("W1 batch-32 step: min ") and "final loss" in out
    loss = float(out.rsplit("final loss ", 1)[1].rstrip(")\n"))
    assert 0.0 < loss < 0.7  # trained from ~0.69 (chance) down


def test_profile_ops_lists_every_op_the_step_ran_with_its_page_faults():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    done = subprocess.run(
        [sys.executable, os.path.join(BENCH, "profile_ops.py"), "W1", "--steps", "2"],
        env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()[2:]}
    # W1 is Linear, Tanh, Linear, Tanh, Linear, Sigmoid and BCE: 3 Linear calls per step
    assert {"Linear.forward", "Linear.backward", "Tanh.forward", "Sigmoid.forward"} <= set(rows)
    assert float(rows["Linear.forward"][3]) == 3


def test_process_modes_runs_one_round_of_every_variant():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    done = subprocess.run(
        [sys.executable, os.path.join(BENCH, "process_modes.py"), "--workload", "W1",
         "--seconds", "0", "--repeats", "1"], env=env, capture_output=True, text=True,
        timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = done.stdout.split("W1, 1 rounds")[1]
    for name in ("glassgrad ", "OpenBLAS spin 4", "glassgrad, 1 thread", "torch "):
        assert name in summary and "of 1" in summary, (name, done.stdout)


def test_heap_lines_traces_a_step_and_reports_both_directions():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    done = subprocess.run(
        [sys.executable, os.path.join(BENCH, "heap_lines.py"), "W1", "--steps", "1",
         "--junk", "70000"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "minor page faults per step untraced" in done.stdout
    assert "heap grow:" in done.stdout and "heap trim:" in done.stdout, done.stdout


def test_child_env_sets_every_thread_variable_and_clears_the_callers(monkeypatch):
    monkeypatch.setenv("GOTO_NUM_THREADS", "7")  # OpenBLAS reads it as well as OPENBLAS_...
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    default = run.child_env(None)
    assert not {"GOTO_NUM_THREADS", "OMP_NUM_THREADS"} & set(default)
    one = run.child_env(1)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "MKL_NUM_THREADS"):
        assert one[var] == "1"

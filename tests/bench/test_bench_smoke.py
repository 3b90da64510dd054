"""The benchmark runner's machinery on a tiny configuration: it builds, alternates, measures and
prints the table, and every framework really trains. No timing assertions."""

import os
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "bench")
sys.path.insert(0, os.path.abspath(BENCH))

torch = pytest.importorskip("torch")

import harness  # noqa: E402
import run  # noqa: E402
import w1_moons  # noqa: E402
import w2_mnist  # noqa: E402

TINY = harness.Settings(repeats=2, min_time=0.0, retries=0, warmup=1)


def _losses(results):
    return {f: (r.first_loss, r.last_loss) for f, r in results.items()}


def test_w1_table_has_the_columns_and_every_framework_trains():
    pairs = [(b, harness.measure(b, TINY)) for b in w1_moons.build(True, set(harness.FRAMEWORKS))]
    text = run.table(pairs)
    header = text.splitlines()[0]
    for column in run.COLUMNS:
        assert column in header
    for bench, results in pairs:
        assert set(results) == {"glassgrad", "torch", "numpy"}
        for framework, (first, last) in _losses(results).items():
            assert last < first, f"{bench.name} {framework}: loss {first} -> {last}"
            assert f"| {bench.name} |" in text
        # same data, same initial weights, same number of epochs: the same end loss
        ends = [r.last_loss for r in results.values()]
        assert max(ends) - min(ends) < 1e-3
        assert all(len(r.times) == 2 and r.median > 0 for r in results.values())
        assert all(r.reached.startswith("loss ") for r in results.values())


def test_w2_tiny_epoch_trains_in_both_frameworks():
    (bench,) = w2_mnist.build(True, {"glassgrad", "torch"}, n=512)
    results = harness.measure(bench, harness.Settings(repeats=2, min_time=0.0, retries=0))
    for framework, (first, last) in _losses(results).items():
        assert last < first, f"{framework}: loss {first} -> {last}"
    assert abs(results["glassgrad"].last_loss - results["torch"].last_loss) < 1e-3
    row = [ln for ln in run.table([(bench, results)]).splitlines() if "| glassgrad |" in ln][0]
    assert "acc" in row and "(" in row  # the ratio's min-max range is shown


def test_missing_adapter_script_gives_an_explanatory_row(monkeypatch):
    import adapters

    benches = adapters.adapt("no_such_script", "W9 test", "step", True, {"glassgrad"},
                             owner="nobody")
    assert benches[0].runs == [] and "not present" in benches[0].note
    assert "not present" in run.table([(benches[0], {})])


def test_interference_measurement_reports_a_fraction():
    wall, load, out = harness.timed(lambda: sum(range(10000)))
    assert wall > 0 and 0.0 <= load and out == sum(range(10000))


def test_only_rejects_unknown_sections():
    with pytest.raises(SystemExit):
        run._sections("W1,W7")
    assert run._sections("W1,memory") == ["W1", "memory"]


def test_w1_step_timer_runs_and_reports_the_final_loss(monkeypatch, capsys):
    import w1_step

    monkeypatch.setattr(sys, "argv", ["w1_step.py", "--repeats", "1", "--epochs", "1"])
    w1_step.main()
    out = capsys.readouterr().out
    assert out.startswith("W1 batch-32 step: min ") and "final loss" in out
    loss = float(out.rsplit("final loss ", 1)[1].rstrip(")\n"))
    assert 0.0 < loss < 0.7  # trained from ~0.69 (chance) down

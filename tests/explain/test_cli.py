"""The explain subcommand (parser + run) and write_report on a real train run folder."""

import argparse
import json

import pytest

from glassgrad.explain import cli


def call(argv, capsys):
    parser = argparse.ArgumentParser(prog="glassgrad")
    cli.add_parser(parser.add_subparsers(dest="command"))
    rc = cli.run(parser.parse_args(["explain", *argv]))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_trace_example_prints_mazur(capsys):
    rc, out, _ = call(["trace"], capsys)
    assert rc == 0 and "0.298371109" in out and "0.358916480" in out
    rc, out, _ = call(["trace", "--example", "softmax", "--format", "markdown"], capsys)
    assert rc == 0 and "softmax (in loss)" not in out and "| example |" in out


def test_graph_expression_and_errors(capsys, tmp_path):
    rc, out, _ = call(["graph", "cos(sin(x**2) + 3*x**2)", "--at", "x=1.5", "--dot",
                       str(tmp_path / "g.dot")], capsys)
    assert rc == 0 and "-6.7409" in out and (tmp_path / "g.dot").read_text().startswith("digraph")
    rc, _, err = call(["graph", "__import__('os')", "--at", "x=1"], capsys)
    assert rc == 2 and "error" in err
    rc, _, err = call(["diagnose", str(tmp_path)], capsys)
    assert rc == 2 and "config.toml" in err


def test_help_is_complete(capsys):
    parser = argparse.ArgumentParser(prog="glassgrad")
    cli.add_parser(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit):
        parser.parse_args(["explain", "--help"])
    text = capsys.readouterr().out
    for word in ("trace", "graph", "diagnose", "--precision", "--at", "exit status"):
        assert word in text


def test_diagnose_a_train_run_folder(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    from glassgrad.train.config import load_config
    from glassgrad.train.run import run_config

    config = load_config(None)
    config["train"]["epochs"] = 3
    config["train"]["verbose"] = 0
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    run_config(config, str(run_dir), echo=lambda *a: None)
    rc, out, _ = call(["diagnose", str(run_dir)], capsys)
    assert rc == 0 and out.startswith("Diagnosis")
    report = json.loads((run_dir / "diagnosis.json").read_text())
    assert set(report) == {"ok", "judged", "findings"}
    # the default run has early stopping (patience 20) but 3 epochs: the best one is restored
    assert "epoch" in report["judged"] and "Judged:" in out
    assert (run_dir / "layer_dynamics.png").stat().st_size > 1000
    assert "Distributions by layer" in (run_dir / "layer_stats.md").read_text()

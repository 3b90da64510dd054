"""examples/hyperparameter_search.py runs a (short) TPE search and writes its plots."""

import importlib.util
import json
import pathlib

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "hyperparameter_search.py"


def test_the_example_search_writes_trials_best_config_summary_and_plots(tmp_path, capsys):
    pytest.importorskip("optuna")
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("hyperparameter_search", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "search"
    result = module.main(str(out), trials=4)
    assert len(result.study.trials) == 4
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trials"]["requested"] == 4 and summary["final"]["status"] == "completed"
    for name in ("trials.csv", "best.toml", "optimization_history.png", "slice.png",
                 "parallel_coordinate.png", "intermediate_values.png"):
        assert (out / name).stat().st_size > 0, name
    assert "test metrics of the retrained best configuration" in capsys.readouterr().out

"""The examples run top to bottom (the fast ones; classify_2d is covered by the baseline tests)."""

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["xor.py", "regression_range_normalized.py"])
def test_example_runs(name, capsys):
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    out = capsys.readouterr().out
    assert out.strip()
    if name == "regression_range_normalized.py":
        r2 = float(out.split("test R²")[1].split()[0])
        assert r2 > 0.95

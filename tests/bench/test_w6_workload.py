"""W6 (bench/workloads/w6_*.py) keeps the plugin contract: data and initial weights keyed by
PyTorch state_dict names, and glassgrad and PyTorch train the same model from them — the same
losses step for step (float32), falling. (The benchmark runs each in its own process; this
check may load both.)"""

import importlib
import os
import sys

from tests._torch import import_torch

WORKLOADS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "bench",
                                         "workloads"))


def _run(fw, arrays):
    step, reached = importlib.import_module(f"w6_{fw}").build(arrays)
    return {"losses": [step() for _ in range(4)], "reached": reached()}


def test_w6_files_import_one_framework_each():
    for fw, other in (("glassgrad", "torch"), ("torch", "glassgrad")):
        text = open(os.path.join(WORKLOADS, f"w6_{fw}.py")).read()
        assert f"import {fw}" in text and f"import {other}" not in text
        assert "glassgrad" not in open(os.path.join(WORKLOADS, "w6_data.py")).read().split(
            '"""')[-1]


def test_w6_same_losses_in_both_frameworks():
    import_torch()
    sys.path.insert(0, WORKLOADS)
    import w6_data

    arrays = w6_data.make(True)
    assert w6_data.META == {"name": "W6 Transformer encoder", "unit": "step"}
    assert all(a.dtype.name in ("float32", "int64") for a in arrays.values())
    assert "encoder.layers.1.self_attn.in_proj_weight" in arrays
    ours, theirs = _run("glassgrad", arrays), _run("torch", arrays)
    assert ours["losses"][-1] < ours["losses"][0]
    for a, b in zip(ours["losses"], theirs["losses"]):
        assert abs(a - b) < 1e-4 * max(1.0, abs(b)), (ours["losses"], theirs["losses"])
    assert ours["reached"].startswith("loss ")

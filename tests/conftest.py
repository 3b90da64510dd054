"""Shared fixtures (the backend parameter: numpy always, cupy with a GPU; seeding) and the
end-of-run table of the fuzz/property tests (how many examples each target tried)."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.backend import gpu_available
from tests._fuzz_counts import COUNTS, NOTES, OUTCOME_KINDS, OUTCOMES

BACKENDS = ["cpu"] + (["cuda"] if gpu_available() else [])


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    """Run a test on every backend; the CUDA case skips with the reason where there is no GPU."""
    if request.param == "cuda" and not gpu_available():
        pytest.skip("no CUDA device (CuPy missing or no GPU)")
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    gg.manual_seed(0)
    np.random.seed(0)
    yield
    gg.set_default_dtype(np.float32)

def pytest_terminal_summary(terminalreporter, exitstatus, config):
    tr = terminalreporter
    if NOTES:
        tr.section("glassgrad io results")
        for line in NOTES:
            tr.write_line(f"  {line}")
    if OUTCOMES:
        tr.section("glassgrad judged fuzz outcomes (raw errors and silent wrong results: 0)")
        for kind in OUTCOME_KINDS:
            tr.write_line(f"  {kind:<24} {OUTCOMES[kind]:6d}")
    if not COUNTS:
        return
    tr.section("glassgrad fuzz/property examples tried per target")
    width = max(len(k) for k in COUNTS)
    for target, n in sorted(COUNTS.items()):
        tr.write_line(f"  {target:<{width}}  {n:5d}")
    tr.write_line(f"  {'TOTAL':<{width}}  {sum(COUNTS.values()):5d} examples over "
                  f"{len(COUNTS)} targets")

    from tests._clear import FINDINGS

    if FINDINGS:
        tr.section("raw (non-glassgrad) errors found by fuzzing: known, reported findings")
        by_place = {}
        for (where, etype, msg), n in FINDINGS.items():
            by_place.setdefault((where, etype), []).append((n, msg))
        for (where, etype), items in sorted(by_place.items(), key=str):
            place = f"{where[0]}:{where[2]} in {where[1]}()" if where else "<outside glassgrad>"
            tr.write_line(f"  {place}: {etype} x{sum(n for n, _ in items)}, e.g. "
                          f"{items[0][1]!r}")

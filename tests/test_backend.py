"""backend.blas_threads: the thread count OpenBLAS itself chose, read back by threadpoolctl."""

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("threadpoolctl", reason="pip install threadpoolctl (in the test extra)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
PROBE = """
import json, numpy, threadpoolctl
from glassgrad.backend import blas_threads
libs = [i for i in threadpoolctl.threadpool_info() if i["internal_api"] == "openblas"]
print(json.dumps({"openblas": [i["num_threads"] for i in libs], "ours": blas_threads()}))
"""


def _probe(**env_vars) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env.update(env_vars, PYTHONPATH=os.path.join(ROOT, "src"))
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("env_vars", [
    {}, {"OPENBLAS_NUM_THREADS": "1"}, {"OMP_NUM_THREADS": "1"}, {"GOTO_NUM_THREADS": "1"},
    {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "2"},
    {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "1"},
    {"OPENBLAS_NUM_THREADS": "512"}, {"OPENBLAS_NUM_THREADS": "0"}, {"OMP_NUM_THREADS": "x"},
], ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()) or "defaults")
def test_blas_threads_is_what_openblas_chose(env_vars):
    got = _probe(**env_vars)
    if not got["openblas"]:
        pytest.skip("NumPy here is not linked against OpenBLAS")
    assert got["ours"] == got["openblas"][0], (env_vars, got)

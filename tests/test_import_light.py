"""``import glassgrad`` stays light: plotting, notebooks and progress bars load on first use.

(The import TIME, ≤ 0.3 s, is measured in bench/system.py; this checks the cause, exactly.)
"""

import os
import pathlib
import subprocess
import sys

SRC = pathlib.Path(__file__).resolve().parents[1] / "src"


def test_importing_the_package_loads_no_matplotlib_ipython_or_tqdm():
    code = ("import sys, glassgrad, glassgrad.nn, glassgrad.train, glassgrad.explain, "
            "glassgrad.viz\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'matplotlib', 'IPython', 'tqdm', 'PIL'}))")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip() == "[]"

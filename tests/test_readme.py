"""The README's Python blocks run as written, in order, in one namespace (docs that stay true)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "tensor([2., 4., 6.])" in out
    assert "0.082167041" in out   # Matt Mazur's published ∂E/∂w5, in the trace tables
    assert namespace["history"].history["loss"][-1] < namespace["history"].history["loss"][0]

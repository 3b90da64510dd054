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


def test_readme_python_blocks_paste_into_a_plain_repl(capsys):
    """Each block, pasted line by line into the classic interactive interpreter, runs without
    a syntax error: a compound statement is closed by a blank line before the next statement
    (the REPL, unlike a script, needs it), and no blank line splits a function body."""
    import code

    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    errors = []

    class Console(code.InteractiveConsole):
        def showsyntaxerror(self, filename=None, **kwargs):
            errors.append(("syntax", self.block, self.line))

        def showtraceback(self):
            errors.append(("exception", self.block, self.line))

    console = Console({})
    for i, block in enumerate(blocks):
        console.block = i + 1
        more = False
        for line in block.splitlines():
            console.line = line
            more = console.push(line)
        if more:
            console.push("")                  # the Enter a user presses after pasting
    out = capsys.readouterr().out
    assert not errors, f"README blocks fail in a REPL (block, line): {errors}"
    assert "tensor([2., 4., 6.])" in out and "0.082167041" in out

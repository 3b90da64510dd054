"""The documentation stays true and complete without building it (CI builds it in .ci/run).

- every public module of glassgrad gets an API page (the autosummary tree of docs/api);
- the Python blocks of the getting-started page and the how-to guides run as written;
- the TOML example of the run-configuration guide is a valid ``glassgrad train`` config;
- the course chapters follow the layout the gallery executes.
"""

import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import glassgrad

DOCS = Path(__file__).resolve().parents[1] / "docs"


def public_modules() -> set[str]:
    names = {"glassgrad"}
    for info in pkgutil.walk_packages(glassgrad.__path__, "glassgrad."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.add(info.name)
    return names


def test_every_public_module_gets_an_api_page(tmp_path):
    pytest.importorskip("sphinx")
    index = (DOCS / "api" / "index.rst").read_text(encoding="utf-8")
    assert ":recursive:" in index and re.search(r"^\s+glassgrad\s*$", index, re.M)
    # sphinx-autogen: the stubs the docs build generates from docs/api/index.rst
    env = {**os.environ, "PYTHONPATH": str(DOCS.parent / "src")}
    subprocess.run([sys.executable, "-m", "sphinx.ext.autosummary.generate", "-o",
                    str(tmp_path), str(DOCS / "api" / "index.rst")], env=env, check=True,
                   capture_output=True, timeout=300)
    pages = {p.stem for p in tmp_path.glob("*.rst")}
    modules = public_modules()
    assert {"glassgrad.nn", "glassgrad.train.notebook", "glassgrad.explain.diagnose"} <= modules
    assert not modules - pages, f"modules without an API page: {sorted(modules - pages)}"


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("page", ["getting_started.md", "howto/save_and_resume.md",
                                  "howto/custom_layers_and_ops.md", "howto/gpu.md"])
def test_page_code_runs(page, tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)                       # files the examples write land here
    blocks = _python_blocks(DOCS / page)
    assert blocks
    namespace: dict = {}
    try:
        for i, block in enumerate(blocks):
            exec(compile(block, f"{page} block {i + 1}", "exec"), namespace)
    finally:
        glassgrad.set_default_dtype(glassgrad.float32)
    if page == "getting_started.md":
        assert (tmp_path / "curves.png").exists()
        assert namespace["history"].history["loss"]


def test_run_config_example_is_valid(tmp_path):
    from glassgrad.train.config import load_config

    text = (DOCS / "howto" / "cli_configs.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", text, re.S)
    path = tmp_path / "run.toml"
    path.write_text(block, encoding="utf-8")
    config = load_config(str(path))
    assert config["optimizer"]["nesterov"] is True and config["data"]["kind"] == "spirals"


def test_chapters_follow_the_gallery_layout():
    chapters = sorted((DOCS / "tutorials").glob("ch*.py"))
    assert [c.name[:4] for c in chapters][:9] == [f"ch0{i}" for i in range(1, 10)]
    for c in chapters:
        assert re.match(r"ch\d\d_\w+\.py$", c.name), c.name
        head = c.read_text(encoding="utf-8").split('"""')[1].strip().splitlines()
        assert len(head) >= 2 and set(head[1]) == {"="} and len(head[1]) >= len(head[0]), c.name
        assert "GLASSGRAD_DOCS_QUICK" in c.read_text(encoding="utf-8") or c.name < "ch04", c.name


def test_plain_text_docstrings_become_valid_rest():
    """docs/_ext/gg_docs.py: |t − a|, (N, *shape), attr_ and indented code render verbatim."""
    docutils_core = pytest.importorskip("docutils.core")
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        import gg_docs
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    doc = ["Mean absolute error |t − a| over (N, *shape); sets data_min_ and scale_.",
           "Keeps ``a|b*c_``, :sub:`x_y`, **bold** and *emphasis*.",
           "",
           "* a bullet with ``(N,)`` shapes",
           "  continued",
           "",
           "Usage:",
           "",
           "    for x, y in loader:",
           "        out = model(x)          # nested code stays code"]
    gg_docs.plain_text_markup(None, "function", "f", None, {}, doc)
    warnings = []
    html = docutils_core.publish_parts(
        "\n".join(doc), writer="html",
        settings_overrides={"report_level": 2, "halt_level": 5,
                            "warning_stream": type("W", (), {"write": warnings.append})()},
    )["body"]
    assert not warnings, warnings
    assert "|t − a|" in html and "(N, *shape)" in html and "data_min_" in html
    assert "<strong>bold</strong>" in html and "<em>emphasis</em>" in html
    assert "<li>" in html and "<pre" in html and "<sub>x_y</sub>" in html
    assert "a|b*c_" in html and "\n    out = model(x)" in html


def test_indented_block_under_a_colon_line_is_code():
    """"Backward:" + indented formulas with no blank line between (help() layout) render as a
    code block, and the unindented line after it as a paragraph: no definition-list warning."""
    docutils_core = pytest.importorskip("docutils.core")
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        import gg_docs
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    doc = ["out = P V with P = softmax(S).",
           "",
           "Backward, with G = ∂E/∂out:",
           "    ∂E/∂V = Pᵀ G;   ∂E/∂P = G Vᵀ",
           "    ∂E/∂Q = ∂E/∂S K · scale",
           "Shapes: q (..., L, d), mask broadcasting to (..., L, S)."]
    gg_docs.plain_text_markup(None, "class", "C", None, {}, doc)
    warnings = []
    html = docutils_core.publish_parts(
        "\n".join(doc), writer="html",
        settings_overrides={"report_level": 2, "halt_level": 5,
                            "warning_stream": type("W", (), {"write": warnings.append})()},
    )["body"]
    assert not warnings, warnings
    assert "<dl" not in html
    assert re.search(r"<pre[^>]*>\s*∂E/∂V = Pᵀ G;   ∂E/∂P = G Vᵀ\n∂E/∂Q", html), html
    assert "<p>Backward, with G = ∂E/∂out:</p>" in html
    assert "<p>Shapes: q (..., L, d), mask broadcasting to (..., L, S).</p>" in html

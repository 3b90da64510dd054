"""examples/notebook_tour.ipynb runs in a real Jupyter kernel (nbclient) and displays HTML.

Checks the rich displays (Tensor, Module, History, trace, graph, layer stats, diagnosis) and that
the live training display is ONE output updated in place through a display handle.
"""

import os
import pathlib
from html.parser import HTMLParser

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "notebook_tour.ipynb"


@pytest.fixture(scope="module")
def executed():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.skip("no python3 Jupyter kernel installed (pip install ipykernel)")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = os.environ.copy()
    old = os.environ.get("PYTHONPATH")
    # the kernel imports glassgrad from this checkout, whatever is installed
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), old]))
    os.environ["MPLBACKEND"] = "Agg"
    try:
        client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                         resources={"metadata": {"path": str(ROOT)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env)
    return nb


def _html_outputs(cell):
    return [o["data"]["text/html"] for o in cell.get("outputs", [])
            if "data" in o and "text/html" in o["data"]]


def _text(html: str) -> str:
    parts = []
    parser = HTMLParser()
    parser.handle_data = parts.append
    parser.feed(html)
    return " ".join(parts)


def test_every_object_displays_as_html(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    for c in code:
        errors = [o for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, errors
    expect = {
        0: "grad_fn <Sum>",                 # a tensor
        1: "shape (40, 30)",                # truncated
        2: "Sequential",                    # the model table
        4: "History",                       # the history table
        5: "0.082167041",                   # Mazur's ∂E/∂w5 in the trace table
        6: "Forward",                       # the graph tables
        8: "Diagnosis",                     # the report
    }
    for i, needle in expect.items():
        htmls = _html_outputs(code[i])
        assert htmls, f"cell {i} shows no HTML"
        assert needle in _text(htmls[-1]), (i, _text(htmls[-1])[:300])
    assert "<script" not in "".join(h for c in code for h in _html_outputs(c))


def test_live_display_is_one_output_updated_in_place(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    cell = code[3]
    displays = [o for o in cell.outputs if o.output_type == "display_data"]
    assert len(displays) == 1, "one display, updated in place (not one per update)"
    final = _text(displays[0]["data"]["text/html"])
    assert "epoch 12/12" in final and "finished" in final
    printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    updates = int(printed.split("updated in place ")[1].split()[0])
    assert updates >= 12 + 1            # at least one redraw per epoch, plus the first
    assert "<svg" in displays[0]["data"]["text/html"]          # the live curves
    assert "text/plain" in displays[0]["data"]                 # a plain-text fallback
    # fit(verbose="notebook") does the same without an explicit callback
    assert len([o for o in code[4].outputs if o.output_type == "display_data"]) == 1

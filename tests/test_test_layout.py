"""The test tree's own rules (issue 17), checked by scanning the files (AST and names):

- tests mirror the package: ``tests/<sub>/test_<module>[_<topic>].py`` tests
  ``src/glassgrad/<sub>/<module>.py`` (``src/glassgrad/<module>.py``: ``tests/test_<module>...``);
  the few files that test the repository rather than one module are listed in ``EXEMPT`` below;
- no file is named after a review round (``_audit``, ``_more``, ...);
- every module has a test module, or is listed in ``TESTED_ELSEWHERE`` with where it is tested
  (the list may only shrink: an entry whose module got its own test module fails);
- PyTorch is reached only through ``tests/_torch.py`` (``pytest.importorskip`` with the pinned
  version), and every other optional dependency through ``pytest.importorskip`` (or a ``try``
  that catches ImportError) before it is imported, so a run without them skips, never errors.

Each checker is also run on a small broken example, so a checker that stopped finding anything
would fail here too.
"""

import ast
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PKG = TESTS.parent / "src" / "glassgrad"

# ``tests/op_cases/`` is the central op table's case package (not test modules).
# Files that test the repository as a whole or many modules at once, by design:
EXEMPT = {
    "test_docs.py": "the documentation site and its pages",
    "test_readme.py": "README.md's Python blocks",
    "test_import_graph.py": "the core's import graph (no cycles, Tensor set in one place)",
    "test_import_light.py": "what `import glassgrad` loads",
    "test_ops_table.py": "the central op table (tests/op_cases/): every registered op",
    "test_test_layout.py": "these rules",
    "ops/test_props_guard.py": "every registered op has a hypothesis property target",
    "viz/test_plots.py": "every plot function of glassgrad.viz runs headless",
}
EXEMPT_DIRS = {
    "examples": "the scripts in examples/, run as a user runs them",
    "bench": "bench/ (its smoke run and workload contracts)",
}
BANNED = ("_audit", "_more", "_one_place", "_new", "_extra", "_fixes", "_round")

# Modules without a test module of their own, and where they are tested. Shrink it: a module
# that gets tests/<sub>/test_<module>.py must leave this list (test below).
TESTED_ELSEWHERE = {
    # the core: Tensor's mixins and plumbing, through tests/test_tensor*.py, test_autograd*.py,
    # test_hooks.py, test_versions.py, test_errors.py and the op table
    "autograd_errors", "autograd_grad", "convert", "creation", "cuda", "dtypes",
    "engine_state", "inplace", "promotion", "reductions", "selection", "shaping",
    # data: tests/data/test_bptt.py, test_dataloader.py, test_idx.py, test_preprocessing.py,
    # test_digits.py
    "data/_util", "data/bucketing", "data/dataset", "data/download", "data/features",
    "data/mnist", "data/sequences", "data/text", "data/transforms",
    # distributed: tests/distributed/test_comm_one_rank.py and test_comm_mpi.py (whole stack)
    "distributed/fit", "distributed/optimizer", "distributed/sharding", "distributed/sync",
    # explain: tests/explain/test_stats.py, test_diagnose.py, test_cli.py, test_trace.py and
    # tests/nn/test_loss_names.py
    "explain/activations", "explain/diagnose_history", "explain/losses", "explain/model_io",
    "explain/render",
    # io: tests/io/test_checkpoint.py, test_serialization.py, tests/train/test_callbacks.py
    "io/callbacks", "io/tree",
    # live: tests/live/test_report.py, test_server.py, test_snapshot.py
    "live/cli", "live/observe", "live/page", "live/recorder",
    # nn: tests/nn/test_module.py (containers, parameters, state dicts, summary),
    # test_attention.py (layer norm, attention functions), test_linear.py (BatchNorm, dropout),
    # test_rnn_utils.py (Embedding), test_conv.py (Flatten), tests/optim/test_clip.py (utils)
    "nn/attention_functional", "nn/containers", "nn/dropout", "nn/embedding", "nn/flatten",
    "nn/layernorm", "nn/normalization", "nn/parameter", "nn/state", "nn/summary", "nn/utils",
    # onnx: through export and load, tests/onnx/test_exporter.py, test_export_layers.py,
    # test_export_rnn.py, test_loader.py
    "onnx/_lib", "onnx/builder", "onnx/export_conv", "onnx/export_ops", "onnx/export_util",
    "onnx/load_layers", "onnx/load_node", "onnx/load_ops", "onnx/modules", "onnx/trace",
    "onnx/verify",
    # ops: the central op table (tests/test_ops_table.py + tests/op_cases/), the property tests
    # (tests/ops/test_*_props.py, tests/nn/test_*_props.py) and the nn tests against torch
    "ops/activation", "ops/division", "ops/embedding", "ops/fused", "ops/linalg", "ops/loss",
    "ops/movement", "ops/normalization", "ops/padding", "ops/pool", "ops/pool_indices",
    "ops/recurrent", "ops/reduce",
    # optim: tests/optim/test_optimizer_updates.py and test_optimizer_torch.py
    "optim/adaptive", "optim/sgd",
    # train: tests/train/test_fit.py, test_callbacks.py, tests/nn/test_keras_api.py
    "train/compile", "train/history", "train/inputs", "train/monitor", "train/predict",
    "train/prepare", "train/progress",
    # tune: tests/tune/test_config_search.py and test_study.py (the CLI end to end)
    "tune/cli", "tune/objective", "tune/report", "tune/worker",
    # viz: tests/viz/test_plots.py (every plot function) and test_mpl_save_keyword.py
    "viz/activations", "viz/attention", "viz/boundary", "viz/conv", "viz/curves",
    "viz/dynamics", "viz/graph",
}

# Optional dependencies: never imported before a ``pytest.importorskip`` of the same package
# (torch: only through tests/_torch.py).
OPTIONAL = {"onnx", "onnxruntime", "optuna", "mpi4py", "selenium", "psycopg", "safetensors",
            "sphinx", "docutils", "nbclient", "nbformat", "ipykernel", "cupy"}


def _modules() -> dict[str, str]:
    """'sub/module' (or 'module' for the core) -> path, for every module of the package."""
    out = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).with_suffix("").as_posix()
        if Path(rel).name not in ("__init__", "__main__"):
            out[rel] = str(path)
    return out


def _test_files():
    for path in sorted(TESTS.rglob("test_*.py")):
        yield path.relative_to(TESTS).as_posix()


def _is_exempt(rel: str) -> bool:
    return rel in EXEMPT or rel.split("/")[0] in EXEMPT_DIRS


def _folder(path: str) -> str:
    folder = Path(path).parent.as_posix()
    return "" if folder == "." else folder


def _tested_module(rel: str, modules) -> str | None:
    """The module that tests/<rel> tests by the naming rule (the longest match), or None."""
    stem = Path(rel).stem[len("test_"):]
    best = None
    for m in modules:
        base = Path(m).name.lstrip("_")
        if _folder(m) == _folder(rel) and (stem == base or stem.startswith(base + "_")):
            if best is None or len(base) > len(Path(best).name.lstrip("_")):
                best = m
    return best


def _name_problems(files, modules):
    problems = []
    for rel in files:
        module = None if _is_exempt(rel) else _tested_module(rel, modules)
        # the words after the module's name (all of it for an exempt file) name the topic
        topic = Path(rel).stem
        if module is not None:
            topic = topic[len("test_" + Path(module).name.lstrip("_")):]
        if any(word in topic for word in BANNED):
            problems.append(f"{rel}: named after a review round ({', '.join(BANNED)}); name "
                            "it after the module it tests and the topic")
        elif not _is_exempt(rel) and module is None:
            problems.append(f"{rel}: no module src/glassgrad/{_folder(rel) or '.'}/<module>.py "
                            "matches test_<module>[_<topic>].py")
    return problems


def _coverage_problems(files, modules):
    tested = {_tested_module(rel, modules) for rel in files if not _is_exempt(rel)}
    missing = sorted(set(modules) - tested - TESTED_ELSEWHERE)
    stale = sorted(TESTED_ELSEWHERE & tested)
    unknown = sorted(TESTED_ELSEWHERE - set(modules))
    return ([f"src/glassgrad/{m}.py has no test module tests/.../test_{Path(m).name}.py "
             "(add one, or list it in TESTED_ELSEWHERE with where it is tested)"
             for m in missing]
            + [f"{m}: has a test module now; remove it from TESTED_ELSEWHERE" for m in stale]
            + [f"{m}: listed in TESTED_ELSEWHERE but no such module" for m in unknown])


def _importorskip_of(node) -> set[str]:
    """The packages ``pytest.importorskip`` is called for anywhere inside ``node``."""
    found = set()
    for sub in ast.walk(node):
        if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "importorskip" and sub.args
                and isinstance(sub.args[0], ast.Constant)):
            found.add(str(sub.args[0].value).split(".")[0])
    return found


def _import_problems(source: str, rel: str):
    """Unguarded imports of torch or of an optional dependency in one test module."""
    tree = ast.parse(source)
    problems = []

    def visit(body, guarded: set[str], in_try_import: bool):
        seen = set(guarded)
        for stmt in body:
            roots = []
            if isinstance(stmt, ast.Import):
                roots = [a.name.split(".")[0] for a in stmt.names]
            elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
                roots = [stmt.module.split(".")[0]]
            for root in roots:
                if root == "torch":
                    problems.append(f"{rel}:{stmt.lineno}: imports torch; use tests/_torch.py "
                                    "(import_torch() or its lazy torch/TF)")
                elif root in OPTIONAL and root not in seen and not in_try_import:
                    problems.append(f"{rel}:{stmt.lineno}: imports {root} without "
                                    f"pytest.importorskip({root!r}) before it")
            for name in ("body", "orelse", "finalbody"):
                if isinstance(getattr(stmt, name, None), list):
                    catches = isinstance(stmt, ast.Try) and name == "body" and any(
                        h.type is None or any(isinstance(n, ast.Name) and n.id in (
                            "ImportError", "ModuleNotFoundError", "Exception")
                            for n in ast.walk(h.type)) for h in stmt.handlers)
                    visit(getattr(stmt, name), seen, in_try_import or catches)
            for handler in getattr(stmt, "handlers", []):
                visit(handler.body, seen, in_try_import)
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                seen |= _importorskip_of(stmt)

    visit(tree.body, set(), False)
    for node in ast.walk(tree):
        if "torch" in _importorskip_of(node) and isinstance(node, ast.Call):
            problems.append(f"{rel}:{node.lineno}: pytest.importorskip('torch'); use "
                            "tests/_torch.py's import_torch() (it names the version)")
    return problems


# ---------------------------------------------------------------- the rules, on the real tree

def test_test_files_are_named_after_the_module_they_test():
    problems = _name_problems(list(_test_files()), _modules())
    assert not problems, "\n".join(problems)


def test_every_module_has_a_test_module_or_says_where_it_is_tested():
    problems = _coverage_problems(list(_test_files()), _modules())
    assert not problems, "\n".join(problems)


def test_torch_and_optional_dependencies_only_through_importorskip():
    problems = []
    for path in sorted(TESTS.rglob("*.py")):
        rel = path.relative_to(TESTS).as_posix()
        if rel == "_torch.py":
            continue
        problems += _import_problems(path.read_text(encoding="utf-8"), rel)
    assert not problems, "\n".join(problems)


def test_the_torch_helper_skips_with_the_pinned_version():
    from tests import _torch

    assert "pip install torch==2.13.0" in _torch.TORCH_REASON
    text = (TESTS / "_torch.py").read_text(encoding="utf-8")
    assert re.search(r"pytest\.importorskip\(module, reason=TORCH_REASON", text)


# ---------------------------------------------------------------- the checkers catch breakage

@pytest.mark.parametrize("source", [
    "import torch\n",
    "import torch.nn.functional as TF\n",
    "from torch.nn.utils.rnn import pack_padded_sequence\n",
    "def test_x():\n    import torch\n",
    "import pytest\ntorch = pytest.importorskip('torch')\n",
    "import onnx\n",
    "import pytest\nfrom onnx import helper\npytest.importorskip('onnx')\n",
    "def test_x():\n    from optuna import samplers\n",
])
def test_import_checker_finds_unguarded_imports(source):
    assert _import_problems(source, "nn/test_x.py")


@pytest.mark.parametrize("source", [
    "import pytest\npytest.importorskip('onnx')\nimport onnx\n",
    "import pytest\nort = pytest.importorskip('onnxruntime')\nfrom onnxruntime import X\n",
    "def test_x():\n    pytest.importorskip('selenium')\n    from selenium import webdriver\n",
    "try:\n    from mpi4py import MPI\nexcept ImportError:\n    MPI = None\n",
    "from tests._torch import torch\n",
])
def test_import_checker_accepts_guarded_imports(source):
    assert not _import_problems(source, "nn/test_x.py")


def test_name_and_coverage_checkers_find_breakage():
    modules = {"tensor": "", "nn/conv": "", "nn/linear": "", "optim/adam": ""}
    assert not _name_problems(["test_tensor.py", "nn/test_conv_torch.py",
                               "optim/test_adam.py"], modules)
    assert _name_problems(["nn/test_conv_audit.py"], modules)  # a review round
    assert _name_problems(["optim/test_lr_scheduler_more.py"], modules)
    assert _name_problems(["nn/test_gadgets.py"], modules)  # no such module
    assert _name_problems(["test_tensor_audit.py"], modules)
    assert _name_problems(["test_conv.py"], modules)  # conv is not a core module
    problems = _coverage_problems(["test_tensor.py", "nn/test_conv.py"], modules)
    assert any("nn/linear.py" in p for p in problems)
    assert any("optim/adam.py" in p for p in problems)

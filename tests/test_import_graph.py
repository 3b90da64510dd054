"""The core's module-level import graph has no cycle, and nothing outside tensor.py sets an
attribute on Tensor (issue 17: Tensor in one place, no import-time patching).

Module-level imports only (``from . import x`` at the top or anywhere outside a function): an
import inside a function runs on first call and cannot make ``import glassgrad`` fail.
"""

import ast
import pathlib
import re

PKG = pathlib.Path(__file__).resolve().parents[1] / "src" / "glassgrad"
# the core: the package's top-level modules and ops/ (what ``import glassgrad`` loads)
CORE = sorted([*PKG.glob("*.py"), *(PKG / "ops").glob("*.py")])


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_imports(path: pathlib.Path) -> set:
    """Intra-package modules that ``path`` imports at module level (not inside functions)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.ImportFrom) and child.level:
                base = package.split(".")
                base = base[:len(base) - (child.level - 1)]
                mod = ".".join(base + ([child.module] if child.module else []))
                if child.module:
                    found.add(mod)
                for alias in child.names:  # ``from . import x``: x may be a module
                    found.add(f"{mod}.{alias.name}")
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("glassgrad"):
                        found.add(alias.name)
            visit(child)

    visit(tree)
    return found


def import_graph(paths) -> dict:
    names = {_module_name(p): p for p in paths}
    return {n: sorted(m for m in module_imports(p) if m in names and m != n)
            for n, p in names.items()}


def cycles(graph: dict) -> list:
    """Strongly connected components with more than one module (each is one import cycle),
    found without recursion (Tarjan's algorithm with an explicit stack)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(graph[w])))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_the_core_import_graph_has_no_cycle():
    found = cycles(import_graph(CORE))
    assert found == [], f"import cycles in the core: {found}"


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert cycles({"a": ["b"], "b": []}) == []


_PATCH = re.compile(r"\bTensor\.\w+\s*=[^=]|setattr\(\s*Tensor\s*,")


def test_no_module_sets_an_attribute_on_tensor():
    offenders = [f"{p.relative_to(PKG)}:{i}" for p in PKG.rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if _PATCH.search(line)]
    assert offenders == []


if __name__ == "__main__":  # python tests/test_import_graph.py: the cycles, for the record
    for cycle in cycles(import_graph(CORE)):
        print(len(cycle), cycle)

"""The package layout is the architecture: imports run one way, from the foundation up to the CLI.

This test reads every module under ``src/loopsource/`` with ``ast`` (it imports none of them),
builds the graph of ``loopsource`` imports -- relative and absolute, at module level, inside
functions and under ``TYPE_CHECKING`` alike, since each of them is a dependency a reader has
to follow -- and fails on

* a cycle between modules (the cycle is listed),
* an import from a later layer into an earlier one (``LAYERS`` below is the definition),
* a module that belongs to no layer (add it to ``LAYERS`` where it belongs),
* a module over 600 lines, or a function over 80 lines whose docstring does not say
  "one piece" (a deliberate exception, written down where the reader sees it).

The package folder is ``$LOOPSOURCE_SRC`` when set (to check another checkout, e.g. the tree
before the restructure), else the folder of the ``loopsource`` package this Python imports
(the installed wheel in CI, the checkout with an editable install).
"""
from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

# The architecture, earliest layer first. A module may import from its own layer or an earlier
# one, never from a later one. A layer is named by the first component under ``loopsource``
# (a subpackage or a top-level module); "" is the package's own ``__init__``.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("foundation", frozenset({"", "errors", "files", "resources", "geo", "definitions", "progress", "period",
                              "transport_distance", "emission_factors", "memory"})),
    ("rdf", frozenset({"rdf"})),
    ("store", frozenset({"store"})),
    ("load", frozenset({"load"})),
    ("devdata", frozenset({"devdata"})),
    ("reason", frozenset({"reason"})),
    ("validate", frozenset({"validate"})),
    ("query", frozenset({"query"})),
    ("analysis", frozenset({"analysis"})),
    ("scenario/network", frozenset({"scenario", "network"})),  # one layer: either may use the other
    # tenders and passports measure with analysis and the scenario engine; rendering comes later
    ("tender/passport", frozenset({"tender", "passport"})),
    ("render", frozenset({"render"})),
    ("pipeline", frozenset({"pipeline"})),
    ("cli", frozenset({"cli"})),
    # `python -m loopsource` is the program's entry point: it exists to call the CLI, and nothing
    # imports it, so it sits above the CLI rather than in the foundation with __init__.
    ("entry", frozenset({"__main__"})),
)

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
EXCEPTION_WORDS = "one piece"  # in a long function's docstring: it is long on purpose, and says why

# Today's oversized modules and functions, each with its size today as a ceiling: the entry
# allows the item to shrink but not to grow, and an entry that no longer applies fails the
# test (remove it). Empty these as the splits merge.
ALLOWED_LONG_MODULES: dict[str, int] = {}
ALLOWED_LONG_FUNCTIONS: dict[str, int] = {}


def package_dir() -> Path:
    """``$LOOPSOURCE_SRC`` if set, else the folder of the importable ``loopsource`` package."""
    if os.environ.get("LOOPSOURCE_SRC"):
        return Path(os.environ["LOOPSOURCE_SRC"]).resolve()
    import loopsource

    return Path(loopsource.__file__).resolve().parent


@dataclass(frozen=True)
class Module:
    name: str       # dotted: loopsource.validate.engine
    path: Path
    is_package: bool  # an __init__.py: relative imports resolve from the module itself
    tree: ast.Module
    lines: int


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int


@cache
def modules() -> dict[str, Module]:
    """Every module of the package folder, by dotted name."""
    root = package_dir()
    out: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = ["loopsource", *rel.parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        text = path.read_text(encoding="utf-8")
        out[".".join(parts)] = Module(".".join(parts), path, is_package, ast.parse(text, str(path)),
                                      len(text.splitlines()))
    assert out, f"no modules under {root}"
    return out


def _existing(name: str) -> str | None:
    """The module ``name`` names, or its nearest enclosing module (``a.b.c`` where c is a function)."""
    mods = modules()
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _imports(mod: Module) -> Iterator[Edge]:
    """The loopsource modules ``mod`` imports, wherever in the file the import statement is."""
    package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "loopsource" or alias.name.startswith("loopsource."):
                    target = _existing(alias.name)
                    if target:
                        yield Edge(mod.name, target, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
                if base != "loopsource" and not base.startswith("loopsource."):
                    continue
            for alias in node.names:
                # `from . import x`: x is a submodule if there is one, else a name in the package
                sub = f"{base}.{alias.name}"
                target = sub if sub in modules() else _existing(base)
                if target and target != mod.name:
                    yield Edge(mod.name, target, node.lineno)


@cache
def graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: first line that imports it}."""
    out: dict[str, dict[str, int]] = {name: {} for name in modules()}
    for mod in modules().values():
        for e in _imports(mod):
            out[e.source].setdefault(e.target, e.line)
    return out


def layer_key(name: str) -> str:
    """The layer-defining component: loopsource.validate.engine -> validate; loopsource -> ""."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_of(name: str) -> int | None:
    key = layer_key(name)
    for i, (_label, members) in enumerate(LAYERS):
        if key in members:
            return i
    return None


def _cycles(g: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return [_cycle_in(g, comp) for comp in components]


def _cycle_in(g: dict[str, dict[str, int]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first, inside the component)."""
    members, start = set(component), component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(g[v]):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w in members and w not in came_from and w != start:
                    came_from[w] = v
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle found in strongly connected component {component}")


def _describe_cycle(g: dict[str, dict[str, int]], cycle: list[str]) -> str:
    steps = [f"{a} (line {g[a][b]})" for a, b in zip(cycle, cycle[1:])]
    return " -> ".join(steps + [cycle[-1]])


def test_every_module_has_a_layer() -> None:
    missing = sorted(name for name in modules() if layer_of(name) is None)
    assert not missing, (f"modules outside the architecture {[label for label, _ in LAYERS]}: {missing}; "
                         "add each to LAYERS in tests/test_layout.py where it belongs")


def test_no_import_cycles() -> None:
    g = graph()
    cycles = _cycles(g)
    assert not cycles, "import cycles:\n" + "\n".join("  " + _describe_cycle(g, c) for c in cycles)


def test_imports_run_one_way() -> None:
    g = graph()
    labels = [label for label, _ in LAYERS]
    upward = []
    for source, targets in sorted(g.items()):
        for target, line in sorted(targets.items()):
            a, b = layer_of(source), layer_of(target)
            if a is not None and b is not None and b > a:
                upward.append(f"  {modules()[source].path}:{line}: {source} ({labels[a]}) imports "
                              f"{target} ({labels[b]}), a later layer")
    assert not upward, ("imports from a later layer into an earlier one (order: " + " < ".join(labels) + "):\n"
                        + "\n".join(upward))


def _functions(mod: Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(qualified name, node) of every function and method, nested ones included."""
    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield prefix + child.name, child
                yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(mod.tree, f"{mod.name}.")


def _check_sizes(found: dict[str, int], allowed: dict[str, int], limit: int, what: str) -> list[str]:
    """Problems: items over ``limit`` not allowed, allowed ones that grew, entries no longer needed."""
    problems = [f"  {name}: {n} lines (limit {limit})" for name, n in sorted(found.items()) if name not in allowed]
    problems += [f"  {name}: {found[name]} lines, more than the {allowed[name]} it is allowed (it may only shrink)"
                 for name in sorted(allowed) if name in found and found[name] > allowed[name]]
    problems += [f"  {name}: no longer over {limit} lines (or gone): remove it from the {what} allow-list"
                 for name in sorted(allowed) if name not in found]
    return problems


def test_module_sizes() -> None:
    found = {m.name: m.lines for m in modules().values() if m.lines > MAX_MODULE_LINES}
    problems = _check_sizes(found, ALLOWED_LONG_MODULES, MAX_MODULE_LINES, "ALLOWED_LONG_MODULES")
    assert not problems, "modules over the size limit:\n" + "\n".join(problems)


def test_function_sizes() -> None:
    found: dict[str, int] = {}
    for mod in modules().values():
        for name, node in _functions(mod):
            n = node.end_lineno - node.lineno + 1  # the def line to the last line; decorators not counted
            if n > MAX_FUNCTION_LINES and EXCEPTION_WORDS not in (ast.get_docstring(node) or "").lower():
                found[name] = n
    problems = _check_sizes(found, ALLOWED_LONG_FUNCTIONS, MAX_FUNCTION_LINES, "ALLOWED_LONG_FUNCTIONS")
    assert not problems, (f"functions over {MAX_FUNCTION_LINES} lines (split them, or say in the docstring why "
                          f"each is '{EXCEPTION_WORDS}'):\n" + "\n".join(problems))


# ------------------------------------------------------------------- the checker checks itself
def _graph_of(edges: dict[str, set[str]]) -> dict[str, dict[str, int]]:
    return {v: {w: 1 for w in ws} for v, ws in edges.items()}


def test_cycle_finder_lists_the_cycle() -> None:
    g = _graph_of({"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e2"}, "e2": {"e"}})
    assert sorted(_cycles(g)) == [["a", "b", "c", "a"], ["e", "e2", "e"]]
    assert _cycles(_graph_of({"a": {"b"}, "b": set()})) == []


@pytest.mark.parametrize(("source", "code", "is_package", "expected"), [
    ("loopsource.cli.build", "from . import main", False, "loopsource.cli"),
    ("loopsource.cli.build", "from ..load.build import build", False, "loopsource.load.build"),
    ("loopsource.validate", "from .shapes import PROFILES", True, "loopsource.validate.shapes"),
    ("loopsource.cli", "from .. import __version__", True, "loopsource"),
    ("loopsource.pipeline", "import loopsource.store.meta", False, "loopsource.store.meta"),
    ("loopsource.pipeline", "from loopsource import store", False, "loopsource.store"),
    ("loopsource.query.catalogue",
     "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..store.base import GraphStore", False,
     "loopsource.store.base"),
    ("loopsource.store.embedded", "def f():\n    from ..query import run", False, "loopsource.query"),
])
def test_import_resolution(source: str, code: str, is_package: bool, expected: str) -> None:
    """Relative, absolute, function-level and TYPE_CHECKING imports all count, resolved to the module."""
    mod = Module(source, Path("x.py"), is_package, ast.parse(code), 1)
    assert [e.target for e in _imports(mod)] == [expected]

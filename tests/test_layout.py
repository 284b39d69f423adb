"""The layout holds: no import circle, no upward import between the stages, no private imports.

Read from the source with `ast` (nothing is imported), so a new circle or an upward import fails
here with the file, the line and the layer table to mend, before anyone trips over it at run time.
Imports inside functions and under TYPE_CHECKING count: they are dependencies all the same.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scheduler"

LAYERS: list[set[str]] = [
    {"errors", "rules", "version", "synth", "cells"},
    {"scenario"},
    {"results"},
    {"demand", "staffing_model"},
    {"rota", "checker", "handover"},
    {"pipeline", "replanning", "reviewing"},
    {"report"},
    {"serve", "sweeps", "interrupts"},
    {"cli", "exits", "progress", "__init__"},
]
"""Who may import whom: a stage imports only from its own layer or the ones above it in this
list (errors -> scenario -> demand/staffing -> rota and the checker -> pipeline/replan/review ->
report -> serve/sweep and the signal handling -> cli). A new top-level module needs a place here."""

FORBIDDEN: set[tuple[str, str]] = {("checker", "rota")}
"""Pairs (importer, imported) that the layers alone would allow: the checker is independent of
the optimization model."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


MODULES = source_files()


def stage(module: str) -> str:
    """The top-level room a module belongs to: scheduler.rota.model -> rota; scheduler -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer(module: str) -> int:
    name = stage(module)
    for k, names in enumerate(LAYERS):
        if name in names:
            return k
    raise AssertionError(f"{module}: scheduler/{name} has no layer; add it to LAYERS in tests/test_layout.py")


def resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names (relative imports resolved against the importer)."""
    if not node.level:
        return node.module or ""
    is_package = MODULES.get(importer, Path()).name == "__init__.py"
    base = importer.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path) -> list[tuple[str, int, list[str]]]:
    """(imported scheduler module, line, names taken from it) for every import in the file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "scheduler":
                    out.append((a.name, node.lineno, []))
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, node)
            if target.split(".")[0] != "scheduler":
                continue
            plain = []
            for a in node.names:  # `from scheduler import staffing_model` imports that module
                sub = f"{target}.{a.name}"
                if sub in MODULES:
                    out.append((sub, node.lineno, []))
                else:
                    plain.append(a.name)
            if plain or not node.names:
                out.append((target, node.lineno, plain))
    return out


GRAPH: dict[str, list[tuple[str, int, list[str]]]] = {m: imports_of(m, p) for m, p in MODULES.items()}


def test_every_module_has_a_layer():
    for m in MODULES:
        layer(m)


def test_no_upward_import_between_stages():
    bad = []
    for m, deps in GRAPH.items():
        for dep, line, _ in deps:
            if dep not in MODULES:
                bad.append(f"{MODULES[m].relative_to(ROOT)}:{line} imports {dep}, which does not exist")
            elif stage(dep) != stage(m) and (layer(dep) > layer(m) or (stage(m), stage(dep)) in FORBIDDEN):
                bad.append(f"{MODULES[m].relative_to(ROOT)}:{line} ({stage(m)}) imports {dep} ({stage(dep)})")
    assert not bad, "imports against the layers of tests/test_layout.py:\n" + "\n".join(bad)


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return path[path.index(d):] + [d]
            if d not in state and (found := visit(d)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_no_import_circle():
    graph = {m: {d for d, _, _ in deps if d != m and d in MODULES} for m, deps in GRAPH.items()}
    circle = find_circle(graph)
    assert circle is None, "import circle: " + " -> ".join(circle or [])


def test_find_circle_finds_one():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def module_aliases(tree: ast.AST, importer: str) -> dict[str, str]:
    """Local names bound to scheduler modules: `import scheduler.rota.solve as s`, `from scheduler.rota import roster_rules as rr`."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in MODULES and a.asname:
                    out[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            target = resolve(importer, node)
            for a in node.names:
                if f"{target}.{a.name}" in MODULES:
                    out[a.asname or a.name] = f"{target}.{a.name}"
    return out


@pytest.mark.parametrize("folder", ["scheduler", "benchmarks"])
def test_no_module_imports_a_private_name(folder):
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        importer = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = resolve(importer, node)
                if target.split(".")[0] == "scheduler" and target != importer:
                    bad += [f"{path.relative_to(ROOT)}:{node.lineno} takes {a.name} from {target}" for a in node.names if private(a.name)]
        aliases = module_aliases(tree, importer)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and private(node.attr) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} reads {aliases[node.value.id]}.{node.attr}")
    assert not bad, "private names used from another module:\n" + "\n".join(bad)


def test_rule_table_is_the_headings_of_rules_md():
    from scheduler.rules import RULES

    headings = re.findall(r"^\d+\. \*\*\[([a-z_]+)\]\*\*", (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8"), re.M)
    assert list(RULES) == headings


def test_model_rule_functions_are_named_after_their_key():
    """rota/hard_rules.py has rule_<key> exactly for the rules the table says the model keeps."""
    from scheduler.rules import RULES

    tree = ast.parse((PACKAGE / "rota" / "hard_rules.py").read_text(encoding="utf-8"))
    functions = {n.name.removeprefix("rule_") for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("rule_")}
    assert functions == {k for k, r in RULES.items() if "model" in r.kept_by}


def test_checker_reports_under_the_table_keys():
    """The checker reports under exactly the table's keys (and `figures`): none unknown, none left out."""
    from scheduler.rules import FIGURES, RULES

    used = set()
    for path in sorted(PACKAGE.joinpath("checker").rglob("*.py")):
        used |= set(re.findall(r"""(?:\badd|Violation)\(\s*["']([a-z_]+)["']""", path.read_text(encoding="utf-8")))
    assert used == set(RULES) | {FIGURES}

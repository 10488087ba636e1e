"""The package layout holds: each floor of kpi/ imports only from the floors below it, only
kpi.web imports Streamlit, kpi modules import kpi at module level, nothing imports in a cycle."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FLOORS = ("base", "auth", "store", "measure", "outputs", "web")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import statement of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from kpi.store import db` imports the module kpi.store.db
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (REPO / candidate.replace(".", "/")).with_suffix(".py").exists()
                found.append((candidate if is_module else node.module, id(node) in top))
    return found


KPI_FILES = sorted((REPO / "kpi").rglob("*.py"))
GRAPH = {
    _module_name(path): {name for name, _ in _imports(path) if name.startswith("kpi.")}
    for path in KPI_FILES
}


def _floor(module: str) -> int:
    parts = module.split(".")
    return FLOORS.index(parts[1]) if len(parts) > 1 and parts[1] in FLOORS else -1


def test_every_kpi_module_lives_on_a_floor():
    loose = [m for m in GRAPH if m != "kpi" and _floor(m) < 0]
    assert not loose, f"modules outside the floors {FLOORS}: {loose}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_module_imports_only_from_its_floor_or_below(module: str):
    upward = sorted(m for m in GRAPH[module] if _floor(m) > _floor(module))
    assert not upward, f"{module} (floor {FLOORS[_floor(module)]}) imports upward: {upward}"


@pytest.mark.parametrize("path", KPI_FILES, ids=lambda p: _module_name(p))
def test_only_kpi_web_imports_streamlit(path: Path):
    if _floor(_module_name(path)) == FLOORS.index("web"):
        return
    streamlit = [name for name, _ in _imports(path) if name.split(".")[0] == "streamlit"]
    assert not streamlit, f"{_module_name(path)} imports {streamlit}"


@pytest.mark.parametrize("path", KPI_FILES, ids=lambda p: _module_name(p))
def test_kpi_modules_are_imported_at_module_level(path: Path):
    hidden = [name for name, top in _imports(path) if name.startswith("kpi") and not top]
    assert not hidden, f"{_module_name(path)} imports {hidden} inside a function"


def test_no_import_cycles():
    cycles = []

    def visit(module: str, stack: list[str], done: set[str]) -> None:
        if module in stack:
            cycles.append(stack[stack.index(module) :] + [module])
            return
        if module in done:
            return
        for imported in sorted(GRAPH.get(module, ())):
            visit(imported, [*stack, module], done)
        done.add(module)

    done: set[str] = set()
    for module in sorted(GRAPH):
        visit(module, [], done)
    assert not cycles, " ; ".join(" -> ".join(c) for c in cycles)


def test_the_layout_check_sees_an_upward_import(tmp_path):
    """The checks above parse real imports: a store module importing the web would be caught."""
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from kpi.web import cache\n", encoding="utf-8")
    assert _imports(sample) == [("os", True), ("kpi.web.cache", False)]
    assert _floor("kpi.web.cache") > _floor("kpi.store.db")

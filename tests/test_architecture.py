"""The package's shape: every module imports, no import cycle (lazy imports included), and the core
stages import no reader, writer, zip or file API."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cdht_excel"
MODULES = sorted(
    ".".join(("cdht_excel",) + p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py") if "doc_templates" not in p.parts)

# Core stages: pure functions over plain data (what the reader produced), nothing else.
CORE = ("cdht_excel.merge", "cdht_excel.check", "cdht_excel.schemes", "cdht_excel.book", "cdht_excel.contract",
        "cdht_excel.results", "cdht_excel.findings", "cdht_excel.text", "cdht_excel.assess")
IO = {"os", "io", "zipfile", "shutil", "tempfile", "subprocess", "openpyxl", "xlsxwriter", "python_calamine",
      "defusedxml", "cdht_excel.read", "cdht_excel.template", "cdht_excel.atomic", "cdht_excel.outputs",
      "cdht_excel.plan_sheet", "cdht_excel.rubric_sheet", "cdht_excel.dossier", "cdht_excel.cli"}
READING_ENTRY = {("cdht_excel.assess", "read_all")}     # assess(inputs) = read_all, then the pure assess_books


def path_of(module: str) -> Path:
    rel = module.split(".")[1:]
    candidate = PACKAGE.joinpath(*rel).with_suffix(".py")
    return candidate if candidate.exists() else PACKAGE.joinpath(*rel, "__init__.py")


def imports(module: str) -> list[tuple[str, str | None]]:
    """(imported module, enclosing function or None) for every import, except `if TYPE_CHECKING:` ones."""
    tree = ast.parse(path_of(module).read_text("utf-8"))
    package = module if path_of(module).name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[str, str | None]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other, function)
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level + 1] + [base]).strip(".")
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    found.append((sub if sub in MODULES else base, function))
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            visit(child, name)
    visit(tree, None)
    return found


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports(module):
    importlib.import_module(module)


def test_no_import_cycle():
    graph = {m: sorted({name for name, _ in imports(m) if name in MODULES and name != m}) for m in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = walk(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for module in MODULES:
        if module not in state:
            cycle = walk(module)
            assert cycle is None, "import cycle: " + " → ".join(cycle)


@pytest.mark.parametrize("module", CORE)
def test_core_modules_import_no_io(module):
    bad = sorted({name for name, function in imports(module) if (module, function) not in READING_ENTRY
                  and any(name == io or name.startswith(io + ".") for io in IO)})
    assert not bad, f"{module} imports {bad}"


def test_the_reader_and_the_writer_share_the_contract_not_each_other():
    assert not any(name.startswith("cdht_excel.template") for name, _ in imports("cdht_excel.read"))
    for module in ("cdht_excel.merge", "cdht_excel.read", "cdht_excel.report"):
        assert not any(name == "cdht_excel.template" for name, _ in imports(module)), module
    assert ("cdht_excel.contract", None) in imports("cdht_excel.template")
    assert ("cdht_excel.contract", None) in imports("cdht_excel.read")


def test_formula_scan_is_plain_data_read_once():
    """No attribute set on a book at run time; merge never opens a file again."""
    sources = {m: path_of(m).read_text("utf-8") for m in MODULES}
    assert not any("_formulas_read" in text for text in sources.values())
    assert "formula_without_value" not in sources["cdht_excel.merge"]

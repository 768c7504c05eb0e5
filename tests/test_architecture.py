"""The package's shape: the layers of the flow and which way they may import, every module imports,
no import cycle (lazy and type-only imports included), names imported from where they are defined (no
re-exporting shims), and the core stages import no reader, writer, zip or file API."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cdht_excel"
MODULES = sorted(
    ".".join(("cdht_excel",) + p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py") if "doc_templates" not in p.parts and "migrations" not in p.parts)

# The layers, bottom first. A module may import its own layer and the layers below it, never above.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("helpers", ("cdht_excel", "cdht_excel.text", "cdht_excel.vietnamese", "cdht_excel.atomic", "cdht_excel.sheets")),
    ("rules", ("cdht_excel.rules",)),
    ("reading", ("cdht_excel.reading",)),
    ("signing", ("cdht_excel.signing",)),
    ("commune", ("cdht_excel.commune",)),
    ("above", ("cdht_excel.above",)),
    ("outputs", ("cdht_excel.outputs",)),
    ("jobs", ("cdht_excel.jobs", "cdht_excel.fuzz")),
    ("faces", ("cdht_excel.web", "cdht_excel.service", "cdht_excel.cli_vn", "cdht_excel.cli", "cdht_excel.__main__",
               "cdht_excel.api")),
]
# The one import that runs up on purpose: the package root hands out the analysts' API (`cdht_excel.merge`, …)
# from `api` on first use (in its module `__getattr__`), so `import cdht_excel` stays cheap. It is not an
# import at load time, so it is left out of the layer and cycle checks; the names it hands out count as
# defined in the root (see `test_names_come_from_where_they_are_defined`).
LAZY_REEXPORT = ("cdht_excel", "cdht_excel.api", "__getattr__")
PACKAGES = ("sheets", "rules", "reading", "signing", "commune", "above", "outputs", "web", "service")
TOP_LEVEL_AT_MOST = 10      # modules directly in cdht_excel/, __init__ and __main__ included

# Core stages: pure functions over plain data (what the reader produced), nothing else.
CORE = ("cdht_excel.commune.merge", "cdht_excel.commune.check", "cdht_excel.commune.assess",
        "cdht_excel.rules.schemes", "cdht_excel.rules.model", "cdht_excel.rules.contract", "cdht_excel.rules.results",
        "cdht_excel.rules.findings", "cdht_excel.reading.book", "cdht_excel.text")
IO = {"os", "io", "zipfile", "shutil", "tempfile", "subprocess", "openpyxl", "xlsxwriter", "python_calamine",
      "defusedxml", "cdht_excel.reading.read", "cdht_excel.commune.template", "cdht_excel.atomic", "cdht_excel.outputs",
      "cdht_excel.sheets", "cdht_excel.commune.plan_sheet", "cdht_excel.rules.rubric_sheet", "cdht_excel.commune.dossier",
      "cdht_excel.cli"}
READING_ENTRY = {("cdht_excel.commune.assess", "read_all")}     # assess(inputs) = read_all, then the pure assess_books


def path_of(module: str) -> Path:
    rel = module.split(".")[1:]
    candidate = PACKAGE.joinpath(*rel).with_suffix(".py")
    return candidate if candidate.exists() else PACKAGE.joinpath(*rel, "__init__.py")


def imports(module: str, type_only: bool = False) -> list[tuple[str, str | None]]:
    """(imported module, enclosing function or None) for every import; `if TYPE_CHECKING:` ones only when
    `type_only` (a type-only import still ties the two modules together)."""
    tree = ast.parse(path_of(module).read_text("utf-8"))
    package = module if path_of(module).name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[str, str | None]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test) and not type_only:
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


def layer_of(module: str) -> int:
    """The layer of a module: the one whose longest prefix names it."""
    best = max(((len(prefix), index) for index, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
                if module == prefix or module.startswith(prefix + ".")), default=None)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[1]


def own_modules(module: str) -> set[str]:
    return {name for name, function in imports(module, type_only=True) if name in MODULES and name != module
            and (module, name, function) != LAZY_REEXPORT}


def test_the_lazy_reexport_is_the_only_exception_and_hands_out_only_api_names():
    import cdht_excel
    from cdht_excel import api
    assert (LAZY_REEXPORT[1], LAZY_REEXPORT[2]) in imports(LAZY_REEXPORT[0])
    assert set(cdht_excel.API) <= _defined_names("cdht_excel.api")
    assert all(getattr(cdht_excel, name) is getattr(api, name) for name in cdht_excel.API)


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports(module):
    importlib.import_module(module)


@pytest.mark.parametrize("module", MODULES)
def test_no_import_runs_up_a_layer(module):
    upward = sorted(f"{name} ({LAYERS[layer_of(name)][0]})" for name in own_modules(module)
                    if layer_of(name) > layer_of(module))
    assert not upward, f"{module} ({LAYERS[layer_of(module)][0]}) imports from above: {upward}"


def test_the_layers_check_sees_an_upward_import():
    """The rule is real: `rules` importing the commune's merge would be caught."""
    assert layer_of("cdht_excel.commune.merge") > layer_of("cdht_excel.rules.rubric")
    assert layer_of("cdht_excel.text") == 0 and layer_of("cdht_excel.cli") == len(LAYERS) - 1
    assert layer_of("cdht_excel.outputs.terminal") > layer_of("cdht_excel.above.district")


def test_no_import_cycle():
    graph = {m: sorted(own_modules(m)) for m in MODULES}
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


def test_the_top_level_holds_only_the_faces_and_a_few_helpers():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= TOP_LEVEL_AT_MOST, top
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()) == sorted(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_says_what_lives_there_and_what_it_may_import(package):
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text("utf-8"))) or ""
    lines = [line for line in doc.splitlines() if line.startswith("May import:")]
    assert len(lines) == 1, f"cdht_excel/{package}/__init__.py: one line 'May import: …'"
    stated = {name.strip().rstrip(".") for name in lines[0].removeprefix("May import:").split(",")}
    below = {layer for layer, _ in LAYERS[:layer_of(f"cdht_excel.{package}")]}
    assert stated == (below or {"the other helpers only"}), (package, stated, below)


def _defined_names(module: str) -> set[str]:
    tree = ast.parse(path_of(module).read_text("utf-8"))
    names: set[str] = set()
    for top in tree.body:
        for node in ast.walk(top) if isinstance(top, (ast.If, ast.Try)) else [top]:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) else []
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names | {m.rsplit(".", 1)[1] for m in MODULES if "." in m and m.rsplit(".", 1)[0] == module}


def test_names_come_from_where_they_are_defined():
    """No module passes on a name it imported itself (a shim kept for a former place of the code)."""
    defined = {m: _defined_names(m) for m in MODULES}
    import cdht_excel
    defined["cdht_excel"] |= set(cdht_excel.API)      # handed out by the root's lazy re-export (LAZY_REEXPORT)
    wrong = []
    sources = [p for d in ("cdht_excel", "tests", "benchmarks", "samples", "docs", "workbook_templates")
               for p in PACKAGE.parent.joinpath(d).rglob("*.py")]
    for path in sources:
        tree = ast.parse(path.read_text("utf-8"))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and not node.level and node.module in defined:
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in MODULES:
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                    elif alias.name not in defined[node.module]:
                        wrong.append(f"{path.name}:{node.lineno} from {node.module} import {alias.name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                    and node.attr not in defined[aliases[node.value.id]]:
                wrong.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr} ({aliases[node.value.id]})")
    assert not wrong, wrong


@pytest.mark.parametrize("module", CORE)
def test_core_modules_import_no_io(module):
    bad = sorted({name for name, function in imports(module) if (module, function) not in READING_ENTRY
                  and any(name == io or name.startswith(io + ".") for io in IO)})
    assert not bad, f"{module} imports {bad}"


def test_the_rubric_model_knows_neither_its_scheme_nor_its_spreadsheet_form():
    assert not own_modules("cdht_excel.rules.model") - {"cdht_excel.rules.findings"}


def test_the_reader_and_the_writer_share_the_contract_not_each_other():
    assert not any(name.startswith("cdht_excel.commune.template") for name, _ in imports("cdht_excel.reading.read"))
    for module in ("cdht_excel.commune.merge", "cdht_excel.reading.read", "cdht_excel.commune.report"):
        assert not any(name == "cdht_excel.commune.template" for name, _ in imports(module)), module
    assert ("cdht_excel.rules.contract", None) in imports("cdht_excel.commune.template")
    assert ("cdht_excel.rules.contract", None) in imports("cdht_excel.reading.read")


def test_formula_scan_is_plain_data_read_once():
    """No attribute set on a book at run time; merge never opens a file again."""
    sources = {m: path_of(m).read_text("utf-8") for m in MODULES}
    assert not any("_formulas_read" in text for text in sources.values())
    assert "formula_without_value" not in sources["cdht_excel.commune.merge"]

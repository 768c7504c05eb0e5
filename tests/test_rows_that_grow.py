"""Unit forms let Excel and LibreOffice fit the criterion and evidence rows (issue 19, item 4).

A row with a fixed height ("customHeight") never grows while someone types in it, so evidence typed on
several lines (Alt+Enter) was cut on paper. Checked in the files' XML — the template of both rubrics, a
split unit form, and the same forms filled through their names (`fill_workbook`, as the samples, the
benchmarks and other programs fill them; openpyxl fixes every height it writes) — and in a LibreOffice
rendering: lines typed into a filled form in LibreOffice, saved as .xlsx, converted to PDF with soffice;
pdftotext must show every line, on one A4 landscape page.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import openpyxl
import pytest
from rendering import custom_height_rows, is_a4, pdf_page_sizes, pdf_text, render_pdfs
from support import REPO, fill, make_template, require

from cdht_excel.rules.contract import COL, FIRST_ITEM_ROW, INSTRUCTIONS_SHEET

UNO_PYTHON = "/usr/bin/python3"
LINES = 8


def unit_sheets(path):
    """(sheet index for custom_height_rows, worksheet) of every unit sheet."""
    wb = openpyxl.load_workbook(path)
    return [(n, ws) for n, ws in enumerate(wb.worksheets, start=1)
            if ws.sheet_state == "visible" and ws.title != INSTRUCTIONS_SHEET]


def table_rows(ws) -> list[int]:
    """1-based rows of the criteria table: from the first below the headings to the last with an item key
    in hidden column A (criterion headings have none)."""
    keyed = [c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("C") and c.row > FIRST_ITEM_ROW]
    return list(range(FIRST_ITEM_ROW + 1, max(keyed) + 1))


def evidence_cells(path, ws):
    wb = openpyxl.load_workbook(path)
    return [wb[sheet][coord.replace("$", "")] for name, defined in wb.defined_names.items()
            if name.endswith("_EVIDENCE") for sheet, coord in defined.destinations if sheet == ws.title]


def assert_rows_free_to_grow(path) -> None:
    sheets = unit_sheets(path)
    assert sheets, path
    for index, ws in sheets:
        custom = custom_height_rows(path, index)
        fixed = [r for r in table_rows(ws) if custom.get(r) is not False]      # False: a height, free to grow
        assert fixed == [], (path.name, ws.title, fixed, custom)
        cells = evidence_cells(path, ws)
        assert cells and all(c.alignment.wrap_text for c in cells), (ws.title, [c.coordinate for c in cells])


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("forms")
    samples = _load_samples()
    tt44 = make_template(tmp, "tt44-2014", 2024, split_dir=tmp / "tach44")
    tt25 = make_template(tmp, "tt25-2023", 2025, hard_area=False)
    farmers = next((tmp / "tach44").glob("*Nông dân*"))
    return {"tt44": tt44, "tt25": tt25, "split": farmers,
            "tt44-filled": fill(tt44, tmp / "tt44-filled.xlsx", samples.tt44_values(), only_existing=True),
            "tt25-filled": fill(tt25, tmp / "tt25-filled.xlsx", samples.tt25_values(plan=samples.tt25_plan()),
                                only_existing=True),
            "split-filled": fill(farmers, tmp / "hoi-nong-dan.xlsx", samples.tt44_values(), only_existing=True)}


def _load_samples():
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_samples", REPO / "samples" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("form", ["tt44", "tt25", "split", "tt44-filled", "tt25-filled", "split-filled"])
def test_criterion_and_evidence_rows_have_no_fixed_height(forms, form):
    assert_rows_free_to_grow(forms[form])


def test_lines_typed_into_a_filled_form_all_print(forms, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True).returncode != 0:
        pytest.skip("python3-uno is not installed")
    source = forms["split-filled"]
    sheet = unit_sheets(source)[0][1]
    row = evidence_cells(source, sheet)[0].row - 1                     # 0-based: tiêu chí 8's one row
    typed = tmp_path / "hoi-nong-dan-go-them.xlsx"
    proc = subprocess.run([UNO_PYTHON, str(REPO / "tests" / "lo_type_lines.py"), str(source), sheet.title,
                           str(row), str(COL["EVIDENCE"]), str(LINES), str(typed)],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    grown = json.loads(proc.stdout.strip().splitlines()[-1])
    assert grown["optimal_before"] and grown["after"] > grown["before"], grown     # LibreOffice fits the row
    pdf = require(render_pdfs([typed], tmp_path / "pdf"))[0]
    text = pdf_text(pdf)
    printed = [n for n in range(1, LINES + 1) if f"Văn bản minh chứng số {n}" in text]
    assert printed == list(range(1, LINES + 1)), printed
    pages = pdf_page_sizes(pdf)
    assert len(pages) == 2 and is_a4(pages[0], landscape=False) and is_a4(pages[1], landscape=True), pages

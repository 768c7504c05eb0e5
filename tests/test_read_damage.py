"""Files damaged the way people damage them still merge to the same result, or get a precise finding."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import openpyxl
import pytest

from commune import TT44_SCORES, codes, finding, merge, returned_set, tt44_values
from support import require, soffice_convert_many

TOTAL = sum(TT44_SCORES.values())


@pytest.fixture
def folder(tmp_path):
    return returned_set(tmp_path, tt44_values())


def files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.xlsx"))


def edit(path: Path, change) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


def unit_sheet(wb):
    return next(ws for ws in wb.worksheets if isinstance(ws["A1"].value, str) and ws["A1"].value.startswith("CDHT|"))


def assert_intact(folder, expect_code=0):
    code, text, report = merge(folder)
    assert report["total"] == TOTAL, text
    assert report["classification"]["code"] == "tot"
    assert code == expect_code, text
    return report


def test_renamed_and_reordered_sheets(folder):
    def change(wb):
        unit_sheet(wb).title = "Phiếu của chúng tôi"
        wb.move_sheet(unit_sheet(wb), offset=-1)
    for path in files(folder):
        edit(path, change)
    assert_intact(folder)


def test_names_deleted_falls_back_to_the_key_column(folder):
    def change(wb):
        for name in [n for n in wb.defined_names if n.startswith("CDHT_")]:
            del wb.defined_names[name]
    edit(files(folder)[1], change)
    report = assert_intact(folder)
    assert finding(report, "names-lost")["unit"] == "Văn phòng UBND xã"


def test_rows_inserted_without_updating_names_never_trusts_stale_names(folder):
    # openpyxl does not shift defined names: every name now points one or more rows too high.
    edit(files(folder)[1], lambda wb: unit_sheet(wb).insert_rows(5, amount=2))
    assert_intact(folder)


def test_sheet_copied_into_a_new_workbook(folder):
    src = files(folder)[2]
    wb = openpyxl.load_workbook(src)
    ws = unit_sheet(wb)
    new = openpyxl.Workbook()
    target = new.active
    target.title = "MTTQ"
    for row in ws.iter_rows():
        for cell in row:
            target.cell(row=cell.row, column=cell.column, value=cell.value)
    src.unlink()
    new.save(folder / "Sheet1 MTTQ chép.xlsx")
    report = assert_intact(folder)
    assert "sheet-copied" in codes(report, "info")


def test_nfd_text_is_read_as_nfc(folder):
    def change(wb):
        ws = unit_sheet(wb)
        ws.title = unicodedata.normalize("NFD", "Ủy ban MTTQ xã (đã điền)")
        ws["F11"] = unicodedata.normalize("NFD", "Nghị quyết số 12/NQ-MTTQ ngày 10/01/2024")
    edit(files(folder)[2], change)
    report = assert_intact(folder)
    c3 = next(c for c in report["criteria"] if c["id"] == "3")
    assert c3["evidence"] == ["Nghị quyết số 12/NQ-MTTQ ngày 10/01/2024"]
    assert c3["source"]["sheet"] == "Ủy ban MTTQ xã (đã điền)"


def test_hidden_rows_and_merged_evidence_cells(folder):
    def change(wb):
        ws = unit_sheet(wb)
        ws.row_dimensions[11].hidden = True
        ws.merge_cells("F11:G11")
    edit(files(folder)[1], change)
    assert_intact(folder)


def test_formula_in_a_score_cell(folder):
    edit(files(folder)[0], lambda wb: unit_sheet(wb).__setitem__("E11", "=3+3"))
    assert_intact(folder)
    edit(files(folder)[0], lambda wb: unit_sheet(wb).__setitem__("E11", "=B5+1"))
    code, _, report = merge(folder)
    f = finding(report, "formula-no-value")
    assert f["cell"] == "E11" and "=B5+1" in f["message"]
    assert report["classification"]["code"] == "chua-xep-loai"


def test_cached_subtotal_is_never_trusted(folder):
    # The unit overwrites its live subtotal with a made-up number: merge recomputes from the items.
    replaced = []

    def change(wb):
        ws = unit_sheet(wb)
        for row in ws.iter_rows():
            for cell in row:
                formula = getattr(cell.value, "text", cell.value)   # the subtotal is an array formula {=SUM(…)}
                if isinstance(formula, str) and formula.startswith("=SUM("):
                    cell.value = 99
                    replaced.append(cell.coordinate)
    edit(files(folder)[1], change)
    assert replaced
    assert_intact(folder)


@pytest.mark.parametrize("fmt", ["xls", "ods", "xlsx"])
def test_libreoffice_resaves(folder, tmp_path, fmt):
    converted = require(soffice_convert_many(files(folder), fmt, tmp_path / f"lo-{fmt}"))
    assert len(converted) == 10
    report = assert_intact(tmp_path / f"lo-{fmt}")
    assert {f["format"] for f in report["files"]} == {fmt}

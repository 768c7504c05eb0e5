"""Long tables written by `TableSheet.write_rows`: the same XML as XlsxWriter's own, and text stays text."""
from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest
import python_calamine as pc
import xlsxwriter

from cdht_excel.commune import plan as P
from cdht_excel.rules import rubric as R
from cdht_excel.sheets.table_rows import MAX_UNITS, TableWorkbook
from cdht_excel.sheets.workbook import text_safe_workbook
from commune import tt44_values
from support import run_cli

# both workbooks carry the same creation time: written a second apart, docProps/core.xml would differ
CREATED = dt.datetime(2024, 12, 18, 10, 0)

AWKWARD = [1, "Tỉnh Thái Nguyên", " leading", "trailing ", 'a&b<c>d"e', 7.5, 80, 1e20, 0.1 + 0.2, -3,
           "x\x01y", "_x0041_ literal", "", True, "hai\ndòng", "tab\there", 2024, "\u00a0nbsp"]


def table(n: int) -> tuple[list[list], list[float | None]]:
    rows = [AWKWARD] + [[i, f"xã Thử {i}", "t", i * 0.5, "", "z" * (i % 40), 3, 4, 5.25, False, "q"]
                        for i in range(2, n + 1)]
    heights = [18.0, None] + [33.0 if i % 3 else 18.75 for i in range(n - 2)]
    return rows[:n], heights[:n]


def by_xlsxwriter(path, rows, heights, **options):
    """The same table written cell by cell through XlsxWriter's own API."""
    wb = xlsxwriter.Workbook(str(path), options)
    wb.set_properties({"created": CREATED})
    ws = wb.add_worksheet("Các xã")
    text, number = wb.add_format({"border": 1}), wb.add_format({"num_format": "0.##"})
    ws.write_string(0, 0, "STT", text)
    for r, (values, height) in enumerate(zip(rows, heights), start=1):
        if height is not None:
            ws.set_row(r, height)
        for c, value in enumerate(values):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, number)
            else:
                ws.write_string(r, c, str(value), text)
    ws.write_string(len(rows) + 2, 0, "after the table", text)
    wb.close()


def by_write_rows(path, rows, heights, **options):
    wb = TableWorkbook(str(path), options)
    wb.set_properties({"created": CREATED})
    ws = wb.add_worksheet("Các xã")
    text, number = wb.add_format({"border": 1}), wb.add_format({"num_format": "0.##"})
    ws.write_string(0, 0, "STT", text)
    ws.write_rows(1, zip(rows, heights), len(rows), max(map(len, rows)), text, number)
    ws.write_string(len(rows) + 2, 0, "after the table", text)
    wb.close()


@pytest.mark.parametrize("n", [1, 2, 3, 300])
def test_every_part_is_what_xlsxwriter_writes_cell_by_cell(tmp_path, n):
    rows, heights = table(n)
    by_xlsxwriter(tmp_path / "a.xlsx", rows, heights, constant_memory=True)
    by_write_rows(tmp_path / "b.xlsx", rows, heights, constant_memory=True)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as a, zipfile.ZipFile(tmp_path / "b.xlsx") as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name


def test_values_read_back_as_written(tmp_path):
    rows, heights = table(50)
    by_write_rows(tmp_path / "b.xlsx", rows, heights, constant_memory=True)
    got = pc.CalamineWorkbook.from_path(str(tmp_path / "b.xlsx")).get_sheet_by_name("Các xã").to_python()
    for values, line in zip(rows, got[1:]):
        for value, cell in zip(values, line):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert cell == pytest.approx(value, rel=1e-15)     # written with 16 significant digits
            else:
                assert cell == str(value)


def test_rich_text_shaped_strings_stay_text(tmp_path):
    """XlsxWriter's constant-memory mode writes '<r>…</r>' raw, which corrupted the workbook."""
    hostile = "<r>bad & </is></c></r>"
    wb = text_safe_workbook(tmp_path / "c.xlsx", constant_memory=True)
    ws = wb.add_worksheet("S")
    ws.write_string(0, 0, hostile)
    ws.write_string(0, 1, hostile, wb.add_format({"bold": True}))
    ws.write_rows(1, [(["<r>x</r>", 1], None), ([2, "<r><t>y</t></r>"], None), ([3, 4], None)], 3, 2,
                  wb.add_format(), wb.add_format())
    wb.close()
    expected = [[hostile, hostile], ["<r>x</r>", 1], [2, "<r><t>y</t></r>"], [3, 4]]
    assert [[c.value for c in r] for r in openpyxl.load_workbook(tmp_path / "c.xlsx").active.iter_rows()] == expected
    assert pc.CalamineWorkbook.from_path(str(tmp_path / "c.xlsx")).get_sheet_by_index(0).to_python() == expected


def test_overlong_text_is_cut_to_excels_limit(tmp_path):
    long = "á" * (MAX_UNITS - 1) + "😀" + "tail"          # the emoji would straddle the limit
    by_write_rows(tmp_path / "b.xlsx", [[1, long], [2, "x"]], [None, None], constant_memory=True)
    got = pc.CalamineWorkbook.from_path(str(tmp_path / "b.xlsx")).get_sheet_by_name("Các xã").to_python()
    assert got[1][1] == "á" * (MAX_UNITS - 1)


def test_one_column_tables_and_wrong_counts_are_refused(tmp_path):
    wb = TableWorkbook(str(tmp_path / "x.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    with pytest.raises(ValueError):
        ws.write_rows(0, [(["a"], None), (["b"], None)], 2, 1, wb.add_format(), wb.add_format())
    wb.close()
    for given in (1, 3):                    # rows are counted as they are written: a mismatch is an error
        wb = TableWorkbook(str(tmp_path / f"{given}.xlsx"), {"constant_memory": True})
        ws = wb.add_worksheet()
        ws.write_rows(0, [(["a", 1], None)] * given, 2, 2, wb.add_format(), wb.add_format())
        with pytest.raises(ValueError):
            wb.close()


def test_district_workbook_keeps_a_rich_text_shaped_province_as_text(tmp_path):
    from cdht_excel.commune.template import split_file_name, write_template
    r = R.load("tt44-2014")
    names = {"Bình An": "<r>Tỉnh</r>", "Yên Lạc": "Thái Nguyên", "Hòa Bình": "<r><t>x</t></r>"}
    for commune, province in names.items():
        plan = P.default_plan(commune, 2024, r, district="Đồng Hỷ", province=province)
        folder = tmp_path / "in" / commune
        folder.mkdir(parents=True)
        for n, unit in enumerate(plan.units, start=1):
            write_template(plan, r, folder / split_file_name(n, unit, plan), only=unit, values=tt44_values())
    code, text = run_cli("district", tmp_path / "in", "-o", tmp_path / "h.xlsx")
    assert code in (0, 1), text
    rows = pc.CalamineWorkbook.from_path(str(tmp_path / "h.xlsx")).get_sheet_by_name("Các xã").to_python()
    assert sorted(row[1] for row in rows[1:]) == sorted(names.values())
    ws = openpyxl.load_workbook(tmp_path / "h.xlsx")["Các xã"]
    assert sorted(ws.cell(row, 2).value for row in range(2, 5)) == sorted(names.values())

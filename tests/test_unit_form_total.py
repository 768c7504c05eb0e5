"""The unit's own form adds up as the merge does (issue 20, item 4).

A unit types "6,5" as text (the README invites it), 7 as a number and "7.5" as text. After LibreOffice or
Gnumeric recalculates, the form's "Tổng điểm của đơn vị" and "Số nội dung đã nhập" show what `cdht merge`
computes for that unit: the same total (a score without evidence counts 0, as in the merge) and the same
count of filled items (a ratio item of TT 25 is filled when each of its counts is). LibreOffice is run in
English and in Vietnamese (decimal comma), where VALUE("7.5") is an error. Gnumeric shows whole scores as
"7", never "7.".
"""
from __future__ import annotations

import csv
import re
import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from commune import merge
from support import fill, make_template, require, soffice_convert_many

UNIT = "Văn phòng UBND xã"          # criteria 2, 7 and 11 in the default plan
TOTAL_LABEL = "Tổng điểm của đơn vị"
FILLED_LABEL = "Số nội dung đã nhập"
TYPED = {"C2_SCORE": "6,5", "C7_SCORE": 7, "C11_SCORE": "7.5",
         "C2_EVIDENCE": "Quyết định số 5/QĐ-UBND", "C7_EVIDENCE": "Báo cáo số 12/BC-UBND",
         "C11_EVIDENCE": "Danh sách hộ nghèo năm 2024"}
CASES = {
    "typed": TYPED,
    "no-evidence": {k: v for k, v in TYPED.items() if k != "C11_EVIDENCE"},   # merge counts C11 as 0
    "partly": {"C2_SCORE": " 8,0 ", "C2_EVIDENCE": "Kế hoạch số 3/KH-UBND", "C7_SCORE": "7/5",
               "C7_EVIDENCE": "Báo cáo"},   # "7/5" is a date to a spreadsheet, not a score to the merge
}


# TT 25: Hội Khuyến học xã has criterion 5, two ratio items; 5.2 lacks two of its three counts
TT25_UNIT = "Hội Khuyến học xã"
TT25_PARTLY = {"C5_1_BASE": 10000, "C5_1_CITIZENS": "6500", "C5_1_EVIDENCE": "Quyết định số 9/QĐ-UBND",
               "C5_2_BASE": 10000}


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    """{case: (filled form, what the merge computes for the unit: (total or None, 'filled/total'), the summary,
    the unit's sheet)}."""
    tmp = tmp_path_factory.mktemp("unit-form")
    cases = {case: ("tt44-2014", UNIT, values) for case, values in CASES.items()}
    cases["tt25"] = ("tt25-2023", TT25_UNIT, TT25_PARTLY)
    out = {}
    for case, (rubric, unit_name, values) in cases.items():
        split = tmp / f"split-{rubric}"
        if not split.exists():
            make_template(tmp / rubric, rubric=rubric, split_dir=split)
        blank = next(p for p in split.glob("*.xlsx") if unit_name in p.name)
        folder = tmp / case
        folder.mkdir()
        form = fill(blank, folder / f"{case}.xlsx", values, only_existing=True)
        _, _, report = merge(folder, out=tmp / f"tong-hop-{case}.xlsx")
        total = sum(c["score"] or 0 for c in report["criteria"] if c["unit"] == unit_name)
        unit = next(u for u in report["units"] if u["name"] == unit_name)
        expected = (total if rubric == "tt44-2014" else None, f"{unit['filled']}/{unit['total']}")
        out[case] = (form, expected, tmp / f"tong-hop-{case}.xlsx", unit_name)
    return out


def test_the_merge_reads_the_typed_scores(forms):
    assert forms["typed"][1] == (21, "3/3")
    assert forms["no-evidence"][1] == (13.5, "3/3")
    assert forms["partly"][1] == (8, "2/3")
    assert forms["tt25"][1] == (None, "1/2")


def _shown(rows, label: str):
    """The VALUE column (E) of the row whose label (B) starts with `label` (None: no such row)."""
    found = [row[4] for row in rows if isinstance(row[1], str) and row[1].startswith(label)]
    assert len(found) <= 1, (label, found)
    return found[0] if found else None


@pytest.mark.parametrize("locale", ["en-US", "vi-VN"])
def test_libreoffice_recalculates_what_the_merge_computes(forms, tmp_path, locale):
    cases = list(forms)
    resaved = require(soffice_convert_many([forms[c][0] for c in cases], "xlsx", tmp_path, recalc=True,
                                           locale=locale))
    for case, path in zip(cases, resaved):
        rows = list(openpyxl.load_workbook(path, data_only=True)[forms[case][3]].iter_rows(values_only=True))
        total, filled = forms[case][1]
        assert (_shown(rows, TOTAL_LABEL), _shown(rows, FILLED_LABEL)) == (total, filled), (locale, case)


def gnumeric_text(path: Path, sheet: str, out: Path, recalc: bool = True) -> list[list[str]]:
    """A sheet as Gnumeric shows it (formatted text), after recalculating."""
    if shutil.which("ssconvert") is None:
        pytest.skip("Gnumeric (ssconvert) is not installed")
    cmd = ["ssconvert", *(["--recalc"] if recalc else []), "-T", "Gnumeric_stf:stf_assistant",
           "-O", f'format=preserve sheet="{sheet}"', str(path), str(out)]
    subprocess.run(cmd, capture_output=True, check=True, timeout=120)
    return list(csv.reader(io.StringIO(out.read_text("utf-8"))))


def test_gnumeric_recalculates_what_the_merge_computes_and_shows_7_as_7(forms, tmp_path):
    for case, (form, (total, filled), _, sheet) in forms.items():
        rows = gnumeric_text(form, sheet, tmp_path / f"{case}.txt")
        shown = (_shown(rows, TOTAL_LABEL), _shown(rows, FILLED_LABEL))
        assert shown == (None if total is None else f"{total:g}", filled), case
    rows = gnumeric_text(forms["typed"][0], UNIT, tmp_path / "typed-again.txt")
    assert [row[4] for row in rows if row[0] in ("C2", "C7", "C11")] == ["6,5", "7", "7.5"]


def test_gnumeric_shows_whole_scores_of_the_summary_without_a_point(forms, tmp_path):
    summary = forms["typed"][2]
    rows = gnumeric_text(summary, "Tiêu chí", tmp_path / "tieu-chi.txt", recalc=False)
    scores = {row[0]: row[4] for row in rows[1:] if row and row[0] in ("2", "7", "11")}
    assert scores == {"2": "6.5", "7": "7", "11": "7.5"}
    dotted = [cell for row in rows for cell in row if cell[:1].isdigit() and cell.endswith(".")]
    assert not dotted


def test_forms_written_with_values_carry_the_total_before_any_recalculation(tmp_path):
    """The cached value (what a viewer that never calculates shows, e.g. a phone's preview) is the merge's."""
    from cdht_excel.commune import plan as P
    from cdht_excel.commune.template import write_template
    from cdht_excel.rules import rubric as R
    rubric = R.load("tt44-2014")
    plan = P.default_plan("Đồng Thịnh", 2024, rubric)
    unit = next(u for u in plan.units if u.name == UNIT)
    folder = tmp_path / "phieu"
    folder.mkdir()
    form = folder / "don-vi.xlsx"
    write_template(plan, rubric, form, only=unit, values=CASES["no-evidence"])
    _, _, report = merge(folder, out=tmp_path / "tong-hop.xlsx")
    rows = list(openpyxl.load_workbook(form, data_only=True)[UNIT].iter_rows(values_only=True))
    assert (_shown(rows, TOTAL_LABEL), _shown(rows, FILLED_LABEL)) == (13.5, "3/3")
    assert sum(c["score"] or 0 for c in report["criteria"] if c["unit"] == UNIT) == 13.5


def test_gnumeric_shows_whole_numbers_of_the_district_outputs_without_a_point(forms, tmp_path):
    """The level above's workbook (scores, counts) and its check form (self scores) show 7 as 7 too."""
    from test_district import district
    summary = forms["typed"][2]
    form = tmp_path / "phieu-kiem-tra.xlsx"
    district(summary, tmp_path=tmp_path, extra=("--check-form", form))
    shown = [(sheet, cell) for path, sheet in ((tmp_path / "huyen.xlsx", "Các xã"), (tmp_path / "huyen.xlsx", "Thống kê"),
                                              (form, "Phiếu kiểm tra"))
             for row in gnumeric_text(path, sheet, tmp_path / f"{path.stem}-{sheet}.txt", recalc=False)
             for cell in row]
    assert ("Các xã", "7") in shown and ("Phiếu kiểm tra", "7") in shown
    assert not [(sheet, cell) for sheet, cell in shown if re.fullmatch(r"\d+\.", cell)]

"""The level above's own check: --check-form writes the form, --checked reads it back (TT 44 and TT 25),
after re-sorting in LibreOffice (python3-uno) or openpyxl and after a re-save as .ods."""
from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from commune import TT44_SCORES, tt25_values, tt44_values
from support import REPO, require, soffice_available, soffice_convert
from test_district import codes, commune_folder, district, summary

from cdht_excel.above import check as K
from cdht_excel.rules import findings as F

SHEET = "Phiếu kiểm tra"
UNO_SORT = REPO / "tests" / "tools" / "uno_sort.py"


def _inbox(tmp_path, rubric="tt44-2014", year=2024, names=("An Bình", "Bình Minh", "Cao Sơn")):
    src, inbox = tmp_path / "src", tmp_path / "inbox"
    inbox.mkdir()
    for name in names:
        values = tt44_values() if rubric == "tt44-2014" else tt25_values()
        summary(inbox, commune_folder(src, name, values, rubric=rubric, year=year))
    return inbox


def _layout(ws):
    """(columns by code, {(commune label, id): row number}) of a form, read with openpyxl."""
    cols, rows = None, {}
    for row in ws.iter_rows():
        key = row[0].value
        if key == K.COLS_MARK:
            cols = {c.value: i for i, c in enumerate(row) if c.value}
        elif isinstance(key, str) and key.startswith(K.KEY_PREFIX):
            rows[(row[cols["COMMUNE"]].value, row[cols["ID"]].value)] = row[0].row
    return cols, rows


def fill_form(path, out, values: dict, notes: dict | None = None, shuffle: bool = False) -> Path:
    """Fill check cells as a clerk would ({(commune label, id): value}); optionally re-order the rows
    the way a sort does (every cell of each row moves with it)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    cols, rows = _layout(ws)
    for (commune, item), value in values.items():
        ws.cell(rows[(commune, item)], cols["CHECK"] + 1, value)
    for (commune, item), text in (notes or {}).items():
        ws.cell(rows[(commune, item)], cols["NOTE"] + 1, text)
    if shuffle:
        numbers = sorted(rows.values())
        content = [[c.value for c in ws[n]] for n in numbers]
        random.Random(7).shuffle(content)
        for n, values_row in zip(numbers, content):
            for c, value in enumerate(values_row, start=1):
                ws.cell(n, c).value = value
    wb.save(out)
    return out


def same_as_self(commune: str, scores=TT44_SCORES) -> dict:
    return {(commune, str(cid)): score for cid, score in scores.items()}


def test_form_headers_protection_validation_and_hidden_keys(tmp_path):
    inbox = _inbox(tmp_path)
    form = tmp_path / "phieu-kiem-tra.xlsx"
    code, text, data = district(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    assert code == 0, text
    wb = openpyxl.load_workbook(form)
    ws = wb[SHEET]
    heads = [c.value for c in ws[5]]
    for wanted in ("Xã", "Tiêu chí", "Điểm tự đánh giá", "Điểm kiểm tra", "Ghi chú"):
        assert wanted in heads
    cols, rows = _layout(ws)
    assert len(rows) == 3 * 15
    assert ws.column_dimensions["A"].hidden and ws.row_dimensions[4].hidden
    assert ws.protection.sheet and not ws.protection.password
    r = rows[("xã An Bình", "3")]
    assert ws.cell(r, cols["CHECK"] + 1).protection.locked is False
    assert ws.cell(r, cols["NOTE"] + 1).protection.locked is False
    assert ws.cell(r, cols["SELF"] + 1).protection.locked is not False
    assert ws.cell(r, cols["SELF"] + 1).value == TT44_SCORES[3]
    [dv] = ws.data_validations.dataValidation
    assert dv.type == "custom" and "ISNUMBER" in dv.formula1 and dv.showErrorMessage
    assert "Nhập điểm kiểm tra" in dv.error
    assert ws.page_setup.paperSize in (9, "9") and ws.print_title_rows
    assert wb["_cdht_check"].sheet_state == "hidden"


def test_tt44_round_trip_classifies_by_the_check_and_reports_differences(tmp_path):
    inbox = _inbox(tmp_path)
    form = tmp_path / "phieu.xlsx"
    district(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    values = same_as_self("xã An Bình")
    lowered = {**TT44_SCORES, 3: 2, 15: 3.5}          # 92,5 -> 83,5: Khá by the check
    values.update({("xã Bình Minh", str(cid)): score for cid, score in lowered.items()})
    partial = {("xã Cao Sơn", str(cid)): score for cid, score in TT44_SCORES.items() if cid != 9}
    values.update(partial)                             # one blank: Cao Sơn is not checked yet
    values[("xã Bình Minh", "3")] = "2"                # typed as text: still a number
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", values, notes={("xã Bình Minh", "3"): "Thiếu minh chứng"},
                       shuffle=True)
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    code, text, data = district(inbox, tmp_path=out_dir, extra=("--checked", filled))
    by_name = {c["commune"]: c for c in data["communes"]}
    assert by_name["An Bình"]["check"]["status"] == "checked"
    assert by_name["An Bình"]["check"]["classification"]["code"] == "tot"
    assert by_name["An Bình"]["check"]["differences"] == 0
    binh = by_name["Bình Minh"]["check"]
    assert (binh["status"], binh["total"], binh["classification"]["code"]) == ("checked", 83.5, "kha")
    assert by_name["Bình Minh"]["classification"]["code"] == "kha"       # the row shows the result that counts
    assert by_name["Bình Minh"]["self"]["classification"]["code"] == "tot"   # the self-assessment beside it
    assert by_name["Bình Minh"]["counted_by"] == "check"
    assert [x["id"] for x in binh["criteria"] if x["differs"]] == ["3", "15"]
    assert by_name["Cao Sơn"]["check"]["status"] == "unchecked"
    assert by_name["Cao Sơn"]["check"]["classification"] is None
    assert data["counts"]["tot"] == 1 and data["counts"]["kha"] == 1 and data["counts"]["chua-kiem-tra"] == 1
    assert data["counts_self"]["tot"] == 3
    found = codes(data)
    assert found.count("check-differs") == 2 and "check-class-differs" in found
    assert found.count("check-commune-unchecked") == 1
    differs = [f for f in data["findings"] if f["code"] == "check-differs"]
    assert any("Thiếu minh chứng" in f["message"] and f["cell"] for f in differs)
    unchecked = next(f for f in data["findings"] if f["code"] == "check-commune-unchecked")
    assert unchecked["message"] == F.make("check-commune-unchecked", commune="xã Cao Sơn (Đồng Hỷ, Thái Nguyên)", blanks=1,
                                          count=15).message
    wb = openpyxl.load_workbook(out_dir / "huyen.xlsx", read_only=True)
    rows = list(wb["Kiểm tra"].iter_rows(values_only=True))
    assert rows[0][3] == "Tự đánh giá: xếp loại" and rows[0][5] == "Kiểm tra: xếp loại"
    shown = {r[1]: r for r in rows[1:]}
    assert shown["xã Bình Minh"][3] == "Tốt" and shown["xã Bình Minh"][5] == "Khá"
    assert "TC 3: 5,5 → 2 (Thiếu minh chứng)" in shown["xã Bình Minh"][8]
    assert shown["xã Cao Sơn"][6] == K.STATUS_LABEL["unchecked"]
    assert "Chưa kiểm tra xong" in text


def test_invalid_check_values_name_the_cell_and_leave_the_commune_unclassified(tmp_path):
    inbox = _inbox(tmp_path, names=("An Bình",))
    form = tmp_path / "phieu.xlsx"
    district(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    values = same_as_self("xã An Bình")
    values[("xã An Bình", "4")] = "bảy"
    values[("xã An Bình", "5")] = 6.3                  # off the 0,5 step
    filled = fill_form(form, tmp_path / "sai.xlsx", values)
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    code, text, data = district(inbox, tmp_path=out_dir, extra=("--checked", filled))
    assert code == 1
    bad = [f for f in data["findings"] if f["code"] == "check-value-invalid"]
    assert len(bad) == 2 and all(f["cell"] and f["file"] == "sai.xlsx" for f in bad)
    assert data["communes"][0]["check"]["status"] == "unchecked"
    assert data["communes"][0]["check"]["classification"] is None


def test_not_a_form_and_a_form_of_another_year(tmp_path):
    inbox = _inbox(tmp_path, names=("An Bình",))
    other = tmp_path / "other"
    other.mkdir()
    old = _inbox(other, year=2023, names=("An Bình",))
    form = tmp_path / "phieu-2023.xlsx"
    district(old, tmp_path=other, extra=("--check-form", form))
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    code, text, data = district(inbox, tmp_path=out_dir, extra=("--checked", form))
    assert "check-form-other" in codes(data)
    assert data["communes"][0]["check"]["status"] == "not-in-form"
    assert data["counts"]["chua-kiem-tra"] == 1 and data["counts"]["tot"] == 0
    stray = next(inbox.glob("*.xlsx"))
    code, text, data = district(inbox, tmp_path=out_dir, extra=("--checked", stray))
    assert "check-form-not-form" in codes(data)


def test_commune_missing_from_the_form_and_unknown_commune_in_it(tmp_path):
    inbox = _inbox(tmp_path, names=("An Bình", "Bình Minh"))
    form = tmp_path / "phieu.xlsx"
    district(inbox / "tong-hop-phieu-An Bình.xlsx", tmp_path=tmp_path, extra=("--check-form", form))
    filled = fill_form(form, tmp_path / "f.xlsx", same_as_self("xã An Bình"))
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    code, text, data = district(inbox, tmp_path=out_dir, extra=("--checked", filled))
    assert "check-commune-not-in-form" in codes(data)
    code, text, data = district(inbox / "tong-hop-phieu-Bình Minh.xlsx", tmp_path=out_dir,
                                extra=("--checked", filled))
    assert "check-commune-unknown" in codes(data)


def _tt25_values(form_path, level_of) -> dict:
    """{(commune, indicator): level_of(commune, indicator, the self-assessment shown)}."""
    ws = openpyxl.load_workbook(form_path)[SHEET]
    cols, rows = _layout(ws)
    return {key: level_of(*key, ws.cell(r, cols["SELF"] + 1).value) for key, r in rows.items()}


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
def test_tt25_round_trip_after_libreoffice_sort_and_ods_resave(tmp_path):
    inbox = _inbox(tmp_path, rubric="tt25-2023", year=2025, names=("An Bình", "Bình Minh"))
    form = tmp_path / "phieu.xlsx"
    code, text, data = district(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    ws = openpyxl.load_workbook(form)[SHEET]
    heads = [c.value for c in ws[5]]
    for wanted in ("Xã", "Chỉ tiêu", "Kết quả tự đánh giá", "Kết quả kiểm tra", "Ghi chú"):
        assert wanted in heads
    [dv] = ws.data_validations.dataValidation
    assert dv.type == "list" and "Đạt mức độ 1" in dv.formula1
    # An Bình: the check agrees everywhere; Bình Minh: indicator 5.2 not met by the check
    values = _tt25_values(form, lambda commune, item, self_text: "Không đạt"
                          if (commune, item) == ("xã Bình Minh", "5.2") else self_text)
    filled = fill_form(form, tmp_path / "filled.xlsx", values)
    sorted_xlsx = tmp_path / "sorted.xlsx"
    subprocess.run(["/usr/bin/python3", str(UNO_SORT), str(filled), str(sorted_xlsx), SHEET, "5", "2", "desc"],
                   check=True, timeout=240)
    wb = openpyxl.load_workbook(sorted_xlsx)
    order = [r[2].value for r in wb[SHEET].iter_rows(min_row=6) if r[0].value]
    assert order[0] == "xã Bình Minh" and order[-1] == "xã An Bình"    # really re-sorted
    ods = require(soffice_convert(sorted_xlsx, "ods", tmp_path / "ods"))
    for checked in (sorted_xlsx, ods):
        out_dir = tmp_path / f"run-{checked.suffix[1:]}"
        out_dir.mkdir()
        code, text, data = district(inbox, tmp_path=out_dir, extra=("--checked", checked))
        by_name = {c["commune"]: c for c in data["communes"]}
        assert by_name["An Bình"]["check"]["classification"]["code"] == "muc-do-1"
        assert by_name["Bình Minh"]["check"]["classification"]["code"] == "chua-dat"
        assert [x["id"] for x in by_name["Bình Minh"]["check"]["criteria"] if x["differs"]] == ["5.2"]
        assert by_name["An Bình"]["check"]["differences"] == 0
        assert data["indicator"]["level_1"]["count"] == 1                # the district counts by the check
        assert "check-class-differs" in codes(data)


def test_check_form_refuses_an_input_as_output(tmp_path):
    inbox = _inbox(tmp_path, names=("An Bình",))
    target = next(inbox.glob("*.xlsx"))
    before = target.read_bytes()
    code, text, data = district(inbox, tmp_path=tmp_path, extra=("--check-form", target))
    assert code == 2 and target.read_bytes() == before
    shutil.rmtree(tmp_path / "src")


def test_district_outputs_and_form_are_byte_identical_across_runs(tmp_path):
    inbox = _inbox(tmp_path, names=("An Bình", "Bình Minh"))
    runs = []
    for n in (1, 2):
        out = tmp_path / f"run{n}"
        out.mkdir()
        code, text, data = district(inbox, tmp_path=out, extra=("--check-form", out / "phieu.xlsx"))
        assert code == 0, text
        runs.append([(out / name).read_bytes() for name in ("huyen.xlsx", "huyen.json", "phieu.xlsx")])
    assert runs[0] == runs[1]

"""The level above's workbook and check form as printed (issue 20 item 7, district side): the "Kiểm tra"
header row has its own height, TT 25 tables say "Mức độ 1"/"Mức độ 2" and have no "—" column, classes come
in their order (best first), the chart keeps its labels apart, headlines name the circular, and the check
form tells the official what to do with it, never a command line."""
from __future__ import annotations

import re
import zipfile

import openpyxl

from cdht_excel.above.check_form import SHEET
from test_district import district
from test_district_check import _inbox, _tt25_values, fill_form, same_as_self


def _checked_run(tmp_path, rubric="tt44-2014", year=2024):
    names = ("An Bình", "Bình Minh")
    inbox = _inbox(tmp_path, rubric=rubric, year=year, names=names)
    form = tmp_path / "phieu.xlsx"
    district(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    if rubric == "tt44-2014":
        values = {}
        for name in names:
            values.update(same_as_self(f"xã {name}"))
        values[("xã An Bình", "3")] = 2
    else:
        values = _tt25_values(form, lambda c, i, self_text: "Không đạt" if i == "1.1" else self_text)
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", values)
    code, text, data = district(inbox, tmp_path=tmp_path, extra=("--checked", filled))
    return form, openpyxl.load_workbook(tmp_path / "huyen.xlsx")


def _all_text(wb) -> str:
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                     if c.value is not None)


def test_the_check_sheet_header_has_a_fitted_height_and_points_come_in_class_order(tmp_path):
    form, wb = _checked_run(tmp_path)
    ws = wb["Kiểm tra"]
    heads = [c.value for c in ws[1]]
    assert ws.row_dimensions[1].height and ws.row_dimensions[1].height >= 30, "the header row overlaps row 2"
    assert "—" not in heads
    stats = wb["Thống kê"]
    assert "Thông tư 44/2014/TT-BGDĐT" in stats["A1"].value and "tt44-2014" not in stats["A1"].value
    order = [r[0] for r in stats.iter_rows(min_row=4, max_row=9, values_only=True)]
    assert order == ["Tốt", "Khá", "Trung bình", "Chưa đạt", "Chưa xếp loại", "Chưa kiểm tra xong"]
    with zipfile.ZipFile(tmp_path / "huyen.xlsx") as zf:
        chart = next(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/chart"))
    assert "<c:barDir val=\"bar\"/>" in chart          # horizontal bars: each class label on its own line
    assert "<c:orientation val=\"maxMin\"/>" in chart  # the best class on top, as in the table


def test_tt25_tables_write_the_levels_in_words_and_have_no_dash_column(tmp_path):
    form, wb = _checked_run(tmp_path, rubric="tt25-2023", year=2025)
    text = _all_text(wb)
    assert "MĐ1" not in text and "MĐ2" not in text and not re.search(r"\bKĐ\b", text)
    for name in ("Các xã", "Kiểm tra"):
        assert "—" not in [c.value for c in wb[name][1]], name
    heads = [c.value for c in wb["Kiểm tra"][1]]
    assert heads[2:4] == ["Tự đánh giá: mức độ", "Kiểm tra: mức độ"]
    diffs = [r[heads.index("Chênh lệch (tự đánh giá → kiểm tra)")] for r in wb["Kiểm tra"].iter_rows(min_row=2, values_only=True)]
    assert any(re.search(r"CT 1\.1: Đạt mức độ [12] → Không đạt", d or "") for d in diffs), diffs
    stats = wb["Thống kê"]
    order = [r[0] for r in stats.iter_rows(min_row=4, max_row=6, values_only=True)]
    assert order == ["Mức độ 2", "Mức độ 1", "Chưa đạt"]
    row = {h.value: c.value for h, c in zip(wb["Các xã"][1], wb["Các xã"][2])}
    assert row["TC 1 (tự đánh giá)"] in ("Mức độ 1", "Mức độ 2", "Không đạt")


def test_the_check_form_tells_the_official_what_to_do_not_a_command(tmp_path):
    form, _ = _checked_run(tmp_path)
    ws = openpyxl.load_workbook(form)[SHEET]
    guide = " ".join(str(c.value) for row in ws.iter_rows(max_row=5) for c in row if c.value)
    footer = ws.oddFooter.left.text or ""
    for text in (guide, footer):
        assert "cdht" not in text and "--" not in text, text
    assert "gửi lại" in guide and "lưu tệp" in guide
    assert "gửi lại" in footer and "ô tô vàng" in footer

"""The check form workbook (`cdht district … --check-form FORM.xlsx`); the logic is in check.py.

One sheet "Phiếu kiểm tra": a row per commune × criterion (TT 44) or indicator (TT 25) with the
self-assessment and an empty check cell. Hidden column A holds each row's key and a hidden row the
columns' codes, so rows and columns are found again after sorting, filtering, moving columns or a
re-save in another program. Check and note cells are the only unlocked cells (protection without
password); the check cells are validated with Vietnamese messages. A hidden sheet "_cdht_check" records
the communes (by identity) the form was made for. A4, titles repeated on every page.
"""
from __future__ import annotations

import datetime as dt

from cdht_excel import __version__
from cdht_excel.above import check as K
from cdht_excel.atomic import atomic_path
from cdht_excel.rules import stamp as S
from cdht_excel.rules.contract import CHECK_FORM_SCHEMA
from cdht_excel.rules.model import canonical_json
from cdht_excel.rules.schemes import DEFAULT_SCHEME, scheme_named
from cdht_excel.sheets.workbook import row_height
from cdht_excel.text import format_number

SHEET = "Phiếu kiểm tra"
FIRST_DATA_ROW = 5          # 0-based: title, subtitle, guidance, hidden column codes, header


def write_form_for(result, path) -> tuple[int, int]:
    """Write the check form for the communes of a district run: (communes, rows)."""
    pairs = K.full_reports(result)
    fulls = [full for _, full in pairs]
    rubric = K.builtin_rubric(result.rubric, fulls[0].get("rubric_hash") if fulls else None)
    points = K._is_points(fulls[0] if fulls else {}, rubric)
    rows = K.form_rows(fulls, rubric)
    meta = K.form_meta(fulls, result.rubric, result.year, points, [c.sources for c, _ in pairs], rubric)
    write_check_form(rows, meta, path, rubric.legal_basis if rubric is not None else "")
    return len(fulls), len(rows)


def write_check_form(rows: list[K.FormRow], meta: dict, path, legal_basis: str = "") -> None:
    from cdht_excel.sheets.workbook import text_safe_workbook

    points = K._scored(meta["scheme"])
    with atomic_path(path) as tmp:
        wb = text_safe_workbook(tmp)
        wb.set_properties({"title": f"Phiếu kiểm tra “Cộng đồng học tập” cấp xã – năm {meta['year']}",
                           "author": "cdht-excel", "comments": f"cdht-excel {__version__}",
                           "created": dt.datetime(int(meta["year"] or 2000), 12, 31)})
        _form_sheet(wb, rows, meta, points, legal_basis)
        hidden = wb.add_worksheet(K.FORM_META_SHEET)
        keys = [("schema", CHECK_FORM_SCHEMA), ("rubric", str(meta["rubric"])), ("year", str(meta["year"])),
                ("generator", f"cdht-excel {__version__}")] + S._chunks("form_json", canonical_json(meta))
        for r, (key, value) in enumerate(keys):
            hidden.write_string(r, 0, key)
            hidden.write_string(r, 1, value)
        hidden.hide()
        wb.close()


def _form_sheet(wb, rows, meta, points: bool, legal_basis: str) -> None:
    ws = wb.add_worksheet(SHEET)
    add = wb.add_format
    title = add({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter", "text_wrap": True})
    note = add({"italic": True, "text_wrap": True, "valign": "top"})
    head = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "align": "center",
                "valign": "vcenter"})
    cell = add({"border": 1, "text_wrap": True, "valign": "top"})
    center = add({"border": 1, "text_wrap": True, "valign": "top", "align": "center"})
    num = add({"border": 1, "valign": "top", "align": "center", "num_format": "0.##"})
    check = add({"border": 1, "valign": "top", "align": "center", "num_format": "0.##", "bg_color": "#FFF2CC",
                 "locked": False, "bold": True})
    free = add({"border": 1, "valign": "top", "text_wrap": True, "bg_color": "#FFF2CC", "locked": False})
    hidden_key = add({"font_color": "#808080", "font_size": 8})
    if points:
        codes = ["KEY", "N", "COMMUNE", "ID", "TITLE", "MAX", "SELF", "CHECK", "NOTE"]
        heads = ["", "STT", "Xã", "Tiêu chí", "Nội dung tiêu chí", "Điểm tối đa", "Điểm tự đánh giá",
                 "Điểm kiểm tra", "Ghi chú"]
        widths = [4, 5, 20, 7, 40, 8, 10, 10, 24]
    else:
        codes = ["KEY", "N", "COMMUNE", "ID", "TITLE", "SELF", "CHECK", "NOTE"]
        heads = ["", "STT", "Xã", "Chỉ tiêu", "Nội dung chỉ tiêu", "Kết quả tự đánh giá", "Kết quả kiểm tra",
                 "Ghi chú"]
        widths = [4, 5, 20, 7, 42, 13, 13, 22]
    col = {code: i for i, code in enumerate(codes)}
    last = len(codes) - 1
    for c, width in enumerate(widths):
        ws.set_column(c, c, width, None, {"hidden": c == 0})
    what = "tiêu chí" if points else "chỉ tiêu"
    ws.merge_range(0, 1, 0, last, f"PHIẾU KIỂM TRA, ĐÁNH GIÁ {'XẾP LOẠI' if points else 'CÔNG NHẬN'} "
                                  f"“CỘNG ĐỒNG HỌC TẬP” CẤP XÃ NĂM {meta['year']}", title)
    ws.set_row(0, 36)
    sub = (f"Theo {legal_basis}. " if legal_basis else "") + \
        f"{len(meta['communes'])} xã; mỗi dòng là một {what} của một xã."
    ws.merge_range(1, 1, 1, last, sub, note)
    step = f", theo bước {format_number(meta['step'])}" if meta.get("step") else ""
    guide = ((f"Ghi điểm kiểm tra của từng tiêu chí vào cột “Điểm kiểm tra” (số từ 0{step}). "
              if points else
              "Chọn kết quả kiểm tra của từng chỉ tiêu ở cột “Kết quả kiểm tra” (Đạt mức độ 2, Đạt mức độ 1, "
              "Không đạt). ") +
             "Để trống ô của nội dung chưa kiểm tra: xã còn ô trống được báo là chưa kiểm tra xong, không "
             "được xếp loại theo tự đánh giá. Có thể sắp xếp, lọc các dòng (bỏ bảo vệ trang, không có mật "
             "khẩu, nếu cần); không xóa cột ẩn A. Ghi xong, lưu tệp và gửi lại cho người tổng hợp các xã.")
    ws.merge_range(2, 1, 2, last, guide, note)
    ws.set_row(2, row_height(guide, sum(widths[1:])))
    for c, code in enumerate([K.COLS_MARK] + codes[1:]):
        ws.write_string(3, c, code, hidden_key)
    ws.set_row(3, None, None, {"hidden": True})
    for c, text in enumerate(heads):
        ws.write_string(4, c, text if c else "Mã", head)
    ws.set_row(4, 32)
    r = FIRST_DATA_ROW
    for n, row in enumerate(rows, start=1):
        ws.write_string(r, 0, f"{K.KEY_PREFIX}{row.n}|{row.id}", hidden_key)
        ws.write_number(r, col["N"], n, num)
        ws.write_string(r, col["COMMUNE"], row.commune, cell)
        ws.write_string(r, col["ID"], row.id, center)
        ws.write_string(r, col["TITLE"], row.title, cell)
        if points:
            if row.max is not None:
                ws.write_number(r, col["MAX"], row.max, num)
            else:
                ws.write_blank(r, col["MAX"], None, num)
            if row.self_value is not None:
                ws.write_number(r, col["SELF"], row.self_value, num)
            else:
                ws.write_string(r, col["SELF"], row.self_text, center)
        else:
            ws.write_string(r, col["SELF"], row.self_text, center)
        ws.write_blank(r, col["CHECK"], None, check)
        ws.write_blank(r, col["NOTE"], None, free)
        ws.set_row(r, row_height(row.title, widths[col["TITLE"]], row.commune, widths[col["COMMUNE"]]))
        r += 1
    last_row = r - 1
    if rows:
        _validation(ws, meta, points, col, last_row)
    ws.autofilter(4, 1, max(5, last_row), last)
    ws.freeze_panes(5, 3)
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.6, right=0.4, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(4)
    ws.print_area(0, 1, max(5, last_row), last)
    ws.set_footer("&CTrang &P/&N")
    ws.activate()


def _validation(ws, meta, points: bool, col: dict, last_row: int) -> None:
    from cdht_excel.rules.contract import cell_ref
    first = FIRST_DATA_ROW
    if points:
        check = cell_ref(first, col["CHECK"]).replace("$", "")
        top = cell_ref(first, col["MAX"]).replace("$", "")
        total = meta.get("max_total") or 100
        step = float(meta.get("step") or 0)
        rule = f"AND(ISNUMBER({check}),{check}>=0,{check}<=IF(ISNUMBER({top}),{top},{format_number(total).replace(',', '.')})"
        if step:
            rule += f",ROUND({check}/{step},0)*{step}={check}"
        rule += ")"
        message = ("Nhập điểm kiểm tra: số từ 0 đến điểm tối đa của tiêu chí" +
                   (f", theo bước {format_number(step)}" if step else "") + "; để trống nếu chưa kiểm tra.")
        ws.data_validation(first, col["CHECK"], last_row, col["CHECK"], {
            "validate": "custom", "value": "=" + rule, "ignore_blank": True,
            "input_title": "Điểm kiểm tra", "input_message": message[:255],
            "error_title": "Điểm không hợp lệ", "error_message": message[:255], "error_type": "stop"})
    else:
        ws.data_validation(first, col["CHECK"], last_row, col["CHECK"], {
            "validate": "list", "source": list(K.LEVEL_CHOICES.values()), "ignore_blank": True,
            "input_title": "Kết quả kiểm tra", "input_message": "Chọn: Đạt mức độ 2, Đạt mức độ 1 hoặc Không "
                                                                "đạt; để trống nếu chưa kiểm tra.",
            "error_title": "Kết quả không hợp lệ",
            "error_message": "Chỉ chọn một trong: Đạt mức độ 2, Đạt mức độ 1, Không đạt.", "error_type": "stop"})


def check_sheet(wb, data: dict, labels: dict, head, cell, numf) -> None:
    """The district workbook's sheet "Kiểm tra": self-assessment and check side by side, per commune,
    with every difference spelled out."""
    ws = wb.add_worksheet("Kiểm tra")
    points = scheme_named(data.get("scheme") or DEFAULT_SCHEME).scored and \
        any(c.get("total") is not None for c in data["communes"])
    heads = ["STT", "Xã / phường / thị trấn", "Tự đánh giá: tổng điểm" if points else "—",
             "Tự đánh giá: xếp loại" if points else "Tự đánh giá: mức độ",
             "Kiểm tra: tổng điểm" if points else "—",
             "Kiểm tra: xếp loại" if points else "Kiểm tra: mức độ",
             "Tình trạng kiểm tra", "Số nội dung khác", "Chênh lệch (tự đánh giá → kiểm tra)", "Ô còn trống"]
    widths = [5, 26, 10, 14, 10, 14, 16, 9, 60, 8]
    for c, (text, width) in enumerate(zip(heads, widths)):
        ws.set_column(c, c, width)
        ws.write_string(0, c, text, head)
    what = "TC" if points else "CT"
    r = 0
    for c in data["communes"]:
        chk = c.get("check")
        if chk is None:
            continue
        r += 1
        diffs = "; ".join(f"{what} {x['id']}: {_value(x['self'], points)} → {_value(x['check'], points)}"
                          + (f" ({x['note']})" if x.get("note") else "")
                          for x in chk["criteria"] if x["differs"])
        cls = chk.get("classification")
        values = [r, f"{c.get('commune_kind') or 'xã'} {c['commune']}",
                  c["total"] if c.get("total") is not None else "", c["classification"]["label"],
                  chk["total"] if chk.get("total") is not None else "",
                  cls["label"] if cls and chk["status"] == K.CHECKED else labels.get("chua-kiem-tra", ""),
                  K.STATUS_LABEL[chk["status"]], chk["differences"], diffs, chk["blanks"]]
        for col, value in enumerate(values):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, col, value, numf)
            else:
                ws.write_string(r, col, str(value), cell)
        ws.set_row(r, row_height(diffs, widths[8], values[1], widths[1]))
    ws.autofilter(0, 0, max(1, r), len(heads) - 1)
    ws.freeze_panes(1, 2)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def _value(value, points: bool) -> str:
    if value is None:
        return "chưa có"
    return format_number(value) if points else {2: "MĐ2", 1: "MĐ1", 0: "KĐ"}[int(value)]


def previous_sheet(wb, data: dict, labels: dict, head, cell) -> None:
    """The district workbook's sheet "Năm trước": last year's class, this year's, and the change."""
    from cdht_excel.above.previous import CHANGE_LABEL
    ws = wb.add_worksheet("Năm trước")
    year = data["previous"]["year"]
    heads = ["STT", "Xã / phường / thị trấn", f"Năm {year}", f"Năm {data['year']}", "Thay đổi"]
    widths = [5, 28, 18, 18, 26]
    for c, (text, width) in enumerate(zip(heads, widths)):
        ws.set_column(c, c, width)
        ws.write_string(0, c, text, head)
    r = 0
    for c in data["communes"]:
        prev = c.get("previous")
        if prev is None:
            continue
        r += 1
        chk = c.get("check")
        now = (chk["classification"]["label"] if chk and chk["status"] == K.CHECKED else
               labels.get("chua-kiem-tra", "") if chk else c["classification"]["label"])
        before = (prev.get("classification") or {}).get("label", "—")
        ws.write_number(r, 0, r, cell)
        for col, value in enumerate([f"{c.get('commune_kind') or 'xã'} {c['commune']}", before, now,
                                     CHANGE_LABEL[prev["change"]]], start=1):
            ws.write_string(r, col, value, cell)
    ws.autofilter(0, 0, max(1, r), len(heads) - 1)
    ws.freeze_panes(1, 2)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)

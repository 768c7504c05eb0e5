"""The district workbook (`cdht district -o`): the communes table, statistics with the scheme's
indicator, and the findings; written from the district dict and its table (headers + rows)."""
from __future__ import annotations

from cdht_excel.atomic import atomic_path
from cdht_excel.rules import findings as F
from cdht_excel.rules.schemes import class_pairs
from cdht_excel.sheets.printing import fitted_height, page_setup

RUBRIC_WIDE = {"rubric-repealed", "maxima-unknown"}   # said once for the district, not once per commune
UNCHECKED_CODE = "chua-kiem-tra"                       # a commune the level above has not checked yet


def write_district_workbook(data: dict, table, path) -> None:
    """The district workbook: the communes table (`district.district_table`: headers, rows as they are
    made, their number), statistics, findings."""
    from cdht_excel.sheets.workbook import text_safe_workbook

    labels = dict(district_labels(data))
    with atomic_path(path) as tmp:
        # constant_memory: rows go to disk as they are written, so memory does not grow with communes
        wb = text_safe_workbook(tmp, constant_memory=True)
        wb.set_properties({"title": "Tổng hợp Cộng đồng học tập các xã", "author": "cdht-excel",
                           "created": fixed_time(data)})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                              "align": "center", "valign": "vcenter"})
        cell = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
        numf = wb.add_format({"border": 1, "valign": "top", "num_format": "General", "align": "center"})
        title = wb.add_format({"bold": True, "font_size": 14})
        _communes_sheet(wb, table, head, cell, numf)
        _stats_sheet(wb, data, labels, head, cell, numf, title)
        if "check" in data:
            from cdht_excel.above.check_form import check_sheet
            check_sheet(wb, data, labels, head, cell, numf)
        if "previous" in data:
            from cdht_excel.above.check_form import previous_sheet
            previous_sheet(wb, data, labels, head, cell)
        _district_findings(wb, data, head, cell)
        wb.close()


def district_labels(data: dict) -> list[tuple[str, str]]:
    """(code, label) of the classes the district data states (with "chưa kiểm tra xong" after --checked)."""
    return class_pairs(data.get("classes")) + ([(UNCHECKED_CODE, "Chưa kiểm tra xong")] if "check" in data else [])


def fixed_time(data: dict):
    """The workbook's creation time, from the inputs (their year): same inputs, same bytes."""
    import datetime as dt
    return dt.datetime(int(data.get("year") or 2000), 12, 31)


WIDTHS = {"STT": 5, "Tỉnh": 14, "Huyện": 14, "Xã / phường / thị trấn": 24, "Năm": 6, "Tình trạng": 20,
          "Đầy đủ": 8, "Lỗi": 6, "Cảnh báo": 9, "Chữ ký số": 44, "Nguồn": 40}


def _width(head: str) -> float:
    if head in WIDTHS:
        return WIDTHS[head]
    if head.startswith("TC "):
        return 6 if "(" not in head else 9
    if head.startswith("Số liệu ghi"):
        return 34
    return 14 if "xếp loại" in head.lower() or "mức độ" in head.lower() else 11


def _communes_sheet(wb, table, head, cell, numf) -> None:
    ws = wb.add_worksheet("Các xã")
    heads, rows, count = table
    widths = [_width(h) for h in heads]
    for col, (text, width) in enumerate(zip(heads, widths)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, text, head)
    ws.set_row(0, fitted_height([(h, w, True) for h, w in zip(heads, widths)]))
    fitted = ((values, fitted_height([(v, w) for v, w in zip(values, widths) if isinstance(v, str)]))
              for values in rows)
    ws.write_rows(1, fitted, count, len(heads), cell, numf)
    ws.autofilter(0, 0, max(1, count), len(heads) - 1)
    ws.freeze_panes(1, 4)
    _print_wide(ws)


NOT_COUNTED_LABEL = {"conflict": "Không tính: hai bản kết quả khác nhau", "invalid": "Không tính: tệp tổng hợp bị sửa",
                     "outside": "Không tính: ngoài huyện (tỉnh) hoặc ngoài danh sách"}


def _stats_sheet(wb, data, labels, head, cell, numf, title) -> None:
    ws = wb.add_worksheet("Thống kê")
    ws.set_column(0, 0, 40)
    ws.set_column(1, 4, 12)
    basis = " (theo kết quả kiểm tra)" if "check" in data else ""
    ws.write_string(0, 0, f"Số xã theo {('xếp loại' if data.get('scheme') != 'levels' else 'mức độ')}{basis} – năm "
                          f"{data['year']} – {rubric_title(data['rubric'])}", title)
    ws.write_string(2, 0, "Xếp loại" if data.get("scheme") != "levels" else "Mức độ", head)
    ws.write_string(2, 1, "Số xã", head)
    rows = list(data["counts"].items())
    for r, (code, count) in enumerate(rows, start=3):
        ws.write_string(r, 0, labels.get(code, code), cell)
        ws.write_number(r, 1, count, numf)
    last = 2 + len(rows)
    ws.write_string(last + 1, 0, "Cộng: số xã được tính", head)
    ws.write_number(last + 1, 1, sum(data["counts"].values()), numf)
    skipped = [(NOT_COUNTED_LABEL[k], n) for k, n in (data.get("not_counted") or {}).items() if n]
    for i, (label, n) in enumerate(skipped, start=last + 2):
        ws.write_string(i, 0, label, cell)
        ws.write_number(i, 1, n, numf)
    end = last + 2 + len(skipped)
    ws.write_string(end, 0, "Tổng số xã trong bảng “Các xã”", head)
    ws.write_number(end, 1, len(data["communes"]), numf)
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "Số xã", "categories": ["Thống kê", 3, 0, last, 0],
                      "values": ["Thống kê", 3, 1, last, 1], "data_labels": {"value": True},
                      "gap": 60, "fill": {"color": "#4472C4"}})
    chart.set_title({"name": "Số xã theo " + ("xếp loại" if data.get("scheme") != "levels" else "mức độ"),
                     "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    # best class on top (a bar chart draws its first category at the bottom), labels in their own space
    chart.set_y_axis({"reverse": True, "num_font": {"size": 10}})
    chart.set_x_axis({"major_gridlines": {"visible": True}, "num_format": "0", "min": 0,
                      "major_unit": max(1, -(-max(data["counts"].values() or [1]) // 5))})
    chart.set_size({"width": 560, "height": 60 + 42 * len(rows)})
    ws.insert_chart(2, 6, chart, {"x_offset": 10})       # right of the indicator table (columns A–E)
    page_setup(ws, landscape=True, footer=_FOOTER)
    ws.fit_to_pages(1, 1)
    indicator = data.get("indicator")
    if indicator:
        r = end + 3
        ws.write_string(r, 0, "Chỉ tiêu của huyện (" + indicator["citation"] + ")", title)
        heads = ["Mức", "Số xã đạt", "Tổng số xã", "Tỷ lệ (%)", f"Đạt ≥ {indicator['threshold']}%"]
        for col, text in enumerate(heads):
            ws.write_string(r + 1, col, text, head)
        ws.set_row(r + 1, fitted_height([(h, w, True) for h, w in zip(heads, [40, 12, 12, 12, 12])]))
        for i, (key, label) in enumerate((("level_2", "Mức độ 2"), ("level_1", "Mức độ 1 (kể cả mức độ 2)")),
                                         start=r + 2):
            share = indicator[key]
            ws.write_string(i, 0, label, cell)
            ws.write_number(i, 1, share["count"], numf)
            ws.write_number(i, 2, share["total"], numf)
            ws.write_number(i, 3, share["percent"], numf)
            ws.write_string(i, 4, "Đạt" if share["passed"] else "Chưa đạt", cell)
        ws.write_string(r + 4, 0, "Mẫu số: " + indicator["denominator"] + ".", cell)


def _district_findings(wb, data, head, cell) -> None:
    ws = wb.add_worksheet("Phát hiện")
    heads = ["Vấn đề", "Mức", "Xã", "Nội dung", "Cách sửa", "Tệp", "Trang", "Ô", "Mã"]
    widths = [22, 9, 20, 50, 38, 30, 14, 6, 13]
    for col, (text, width) in enumerate(zip(heads, widths)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, text, head)
    from cdht_excel.vietnamese import commune_label
    rows = [(f.get("commune") or "", f) for f in data["findings"]]
    for c in data["communes"]:
        name = commune_label(c["commune"], c.get("commune_kind"))
        rows += [(name, f) for f in c["findings"] if f["severity"] != F.INFO and f["code"] not in RUBRIC_WIDE]
    def table():
        for commune, f in rows:
            values = [str(v) for v in (F.title(f["code"]), F.SEVERITY_LABEL[f["severity"]], commune, f["message"],
                                       f["hint"], f.get("file") or "", f.get("sheet") or "", f.get("cell") or "",
                                       f["code"])]
            yield values, fitted_height(list(zip(values, widths)))
    ws.write_rows(1, table(), len(rows), len(heads), cell, cell)
    ws.autofilter(0, 0, max(1, len(rows)), len(heads) - 1)
    ws.freeze_panes(1, 0)
    _print_wide(ws)


_FOOTER = "&L&A&RTrang &P/&N"


def rubric_title(rubric_id) -> str:
    """A headline's name of the rubric: "Thông tư 44/2014/TT-BGDĐT", not its code; a custom rubric by its id."""
    from cdht_excel.rules import rubric as R
    if rubric_id in R.BUILTIN_IDS:
        return R.load(rubric_id).legal_basis.split(" ngày ")[0]
    return str(rubric_id or "")


def _print_wide(ws) -> None:
    page_setup(ws, landscape=True, repeat_rows=0, footer=_FOOTER)

"""The commune's summary workbook (PRODUCT §7): written from the assessment and its report dict
(read back by `reading.summary` for `cdht district`).

Every text that came from an input is written into cells as a string, never as a formula
(XlsxWriter's string-to-formula and string-to-URL conversions are off).
"""
from __future__ import annotations

from pathlib import Path

from cdht_excel import __version__
from cdht_excel.atomic import atomic_path
from cdht_excel.commune.assess import Assessment
from cdht_excel.rules import findings as F
from cdht_excel.rules import stamp as S
from cdht_excel.rules.contract import RESULT_SHEET, SUMMARY_SCHEMA, cell_ref
from cdht_excel.rules.model import canonical_json
from cdht_excel.rules.schemes import scheme_of
from cdht_excel.sheets.printing import fitted_height, page_setup
from cdht_excel.text import local_datetime


def write_summary(a: Assessment, report: dict, path: str | Path) -> None:
    from cdht_excel.sheets.workbook import text_safe_workbook

    with atomic_path(path) as tmp:
        wb = text_safe_workbook(tmp)
        wb.set_properties({"title": f"Tổng hợp Cộng đồng học tập – {a.plan.commune_label} – {a.plan.year}",
                           "author": "cdht-excel", "comments": f"cdht-excel {__version__}",
                           "created": _created(a)})
        fmt = _formats(wb)
        visible = _cover(wb, fmt, a, report)
        _criteria_sheet(wb, fmt, a, report)
        _units_sheet(wb, fmt, report)
        _findings_sheet(wb, fmt, report)
        _score_sheet(wb, fmt, a, report)
        _evidence_sheet(wb, fmt, a)
        hidden = wb.add_worksheet(RESULT_SHEET)
        carried = _carried_rubric(a.rubric)
        rows = [("schema", SUMMARY_SCHEMA)] + visible + S._chunks("report_json", canonical_json(report))
        if carried is not None:
            rows += S._chunks("rubric_json", canonical_json(carried))
        for r, (key, value) in enumerate(rows):
            hidden.write_string(r, 0, key)
            hidden.write_string(r, 1, value)
        hidden.hide()
        wb.close()
        _add_result_part(tmp, report, visible, carried)


def _carried_rubric(rubric) -> dict | None:
    """The rubric's data when the level above cannot load it by id (custom, or with the plan's maxima)."""
    from cdht_excel.rules import rubric as R
    if rubric.id in R.BUILTIN_IDS and R.load(rubric.id).content_hash == rubric.content_hash:
        return None
    return rubric.data


def _add_result_part(path, report: dict, visible: list[tuple[str, str]], carried: dict | None) -> None:
    """The self-contained result part that `cdht district` reads fast (result_part.py)."""
    from cdht_excel.reading import result_part as RP
    cells = {}
    for key, where in visible:
        if key != "visible_sheet":
            r, c = (int(x) for x in where.split(","))
            cells[key] = cell_ref(r, c)
    header = {"schema": RP.PART_SCHEMA, "visible": {"sheet": dict(visible)["visible_sheet"], "cells": cells}}
    if carried is not None:
        header["rubric"] = carried
    RP.add_result_part(path, header, without_evidence(report))


def without_evidence(report: dict) -> dict:
    """The report as the level above keeps it: no per-criterion evidence."""
    out = dict(report)
    out["criteria"] = [{k: v for k, v in c.items() if k != "evidence"} for c in report["criteria"]]
    return out


def _created(a: Assessment):
    import datetime as dt
    return dt.datetime(int(a.plan.year), 12, 31, 0, 0, 0)   # fixed: same inputs, same workbook


def _formats(wb):
    add = wb.add_format
    return {
        "h1": add({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "text_wrap": True}),
        "big": add({"bold": True, "font_size": 26, "align": "center", "valign": "vcenter"}),
        "good": add({"bold": True, "font_size": 26, "align": "center", "valign": "vcenter", "font_color": "#006100",
                     "bg_color": "#C6EFCE", "border": 2}),
        "bad": add({"bold": True, "font_size": 22, "align": "center", "valign": "vcenter", "font_color": "#9C0006",
                    "bg_color": "#FFC7CE", "border": 2, "text_wrap": True}),
        "label": add({"bold": True, "valign": "top"}),
        "text": add({"text_wrap": True, "valign": "top"}),
        "head": add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "align": "center",
                     "valign": "vcenter"}),
        "cell": add({"border": 1, "text_wrap": True, "valign": "top"}),
        "center": add({"border": 1, "text_wrap": True, "valign": "top", "align": "center"}),
        "num": add({"border": 1, "valign": "top", "align": "center", "num_format": "General"}),
        "error": add({"border": 1, "valign": "top", "font_color": "#9C0006", "bg_color": "#FFC7CE", "text_wrap": True}),
        "warning": add({"border": 1, "valign": "top", "font_color": "#7F6000", "bg_color": "#FFEB9C", "text_wrap": True}),
        "info": add({"border": 1, "valign": "top", "text_wrap": True}),
        "bold_c": add({"bold": True, "align": "center", "text_wrap": True}),
        "ital_c": add({"italic": True, "align": "center", "text_wrap": True}),
        "total": add({"bold": True, "border": 1, "bg_color": "#E2EFDA", "align": "center", "num_format": "General"}),
        "total_label": add({"bold": True, "border": 1, "bg_color": "#E2EFDA", "text_wrap": True}),
        "total_text": add({"bold": True, "border": 1, "bg_color": "#E2EFDA", "align": "center", "text_wrap": True,
                           "valign": "vcenter"}),
        "code": add({"border": 1, "valign": "top", "text_wrap": True, "font_size": 9, "font_color": "#595959"}),
        "title_error": add({"border": 1, "valign": "top", "font_color": "#9C0006", "bg_color": "#FFC7CE",
                            "text_wrap": True, "bold": True}),
        "title_warning": add({"border": 1, "valign": "top", "font_color": "#7F6000", "bg_color": "#FFEB9C",
                              "text_wrap": True, "bold": True}),
        "title_info": add({"border": 1, "valign": "top", "text_wrap": True, "bold": True}),
    }


def _cover(wb, fmt, a: Assessment, report: dict) -> list[tuple[str, str]]:
    """The cover; returns where its total and class stand, so `district` can spot hand edits."""
    ws = wb.add_worksheet("Kết quả")
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 60)
    plan, rubric = a.plan, a.rubric
    ws.merge_range(0, 0, 0, 1, "KẾT QUẢ TỰ ĐÁNH GIÁ “CỘNG ĐỒNG HỌC TẬP” CẤP XÃ", fmt["h1"])
    ws.set_row(0, 30)
    rows = [("Đơn vị hành chính", plan.commune_title),
            ("Huyện / Tỉnh", ", ".join(p for p in (plan.district, plan.province) if p)),
            ("Năm đánh giá", str(plan.year)), ("Bộ tiêu chí", rubric.legal_basis)]
    for r, (label, value) in enumerate(rows, start=2):
        ws.write_string(r, 0, label, fmt["label"])
        ws.write_string(r, 1, value, fmt["text"])
        ws.set_row(r, fitted_height([(value, 60)]))
    r = 7
    cls = report["classification"]
    if report["total"] is not None:
        ws.write_string(r, 0, "Tổng điểm", fmt["label"])
        ws.write_number(r, 1, report["total"], fmt["big"])
        wb.define_name("CDHT_SUMMARY_TOTAL", f"='Kết quả'!$B${r + 1}")
        visible = [("visible_total", f"{r},1")]
        ws.set_row(r, 40)
        r += 1
    else:
        visible = []
    visible.append(("visible_class", f"{r},1"))
    ws.write_string(r, 0, scheme_of(rubric).class_label, fmt["label"])
    good = cls["code"] not in ("chua-xep-loai", "chua-dat")
    ws.write_string(r, 1, cls["label"].upper(), fmt["good" if good else "bad"])
    wb.define_name("CDHT_SUMMARY_CLASS", f"='Kết quả'!$B${r + 1}")
    ws.set_row(r, 44)
    r += 1
    if cls.get("reason"):
        reason_label = "Lý do chưa xếp loại" if cls["code"] == "chua-xep-loai" else "Lý do"   # never against the class
        ws.write_string(r, 0, reason_label, fmt["label"])
        ws.write_string(r, 1, cls["reason"], fmt["text"])
        ws.set_row(r, fitted_height([(cls["reason"], 60)]))
        r += 1
    c = report["counts"]
    units = report["units"]
    r += 1
    for label, value in (("Đơn vị nộp đủ", f"{sum(u['status'] == 'ok' for u in units)}/{len(units)}"),
                         ("Lỗi / cảnh báo / thông tin",
                          f"{c['error']} / {c['warning']} / {c['info']} (liệt kê ở trang “Phát hiện”)"),
                         ("Căn cứ xếp loại", a.classification.citation or "—"),
                         ("Tạo bởi", f"cdht-excel {__version__}; các trang: Tiêu chí, Đơn vị, Phát hiện, "
                                     f"{scheme_of(rubric).score_sheet}, Minh chứng")):
        ws.write_string(r, 0, label, fmt["label"])
        ws.write_string(r, 1, value, fmt["text"])
        ws.set_row(r, fitted_height([(value, 60)]))
        r += 1
    page_setup(ws, landscape=False)
    ws.fit_to_pages(1, 1)
    ws.activate()
    return [("visible_sheet", "Kết quả")] + visible


def _criteria_sheet(wb, fmt, a: Assessment, report: dict) -> None:
    ws = wb.add_worksheet("Tiêu chí")
    scheme = scheme_of(a.rubric)
    heads, widths = _main_columns(scheme.criteria_heads), _main_columns(scheme.criteria_widths)
    for col, (head, width) in enumerate(zip(heads, widths)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, head, fmt["head"])
    ws.set_row(0, fitted_height([(h, w, True) for h, w in zip(heads, widths)]))
    r = 1
    for cells in scheme.criteria_rows(a.rubric, a.criteria):
        _row(ws, r, _main_columns(cells), fmt, widths)
        r += 1
    if scheme.scored:
        ws.write_string(r, 3, "Tổng", fmt["total_label"])
        ws.write_number(r, 4, report["total"] or 0, fmt["total"])
    ws.autofilter(0, 0, max(1, r - 1), len(heads) - 1)
    ws.freeze_panes(1, 0)
    page_setup(ws, landscape=sum(widths) > 120, repeat_rows=0, footer=_FOOTER)


_FOOTER = "&L&A&RTrang &P/&N"
EVIDENCE_SHEET = "Minh chứng"


def _main_columns(row: list) -> list:
    """A criteria row without its evidence, file and sheet (the "Minh chứng" sheet has them)."""
    return [*row[:-4], row[-3]]


def _evidence_sheet(wb, fmt, a: Assessment) -> None:
    """Evidence and where it came from, one row per criterion (indicator): the wide text of "Tiêu chí"."""
    ws = wb.add_worksheet(EVIDENCE_SHEET)
    scheme = scheme_of(a.rubric)
    heads = [scheme.criteria_heads[0], "Đơn vị phụ trách", "Minh chứng", "Tệp", "Trang"]
    widths = [9, 22, 70, 34, 20]
    for col, (head, width) in enumerate(zip(heads, widths)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, head, fmt["head"])
    for r, row in enumerate(scheme.criteria_rows(a.rubric, a.criteria), start=1):
        _row(ws, r, [row[0], row[2], row[-4], row[-2], row[-1]], fmt, widths)
    ws.freeze_panes(1, 0)
    page_setup(ws, landscape=True, repeat_rows=0, footer=_FOOTER)


def _row(ws, r, cells, fmt, widths=None) -> None:
    if widths:
        texts = [(value, width) for value, width in zip(cells, widths) if isinstance(value, str)]
        if texts:
            ws.set_row(r, fitted_height(texts))
    for col, value in enumerate(cells):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(r, col, value, fmt["num"])
        elif value is None:
            ws.write_blank(r, col, None, fmt["cell"])
        else:
            ws.write_string(r, col, str(value), fmt["cell"])


def _units_sheet(wb, fmt, report: dict) -> None:
    ws = wb.add_worksheet("Đơn vị")
    heads = ["Đơn vị", "Tiêu chí", "Đã điền / tổng", "Thiếu minh chứng", "Tình trạng", "Người phụ trách", "Tệp",
             "Lưu lần cuối"]
    labels = {"ok": "Đủ", "missing": "Chưa nộp", "incomplete": "Chưa đủ", "conflict": "Xung đột"}
    widths = [30, 10, 11, 11, 11, 24, 38, 17]
    for col, (head, width) in enumerate(zip(heads, widths)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, head, fmt["head"])
    for r, u in enumerate(report["units"], start=1):
        _row(ws, r, [u["name"], ", ".join(u["criteria"]), f"{u['filled']}/{u['total']}", u["evidence_missing"],
                     labels[u["status"]], u["person"], "\n".join(u["files"]), local_datetime(u["saved"])], fmt, widths)
    ws.set_row(0, fitted_height([(h, w, True) for h, w in zip(heads, widths)]))
    ws.autofilter(0, 0, len(report["units"]), len(heads) - 1)
    ws.freeze_panes(1, 0)
    _landscape(ws)


def _findings_sheet(wb, fmt, report: dict) -> None:
    ws = wb.add_worksheet("Phát hiện")
    heads = ["Vấn đề", "Mức", "Nội dung", "Cách sửa", "Ở đâu", "Đơn vị", "Tiêu chí", "Mã"]
    widths = [22, 9, 46, 36, 28, 18, 8, 13]
    for col, (head, width) in enumerate(zip(heads, widths)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, head, fmt["head"])
    code_style = fmt["code"]
    for r, f in enumerate(report["findings"], start=1):
        style = fmt[f["severity"]]
        values = [F.title(f["code"]), F.SEVERITY_LABEL[f["severity"]], f["message"], f["hint"], _where(f),
                  f.get("unit") or "", f.get("criterion") or ""]
        ws.set_row(r, fitted_height([(str(v), w) for v, w in zip(values, widths)] +
                                    [(f["code"].replace("-", "- "), widths[-1] * 1.3)]))
        for col, value in enumerate(values):
            ws.write_string(r, col, str(value), fmt["title_" + f["severity"]] if col == 0 else style)
        ws.write_string(r, len(values), f["code"], code_style)
    ws.autofilter(0, 0, max(1, len(report["findings"])), len(heads) - 1)
    ws.freeze_panes(1, 0)
    _landscape(ws)


def _where(f: dict) -> str:
    return ", ".join(x for x in (f.get("file") and f"tệp “{f['file']}”", f.get("sheet") and f"trang “{f['sheet']}”",
                                 f.get("cell") and f"ô {f['cell']}") if x)


def _score_sheet(wb, fmt, a: Assessment, report: dict) -> None:
    """The print-ready 'phiếu tự đánh giá, cho điểm' (TT 44) / 'bản tổng hợp kết quả' (TT 25)."""
    plan, rubric = a.plan, a.rubric
    scheme = scheme_of(rubric)
    ws = wb.add_worksheet(scheme.score_sheet)
    widths = scheme.score_widths
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    last = len(widths) - 1
    ws.merge_range(0, 0, 0, 1, f"ỦY BAN NHÂN DÂN {plan.commune_label.upper()}", fmt["bold_c"])
    ws.merge_range(0, 2, 0, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", fmt["bold_c"])
    ws.merge_range(1, 2, 1, last, "Độc lập - Tự do - Hạnh phúc", fmt["bold_c"])
    ws.merge_range(3, 0, 3, last, scheme.score_title(plan.year), fmt["h1"])
    ws.set_row(3, fitted_height([(scheme.score_title(plan.year), sum(widths), True)], font_size=16))
    ws.merge_range(4, 0, 4, last, f"(Theo {rubric.legal_basis})", fmt["ital_c"])
    for col, head in enumerate(scheme.score_heads):
        ws.write_string(6, col, head, fmt["head"])
    ws.set_row(6, 34)
    r = 7
    for cells in scheme.score_rows(rubric, a.criteria):
        _row(ws, r, cells, fmt, widths)
        r += 1
    cls = report["classification"]
    if scheme.scored:
        ws.merge_range(r, 0, r, 3, "Tổng điểm", fmt["total_label"])
        ws.write_number(r, 4, report["total"] or 0, fmt["total"])
        r += 1
    ws.merge_range(r, 0, r, last - 2, scheme.result_label, fmt["total_label"])
    ws.merge_range(r, last - 1, r, last, cls["label"], fmt["total_text"])    # "Chưa xếp loại" fits
    ws.set_row(r, fitted_height([(cls["label"], widths[last - 1] + widths[last], True)]))
    r += 2
    ws.merge_range(r, 0, r, 1, "NGƯỜI TỔNG HỢP", fmt["bold_c"])
    ws.merge_range(r, 2, r, last, "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", fmt["bold_c"])
    ws.set_row(r, 32)
    ws.merge_range(r + 1, 2, r + 1, last, "(Ký, ghi rõ họ tên, đóng dấu)", fmt["ital_c"])
    if plan.chair:
        ws.merge_range(r + 5, 2, r + 5, last, plan.chair, fmt["bold_c"])
    page_setup(ws, landscape=False, repeat_rows=6, footer=_FOOTER,
               margins={"left": 0.8, "right": 0.6, "top": 0.6, "bottom": 0.6})


def _landscape(ws) -> None:
    page_setup(ws, landscape=True, repeat_rows=0, footer=_FOOTER)

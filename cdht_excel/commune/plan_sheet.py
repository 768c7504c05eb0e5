"""The plan workbook: an editable .xlsx the secretary fills (Thông tin, Phân công, Điểm tối đa)."""
from __future__ import annotations

import re
from pathlib import Path

from cdht_excel.atomic import atomic_path
from cdht_excel.commune.plan import COMMUNE_KINDS, REPORT_BY_PROMOTION, REPORT_BY_UBND, Plan, Unit
from cdht_excel.rules import findings as F
from cdht_excel.rules import rubric as R
from cdht_excel.rules.contract import PLAN_SCHEMA
from cdht_excel.rules.model import Rubric
from cdht_excel.rules.schemes import scheme_of
from cdht_excel.sheets.printing import GrowingRows, fitted_height, page_setup
from cdht_excel.text import clean_text, fold, format_number, parse_number

INFO_SHEET, UNITS_SHEET, MAXIMA_SHEET = "Thông tin", "Phân công", "Điểm tối đa"
YES, NO = "Có", "Không"

# (plan attribute, label in column A). Labels are matched without diacritics or case.
INFO_ROWS = [
    ("commune_kind", "Cấp (xã / phường / thị trấn)"),
    ("commune", "Tên xã, phường, thị trấn"),
    ("district", "Huyện (quận, thị xã, thành phố)"),
    ("province", "Tỉnh (thành phố)"),
    ("year", "Năm đánh giá"),
    ("rubric", "Bộ tiêu chí"),
    ("hard_area", "Xã thuộc vùng khó khăn"),
    ("chair", "Chủ tịch UBND xã"),
    ("promotion_chair", "Chủ tịch Hội Khuyến học xã"),
    ("assessing_body", "Cơ quan đánh giá, công nhận"),
    ("report_by", "Cơ quan ban hành báo cáo"),
]
REPORT_BY_LABELS = {REPORT_BY_PROMOTION: "Hội Khuyến học xã", REPORT_BY_UBND: "Ủy ban nhân dân xã"}
UNIT_COLUMNS = [("name", "Đơn vị"), ("sheet", "Tên trang tính"), ("criteria", "Tiêu chí phụ trách"),
                ("contact", "Người phụ trách"), ("phone", "Điện thoại / Email")]


def _fold(text) -> str:
    return fold(text, punctuation=False)


def write_plan(plan: Plan, rubric: Rubric, path: str | Path) -> None:
    from cdht_excel.sheets.memory_workbook import MemoryWorkbook

    with atomic_path(path) as tmp:
        wb = MemoryWorkbook(tmp, {"default_format_properties": {"font_name": "Times New Roman",
                                                                "font_size": 12}})
        import datetime as dt
        wb.set_properties({"created": dt.datetime(int(plan.year or 2000), 1, 1),   # fixed: reproducible
                           "title": f"Kế hoạch đánh giá Cộng đồng học tập {plan.commune_label} {plan.year}",
                           "author": "cdht-excel"})
        title = wb.add_format({"bold": True, "font_size": 14, "text_wrap": True, "valign": "vcenter"})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        text = wb.add_format({"num_format": "@", "border": 1, "text_wrap": True, "valign": "top"})
        note = wb.add_format({"italic": True, "font_color": "#555555", "text_wrap": True, "valign": "top"})
        growing = GrowingRows()
        running_title = _footer_text(f"Kế hoạch tự đánh giá “Cộng đồng học tập” – {plan.commune_label} – "
                                     f"năm {plan.year}")
        footer = f"&L{running_title}&RTrang &P/&N"

        ws = wb.add_worksheet(INFO_SHEET)
        widths = [34, 48, 56]
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        heading = "KẾ HOẠCH TỰ ĐÁNH GIÁ “CỘNG ĐỒNG HỌC TẬP” – THÔNG TIN CHUNG"
        ws.merge_range(0, 0, 0, 2, heading, title)
        ws.set_row(0, fitted_height([(heading, sum(widths), True)], font_size=14))
        values = {"commune_kind": plan.commune_kind, "commune": plan.commune, "district": plan.district,
                  "province": plan.province, "year": plan.year, "rubric": plan.rubric,
                  "hard_area": "" if plan.hard_area is None else (YES if plan.hard_area else NO),
                  "chair": plan.chair, "promotion_chair": plan.promotion_chair,
                  "assessing_body": plan.assessing_body,
                  "report_by": REPORT_BY_LABELS[REPORT_BY_UBND if plan.report_by_ubnd else REPORT_BY_PROMOTION]}
        notes = {"rubric": f"Mã bộ tiêu chí ({', '.join(R.BUILTIN_IDS)}) hoặc đường dẫn tệp bộ tiêu chí riêng.",
                 "hard_area": "Chỉ dùng với TT 25/2023 (ngưỡng chỉ tiêu 5.2). Ghi Có hoặc Không.",
                 "year": "Năm đánh giá (số liệu từ 01/01 đến 31/12).",
                 "assessing_body": "Cơ quan nhận tờ trình, đánh giá và công nhận, ví dụ “Ủy ban nhân dân huyện Định Hóa”. "
                                   "Để trống thì dùng cơ quan cấp huyện theo thông tư; từ 01/07/2025 không còn cấp "
                                   "huyện: phải ghi cơ quan thay thế theo hướng dẫn của tỉnh.",
                 "report_by": "Báo cáo do Hội Khuyến học xã lập, có xác nhận của Chủ tịch UBND xã (TT 44/2014 "
                              "Điều 5.1.b, 6.2); chọn “Ủy ban nhân dân xã” nếu UBND xã ban hành báo cáo."}
        for row, (attr, label) in enumerate(INFO_ROWS, start=2):
            ws.write(row, 0, label, head)
            value = values[attr]
            if isinstance(value, int):
                ws.write_number(row, 1, value, wb.add_format({"border": 1}))
            else:
                ws.write_string(row, 1, value or "", text)
            if attr in notes:
                ws.write(row, 2, notes[attr], note)
            ws.set_row(row, fitted_height([(label, widths[0], True), (value, widths[1]),
                                           (notes.get(attr, ""), widths[2])]))
            growing.add(ws, row)
        page_setup(ws, landscape=True, footer=footer)
        row_of = {attr: i for i, (attr, _) in enumerate(INFO_ROWS, start=2)}
        ws.data_validation(row_of["commune_kind"], 1, row_of["commune_kind"], 1,
                           {"validate": "list", "source": list(COMMUNE_KINDS)})
        ws.data_validation(row_of["hard_area"], 1, row_of["hard_area"], 1,
                           {"validate": "list", "source": [YES, NO]})
        ws.data_validation(row_of["report_by"], 1, row_of["report_by"], 1,
                           {"validate": "list", "source": list(REPORT_BY_LABELS.values())})
        ws.data_validation(row_of["year"], 1, row_of["year"], 1,
                           {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
                            "error_title": "Năm không hợp lệ", "error_message": "Nhập năm bằng 4 chữ số, ví dụ 2024."})

        ws = wb.add_worksheet(UNITS_SHEET)
        widths = [42, 24, 20, 26, 26]
        for col, ((_, label), width) in enumerate(zip(UNIT_COLUMNS, widths)):
            ws.set_column(col, col, width)
            ws.write(0, col, label, head)
        for row, unit in enumerate(plan.units, start=1):
            cells = [unit.name, unit.sheet, ", ".join(unit.criteria), unit.contact, unit.phone]
            for col, value in enumerate(cells):
                ws.write_string(row, col, value, text)
            ws.set_row(row, fitted_height(list(zip(cells, widths))))
            growing.add(ws, row)
        last_row = len(plan.units) + 10
        for row in range(len(plan.units) + 1, last_row + 1):
            for col in range(len(UNIT_COLUMNS)):
                ws.write_blank(row, col, None, text)
        ws.set_column(6, 6, 60)
        ws.write(0, 6, "Mỗi tiêu chí giao cho đúng một đơn vị. Ghi nhiều tiêu chí cách nhau "
                       "bằng dấu phẩy, ví dụ: 2, 7, 11. Tên trang tính tối đa 31 ký tự "
                       "(để trống thì lấy theo tên đơn vị).", note)
        ws.freeze_panes(1, 0)
        ws.print_area(0, 0, last_row, len(UNIT_COLUMNS) - 1)     # the note beside the table is for the screen
        page_setup(ws, landscape=True, repeat_rows=0, footer=footer,
                   header=_page_heading("PHÂN CÔNG TIÊU CHÍ CHO CÁC ĐƠN VỊ"))

        if scheme_of(rubric).scored:
            ws = wb.add_worksheet(MAXIMA_SHEET)
            widths = [10, 80, 14]
            for col, width in enumerate(widths):
                ws.set_column(col, col, width)
            ws.write(0, 0, "Tiêu chí", head)
            ws.write(0, 1, "Tên tiêu chí", head)
            ws.write(0, 2, "Điểm tối đa", head)
            for row, c in enumerate(rubric.criteria, start=1):
                ws.write_string(row, 0, c.id, text)
                ws.write_string(row, 1, c.title, text)
                value = plan.maxima.get(c.id, c.max)
                if value is None:
                    ws.write_blank(row, 2, None, text)
                else:
                    ws.write_number(row, 2, value, wb.add_format({"border": 1}))
                ws.set_row(row, fitted_height([(c.title, widths[1])]))
            explanation = ((rubric.data.get("maxima_source") or "") +
                           f" Để trống cả cột nếu chưa có; nếu điền thì điền đủ và tổng phải bằng "
                           f"{format_number(rubric.total_max)}.")
            note_row = len(rubric.criteria) + 2
            ws.merge_range(note_row, 0, note_row, 2, explanation, note)
            ws.set_row(note_row, fitted_height([(explanation, sum(widths))]))
            page_setup(ws, landscape=False, repeat_rows=0, footer=footer,
                       header=_page_heading("ĐIỂM TỐI ĐA CỦA TỪNG TIÊU CHÍ"))
        marker = wb.add_worksheet("_cdht_plan")
        marker.write_string(0, 0, "schema")
        marker.write_string(0, 1, PLAN_SCHEMA)
        marker.hide()
        wb.close()
        growing.release(tmp)


def _page_heading(text: str) -> str:
    return '&C&"Times New Roman,Bold"&13' + _footer_text(text)


def _footer_text(text: str) -> str:
    return text.replace("&", "&&")


def read_plan(path: str | Path) -> tuple[Plan | None, list[F.Finding]]:
    """The plan in a plan workbook, or None with the reasons."""
    import openpyxl

    name = Path(path).name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any unreadable workbook: report, never a traceback
        return None, [F.make("plan-unreadable", file=name, detail=f"{type(exc).__name__}: {exc}")]
    sheets = {_fold(ws.title): ws for ws in wb.worksheets}
    info_ws, units_ws = sheets.get(_fold(INFO_SHEET)), sheets.get(_fold(UNITS_SHEET))
    if info_ws is None or units_ws is None:
        return None, [F.make("plan-unreadable", file=name,
                             detail=f"cần hai trang “{INFO_SHEET}” và “{UNITS_SHEET}”")]
    problems: list[F.Finding] = []
    info = _read_info(info_ws)
    year_value = parse_number(info.get("year"))
    year = int(year_value) if year_value is not None and float(year_value).is_integer() else None
    if year is None and clean_text(info.get("year")):
        problems.append(F.make("plan-bad-year", file=name, sheet=INFO_SHEET, value=clean_text(info.get("year"))))
    hard_text = _fold(info.get("hard_area"))
    answers: dict[str, bool | None] = {"co": True, "khong": False, "": None}
    hard_area = answers.get(hard_text)
    if hard_text not in answers:
        problems.append(F.make("plan-bad-hard-area", file=name, sheet=INFO_SHEET,
                               value=clean_text(info.get("hard_area"))))
    kind = clean_text(info.get("commune_kind")).lower() or "xã"
    report_by = {_fold(label): key for key, label in REPORT_BY_LABELS.items()}
    report_by.update({"ubnd": REPORT_BY_UBND, "ubnd xa": REPORT_BY_UBND, "uy ban nhan dan": REPORT_BY_UBND,
                      "hoi khuyen hoc": REPORT_BY_PROMOTION, "": REPORT_BY_PROMOTION})
    issuer = report_by.get(_fold(info.get("report_by")))
    if issuer is None:
        problems.append(F.make("plan-bad-report-by", file=name, sheet=INFO_SHEET,
                               value=clean_text(info.get("report_by")),
                               choices=" hoặc ".join(f"“{v}”" for v in REPORT_BY_LABELS.values())))
        issuer = REPORT_BY_PROMOTION
    units = _read_units(units_ws)
    maxima, max_problems = _read_maxima(sheets.get(_fold(MAXIMA_SHEET)), name)
    problems += max_problems
    rubric_ref = clean_text(info.get("rubric")) or R.DEFAULT_RUBRIC
    if rubric_ref not in R.BUILTIN_IDS and not Path(rubric_ref).is_absolute():
        candidate = Path(path).parent / rubric_ref
        if candidate.exists():
            rubric_ref = str(candidate)
    plan = Plan(commune=clean_text(info.get("commune")), year=year, rubric=rubric_ref,
                district=clean_text(info.get("district")), province=clean_text(info.get("province")),
                commune_kind=kind, hard_area=hard_area, chair=clean_text(info.get("chair")),
                promotion_chair=clean_text(info.get("promotion_chair")), units=tuple(units), maxima=maxima,
                assessing_body=clean_text(info.get("assessing_body")), report_by_ubnd=issuer == REPORT_BY_UBND)
    wb.close()
    return plan, problems


def _read_info(ws) -> dict:
    by_label = {_fold(label): attr for attr, label in INFO_ROWS}
    out = {}
    for row in ws.iter_rows(max_col=2, values_only=True):
        if not row or row[0] is None:
            continue
        attr = by_label.get(_fold(row[0]))
        if attr:
            out[attr] = row[1] if len(row) > 1 else None
    return out


def split_criteria(value) -> tuple[str, ...]:
    """'2, 7, 11' / '2;7;11' / 2 -> ('2', '7', '11')."""
    if value is None:
        return ()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (format_number(value).replace(",", "."),)
    tokens = re.split(r"[,;\s]+", clean_text(value))
    return tuple(t.strip().rstrip(".").removeprefix("TC").removeprefix("tc") for t in tokens if t.strip())


def _read_units(ws) -> list[Unit]:
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return []
    header = [_fold(h) for h in rows[0]]
    col = {attr: header.index(_fold(label)) for attr, label in UNIT_COLUMNS if _fold(label) in header}
    if "name" not in col:
        return []
    units = []
    for row in rows[1:]:
        get = lambda attr, row=row: row[col[attr]] if attr in col and col[attr] < len(row) else None
        name = clean_text(get("name"))
        if not name:
            continue
        units.append(Unit(name=name, sheet=clean_text(get("sheet")), criteria=split_criteria(get("criteria")),
                          contact=clean_text(get("contact")), phone=clean_text(get("phone"))))
    return units


def _read_maxima(ws, name) -> tuple[dict[str, float], list[F.Finding]]:
    if ws is None:
        return {}, []
    maxima, problems = {}, []
    for row in list(ws.iter_rows(values_only=True))[1:]:
        if not row or row[0] is None or len(row) < 3 or clean_text(row[2]) == "":
            continue
        cid = split_criteria(row[0])
        value = parse_number(row[2])
        if not cid:
            continue
        if value is None or value < 0:
            problems.append(F.make("plan-bad-max", file=name, sheet=MAXIMA_SHEET, value=clean_text(row[2]),
                                   criterion=cid[0], total=100))
        else:
            maxima[cid[0]] = value
    return maxima, problems

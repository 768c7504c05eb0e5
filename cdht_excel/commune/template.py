"""The standard workbook (PRODUCT §5): instructions, one sheet per unit, hidden stamp.

`layout_unit` is pure: it decides which row holds what. `write_template` turns
the layout into an .xlsx with XlsxWriter (fast, deterministic, full support for
defined names, data validation and protection).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cdht_excel import __version__
from cdht_excel.atomic import atomic_path
from cdht_excel.commune.plan import Plan, Unit
from cdht_excel.rules import stamp as S
from cdht_excel.rules.contract import (COL, COLUMNS, FIELD_COLUMN, FIRST_ITEM_ROW, HEADER_ROW, INSTRUCTIONS_SHEET,
                                       KEYS_ROW, KEY_COL_MARK, META_SHEET, NOTE_ROW, PERSON_ROW, SCHEMA, cell_ref,
                                       unit_sheet_names)
from cdht_excel.rules.model import FAIL, MAIN_FIELD, PASS, Item, Rubric, vn_date
from cdht_excel.rules.schemes import scheme_of
from cdht_excel.sheets.printing import GrowingRows, fitted_height, page_setup
from cdht_excel.text import format_number, parse_number, safe_filename

WIDTHS = [4, 6, 58, 22, 14, 46, 18, 11]
INSTRUCTION_WIDTHS = [44, 22, 28, 28]


@dataclass(frozen=True)
class Row:
    kind: str                 # "criterion" heading, "item" main row, "count" ratio input row
    key: str = ""             # column A: 'C3', 'C5_2', 'C5_2_BASE'
    id: str = ""
    title: str = ""
    req: str = ""
    item: Item | None = None
    field: str | None = None  # for "count" rows: the FIELD entered in VALUE


# Levels are written in words, one a line, the higher first as the classes are listed ("Mức độ 2: Mức độ 3",
# never "MĐ2"); each line fits the requirement column (WIDTHS), so the sheet stays one A4 page wide.

def requirement(item: Item, rubric: Rubric, hard_area: bool | None) -> str:
    if item.kind == "points":
        return format_number(item.max) if item.max is not None else "Theo Phụ lục"
    if item.kind == "passfail":
        return PASS
    if item.kind == "level":
        return f"Mức độ 2: {item.required[2]}\nMức độ 1: {item.required[1]}"
    return ""


def count_requirement(count, hard_area: bool | None) -> str:
    hard = bool(hard_area) and count.min_percent_hard_area is not None
    text = (f"Mức độ 2 ≥ {format_number(count.threshold(2, hard))}%\n"
            f"Mức độ 1 ≥ {format_number(count.threshold(1, hard))}%")
    return text + ("\n(xã vùng khó khăn)" if hard else "")


def layout_unit(unit: Unit, rubric: Rubric, hard_area: bool | None) -> list[Row]:
    rows: list[Row] = []
    for cid in unit.criteria:
        criterion = rubric.criterion(cid)
        single = len(criterion.items) == 1 and criterion.items[0].id == criterion.id
        if not single:
            req = format_number(criterion.max) if criterion.max is not None else ""
            rows.append(Row("criterion", id=criterion.id, title=f"Tiêu chí {criterion.id}: {criterion.title}", req=req))
        for item in criterion.items:
            rows.append(Row("item", key=item.key, id=item.id, title=item.title,
                            req=requirement(item, rubric, hard_area), item=item))
            if item.kind == "ratio":
                base_field, base_label = item.base
                rows.append(Row("count", key=f"{item.key}_{base_field}", title=base_label, req="Mẫu số",
                                item=item, field=base_field))
                for count in item.counts:
                    rows.append(Row("count", key=f"{item.key}_{count.field}", title=count.label,
                                    req=count_requirement(count, hard_area), item=item, field=count.field))
    return rows


def split_file_name(index: int, unit: Unit, plan: Plan) -> str:
    return safe_filename(f"{index:02d} - {unit.name} - {plan.commune} {plan.year}") + ".xlsx"


# --------------------------------------------------------------------------- writing

class _Formats:
    def __init__(self, wb):
        add = wb.add_format
        self.title = add({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter", "text_wrap": True})
        self.subtitle = add({"italic": True, "align": "center", "text_wrap": True})
        self.label = add({"bold": True})
        self.value = add({"text_wrap": False})
        self.person = add({"locked": False, "bottom": 1, "bg_color": "#FFF2CC", "num_format": "@"})
        self.note = add({"italic": True, "font_color": "#7F3F00", "text_wrap": True, "valign": "top"})
        self.head = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                         "align": "center", "valign": "vcenter"})
        self.crit = add({"bold": True, "bg_color": "#EDEDED", "border": 1, "text_wrap": True, "valign": "top"})
        self.cell = add({"border": 1, "text_wrap": True, "valign": "top"})
        self.center = add({"border": 1, "text_wrap": True, "valign": "top", "align": "center"})
        self.grey = add({"border": 1, "bg_color": "#F2F2F2"})
        self.input_num = add({"border": 1, "locked": False, "bg_color": "#FFF2CC", "valign": "top",
                              "align": "center", "num_format": "General"})
        self.input_count = add({"border": 1, "locked": False, "bg_color": "#FFF2CC", "valign": "top",
                                "align": "center", "num_format": "0"})
        self.input_choice = add({"border": 1, "locked": False, "bg_color": "#FFF2CC", "valign": "top",
                                 "align": "center", "text_wrap": True})
        self.input_text = add({"border": 1, "locked": False, "bg_color": "#FFF2CC", "text_wrap": True,
                               "valign": "top", "num_format": "@"})
        self.percent = add({"border": 1, "num_format": "0.0%", "valign": "top", "align": "center"})
        self.total = add({"bold": True, "border": 1, "bg_color": "#E2EFDA", "num_format": "General", "align": "center"})
        self.total_label = add({"bold": True, "border": 1, "bg_color": "#E2EFDA", "text_wrap": True})
        self.text = add({"text_wrap": True, "valign": "top"})
        self.h1 = add({"bold": True, "font_size": 14})
        self.h2 = add({"bold": True, "font_size": 12, "font_color": "#1F4E79"})
        self.warn = add({"bold": True, "font_color": "#C00000", "text_wrap": True, "valign": "top"})
        self.keyrow = add({"font_color": "#FFFFFF", "font_size": 8})


def write_template(plan: Plan, rubric: Rubric, path: str | Path, only: Unit | None = None,
                   values: dict | None = None) -> None:
    """Write the standard workbook (all units, or one unit for --split-dir) atomically.

    `values` ({'C3_SCORE': 7.5, ...}, as for `fill.fill_workbook`) pre-fills input cells:
    used to generate sample and benchmark sets quickly; templates for units have none.
    """
    from cdht_excel.sheets.memory_workbook import MemoryWorkbook

    plan_data = plan.to_data()
    tid = S.template_id(rubric, plan_data)
    units = [only] if only else list(plan.units)
    sheet_names = unit_sheet_names(plan.units)
    with atomic_path(path) as tmp:
        wb = MemoryWorkbook(tmp, {"default_format_properties": {"font_name": "Times New Roman",
                                                                "font_size": 12}})
        created = dt.datetime(int(plan.year), 1, 1, 0, 0, 0)   # fixed: templates are reproducible
        wb.set_properties({
            "title": f"Phiếu tự đánh giá Cộng đồng học tập – {plan.commune_label} – năm {plan.year}",
            "subject": rubric.legal_basis, "author": "cdht-excel", "company": plan.commune_label,
            "keywords": f"{SCHEMA}; {tid}", "comments": f"cdht-excel {__version__}", "created": created,
        })
        wb.set_custom_property("cdht_template_id", tid)
        wb.set_custom_property("cdht_rubric", f"{rubric.id}@{rubric.version}#{rubric.content_hash}")
        fmt = _Formats(wb)
        growing = GrowingRows()
        _write_instructions(wb, fmt, plan, rubric, sheet_names)
        for unit in units:
            _write_unit_sheet(wb, fmt, plan, rubric, unit, sheet_names[unit.id], tid, values or {}, growing)
        rows = S.meta_rows(tid, rubric, plan_data, [u.id for u in units], f"cdht-excel {__version__}")
        meta = wb.add_worksheet(META_SHEET)
        for r, (key, value) in enumerate(rows):
            meta.write_string(r, 0, key)
            if isinstance(value, int):
                meta.write_number(r, 1, value)
            else:
                meta.write_string(r, 1, "" if value is None else str(value))
        meta.hide()
        meta.protect("")
        wb.define_name("CDHT_META", f"='{META_SHEET}'!$A$1:$B${len(rows)}")
        wb.close()
        growing.release(tmp)


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _write_unit_sheet(wb, fmt: _Formats, plan: Plan, rubric: Rubric, unit: Unit, name: str, tid: str,
                      values: dict, growing: GrowingRows) -> None:
    ws = wb.add_worksheet(name)
    q = _quoted(name)
    has_calc = any(item.kind == "ratio" for cid in unit.criteria for item in rubric.criterion(cid).items)
    widths = WIDTHS
    for col, width in enumerate(widths):
        hidden = col == COL["KEY"] or (col == COL["CALC"] and not has_calc)
        ws.set_column(col, col, width, None, {"hidden": hidden})

    ws.write_string(0, 0, S.sheet_stamp(tid, unit.id, rubric, plan.year, plan.commune))
    wb.define_name(f"CDHT_UNIT_{unit.key}", f"={q}!$A$1")
    ws.merge_range(0, 1, 0, 6, f"PHIẾU TỰ ĐÁNH GIÁ “CỘNG ĐỒNG HỌC TẬP” CẤP XÃ – NĂM {plan.year}", fmt.title)
    ws.set_row(0, 24)
    ws.merge_range(1, 1, 1, 6, f"Căn cứ: {rubric.legal_basis}", fmt.subtitle)
    place = ", ".join(p for p in (plan.district, plan.province) if p)
    label = plan.commune_label[:1].upper() + plan.commune_label[1:]
    header = [("Đơn vị hành chính:", label + (f" ({place})" if place else "")),
              ("Năm đánh giá:", str(plan.year)), ("Đơn vị phụ trách:", unit.name)]
    for r, (label, value) in enumerate(header, start=2):
        ws.write_string(r, 2, label, fmt.label)
        ws.merge_range(r, 3, r, 6, value, fmt.value)
    ws.write_string(5, 2, "Tiêu chí phụ trách:", fmt.label)
    ws.merge_range(5, 3, 5, 6, ", ".join(unit.criteria), fmt.value)
    ws.write_string(PERSON_ROW, 2, "Người phụ trách (họ tên, chức vụ):", fmt.label)
    ws.merge_range(PERSON_ROW, 3, PERSON_ROW, 6, str(values.get(f"UNIT_{unit.key}_PERSON", unit.contact)), fmt.person)
    wb.define_name(f"CDHT_UNIT_{unit.key}_PERSON", f"={q}!{_abs(cell_ref(PERSON_ROW, 3))}")
    ws.merge_range(NOTE_ROW, 1, NOTE_ROW, 6, _sheet_note(rubric), fmt.note)
    ws.set_row(NOTE_ROW, fitted_height([(_sheet_note(rubric), sum(WIDTHS[1:7]))]))

    ws.write_string(KEYS_ROW, 0, KEY_COL_MARK, fmt.keyrow)
    for col, key in enumerate(COLUMNS[1:], start=1):
        ws.write_string(KEYS_ROW, col, key, fmt.keyrow)
    ws.set_row(KEYS_ROW, None, None, {"hidden": True})
    labels = ["", "Mã", "Tiêu chí / chỉ tiêu", _req_header(rubric), _value_header(rubric),
              "Minh chứng (số, ngày, trích yếu văn bản…)", "Ghi chú", "Tỷ lệ (tự tính)"]
    for col, label in enumerate(labels):
        ws.write_string(HEADER_ROW, col, label, fmt.head)
    ws.set_row(HEADER_ROW, fitted_height([(label, WIDTHS[col], True) for col, label in enumerate(labels)
                                          if col not in (COL["KEY"], COL["CALC"]) or has_calc]))

    rows = layout_unit(unit, rubric, plan.hard_area)
    r = FIRST_ITEM_ROW
    base_row: dict[str, int] = {}
    for row in rows:
        ws.write_string(r, COL["KEY"], row.key)
        if row.kind == "criterion":
            ws.write_string(r, COL["ID"], row.id, fmt.crit)
            ws.write_string(r, COL["TITLE"], row.title, fmt.crit)
            ws.write_string(r, COL["REQ"], row.req, fmt.crit)
            for col in (COL["VALUE"], COL["EVIDENCE"], COL["NOTE"]):
                ws.write_blank(r, col, None, fmt.crit)
        elif row.kind == "item":
            _write_item_row(wb, ws, fmt, q, r, row, rubric, values)
        else:
            _write_count_row(wb, ws, fmt, q, r, row, base_row, values)
        ws.set_row(r, _row_points(row, values))
        growing.add(ws, r)     # a starting height: Excel and LibreOffice fit the row, evidence grows with its lines
        r += 1
    last_item_row = r - 1
    values_range = f"{cell_ref(FIRST_ITEM_ROW, COL['VALUE'])}:{cell_ref(last_item_row, COL['VALUE'])}"
    evidence_range = f"{cell_ref(FIRST_ITEM_ROW, COL['EVIDENCE'])}:{cell_ref(last_item_row, COL['EVIDENCE'])}"
    cells = item_cells(rows)
    filled = sum(all(_prefilled(rows[i], values) for i in group) for group in cells.values())
    ws.merge_range(r, COL["ID"], r, COL["REQ"],
                   "Số nội dung đã nhập (tự tính để đơn vị tự kiểm tra; khi tổng hợp, công cụ tự tính lại)",
                   fmt.total_label)
    groups = [[cell_ref(FIRST_ITEM_ROW + i, COL["VALUE"]) for i in group] for group in cells.values()]
    ws.write_formula(r, COL["VALUE"], filled_formula(groups), fmt.total, f"{filled}/{len(groups)}")
    if scheme_of(rubric).scored:
        r += 1
        evidence = evidence_range if rubric.data.get("evidence_required") else None
        label = "Tổng điểm của đơn vị (tự tính, chỉ để tham khảo" + \
                ("; điểm chưa có minh chứng không được tính)" if evidence else ")")
        ws.merge_range(r, COL["ID"], r, COL["REQ"], label, fmt.total_label)
        ws.write_array_formula(r, COL["VALUE"], r, COL["VALUE"], total_formula(values_range, evidence), fmt.total,
                               _prefilled_total(rows, values, bool(evidence)))
    r += 2
    ws.write_string(r, COL["TITLE"], "NGƯỜI LẬP PHIẾU", fmt.label)
    ws.merge_range(r, COL["EVIDENCE"], r, COL["NOTE"], "THỦ TRƯỞNG ĐƠN VỊ", fmt.label)
    ws.write_string(r + 1, COL["TITLE"], "(Ký, ghi rõ họ tên)", fmt.subtitle)
    ws.merge_range(r + 1, COL["EVIDENCE"], r + 1, COL["NOTE"], "(Ký, ghi rõ họ tên)", fmt.subtitle)

    ws.protect("", {"format_columns": True, "format_rows": True, "insert_rows": True, "delete_rows": True,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    page_setup(ws, landscape=True, repeat_rows=HEADER_ROW, footer=f"&L{_footer_text(unit.name)}&RTrang &P/&N",
               margins={"left": 0.6, "right": 0.4, "top": 0.6, "bottom": 0.6})
    ws.freeze_panes(FIRST_ITEM_ROW, 0)


def _footer_text(text: str) -> str:
    return text.replace("&", "&&")


def _row_points(row: Row, values: dict) -> float:
    """A height that shows the row's text and whatever evidence and note were pre-filled."""
    title = row.title if row.kind != "count" else "– " + row.title
    cells = [(title, WIDTHS[COL["TITLE"]], row.kind == "criterion"), (row.req, WIDTHS[COL["REQ"]])]
    if row.kind == "item":
        for field in ("EVIDENCE", "NOTE"):
            cells.append((values.get(f"{row.item.key}_{field}") or "", WIDTHS[FIELD_COLUMN[field]]))
    return fitted_height(cells)


def _sheet_note(rubric: Rubric) -> str:
    return scheme_of(rubric).sheet_note(rubric)


def _req_header(rubric: Rubric) -> str:
    return scheme_of(rubric).req_header


def _value_header(rubric: Rubric) -> str:
    return scheme_of(rubric).value_header


def _write_input(ws, r, c, value, style) -> None:
    if value is None:
        ws.write_blank(r, c, None, style)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(r, c, value, style)
    else:
        ws.write_string(r, c, str(value), style)


def _write_item_row(wb, ws, fmt, q, r, row: Row, rubric: Rubric, values: dict) -> None:
    item = row.item
    ws.write_string(r, COL["ID"], row.id, fmt.center)
    ws.write_string(r, COL["TITLE"], row.title, fmt.cell)
    ws.write_string(r, COL["REQ"], row.req, fmt.center)
    value = cell_ref(r, COL["VALUE"])
    if item.kind == "ratio":
        ws.write_blank(r, COL["VALUE"], None, fmt.grey)
    else:
        field = MAIN_FIELD[item.kind]
        style = fmt.input_num if item.kind == "points" else fmt.input_choice
        _write_input(ws, r, COL["VALUE"], values.get(f"{item.key}_{field}"), style)
        wb.define_name(item.name(field), f"={q}!{_abs(value)}")
        ws.data_validation(value, _validation(item, rubric))
    for field in ("EVIDENCE", "NOTE"):
        ref = cell_ref(r, FIELD_COLUMN[field])
        _write_input(ws, r, FIELD_COLUMN[field], values.get(f"{item.key}_{field}"), fmt.input_text)
        wb.define_name(item.name(field), f"={q}!{_abs(ref)}")
    ws.data_validation(cell_ref(r, COL["EVIDENCE"]), {
        "validate": "length", "criteria": "<=", "value": 4000, "input_title": "Minh chứng",
        "input_message": "Ghi số, ngày, trích yếu văn bản hoặc tài liệu minh chứng; mỗi minh chứng một dòng "
                         "(Alt+Enter). Điểm/kết quả không có minh chứng sẽ không được tính.",
        "error_title": "Quá dài", "error_message": "Tối đa 4000 ký tự; ghi tóm tắt, đính kèm tài liệu riêng."})


def _write_count_row(wb, ws, fmt, q, r, row: Row, base_row: dict, values: dict) -> None:
    item = row.item
    ws.write_string(r, COL["ID"], "", fmt.center)
    ws.write_string(r, COL["TITLE"], "– " + row.title, fmt.cell)
    ws.write_string(r, COL["REQ"], row.req, fmt.center)
    ref = cell_ref(r, COL["VALUE"])
    _write_input(ws, r, COL["VALUE"], values.get(f"{item.key}_{row.field}"), fmt.input_count)
    wb.define_name(item.name(row.field), f"={q}!{_abs(ref)}")
    ws.data_validation(ref, {
        "validate": "integer", "criteria": ">=", "value": 0,
        "input_title": "Số người", "input_message": "Nhập số người (số nguyên, không âm), số liệu từ 01/01 "
                                                   "đến 31/12 của năm đánh giá.",
        "error_title": "Số không hợp lệ", "error_message": "Nhập số nguyên không âm, ví dụ 5230."})
    ws.write_blank(r, COL["EVIDENCE"], None, fmt.grey)
    ws.write_blank(r, COL["NOTE"], None, fmt.grey)
    if row.field == item.base[0]:
        base_row[item.id] = r
        ws.write_blank(r, COL["CALC"], None, fmt.percent)
    else:
        base = cell_ref(base_row[item.id], COL["VALUE"])
        ws.write_formula(r, COL["CALC"], f'=IF(N({base})>0,N({ref})/N({base}),"")', fmt.percent, "")


# The unit's own subtotal, as the merge computes it (check._points: text "6,5" or "7.5" is a number, a
# score without evidence counts 0), in Excel, LibreOffice and Gnumeric whatever the computer's locale:
# text is converted after both "," and "." are replaced by the locale's own decimal separator, read off
# the number 0.5 turned into text; only digits and one separator count (no dates "7/5", "50%", "1e3").
# An array formula ({=…}), so that IF and IFERROR work on ranges in every Excel version.
_DECIMAL = 'MID(1/2&"",2,1)'


def _as_number(ref: str) -> str:
    local = f'SUBSTITUTE(SUBSTITUTE(TRIM({ref}),",",{_DECIMAL}),".",{_DECIMAL})'
    digits_only = f'ISNUMBER(-("0"&SUBSTITUTE({local},{_DECIMAL},"")&"E0"))'
    return f"IF(ISNUMBER({ref}),{ref},IFERROR(--{local},0)*{digits_only})"


def total_formula(values: str, evidence: str | None) -> str:
    """The unit's total of `values` (a range), counting only rows with evidence when `evidence` is given."""
    counted = f"*(LEN(TRIM({evidence}))>0)" if evidence else ""
    return f"{{=SUM({_as_number(values)}{counted})}}"


def item_cells(rows: list[Row]) -> dict[str, list[int]]:
    """{item key: the indexes in `rows` of its input rows}: one row, or a ratio item's count rows."""
    out: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row.item is not None and (row.kind == "count" or row.item.kind != "ratio"):
            out.setdefault(row.item.key, []).append(i)
    return out


def filled_formula(groups: list[list[str]]) -> str:
    """'3/15': the items whose every input cell holds more than spaces, as the merge counts them."""
    terms = ["*".join(f"(LEN(TRIM({ref}))>0)" for ref in group) for group in groups]
    return f'=(0+{"+".join(terms) or "0"})&"/{len(groups)}"'


def _prefilled(row: Row, values: dict) -> bool:
    if row.item is None:
        return False
    key = f"{row.item.key}_{row.field if row.kind == 'count' else MAIN_FIELD[row.item.kind]}"
    return str(values.get(key) if values.get(key) is not None else "").strip() != ""


def _prefilled_total(rows: list[Row], values: dict, evidence: bool) -> float:
    """The cached value of the total cell (what Excel shows before it recalculates)."""
    total = 0.0
    for row in rows:
        if row.kind == "item" and row.item.kind == "points":
            score = parse_number(values.get(f"{row.item.key}_SCORE"))
            if score is not None and (not evidence or str(values.get(f"{row.item.key}_EVIDENCE") or "").strip()):
                total += score
    return total


def _abs(ref: str) -> str:
    letters = "".join(ch for ch in ref if ch.isalpha())
    return f"${letters}${ref[len(letters):]}"


def _validation(item: Item, rubric: Rubric) -> dict:
    if item.kind == "points":
        top = item.max if item.max is not None else rubric.total_max
        step = format_number(rubric.step)
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": top,
                "input_title": f"Điểm tiêu chí {item.id}"[:32],
                "input_message": (f"Nhập điểm từ 0 đến {format_number(top)}, bước {step} (ví dụ 7,5). "
                                  "Điểm lớn hơn 0 phải có minh chứng ở cột bên.")[:255],
                "error_title": "Điểm không hợp lệ",
                "error_message": f"Điểm phải là số từ 0 đến {format_number(top)}, bước {step}."}
    options = [PASS, FAIL] if item.kind == "passfail" else list(item.options)
    return {"validate": "list", "source": options, "input_title": f"Chỉ tiêu {item.id}"[:32],
            "input_message": ("Chọn trong danh sách: " + "; ".join(options) + ". Ghi minh chứng ở cột bên.")[:255],
            "error_title": "Giá trị không hợp lệ",
            "error_message": ("Chỉ chọn một trong: " + "; ".join(options) + ".")[:255]}


def instructions(plan: Plan, rubric: Rubric, sheet_names: dict[str, str]) -> list[tuple[str, str]]:
    """The instruction sheet as (style, text) lines: pure, tested, shown in Excel."""
    lines = [("h1", f"HƯỚNG DẪN ĐIỀN PHIẾU TỰ ĐÁNH GIÁ “CỘNG ĐỒNG HỌC TẬP” – {plan.commune_label.upper()} – "
                    f"NĂM {plan.year}"),
             ("text", f"Bộ tiêu chí: {rubric.legal_basis}."),
             ("h2", "1. Đơn vị điền gì"),
             ("text", "Mỗi đơn vị chỉ điền trang mang tên đơn vị mình, vào các ô nền vàng: người phụ trách, "
                      "điểm hoặc kết quả, minh chứng, ghi chú. Các ô khác đã khóa (không cần mật khẩu) để "
                      "giữ đúng mẫu; không đổi tên, không xóa trang, không sao chép ô từ tệp khác đè lên cột ẩn."),
             ("text", "Có thể mở bằng Excel hoặc LibreOffice. Số thập phân dùng dấu phẩy hay dấu chấm đều được "
                      "(7,5 hoặc 7.5)."),
             ]
    lines += scheme_of(rubric).rules(rubric, plan.hard_area)
    for warning in rubric.status_for_year(int(plan.year)):
        lines.append(("warn", "Lưu ý: " + warning.message))
    lines += [("h2", "3. Phân công"),
              ("table", "")]
    lines += [("h2", "4. Gửi lại"),
              ("text", "Lưu tệp (giữ định dạng .xlsx; .xls hoặc .ods cũng đọc được) và gửi cho Hội Khuyến học xã "
                       "trước cuộc họp cuối kỳ tháng 12. Tên tệp đặt tùy ý; công cụ nhận ra tệp theo dấu nhận "
                       "dạng trong tệp, không theo tên."),
              ("h2", "5. Căn cứ pháp lý"),
              ("text", rubric.legal_basis + (f"; hiệu lực từ {vn_date(rubric.in_force_from)}"
                                             if rubric.data.get("in_force_from") else "") + "."),
              ("text", "Mẫu được tạo tự động bằng cdht-excel; không sửa tay cấu trúc mẫu.")]
    return lines


def _write_instructions(wb, fmt, plan: Plan, rubric: Rubric, sheet_names: dict[str, str]) -> None:
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    for col, width in enumerate(INSTRUCTION_WIDTHS):
        ws.set_column(col, col, width)
    r = 0
    for style, text in instructions(plan, rubric, sheet_names):
        if style == "table":
            for c, head in enumerate(["Đơn vị", "Tiêu chí", "Trang tính", "Người phụ trách"]):
                ws.write_string(r, c, head, fmt.head)
            r += 1
            for unit in plan.units:
                cells = [unit.name, ", ".join(unit.criteria), sheet_names[unit.id], unit.contact]
                for c, value in enumerate(cells):
                    ws.write_string(r, c, value, fmt.cell)
                ws.set_row(r, fitted_height(list(zip(cells, INSTRUCTION_WIDTHS))))
                r += 1
            continue
        ws.merge_range(r, 0, r, 3, text, getattr(fmt, style))
        if style in ("text", "warn"):
            ws.set_row(r, fitted_height([(text, sum(INSTRUCTION_WIDTHS), style == "warn")]))
        elif style == "h1":
            ws.set_row(r, fitted_height([(text, sum(INSTRUCTION_WIDTHS), True)], font_size=14))
        r += 1
    page_setup(ws, landscape=False)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.activate()


def write_split(plan: Plan, rubric: Rubric, folder: str | Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, unit in enumerate(plan.units, start=1):
        path = folder / split_file_name(index, unit, plan)
        write_template(plan, rubric, path, only=unit)
        written.append(path)
    return written

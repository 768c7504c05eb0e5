"""A rubric as an editable spreadsheet (`cdht rubric export` / `check`), and back.

Sheets: "Bộ tiêu chí" (key/value), "Tiêu chí", "Nội dung", "Tỷ lệ", "Xếp loại".
Reading is lenient (numbers as text with a decimal comma, blank = none);
`rubric.validate` then reports every problem at once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from cdht_excel.atomic import atomic_path
from cdht_excel.rules import findings as F
from cdht_excel.rules import rubric as R
from cdht_excel.rules.model import Rubric
from cdht_excel.rules.schemes import SCHEMES
from cdht_excel.text import clean_text, fold, parse_number

KIND_LABEL = {"points": "điểm", "passfail": "đạt/không đạt", "level": "mức", "ratio": "tỷ lệ"}
META, CRITERIA, ITEMS, RATIOS, CLASSES = "Bộ tiêu chí", "Tiêu chí", "Nội dung", "Tỷ lệ", "Xếp loại"
META_LABELS = {
    "schema": "Định dạng", "id": "Mã bộ tiêu chí", "version": "Phiên bản", "title": "Tên bộ tiêu chí",
    "legal_basis": "Căn cứ pháp lý", "short_name": "Tên ngắn", "in_force_from": "Hiệu lực từ (YYYY-MM-DD)",
    "repealed_from": "Hết hiệu lực từ (YYYY-MM-DD)", "repealed_by": "Văn bản thay thế",
    "scheme": "Cách xếp loại (points = theo điểm, levels = theo mức)", "total_max": "Tổng điểm tối đa",
    "step": "Bước điểm", "evidence_required": "Bắt buộc có minh chứng (TRUE/FALSE)",
}
NUMERIC_META = {"total_max", "step"}
CRITERIA_COLS = [("id", "Mã tiêu chí"), ("title", "Tên tiêu chí"), ("max", "Điểm tối đa"), ("citation", "Căn cứ")]
ITEM_COLS = [("criterion", "Mã tiêu chí"), ("id", "Mã nội dung"), ("kind", "Loại"), ("title", "Nội dung"),
             ("title_level2", "Nội dung ở mức độ 2 (nếu khác)"), ("max", "Điểm tối đa"),
             ("options", "Lựa chọn (thấp → cao, cách nhau bằng ;)"), ("required_1", "Yêu cầu mức độ 1"),
             ("required_2", "Yêu cầu mức độ 2"), ("citation", "Căn cứ")]
RATIO_COLS = [("item", "Mã nội dung"), ("role", "Vai trò (base = mẫu số, count = tử số)"), ("field", "Mã trường"),
              ("label", "Tên số liệu"), ("p1", "Ngưỡng % mức độ 1"), ("p2", "Ngưỡng % mức độ 2"),
              ("h1", "Ngưỡng % mức độ 1 (xã vùng khó khăn)"), ("h2", "Ngưỡng % mức độ 2 (xã vùng khó khăn)")]
CLASS_COLS = [("role", "Loại dòng (class / level / fallback)"), ("code", "Mã"), ("label", "Tên"),
              ("min_total", "Điểm tối thiểu"), ("level", "Mức"), ("no_zero_criterion", "Không có tiêu chí 0 (TRUE/FALSE)"),
              ("citation", "Căn cứ")]


# --------------------------------------------------------------------------- export

def write_rubric_workbook(rubric: Rubric, path: str | Path) -> None:
    from cdht_excel.sheets.memory_workbook import MemoryWorkbook

    data = rubric.data
    with atomic_path(path) as tmp:
        wb = MemoryWorkbook(tmp, {"default_format_properties": {"font_name": "Times New Roman",
                                                                "font_size": 12}})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        cell = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
        note = wb.add_format({"italic": True, "font_color": "#555555", "text_wrap": True})

        ws = wb.add_worksheet(META)
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 44)
        ws.set_column(2, 2, 90)
        for c, label in enumerate(["Khóa", "Ý nghĩa", "Giá trị"]):
            ws.write(0, c, label, head)
        scalar_keys = [k for k, v in data.items() if not isinstance(v, (list, dict))]
        for r, key in enumerate(scalar_keys, start=1):
            ws.write_string(r, 0, key, cell)
            ws.write_string(r, 1, META_LABELS.get(key, ""), cell)
            _write_value(ws, r, 2, data[key], cell)
        ws.write(len(scalar_keys) + 2, 2, "Sửa các trang Tiêu chí, Nội dung, Tỷ lệ, Xếp loại; đổi “Mã bộ tiêu chí” "
                                          "và “Phiên bản” khi sửa. Sửa xong, chọn tệp này làm bộ tiêu chí riêng khi tạo "
                                          "kế hoạch và mẫu phiếu: công cụ kiểm tra tệp và chỉ ra ô cần sửa.", note)
        from cdht_excel.sheets.printing import page_setup
        page_setup(ws, landscape=True, repeat_rows=0)

        rows = [[c["id"], c["title"], c.get("max"), c["citation"]] for c in data["criteria"]]
        _table(wb.add_worksheet(CRITERIA), CRITERIA_COLS, rows, head, cell, [10, 80, 12, 50])
        rows, ratio_rows = [], []
        for c in data["criteria"]:
            for it in c["items"]:
                req = it.get("required") or {}
                rows.append([c["id"], it["id"], it["kind"], it["title"], it.get("title_level2"), it.get("max"),
                             "; ".join(it.get("options") or []) or None, req.get("1"), req.get("2"),
                             it["citation"]])
                if it["kind"] == "ratio":
                    ratio_rows.append([it["id"], "base", it["base"]["field"], it["base"]["label"],
                                       None, None, None, None])
                    for x in it["counts"]:
                        hard = x.get("min_percent_hard_area") or {}
                        ratio_rows.append([it["id"], "count", x["field"], x["label"], x["min_percent"]["1"],
                                           x["min_percent"]["2"], hard.get("1"), hard.get("2")])
        items_ws = wb.add_worksheet(ITEMS)
        _table(items_ws, ITEM_COLS, rows, head, cell, [10, 10, 10, 70, 40, 12, 30, 16, 16, 40])
        items_ws.data_validation(1, 2, 1000, 2, {"validate": "list", "source": list(KIND_LABEL)})
        items_ws.write(len(rows) + 2, 3, "Loại: " + "; ".join(f"{k} = {v}" for k, v in KIND_LABEL.items()), note)
        _table(wb.add_worksheet(RATIOS), RATIO_COLS, ratio_rows, head, cell, [12, 18, 14, 50, 12, 12, 16, 16])
        class_rows = [["class", k["code"], k["label"], k["min_total"], None, k.get("no_zero_criterion"),
                       k["citation"]] for k in data.get("classes", [])]
        class_rows += [["level", k["code"], k["label"], None, k["level"], None, k["citation"]]
                       for k in data.get("levels", [])]
        fb = data["fallback_class"]
        class_rows.append(["fallback", fb["code"], fb["label"], None, None, None, fb["citation"]])
        _table(wb.add_worksheet(CLASSES), CLASS_COLS, class_rows, head, cell, [16, 14, 20, 14, 8, 18, 70])
        wb.close()


def _write_value(ws, r, c, value, fmt) -> None:
    if value is None:
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def _table(ws, cols, rows, head, cell, widths) -> None:
    from cdht_excel.sheets.printing import fitted_height, page_setup
    for c, ((_, label), width) in enumerate(zip(cols, widths)):
        ws.set_column(c, c, width)
        ws.write(0, c, label, head)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            _write_value(ws, r, c, value, cell)
        ws.set_row(r, fitted_height([(v, w) for v, w in zip(row, widths) if isinstance(v, str)]))
    ws.freeze_panes(1, 0)
    page_setup(ws, landscape=True, repeat_rows=0, footer="&L&A&RTrang &P/&N")


# --------------------------------------------------------------------------- import

def load(ref: str | Path) -> Rubric:
    """Any rubric a user names: a built-in id, a .json file, or a workbook written by `rubric export`."""
    path = Path(str(ref))
    if str(ref) in R.BUILTIN_IDS or path.suffix.lower() == ".json" or not path.is_file():
        return R.load(ref)
    read, problems = read_rubric_sheets(path)
    if read is None:
        raise F.Failed(problems)
    if problems:
        raise F.Failed(problems + R.validate(read))
    return R.from_data(read)


def read_rubric_sheets(path: str | Path) -> tuple[dict | None, list[F.Finding]]:
    """(rubric data, problems found while reading) of a workbook written by `rubric export`.

    Data is None when the file cannot be used at all; `load` validates the data.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        return None, [F.make("rubric-unreadable", detail=f"{Path(path).name}: {type(exc).__name__}: {exc}")]
    sheets = {fold(ws.title): ws for ws in wb.worksheets}
    missing = [name for name in (META, CRITERIA, ITEMS, CLASSES) if fold(name) not in sheets]
    if missing:
        return None, [F.make("rubric-unreadable", detail=f"{Path(path).name}: thiếu trang " +
                             ", ".join(f"“{m}”" for m in missing))]
    data = {}
    for row in list(sheets[fold(META)].iter_rows(values_only=True))[1:]:
        if row and isinstance(row[0], str) and row[0].strip() and " " not in row[0].strip():
            key = row[0].strip()
            value = row[2] if len(row) > 2 else None
            data[key] = _number(value) if key in NUMERIC_META else _scalar(value)
    scheme = SCHEMES.get(str(data.get("scheme")))
    scored = scheme is not None and scheme.scored     # a points rubric: maxima per criterion, classes by total
    criteria = []
    for rec in _records(sheets[fold(CRITERIA)], CRITERIA_COLS):
        c: dict[str, Any] = {"id": _id(rec["id"]), "title": clean_text(rec["title"]), "citation": clean_text(rec["citation"]),
             "items": []}
        if scored:
            c["max"] = _number(rec["max"])
        criteria.append(c)
    by_id = {c["id"]: c for c in criteria}
    ratios = _ratios(sheets.get(fold(RATIOS)))
    orphans = []
    for rec in _records(sheets[fold(ITEMS)], ITEM_COLS):
        item: dict[str, Any] = {"id": _id(rec["id"]), "kind": clean_text(rec["kind"]).lower(), "title": clean_text(rec["title"]),
                "citation": clean_text(rec["citation"])}
        if clean_text(rec["title_level2"]):
            item["title_level2"] = clean_text(rec["title_level2"])
        if item["kind"] == "points":
            item["max"] = _number(rec["max"])
        if item["kind"] == "level":
            item["options"] = [o.strip() for o in clean_text(rec["options"]).split(";") if o.strip()]
            item["required"] = {"1": clean_text(rec["required_1"]) or None,
                                "2": clean_text(rec["required_2"]) or None}
        if item["kind"] == "ratio":
            item.update(ratios.get(item["id"], {"base": None, "counts": []}))
        owner = by_id.get(_id(rec["criterion"]))
        if owner is None:
            orphans.append(F.make("rubric-orphan-item", id=item["id"], criterion=_id(rec["criterion"])))
        else:
            owner["items"].append(item)
    data["criteria"] = criteria
    classes, levels = [], []
    for rec in _records(sheets[fold(CLASSES)], CLASS_COLS):
        role = clean_text(rec["role"]).lower()
        entry: dict[str, Any] = {"code": clean_text(rec["code"]), "label": clean_text(rec["label"]),
                 "citation": clean_text(rec["citation"])}
        if role == "class":
            entry["min_total"] = _number(rec["min_total"])
            entry["no_zero_criterion"] = _bool(rec["no_zero_criterion"])
            classes.append(entry)
        elif role == "level":
            entry["level"] = _number(rec["level"])
            levels.append(entry)
        elif role == "fallback":
            data["fallback_class"] = entry
    if scored:
        data["classes"] = classes
    else:
        data["levels"] = levels
    wb.close()
    return data, orphans


def _ratios(ws) -> dict:
    out: dict[str, dict] = {}
    if ws is None:
        return out
    for rec in _records(ws, RATIO_COLS):
        entry = out.setdefault(_id(rec["item"]), {"base": None, "counts": []})
        field = clean_text(rec["field"]).upper()
        label = clean_text(rec["label"])
        if clean_text(rec["role"]).lower() == "base":
            entry["base"] = {"field": field, "label": label}
        else:
            count = {"field": field, "label": label, "min_percent": {"1": _number(rec["p1"]), "2": _number(rec["p2"])}}
            if clean_text(rec["h1"]) or clean_text(rec["h2"]):
                count["min_percent_hard_area"] = {"1": _number(rec["h1"]), "2": _number(rec["h2"])}
            entry["counts"].append(count)
    return out


def _records(ws, cols) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        return []
    header = [fold(h) for h in rows[0]]
    index = {key: header.index(fold(label)) if fold(label) in header else None for key, label in cols}
    out = []
    for row in rows[1:]:
        rec = {key: (row[i] if i is not None and i < len(row) else None) for key, i in index.items()}
        if all(clean_text(v) == "" for v in rec.values()):
            continue
        if clean_text(rec.get(cols[0][0])) == "" and clean_text(rec.get(cols[1][0])) == "":
            continue   # notes written under the table
        out.append(rec)
    return out


def _id(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value)


def _number(value):
    """A number if the cell holds one (also '7,5'); blank -> None; anything else kept for validation."""
    if value is None or clean_text(value) == "":
        return None
    number = parse_number(value)
    if number is None:
        return clean_text(value)
    return int(number) if float(number).is_integer() else number


def _scalar(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return clean_text(value) if isinstance(value, str) else value


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return fold(value) in {"true", "co", "x", "1", "yes"}

"""Regenerate tests/damaged/: real damaged input files and their manifest.

    /tmp/venv/bin/python tests/damaged/make_damaged.py    (needs LibreOffice for the .xls/.ods re-saves)

One tt44 template of xã Đồng Thịnh 2024 (`cdht template`) is filled with the clean sample
values (samples/make_samples.py, total 87,5) through `fill_workbook`; then each file below is
damaged the way people really damage workbooks: with openpyxl doing what Excel does (renaming,
moving, inserting and deleting rows *with* the defined names, merged ranges, validations, row
heights, print titles, frozen panes and formulas shifted as Excel shifts them), or with
LibreOffice re-saves. No workbook XML is written by hand.

manifest.json says, for every file: the damage and how it was made, which units and criteria
are still intact (their values and the cells that hold them in that file), and the problems a
correct reader/merge is expected to report (code from cdht_excel/findings.py where one exists,
a stable `kind` always, file, sheet, cell, unit, criterion, what).
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import shutil
import tempfile
import unicodedata
from copy import copy
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FILES = HERE / "files"

_spec = importlib.util.spec_from_file_location("make_samples", ROOT / "samples" / "make_samples.py")
S = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(S)

import openpyxl  # noqa: E402
from openpyxl.formula import Tokenizer  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange  # noqa: E402
from openpyxl.worksheet.merge import MergedCellRange  # noqa: E402

from cdht_excel.rules.contract import KEY_COL_MARK  # noqa: E402
from cdht_excel.rules.stamp import parse_sheet_stamp  # noqa: E402

WHEN = dt.datetime(2024, 12, 18, 10, 0)
INCOMPLETE = {"kind": "incomplete", "code": "incomplete", "severity": "error", "sheet": None, "unit": None,
              "criterion": None, "cell": None, "what": "chưa đủ dữ liệu để xếp loại (chua-xep-loai)"}
NAMES_LOST = {"kind": "names-lost", "code": "names-lost", "severity": "info", "sheet": None, "unit": None,
              "criterion": None, "cell": None, "what": "tên ô CDHT_ mất hoặc hỏng; đọc theo cột mã ẩn"}
SECRETARY = "Trần Văn Bình – Chủ tịch Hội Khuyến học xã"
KEY_RE = re.compile(r"^C\d+(?:_\d+)*$")
CELL_RE = re.compile(r"^(\$?)([A-Z]{1,3})(\$?)(\d+)$")


# --------------------------------------------------------------------------- Excel-like row operations

class RowMap:
    """Where each row goes when Excel inserts `amount` rows before `idx` (amount > 0) or deletes
    rows idx … idx-amount-1 (amount < 0)."""

    def __init__(self, idx: int, amount: int):
        self.idx, self.amount = idx, amount
        self.last_deleted = idx - amount - 1 if amount < 0 else None

    def row(self, r: int) -> int | None:
        if r < self.idx:
            return r
        if self.amount > 0:
            return r + self.amount
        if r <= self.last_deleted:
            return None
        return r + self.amount

    def span(self, r1: int, r2: int) -> tuple[int, int] | None:
        """A row range: endpoints move independently (a range grows when rows go inside it)."""
        if self.amount > 0:
            return self.row(r1), self.row(r2)
        a = r1 if r1 < self.idx else (self.idx if r1 <= self.last_deleted else r1 + self.amount)
        b = r2 if r2 < self.idx else (self.idx - 1 if r2 <= self.last_deleted else r2 + self.amount)
        return (a, b) if a <= b else None


def _shift_ref(ref: str, rows: RowMap) -> str | None:
    """'$E$11' or 'E11:E13' (no sheet) -> shifted, or None when Excel would write #REF!."""
    parts = ref.split(":")
    cells = [CELL_RE.match(p) for p in parts]
    if not all(cells):
        return ref                                   # whole columns, names…: rows do not matter
    if len(cells) == 1:
        new = rows.row(int(cells[0].group(4)))
        return None if new is None else "".join(cells[0].groups()[:3]) + str(new)
    span = rows.span(int(cells[0].group(4)), int(cells[1].group(4)))
    if span is None:
        return None
    return ":".join("".join(m.groups()[:3]) + str(r) for m, r in zip(cells, span))


def _split_sheet(text: str) -> tuple[str | None, str]:
    if "!" not in text:
        return None, text
    sheet, ref = text.rsplit("!", 1)
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, ref


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _shift_formula(formula: str, sheet: str, rows: RowMap) -> str:
    tokens = Tokenizer(formula).items
    out = []
    for token in tokens:
        value = token.value
        if token.type == "OPERAND" and token.subtype == "RANGE":
            target, ref = _split_sheet(value)
            if target is None or target == sheet:
                new = _shift_ref(ref, rows)
                prefix = value[: len(value) - len(ref)]
                value = prefix + (new if new is not None else "#REF!")
        out.append(value)
    return "=" + "".join(out)


def shift_rows(wb, ws, idx: int, amount: int, shift_names: bool = True) -> None:
    """Insert (amount > 0) or delete (amount < 0) rows as Excel does. openpyxl moves only the
    cells; this moves the rest: merged ranges, validations, row heights/hidden rows, formulas,
    print titles, frozen panes and (unless shift_names is False) the workbook's defined names."""
    rows = RowMap(idx, amount)
    merged = [m.coord for m in ws.merged_cells.ranges]
    if amount > 0:
        ws.insert_rows(idx, amount)
    else:
        ws.delete_rows(idx, -amount)
    # merged ranges (rebuilt: unmerge_cells would clear cells at the old, now reused, positions)
    new_merged = []
    for coord in merged:
        cr = CellRange(coord)
        span = rows.span(cr.min_row, cr.max_row)
        if span is None:
            continue
        cr = CellRange(min_col=cr.min_col, min_row=span[0], max_col=cr.max_col, max_row=span[1])
        if cr.size["rows"] * cr.size["columns"] > 1:
            new_merged.append(MergedCellRange(ws, cr.coord))
    ws.merged_cells = MultiCellRange(new_merged)
    # data validations
    for dv in list(ws.data_validations.dataValidation):
        ranges = []
        for cr in dv.sqref.ranges:
            span = rows.span(cr.min_row, cr.max_row)
            if span is not None:
                ranges.append(CellRange(min_col=cr.min_col, min_row=span[0], max_col=cr.max_col, max_row=span[1]))
        if ranges:
            dv.sqref = MultiCellRange(ranges)
        else:
            ws.data_validations.dataValidation.remove(dv)
    # row heights and hidden rows
    dims = dict(ws.row_dimensions.items())
    ws.row_dimensions.clear()
    for r, dim in sorted(dims.items()):
        new = rows.row(r)
        if new is not None:
            dim.index = new
            ws.row_dimensions[new] = dim
    # formulas on this sheet
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = _shift_formula(cell.value, ws.title, rows)
    # print titles and frozen panes
    if ws.print_title_rows:
        a, b = (int(x.strip("$")) for x in ws.print_title_rows.split(":"))
        span = rows.span(a, b)
        ws.print_title_rows = f"{span[0]}:{span[1]}" if span else None
    if ws.freeze_panes:
        m = CELL_RE.match(ws.freeze_panes)
        frozen = int(m.group(4)) - 1
        kept = sum(1 for r in range(1, frozen + 1) if rows.row(r) is not None)
        if amount > 0 and idx <= frozen:
            kept = frozen + amount
        ws.freeze_panes = f"{m.group(2)}{kept + 1}"
    if shift_names:
        for name in wb.defined_names.values():
            target, ref = _split_sheet(name.attr_text)
            if target == ws.title:
                new = _shift_ref(ref, rows)
                name.attr_text = f"{_quote(target)}!{new if new is not None else '#REF!'}"


def rename_sheet(wb, ws, title: str) -> None:
    """Excel's Rename: the defined names follow the sheet."""
    old = ws.title
    ws.title = title
    for name in wb.defined_names.values():
        target, ref = _split_sheet(name.attr_text)
        if target == old:
            name.attr_text = f"{_quote(title)}!{ref}"


def delete_sheet(wb, title: str) -> None:
    """Excel's Delete sheet: names that pointed into it become #REF!."""
    wb.remove(wb[title])
    for name in wb.defined_names.values():
        target, ref = _split_sheet(name.attr_text)
        if target == title:
            name.attr_text = f"#REF!{ref}"


def sheet_of(wb, unit_id: str):
    for ws in wb.worksheets:
        stamp = parse_sheet_stamp(ws["A1"].value)
        if stamp and stamp["unit_id"] == unit_id:
            return ws
    raise KeyError(unit_id)


def named_cell(wb, key: str):
    [(sheet, coord)] = list(wb.defined_names[f"CDHT_{key}"].destinations)
    return wb[sheet][coord.replace("$", "")]


# --------------------------------------------------------------------------- what a file holds

def locate(wb) -> dict[str, list[dict]]:
    """Item key -> where it is, found the way a reader's fallback does (stamp in A1, key column A,
    column keys in the '#cols' row). Only used to describe the files we made."""
    out: dict[str, list[dict]] = {}
    for ws in wb.worksheets:
        stamp = parse_sheet_stamp(ws["A1"].value)
        if not stamp:
            continue
        cols = None
        for row in ws.iter_rows(min_col=1, max_col=8):
            key = row[0].value
            if key == KEY_COL_MARK:
                cols = {c.value: get_column_letter(c.column) for c in row if isinstance(c.value, str)}
                continue
            if cols and isinstance(key, str) and KEY_RE.match(key):
                r = row[0].row
                out.setdefault(key, []).append({"sheet": ws.title, "unit_id": stamp["unit_id"], "row": r,
                                                "value": f"{cols['VALUE']}{r}", "evidence": f"{cols['EVIDENCE']}{r}",
                                                "note": f"{cols['NOTE']}{r}"})
    return out


def nfc(text):
    return unicodedata.normalize("NFC", text) if isinstance(text, str) else text


UNIT_NAMES = {u.id: u.name for u in S.tt44_plan().units}


def tt44_criteria(wb, values: dict, only=None, evidence_override=None, check=True) -> dict:
    """The intact criteria of a tt44 workbook: value as filled, the number a reader must get,
    evidence and note as a reader must get them (NFC, trimmed), and the cells holding them."""
    where = locate(wb)
    out = {}
    for cid in S.TT44:
        if only is not None and cid not in only:
            continue
        places = where.get(f"C{cid}")
        if not places:
            continue
        place = places[0]
        raw = values.get(f"C{cid}_SCORE")
        evidence = (evidence_override or {}).get(cid, values.get(f"C{cid}_EVIDENCE", ""))
        if check:
            cell = wb[place["sheet"]][place["value"]]
            assert cell.value == raw, (cid, cell.coordinate, cell.value, raw)
        out[cid] = {"unit": UNIT_NAMES[place["unit_id"]], "sheet": nfc(place["sheet"]), "score_cell": place["value"],
                    "evidence_cell": place["evidence"], "score_as_filled": raw, "score": S.number(raw),
                    "evidence": nfc(evidence or "").strip(), "note": nfc(values.get(f"C{cid}_NOTE", "")).strip()}
    return out


# --------------------------------------------------------------------------- the damaged files

class Maker:
    def __init__(self, work: Path):
        self.work = work
        self.entries: list[dict] = []
        self.values = S.tt44_values()
        plan = S.tt44_plan()
        S.cdht("template", "--commune", S.COMMUNE, "--year", str(S.YEAR), "-o", work / "mau.xlsx",
               "--split-dir", work / "split")
        self.template = work / "mau.xlsx"
        self.split = S.split_files(plan, work / "split")
        self.base = work / "base.xlsx"
        S.fill(self.template, self.base, self.values, WHEN, SECRETARY)

    def load(self):
        return openpyxl.load_workbook(self.base)

    def save(self, wb, name: str, when=WHEN) -> Path:
        return S.save(wb, FILES / name, when, SECRETARY)

    def add(self, id_, path, damage, how, *, criteria=None, lost=(), expected=(), optional=(), readable=True,
            rubric="tt44-2014", commune=S.COMMUNE, year=S.YEAR, files=None, merge_with=(), partial=False,
            **extra) -> dict:
        entry = {"id": id_, "path": path, "files": files or [path], "merge_with": list(merge_with),
                 "partial": partial, "readable": readable, "damage": damage,
                 "how": how, "rubric": rubric if readable else None, "commune": commune if readable else None,
                 "year": year if readable else None}
        if criteria is not None:
            units = sorted({c["unit"] for c in criteria.values()}) if rubric == "tt44-2014" else None
            entry["units_intact"] = units
            entry["criteria"] = criteria
            entry["criteria_lost"] = list(lost)
            if rubric == "tt44-2014" and not merge_with:
                entry["complete_alone"] = len(criteria) == 15 and not lost and not any(
                    e.get("severity") == "error" for e in expected)
                entry["total_alone"] = S.TT44_TOTAL if entry["complete_alone"] else None
        entry["expected"] = [dict(e, file=e.get("file", path)) for e in expected]
        entry["optional"] = [dict(e, file=e.get("file", path)) for e in optional]
        if not readable:
            entry["exit_alone"] = 2          # nothing readable: `cdht merge` of this file alone produces nothing
        entry.update(extra)
        self.entries.append(entry)
        return entry

    # ---------------------------------------------------------------- each damage

    def intact(self):
        wb = self.load()
        self.save(wb, "00-intact.xlsx")
        self.add("intact", "00-intact.xlsx", "không hỏng: mẫu đầy đủ đã điền (đối chứng)",
                 "cdht template + fill_workbook", criteria=tt44_criteria(wb, self.values),
                 expected=[], note="Tổng 87,5 → Tốt; chỉ có cảnh báo rubric-repealed và thông tin maxima-unknown.")

    def renamed_sheets(self):
        wb = self.load()
        renames = {"Hội Nông dân xã": "HND", "Công an xã": "TC15 - Công an"}
        for old, new in renames.items():
            rename_sheet(wb, wb[old], new)
        name = "01-renamed-sheets.xlsx"
        self.save(wb, name)
        self.add("renamed-sheets", name, "đổi tên hai trang đơn vị",
                 "Excel Rename: 'Hội Nông dân xã' → 'HND', 'Công an xã' → 'TC15 - Công an'; các tên ô CDHT_ đi theo "
                 "trang như Excel làm", criteria=tt44_criteria(wb, self.values),
                 expected=[{"kind": "sheet-renamed", "code": None, "severity": "warning", "sheet": new,
                            "unit": UNIT_NAMES[parse_sheet_stamp(wb[new]["A1"].value)["unit_id"]],
                            "criterion": None, "cell": None, "what": f"trang “{old}” bị đổi tên thành “{new}”; "
                            "nhận ra theo dấu nhận dạng, giá trị đủ"} for old, new in renames.items()],
                 note="Chưa có mã trong findings.py cho trang bị đổi tên (PRODUCT §6 yêu cầu phát hiện).")

    def reordered_sheets(self):
        wb = self.load()
        wb.move_sheet("Công an xã", offset=-(wb.sheetnames.index("Công an xã") - 1))
        wb.move_sheet("Hội Khuyến học xã", offset=-wb.sheetnames.index("Hội Khuyến học xã"))
        wb.active = wb.sheetnames.index("Hướng dẫn")
        name = "02-reordered-sheets.xlsx"
        self.save(wb, name)
        self.add("reordered-sheets", name, "đổi thứ tự trang",
                 "kéo trang 'Hội Khuyến học xã' lên đầu (trước 'Hướng dẫn') và 'Công an xã' lên thứ ba",
                 criteria=tt44_criteria(wb, self.values), expected=[], sheet_order=wb.sheetnames)

    def _insert_rows(self, wb, shift_names: bool):
        ubnd = wb["Văn phòng UBND xã"]
        shift_rows(wb, ubnd, 11, 2, shift_names)
        ubnd["C11"] = "Ghi chú của đơn vị: số liệu tính đến ngày 15/12/2024"
        school = wb["Nhà trường"]
        shift_rows(wb, school, 12, 1, shift_names)
        school["C12"] = "(Bổ sung) Trường Mầm non xã phối hợp thực hiện tiêu chí 5"
        return ["Văn phòng UBND xã: chèn 2 dòng trên dòng 11 (trước tiêu chí 2), gõ ghi chú vào C11",
                "Nhà trường: chèn 1 dòng tại dòng 12 (giữa tiêu chí 4 và 5), gõ ghi chú vào C12"]

    def rows_inserted(self):
        wb = self.load()
        steps = self._insert_rows(wb, shift_names=True)
        name = "03-rows-inserted.xlsx"
        self.save(wb, name)
        self.add("rows-inserted", name, "chèn dòng phía trên các tiêu chí (như Excel: tên ô, vùng gộp, "
                 "kiểm tra dữ liệu, công thức đều dời theo)", "; ".join(steps),
                 criteria=tt44_criteria(wb, self.values), expected=[],
                 names={k: wb.defined_names[f"CDHT_{k}"].attr_text for k in ("C2_SCORE", "C7_SCORE", "C11_SCORE",
                                                                           "C4_SCORE", "C5_SCORE", "C6_SCORE")})

    def rows_inserted_stale_names(self):
        wb = self.load()
        steps = self._insert_rows(wb, shift_names=False)
        name = "04-rows-inserted-stale-names.xlsx"
        self.save(wb, name)
        crit = tt44_criteria(wb, self.values)
        stale = {}
        for key in ("C2", "C7", "C11", "C4", "C5", "C6"):
            [(sheet, coord)] = list(wb.defined_names[f"CDHT_{key}_SCORE"].destinations)
            coord = coord.replace("$", "")
            stale[key] = {"name_points_to": f"{sheet}!{coord}", "holds": wb[sheet][coord].value,
                          "key_column_there": wb[sheet][f"A{coord[1:]}"].value}
        wrong = {k: v for k, v in stale.items() if v["key_column_there"] != k}
        self.add("rows-inserted-stale-names", name, "chèn dòng nhưng tên ô CDHT_ KHÔNG dời theo (tên ô lệch)",
                 "; ".join(steps) + "; tên ô giữ nguyên địa chỉ cũ",
                 criteria=crit,
                 expected=[{"kind": "names-stale", "code": "names-lost", "severity": "info", "sheet": sheet,
                            "unit": unit, "criterion": None, "cell": None,
                            "what": "tên ô trỏ sai dòng (cột mã ẩn không khớp); phải đọc theo cột mã ẩn"}
                           for sheet, unit in (("Văn phòng UBND xã", "Văn phòng UBND xã"),
                                               ("Nhà trường", UNIT_NAMES["nha-truong-truong-thcs-truong-tieu-hoc"]))],
                 stale_names=stale,
                 trap="Đọc theo tên ô sẽ sai: " + "; ".join(
                     f"CDHT_{k}_SCORE → {v['name_points_to']} = {v['holds']!r} "
                     f"({'dòng của ' + v['key_column_there'] if v['key_column_there'] else 'dòng mới chèn'})"
                     for k, v in wrong.items()))

    def names_deleted(self):
        wb = self.load()
        steps = self._insert_rows(wb, shift_names=True)
        for key in [k for k in wb.defined_names if k.startswith("CDHT_")]:
            del wb.defined_names[key]
        name = "05-names-deleted.xlsx"
        self.save(wb, name)
        self.add("names-deleted", name, "mọi tên ô CDHT_ bị xóa (Name Manager → Delete), kèm dòng chèn",
                 "; ".join(steps) + "; xóa toàn bộ tên CDHT_* (kể cả CDHT_META, CDHT_UNIT_*); dấu ở A1 và trang "
                 "_cdht vẫn còn", criteria=tt44_criteria(wb, self.values),
                 expected=[{"kind": "names-lost", "code": "names-lost", "severity": "info", "sheet": None, "unit": None,
                            "criterion": None, "cell": None,
                            "what": "không còn tên ô CDHT_; đọc theo cột mã ẩn và dòng mã cột ẩn"}])

    def row_deleted_below(self):
        wb = self.load()
        ws = wb["Văn phòng UBND xã"]
        assert all(ws.cell(16, c).value is None for c in range(1, 9)), "row 16 must be the blank row"
        shift_rows(wb, ws, 16, -1)
        name = "06-row-deleted-below-table.xlsx"
        self.save(wb, name)
        self.add("row-deleted-below-table", name, "xóa một dòng trống ngay dưới bảng tiêu chí",
                 "Văn phòng UBND xã: xóa dòng 16 (dòng trống giữa 'Tổng điểm' và chữ ký) như Excel",
                 criteria=tt44_criteria(wb, self.values), expected=[])

    def row_deleted_above(self):
        wb = self.load()
        ws = wb["Văn phòng UBND xã"]
        assert isinstance(ws["B8"].value, str) and ws["B8"].value.startswith("Chấm điểm")
        shift_rows(wb, ws, 8, -1)
        name = "07-row-deleted-above-table.xlsx"
        self.save(wb, name)
        self.add("row-deleted-above-table", name, "xóa dòng hướng dẫn phía trên bảng (các tiêu chí dời lên 1 dòng)",
                 "Văn phòng UBND xã: xóa dòng 8 (dòng lưu ý gộp B8:G8) như Excel; dòng mã cột ẩn thành dòng 8, "
                 "tiêu chí 2, 7, 11 ở dòng 10–12; tên ô dời theo",
                 criteria=tt44_criteria(wb, self.values), expected=[])

    def item_row_deleted(self):
        wb = self.load()
        ws = wb["Văn phòng UBND xã"]
        assert ws["A12"].value == "C7"
        shift_rows(wb, ws, 12, -1)
        name = "08-item-row-deleted.xlsx"
        self.save(wb, name)
        crit = tt44_criteria(wb, self.values)
        assert "7" not in crit
        self.add("item-row-deleted", name, "xóa cả dòng của một tiêu chí (mất dữ liệu tiêu chí 7)",
                 "Văn phòng UBND xã: xóa dòng 12 (tiêu chí 7) như Excel: CDHT_C7_* thành #REF!, tiêu chí 11 dời "
                 "lên dòng 12", criteria=crit, lost=["7"],
                 expected=[{"kind": "item-missing", "code": "value-empty", "severity": "error",
                            "sheet": "Văn phòng UBND xã", "unit": "Văn phòng UBND xã", "criterion": "7", "cell": None,
                            "what": "không còn dòng/ô của tiêu chí 7 (tên ô CDHT_C7_* là #REF!); tiêu chí 7 coi như "
                                    "chưa điền, không được đoán"},
                           INCOMPLETE],
                 optional=[NAMES_LOST],
                 names={"CDHT_C7_SCORE": wb.defined_names["CDHT_C7_SCORE"].attr_text,
                        "CDHT_C11_SCORE": wb.defined_names["CDHT_C11_SCORE"].attr_text})

    def sheet_copied(self):
        src = self.load()["Hội Khuyến học xã"]
        wb = openpyxl.Workbook()
        wb.properties.created = WHEN          # a new workbook is stamped "now": keep the file reproducible
        wb.properties.creator = "Trần Văn Bình"
        ws = wb.active
        ws.title = "Sheet1"
        for row in src.iter_rows():
            for cell in row:
                if cell.__class__.__name__ == "MergedCell":
                    continue
                new = ws.cell(cell.row, cell.column, cell.value)
                if cell.has_style:
                    new.font, new.border, new.fill = copy(cell.font), copy(cell.border), copy(cell.fill)
                    new.number_format, new.alignment = cell.number_format, copy(cell.alignment)
        for rng in src.merged_cells.ranges:
            ws.merge_cells(rng.coord)
        name = "09-sheet-copied-to-new-workbook.xlsx"
        self.save(wb, name)
        crit = tt44_criteria(wb, self.values)
        assert set(crit) == {"9"}
        self.add("sheet-copied-to-new-workbook", name,
                 "trang của Hội Khuyến học xã chép (Ctrl+A, Ctrl+C) sang một sổ mới (Ctrl+V): không có trang _cdht, "
                 "không có tên ô; cột A (dấu nhận dạng, mã) vẫn được chép nhưng không còn ẩn; tên trang 'Sheet1'",
                 "openpyxl.Workbook() mới; chép giá trị, định dạng và vùng gộp của mọi ô; không chép độ rộng cột, "
                 "trạng thái ẩn, kiểm tra dữ liệu, tên ô",
                 criteria=crit,
                 expected=[{"kind": "sheet-copied", "code": "sheet-copied", "severity": "info", "sheet": "Sheet1",
                            "unit": "Hội Khuyến học xã", "criterion": None, "cell": None,
                            "what": "trang đơn vị nằm trong sổ khác, không có trang thông tin ẩn và tên ô; vẫn đọc "
                                    "được theo dấu ở A1 và cột mã"}],
                 optional=[NAMES_LOST], partial=True,
                 note="Một mình tệp này chỉ có tiêu chí 9; gộp cùng 9 đơn vị còn lại (từ 00-intact) thì đủ 87,5.")

    def values_as_text(self):
        wb = self.load()
        texts = {"2": "6,0", "4": " 7 ", "5": "8.0", "6": "6\u00a0"}
        values = dict(self.values)
        for cid, text in texts.items():
            named_cell(wb, f"C{cid}_SCORE").value = text
            values[f"C{cid}_SCORE"] = text
        name = "10-values-as-text.xlsx"
        self.save(wb, name)
        self.add("values-as-text", name, "điểm dán vào dưới dạng chữ",
                 "dán từ Word/Zalo: tiêu chí 2 '6,0', 4 ' 7 ', 5 '8.0', 6 '6' + dấu cách không ngắt (U+00A0); "
                 "tiêu chí 1 '7,5' và 3 '6,5' đã là chữ như bộ mẫu sạch",
                 criteria=tt44_criteria(wb, values), expected=[],
                 note="Tất cả là số hợp lệ (cdht_excel.text.parse_number); tổng vẫn 87,5.")

    def decimal_commas(self):
        wb = self.load()
        values = dict(self.values)
        for cid, entry in S.TT44.items():
            number = S.number(entry["score"])
            text = f"{number:.1f}".replace(".", ",") if cid in ("2", "10", "15") else \
                (f"{number:g}".replace(".", ","))
            named_cell(wb, f"C{cid}_SCORE").value = text
            named_cell(wb, f"C{cid}_SCORE").number_format = "@"
            values[f"C{cid}_SCORE"] = text
        name = "11-decimal-commas.xlsx"
        self.save(wb, name)
        self.add("decimal-commas", name, "mọi điểm gõ kiểu Việt Nam có dấu phẩy thập phân, trong ô định dạng Text",
                 "mỗi ô điểm thành chữ: '7,5', '6,0', '6,5', '5,5'…; định dạng ô '@'",
                 criteria=tt44_criteria(wb, values), expected=[], note="Tổng vẫn 87,5, xếp loại Tốt.")

    def merged_evidence(self):
        wb = self.load()
        ws = wb["Văn phòng UBND xã"]
        combined = "\n".join(self.values[f"C{c}_EVIDENCE"] for c in ("2", "7", "11"))
        ws.merge_cells("F11:F13")
        ws["F11"] = combined
        name = "12-merged-evidence.xlsx"
        self.save(wb, name)
        override = {"2": combined, "7": combined, "11": combined}
        self.add("merged-evidence", name, "gộp ô minh chứng của ba tiêu chí thành một ô",
                 "Văn phòng UBND xã: Merge F11:F13 (Excel giữ giá trị ô trên cùng) rồi gõ minh chứng chung của tiêu "
                 "chí 2, 7, 11 vào F11",
                 criteria=tt44_criteria(wb, self.values, evidence_override=override),
                 expected=[{"kind": "merged-cells", "code": None, "severity": "warning", "sheet": "Văn phòng UBND xã",
                            "unit": "Văn phòng UBND xã", "criterion": c, "cell": "F11:F13",
                            "what": "ô minh chứng nằm trong vùng gộp F11:F13; giá trị lấy từ F11 cho cả ba tiêu chí"}
                           for c in ("7", "11")],
                 note="Excel hiển thị minh chứng ở cả ba dòng, nên tiêu chí 7 và 11 coi là có minh chứng (không phải "
                      "score-without-evidence); chỉ cảnh báo ô gộp. Chưa có mã trong findings.py cho ô gộp.")

    def hidden_rows(self):
        wb = self.load()
        wb["Văn phòng UBND xã"].row_dimensions[12].hidden = True
        school = wb["Nhà trường"]
        for r in range(2, 9):
            school.row_dimensions[r].hidden = True
        school.row_dimensions[12].hidden = True
        name = "13-hidden-rows.xlsx"
        self.save(wb, name)
        self.add("hidden-rows", name, "ẩn dòng có dữ liệu", "Văn phòng UBND xã: ẩn dòng 12 (tiêu chí 7); Nhà trường: "
                 "ẩn dòng 2–8 (đầu trang) và dòng 12 (tiêu chí 5)", criteria=tt44_criteria(wb, self.values),
                 expected=[], note="Dòng ẩn vẫn được đọc; tổng 87,5.")

    def nfd_text(self):
        wb = self.load()
        values = dict(self.values)
        for key, value in self.values.items():
            if key.endswith(("_EVIDENCE", "_NOTE", "_PERSON")) and isinstance(value, str):
                named_cell(wb, key).value = unicodedata.normalize("NFD", value)
                values[key] = unicodedata.normalize("NFD", value)
        nfd_sheet = unicodedata.normalize("NFD", "Hội Phụ nữ xã")
        rename_sheet(wb, wb["Hội Phụ nữ xã"], nfd_sheet)
        name = "14-nfd-text.xlsx"
        self.save(wb, name)
        crit = tt44_criteria(wb, values)
        self.add("nfd-text", name, "chữ Việt dạng tổ hợp (NFD) trong minh chứng, ghi chú, người phụ trách và tên trang",
                 "mọi minh chứng/ghi chú/người phụ trách chuyển sang NFD (như chép từ máy Mac hoặc PDF); trang 'Hội "
                 "Phụ nữ xã' đổi tên thành cùng chữ ở dạng NFD (tên ô đi theo)", criteria=crit, expected=[],
                 nfd_sheet_name=nfd_sheet, nfd_sheet_name_codepoints=len(nfd_sheet),
                 note="Bộ đọc phải chuẩn hóa NFC: minh chứng đọc ra bằng đúng bản NFC của bộ mẫu sạch; trang NFD "
                      "không bị coi là đổi tên.")

    def libreoffice_resaves(self):
        wb = self.load()
        crit = tt44_criteria(wb, self.values)
        for fmt, name, what in (("xls", "15-libreoffice.xls", "Excel 97–2003 (.xls)"),
                                ("ods", "16-libreoffice.ods", "OpenDocument (.ods)"),
                                ("xlsx", "17-libreoffice-resaved.xlsx", "Excel 2007–365 (.xlsx)")):
            S.resave_with_libreoffice(FILES / "00-intact.xlsx", FILES / name)
            self.add(f"libreoffice-{fmt}" if fmt != "xlsx" else "libreoffice-resaved-xlsx", name,
                     f"mở 00-intact.xlsx bằng LibreOffice rồi lưu thành {what}",
                     "soffice --headless --convert-to " + fmt, criteria=crit, expected=[],
                     note="Ô số nguyên có thể đọc ra int hoặc float; điểm '7,5' và '6,5' vẫn là chữ.")

    def other_commune_year_rubric(self):
        for commune, year, name, kind, code, what in (
                (S.ANOTHER_COMMUNE, S.YEAR, "18-other-commune.xlsx", "other-commune", "other-commune",
                 "phiếu của xã Đồng Tâm, không phải xã Đồng Thịnh"),
                (S.COMMUNE, 2023, "19-other-year.xlsx", "other-year", "other-year",
                 "phiếu năm 2023, không phải năm 2024")):
            template = self.work / f"mau-{kind}.xlsx"
            S.cdht("template", "--commune", commune, "--year", str(year), "-o", template)
            out = FILES / name
            S.fill(template, out, self.values, WHEN, SECRETARY)
            wb = openpyxl.load_workbook(out)
            self.add(kind, name, what, f"cdht template --commune \"{commune}\" --year {year}, điền cùng giá trị",
                     criteria=tt44_criteria(wb, self.values), commune=commune, year=year,
                     merge_with=["00-intact.xlsx"],
                     expected=[{"kind": kind, "code": code, "severity": "error", "sheet": None, "unit": None,
                                "criterion": None, "cell": None,
                                               "what": what + " (khi gộp cùng merge_with); phải bỏ qua tệp này, kết quả vẫn là "
                                        "87,5 – Tốt của 00-intact.xlsx"}],
                     note="Một mình tệp này là phiếu hợp lệ, đủ 15 tiêu chí của " +
                          (f"xã {commune} năm {year}" if commune != S.COMMUNE else f"năm {year}") +
                          (" (năm 2023: không có cảnh báo hết hiệu lực)." if year == 2023 else "."))
        # another rubric: a TT 25/2023 workbook of the same commune and year
        template = self.work / "mau-tt25-2024.xlsx"
        S.cdht("template", "--commune", S.COMMUNE, "--year", str(S.YEAR), "--rubric", "tt25-2023", "-o", template)
        plan = S.tt25_plan(S.YEAR)
        values = {k: (re.sub(r"20(2[3-5])", lambda m: str(int(m.group(0)) - 1), v) if isinstance(v, str) else v)
                  for k, v in S.tt25_values(plan=plan).items()}
        name = "20-other-rubric-tt25.xlsx"
        out = FILES / name
        S.fill(template, out, values, WHEN, SECRETARY)
        self.add("other-rubric", name, "phiếu theo bộ tiêu chí TT 25/2023 (cùng xã, cùng năm 2024)",
                 "cdht template --rubric tt25-2023 --commune \"Đồng Thịnh\" --year 2024, điền như bộ mẫu TT 25 (năm "
                 "trong minh chứng lùi 1)", rubric="tt25-2023", criteria={}, merge_with=["00-intact.xlsx"],
                 tt25_values={k: v for k, v in values.items() if not k.startswith("UNIT_")},
                 expected=[{"kind": "other-rubric", "code": "other-rubric", "severity": "error", "sheet": None,
                            "unit": None, "criterion": None, "cell": None,
                            "what": "phiếu dùng tt25-2023, không phải tt44-2014 (khi gộp cùng merge_with); phải "
                                    "bỏ qua tệp này"}],
                 note="Một mình tệp này là phiếu TT 25/2023 hợp lệ, đủ, đạt Mức độ 1 (không đạt Mức độ 2).")

    def copies(self):
        # conflicting copies of one unit (Hội Nông dân xã, criterion 8)
        folder = FILES / "21-conflicting-copies"
        S.clean_dir(folder)
        a, b = "Hội ND - TC8.xlsx", "Hội ND - TC8 (sửa lần 2).xlsx"
        person = S.UNITS["hoi-nong-dan-xa"][0]
        S.fill(self.split["hoi-nong-dan-xa"], folder / a, self.values, dt.datetime(2024, 12, 9, 9, 55), person)
        changed = S.tt44_values({"8": 6})
        S.fill(self.split["hoi-nong-dan-xa"], folder / b, changed, dt.datetime(2024, 12, 16, 14, 20), person)
        wa, wb_ = openpyxl.load_workbook(folder / a), openpyxl.load_workbook(folder / b)
        path = "21-conflicting-copies/"
        self.add("conflicting-copies", path, "hai bản của cùng một đơn vị, điểm khác nhau",
                 "hai tệp riêng của Hội Nông dân xã (cdht template --split-dir): tiêu chí 8 là 5,5 và 6",
                 files=[path + a, path + b], partial=True,
                 criteria={}, lost=["8"],
                 copies={a: tt44_criteria(wa, self.values), b: tt44_criteria(wb_, changed)},
                 expected=[{"kind": "unit-conflict", "code": "unit-conflict", "severity": "error",
                            "file": path + b, "files": [path + a, path + b], "sheet": "Hội Nông dân xã",
                            "unit": "Hội Nông dân xã", "criterion": "8", "cell": "E11",
                            "what": "hai tệp của Hội Nông dân xã khác nhau ở E11 (5,5 và 6); không tự chọn"}])
        # identical copies (byte for byte) of another unit (Công an xã, criterion 15)
        folder = FILES / "22-identical-copies"
        S.clean_dir(folder)
        a, b = "Công an xã - TC15.xlsx", "Công an xã - TC15 (1).xlsx"
        S.fill(self.split["cong-an-xa"], folder / a, self.values, S.UNITS["cong-an-xa"][1], S.UNITS["cong-an-xa"][0])
        shutil.copyfile(folder / a, folder / b)
        path = "22-identical-copies/"
        crit = tt44_criteria(openpyxl.load_workbook(folder / a), self.values)
        self.add("identical-copies", path, "hai bản giống hệt nhau (từng byte) của cùng một đơn vị",
                 "tệp riêng của Công an xã, tải về hai lần từ thư điện tử", files=[path + a, path + b], partial=True,
                 criteria=crit,
                 expected=[{"kind": "unit-duplicate", "code": "unit-duplicate", "severity": "info", "file": path + b,
                            "files": [path + a, path + b], "sheet": "Công an xã", "unit": "Công an xã",
                            "criterion": None, "cell": None, "what": "gộp làm một, không báo lỗi"}])
        # same values, different bytes (saved again later)
        folder = FILES / "23-same-values-resaved"
        S.clean_dir(folder)
        a, b = "Trạm Y tế - TC14.xlsx", "Trạm Y tế - TC14 - lưu lại.xlsx"
        person, saved, _ = S.UNITS["tram-y-te-xa"]
        S.fill(self.split["tram-y-te-xa"], folder / a, self.values, saved, person)
        S.save(openpyxl.load_workbook(folder / a), folder / b, dt.datetime(2024, 12, 17, 8, 3), "Lý Thị Hoa")
        assert (folder / a).read_bytes() != (folder / b).read_bytes()
        path = "23-same-values-resaved/"
        crit = tt44_criteria(openpyxl.load_workbook(folder / b), self.values)
        self.add("same-values-resaved", path, "hai bản cùng giá trị nhưng khác byte (mở ra rồi lưu lại hôm sau)",
                 "tệp riêng của Trạm Y tế xã, bản thứ hai lưu lại ngày 17/12/2024 không sửa gì",
                 files=[path + a, path + b], criteria=crit, partial=True,
                 expected=[{"kind": "unit-duplicate", "code": "unit-duplicate", "severity": "info", "file": path + b,
                            "files": [path + a, path + b], "sheet": "Trạm Y tế xã", "unit": "Trạm Y tế xã",
                            "criterion": None, "cell": None,
                            "what": "cùng giá trị ở mọi ô nhập: gộp làm một, không báo xung đột"}])

    def not_workbooks(self):
        (FILES / "24-empty.xlsx").write_bytes(b"")
        self.add("empty", "24-empty.xlsx", "tệp rỗng 0 byte (tải về lỗi)", "tệp 0 byte", readable=False,
                 expected=[{"kind": "file-empty", "code": "file-empty", "severity": "error", "sheet": None,
                            "unit": None, "criterion": None, "cell": None, "what": "tệp rỗng"}])
        data = (FILES / "00-intact.xlsx").read_bytes()
        (FILES / "25-truncated.xlsx").write_bytes(data[: len(data) * 3 // 5])
        self.add("truncated", "25-truncated.xlsx", "tệp .xlsx bị cắt cụt (tải về dở)",
                 f"3/5 đầu của 00-intact.xlsx ({len(data) * 3 // 5} byte): zip không có thư mục trung tâm",
                 readable=False,
                 expected=[{"kind": "file-corrupt", "code": "file-corrupt", "severity": "error", "sheet": None,
                            "unit": None, "criterion": None, "cell": None, "what": "zip hỏng, không đọc được"}])
        self._docx(FILES / "26-word-document.xlsx")
        self.add("word-document", "26-word-document.xlsx", "tệp Word (.docx) bị đổi đuôi thành .xlsx",
                 "python-docx: một báo cáo ngắn, lưu rồi đổi tên", readable=False,
                 expected=[{"kind": "file-not-workbook", "code": "file-not-workbook", "severity": "error",
                            "sheet": None, "unit": None, "criterion": None, "cell": None,
                            "what": "zip hợp lệ nhưng là tài liệu Word (word/document.xml), không phải bảng tính"}])
        csv = "\ufeffTiêu chí,Điểm,Minh chứng\r\n" + "".join(
            f"{cid},\"{S.TT44[cid]['score']}\",\"{S.TT44[cid]['evidence'].splitlines()[0]}\"\r\n"
            for cid in ("2", "7", "11"))
        (FILES / "27-text-file.xlsx").write_bytes(csv.encode("utf-8"))
        self.add("text-file", "27-text-file.xlsx", "tệp văn bản (CSV) bị đổi đuôi thành .xlsx",
                 "CSV UTF-8 có BOM, 3 dòng điểm của Văn phòng UBND xã", readable=False,
                 expected=[{"kind": "file-not-workbook", "code": "file-not-workbook", "severity": "error",
                            "sheet": None, "unit": None, "criterion": None, "cell": None,
                            "what": "không phải zip/OLE: tệp văn bản"}])
        html = ("<html><head><meta charset=\"utf-8\"></head><body><table border=\"1\">"
                "<tr><th>Tiêu chí</th><th>Điểm</th></tr>" +
                "".join(f"<tr><td>{cid}</td><td>{S.TT44[cid]['score']}</td></tr>" for cid in S.TT44) +
                "</table></body></html>\n")
        (FILES / "28-html-export.xls").write_bytes(html.encode("utf-8"))
        self.add("html-export", "28-html-export.xls", "bảng HTML lưu với đuôi .xls (kiểu “xuất Excel” của phần mềm)",
                 "HTML UTF-8 có bảng 15 tiêu chí", readable=False,
                 expected=[{"kind": "file-not-workbook", "code": "file-not-workbook", "severity": "error",
                            "sheet": None, "unit": None, "criterion": None, "cell": None,
                            "what": "không phải bảng tính của mẫu (HTML); không đọc điểm từ đây"}])

    @staticmethod
    def _docx(path: Path) -> None:
        import docx
        document = docx.Document()
        document.core_properties.created = WHEN
        document.core_properties.modified = WHEN
        document.core_properties.author = "Trần Văn Bình"
        document.core_properties.revision = 1
        document.add_heading("BÁO CÁO kết quả xây dựng “Cộng đồng học tập” xã Đồng Thịnh năm 2024", level=1)
        document.add_paragraph("Tiêu chí 9: " + S.TT44["9"]["evidence"])
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "bao-cao.docx"
            document.save(out)
            S.fix_zip_times(out, WHEN)
            shutil.copyfile(out, path)

    def extra_sheet(self):
        wb = self.load()
        ws = wb.create_sheet("Danh sách GĐHT", index=wb.sheetnames.index("Hội Khuyến học xã") + 1)
        ws.append(["STT", "Họ và tên chủ hộ", "Xóm", "Danh hiệu năm 2024"])
        names = ["Nguyễn Văn An", "Lê Thị Bích", "Hoàng Văn Cầu", "Ma Thị Duyên", "Trần Văn Đức", "Nông Thị Hằng",
                 "Lưu Văn Khánh", "Đinh Thị Lụa", "Phạm Văn Minh", "Hà Thị Ngọc"]
        for i, person in enumerate(names, start=1):
            ws.append([i, person, f"Xóm {1 + i % 6}", "Gia đình học tập"])
        ws.column_dimensions["B"].width = 24
        name = "29-extra-sheet.xlsx"
        self.save(wb, name)
        self.add("extra-sheet", name, "thêm một trang không liên quan",
                 "thêm trang 'Danh sách GĐHT' (danh sách gia đình học tập, 10 dòng) ngay sau 'Hội Khuyến học xã'",
                 criteria=tt44_criteria(wb, self.values), expected=[],
                 note="Trang không có dấu nhận dạng: bỏ qua (có thể ghi một dòng thông tin), không phải lỗi.")

    def macro_extension(self):
        shutil.copyfile(FILES / "00-intact.xlsx", FILES / "30-macro-extension.xlsm")
        wb = openpyxl.load_workbook(FILES / "30-macro-extension.xlsm")
        self.add("macro-extension", "30-macro-extension.xlsm", "tệp mang đuôi .xlsm (sổ có macro)",
                 "nội dung của 00-intact.xlsx đổi đuôi thành .xlsm: KHÔNG có vbaProject.bin, kiểu nội dung vẫn là "
                 "sổ .xlsx thường (không tạo được macro thật mà không tự viết XML)",
                 criteria=tt44_criteria(wb, self.values), expected=[],
                 note="Phải đọc như .xlsx; không có macro nên không bắt buộc thông tin file-macros.")

    def formulas(self):
        wb = self.load()
        cell = named_cell(wb, "C1_SCORE")
        cell.value = "=3+4.5"
        values = dict(self.values, C1_SCORE="=3+4.5")
        name = "31-formula-no-cache.xlsx"
        self.save(wb, name)
        crit = tt44_criteria(wb, values)
        crit["1"]["score"] = 7.5
        crit["1"]["cached_value"] = None
        self.add("formula-no-cache", name, "công thức trong ô điểm, không có giá trị đã tính",
                 "tiêu chí 1: ô E11 của 'Văn phòng Đảng ủy xã' = '=3+4.5', lưu bằng openpyxl (không có <v>)",
                 criteria=crit, expected=[],
                 optional=[{"kind": "formula-no-value", "code": "formula-no-value", "severity": "error",
                            "sheet": "Văn phòng Đảng ủy xã", "unit": "Văn phòng Đảng ủy xã", "criterion": "1",
                            "cell": "E11", "what": "công thức '=3+4.5' chưa có giá trị đã tính"}],
                 note="PRODUCT §6: công thức trong ô nhập được đọc theo giá trị: 7,5 (bộ đọc tự tính phép toán "
                      "đơn giản). Bộ đọc không tính được thì báo formula-no-value (khi đó tiêu chí 1 thiếu điểm).")
        S.resave_with_libreoffice(FILES / name, FILES / "32-formula-cached.xlsx")
        crit = json.loads(json.dumps(crit))
        crit["1"]["cached_value"] = 7.5
        self.add("formula-cached", "32-formula-cached.xlsx", "công thức trong ô điểm, có giá trị đã tính",
                 "31-formula-no-cache.xlsx mở và lưu lại bằng LibreOffice (tính lại, ghi giá trị 7,5)",
                 criteria=crit, expected=[], note="Đọc 7,5; tổng 87,5.")

    def sheet_duplicated(self):
        wb = self.load()
        src = wb["Công an xã"]
        dup = wb.copy_worksheet(src)
        dup.title = "Công an xã (2)"
        wb.move_sheet(dup, offset=-(wb.sheetnames.index(dup.title) - wb.sheetnames.index("Công an xã") - 1))
        dup["E11"] = 6
        name = "33-sheet-duplicated.xlsx"
        self.save(wb, name)
        self.add("sheet-duplicated", name, "trang đơn vị bị nhân đôi trong cùng tệp, bản sao điểm khác",
                 "Excel Move or Copy → Create a copy của 'Công an xã' thành 'Công an xã (2)' (tên ô vẫn trỏ trang gốc), "
                 "sửa điểm tiêu chí 15 ở bản sao thành 6",
                 criteria={c: v for c, v in tt44_criteria(wb, self.values).items() if c != "15"},
                 criteria_in_conflict=["15"],
                 expected=[{"kind": "sheet-duplicated", "code": "unit-conflict", "severity": "error",
                            "sheet": "Công an xã (2)", "unit": "Công an xã", "criterion": "15", "cell": "E11",
                            "what": "hai trang cùng dấu nhận dạng của Công an xã, tiêu chí 15 khác nhau (5 và 6); "
                                    "không tự chọn trang nào"}, INCOMPLETE],
                 optional=[NAMES_LOST],
                 note="Tên ô CDHT_C15_* vẫn trỏ trang gốc (5 điểm); không được vì thế mà chọn trang gốc.")

    def sheet_deleted(self):
        wb = self.load()
        delete_sheet(wb, "Trạm Y tế xã")
        name = "34-unit-sheet-deleted.xlsx"
        self.save(wb, name)
        crit = tt44_criteria(wb, self.values)
        assert "14" not in crit
        self.add("unit-sheet-deleted", name, "xóa mất trang của một đơn vị",
                 "Excel Delete sheet 'Trạm Y tế xã': CDHT_C14_* và CDHT_UNIT_TRAM_Y_TE_XA* thành #REF!",
                 criteria=crit, lost=["14"],
                 expected=[{"kind": "unit-missing", "code": "unit-missing", "severity": "error", "sheet": None,
                            "unit": "Trạm Y tế xã", "criterion": "14", "cell": None,
                            "what": "không có trang của Trạm Y tế xã (tiêu chí 14)"}, INCOMPLETE],
                 names={"CDHT_C14_SCORE": wb.defined_names["CDHT_C14_SCORE"].attr_text})

    def tt25_thousands(self):
        template = self.work / "mau-tt25-2025.xlsx"
        split = self.work / "split-tt25"
        S.cdht("template", "--commune", S.COMMUNE, "--year", str(S.YEAR_TT25), "--rubric", "tt25-2023", "-o",
               template, "--split-dir", split)
        plan = S.tt25_plan()
        unit_file = S.split_files(plan, split)["hoi-khuyen-hoc-xa"]
        values = S.tt25_values({"C5_1_BASE": "6.240", "C5_1_CITIZENS": "4.056"})
        name = "35-tt25-thousand-separators.xlsx"
        person, when, _ = S.UNITS_TT25["hoi-khuyen-hoc-xa"]
        S.fill(unit_file, FILES / name, values, when, person)
        self.add("tt25-thousand-separators", name, "số người gõ có dấu chấm phân cách hàng nghìn (kiểu Việt Nam)",
                 "tệp riêng TT 25/2023 năm 2025 của Hội Khuyến học xã: chỉ tiêu 5.1 nhập '6.240' và '4.056' (chữ); "
                 "5.2 nhập số", rubric="tt25-2023", year=S.YEAR_TT25, criteria={}, partial=True,
                 tt25_values={k: v for k, v in values.items() if k.startswith("C5_")},
                 expected=[{"kind": "count-invalid", "code": "count-invalid", "severity": "error",
                            "sheet": "Hội Khuyến học xã", "unit": "Hội Khuyến học xã", "criterion": "5",
                            "cell": cell, "item": "5.1", "value": value,
                            "what": f"“{value}” mơ hồ (6,240 hay 6240?); cdht_excel.text.parse_number từ chối dấu "
                                    "phân cách hàng nghìn"}
                           for cell, value in (("E13", "6.240"), ("E14", "4.056"))],
                 note="Chỉ tiêu 5.2 (E16–E18) hợp lệ: 6240, 3370, 830.")

    def write_manifest(self) -> None:
        base = self.entries[0]
        manifest = {
            "schema": "cdht-damaged/1",
            "generator": "tests/damaged/make_damaged.py",
            "base": {"rubric": "tt44-2014", "commune": S.COMMUNE, "district": "", "province": "", "year": S.YEAR,
                     "total": S.TT44_TOTAL, "classification": {"code": "tot", "label": "Tốt"},
                     "criteria": base["criteria"],
                     "persons": {UNIT_NAMES[uid]: p for uid, (p, _, _) in S.UNITS.items()}},
            "conventions": {
                "criteria": "tiêu chí còn nguyên trong tệp: giá trị như đã điền (score_as_filled), số bộ đọc phải "
                            "hiểu (score), minh chứng/ghi chú sau khi chuẩn hóa NFC và cắt khoảng trắng, ô chứa chúng",
                "criteria_lost": "tiêu chí mà tệp không còn giữ được (bộ đọc không được đoán)",
                "expected": "vấn đề bộ đọc/merge phải báo; code lấy từ cdht_excel/findings.py nếu đã có (null nếu "
                            "chưa có mã), kind luôn có; [] nghĩa là không có lỗi/cảnh báo riêng của tệp (ngoài "
                            "rubric-repealed và maxima-unknown chung của tt44-2014 năm 2024)",
                "optional": "vấn đề bộ đọc được phép báo thêm (tùy cách đọc), không bắt buộc",
                "merge_with": "các tệp phải gộp cùng (đường dẫn trong files/) để có đúng expected; rỗng: gộp riêng",
                "partial": "tệp chỉ chứa một số đơn vị: gộp riêng thì có thêm unit-missing cho các đơn vị khác và "
                           "incomplete (không liệt kê trong expected)",
                "complete_alone": "gộp riêng tệp này thì đủ 15 tiêu chí, không lỗi (tổng 87,5, Tốt)",
                "exit_alone": "mã thoát khi gộp riêng tệp không đọc được (2: không tạo được kết quả)",
            },
            "files": self.entries,
        }
        (HERE / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")


def main() -> None:
    if FILES.exists():
        shutil.rmtree(FILES)
    FILES.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="cdht-damaged-") as tmp:
        m = Maker(Path(tmp))
        m.intact()
        m.renamed_sheets()
        m.reordered_sheets()
        m.rows_inserted()
        m.rows_inserted_stale_names()
        m.names_deleted()
        m.row_deleted_below()
        m.row_deleted_above()
        m.item_row_deleted()
        m.sheet_copied()
        m.values_as_text()
        m.decimal_commas()
        m.merged_evidence()
        m.hidden_rows()
        m.nfd_text()
        m.libreoffice_resaves()
        m.other_commune_year_rubric()
        m.copies()
        m.not_workbooks()
        m.extra_sheet()
        m.macro_extension()
        m.formulas()
        m.sheet_duplicated()
        m.sheet_deleted()
        m.tt25_thousands()
        m.write_manifest()
    size = sum(p.stat().st_size for p in FILES.rglob("*") if p.is_file())
    print(f"{len(m.entries)} mục, {sum(1 for p in FILES.rglob('*') if p.is_file())} tệp, {size / 1024:.0f} KB "
          f"trong {FILES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

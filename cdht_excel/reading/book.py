"""What the reader hands to the core: plain data read from one workbook, and pure lookups over it.

`read` fills these (every file read once: cells, defined names, formulas saved without a
value); `merge`, `check` and the schemes only look at them. Nothing here opens a file.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdht_excel.rules import findings as F
from cdht_excel.rules.contract import FIELD_COLUMN, PERSON_COL, PERSON_ROW, cell_ref, col_index, field_name, person_name
from cdht_excel.text import clean_text, is_blank, nfc

if TYPE_CHECKING:
    from cdht_excel.rules.model import Item


@dataclass(frozen=True)
class Input:
    path: Path
    display: str          # what messages call the file: its path below the folder given


@dataclass
class CellValue:
    value: object
    sheet: str
    cell: str | None     # None: the field has no cell on this sheet

    @property
    def empty(self) -> bool:
        return is_blank(self.value)


@dataclass
class UnitSheet:
    unit_id: str
    sheet: str
    stamp: dict[str, Any]
    rows: list[list[Any]]
    key_rows: dict[str, int]
    columns: dict[str, int]
    origin: int = 0       # the stamp's row: rows inserted above the table shift everything
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)   # merged ranges (xlsx, xls)

    def merged_origin(self, row: int, col: int) -> tuple[int, int, str] | None:
        """(row, col, 'F11:F13') of the top-left cell of a merged range holding (row, col), if not itself."""
        for (r0, c0), (r1, c1) in self.merged:
            if r0 <= row <= r1 and c0 <= col <= c1 and (row, col) != (r0, c0):
                return r0, c0, f"{cell_ref(r0, c0)}:{cell_ref(r1, c1)}"
        return None

    def cell(self, row: int, col: int) -> CellValue:
        value = self.rows[row][col] if row < len(self.rows) and col < len(self.rows[row]) else None
        return CellValue(nfc(value), self.sheet, cell_ref(row, col))


@dataclass
class WorkbookRead:
    input: Input
    format: str = ""
    meta: dict[str, Any] | None = None
    units: list[UnitSheet] = field(default_factory=list)
    names: dict[str, tuple[str, int, int]] = field(default_factory=dict)   # name -> (sheet, row, col), 0-based
    formulas: dict[tuple[str, str], str] = field(default_factory=dict)    # (sheet, 'E11') -> formula, no value
    findings: list[F.Finding] = field(default_factory=list)
    modified: str = ""
    modified_by: str = ""
    saved_at: str = ""          # when the file was last saved, 'YYYY-MM-DDTHH:MM:SS' (UTC when known)
    saved_source: str = ""      # where that time comes from (said in messages)
    other_kind: str = ""    # 'cdht-plan/1', 'cdht-summary/1', 'cdht-check-form/1': our own non-unit workbooks
    sheets: dict[str, list[list[Any]]] = field(default_factory=dict)   # every sheet's rows, if asked (keep_sheets)

    @property
    def display(self) -> str:
        return self.input.display

    @property
    def ok(self) -> bool:
        return not F.has_errors(self.findings)


def short_error(exc: BaseException) -> str:
    """What went wrong reading a file, in Vietnamese words for a person (never the exception's name or text:
    those go to the finding's `technical`, see `technical_error`)."""
    return damage_text(type(exc).__name__, str(exc))


def technical_error(exc: BaseException) -> str:
    """'ZipError: invalid Zip archive: Could not find EOCD': the exception itself, for the JSON outputs."""
    return technical_text(type(exc).__name__, str(exc))


def technical_text(name: str, text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{name}: {first[:160]}" if first else name


# (words in the exception's name or text, what they mean for the file), the first match wins
DAMAGE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("memoryerror",), "vượt giới hạn bộ nhớ"),
    (("panic", "out of range", "overflow"), "số liệu bên trong tệp không hợp lệ"),
    (("zip", "eocd", "deflate", "crc"), "phần nén của tệp bị hỏng hoặc tệp bị cắt cụt"),
    (("cfb", "ole", "sector", "fat ", "biff", "bof"), "cấu trúc tệp .xls bị hỏng"),
    (("xml", "expecting", "element", "tag", "attribute", "parse"), "nội dung XML trong tệp bị hỏng"),
    (("unicode", "utf-8", "utf8", "codec", "encoding"), "chữ trong tệp bị mã hóa sai"),
    (("permission", "access"), "không có quyền đọc"),
)


OS_ERRORS = {"EACCES": "không có quyền đọc", "EPERM": "không có quyền đọc", "ENOENT": "không tìm thấy tệp",
             "EIO": "lỗi đọc ổ đĩa", "ENAMETOOLONG": "đường dẫn quá dài", "ENOTDIR": "đường dẫn không phải thư mục",
             "EISDIR": "là thư mục", "EBUSY": "tệp đang bận", "ESTALE": "tệp trên ổ mạng không còn"}


def os_error_text(exc: OSError) -> str:
    """An operating system error in Vietnamese ('không có quyền đọc'); its own words go to `technical`."""
    import errno
    return OS_ERRORS.get(errno.errorcode.get(exc.errno or 0, ""), "lỗi hệ thống khi đọc tệp")


def damage_text(name: str, text: str) -> str:
    lowered = f"{name} {text}".lower()
    return next((words for keys, words in DAMAGE_WORDS if any(k in lowered for k in keys)),
                "nội dung không đúng cấu trúc bảng tính")


# --------------------------------------------------------------------------- fields

SharedCell = tuple["Item", str, str, "str | None"]    # (item, cell, merged range, the range's top-left cell)


def field_cells(book: WorkbookRead, unit: UnitSheet, items: Iterable[Item]
                ) -> tuple[dict[str, CellValue], bool, list[SharedCell]]:
    """The cell of every field of `items` on this unit sheet: {'C3_SCORE': CellValue, ...}.

    A defined name is used when it points into this sheet at a row whose hidden key
    matches; otherwise the hidden key column (and the column keys row) locate the
    cell. An evidence or note cell inside a merged range shows what the person sees:
    the range's top-left text. Returns (cells, names_used_for_all, shared), shared
    listing (item, cell, range, origin) for each such cell.
    """
    cells: dict[str, CellValue] = {}
    shared: list[SharedCell] = []
    all_by_name = True
    for item in items:
        for field_code in item.fields():
            full = f"{item.key}_{field_code}"
            row_key = full if (item.kind == "ratio" and field_code not in FIELD_COLUMN) else item.key
            cell = _by_name(book, unit, field_name(item.key, field_code), row_key)
            if cell is None:
                all_by_name = False
                cell = _by_key(unit, row_key, field_code)
            if cell is not None and field_code in FIELD_COLUMN and cell.empty:
                cell = _merged_text(unit, cell, item, shared)
            if cell is not None:
                cells[full] = cell
    return cells, all_by_name, shared


def _merged_text(unit: UnitSheet, cell: CellValue, item: Item, shared: list[SharedCell]) -> CellValue:
    if cell.cell is None:
        return cell
    letters = "".join(ch for ch in cell.cell if ch.isalpha())
    row, col = int(cell.cell[len(letters):]) - 1, col_index(letters)
    found = unit.merged_origin(row, col)
    if found is None:
        return cell
    r0, c0, text = found
    source = unit.cell(r0, c0)
    if source.empty:
        return cell
    shared.append((item, cell.cell, text, source.cell))
    return CellValue(source.value, cell.sheet, cell.cell)


def _by_name(book: WorkbookRead, unit: UnitSheet, name: str, row_key: str) -> CellValue | None:
    target = book.names.get(name)
    if target is None or target[0] != unit.sheet:
        return None
    _, row, col = target
    key_col = unit.columns.get("KEY", 0)
    if row >= len(unit.rows) or unit.rows[row][key_col] != row_key:
        return None   # stale name (rows moved without updating it): trust the key column
    return unit.cell(row, col)


def _by_key(unit: UnitSheet, row_key: str, field_code: str) -> CellValue | None:
    row = unit.key_rows.get(row_key)
    if row is None:
        return None
    col = unit.columns.get("EVIDENCE" if field_code == "EVIDENCE" else "NOTE" if field_code == "NOTE" else "VALUE")
    return None if col is None else unit.cell(row, col)


def person_cell(book: WorkbookRead, unit: UnitSheet) -> str:
    target = book.names.get(person_name(unit.unit_id))
    if target and target[0] == unit.sheet:
        return clean_text(unit.cell(target[1], target[2]).value)
    return clean_text(unit.cell(PERSON_ROW + unit.origin, PERSON_COL).value)


# --------------------------------------------------------------------------- formulas

def evaluate_arithmetic(formula: str) -> float | None:
    """The value of a formula made only of numbers and + - * / ( ); None otherwise.

    A person who types '=3+4,5' into a cell means a number; anything else (cell
    references, functions) is not evaluated, and is reported instead.
    """
    text = formula.lstrip("=").strip().replace(",", ".")
    if not text or len(text) > 200:
        return None
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            value = ev(node.operand)
            return value if isinstance(node.op, ast.UAdd) else -value
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            return left / right
        raise ValueError("not arithmetic")

    try:
        return ev(tree)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None

"""Long tables in an XlsxWriter workbook, written at the speed of string formatting.

XlsxWriter spends about 7 µs on each cell; the district's table of communes has some 27 cells per
commune, which made writing it half of `cdht district`. `TableSheet.write_rows` lets XlsxWriter write
two placeholder rows (so the sheet's dimension and the formats' style numbers are XlsxWriter's own) and
keeps the real rows; when the workbook is closed, `TableWorkbook` replaces the placeholders with the
rows' XML, written the way XlsxWriter writes inline strings and numbers in constant-memory mode
(tests/test_table_rows.py compares the two byte for byte).

Also for every sheet of these workbooks: XlsxWriter's constant-memory mode writes a string that
starts with "<r>" and ends with "</r>" as raw rich-text XML, so a commune or file name shaped like that
would corrupt the workbook; `TableSheet.write_string` writes such a string as plain text.
"""
from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from cdht_excel.sheets.memory_workbook import MemoryWorkbook

MAX_UNITS = 32767                  # Excel's limit on a cell's text, in UTF-16 units
DEFAULT_PIXELS = 20                # XlsxWriter's default row height (15 points)
ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")      # Excel's _xHHHH_ escapes, as XlsxWriter writes them
CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
ROW_RE = r'<row r="{}"[ >]'


@dataclass
class PendingRows:
    first: int                 # 0-based row of the first placeholder
    count: int
    rows: Iterable             # (values, height in points or None), consumed when the workbook closes


class TableSheet(Worksheet):
    """A worksheet with `write_rows` and text that is always written as text."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[PendingRows] = []

    def write_string(self, row, col, string, cell_format=None):
        if self.constant_memory and _looks_rich(str(string)):
            text = str(string)
            runs = (text[:1], text[1:2], text[2:]) + ((cell_format,) if cell_format is not None else ())
            return self.write_rich_string(row, col, *runs)      # plain runs: escaped as text
        return super().write_string(row, col, string, cell_format)

    def write_rows(self, first: int, rows: Iterable[tuple[list, float | None]], count: int, width: int,
                   text, number) -> None:
        """`count` rows from row `first` on, `width` cells wide (at least 2): `rows` gives (values, height in
        points or None for the default) and is read only when the workbook is closed, one row at a time,
        so a long table need not be held in memory. Numbers (int, float, not bool) get the `number`
        format, everything else is text with the `text` format."""
        if count <= 0:
            return
        if width < 2:
            raise ValueError("write_rows needs rows of two cells or more")
        self.write_number(first, 0, 0, number)             # placeholders: both formats get their style
        self.write_string(first, 1, "", text)
        self.write_string(first + count - 1, width - 1, "", text)   # and the table's last cell
        self.pending.append(PendingRows(first, count, rows))


class TableWorkbook(MemoryWorkbook):
    """An XlsxWriter workbook whose sheets are `TableSheet`s; closing it writes their pending rows."""

    worksheet_class = TableSheet

    def store(self, data: bytes) -> None:
        sheets = [ws for ws in self.worksheets() if isinstance(ws, TableSheet) and ws.pending]
        if sheets:
            try:
                data = _splice(data, sheets)
            finally:
                for ws in sheets:
                    ws.pending = []
        super().store(data)


def _splice(workbook: bytes, sheets: list[TableSheet]) -> bytes:
    """The closed workbook with each sheet's placeholders replaced by its rows (built in memory, as
    compressed as the file it becomes)."""
    from cdht_excel.sheets.parts import sheet_part
    out = io.BytesIO()
    # deflate level 1: the long sheet is most of the work of compressing, 3.5× faster than level 6 and
    # about a fifth larger; the result is the same bytes on every run
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, zipfile.ZipFile(out, "w", compresslevel=1) as dst:
        names = set(src.namelist())
        parts = {sheet_part(src, names, ws.name): ws for ws in sheets}
        for info in src.infolist():
            data = src.read(info)
            sheet = parts.get(info.filename)
            if sheet is None:
                dst.writestr(info, data)
                continue
            with dst.open(info, "w") as part:
                _write_sheet(part, data.decode("utf-8"), sheet.pending)
    return out.getvalue()


def _write_sheet(out, xml: str, pending: list[PendingRows]) -> None:
    at = 0
    for block in pending:
        start = _find_row(xml, block.first + 1, at)
        end = xml.index("</row>", _find_row(xml, block.first + block.count, start)) + len("</row>")
        placeholder = xml[start:xml.index("</row>", start)]
        number_style = _style(r'<c r="[A-Z]+\d+" s="(\d+)"><v>', placeholder)
        text_style = _style(r'<c r="[A-Z]+\d+" s="(\d+)" t="inlineStr">', placeholder)
        out.write(xml[at:start].encode("utf-8"))
        chunk: list[str] = []
        n = -1
        for n, (values, height) in enumerate(block.rows):
            if n >= block.count:
                raise ValueError(f"more than the {block.count} rows announced")
            chunk.append(row_xml(block.first + n + 1, values, height, number_style, text_style))
            if len(chunk) >= 256:
                out.write("".join(chunk).encode("utf-8"))
                chunk.clear()
        out.write("".join(chunk).encode("utf-8"))
        if n + 1 != block.count:
            raise ValueError(f"{n + 1} rows given, {block.count} announced")
        at = end
    out.write(xml[at:].encode("utf-8"))


def _style(pattern: str, placeholder: str) -> str:
    m = re.search(pattern, placeholder)
    if m is None:
        raise ValueError("placeholder cell not found in the sheet XlsxWriter wrote")
    return m.group(1)


def _find_row(xml: str, number: int, start: int) -> int:
    m = re.compile(ROW_RE.format(number)).search(xml, start)
    if m is None:
        raise ValueError(f"row {number} not found in the sheet XlsxWriter wrote")
    return m.start()


_COLUMNS: list[str] = []


def _columns(width: int) -> list[str]:
    while len(_COLUMNS) < width:
        _COLUMNS.append(xl_col_to_name(len(_COLUMNS)))
    return _COLUMNS


def row_xml(number: int, values: list, height: float | None, number_style: str, text_style: str) -> str:
    """One `<row>` as XlsxWriter writes it in constant-memory mode (`number` is 1-based). Kept tight:
    it runs for every cell of every long table."""
    pixels = DEFAULT_PIXELS if height is None else int(height * 4.0 / 3.0 + 0.5)
    parts = [f'<row r="{number}" ht="{pixels * 0.75:.16g}" customHeight="1">' if pixels != DEFAULT_PIXELS
             else f'<row r="{number}">']
    append = parts.append
    number_end = f'{number}" s="{number_style}"><v>'
    text_end = f'{number}" s="{text_style}" t="inlineStr"><is><t'
    for column, value in zip(_columns(len(values)), values):
        kind = value.__class__
        if (kind is int or kind is float or (isinstance(value, (int, float)) and kind is not bool)) \
                and math.isfinite(value):
            append(f'<c r="{column}{number_end}{value:.16G}</v></c>')
            continue
        text = value if kind is str else str(value)
        if not text.isprintable() or len(text) > MAX_UNITS // 2 or "_x" in text:
            text = _cell_text(text)
        space = ' xml:space="preserve">' if text[:1].isspace() or text[-1:].isspace() else ">"
        if "&" in text or "<" in text or ">" in text:
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        append(f'<c r="{column}{text_end}{space}{text}</t></is></c>')
    append("</row>")
    return "".join(parts)


def _cell_text(text: str) -> str:
    """A cell's text within Excel's limit, control characters as Excel's _xHHHH_ escapes."""
    if len(text) > MAX_UNITS // 2 and len(text.encode("utf-16-le", "surrogatepass")) // 2 > MAX_UNITS:
        units = 0
        for index, char in enumerate(text):
            units += 2 if ord(char) > 0xFFFF else 1
            if units > MAX_UNITS:
                text = text[:index]
                break
    if "_x" in text:
        text = ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    return CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)


def _looks_rich(text: str) -> bool:
    return text.startswith("<r>") and text.endswith("</r>")

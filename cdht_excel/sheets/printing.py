"""Print set-up shared by every workbook the tool writes: A4, fitted to one page wide, heights that fit.

XlsxWriter cannot measure text, and LibreOffice does not fit row heights when it opens an .xlsx,
so rows get a height estimated from their text (`fitted_height`). A height set by XlsxWriter is
always marked "custom", and Excel and LibreOffice never grow a custom row while someone types in
it; for rows people fill in (evidence, one line per document with Alt+Enter), `release_heights`
removes that mark after the workbook is written, so the estimate is only a starting height.
"""
from __future__ import annotations

import io
import re
import textwrap
import zipfile
from functools import partial
from pathlib import Path

A4 = 9                     # XlsxWriter's paper code for A4
LINE_POINTS = 15.0         # one line of 12 pt Times New Roman, with Excel's and LibreOffice's leading
PADDING_POINTS = 3.0
CHARS_PER_WIDTH = 1.1      # characters of 12 pt text per unit of column width (LibreOffice fits ~1.15)


def lines_needed(text: object, width: float, bold: bool = False, font_size: float = 12) -> int:
    """Lines a wrapped cell of `width` (Excel column units) needs for `text`, line breaks included."""
    capacity = max(1, int(width * CHARS_PER_WIDTH * (0.9 if bold else 1.0) * 12 / font_size))
    shown = str(text if text is not None else "")
    if len(shown) <= capacity and "\n" not in shown and "\t" not in shown:
        return 1            # fits on one line (most cells: wrapping every cell of a long table is slow)
    total = 0
    for paragraph in shown.split("\n"):
        total += max(1, len(textwrap.wrap(paragraph, capacity, break_long_words=True,
                                          break_on_hyphens=False)))
    return total


def fitted_height(cells, font_size: float = 12, minimum_lines: int = 1) -> float:
    """Row height in points for cells given as (text, width) or (text, width, bold)."""
    lines = max([minimum_lines] + [lines_needed(c[0], c[1], bool(c[2]) if len(c) > 2 else False, font_size)
                                   for c in cells])
    return round(lines * LINE_POINTS * font_size / 12 + PADDING_POINTS, 2)


def page_setup(ws, *, landscape: bool, repeat_rows: tuple[int, int] | int | None = None,
               footer: str | None = None, header: str | None = None, margins: dict | None = None) -> None:
    """A4, the given orientation, fitted to one page wide (as many pages tall as needed)."""
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(**(margins or {"left": 0.6, "right": 0.4, "top": 0.7, "bottom": 0.7}))
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    if repeat_rows is not None:
        first, last = (repeat_rows, repeat_rows) if isinstance(repeat_rows, int) else repeat_rows
        ws.repeat_rows(first, last)
    if header:
        ws.set_header(header)
    if footer:
        ws.set_footer(footer)


class GrowingRows:
    """Remembers, per worksheet, the rows whose height must stay free to grow."""

    def __init__(self) -> None:
        self.rows: dict[int, set[int]] = {}

    def add(self, ws, row: int) -> None:
        self.rows.setdefault(ws.index + 1, set()).add(row)   # xl/worksheets/sheet{index+1}.xml

    def release(self, path: str | Path) -> None:
        if self.rows:
            release_heights(path, self.rows)


_ROW = re.compile(rb'<row r="(\d+)"([^>]*?) customHeight="(?:1|true)"')
_ROW_TAG = re.compile(rb'<row r="(\d+)"([^>]*)>')


def release_heights(path: str | Path, rows_by_sheet: dict[int, set[int]]) -> None:
    """Drop the "custom height" mark of the given 0-based rows in an .xlsx written by XlsxWriter."""
    _release(path, {f"xl/worksheets/sheet{n}.xml": rows for n, rows in rows_by_sheet.items()})


def free_rows(path: str | Path) -> dict[str, set[int]]:
    """{sheet name: its 0-based rows that have a height but no fixed one} of an .xlsx."""
    from cdht_excel.sheets.parts import sheet_parts
    with zipfile.ZipFile(path) as zf:
        out = {}
        for sheet, part in sheet_parts(zf).items():
            rows = {int(m.group(1)) - 1 for m in _ROW_TAG.finditer(zf.read(part))
                    if b' ht="' in m.group(2) and not re.search(rb'customHeight="(?:1|true)"', m.group(2))}
            if rows:
                out[sheet] = rows
    return out


def keep_rows_free(path: str | Path, rows_by_name: dict[str, set[int]]) -> None:
    """Drop the "custom height" mark of the given rows (by sheet name) in an .xlsx: for a workbook saved
    by openpyxl, which marks every height it writes as fixed."""
    from cdht_excel.sheets.parts import sheet_parts
    with zipfile.ZipFile(path) as zf:
        parts = sheet_parts(zf)
    _release(path, {parts[name]: rows for name, rows in rows_by_name.items() if name in parts})


def _release(path: str | Path, targets: dict[str, set[int]]) -> None:
    path = Path(path)
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            rows = targets.get(info.filename)
            if rows:
                data = _ROW.sub(partial(_grow_row, rows), data)
            dst.writestr(info, data)
    path.write_bytes(out.getvalue())


def _grow_row(rows: set[int], m: re.Match[bytes]) -> bytes:
    """A row of `rows` loses its fixed height (the rest of the row element is kept)."""
    if int(m.group(1)) - 1 not in rows:
        return m.group(0)
    return b'<row r="' + m.group(1) + b'"' + m.group(2)

"""How big every sheet of a workbook really is, found in a cheap streaming pass before the reader runs.

python-calamine builds each sheet as one dense block from its first to its last
cell: one cell at A1 and one at XFD1048576 make it allocate 17 billion cells (the
process aborts), a 99-million-cell block takes 4 GB. A sheet's declared dimension
is not what it allocates (measured: a `<dimension ref="A1:XFD1048576">` with one cell
costs nothing); the cells are. So this pass reads the cell references themselves,
in bounded chunks, and keeps only counters:

- xlsx/xlsm: the XML of every worksheet part, streamed 256 KB at a time (cells
  without an `r` attribute count from the previous one, as the reader does);
- xls: the BIFF records of the Workbook stream (cell records, with their row and
  column), plus FILEPASS, the record of an encrypted (XOR/RC4) workbook;
- ods: content.xml, streamed, with `number-rows-repeated` and
  `number-columns-repeated` counted as the reader expands them (only up to the
  last cell with content: LibreOffice writes a million empty repeated rows).

`shapes()` returns, per sheet, the size of the block the reader would build; the
caller refuses sheets above its limit. It raises `Encrypted` for a BIFF FILEPASS.
The district lane can call `shapes(path, fmt, zf=...)` with a zip it already opened.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CHUNK = 256 * 1024


@dataclass(frozen=True)
class Shape:
    sheet: str            # the sheet's name (or its part, when the workbook does not say)
    rows: int             # 1 + the last row index holding a cell (0 when empty)
    cols: int             # 1 + the last column index holding a cell

    @property
    def cells(self) -> int:
        return self.rows * self.cols


class Encrypted(Exception):
    """A BIFF workbook protected with a password to open (FILEPASS: XOR or RC4)."""


def shapes(path: Path, fmt: str, zf: zipfile.ZipFile | None = None, max_cells: int | None = None) -> list[Shape]:
    """The dense block size of every sheet of an xlsx/xlsm/xls/ods file, without building it.

    With `max_cells`, an xlsx sheet is first sized by a fast upper bound and measured
    exactly only when that bound is above the limit."""
    if fmt == "xls":
        return _xls_shapes(path)
    own = zf is None
    zf = zf or zipfile.ZipFile(path)
    try:
        return _ods_shapes(zf) if fmt == "ods" else _xlsx_shapes(zf, max_cells)
    finally:
        if own:
            zf.close()


def too_big(found: list[Shape], max_cells: int) -> list[Shape]:
    return [s for s in found if s.cells > max_cells]


# --------------------------------------------------------------------------- xlsx

_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{0,3})(\d{0,7})["']""")
_SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\s([^>]*)>")
_NAME_ATTR = re.compile(rb"""\sname\s*=\s*"([^"]*)\"""")
_RID_ATTR = re.compile(rb"""\s(?:[\w.-]+:)id\s*=\s*"([^"]*)\"""")
_REL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\s([^>]*)>")
_ID_ATTR = re.compile(rb"""\sId\s*=\s*"([^"]*)\"""")
_TARGET_ATTR = re.compile(rb"""\sTarget\s*=\s*"([^"]*)\"""")
SHEET_FOLDERS = ("worksheets/", "macrosheets/", "dialogsheets/", "chartsheets/")


def _letters_to_col(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n - 1


def _zip_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part name as the reader resolves it (forward slashes, no leading slash, any case) -> zip entry."""
    return {n.replace("\\", "/").lstrip("/").lower(): n for n in zf.namelist()}


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip entry) for every sheet the workbook lists, then every other sheet-like part."""
    names = _zip_names(zf)
    found: list[tuple[str, str]] = []
    try:
        workbook = _read_small(zf, names.get("xl/workbook.xml"))
        rels = _read_small(zf, names.get("xl/_rels/workbook.xml.rels"))
        targets = {}
        for m in _REL_TAG.finditer(rels):
            rid, found_target = _ID_ATTR.search(b" " + m.group(1)), _TARGET_ATTR.search(b" " + m.group(1))
            if rid and found_target:
                targets[rid.group(1)] = found_target.group(1).decode("utf-8", "replace")
        for m in _SHEET_TAG.finditer(workbook):
            attrs = b" " + m.group(1)
            name, rid = _NAME_ATTR.search(attrs), _RID_ATTR.search(attrs)
            sheet_target = targets.get(rid.group(1)) if rid else None
            if not sheet_target:
                continue
            sheet_target = sheet_target.replace("\\", "/")
            part = sheet_target.lstrip("/") if sheet_target.startswith("/") else str(PurePosixPath("xl") / sheet_target)
            part = _normalise(part).lower()
            if part in names:
                label = name.group(1).decode("utf-8", "replace") if name else part
                found.append((label, names[part]))
    except (KeyError, ValueError):
        pass
    seen = {entry for _, entry in found}
    for key, entry in sorted(names.items()):
        if entry not in seen and key.endswith(".xml") and any(f in key for f in SHEET_FOLDERS):
            found.append((entry, entry))
    return found


def _normalise(part: str) -> str:
    out: list[str] = []
    for piece in part.split("/"):
        if piece == "..":
            if out:
                out.pop()
        elif piece and piece != ".":
            out.append(piece)
    return "/".join(out)


def _read_small(zf: zipfile.ZipFile, entry: str | None, limit: int = 4 * 2**20) -> bytes:
    if entry is None:
        return b""
    with zf.open(entry) as fh:
        return fh.read(limit)


def _xlsx_shapes(zf: zipfile.ZipFile, max_cells: int | None) -> list[Shape]:
    return [_xlsx_sheet_shape(zf, label, entry, max_cells) for label, entry in _sheet_parts(zf)]


_FAST_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s+r=\"([A-Z]{1,3})(\d{1,7})\"")
_ANY_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


def _chunks(zf: zipfile.ZipFile, entry: str):
    """The part in pieces of about CHUNK bytes, each cut just before a '<' (no tag is ever split)."""
    tail = b""
    with zf.open(entry) as fh:
        while True:
            chunk = fh.read(CHUNK)
            data = tail + chunk
            cut = data.rfind(b"<") if chunk else len(data)
            if cut < 0 or (cut == 0 and chunk):
                cut = 0 if chunk else len(data)     # one tag longer than a chunk: keep reading (parts are bounded)
            yield data[:cut]
            tail = data[cut:]
            if not chunk:
                return


def _xlsx_sheet_shape(zf: zipfile.ZipFile, label: str, entry: str, max_cells: int | None) -> Shape:
    """Fast pass: every `<c r="..">` (styled empty cells included: an upper bound). Only when that
    bound is above the limit, or some cells have no `r`, the exact pass decides."""
    max_row = max_col = -1
    exact = False
    for data in _chunks(zf, entry):
        found = _FAST_CELL.findall(data)
        if len(found) != len(_ANY_CELL.findall(data)):
            exact = True
            break
        if found:
            max_row = max(max_row, max(map(int, {r for _, r in found})) - 1)
            max_col = max(max_col, max(_letters_to_col(c) for c in {c for c, _ in found}))
    shape = Shape(label, max_row + 1, max_col + 1)
    if exact or (max_cells is not None and shape.cells > max_cells):
        return _xlsx_exact_shape(zf, label, entry)
    return shape


def _xlsx_exact_shape(zf: zipfile.ZipFile, label: str, entry: str) -> Shape:
    max_row = max_col = -1
    row, col = -1, -1
    for data in _chunks(zf, entry):
        for m in _TAG.finditer(data):
            attrs = m.group(2)
            ref = _R_ATTR.search(attrs)
            if m.group(1) == b"row":
                row = int(ref.group(2)) - 1 if ref and ref.group(2) else row + 1
                col = -1
                continue
            if ref and ref.group(1):
                col = _letters_to_col(ref.group(1))
                if ref.group(2):
                    row = int(ref.group(2)) - 1
            else:
                col += 1
            if attrs.endswith(b"/"):
                continue     # <c r="B2" s="3"/>: a formatted empty cell, not a value
            max_row, max_col = max(max_row, row), max(max_col, col)
    return Shape(label, max_row + 1, max_col + 1)


# --------------------------------------------------------------------------- xls (BIFF8 in an OLE file)

BOF, EOF, FILEPASS, BOUNDSHEET = 0x0809, 0x000A, 0x002F, 0x0085
CELL_RECORDS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0406}   # row, col first
MULTI_RECORDS = {0x00BD, 0x00BE}            # MULRK, MULBLANK: row, first col, ..., last col


def _xls_shapes(path: Path) -> list[Shape]:
    import olefile
    with olefile.OleFileIO(str(path)) as ole:
        stream = "Workbook" if ole.exists("Workbook") else "Book"
        data = ole.openstream(stream).read()
    return biff_shapes(data)


def biff_shapes(data: bytes) -> list[Shape]:
    """Per worksheet substream of a BIFF5/8 Workbook stream: the block its cells span."""
    found: list[Shape] = []
    names: list[str] = []
    depth, index = 0, -1
    max_row = max_col = -1
    pos, end = 0, len(data)
    while pos + 4 <= end:
        rtype = data[pos] | data[pos + 1] << 8
        size = data[pos + 2] | data[pos + 3] << 8
        body = data[pos + 4:pos + 4 + size]
        pos += 4 + size
        if rtype == BOF:
            depth += 1
            if depth == 1:            # a new substream: 0 is the workbook globals, then one per sheet
                index += 1
                max_row = max_col = -1
            continue
        if rtype == EOF:
            if depth == 1 and index >= 1:
                label = names[index - 1] if index - 1 < len(names) else f"#{index}"
                found.append(Shape(label, max_row + 1, max_col + 1))
            depth = max(0, depth - 1)
            continue
        if index == 0 and depth == 1:
            if rtype == FILEPASS:
                raise Encrypted("FILEPASS")
            if rtype == BOUNDSHEET and len(body) >= 8:
                names.append(_biff_sheet_name(body))
            continue
        if depth != 1 or len(body) < 4:
            continue
        if rtype in CELL_RECORDS:
            r, c = body[0] | body[1] << 8, body[2] | body[3] << 8
        elif rtype in MULTI_RECORDS and len(body) >= 6:
            r, c = body[0] | body[1] << 8, body[-2] | body[-1] << 8
        else:
            continue
        max_row, max_col = max(max_row, r), max(max_col, c)
    return found


def _biff_sheet_name(body: bytes) -> str:
    length, flags = body[6], body[7] if len(body) > 7 else 0
    raw = body[8:8 + length * (2 if flags & 1 else 1)]
    return raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")


# --------------------------------------------------------------------------- ods

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


class UnsafeXml(Exception):
    """A DTD or entity declaration: never in a spreadsheet a program wrote."""


def _ods_shapes(zf: zipfile.ZipFile) -> list[Shape]:
    """content.xml through expat (attribute values may hold '>' here: formulas), fed in chunks."""
    from xml.parsers import expat
    entry = _zip_names(zf).get("content.xml")
    if entry is None:
        return []
    found: list[Shape] = []
    state = {"label": "", "row": 0, "col": 0, "max_row": -1, "max_col": -1, "repeat": 1, "has": False,
             "depth": 0, "cell": None}
    t = "{" + TABLE_NS + "}"

    def start(tag, attrs):
        if tag == t + "table":
            state.update(label=attrs.get(t + "name", f"#{len(found) + 1}"), row=0, max_row=-1, max_col=-1)
            state["depth"] += 1
        elif tag == t + "table-row":
            state.update(repeat=_count(attrs.get(t + "number-rows-repeated")), col=0, has=False)
        elif tag in (t + "table-cell", t + "covered-table-cell"):
            span = _count(attrs.get(t + "number-columns-repeated"))
            state["cell"] = (state["col"], span, ("{" + OFFICE_NS + "}value-type") in attrs)
            state["col"] += span
        elif state["cell"] is not None:
            state["cell"] = (*state["cell"][:2], True)     # content inside the cell (text:p ...)

    def end(tag):
        if tag in (t + "table-cell", t + "covered-table-cell") and state["cell"] is not None:
            col, span, filled = state["cell"]
            if filled:
                state["max_col"] = max(state["max_col"], col + span - 1)
                state["has"] = True
            state["cell"] = None
        elif tag == t + "table-row":
            if state["has"]:
                state["max_row"] = max(state["max_row"], state["row"] + state["repeat"] - 1)
            state["row"] += state["repeat"]
        elif tag == t + "table":
            state["depth"] -= 1
            found.append(Shape(state["label"], state["max_row"] + 1, state["max_col"] + 1))

    def refuse(*_):
        raise UnsafeXml("DTD")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = lambda tag, attrs: start("{" + tag if "}" in tag else tag,
                                                         {("{" + k if "}" in k else k): v for k, v in attrs.items()})
    parser.EndElementHandler = lambda tag: end("{" + tag if "}" in tag else tag)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    with zf.open(entry) as fh:
        while True:
            chunk = fh.read(CHUNK)
            parser.Parse(chunk, not chunk)
            if not chunk:
                break
    return found


def _count(value) -> int:
    try:
        return max(1, min(int(value), 2**31))
    except (TypeError, ValueError):
        return 1

"""Build the hostile files of issue 10: each made the way an attacker (or a broken program) would.

    python tests/hostile/build.py OUT_DIR      # writes every file below, prints name and size

`HOSTILE` maps each file name to the finding code it must get, alone or mixed into a commune's
returns. The .xls mutants are single bytes changed in `seed-unit-return.xls` (a unit return saved
by LibreOffice), found with the fuzzer: before issue 10 each of them ended the whole run.
"""
from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED_XLS = HERE / "seed-unit-return.xls"

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
      'spreadsheetml.{main}.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
      'officedocument.spreadsheetml.worksheet+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Trang 1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
           '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           'relationships/worksheet" Target="worksheets/sheet1.xml"/>{extra}</Relationships>')
SST_REL = ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'sharedStrings" Target="sharedStrings.xml"/>')


def sheet_xml(cells: list[tuple[str, str]], dimension: str | None = None, shared: bool = False) -> str:
    rows: dict[int, list[str]] = {}
    for ref, value in cells:
        row = int("".join(ch for ch in ref if ch.isdigit()))
        cell = f'<c r="{ref}" t="s"><v>{value}</v></c>' if shared else f'<c r="{ref}"><v>{value}</v></c>'
        rows.setdefault(row, []).append(cell)
    body = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main">{dim}<sheetData>{body}</sheetData></worksheet>')


def xlsx(path: Path, sheet: str, shared_strings: str | None = None, main: str = "sheet") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CT.format(main=main))
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WB_RELS.format(extra=SST_REL if shared_strings else ""))
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings:
            zf.writestr("xl/sharedStrings.xml", shared_strings)
    return path


def ods(path: Path, table: str) -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet>{table}</office:spreadsheet></office:body>'
               '</office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", manifest)
    return path


def patch_byte(path: Path, offset: int, value: int) -> Path:
    data = bytearray(SEED_XLS.read_bytes())
    data[offset] = value
    path.write_bytes(bytes(data))
    return path


def far_cell_xls(path: Path, row: int = 65535, col: int = 255) -> Path:
    """The seed with one cell record of its unit sheet moved to IV65536: a 65,536 × 256 block."""
    import olefile
    data = bytearray(SEED_XLS.read_bytes())
    with olefile.OleFileIO(str(SEED_XLS)) as ole:
        stream = ole.openstream("Workbook").read()
    pos, sheets = 0, 0
    while pos + 4 <= len(stream):
        rtype = stream[pos] | stream[pos + 1] << 8
        size = stream[pos + 2] | stream[pos + 3] << 8
        if rtype == 0x0809:
            sheets += 1
        if sheets == 3 and rtype in (0x00FD, 0x0203):          # a LABELSST or NUMBER of the unit sheet
            record = bytes(stream[pos:pos + 4 + size])
            at = data.find(record)
            assert at > 0 and data.find(record, at + 1) < 0, "record not unique in the file"
            data[at + 4:at + 8] = bytes([row & 255, row >> 8, col & 255, col >> 8])
            path.write_bytes(bytes(data))
            return path
        pos += 4 + size
    raise AssertionError("no cell record found")


UNIT_XLSX = HERE.parents[1] / "samples" / "dong-thinh-2024" / "Hội ND - tiêu chí 8.xlsx"


def rezip(src: Path, dst: Path, rename=lambda name: name, replace: dict | None = None, add: dict | None = None) -> Path:
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(rename(info.filename), replace.get(info.filename, zin.read(info.filename)))
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def zipped(path: Path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def macro_sheet_xlsm(path: Path) -> Path:
    """A real unit return plus an Excel 4 macro sheet (xl/macrosheets/), as Excel saves one."""
    with zipfile.ZipFile(UNIT_XLSX) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        types = zf.read("[Content_Types].xml").decode()
    workbook = workbook.replace("</sheets>", '<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                                'relationships" name="Macro1" sheetId="99" r:id="rIdM1"/></sheets>')
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdM1" Type="http://schemas.microsoft.com/office/'
                        '2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>')
    types = types.replace("</Types>", '<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/'
                          'vnd.ms-excel.macrosheet+xml"/></Types>').replace(
        "spreadsheetml.sheet.main+xml", "../vnd.ms-excel.sheet.macroEnabled.main+xml".lstrip("./"))
    macro = ('<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
             '<sheetData><row r="1"><c r="A1" t="str"><f>RETURN()</f><v></v></c></row></sheetData></xm:macrosheet>')
    return rezip(UNIT_XLSX, path, replace={"xl/workbook.xml": workbook.encode(), "xl/_rels/workbook.xml.rels":
                                            rels.encode(), "[Content_Types].xml": types.encode()},
                 add={"xl/macrosheets/sheet1.xml": macro})


MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
               b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")


def png(path: Path) -> Path:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 8 for _ in range(8))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def build(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    kinds = {
        # kinds of file (issue 10, part 2): each gets its own finding, none is "damaged"
        "encrypted-rc4-libreoffice.xls": Path(shutil.copy(HERE / "encrypted-rc4-libreoffice.xls", out)),
        "encrypted-libreoffice.ods": Path(shutil.copy(HERE / "encrypted-libreoffice.ods", out)),
        "binary-workbook.xlsb": zipped(out / "binary-workbook.xlsb", {
            "[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\x83\x01\x00", "xl/worksheets/sheet1.bin": b""}),
        "template.xltx": xlsx(out / "template.xltx", sheet_xml([("A1", "1")]), main="template"),
        "flat.fods": _write(out / "flat.fods", b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document '
                            b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2" '
                            b'office:mimetype="application/vnd.oasis.opendocument.spreadsheet"></office:document>'),
        "apple.numbers": zipped(out / "apple.numbers", {"Index/Document.iwa": b"\x00" * 32,
                                                        "Metadata/Properties.plist": ""}),
        "text-files.zip.xlsx": zipped(out / "text-files.zip.xlsx", {"ghi-chu.txt": "không phải bảng tính"}),
        "document.pdf.xls": _write(out / "document.pdf.xls", MINIMAL_PDF),
        "photo.png.xlsx": png(out / "photo.png.xlsx"),
        "backslash-parts.xlsx": rezip(UNIT_XLSX, out / "backslash-parts.xlsx", rename=lambda n: n.replace("/", "\\")),
        "macro-sheet.xlsm": macro_sheet_xlsm(out / "macro-sheet.xlsm"),
    }
    made = kinds | {
        # 1.5 KB; the reader would allocate 17 billion cells (512 GB) and abort the process
        "far-cells-A1-XFD1048576.xlsx": xlsx(out / "far-cells-A1-XFD1048576.xlsx",
                                             sheet_xml([("A1", "1"), ("XFD1048576", "2")])),
        # 99 million cells: 4 GB in the reader
        "range-99-million-cells.xlsx": xlsx(out / "range-99-million-cells.xlsx",
                                            sheet_xml([("A1", "1"), ("CU1000000", "2")])),
        # a declared dimension alone costs nothing: read, and it is simply not our template
        "dimension-only.xlsx": xlsx(out / "dimension-only.xlsx", sheet_xml([("A1", "1")], "A1:XFD1048576")),
        # four billion shared strings announced: the reader asks for 96 GB up front
        "shared-strings-count.xlsx": xlsx(out / "shared-strings-count.xlsx", sheet_xml([("A1", "0")], shared=True),
                                          '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                                          'openxmlformats.org/spreadsheetml/2006/main" count="4000000000" '
                                          'uniqueCount="4000000000"><si><t>x</t></si></sst>'),
        # 42 KB: one 30 KB shared string used by 20,000 cells; the reader copies it into each cell and fills
        # 600 MB (under the address-space limit alone its resident memory reached 390 MB before it was stopped)
        "one-string-everywhere.xlsx": xlsx(out / "one-string-everywhere.xlsx",
                                           sheet_xml([(f"{_column(c)}{r}", "0") for r in range(1, 201)
                                                      for c in range(100)], shared=True),
                                           '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                                           'openxmlformats.org/spreadsheetml/2006/main" count="20000" '
                                           'uniqueCount="1"><si><t>' + "chữ " * 7500 + "</t></si></sst>"),
        # cells without r attributes (allowed): counted from the previous cell
        "cells-without-refs.xlsx": xlsx(out / "cells-without-refs.xlsx",
                                        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                                        'spreadsheetml/2006/main"><sheetData><row><c><v>1</v></c></row>'
                                        '<row r="900000"><c r="ZZ900000"><v>1</v></c></row></sheetData></worksheet>'),
        # 50,000 nested elements inside one cell
        "deep-nesting.xlsx": xlsx(out / "deep-nesting.xlsx",
                                  '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                                  'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
                                  + "<x>" * 50000 + "<t>sâu</t>" + "</x>" * 50000
                                  + "</is></c></row></sheetData></worksheet>"),
        # one row with a value, repeated a million times, 1,024 columns wide
        "repeated-rows.ods": ods(out / "repeated-rows.ods",
                                 '<table:table table:name="T"><table:table-row table:number-rows-repeated="1048576">'
                                 '<table:table-cell table:number-columns-repeated="1024" office:value-type="float" '
                                 'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
                                 '</table:table>'),
        # a real unit return with one cell moved to IV65536 (the 65,536 × 256 .xls that took 1 GB)
        "dimensions-65536x256.xls": far_cell_xls(out / "dimensions-65536x256.xls"),
        # single bytes changed in a real unit return (found by fuzzing): Rust panics and aborts
        "fuzzed-panic-1.xls": patch_byte(out / "fuzzed-panic-1.xls", 33733, 244),
        "fuzzed-panic-2.xls": patch_byte(out / "fuzzed-panic-2.xls", 4044, 43),
        "fuzzed-abort-1.xls": patch_byte(out / "fuzzed-abort-1.xls", 32484, 48),
        "fuzzed-abort-2.xls": patch_byte(out / "fuzzed-abort-2.xls", 36958, 237),
    }
    return made


def _column(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (the columns used here stay below 702)."""
    return chr(65 + index) if index < 26 else chr(64 + index // 26) + chr(65 + index % 26)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# expected error code of each file; "ok" for a unit return that must read
KINDS = {
    "encrypted-rc4-libreoffice.xls": "file-encrypted",
    "encrypted-libreoffice.ods": "file-encrypted",
    "binary-workbook.xlsb": "file-unsupported",
    "template.xltx": "file-unsupported",
    "flat.fods": "file-unsupported",
    "apple.numbers": "file-unsupported",
    "text-files.zip.xlsx": "file-not-workbook",
    "document.pdf.xls": "file-not-workbook",
    "photo.png.xlsx": "file-not-workbook",
    "backslash-parts.xlsx": "ok",
    "macro-sheet.xlsm": "ok",
}

HOSTILE = {
    "far-cells-A1-XFD1048576.xlsx": "file-too-big-content",
    "range-99-million-cells.xlsx": "file-too-big-content",
    "dimension-only.xlsx": "file-not-template",
    "shared-strings-count.xlsx": "file-reader-crashed",
    "one-string-everywhere.xlsx": "file-reader-crashed",
    "cells-without-refs.xlsx": "file-too-big-content",
    "deep-nesting.xlsx": "file-not-template",
    "repeated-rows.ods": "file-too-big-content",
    "dimensions-65536x256.xls": "file-too-big-content",
    "fuzzed-panic-1.xls": "file-corrupt",
    "fuzzed-panic-2.xls": "file-corrupt",
    "fuzzed-abort-1.xls": "file-reader-crashed",
    "fuzzed-abort-2.xls": "file-reader-crashed",
}


if __name__ == "__main__":
    for name, path in build(Path(sys.argv[1])).items():
        print(f"{path.stat().st_size:>9,}  {name}  -> {(HOSTILE | KINDS)[name]}")

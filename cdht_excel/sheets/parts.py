"""Where a named sheet lives inside an .xlsx zip (the workbook part and its relationships), without a library."""
from __future__ import annotations

import re

SHEET_RE = re.compile(rb'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.DOTALL)
REL_RE = re.compile(rb'<Relationship\s[^>]*>', re.DOTALL)
REL_ID_RE = re.compile(rb'\sId="([^"]*)"')
REL_TARGET_RE = re.compile(rb'\sTarget="([^"]*)"')


def sheet_part(zf, names, sheet: str) -> str | None:
    from xml.sax.saxutils import escape
    target_name = escape(sheet, {'"': "&quot;"}).encode("utf-8")
    rid = next((m.group(2) for m in SHEET_RE.finditer(zf.read("xl/workbook.xml")) if m.group(1) == target_name),
               None)
    if rid is None:
        return None
    for m in REL_RE.finditer(zf.read("xl/_rels/workbook.xml.rels")):
        # attributes in any order: XlsxWriter and Excel write Id first, openpyxl Target first
        found_id, found_target = REL_ID_RE.search(m.group(0)), REL_TARGET_RE.search(m.group(0))
        if found_id and found_target and found_id.group(1) == rid:
            target = found_target.group(1).decode("utf-8").lstrip("/")
            part = target if target.startswith("xl/") else "xl/" + target
            return part if part in names else None
    return None


def sheet_parts(zf) -> dict[str, str]:
    """{sheet name: its part} of every worksheet in an open .xlsx zip, in the workbook's order."""
    from xml.sax.saxutils import unescape
    names = set(zf.namelist())
    out = {}
    for m in SHEET_RE.finditer(zf.read("xl/workbook.xml")):
        sheet = unescape(m.group(1).decode("utf-8"), {"&quot;": '"', "&apos;": "'"})
        part = sheet_part(zf, names, sheet)
        if part is not None:
            out[sheet] = part
    return out

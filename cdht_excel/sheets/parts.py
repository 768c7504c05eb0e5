"""Where a named sheet lives inside an .xlsx zip (the workbook part and its relationships), without a library."""
from __future__ import annotations

import re

SHEET_RE = re.compile(rb'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.DOTALL)
REL_RE = re.compile(rb'<Relationship [^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"', re.DOTALL)


def sheet_part(zf, names, sheet: str) -> str | None:
    from xml.sax.saxutils import escape
    target_name = escape(sheet, {'"': "&quot;"}).encode("utf-8")
    rid = next((m.group(2) for m in SHEET_RE.finditer(zf.read("xl/workbook.xml")) if m.group(1) == target_name),
               None)
    if rid is None:
        return None
    for m in REL_RE.finditer(zf.read("xl/_rels/workbook.xml.rels")):
        if m.group(1) == rid:
            target = m.group(2).decode("utf-8").lstrip("/")
            part = target if target.startswith("xl/") else "xl/" + target
            return part if part in names else None
    return None

"""PDF/A: LibreOffice's export options and the PDF/A identification in the XMP metadata (no PDF library needed).

LibreOffice writes PDF/A-2b with every font embedded when asked (`SelectPdfVersion` 2, `EmbedStandardFonts`);
a document that carries files is then declared PDF/A-3b (ISO 19005-3 allows any embedded file when it is an
associated file with its relationship).
"""
from __future__ import annotations

import json
import re

PDFA_2 = 2
PDFA_3 = 3

EXPORT_OPTIONS = {
    "SelectPdfVersion": {"type": "long", "value": str(PDFA_2)},   # PDF/A-2b
    "EmbedStandardFonts": {"type": "boolean", "value": "true"},
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
}


def convert_to() -> str:
    """The `--convert-to` argument of soffice for a PDF/A-2b export (JSON filter options, LibreOffice ≥ 7.4)."""
    return "pdf:writer_pdf_Export:" + json.dumps(EXPORT_OPTIONS, separators=(",", ":"))


_PART = re.compile(rb"<pdfaid:part>\s*(\d)\s*</pdfaid:part>|pdfaid:part=\"(\d)\"")


def pdfa_part(xmp: bytes) -> int | None:
    """The PDF/A part the XMP declares (2 or 3), or None when it declares none."""
    m = _PART.search(xmp)
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def with_part(xmp: bytes, part: int) -> bytes:
    """The same XMP declaring PDF/A part `part` (the conformance level B is kept)."""
    if pdfa_part(xmp) is None:
        raise ValueError("the XMP declares no PDF/A part")
    return _PART.sub(lambda m: (b"<pdfaid:part>%d</pdfaid:part>" % part) if m.group(1)
                     else b'pdfaid:part="%d"' % part, xmp, count=1)

"""Print checks shared by the print tests: page set-up read back with openpyxl, LibreOffice → PDF.

- ``page_setups(path)``            every visible sheet's paper, orientation, fit and print titles
- ``render_pdfs(paths, outdir)``   ``soffice --headless --convert-to pdf`` (None without LibreOffice)
- ``pdf_page_sizes(pdf)``          (width, height) in points of every page (``pdfinfo``)
- ``pdf_text(pdf)``                the text of the PDF (``pdftotext``)
- ``missing_words(xlsx, text)``    words of visible text cells that do not appear in the PDF text
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
from support import soffice_convert_many

A4_POINTS = (595.3, 841.9)


def visible_sheets(wb):
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


def page_setups(path) -> dict[str, dict]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in visible_sheets(wb):
        setup = ws.page_setup
        out[ws.title] = {
            "paper": int(setup.paperSize) if setup.paperSize is not None else None,
            "orientation": setup.orientation,
            "fit_to_page": bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
            "fit_width": setup.fitToWidth if setup.fitToWidth is not None else 1,
            "fit_height": setup.fitToHeight if setup.fitToHeight is not None else 1,
            "title_rows": (ws.print_title_rows or "").replace("$", "") or None,
        }
    return out


def assert_a4_one_page_wide(path) -> dict[str, dict]:
    setups = page_setups(path)
    assert setups, path
    for name, setup in setups.items():
        assert setup["paper"] == 9, (path, name, setup)
        assert setup["fit_to_page"] and setup["fit_width"] == 1 and setup["fit_height"] in (0, 1), (path, name, setup)
        assert setup["orientation"] in ("portrait", "landscape"), (path, name, setup)
    return setups


def render_pdfs(paths, outdir) -> list[Path] | None:
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        return None
    return soffice_convert_many(paths, "pdf", outdir)


def pdf_page_sizes(pdf) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "10000", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info, re.MULTILINE)]


def is_a4(size, landscape: bool | None = None) -> bool:
    w, h = size
    portrait = abs(w - A4_POINTS[0]) < 2 and abs(h - A4_POINTS[1]) < 2
    wide = abs(h - A4_POINTS[0]) < 2 and abs(w - A4_POINTS[1]) < 2
    return {None: portrait or wide, True: wide, False: portrait}[landscape]


def pdf_text(pdf, first: int | None = None, last: int | None = None) -> str:
    cmd = ["pdftotext"] + (["-f", str(first), "-l", str(last)] if first else []) + [str(pdf), "-"]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def printed_cells(path):
    """(sheet, coordinate, text) of every visible text cell inside each visible sheet's print area."""
    wb = openpyxl.load_workbook(path)
    for ws in visible_sheets(wb):
        hidden_cols = {letter for letter, dim in ws.column_dimensions.items() if dim.hidden}
        hidden_rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
        area = _print_area(ws)
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or cell.data_type == "f" or not cell.value.strip():
                    continue
                if cell.column_letter in hidden_cols or cell.row in hidden_rows:
                    continue
                if area and not (area[0] <= cell.row <= area[2] and area[1] <= cell.column <= area[3]):
                    continue
                yield ws.title, cell.coordinate, cell.value


def _print_area(ws):
    if not ws.print_area:
        return None
    ref = ws.print_area.split("!")[-1].replace("$", "")
    m = re.fullmatch(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", ref)
    if not m:
        return None
    from openpyxl.utils import column_index_from_string
    return int(m[2]), column_index_from_string(m[1]), int(m[4]), column_index_from_string(m[3])


def missing_words(path, text: str) -> list[tuple[str, str, str]]:
    """(sheet, cell, word) for each word of a printed text cell that the PDF text does not contain."""
    words = set(text.split())
    squeezed = re.sub(r"[\s\-]+", "", text)     # pdftotext joins "TT-" + "BGDĐT" at a line end
    missing = []
    for sheet, coord, value in printed_cells(path):
        for word in value.split():
            if word in words or word.replace("-", "") in squeezed:
                continue
            parts = [p for p in word.split("-") if p]          # "21/BC-" | "MTTQ": a break after a hyphen
            if len(parts) < 2 or not all(p in squeezed for p in parts):
                missing.append((sheet, coord, word))
    return missing


def custom_height_rows(path, sheet_index: int) -> dict[int, bool]:
    """{1-based row: has customHeight} for xl/worksheets/sheet{sheet_index}.xml (rows with a height)."""
    with zipfile.ZipFile(path) as z:
        xml = z.read(f"xl/worksheets/sheet{sheet_index}.xml").decode()
    return {int(m[1]): 'customHeight="1"' in m[0] for m in re.finditer(r'<row r="(\d+)"[^>]*\bht="[^"]+"[^>]*>', xml)}


__all__ = ["assert_a4_one_page_wide", "custom_height_rows", "is_a4", "missing_words",
           "page_setups", "pdf_page_sizes", "pdf_text", "render_pdfs"]

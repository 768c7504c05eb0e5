"""The list of a district's communes (`cdht district --communes`): a text file, one commune a line,
or a workbook whose first column holds them (first sheet)."""
from __future__ import annotations

from pathlib import Path

from cdht_excel.reading.read import EXTENSIONS
from cdht_excel.text import clean_text


def read_commune_list(path: str | Path) -> list[str]:
    """The commune names, in file order, blank lines and cells left out."""
    p = Path(path)
    if p.suffix.lower() in EXTENSIONS:
        import python_calamine as pc
        wb = pc.CalamineWorkbook.from_path(str(p))
        try:
            rows = wb.get_sheet_by_index(0).to_python()
        finally:
            wb.close()
        return [clean_text(row[0]) for row in rows if row and clean_text(row[0])]
    return [clean_text(line) for line in p.read_text("utf-8-sig").splitlines() if clean_text(line)]

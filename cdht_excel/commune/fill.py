"""Fill a template through its `CDHT_…` names (for tests, samples, benchmarks and other programs).

This is what a unit does by hand in Excel; here it is done with openpyxl, which
keeps the stamp, the names, the validation and the protection of the template.
"""
from __future__ import annotations

from pathlib import Path


def fill_workbook(template: str | Path, output: str | Path, values: dict[str, object],
                  only_existing: bool = False) -> list[str]:
    """Write `values` ({'C3_SCORE': 7.5, 'C3_EVIDENCE': '…', 'UNIT_X_PERSON': '…'}) into the
    cells named `CDHT_<key>`; return the keys written. Unknown keys raise KeyError unless
    `only_existing` (used to fill a split per-unit file from a whole-commune table)."""
    import openpyxl

    from cdht_excel.sheets.printing import free_rows, keep_rows_free

    free = free_rows(template)     # openpyxl marks every height it saves as fixed: these stay free to grow
    wb = openpyxl.load_workbook(template)
    written = []
    for key, value in values.items():
        name = key if key.startswith("CDHT_") else f"CDHT_{key}"
        defined = wb.defined_names.get(name)
        if defined is None:
            if only_existing:
                continue
            raise KeyError(name)
        for sheet, coord in defined.destinations:
            cell = wb[sheet][coord.replace("$", "")]
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"   # what a person types is a value: '=x' stays text, never a formula
                _grow_row(wb[sheet], cell, value)
        written.append(key)
    wb.save(output)
    keep_rows_free(output, free)
    return written


def _grow_row(ws, cell, text: str) -> None:
    """Make the row tall enough for the text, as Excel does when a person types it in a wrapped cell."""
    from cdht_excel.sheets.printing import fitted_height
    if not cell.alignment.wrap_text:
        return
    width = ws.column_dimensions[cell.column_letter].width or 8.43
    needed = fitted_height([(text, width)])
    row = ws.row_dimensions[cell.row]
    if row.height is None or row.height < needed:
        row.height = needed

"""A commune's summary workbook read back: its hidden machine-readable result (for `cdht district`).

The writer is `outputs.summary_xlsx`; what both agree on (the hidden sheet, its schema) is in
`rules.contract`. The visible cover is never parsed for data, only compared.
"""
from __future__ import annotations

import json

from cdht_excel.rules.contract import RESULT_SHEET, SUMMARY_SCHEMA


def read_summary_report(path) -> dict | None:
    """The machine-readable result of a summary workbook, or None if it is not one."""
    found = read_summary(path)
    return None if found is None else found[0]


def read_summary(path) -> tuple[dict, dict] | None:
    """(report, what its cover shows) of a summary workbook; None if it is not one.

    The report comes from the hidden sheet only: the visible layout is never parsed
    for data, just compared (a hand-edited cover is reported by `district`).
    """
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    try:
        if RESULT_SHEET not in wb.sheet_names:
            return None
        rows = wb.get_sheet_by_name(RESULT_SHEET).to_python(skip_empty_area=False)
        if not rows or rows[0][:2] != ["schema", SUMMARY_SCHEMA]:
            return None
        keys = {str(row[0]): row[1] for row in rows if row and len(row) > 1}
        text = "".join(str(row[1]) for row in rows[1:] if row and str(row[0]).startswith("report_json."))
        rubric_text = "".join(str(row[1]) for row in rows[1:] if row and str(row[0]).startswith("rubric_json."))
        shown = {}
        sheet = str(keys.get("visible_sheet"))
        if sheet in wb.sheet_names:
            cover = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            for key in ("visible_total", "visible_class"):
                if keys.get(key):
                    r, c = (int(x) for x in str(keys[key]).split(","))
                    shown[key] = cover[r][c] if r < len(cover) and c < len(cover[r]) else None
    finally:
        wb.close()
    if rubric_text:
        shown["rubric"] = json.loads(rubric_text)   # the rubric the summary carries (not a cover value)
    return json.loads(text), shown

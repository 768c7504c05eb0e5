"""The XlsxWriter workbook every writer uses (template, summary, district, check form), and row heights."""
from __future__ import annotations


def row_height(*texts_and_widths) -> float:
    """Points for wrapped text: Excel and LibreOffice do not grow rows written by XlsxWriter."""
    pairs = zip(texts_and_widths[::2], texts_and_widths[1::2])
    lines = max(max(1, -(-len(text) // max(1, int(width * 1.1)))) for text, width in pairs)
    return 15.75 * lines + 2


def text_safe_workbook(path, **options):
    """An XlsxWriter workbook for outputs that carry text from inputs: a string is never turned into a
    formula, a link or a number, and the default font is the dossier's (Times New Roman 12). Its sheets
    write long tables fast (`write_rows`, see table_rows.py)."""
    from cdht_excel.sheets.table_rows import TableWorkbook
    return TableWorkbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False,
                                           "default_format_properties": {"font_name": "Times New Roman",
                                                                         "font_size": 12}, **options})

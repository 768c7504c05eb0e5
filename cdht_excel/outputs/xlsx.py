"""Helpers shared by the XlsxWriter-based writers (template, summary, district)."""
from __future__ import annotations


def row_height(*texts_and_widths) -> float:
    """Points for wrapped text: Excel and LibreOffice do not grow rows written by XlsxWriter."""
    pairs = zip(texts_and_widths[::2], texts_and_widths[1::2])
    lines = max(max(1, -(-len(text) // max(1, int(width * 1.1)))) for text, width in pairs)
    return 15.75 * lines + 2

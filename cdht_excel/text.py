"""Text helpers shared by every stage: NFC, numbers typed by people, safe names."""
from __future__ import annotations

import re
import unicodedata

WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
FILE_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def nfc(value):
    """NFC-normalise a string (or leave a non-string alone)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def clean_text(value) -> str:
    """Cell content as tidy text: NFC, non-breaking spaces folded, ends trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = nfc(str(value)).replace("\u00a0", " ").replace("\r\n", "\n")
    return text.strip()


def ascii_fold(text: str) -> str:
    """'Hội Khuyến học xã' -> 'Hoi Khuyen hoc xa' (đ/Đ included)."""
    text = nfc(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def slug(text: str) -> str:
    """A lowercase ASCII identifier: 'Văn phòng UBND xã' -> 'van-phong-ubnd-xa'."""
    folded = ascii_fold(text).lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "x"


NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d+)?|[.,]\d+)$")
SPACED_THOUSANDS_RE = re.compile(r"^\d{1,3}( \d{3})+$")


def parse_number(value):
    """A number as people type it, or None when it is not unambiguously one.

    Accepts real numbers and text such as '7,5', '7.5', ' 8 ', '8,0'. Thousand
    separators are ambiguous ('1.000' or '1,000') and are refused by design:
    scores never need them and counts are typed as plain digits.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    text = clean_text(value)
    if " " in text:                   # '8 000' (grouped thousands) yes; '7 5' is not a number
        if not SPACED_THOUSANDS_RE.match(text):
            return None
        text = text.replace(" ", "")
    if not NUMBER_RE.match(text):
        return None
    return float(text.replace(",", "."))


def format_number(value) -> str:
    """87.5 -> '87,5'; 90.0 -> '90' (Vietnamese decimal comma)."""
    if value is None:
        return ""
    value = round(float(value), 4)
    if value.is_integer():
        return str(int(value))
    return f"{value:g}".replace(".", ",")


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, no []:*?/\\)."""
    base = SHEET_FORBIDDEN.sub("-", nfc(text)).strip("' ") or "Đơn vị"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def safe_filename(text: str, max_length: int = 80) -> str:
    """A file name safe on Windows that keeps Vietnamese readable."""
    name = FILE_FORBIDDEN.sub("-", nfc(text))
    name = re.sub(r"\s+", " ", name).strip(" .-") or "tep"
    name = name[:max_length].rstrip(" .")
    if name.split(".")[0].upper() in WINDOWS_RESERVED:
        name = "_" + name
    return name

"""Text helpers shared by every stage: NFC, hygiene, numbers typed by people, safe names.

Hygiene (one place for every field): zero-width and other format characters
(Unicode category Cf: U+200B, U+200C, U+200D, U+2060, U+FEFF/BOM, soft hyphen …)
are dropped, every Unicode space (NBSP, U+3000 …) is an ordinary space, and text
made only of such characters is empty. A refused value is shown with its
invisible characters made visible (`visible`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar, overload


WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
FILE_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_T = TypeVar("_T")


@overload
def nfc(value: str) -> str: ...
@overload
def nfc(value: _T) -> _T: ...


def nfc(value: Any) -> Any:
    """NFC-normalise a string (or leave a non-string alone)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def _is_format(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf"


def _is_space(ch: str) -> bool:
    return ch != "\n" and (ch.isspace() or unicodedata.category(ch) == "Zs")


def strip_invisible(text: str) -> str:
    """Drop format characters (zero-width spaces and joiners, word joiner, BOM, soft hyphen …)."""
    if text.isascii() or text.isprintable():      # no format character (they are not printable): as is
        return text
    return "".join(ch for ch in text if not _is_format(ch))


def clean_text(value: object) -> str:
    """Cell content as tidy text: NFC, invisible characters dropped, every space an ordinary one,
    line ends as '\n', ends trimmed. Text made only of spaces and invisible characters is ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = nfc(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii() and not text.isprintable():   # printable: no odd space nor invisible character
        text = "".join(" " if _is_space(ch) else ch for ch in strip_invisible(text))
    return text.strip()


CELL_LIMIT = 32767      # characters a spreadsheet cell holds (Excel, in UTF-16 code units)


def text_length(text: str) -> int:
    """Length as spreadsheets count it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def is_blank(value: object) -> bool:
    """No content a person can see: None, '', or only spaces and invisible characters."""
    return value is None or (isinstance(value, str) and clean_text(value) == "")


def visible(value: object) -> str:
    """Text for a message: invisible and unusual space characters spelled out.

    '7,5\u200b' -> '7,5[ký tự ẩn U+200B]'; NBSP -> '[dấu cách đặc biệt U+00A0]'.
    """
    if value is None:
        return ""
    text = nfc(str(value))
    out = []
    for ch in text:
        if _is_format(ch) or (unicodedata.category(ch) in ("Cc", "Co", "Cn", "Zl", "Zp") and ch != "\n"):
            out.append(f"[ký tự ẩn U+{ord(ch):04X}]")
        elif _is_space(ch) and ch != " ":
            out.append(f"[dấu cách đặc biệt U+{ord(ch):04X}]")
        else:
            out.append(ch)
    return "".join(out).strip(" ")


def ascii_fold(text: str) -> str:
    """'Hội Khuyến học xã' -> 'Hoi Khuyen hoc xa' (đ/Đ included)."""
    text = nfc(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def fold(value: object, punctuation: bool = True) -> str:
    """Text compared as people mean it: ' Khuyến  HỌC ' -> 'khuyen hoc' (no diacritics, case or extra spaces).

    `punctuation=False` also turns every run of other characters into one space ('Điểm tối đa (TT 44)'
    -> 'diem toi da tt 44'), for labels people may retype with other punctuation.
    """
    text = ascii_fold(clean_text(value)).lower()
    if not punctuation:
        text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def slug(text: str) -> str:
    """A lowercase ASCII identifier: 'Văn phòng UBND xã' -> 'van-phong-ubnd-xa'."""
    folded = ascii_fold(text).lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "x"


NUMBER_RE = re.compile(r"^[+-]?([0-9]+([.,][0-9]+)?|[.,][0-9]+)$")
SPACED_THOUSANDS_RE = re.compile(r"^[0-9]{1,3}( [0-9]{3})+$")


NUMBER_SIGNS = {"\u2212": "-", "\u066b": ",", "\u2396": ","}   # minus sign, Arabic decimal separator


def number_text(text: str) -> str:
    """Unicode digits and separators as ASCII: '７，５' -> '7,5', '٧٫٥' -> '7,5', '−1' -> '-1'."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)   # full-width digits, comma, full stop, minus; NBSP
    out = []
    for ch in text:
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else NUMBER_SIGNS.get(ch, ch))
    return "".join(out)


def parse_number(value: object) -> float | None:
    """A number as people type it, or None when it is not unambiguously one.

    Accepts real numbers and text such as '7,5', '7.5', ' 8 ', '8,0', with any
    Unicode digits and full-width separators ('７，５'). Thousand separators are
    ambiguous ('1.000' or '1,000') and are refused by design: scores never need
    them and counts are typed as plain digits.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    text = number_text(clean_text(value))
    if " " in text:                   # '8 000' (grouped thousands) yes; '7 5' is not a number
        if not SPACED_THOUSANDS_RE.match(text):
            return None
        text = text.replace(" ", "")
    if not NUMBER_RE.match(text):
        return None
    return float(text.replace(",", "."))


def format_number(value: object, grouped: bool = False) -> str:
    """The one number formatter of user-facing text: 87.5 -> '87,5'; 90.0 -> '90' (Vietnamese decimal comma).

    `grouped=True` also groups thousands with dots, as Vietnamese text writes counts: 10000 -> '10.000'.
    """
    if value is None:
        return ""
    number = round(float(value), 4)   # type: ignore[arg-type]
    if number.is_integer():
        whole, fraction = str(int(number)), ""
    else:
        whole, _, fraction = f"{number:f}".rstrip("0").partition(".")
    if grouped:
        sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
        whole = sign + f"{int(digits):,}".replace(",", ".")
    return whole + ("," + fraction if fraction else "")


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


_STAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?")


def local_datetime(stamp: str) -> str:
    """A saved time as people read it: '10/12/2024 08:00', in this computer's time zone.

    .xlsx and .xls keep UTC ('2024-12-10T01:00:00Z'); .ods keeps the saver's local time without a
    zone ('2024-12-10T08:00:00.466021797'), shown as it is. Anything else is returned unchanged.
    """
    import datetime as dt
    m = _STAMP.fullmatch((stamp or "").strip())
    if not m:
        return stamp or ""
    year, month, day, hour, minute = (int(m[i]) for i in range(1, 6))
    try:
        when = dt.datetime(year, month, day, hour, minute)
    except ValueError:
        return stamp
    if m[7]:
        zone = dt.timezone.utc if m[7] == "Z" else dt.timezone(
            (1 if m[7][0] == "+" else -1) * dt.timedelta(hours=int(m[7][1:3]), minutes=int(m[7][-2:])))
        when = when.replace(tzinfo=zone).astimezone().replace(tzinfo=None)
    return f"{when:%d/%m/%Y %H:%M}"

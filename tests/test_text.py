"""Numbers and names as people type them."""
import pytest

from cdht_excel.text import format_number, parse_number, sheet_title


@pytest.mark.parametrize("typed,number", [
    ("7,5", 7.5), ("7.5", 7.5), (" 8 ", 8.0), ("8,0", 8.0), ("8 000", 8000.0), ("1 000 000", 1e6), (7.5, 7.5),
    (0, 0.0), ("-1", -1.0), ("\u00a07,5\u00a0", 7.5),
    ("7 5", None), ("bảy", None), ("7,5 điểm", None), ("", None), (None, None), (True, None), ("1,000.5", None),
])
def test_parse_number(typed, number):
    assert parse_number(typed) == number


def test_format_number_uses_a_decimal_comma():
    assert [format_number(v) for v in (87.5, 90.0, 0.5, None)] == ["87,5", "90", "0,5", ""]


def test_sheet_titles_are_valid_and_unique():
    taken = {"Công an xã"}
    assert sheet_title("Công an xã", taken) == "Công an xã (2)"
    assert sheet_title("a/b:c*d?[e]", set()) == "a-b-c-d--e-"
    assert len(sheet_title("x" * 50, set())) == 31

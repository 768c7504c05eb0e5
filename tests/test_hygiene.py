"""Text as it really comes back: invisible characters, odd spaces, full-width digits, cut evidence."""
from __future__ import annotations

import pytest
from commune import TT44_SCORES, codes, finding, merge, returned_set, tt44_values
from support import soffice_available, soffice_convert_many

from cdht_excel.rules import findings as F
from cdht_excel.text import CELL_LIMIT, clean_text, is_blank, parse_number, visible

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
SPACES = ["\u00a0", "\u3000", "\u2009", "\u202f", "\t"]


@pytest.mark.parametrize("text", INVISIBLE + SPACES + ["\u200b\u3000\ufeff", " \u200d \u00a0 "])
def test_invisible_or_space_only_text_is_empty(text):
    assert clean_text(text) == ""
    assert is_blank(text)


def test_invisible_characters_are_dropped_inside_text():
    assert clean_text("\ufeffBáo cáo\u200b số\u00a012") == "Báo cáo số 12"


@pytest.mark.parametrize("typed,number", [
    ("７，５", 7.5), ("７．５", 7.5), ("７", 7.0), ("8\u200b", 8.0), ("\ufeff7,5", 7.5), ("7\u2060,5", 7.5),
    ("٧٫٥", 7.5), ("\u2212" + "1", -1.0), ("8\u202f000", 8000.0), ("8\u00a0000", 8000.0), ("８ ０００", 8000.0),
    ("7,5 điểm", None), ("７，５，５", None),
])
def test_unicode_digits_and_separators(typed, number):
    assert parse_number(typed) == number


def test_refused_values_show_their_invisible_characters():
    assert visible("7,5\u200bđ") == "7,5[ký tự ẩn U+200B]đ"
    assert visible("\u00a0x") == "[dấu cách đặc biệt U+00A0]x"


def test_invisible_evidence_is_no_evidence_and_numbers_with_invisibles_count(tmp_path):
    values = tt44_values()
    values.update({
        "C1_EVIDENCE": "\u200b\u200d",            # Văn phòng Đảng ủy: only zero-width characters
        "C3_EVIDENCE": "\u3000\ufeff",            # Ủy ban MTTQ: ideographic space and a BOM
        "C8_SCORE": "5,5\u200b",                  # Hội Nông dân: a number with a zero-width space
        "C9_SCORE": "７，０",                     # Hội Khuyến học: full-width digits and comma
        "C12_SCORE": "6\u200bđ",                  # Hội Phụ nữ: refused, and the message shows why
    })
    code, _, report = merge(returned_set(tmp_path, values))
    assert code == 1
    without = {f["criterion"]: f for f in report["findings"] if f["code"] == "score-without-evidence"}
    assert set(without) == {"1", "3"}
    criteria = {c["id"]: c for c in report["criteria"]}
    assert criteria["1"]["score"] == 0 and criteria["1"]["evidence"] == []
    assert criteria["3"]["score"] == 0
    assert criteria["8"]["score"] == TT44_SCORES[8] and criteria["9"]["score"] == 7
    refused = finding(report, "score-not-number")
    assert refused["criterion"] == "12"
    assert "6[ký tự ẩn U+200B]đ" in refused["message"]


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
def test_invisible_evidence_survives_a_libreoffice_resave(tmp_path):
    values = tt44_values()
    values["C15_EVIDENCE"] = "\ufeff\u200b \u00a0"
    folder = returned_set(tmp_path, values)
    police = sorted(folder.glob("*.xlsx"))[-1]                     # Công an xã: criterion 15
    converted = soffice_convert_many([police], "ods", tmp_path / "ods")
    police.unlink()
    converted[0].rename(folder / (police.stem + ".ods"))
    code, _, report = merge(folder)
    f = finding(report, "score-without-evidence")
    assert (f["criterion"], f["cell"]) == ("15", "F11")
    assert {c["id"]: c["score"] for c in report["criteria"]}["15"] == 0


def test_evidence_cut_at_the_cell_limit_is_a_warning(tmp_path):
    values = tt44_values()
    values["C14_EVIDENCE"] = ("Báo cáo số 52/BC-TYT ngày 13/12/2024 " * 1000)[:CELL_LIMIT]
    code, _, report = merge(returned_set(tmp_path, values))
    f = finding(report, "evidence-cut")
    assert f["severity"] == F.WARNING
    assert (f["criterion"], f["sheet"], f["cell"]) == ("14", "Trạm Y tế xã", "F11")
    assert codes(report, "warning").count("evidence-cut") == 1
    assert report["total"] == 92.5

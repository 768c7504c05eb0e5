"""TCVN3 (ABC, .VnTime) and VNI text: found with whole-word evidence, converted to Unicode NFC."""
from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata

import pytest

from cdht_excel.reading import legacy as L
from cdht_excel.vietnamese import is_syllable, split_tone

TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
VOWELS = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
CONTEXT = "học tập cộng đồng"


def letters() -> list[str]:
    out = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES] + ["đ"]
    return out + [x.upper() for x in out]


def word_for(letter: str) -> str:
    """A syllable made with `letter` (ă, â need a final; a checked final would refuse some tones)."""
    base = unicodedata.normalize("NFD", letter.lower())[0]
    if letter.lower() == "đ":
        word = "đi"
    elif split_tone(letter.lower())[0] in ("ă", "â"):
        word = letter.lower() + "n"
    else:
        word = "x" + letter.lower() if base not in "y" else letter.lower()
    return word.upper() if letter.isupper() else word


def test_every_letter_with_every_tone_has_a_code():
    assert len(letters()) == 2 * 73
    for letter in letters():
        assert letter in L.VNI_ENCODE, letter
        assert letter.isascii() or letter.lower() in L.TCVN3_ENCODE, letter


@pytest.mark.parametrize("encoding", [L.TCVN3, L.VNI])
@pytest.mark.parametrize("letter", letters())
def test_round_trip_every_letter(encoding, letter):
    word = word_for(letter)
    text = f"{CONTEXT} {word}" if letter.islower() or letter == "đ" else f"{CONTEXT.upper()} {word}"
    assert is_syllable(word), word
    encoded = L.encode(text, encoding)
    assert encoded != text
    assert L.detect(encoded) == encoding, (text, encoded)
    assert L.decode(encoded, encoding) == unicodedata.normalize("NFC", text)


def test_issue_samples():
    assert L.convert("Céng ®ång häc tËp") == ("Cộng đồng học tập", L.TCVN3)
    assert L.convert("Coäng ñoàng") == ("Cộng đồng", L.VNI)


@pytest.mark.parametrize("text", [
    "Cộng đồng học tập", "Báo cáo số 12/BC-UBND ngày 10/12/2024 về tiêu chí 7",
    "Bà Lê Thị Hoà, cô giáo Trường tiểu học", "Hội Khuyến học xã Đồng Thịnh",
    unicodedata.normalize("NFD", "Quyết định số 12/QĐ-UBND ngày 05/03/2025"),
    "Le thé est né à Paris, l'été déjà passé", "Déclaration préalable à la mairie, où était-il ?",
    "Café, naïve résumé for the señor", "Ökonomie und Übersicht, São Paulo", "© 2024 ®", "7,5 điểm",
    "Thư mục “Báo cáo” – ô F11",
])
def test_plain_text_is_never_flagged(text):
    assert L.detect(text) is None


def test_one_odd_character_is_not_enough():
    assert L.detect("Báo cáo ® 2024") is None
    assert L.detect("häc") is None               # one word: not evidence enough


@pytest.mark.skipif(shutil.which("iconv") is None, reason="iconv is not installed")
def test_tcvn3_chart_agrees_with_glibc():
    for char, letter in L.TCVN3_DECODE.items():
        out = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([ord(char)]),
                             capture_output=True, check=True).stdout.decode("utf-8")
        assert unicodedata.normalize("NFC", out) == letter, hex(ord(char))


def test_legacy_text_in_returned_files_is_converted_with_a_warning(tmp_path):
    from commune import merge, returned_set, tt44_values
    values = tt44_values()
    values["C9_EVIDENCE"] = L.encode("Báo cáo số 9/BC-HKH ngày 10/12/2024 về xây dựng cộng đồng học tập", L.TCVN3)
    values["C14_NOTE"] = L.encode("Đã thống nhất tại cuộc họp cuối kỳ", L.VNI)
    code, _, report = merge(returned_set(tmp_path, values))
    assert code == 0
    criteria = {c["id"]: c for c in report["criteria"]}
    assert criteria["9"]["evidence"] == ["Báo cáo số 9/BC-HKH ngày 10/12/2024 về xây dựng cộng đồng học tập"]
    warnings = {f["cell"]: f for f in report["findings"] if f["code"] == "text-legacy-encoding"}
    assert set(warnings) == {"F11", "G11"}
    assert warnings["F11"]["sheet"] == "Hội Khuyến học xã" and "TCVN3" in warnings["F11"]["message"]
    assert "“B¸o c¸o sè 9/BC-HKH" in warnings["F11"]["message"] and "→ “Báo cáo số 9/BC-HKH" in warnings["F11"]["message"]
    assert warnings["G11"]["sheet"] == "Trạm Y tế xã" and "VNI" in warnings["G11"]["message"]
    assert report["total"] == 92.5
    text = json.dumps(report, ensure_ascii=False)
    assert "®" not in text and unicodedata.is_normalized("NFC", text)


def test_a_one_word_result_in_a_legacy_font_is_read(tmp_path):
    from commune import merge, returned_set, tt25_values
    values = tt25_values({"C1_1_RESULT": L.encode("Đạt", L.TCVN3), "C1_2_RESULT": L.encode("Đạt", L.VNI),
                          "C4_1_LEVEL": L.encode("Đạt chuẩn", L.TCVN3)})
    code, _, report = merge(returned_set(tmp_path, values, rubric="tt25-2023", year=2025, hard_area=False))
    assert report["classification"]["code"] == "muc-do-1", report["classification"]
    warned = sorted(f["cell"] for f in report["findings"] if f["code"] == "text-legacy-encoding")
    assert len(warned) == 3
    assert L.detect("häc") is None and L.detect("häc", min_words=1) == L.TCVN3

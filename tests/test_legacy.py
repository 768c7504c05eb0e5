"""TCVN3 (ABC, .VnTime) and VNI text: found with whole-word evidence, converted to Unicode NFC."""
from __future__ import annotations

import functools
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


# --------------------------------------------------------------------------- TCVN3/VNI pasted next to Unicode

ISSUE_MIXED = "Kế hoạch số 9/KH-HKH; Céng ®ång häc tËp x· §ång ThÞnh"


@pytest.mark.parametrize("text, converted, encoding", [
    (ISSUE_MIXED, "Kế hoạch số 9/KH-HKH; Cộng đồng học tập xã Đồng Thịnh", L.TCVN3),
    ("Céng ®ång häc tËp x· §ång ThÞnh – Kế hoạch số 9", "Cộng đồng học tập xã Đồng Thịnh – Kế hoạch số 9", L.TCVN3),
    ("Hội Khuyến học xã Đồng Thịnh; Coäng ñoàng hoïc taäp", "Hội Khuyến học xã Đồng Thịnh; Cộng đồng học tập", L.VNI),
    ("Báo cáo tổng kết; B¸o c¸o sè 12/BC-UBND vÒ häc tËp. Quyết định số 5; QuyÕt ®Þnh sè 7",
     "Báo cáo tổng kết; Báo cáo số 12/BC-UBND về học tập. Quyết định số 5; Quyết định số 7", L.TCVN3),
    # a word one font cannot produce is no evidence for the other: TCVN3 "yªu" splits this clause for VNI
    ("Cộng đồng; Î Æng yªu Òu î", "Cộng đồng; ẻ ặng yêu ều ợ", L.TCVN3),
    # VNI "taâm" is TCVN3 "taõm": no syllable ends in a glide and then a consonant, so VNI it is
    ("Kế hoạch; taâm saân daân", "Kế hoạch; tâm sân dân", L.VNI),
    ("taâm saân daân", "tâm sân dân", L.VNI),
    # read both ways alike (TCVN3 "bặm bặn", VNI "bỈm bỈn"): TCVN3, every time
    ("Kế hoạch; bÆm bÆn", "Kế hoạch; bặm bặn", L.TCVN3),
    # "có" reads as Unicode "có" or TCVN3 "cú": next to Unicode words in one clause it stays as typed
    ("Kế hoạch có ®ång häc tËp", "Kế hoạch có đồng học tập", L.TCVN3),
])
def test_a_legacy_run_next_to_unicode_is_converted_alone(text, converted, encoding):
    assert L.convert(text) == (converted, encoding)


@pytest.mark.parametrize("text", [
    "Kế hoạch số 9/KH-HKH; Báo cáo số 12/BC-UBND", "Kế hoạch ® häc",          # one word is not evidence
    "Café, naïve résumé for the señor và Cộng đồng", "Meeting notes 9/KH-HKH (draft), Hội nghị",
    "Ökonomie und Übersicht – Kế hoạch số 9", "Kế hoạch “© 2024 ®” ô F11",
])
def test_unicode_english_and_codes_are_never_converted(text):
    assert L.convert(text) == (text, None)


def test_the_sample_of_a_mixed_cell_starts_at_the_converted_run():
    converted, _ = L.convert(ISSUE_MIXED)
    assert L.sample(ISSUE_MIXED, converted) == ("… Céng ®ång häc tËp x· §ång ThÞnh",
                                                "… Cộng đồng học tập xã Đồng Thịnh")
    assert L.sample("Céng ®ång häc tËp", "Cộng đồng học tập") == ("Céng ®ång häc tËp", "Cộng đồng học tập")


@functools.cache
def _all_syllables() -> list[str]:
    """Every initial + vowel + final + tone that has the shape of a syllable (drawn from, not filtered:
    most combinations are not syllables)."""
    from cdht_excel.vietnamese import FINALS, INITIALS, TONES, VOWELS
    words = (unicodedata.normalize("NFC", i + v[0] + t + v[1:] + f)
             for i in ("",) + INITIALS for v in sorted(VOWELS) for f in ("",) + FINALS for t in ("",) + TONES)
    return sorted({w for w in words if is_syllable(w)})


def _syllables():
    from hypothesis import strategies as st
    return st.sampled_from(_all_syllables())


def _unicode_texts():
    from hypothesis import strategies as st
    codes = st.sampled_from(["9/KH-HKH", "12/BC-UBND", "F11", "2024", "TC 14", "Meeting", "draft", "7,5"])
    word = st.one_of(_syllables(), _syllables().map(str.capitalize), codes)
    return st.lists(word, min_size=1, max_size=12).flatmap(
        lambda ws: st.lists(st.sampled_from([" ", "; ", ", ", " – "]), min_size=len(ws), max_size=len(ws))
        .map(lambda seps: "".join(w + s for w, s in zip(ws, seps)).strip()))


def _legacy_words(text: str) -> int:
    return sum(1 for w in L.WORD_RE.findall(L.encode(text, L.TCVN3)) if not w.isascii() and not is_syllable(w))


def test_unicode_vietnamese_is_never_converted_property():
    from hypothesis import given, settings

    @settings(max_examples=300, deadline=None)
    @given(_unicode_texts())
    def check(text):
        assert L.convert(text) == (text, None)
    check()


def test_a_pasted_tcvn3_clause_comes_back_property():
    from hypothesis import assume, example, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(_unicode_texts(), st.lists(_syllables(), min_size=2, max_size=8).map(" ".join))
    # "yªu" (TCVN3 "yêu") has a letter VNI cannot produce: it split the clause into two VNI runs, and the
    # encoding with more runs won ("Ỵ Ỉng yªu Ịu ỵ")
    @example("Cộng đồng", "ẻ ặng yêu ều ợ")
    def check(unicode_part, pasted):
        assume(_legacy_words(pasted) >= 2 and any(L.UNICODE_ONLY.search(w) for w in unicode_part.split()))
        text = f"{unicode_part}; {L.encode(pasted, L.TCVN3)}"
        assert L.convert(text) == (f"{unicode_part}; {pasted}", L.TCVN3)
    check()


def test_mixed_text_typed_in_libreoffice_is_converted_with_a_warning(tmp_path):
    import sys
    from support import REPO, run_cli
    if shutil.which("soffice") is None or subprocess.run(["/usr/bin/python3", "-c", "import uno"],
                                                        capture_output=True).returncode != 0:
        pytest.skip("LibreOffice with python3-uno is not installed")
    sample = REPO / "samples" / "dong-thinh-2024"
    folder = tmp_path / "phieu"
    shutil.copytree(sample, folder)
    form = folder / "Trạm Y tế xã - TC 14.xlsx"
    (tmp_path / "typed.txt").write_text(ISSUE_MIXED, encoding="utf-8")
    proc = subprocess.run(["/usr/bin/python3", str(REPO / "tests" / "lo_type_text.py"), str(sample / form.name),
                           "Trạm Y tế xã", "F11", str(tmp_path / "typed.txt"), str(form)],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1])["typed"] == ISSUE_MIXED
    code, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    report = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert code == 0 and report["total"] == 87.5, text
    criteria = {c["id"]: c for c in report["criteria"]}
    assert criteria["14"]["evidence"] == ["Kế hoạch số 9/KH-HKH; Cộng đồng học tập xã Đồng Thịnh"]
    warnings = [f for f in report["findings"] if f["code"] == "text-legacy-encoding"]
    assert [(w["sheet"], w["cell"]) for w in warnings] == [("Trạm Y tế xã", "F11")], sys.version
    assert "“… Céng ®ång häc tËp x· §ång ThÞnh” → “… Cộng đồng học tập xã Đồng Thịnh”" in warnings[0]["message"]

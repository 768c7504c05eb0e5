"""Vietnamese typed with the old 8-bit fonts, found and turned back into Unicode.

Commune offices still paste from documents typed with TCVN3 (ABC; .VnTime fonts)
or VNI (VNI-Times fonts). In a spreadsheet such text arrives as the Latin-1
characters of the font's bytes: "Céng ®ång häc tËp" (TCVN3), "Coäng ñoàng" (VNI).

The tables below are the public code charts:
- TCVN 5712:1993, table VN3 (the ABC fonts): one byte per letter; lowercase letters
  with tones, and the seven uppercase letters Ă Â Ê Ô Ơ Ư Đ. Uppercase letters with
  a tone have no code: the uppercase fonts (.VnTimeH) draw the lowercase codes in
  capitals. Checked against glibc's TCVN5712-1 converter in tests/test_legacy.py.
- VNI-Windows: a base letter followed by one byte for its marks (circumflex, breve
  and tone together), single bytes for ơ ư đ and for i/y with some tones.

Detection needs whole-word evidence: several words that are not Vietnamese as they
stand but become valid Vietnamese syllables when decoded, and (almost) nothing that
speaks against it. One odd character, French or English text, and Unicode
Vietnamese are never converted.
"""
from __future__ import annotations

import re
import unicodedata

from cdht_excel.vietnamese import is_syllable

TCVN3, VNI = "TCVN3", "VNI"
LABEL = {TCVN3: "TCVN3 (ABC, phông .VnTime)", VNI: "VNI (phông VNI-Times)"}

# TCVN 5712:1993 VN3: byte -> letter. Byte b arrives in a cell as chr(b) (Latin-1).
TCVN3_CHART = """
a1 Ă  a2 Â  a3 Ê  a4 Ô  a5 Ơ  a6 Ư  a7 Đ
a8 ă  a9 â  aa ê  ab ô  ac ơ  ad ư  ae đ
b5 à  b6 ả  b7 ã  b8 á  b9 ạ
bb ằ  bc ẳ  bd ẵ  be ắ  c6 ặ
c7 ầ  c8 ẩ  c9 ẫ  ca ấ  cb ậ
cc è  ce ẻ  cf ẽ  d0 é  d1 ẹ
d2 ề  d3 ể  d4 ễ  d5 ế  d6 ệ
d7 ì  d8 ỉ  dc ĩ  dd í  de ị
df ò  e1 ỏ  e2 õ  e3 ó  e4 ọ
e5 ồ  e6 ổ  e7 ỗ  e8 ố  e9 ộ
ea ờ  eb ở  ec ỡ  ed ớ  ee ợ
ef ù  f1 ủ  f2 ũ  f3 ú  f4 ụ
f5 ừ  f6 ử  f7 ữ  f8 ứ  f9 ự
fa ỳ  fb ỷ  fc ỹ  fd ý  fe ỵ
"""

# VNI-Windows, lowercase. The byte after a base vowel, by tone (ngang, huyền, sắc, hỏi, ngã, nặng):
VNI_TONE_BYTES = {
    "plain":      "- ø ù û õ ï",      # a e o u y:  á = a + ù
    "circumflex": "â à á å ã ä",      # â ê ô:      ấ = a + á, ộ = o + ä
    "breve":      "ê è é ú ü ë",      # ă:          ắ = a + é
}
# letters VNI writes as one byte (i with a tone, ỵ, đ) or as a one-byte base (ơ = ô, ư = ö)
VNI_SINGLE = {"đ": "ñ", "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î"}
VNI_HORN_BASE = {"ơ": "ô", "ư": "ö"}
# uppercase: every byte's uppercase letter (Latin-1 0xE0-0xFE -> 0xC0-0xDE): Á = A + Ù, Ơ = Ô, Đ = Ñ
TONE_NAMES = ("ngang", "huyền", "sắc", "hỏi", "ngã", "nặng")
TONE_MARK = {"ngang": "", "huyền": "\u0300", "sắc": "\u0301", "hỏi": "\u0309", "ngã": "\u0303", "nặng": "\u0323"}


def _vni_tables() -> tuple[dict[str, str], dict[str, str]]:
    """encode: Vietnamese letter -> VNI text; decode: VNI text (1 or 2 characters) -> letter."""
    tone_bytes = {kind: dict(zip(TONE_NAMES, row.split())) for kind, row in VNI_TONE_BYTES.items()}
    encode: dict[str, str] = {}

    def put(base_letter: str, tone: str, text: str) -> None:
        encode[unicodedata.normalize("NFC", base_letter + TONE_MARK[tone])] = text

    for tone in TONE_NAMES:
        plain = tone_bytes["plain"][tone].replace("-", "")
        for vowel in "aeouy":
            put(vowel, tone, vowel + plain)
        for letter, base in (("â", "a"), ("ê", "e"), ("ô", "o")):
            put(letter, tone, base + tone_bytes["circumflex"][tone])
        put("ă", tone, "a" + tone_bytes["breve"][tone])
        for letter, base in VNI_HORN_BASE.items():
            put(letter, tone, base + plain)
        put("i", tone, "i")
    encode.update(VNI_SINGLE)
    for letter, text in list(encode.items()):
        encode[letter.upper()] = text.upper()
    decode = {text: letter for letter, text in encode.items() if text != letter}
    return encode, decode


def _tcvn3_tables() -> tuple[dict[str, str], dict[str, str]]:
    pairs = TCVN3_CHART.split()
    decode = {chr(int(pairs[i], 16)): pairs[i + 1] for i in range(0, len(pairs), 2)}
    encode = {letter: code for code, letter in decode.items()}
    return decode, encode


TCVN3_DECODE, TCVN3_ENCODE = _tcvn3_tables()
VNI_ENCODE, VNI_DECODE = _vni_tables()

# the characters that can only come from each font (non-ASCII)
TCVN3_CHARS = set(TCVN3_DECODE)
VNI_CHARS = {ch for text in VNI_DECODE for ch in text if not ch.isascii()}
WORD_RE = re.compile(r"[^\s\d.,;:!?()\[\]{}\"'“”‘’/\\|+=*&%$#@<>_–—-]+")


def decode_tcvn3(text: str, upper: bool = False) -> str:
    out = "".join(TCVN3_DECODE.get(ch, ch) for ch in text)
    return out.upper() if upper else out


def decode_vni(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in VNI_DECODE:
            out.append(VNI_DECODE[pair])
            i += 2
        else:
            out.append(VNI_DECODE.get(text[i], text[i]))
            i += 1
    return "".join(out)


def encode(text: str, encoding: str) -> str:
    """Unicode Vietnamese as the legacy font would have stored it (for tests and samples)."""
    text = unicodedata.normalize("NFC", text)
    if encoding == TCVN3:
        return "".join(TCVN3_ENCODE.get(ch, TCVN3_ENCODE.get(ch.lower(), ch)) for ch in text)
    return "".join(VNI_ENCODE.get(ch, ch) for ch in text)


def _all_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isascii() and ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def _decode_word(word: str, encoding: str, caps: bool) -> str:
    if encoding == TCVN3:
        return decode_tcvn3(word, upper=caps or _all_caps(word))
    return decode_vni(word)


def _score(text: str, encoding: str) -> tuple[int, int]:
    """(words speaking for the encoding, words speaking against it)."""
    chars = TCVN3_CHARS if encoding == TCVN3 else VNI_CHARS
    caps = encoding == TCVN3 and _all_caps(text)
    evidence = against = 0
    for word in WORD_RE.findall(text):
        if word.isascii():
            continue
        decoded = _decode_word(word, encoding, caps)
        if decoded == word:
            if any(not ch.isascii() and ch not in chars for ch in word):
                against += 1            # a letter the font cannot produce: Unicode text
            continue
        before, after = is_syllable(word), is_syllable(decoded)
        if after and not before:
            evidence += 1
        elif not after:
            against += 1
    return evidence, against


# letters the 8-bit fonts never produce (Latin Extended, combining marks): such text is Unicode already
UNICODE_ONLY = re.compile("[\u0100-\u024f\u0300-\u036f\u1e00-\u1eff]")


def detect(text, min_words: int = 2) -> str | None:
    """TCVN3, VNI or None: whether `text` is Vietnamese typed with a legacy font. `min_words=1` only for
    a cell with a closed list of answers (a result or a level), where one word is all there is."""
    if not isinstance(text, str) or text.isascii() or UNICODE_ONLY.search(text):
        return None
    best, best_score = None, 0
    for encoding in (TCVN3, VNI):
        evidence, against = _score(text, encoding)
        if evidence >= min_words and against * 4 <= evidence and evidence > best_score:
            best, best_score = encoding, evidence
    return best


def decode(text: str, encoding: str) -> str:
    """The Unicode (NFC) text of `text` typed with `encoding`."""
    caps = encoding == TCVN3 and _all_caps(text)
    out = WORD_RE.sub(lambda m: _decode_word(m.group(0), encoding, caps), text)
    return unicodedata.normalize("NFC", out)


def convert(text, min_words: int = 2) -> tuple[object, str | None]:
    """(Unicode text, encoding found) or (text unchanged, None). A cell typed wholly in a legacy font is
    decoded whole; a cell where legacy text was pasted next to Unicode text has only those runs decoded."""
    encoding = detect(text, min_words)
    if encoding is not None:
        return decode(text, encoding), encoding
    if isinstance(text, str) and not text.isascii():
        return _convert_runs(text, min_words)
    return text, None


# How a word reads in one encoding: 'legacy' (Vietnamese only when decoded), 'either' (a syllable both ways:
# "Céng" is "céng" or "Cộng"), 'unicode' (Vietnamese as it stands, or letters the font cannot produce),
# 'plain' (ASCII), 'odd' (neither).
def _word_kind(word: str, encoding: str) -> str:
    if word.isascii():
        return "plain"
    if UNICODE_ONLY.search(word):
        return "unicode"
    decoded = _decode_word(word, encoding, False)
    if decoded == word:         # "ý" is the same letter in TCVN3; "và" has a letter TCVN3 cannot produce
        chars = TCVN3_CHARS if encoding == TCVN3 else VNI_CHARS
        return "either" if all(ch.isascii() or ch in chars for ch in word) else "unicode"
    before, after = is_syllable(word), is_syllable(decoded)
    if before and not after:
        return "unicode"
    if after:
        return "either" if before else "legacy"
    return "odd"


CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]{}“”\"|–—]")


def _legacy_runs(text: str, encoding: str, min_words: int) -> list[tuple[int, int]]:
    """(start, end) of each stretch of `text` typed in `encoding` amid Unicode words.

    Unicode words split the text into segments; a segment counts with `min_words` words that are
    Vietnamese only when decoded and few odd ones (as `detect` asks of a whole cell). The stretch runs
    from its first to its last such word, widened over adjacent words that read both ways (a leading
    "Céng" of "Céng ®ång") within one clause, unless a Unicode word in that clause claims them
    ("Kế hoạch có ®ång": "có" stays)."""
    words = [(m.start(), m.end(), _word_kind(m.group(0), encoding)) for m in WORD_RE.finditer(text)]
    runs: list[tuple[int, int]] = []
    segment: list[tuple[int, int, str]] = []
    before = -1         # where the Unicode word before the segment ends (-1: none)
    for word in words + [(len(text), len(text), "unicode")]:
        if word[2] != "unicode":
            segment.append(word)
            continue
        after = word[0] if word[1] > word[0] else -1
        run = _segment_run(text, segment, before, after, min_words)
        if run:
            runs.append(run)
        segment, before = [], word[1]
    return runs


def _segment_run(text: str, segment: list[tuple[int, int, str]], before: int, after: int,
                 min_words: int) -> tuple[int, int] | None:
    legacy = [i for i, w in enumerate(segment) if w[2] == "legacy"]
    if len(legacy) < min_words:
        return None
    first, last = legacy[0], legacy[-1]
    if sum(1 for w in segment[first:last + 1] if w[2] == "odd") * 4 > len(legacy):
        return None

    def joined(a: int, b: int) -> bool:       # no clause break between text[a] and text[b]
        return not CLAUSE_BREAK.search(text[a:b])

    def widened(edge: int, step: int, claimed: bool) -> int:
        """`edge` moved over the adjacent words that read both ways (ASCII words between them pass)."""
        found, i = edge, edge
        while 0 <= i + step < len(segment) and segment[i + step][2] in ("either", "plain"):
            left, right = sorted((i, i + step))
            if not joined(segment[left][1], segment[right][0]):
                break
            i += step
            if segment[i][2] == "either":
                found = i
        reached_end = i == (0 if step < 0 else len(segment) - 1)
        return edge if reached_end and claimed else found
    first = widened(first, -1, before >= 0 and joined(before, segment[0][0]))
    last = widened(last, 1, after >= 0 and joined(segment[-1][1], after))
    return segment[first][0], segment[last][1]


def _convert_runs(text: str, min_words: int) -> tuple[object, str | None]:
    """The encoding whose runs hold the most words that are Vietnamese only when decoded, less the words left
    neither Vietnamese nor Unicode (TCVN3 on a tie, as `detect`). Not the most runs: a word the other font
    cannot produce ("yªu", TCVN3 "yêu") splits a TCVN3 clause in two for VNI without being evidence for it."""
    best: tuple[int, str, list[tuple[int, int]]] | None = None
    for encoding in (TCVN3, VNI):
        runs = _legacy_runs(text, encoding, min_words)
        if runs and (best is None or _run_score(text, encoding, runs) > best[0]):
            best = (_run_score(text, encoding, runs), encoding, runs)
    if best is None:
        return text, None
    _, encoding, runs = best
    out, pos = [], 0
    for start, end in runs:
        out += [text[pos:start], decode(text[start:end], encoding)]
        pos = end
    return unicodedata.normalize("NFC", "".join(out) + text[pos:]), encoding


def _run_score(text: str, encoding: str, runs: list[tuple[int, int]]) -> int:
    """Words inside `runs` that become Vietnamese when decoded, less the words of the text that stay neither
    Vietnamese nor plain (odd in a run; outside, odd or unproducible by the font, yet not a syllable)."""
    score = 0
    for m in WORD_RE.finditer(text):
        word = m.group(0)
        kind = _word_kind(word, encoding)
        inside = any(start <= m.start() and m.end() <= end for start, end in runs)
        if inside and kind == "legacy":
            score += 1
        elif kind == "odd" or (kind == "unicode" and not UNICODE_ONLY.search(word) and not is_syllable(word)):
            score -= 1
    return score


def sample(before: str, after: str, width: int = 40) -> tuple[str, str]:
    """Matching beginnings of the text before and after conversion, for a message; in a cell where only a
    pasted run was converted, the sample starts at that run (“… Céng ®ång” → “… Cộng đồng”)."""
    before, after = " ".join(before.split()), " ".join(after.split())
    kept = _unchanged_unicode_words(before.split(), after.split())
    if kept:
        before, after = (" ".join(["…"] + text.split()[kept:]) for text in (before, after))
    if len(after) <= width:
        return before, after
    words, cut = after[:width].rsplit(" ", 1)[0], None
    cut = len(words.split())
    return " ".join(before.split()[:cut]) + " …", words + " …"


def _unchanged_unicode_words(before: list[str], after: list[str]) -> int:
    """How many leading words a mixed conversion left alone (0 unless they hold Unicode-only letters)."""
    same = 0
    while same < min(len(before), len(after)) and before[same] == after[same]:
        same += 1
    return same if same < len(after) and any(UNICODE_ONLY.search(w) for w in before[:same]) else 0

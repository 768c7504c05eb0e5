"""Vietnamese words: tones, syllable shape, and when two names are the same name.

- `split_tone("hoà")` -> ("hoa", "\u0300"): a syllable's letters without its tone, and the tone.
- `is_syllable(word)` -> whether `word` has the shape of one Vietnamese syllable (initial, vowel
  cluster, final; a checked final c/ch/p/t takes only the sắc or nặng tone).
- `name_key(name)` -> what identifies a place name: NFC, case, spaces and where the tone mark sits
  ("Hoà"/"Hòa", "thuý"/"thúy", "khoẻ"/"khỏe") do not matter; diacritics do ("Đồng" ≠ "Đông" ≠ "Dong").
- `differ_only_by_diacritics(a, b)` -> two different names that read alike without diacritics
  (likely a typo, reported but never merged).
- `split_commune_kind("Xã Kiểm Hai")` -> ("xã", "Kiểm Hai"); `commune_label(name, kind)` -> "xã Kiểm Hai":
  a commune's kind word is taken off its name once (plans, and summaries made before).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

GRAVE, ACUTE, TILDE, HOOK, DOT = "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"
TONES = (GRAVE, ACUTE, TILDE, HOOK, DOT)           # huyền, sắc, ngã, hỏi, nặng (ngang: none)

INITIALS = ("ngh", "ng", "gh", "gi", "kh", "ph", "th", "tr", "ch", "nh", "qu",
            "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x")
FINALS = ("ch", "ng", "nh", "c", "m", "n", "p", "t")
CHECKED_FINALS = ("c", "ch", "p", "t")
# vowel clusters of Vietnamese rhymes; True: needs a final consonant
VOWELS = {
    "a": False, "ă": True, "â": True, "e": False, "ê": False, "i": False, "o": False, "ô": False,
    "ơ": False, "u": False, "ư": False, "y": False,
    "ai": False, "ao": False, "au": False, "ay": False, "âu": False, "ây": False, "eo": False, "êu": False,
    "ia": False, "iê": True, "iu": False, "oa": False, "oă": True, "oe": False, "oi": False, "oo": True,
    "ôi": False, "ơi": False, "ua": False, "uâ": True, "uê": False, "ui": False, "uô": True, "uơ": False,
    "uy": False, "ưa": False, "ưi": False, "ươ": True, "ưu": False, "yê": True,
    "iêu": False, "oai": False, "oao": False, "oay": False, "oeo": False, "uây": False, "uôi": False,
    "uya": False, "uyê": True, "uyu": False, "ươi": False, "ươu": False, "yêu": False, "uêu": False,
}
# rhymes that end in their vowel: a cluster closed by a glide ("ao", "ươi"; "uy" is not: "uynh") or an open
# "ia", "ua", "ưa", "uya" takes no final consonant ("tâm", never "taom"; "tiên", never "tian")
NO_FINAL = frozenset(v for v in VOWELS if len(v) > 1 and v[-1] in "iyou" and v not in ("uy", "oo")) | {
    "ia", "ua", "ưa", "uya"}
_SYLLABLE = re.compile(
    "^(?P<initial>" + "|".join(INITIALS) + ")?"
    "(?P<vowel>" + "|".join(sorted(VOWELS, key=len, reverse=True)) + ")"
    "(?P<final>" + "|".join(FINALS) + ")?$")
LETTERS = set("abcdefghijklmnopqrstuvwxyzăâđêôơư")


def split_tone(syllable: str) -> tuple[str, str]:
    """('hoà' | 'hòa') -> ('hoa', GRAVE); a second tone mark makes the tone '?' (not one syllable)."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [ch for ch in decomposed if ch in TONES]
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONES))
    return base, (tones[0] if len(tones) == 1 else "" if not tones else "?")


@lru_cache(maxsize=65536)
def is_syllable(word: str) -> bool:
    """Whether `word` has the shape of one Vietnamese syllable (any case)."""
    base, tone = split_tone(unicodedata.normalize("NFC", word).lower())
    if tone == "?" or not base or not set(base) <= LETTERS:
        return False
    m = _SYLLABLE.match(base)
    if m is None:
        m = _retry_gi_qu(base)
        if m is None:
            return False
    vowel, final = m.group("vowel"), m.group("final")
    if VOWELS[vowel] and not final or final and vowel in NO_FINAL:
        return False
    if final in CHECKED_FINALS and tone not in (ACUTE, DOT):
        return False
    if m.group("initial") == "qu" and vowel.startswith("u"):
        return False
    return True


def _retry_gi_qu(base: str):
    """'gì', 'gìn': the regex takes 'gi' as the initial and finds no vowel; read 'g' + 'i…'."""
    if base.startswith("gi") and len(base) > 1:
        m = _SYLLABLE.match(base[1:])
        if m and not m.group("initial"):
            return m
    return None


@lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    """One word with its tone moved to the end (words repeat across names: cached)."""
    base, tone = split_tone(word)
    return base + tone


def name_key(name) -> str:
    """The identity of a name: casefolded NFC words, each with its tone moved to the end."""
    text = unicodedata.normalize("NFC", str(name or "")).casefold()
    if not text.isprintable():          # format characters (zero-width …) are not printable
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(_word_key(w) for w in text.split())


def plain_key(name) -> str:
    """A name without any diacritic (đ -> d): 'Đồng Thịnh' -> 'dong thinh'."""
    words = (_plain_word(w) for w in unicodedata.normalize("NFC", str(name or "")).casefold().split())
    return " ".join(w for w in words if w)


@lru_cache(maxsize=65536)
def _plain_word(word: str) -> str:
    """One word without diacritics (words repeat across names: cached)."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Cf"))


def same_name(a, b) -> bool:
    return name_key(a) == name_key(b)


def differ_only_by_diacritics(a, b) -> bool:
    """'Đồng Thịnh' / 'Đông Thịnh' / 'Dong Thinh': different names that read alike without marks."""
    return name_key(a) != name_key(b) and plain_key(a) == plain_key(b)


# --------------------------------------------------------------------------- the kind word of a commune's name

COMMUNE_KINDS = ("thị trấn", "đặc khu", "phường", "xã")     # longest first: "thị trấn" before any shorter word


@lru_cache(maxsize=65536)
def _split_commune_kind(name: str, kind: str) -> tuple[str, str]:
    text = " ".join(unicodedata.normalize("NFC", name).split())
    given = " ".join(unicodedata.normalize("NFC", kind).split()).lower()
    low = text.lower()
    for word in COMMUNE_KINDS:
        if low.startswith(word + " ") and text[len(word):].strip():
            return word, text[len(word):].strip()
    return given or "xã", text


def split_commune_kind(name, kind=None) -> tuple[str, str]:
    """(kind, name) of a commune entered with its kind word: "Xã Kiểm Hai" -> ("xã", "Kiểm Hai"),
    "PHƯỜNG  Bắc Sơn" -> ("phường", "Bắc Sơn"); the word is taken off once, in any case, NFC or NFD.
    A name without one keeps `kind` (or "xã"); a name that is only the word is left as it is."""
    return _split_commune_kind(str(name or ""), str(kind or ""))


def commune_label(name, kind=None) -> str:
    """'xã Kiểm Hai', whatever the name was entered with (see `split_commune_kind`)."""
    kind, name = split_commune_kind(name, kind)
    return f"{kind} {name}".strip()

"""The committed sample sets and damaged files hold what their expectation files say.

Checked with python-calamine only (not with cdht_excel.reading.read), so these tests guard the fixtures
themselves: regenerate them with samples/make_samples.py and tests/damaged/make_damaged.py.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
import python_calamine as pc

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
DAMAGED = ROOT / "tests" / "damaged"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text("utf-8"))
MANIFEST = json.loads((DAMAGED / "manifest.json").read_text("utf-8"))


def nfc(text):
    return unicodedata.normalize("NFC", text).strip() if isinstance(text, str) else text


def cells(path: Path) -> dict[str, list[list]]:
    wb = pc.CalamineWorkbook.from_path(str(path))
    try:
        return {nfc(name): wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}
    finally:
        wb.close()


def at(rows, ref: str):
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    r, c = int(m.group(2)) - 1, col - 1
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def same_value(got, want) -> bool:
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return abs(got - want) < 1e-9
    return got == want


def unit_rows(path: Path) -> dict[str, dict]:
    """Item key -> {value, evidence, stamp} found by the hidden key column (stamp in A1)."""
    out = {}
    for rows in cells(path).values():
        if not rows or not str(rows[0][0]).startswith("CDHT|"):
            continue
        stamp = rows[0][0].split("|")
        keys = next(r for r in rows if r and r[0] == "#cols")
        col = {k: i for i, k in enumerate(keys)}
        for row in rows:
            if row and isinstance(row[0], str) and re.fullmatch(r"C\d+(_\d+)*(_[A-Z]+)?", row[0]):
                out[row[0]] = {"value": row[col["VALUE"]], "evidence": nfc(row[col["EVIDENCE"]] or ""),
                               "commune": stamp[8], "year": stamp[7], "rubric": stamp[4]}
    return out


@pytest.mark.parametrize("name", ["dong-thinh-2024", "dong-thinh-2024-co-loi", "dong-thinh-2025-tt25"])
def test_sample_folder_lists_its_files(name):
    expected = EXPECTED["sets"][name]
    on_disk = {p.name for p in (SAMPLES / name).iterdir() if not p.name.startswith("~$")}
    assert on_disk == set(expected["files"])


def test_clean_tt44_sample_values():
    expected = EXPECTED["sets"]["dong-thinh-2024"]
    found = {}
    for name in expected["files"]:
        found.update(unit_rows(SAMPLES / "dong-thinh-2024" / name))
    total = 0.0
    for cid, entry in expected["criteria"].items():
        got = found[f"C{cid}"]
        assert same_value(got["value"], entry["score_as_filled"]), cid
        assert got["evidence"] == entry["evidence"], cid
        assert (got["commune"], got["year"]) == ("Đồng Thịnh", "2024")
        total += entry["score"]
        assert entry["score"] > 0 and (entry["score"] * 2).is_integer()
    assert total == expected["total"] == 87.5
    assert expected["classification"]["code"] == "tot"


def test_problem_sample_has_each_problem():
    expected = EXPECTED["sets"]["dong-thinh-2024-co-loi"]
    folder = SAMPLES / "dong-thinh-2024-co-loi"
    kinds = {p["kind"] for p in expected["problems"]} | {p["kind"] for p in expected["handled_quietly"]}
    assert {"unit-missing", "score-without-evidence", "score-not-number", "score-negative", "score-off-step",
            "unit-conflict", "unit-duplicate", "other-commune", "resaved-xls", "resaved-ods", "lock-file"} <= kinds
    for problem in expected["problems"] + expected["handled_quietly"]:
        for name in problem.get("files") or ([problem["file"]] if problem["file"] else []):
            assert (folder / name).is_file(), name
    dup = next(p for p in expected["problems"] if p["kind"] == "unit-duplicate")
    assert (folder / dup["files"][0]).read_bytes() == (folder / dup["files"][1]).read_bytes()
    assert not any((folder / n).exists() for n in ("Trạm Y tế xã - TC 14.xlsx",))
    assert unit_rows(folder / "Hội ND - tiêu chí 8.xlsx")["C8"]["value"] == "bảy"


def test_tt25_sample_values():
    expected = EXPECTED["sets"]["dong-thinh-2025-tt25"]
    found = {}
    for name in expected["files"]:
        found.update(unit_rows(SAMPLES / "dong-thinh-2025-tt25" / name))
    for iid, entry in expected["indicators"].items():
        key = "C" + iid.replace(".", "_")
        if "value" in entry:
            assert found[key]["value"] == entry["value"], iid
        for field, count in entry.get("counts", {}).items():
            assert same_value(found[f"{key}_{field}"]["value"], count), (iid, field)
        assert found[key]["evidence"] == entry["evidence"], iid
    assert expected["classification"]["code"] == "muc-do-1"


@pytest.mark.parametrize("entry", MANIFEST["files"], ids=lambda e: e["id"])
def test_damaged_file_holds_what_the_manifest_says(entry):
    for rel in entry["files"] + entry["merge_with"]:
        assert (DAMAGED / "files" / rel).is_file(), rel
    if not entry["readable"]:
        with pytest.raises(Exception):  # noqa: B017 - any exception: the library itself refuses the file
            cells(DAMAGED / "files" / entry["files"][0])
        return
    for rel in entry["files"]:
        path = DAMAGED / "files" / rel
        sheets = cells(path)
        criteria = entry["criteria"] if "copies" not in entry else entry["copies"][Path(rel).name]
        for cid, c in criteria.items():
            rows = sheets[c["sheet"]]
            got = at(rows, c["score_cell"])
            if isinstance(c["score_as_filled"], str) and c["score_as_filled"].startswith("="):
                assert got in ("", None, c.get("cached_value")), cid      # formula: cached value or none
            else:
                assert same_value(got, c["score_as_filled"]), (rel, cid, got)
            if entry["id"] != "merged-evidence":
                assert nfc(at(rows, c["evidence_cell"]) or "") == c["evidence"], (rel, cid)
    for cid in entry.get("criteria_lost", []):
        assert cid not in entry["criteria"]


def test_damaged_files_stay_small():
    size = sum(p.stat().st_size for p in (DAMAGED / "files").rglob("*") if p.is_file())
    assert size < 3 * 1024 * 1024

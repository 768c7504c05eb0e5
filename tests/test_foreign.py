"""Issue 10: real spreadsheets nobody here wrote (tests/foreign/manifest.json: origin, licence, expected code),
alone and mixed into a clean commune, plus the generated hostile files; never a traceback, within memory."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support import TRACEBACK_RE, run_cli
from test_isolation import RUN_MB, SINGLE_MB, file_codes, hostile, run_measured

HERE = Path(__file__).parent
FOREIGN = HERE / "foreign"
MANIFEST = json.loads((FOREIGN / "manifest.json").read_text("utf-8"))["files"]
CLEAN = HERE.parent / "samples" / "dong-thinh-2024"


def shown_name(entry: dict) -> str:
    return entry.get("as") or entry["file"].replace("/", "__")


def test_manifest_lists_every_file_with_origin_and_licence():
    on_disk = sorted(p.relative_to(FOREIGN / "files").as_posix() for p in (FOREIGN / "files").rglob("*") if p.is_file())
    assert sorted(e["file"] for e in MANIFEST) == on_disk
    for e in MANIFEST:
        assert e["origin"] and e["licence"] and e["expected"]
        licence = e["licence"].split("(licences/")[1].rstrip(")").replace("*", "")
        assert any(p.name.startswith(licence.split("-LICENSE")[0]) for p in (FOREIGN / "licences").iterdir()), e
    assert sum(p.stat().st_size for p in FOREIGN.rglob("*") if p.is_file()) < 2 * 2**20


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_each_foreign_file_alone_gets_its_finding(tmp_path, entry):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FOREIGN / "files" / entry["file"], folder / shown_name(entry))
    report = tmp_path / "r.json"
    code, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx", "--json", report)
    assert code == 2 and not TRACEBACK_RE.search(text)
    data = json.loads(report.read_text("utf-8"))
    assert file_codes(data)[shown_name(entry)] == [entry["expected"]]
    assert shown_name(entry) in text                  # the terminal names the file


def test_the_whole_corpus_mixed_into_a_clean_commune(tmp_path):
    folder = Path(shutil.copytree(CLEAN, tmp_path / "hop-thu"))
    for entry in MANIFEST:
        shutil.copy(FOREIGN / "files" / entry["file"], folder / shown_name(entry))
    hostile.build(folder / "la")
    result, single, tree = run_measured(["merge", folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json"],
                                        timeout=300)
    text = result.stdout + result.stderr
    assert result.returncode == 1 and not TRACEBACK_RE.search(text), text
    data = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert data["total"] == 87.5 and data["classification"]["label"] == "Tốt"
    found = file_codes(data)
    assert {shown_name(e): found.get(shown_name(e)) for e in MANIFEST} == \
        {shown_name(e): [e["expected"]] for e in MANIFEST}
    assert {n: found.get(n) for n in hostile.HOSTILE} == {n: [c] for n, c in hostile.HOSTILE.items()}
    assert {n: found.get(n) for n in hostile.KINDS} == {n: [c] if c != "ok" else None for n, c in hostile.KINDS.items()}
    assert single < SINGLE_MB and tree < RUN_MB, (single, tree)


def test_district_speaks_about_foreign_files_by_name_as_merge_does(tmp_path):
    """A folder of foreign files given to `district`: every file its own finding, with its name; nobody is
    told to re-run `cdht merge` for a file that was never ours."""
    communes = tmp_path / "huyen"
    picks = [e for e in MANIFEST if e["expected"] != "file-not-template"][:4] + \
            [e for e in MANIFEST if e["expected"] == "file-not-template"][:3]
    (communes / "xa-la").mkdir(parents=True)
    for e in picks:
        shutil.copy(FOREIGN / "files" / e["file"], communes / "xa-la" / shown_name(e))
    shutil.copytree(CLEAN, communes / "dong-thinh")
    report = tmp_path / "h.json"
    code, text = run_cli("district", communes, "-o", tmp_path / "h.xlsx", "--json", report)
    assert code == 1 and not TRACEBACK_RE.search(text)
    data = json.loads(report.read_text("utf-8"))
    found = file_codes(data)
    for e in picks:
        assert e["expected"] in found[shown_name(e)], (e, found)
    assert "cdht merge" not in text
    lines = [line for line in text.splitlines() if "xa-la" in line]
    assert lines and all(any(shown_name(e) in line for e in picks) or "xa-la/" in line for line in lines)


def test_district_over_foreign_files_only_writes_the_json_and_exits_2(tmp_path):
    folder = tmp_path / "la"
    folder.mkdir()
    for e in MANIFEST[:6]:
        shutil.copy(FOREIGN / "files" / e["file"], folder / shown_name(e))
    report = tmp_path / "h.json"
    code, text = run_cli("district", folder, "-o", tmp_path / "h.xlsx", "--json", report)
    assert code == 2 and not TRACEBACK_RE.search(text) and not (tmp_path / "h.xlsx").exists()
    data = json.loads(report.read_text("utf-8"))
    assert {shown_name(e) for e in MANIFEST[:6]} <= set(file_codes(data))

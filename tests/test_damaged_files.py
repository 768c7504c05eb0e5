"""The real damaged files of tests/damaged/ (made by make_damaged.py; see manifest.json):
each merges to the values it still holds and gets exactly the findings the manifest names."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdht_excel.commune.assess import NoResult, assess
from cdht_excel.commune.check import evidence_lines
from cdht_excel.commune.report import report_dict
from support import run_cli

HERE = Path(__file__).parent / "damaged"
MANIFEST = json.loads((HERE / "manifest.json").read_text("utf-8"))
ENTRIES = MANIFEST["files"]
KIND_TO_CODE = {"sheet-renamed": "sheet-renamed", "merged-cells": "evidence-merged"}
COMMON = {"rubric-repealed", "maxima-unknown"}          # every tt44 set assessed for 2024 has these
PARTIAL = {"unit-missing", "incomplete"}                # a file holding only some units, merged alone


def code_of(expectation: dict) -> str:
    return expectation.get("code") or KIND_TO_CODE[expectation["kind"]]


def matches(finding: dict, expectation: dict) -> bool:
    if finding["code"] != code_of(expectation):
        return False
    for key in ("unit", "criterion"):
        if expectation.get(key) and finding.get(key) != expectation[key]:
            return False
    # a finding about two places (a conflict, a duplicate) names the second one in its message
    sheet = expectation.get("sheet")
    if sheet and finding.get("sheet") != sheet and f"“{sheet}”" not in finding["message"]:
        return False
    cell = expectation.get("cell")
    if cell and ":" not in cell and finding.get("cell") != cell:
        return False
    if cell and ":" in cell and cell not in finding["message"]:
        return False
    name = (expectation.get("file") or "").split("/")[-1]
    if name and finding.get("file") and not finding["file"].endswith(name) and name not in finding["message"]:
        return False
    return True


def run(entry) -> dict:
    inputs = [HERE / "files" / entry["path"]] + [HERE / "files" / p for p in entry.get("merge_with", [])]
    return report_dict(assess(inputs))


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["readable"]], ids=lambda e: e["id"])
def test_readable_damaged_file(entry):
    report = run(entry)
    findings = report["findings"]
    for expectation in entry.get("expected", []):
        assert any(matches(f, expectation) for f in findings), \
            (expectation, [(f["code"], f.get("sheet"), f.get("cell"), f.get("criterion")) for f in findings])
    allowed = COMMON | {code_of(x) for x in entry.get("expected", []) + entry.get("optional", [])}
    if entry.get("partial"):
        allowed |= PARTIAL
    unexpected = [f for f in findings if f["severity"] != "info" and f["code"] not in allowed]
    assert not unexpected, [(f["code"], f["message"]) for f in unexpected]
    criteria = {c["id"]: c for c in report["criteria"]}
    for cid, want in entry["criteria"].items():
        if cid in (entry.get("criteria_lost") or []):
            assert criteria[cid]["score"] is None, cid
            continue
        got = criteria[cid]
        assert got["score"] == want["score"], (cid, got["score"], want["score"])
        assert got["evidence"] == evidence_lines(want["evidence"]), cid
    if entry.get("complete_alone"):
        assert (report["total"], report["classification"]["code"], report["complete"]) == (87.5, "tot", True)
    elif entry.get("complete_alone") is False:
        assert report["classification"]["code"] == "chua-xep-loai"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not e["readable"]], ids=lambda e: e["id"])
def test_unreadable_damaged_file(entry, tmp_path):
    path = HERE / "files" / entry["path"]
    with pytest.raises(NoResult) as info:
        assess([path])
    assert [f.code for f in info.value.findings][:1] == [code_of(entry["expected"][0])]
    code, text = run_cli("merge", path, "-o", tmp_path / "t.xlsx")
    assert code == entry["exit_alone"] == 2
    assert "Traceback" not in text
    # merged with a good file: reported, and the good file still merges
    report = report_dict(assess([path, HERE / "files" / "00-intact.xlsx"]))
    assert report["total"] == 87.5
    assert any(f["code"] == code_of(entry["expected"][0]) and f["file"].endswith(path.name)
               for f in report["findings"])

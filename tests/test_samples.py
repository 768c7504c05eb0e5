"""The shipped samples (samples/make_samples.py) merge to what samples/expected.json says."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import run_cli

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SETS = json.loads((SAMPLES / "expected.json").read_text("utf-8"))["sets"]


def merged(folder, tmp_path):
    code, text = run_cli("merge", SAMPLES / folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    return code, text, json.loads((tmp_path / "t.json").read_text("utf-8"))


@pytest.mark.parametrize("folder", list(SETS))
def test_sample_set(folder, tmp_path):
    want = SETS[folder]
    code, text, report = merged(folder, tmp_path)
    assert code == want["exit_code"], text
    assert report["classification"]["code"] == want["classification"]["code"]
    assert report["complete"] is want["complete"]
    if "total" in want:
        assert report["total"] == want["total"]
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    if "problems" not in want:
        assert errors == []
        return
    for problem in want["problems"]:
        assert any(f["code"] == problem["code"] and f.get("criterion") in (problem.get("criterion"), None)
                   and (problem.get("file") is None or problem["file"] in (f.get("file") or "") + f["message"])
                   for f in report["findings"]), problem
    clean = {c["id"]: c["score"] for c in report["criteria"] if c["id"] in want["criteria_clean"]}
    assert sum(clean.values()) == want["sum_of_clean_criteria"]
    quiet = " ".join(f.get("file") or "" for f in errors)
    assert ".xls" not in quiet.replace(".xlsx", "") and ".ods" not in quiet and "~$" not in quiet


def test_readme_main_command_runs_on_the_clean_sample(tmp_path):
    readme = (SAMPLES.parent / "README.md").read_text("utf-8")
    assert "cdht merge samples/dong-thinh-2024 -o tong-hop.xlsx --json tong-hop.json" in readme
    code, text, _ = merged("dong-thinh-2024", tmp_path)
    assert code == 0, text
    assert "TỐT" in text and "87,5" in text

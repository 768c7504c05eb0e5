"""`cdht merge nop -o nop/tong-hop.xlsx` run twice (issue 19, item 2): the second run replaces its own earlier
summary and JSON report (atomically, with the same result) and still refuses to write over anything else
that it would read as an input. End to end: the real command in a subprocess, on a copy of the sample set.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from support import REPO, message_of, run_module

from cdht_excel.reading.summary import read_summary_report

SAMPLE = REPO / "samples" / "dong-thinh-2024"
PLAN = REPO / "samples" / "ke-hoach-dong-thinh-2024.xlsx"


def sample_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "nop"
    shutil.copytree(SAMPLE, folder)
    return folder


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_second_merge_into_the_input_folder_replaces_its_own_outputs(tmp_path):
    folder = sample_copy(tmp_path)
    forms = digests(folder)
    out, report, docs = folder / "tong-hop.xlsx", folder / "tong-hop.json", folder / "ho-so"
    args = ["merge", folder, "-o", out, "--json", report, "--docs", docs]

    first = run_module(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    first_json, first_summary = report.read_bytes(), read_summary_report(out)
    first_inodes = (out.stat().st_ino, report.stat().st_ino)

    second = run_module(*args)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout == first.stdout and second.stderr == ""
    assert report.read_bytes() == first_json                 # the earlier summary was not read as an input
    data = json.loads(first_json)
    assert data["total"] == 87.5 and len(data["files"]) == 10
    assert read_summary_report(out) == first_summary
    assert (out.stat().st_ino, report.stat().st_ino) != first_inodes    # moved into place, not written over
    now = digests(folder)
    assert {k: v for k, v in now.items() if k in forms} == forms          # no unit form changed
    assert not [k for k in now if Path(k).name.startswith(".~cdht-")]    # no temporary file left


def test_a_summary_saved_again_by_libreoffice_is_still_our_own(tmp_path):
    """The summary opened and saved again in LibreOffice (which drops our custom XML part but keeps the
    hidden result sheet) is still the earlier output of this command."""
    from support import soffice_convert
    folder = sample_copy(tmp_path)
    out = folder / "tong-hop.xlsx"
    assert run_module("merge", folder, "-o", out).returncode == 0
    resaved = soffice_convert(out, "xlsx", tmp_path / "lo")
    if resaved is not None:
        shutil.copy(resaved, out)
    again = run_module("merge", folder, "-o", out)
    assert again.returncode == 0, again.stdout + again.stderr


def test_inputs_that_are_not_our_earlier_outputs_are_never_overwritten(tmp_path):
    folder = sample_copy(tmp_path)
    shutil.copy(PLAN, folder / "ke-hoach.xlsx")            # our own workbook, but not a summary
    notes = folder / "ghi-chu.json"
    notes.write_text('{"schema": "cdht-report/1", "ghi chú": "của văn thư"}\n', "utf-8")
    own = tmp_path / "cu.json"
    assert run_module("merge", folder, "-o", tmp_path / "a.xlsx", "--json", own).returncode == 0
    before = digests(folder)
    form = folder / "Hội ND - tiêu chí 8.xlsx"
    for args, target in [(["-o", form], form),
                         (["-o", folder / "ke-hoach.xlsx"], folder / "ke-hoach.xlsx"),
                         ([notes, "-o", tmp_path / "b.xlsx", "--json", notes], notes)]:
        run = run_module("merge", folder, *args)
        assert run.returncode == 2, (args, run.stdout, run.stderr)
        said = " ".join(run.stderr.split())          # the terminal's lines are wrapped at words
        assert " ".join(message_of("output-is-input", file=target).split()) in said, (args, run.stderr)
        assert digests(folder) == before
    # our own JSON report, named as an input too, is replaced and not read
    run = run_module("merge", folder, own, "-o", tmp_path / "c.xlsx", "--json", own)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "cu.json" not in own.read_text("utf-8")

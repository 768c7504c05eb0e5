"""Two copies of a unit in conflict keep what they agree on: the evidence reaches the báo cáo and the
summary's "Minh chứng" sheet (issue 19, item 1).

The copies are the shipped sample's Hội Nông dân form (tiêu chí 8) and the same file with its score (and,
in the second test, its evidence) changed with openpyxl, as a unit re-sends a corrected form.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import docx
import openpyxl
from docx.oxml.ns import qn

from commune import finding, merge

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "dong-thinh-2024"
FARMERS = "Hội ND - tiêu chí 8.xlsx"
RESENT = "Hội ND - tiêu chí 8 (bản sửa).xlsx"
REPORT_DOC = "DỰ THẢO - Báo cáo - xã Đồng Thịnh - 2024.docx"   # a set in conflict gets drafts


def named_cell(wb, name: str):
    (sheet, coord), = wb.defined_names[name].destinations
    return wb[sheet][coord.replace("$", "")]


def sample_with_resent_copy(tmp_path: Path, changes: dict[str, object]) -> Path:
    """The clean sample, plus a second copy of tiêu chí 8's form with `changes` typed into named cells."""
    folder = tmp_path / "nop"
    shutil.copytree(SAMPLE, folder)
    wb = openpyxl.load_workbook(folder / FARMERS)
    for name, value in changes.items():
        named_cell(wb, name).value = value
    wb.save(folder / RESENT)
    return folder


def original_evidence() -> str:
    return str(named_cell(openpyxl.load_workbook(SAMPLE / FARMERS), "CDHT_C8_EVIDENCE").value)


def criterion_section(doc_path: Path, criterion: str) -> list[str]:
    """The báo cáo's paragraphs from "Tiêu chí N." up to the next criterion's heading."""
    document = docx.Document(str(doc_path))
    texts = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in document.element.body.iter(qn("w:p"))]
    start = next(i for i, t in enumerate(texts) if t.startswith(f"Tiêu chí {criterion}."))
    end = next((i for i in range(start + 1, len(texts)) if texts[i].startswith("Tiêu chí ")), len(texts))
    return texts[start:end]


def evidence_row(summary: Path, criterion: str) -> list:
    ws = openpyxl.load_workbook(summary, read_only=True)["Minh chứng"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return next(r for r in rows[1:] if str(r[0]) == criterion)


def merged_with_docs(tmp_path: Path, folder: Path):
    out = tmp_path / "tong-hop.xlsx"
    code, text, report = merge(folder, out=out, extra=["--docs", tmp_path / "ho-so"])
    return code, text, report, out, tmp_path / "ho-so" / REPORT_DOC


def test_copies_differing_only_in_the_score_keep_their_shared_evidence(tmp_path):
    evidence = original_evidence()
    folder = sample_with_resent_copy(tmp_path, {"CDHT_C8_SCORE": 6})
    code, text, report, summary, report_doc = merged_with_docs(tmp_path, folder)
    assert code == 1, text
    assert "E11" in finding(report, "unit-conflict")["message"]
    c8 = next(c for c in report["criteria"] if c["id"] == "8")
    assert c8["status"] == "conflict" and c8["evidence"] == [evidence]

    section = criterion_section(report_doc, "8")
    assert "- Minh chứng: không có." not in section, section
    assert f"+ {evidence}" in section, section

    row = evidence_row(summary, "8")
    assert row[2] == evidence, row


def test_copies_differing_in_the_evidence_show_both_labelled_by_file(tmp_path):
    evidence = original_evidence()
    corrected = "Báo cáo số 17/BC-HND ngày 20/12/2024 (bản sửa, 14 lớp)"
    folder = sample_with_resent_copy(tmp_path, {"CDHT_C8_SCORE": 6, "CDHT_C8_EVIDENCE": corrected})
    code, text, report, summary, report_doc = merged_with_docs(tmp_path, folder)
    assert code == 1, text
    # the files as every finding names them (the input folder's name, then the file), in name order
    shown = [f"Theo “nop/{RESENT}”: {corrected}", f"Theo “nop/{FARMERS}”: {evidence}"]
    c8 = next(c for c in report["criteria"] if c["id"] == "8")
    assert c8["status"] == "conflict" and c8["evidence"] == shown

    section = criterion_section(report_doc, "8")
    assert "- Minh chứng: không có." not in section, section
    assert all(f"+ {line}" in section for line in shown), section

    row = evidence_row(summary, "8")
    assert row[2].split("\n") == shown, row

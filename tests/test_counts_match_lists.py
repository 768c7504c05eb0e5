"""Counts that match the lists (issue 20, item 2): every "lỗi: N, cảnh báo: N, thông tin: N" the terminal prints
or the summary workbook shows equals what is listed below it (or says "… và N … khác"); information findings
are listed where they are counted; a headline class never contradicts its own reason line."""
from __future__ import annotations

import json
import re

import openpyxl
import pytest
from commune import merge, returned_set, tt44_values
from support import REPO, run_cli

from cdht_excel.rules import findings as F

SAMPLES = REPO / "samples"
CO_LOI, CLEAN, TT25 = SAMPLES / "dong-thinh-2024-co-loi", SAMPLES / "dong-thinh-2024", SAMPLES / "dong-thinh-2025-tt25"
DAMAGED = REPO / "tests" / "damaged" / "files"
BLOCK = {"Cần sửa trước:": F.ERROR, "Cảnh báo:": F.WARNING, "Thông tin:": F.INFO}
COUNTS = re.compile(r"lỗi: (\d+), cảnh báo: (\d+), thông tin: (\d+)")


def _listed(text: str) -> tuple[dict[str, int], int]:
    """Findings listed under each block of the terminal output, and the 'và N … khác' of the rest."""
    listed = {F.ERROR: 0, F.WARNING: 0, F.INFO: 0}
    block = None
    more = 0
    for line in text.splitlines():
        if line in BLOCK:
            block = BLOCK[line]
        elif block and line.lstrip().startswith("- "):
            listed[block] += 1
        elif m := re.match(r"… và (\d+) phát hiện khác", line):
            more = int(m.group(1))
    return listed, more


@pytest.mark.parametrize("inputs", [CO_LOI, CLEAN, TT25, DAMAGED], ids=["co-loi", "clean", "tt25", "damaged"])
def test_merge_counts_equal_the_findings_printed_and_the_workbooks_list(tmp_path, inputs):
    code, text = run_cli("merge", inputs, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    assert code in (0, 1), text
    report = json.loads((tmp_path / "t.json").read_text("utf-8"))
    counts = [int(n) for n in COUNTS.search(text).groups()]
    assert counts == [report["counts"][s] for s in (F.ERROR, F.WARNING, F.INFO)]
    listed, more = _listed(text)
    assert sum(counts) == sum(listed.values()) + more, text
    if not more:
        assert [listed[s] for s in (F.ERROR, F.WARNING, F.INFO)] == counts, text
    # the summary workbook: its count line against the rows of its "Phát hiện" sheet
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    result = {row[0].value: row[1].value for row in book["Kết quả"].iter_rows() if row[0].value}
    [shown] = [v for k, v in result.items() if str(k).startswith("Lỗi / cảnh báo / thông tin")]
    rows = [row[1].value for row in book["Phát hiện"].iter_rows(min_row=2) if row[0].value]
    listed = " / ".join(str(rows.count(F.SEVERITY_LABEL[s])) for s in (F.ERROR, F.WARNING, F.INFO))
    assert shown == f"{listed} (liệt kê ở trang “Phát hiện”)"


def test_information_is_listed_where_it_is_counted(tmp_path):
    code, text = run_cli("merge", CO_LOI, "-o", tmp_path / "t.xlsx")
    assert "Thông tin:" in text and "thông tin: 2" in text
    listed, _ = _listed(text)
    assert listed[F.INFO] == 2


def test_district_counts_equal_its_list(tmp_path):
    code, text = run_cli("district", CLEAN, CO_LOI, TT25, "-o", tmp_path / "h.xlsx", "--json", tmp_path / "h.json")
    data = json.loads((tmp_path / "h.json").read_text("utf-8"))
    counts = [int(n) for n in COUNTS.search(text).groups()]
    assert counts == [sum(f["severity"] == s for f in data["findings"]) for s in (F.ERROR, F.WARNING, F.INFO)]
    listed, more = _listed(text)
    assert sum(counts) == sum(listed.values()) + more, text


def test_unclassified_headline_never_has_a_reason_that_decides_the_class(tmp_path):
    """The faulty sample: wrong entries and a criterion at 0. The headline is "chưa xếp loại" (fix the
    entries first); its reason says where the data leads, never "kết quả là Chưa đạt"."""
    code, text = run_cli("merge", CO_LOI, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    report = json.loads((tmp_path / "t.json").read_text("utf-8"))
    cls = report["classification"]
    assert cls["code"] == "chua-xep-loai"
    assert "nếu giữ nguyên các dữ liệu đã có" in cls["reason"] and "tiêu chí 12 bị điểm 0" in cls["reason"]
    assert "kết quả là" not in cls["reason"] and "Chưa đạt" not in cls["reason"], cls["reason"]
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    labels = {row[0].value: row[1].value for row in book["Kết quả"].iter_rows() if row[0].value}
    assert labels["Lý do chưa xếp loại"] == cls["reason"]


def test_a_decided_class_has_its_reason_as_a_fact_and_the_sheet_does_not_call_it_unclassified(tmp_path):
    """Only a unit missing and a criterion at 0: the class is decided (Chưa đạt), its reason says so once,
    the workbook's reason line is not labelled "chưa xếp loại", the information finding says it shortly."""
    folder = returned_set(tmp_path, dict(tt44_values(), C6_SCORE=0), skip=(5,))
    code, text, report = merge(folder)
    cls = report["classification"]
    assert cls["code"] == "chua-dat"
    assert cls["reason"].count("kết quả là Chưa đạt") == 1 and "còn thiếu" in cls["reason"]
    certain = next(f for f in report["findings"] if f["code"] == "result-certain")
    assert certain["message"].count("Chưa đạt") == 1, certain["message"]
    book = openpyxl.load_workbook(folder.parent / "tong-hop.xlsx")
    labels = {row[0].value: row[1].value for row in book["Kết quả"].iter_rows() if row[0].value}
    assert "Lý do chưa xếp loại" not in labels and labels["Lý do"] == cls["reason"]


def test_the_documents_count_of_errors_equals_the_lines_below_it(tmp_path):
    """A complete set with one stray form of another commune: the draft box says "còn 1 lỗi" and lists one."""
    import shutil
    import zipfile
    folder = tmp_path / "phieu"
    shutil.copytree(CLEAN, folder)
    stray = next(p for p in CO_LOI.iterdir() if "Dong Tam" in p.name)
    shutil.copy(stray, folder / stray.name)
    code, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx", "--docs", tmp_path / "ho-so")
    assert code == 1, text
    for doc in sorted((tmp_path / "ho-so").glob("*.docx")):
        xml = zipfile.ZipFile(doc).read("word/document.xml").decode("utf-8")
        paragraphs = [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<w:p[ >].*?</w:p>", xml, re.S)]
        [reason] = [p for p in paragraphs if p.startswith("Lý do:")]
        count = int(re.search(r"còn (\d+) lỗi", reason).group(1))
        at = paragraphs.index(reason)
        listed = [p for p in paragraphs[at + 1:at + 1 + count + 2] if p.startswith("- ") or p.startswith("… và")]
        assert count == 1 and len(listed) == count and "Đồng Tâm" in listed[0], (doc.name, reason, listed)

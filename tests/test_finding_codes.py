"""Findings the other test files do not reach: each made the way a user would meet it, its code asserted and
its text compared with the catalogue's."""
from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest
from commune import codes, finding, merge, returned_set, tt25_values, tt44_values
from support import make_template, message_of, run_cli, says

from cdht_excel.commune.check import check
from cdht_excel.commune.merge import merge as merge_books
from cdht_excel.reading.book import Input
from cdht_excel.reading.read import Limits, read_workbook
from cdht_excel.rules import findings as F


def unit_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.xlsx"))


@pytest.fixture(scope="module")
def tt44_set(tmp_path_factory):
    return returned_set(tmp_path_factory.mktemp("tt44"), tt44_values())


def copy_set(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


# --------------------------------------------------------------------------- inputs

def test_no_input_and_missing_input(tmp_path):
    empty = tmp_path / "trong"
    empty.mkdir()
    code, text = run_cli("merge", empty, "-o", tmp_path / "t.xlsx")
    assert code == 2 and message_of("no-input", inputs=str(empty)) in text
    code, text = run_cli("merge", tmp_path / "khong-co", "-o", tmp_path / "t.xlsx")
    assert code == 2 and message_of("input-missing", path=str(tmp_path / "khong-co")) in text


def test_nothing_readable(tmp_path):
    folder = tmp_path / "phieu"
    folder.mkdir()
    (folder / "phieu.xlsx").write_text("không phải bảng tính", encoding="utf-8")
    code, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx")
    assert code == 2 and says(text, "file-not-workbook") and message_of("no-readable-input", count=1) in text


def test_file_too_large_under_a_small_limit(tt44_set):
    book = read_workbook(Input(unit_files(tt44_set)[0], "a.xlsx"), Limits(max_bytes=1024))
    assert [f.code for f in book.findings] == ["file-too-large"]
    assert not book.units


def test_workbook_that_is_not_ours_and_template_without_unit_sheets(tmp_path, tt44_set):
    folder = copy_set(tt44_set, tmp_path / "phieu")
    other = folder / "bang-tinh-khac.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Danh sách hội viên"
    wb.save(other)
    template = make_template(tmp_path)
    wb = openpyxl.load_workbook(template)
    for ws in list(wb.worksheets):
        if ws.title not in ("Hướng dẫn", "_cdht"):
            wb.remove(ws)
    wb.save(folder / "mau-khong-co-trang.xlsx")
    code, text, report = merge(folder)
    assert finding(report, "file-not-template")["file"] == "phieu/bang-tinh-khac.xlsx"
    assert finding(report, "file-no-units")["file"] == "phieu/mau-khong-co-trang.xlsx"


# --------------------------------------------------------------------------- units

def test_unit_sheet_of_a_unit_the_plan_does_not_have(tmp_path, tt44_set):
    folder = copy_set(tt44_set, tmp_path / "phieu")
    path = unit_files(folder)[0]
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[1]
    parts = ws["A1"].value.split("|")
    parts[3] = "hoi-cuu-chien-binh"
    ws["A1"].value = "|".join(parts)
    wb.save(path)
    code, text, report = merge(folder)
    assert "unit-unknown" in codes(report)
    assert finding(report, "unit-unknown")["message"] == message_of("unit-unknown", unit="hoi-cuu-chien-binh")


def test_unit_that_returned_its_sheet_empty(tmp_path):
    split = tmp_path / "mau" / "split"
    make_template(tmp_path / "mau", split_dir=split)
    folder = returned_set(tmp_path, tt44_values(), skip=(10,))
    shutil.copy(sorted(split.glob("*.xlsx"))[9], folder / "Công an xã - chưa điền.xlsx")
    code, text, report = merge(folder)
    assert "unit-not-filled" in codes(report)
    assert finding(report, "unit-not-filled")["criterion"] == "15"


def test_files_of_two_templates_of_the_same_commune(tmp_path):
    first = returned_set(tmp_path, tt44_values(), folder="a", skip=(10,))
    second = returned_set(tmp_path, tt44_values(), folder="b", skip=tuple(range(1, 10)))
    # the same commune, year and rubric, but a template made from another plan (district added)
    make_template(tmp_path / "khac", district="Định Hóa", split_dir=tmp_path / "khac" / "split")
    shutil.rmtree(second)
    second.mkdir()
    from support import fill
    fill(sorted((tmp_path / "khac" / "split").glob("*.xlsx"))[9], second / "Công an xã.xlsx", tt44_values(),
         only_existing=True)
    code, text, report = merge(first, second, out=tmp_path / "t.xlsx")
    assert "template-mismatch" in codes(report)


# --------------------------------------------------------------------------- values

def test_total_above_the_rubric_maximum(tmp_path):
    folder = returned_set(tmp_path, tt44_values({cid: 9 for cid in range(1, 16)}))
    code, text, report = merge(folder)
    assert finding(report, "total-above-max")["message"] == message_of("total-above-max", total="135", max="100")
    assert report["classification"]["code"] == "chua-xep-loai"


def test_ratio_over_a_base_of_zero(tmp_path):
    folder = returned_set(tmp_path, tt25_values({"C5_1_BASE": 0}), rubric="tt25-2023", year=2025, hard_area=False)
    code, text, report = merge(folder)
    f = finding(report, "count-base-zero")
    assert f["message"] == message_of("count-base-zero", item="5.1", base_label=f["message"].split("“")[1].split("”")[0])


def test_hard_area_unknown_when_the_plan_does_not_say(tmp_path):
    """The plan check refuses such a plan; a stamped plan without it is still never guessed."""
    folder = returned_set(tmp_path, tt25_values(), rubric="tt25-2023", year=2025, hard_area=False)
    books = [read_workbook(Input(p, p.name)) for p in unit_files(folder)]
    merged = merge_books(books)
    merged.plan = dataclasses.replace(merged.plan, hard_area=None)
    _, found = check(merged)
    assert "hard-area-unknown" in [f.code for f in found]


# --------------------------------------------------------------------------- district

def test_damaged_summary_and_folder_that_cannot_be_merged(tmp_path, tt44_set):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    summary = inbox / "tong-hop.xlsx"
    assert run_cli("merge", tt44_set, "-o", summary)[0] in (0, 1)
    wb = openpyxl.load_workbook(summary)
    ws = wb["_cdht_result"]
    for row in ws.iter_rows():
        if str(row[0].value).startswith("report_json."):
            row[1].value = "{ hỏng"
            break
    wb.save(summary)
    junk = inbox / "xa-khac"
    junk.mkdir()
    wb = openpyxl.Workbook()
    wb.active["A1"] = "không phải phiếu"
    wb.save(junk / "ghi-chu.xlsx")
    code, text = run_cli("district", inbox, "-o", tmp_path / "h.xlsx", "--json", tmp_path / "h.json")
    assert code == 2
    assert says(text, "summary-unreadable") and says(text, "commune-not-merged")


def test_commune_of_another_rubric_and_commune_not_in_the_list(tmp_path):
    from test_district import commune_folder
    src = tmp_path / "src"
    commune_folder(src, "An Bình", tt44_values(), year=2025)
    commune_folder(src, "Bình Minh", tt44_values(), year=2025)
    commune_folder(src, "Cao Ngạn", tt25_values(), rubric="tt25-2023", year=2025)
    (tmp_path / "ds.txt").write_text("An Bình\nCao Ngạn\n", encoding="utf-8")
    code, text = run_cli("district", src, "-o", tmp_path / "h.xlsx", "--json", tmp_path / "h.json",
                         "--communes", tmp_path / "ds.txt")
    data = json.loads((tmp_path / "h.json").read_text("utf-8"))
    found = {f["code"]: f for f in data["findings"]}
    assert "commune-other-rubric" in found and "Cao Ngạn" in found["commune-other-rubric"]["message"]
    assert "commune-unexpected" in found and "Bình Minh" in found["commune-unexpected"]["message"]


# --------------------------------------------------------------------------- outputs

def test_output_that_is_an_input_and_output_that_cannot_be_written(tmp_path, tt44_set):
    folder = copy_set(tt44_set, tmp_path / "phieu")
    target = unit_files(folder)[0]
    code, text = run_cli("merge", folder, "-o", target)
    assert code == 2 and message_of("output-is-input", file=target) in text
    blocker = tmp_path / "la-tep"
    blocker.write_text("x")
    code, text = run_cli("merge", folder, "-o", blocker / "t.xlsx")
    assert code == 2 and says(text, "output-unwritable")


def test_broken_commune_template_for_the_dossier(tmp_path, tt44_set):
    mine = tmp_path / "mau"
    mine.mkdir()
    document = docx.Document()
    document.add_paragraph("{% if draft %}không đóng")
    document.save(str(mine / "to-trinh.docx"))
    code, text = run_cli("merge", tt44_set, "-o", tmp_path / "t.xlsx", "--docs", tmp_path / "ho-so",
                         "--docs-templates", mine)
    assert code == 2 and says(text, "docs-template-invalid") and "to-trinh.docx" in text
    assert F.CATALOGUE["docs-template-invalid"][0] == F.ERROR


# --------------------------------------------------------------------------- the level above

def test_check_form_without_its_keys_and_unreadable_docs_settings(tmp_path):
    from test_district import commune_folder, summary
    from test_district_check import SHEET
    src, inbox = tmp_path / "src", tmp_path / "inbox"
    inbox.mkdir()
    summary(inbox, commune_folder(src, "An Bình", tt44_values()))
    form = tmp_path / "phieu.xlsx"
    assert run_cli("district", inbox, "-o", tmp_path / "h.xlsx", "--check-form", form)[0] in (0, 1)
    wb = openpyxl.load_workbook(form)
    for row in wb[SHEET].iter_rows():
        row[0].value = None                     # the hidden key column emptied
    wb.save(form)
    code, text = run_cli("district", inbox, "-o", tmp_path / "h2.xlsx", "--json", tmp_path / "h2.json",
                         "--checked", form)
    data = json.loads((tmp_path / "h2.json").read_text("utf-8"))
    assert "check-form-no-rows" in [f["code"] for f in data["findings"]]
    settings = tmp_path / "thiet-lap.json"
    settings.write_text("{ không phải JSON", encoding="utf-8")
    code, text = run_cli("district", inbox, "-o", tmp_path / "h3.xlsx", "--docs", tmp_path / "ho-so",
                         "--docs-settings", settings)
    assert code == 2 and says(text, "docs-settings-unreadable")


def test_a_reader_that_hangs_is_that_files_finding(tmp_path):
    """The guarded reader stopped after its wall-clock limit (see test_isolation for a real hang)."""
    from cdht_excel.reading.guard import Crash
    from cdht_excel.reading.read import as_book
    book = as_book(Input(tmp_path / "treo.xlsx", "treo.xlsx"), Crash("timeout", "quá 60 giây"))
    assert [f.code for f in book.findings] == ["file-reader-timeout"]
    assert book.findings[0].message == message_of("file-reader-timeout", file="treo.xlsx", detail="quá 60 giây")

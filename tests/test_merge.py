"""cdht merge on real returned sets: totals, classes (TT 44 Điều 4.3), findings, exit codes."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from commune import (TT44_SCORES, codes, copy_into, finding, merge, returned_set, tt44_values, with_total)
from support import TRACEBACK_RE, make_template, fill, run_cli


def unit_file(folder: Path, index: int) -> Path:
    return sorted(folder.glob("*.xlsx"))[index - 1]


def test_clean_set_total_class_and_exit_code(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    code, text, report = merge(folder)
    assert code == 0, text
    assert report["total"] == sum(TT44_SCORES.values()) == 92.5
    assert report["classification"] == {"code": "tot", "label": "Tốt"}
    assert report["complete"] is True
    assert [c["id"] for c in report["criteria"]] == [str(i) for i in range(1, 16)]
    assert {c["id"]: c["score"] for c in report["criteria"]} == {str(k): v for k, v in TT44_SCORES.items()}
    assert all(c["passed"] and c["evidence"] for c in report["criteria"])
    assert len(report["units"]) == 10 and all(u["status"] == "ok" for u in report["units"])
    assert codes(report, "error") == []
    assert "rubric-repealed" in codes(report, "warning")          # TT 44 for 2024: warn, name TT 25
    assert "25/2023" in finding(report, "rubric-repealed")["message"]
    assert "maxima-unknown" in codes(report, "info")
    assert "TỐT" in text and "92,5" in text
    keys = {"schema", "rubric", "commune", "district", "province", "year", "complete", "total", "max_total",
            "classification", "criteria", "units", "findings"}
    assert keys <= set(report)
    assert {"id", "title", "unit", "max", "score", "passed", "evidence", "source"} <= set(report["criteria"][0])
    assert {"name", "criteria", "files", "filled", "total"} <= set(report["units"][0])


@pytest.mark.parametrize("total,expected", [(85, "tot"), (84.5, "kha"), (70, "kha"), (69.5, "trung-binh"),
                                            (50, "trung-binh"), (49.5, "chua-dat")])
def test_bands_are_lower_bounds(tmp_path, total, expected):
    code, text, report = merge(returned_set(tmp_path, tt44_values(with_total(total))))
    assert report["total"] == total
    assert report["classification"]["code"] == expected
    assert code == 0


def test_criterion_at_zero_is_chua_dat_even_with_high_total(tmp_path):
    scores = {**TT44_SCORES, 15: 0, 1: 15}   # total 92.5, criterion 15 at 0
    code, _, report = merge(returned_set(tmp_path, tt44_values(scores)))
    assert report["total"] == 92.5
    assert report["classification"]["code"] == "chua-dat"
    assert "criterion-zero" in codes(report, "warning")


def test_score_without_evidence_counts_zero_and_is_an_error(tmp_path):
    values = tt44_values()
    del values["C7_EVIDENCE"]
    code, text, report = merge(returned_set(tmp_path, values))
    assert code == 1
    f = finding(report, "score-without-evidence")
    assert (f["criterion"], f["unit"], f["sheet"], f["cell"]) == ("7", "Văn phòng UBND xã", "Văn phòng UBND xã", "F12")
    assert {c["id"]: c["score"] for c in report["criteria"]}["7"] == 0
    assert report["total"] == 92.5 - 6
    assert report["classification"]["code"] == "chua-dat"
    assert report["complete"] is True


def test_missing_unit_is_not_classified(tmp_path):
    folder = returned_set(tmp_path, tt44_values(), skip=(9,))      # Trạm Y tế xã (criterion 14)
    code, text, report = merge(folder)
    assert code == 1
    assert report["classification"]["code"] == "chua-xep-loai"
    assert report["complete"] is False
    f = finding(report, "unit-missing")
    assert "Trạm Y tế xã" in f["message"] and "14" in f["message"]
    assert report["total"] == 92.5 - 6            # the sum of what is there
    assert "chua-xep-loai" not in text and "CHƯA XẾP LOẠI" in text


@pytest.mark.parametrize("typed,ok", [("7,5", True), ("7.5", True), (" 7,5 ", True), ("bảy", False)])
def test_scores_typed_as_text(tmp_path, typed, ok):
    values = tt44_values()
    values["C3_SCORE"] = typed
    code, _, report = merge(returned_set(tmp_path, values))
    score3 = {c["id"]: c["score"] for c in report["criteria"]}["3"]
    if ok:
        assert code == 0 and score3 == 7.5
    else:
        assert code == 1 and score3 is None
        f = finding(report, "score-not-number")
        assert (f["sheet"], f["cell"], f["criterion"]) == ("Ủy ban MTTQ xã", "E11", "3")
        assert "bảy" in f["message"]
        assert report["classification"]["code"] == "chua-xep-loai"


@pytest.mark.parametrize("score,code_", [(-1, "score-negative"), (6.3, "score-off-step"), (101, "score-above-max")])
def test_invalid_scores(tmp_path, score, code_):
    values = tt44_values()
    values["C13_SCORE"] = score
    code, _, report = merge(returned_set(tmp_path, values))
    assert code == 1
    f = finding(report, code_)
    assert (f["criterion"], f["sheet"], f["cell"]) == ("13", "Đoàn Thanh niên xã", "E11")
    assert report["classification"]["code"] == "chua-xep-loai"


def test_empty_item_is_named(tmp_path):
    values = tt44_values()
    del values["C11_SCORE"]
    code, _, report = merge(returned_set(tmp_path, values))
    f = finding(report, "value-empty")
    assert (f["criterion"], f["cell"], f["unit"]) == ("11", "E13", "Văn phòng UBND xã")
    assert report["classification"]["code"] == "chua-xep-loai"


def test_conflicting_copies_name_both_files_and_choose_nothing(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    other = dict(tt44_values(), C2_SCORE=8)
    src = unit_file(folder, 2)                          # Văn phòng UBND xã
    fill(src, folder / "VP UBND - bản sửa.xlsx", other, only_existing=True)
    code, text, report = merge(folder)
    assert code == 1
    f = finding(report, "unit-conflict")
    assert src.name in f["message"] and "VP UBND - bản sửa.xlsx" in f["message"]
    assert "E11" in f["message"]
    assert {c["id"]: c["status"] for c in report["criteria"]}["2"] == "conflict"
    assert report["classification"]["code"] == "chua-xep-loai"


def test_identical_copies_merge_quietly(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    copy_into(unit_file(folder, 4), folder / "gửi lại", "Nhà trường (bản 2).xlsx")
    code, _, report = merge(folder)
    assert code == 0
    assert report["total"] == 92.5
    assert "unit-duplicate" in codes(report, "info")


def test_whole_workbook_flow_each_unit_fills_its_own_sheet(tmp_path):
    """Every unit returns a copy of the whole workbook with only its own sheet filled."""
    template = make_template(tmp_path)
    folder = tmp_path / "ve"
    folder.mkdir()
    from support import SEED_UNITS_TT44
    for name, criteria in SEED_UNITS_TT44:
        own = {k: v for k, v in tt44_values().items() if k.split("_")[0][1:] in criteria}
        fill(template, folder / f"{name}.xlsx", own)
    code, text, report = merge(folder)
    assert code == 0, text
    assert report["total"] == 92.5 and report["classification"]["code"] == "tot"


def test_files_of_another_commune_or_year_are_left_out(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    other = returned_set(tmp_path, tt44_values({15: 1}), commune="Đồng Tâm", folder="khac")
    later = returned_set(tmp_path, tt44_values({15: 1}), year=2023, folder="nam-khac")
    copy_into(unit_file(other, 10), folder, "Công an xã Đồng Tâm.xlsx")
    copy_into(unit_file(later, 10), folder, "Công an 2023.xlsx")
    code, _, report = merge(folder)
    assert code == 1
    assert finding(report, "other-commune")["file"].endswith("Công an xã Đồng Tâm.xlsx")
    assert finding(report, "other-year")["file"].endswith("Công an 2023.xlsx")
    assert report["total"] == 92.5 and report["classification"]["code"] == "tot"


def test_bad_files_are_reported_and_the_rest_merge(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    (folder / "rỗng.xlsx").write_bytes(b"")
    good = unit_file(folder, 1).read_bytes()
    (folder / "hỏng.xlsx").write_bytes(good[: len(good) // 2])
    (folder / "ghi chú.xlsx").write_text("đây không phải bảng tính", encoding="utf-8")
    with zipfile.ZipFile(folder / "báo cáo.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    (folder / "~$Công an xã.xlsx").write_bytes(b"\x00lock")
    (folder / ".~lock.Công an xã.xlsx#").write_text("lock")
    code, text, report = merge(folder)
    assert code == 1
    by_file = {f["file"].split("/")[-1]: f["code"] for f in report["findings"] if f["severity"] == "error"}
    assert by_file["rỗng.xlsx"] == "file-empty"
    assert by_file["hỏng.xlsx"] == "file-corrupt"
    assert by_file["ghi chú.xlsx"] == "file-not-workbook"
    assert by_file["báo cáo.xlsx"] == "file-not-workbook"
    assert not any("lock" in (f["file"] or "") or "~$" in (f["file"] or "") for f in report["findings"])
    assert report["total"] == 92.5 and report["classification"]["code"] == "tot"
    assert not TRACEBACK_RE.search(text)


def test_same_inputs_give_byte_identical_json(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    (folder / "rỗng.xlsx").write_bytes(b"")
    run_cli("merge", folder, "-o", tmp_path / "a.xlsx", "--json", tmp_path / "a.json")
    run_cli("merge", folder, "-o", tmp_path / "b.xlsx", "--json", tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_output_equal_to_an_input_is_refused(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    target = unit_file(folder, 1)
    before = target.read_bytes()
    code, text = run_cli("merge", folder, "-o", target)
    assert code == 2 and "trùng" in text
    assert target.read_bytes() == before


def test_no_readable_input_exits_2(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"")
    code, text = run_cli("merge", tmp_path, "-o", tmp_path / "out" / "t.xlsx")
    assert code == 2
    assert "rỗng" in text
    code, text = run_cli("merge", tmp_path / "khong-co", "-o", tmp_path / "t.xlsx")
    assert code == 2 and "khong-co" in text


def test_summary_workbook_contents(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    code, _, report = merge(folder, out=tmp_path / "tong-hop.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "tong-hop.xlsx")
    assert wb.sheetnames[:5] == ["Kết quả", "Tiêu chí", "Đơn vị", "Phát hiện", "Phiếu chấm điểm"]
    assert wb["_cdht_result"].sheet_state == "hidden"
    cover = [c for row in wb["Kết quả"].iter_rows(values_only=True) for c in row if c is not None]
    assert 92.5 in cover and "TỐT" in cover
    from cdht_excel.reading.summary import read_summary_report
    assert read_summary_report(tmp_path / "tong-hop.xlsx") == report


def test_injected_text_stays_text_in_the_summary(tmp_path):
    values = tt44_values()
    values["C3_EVIDENCE"] = '=HYPERLINK("http://x","y")'
    values["C4_EVIDENCE"] = "@SUM(A1)"
    folder = returned_set(tmp_path, values)
    code, _, report = merge(folder, out=tmp_path / "t.xlsx")
    assert code == 0 and report["total"] == 92.5
    evidence = {c["id"]: c["evidence"] for c in report["criteria"]}
    assert evidence["3"] == ['=HYPERLINK("http://x","y")'] and evidence["4"] == ["@SUM(A1)"]
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    texts = [c for row in wb["Minh chứng"].iter_rows() for c in row]   # evidence has its own sheet
    hyper = [c for c in texts if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert hyper and all(c.data_type == "s" for c in hyper)
    assert any(c.value == "@SUM(A1)" and c.data_type == "s" for c in texts)


def test_status_shows_progress_per_unit(tmp_path):
    values = tt44_values()
    del values["C11_SCORE"]
    del values["C8_EVIDENCE"]
    folder = returned_set(tmp_path, values, skip=(10,))
    code, text = run_cli("status", folder, "--json", tmp_path / "s.json")
    data = json.loads((tmp_path / "s.json").read_text("utf-8"))
    units = {u["name"]: u for u in data["units"]}
    assert (units["Văn phòng UBND xã"]["filled"], units["Văn phòng UBND xã"]["total"]) == (2, 3)
    assert units["Hội Nông dân xã"]["evidence_missing"] == 1
    assert units["Công an xã"]["status"] == "missing"
    assert "Văn phòng UBND xã" in text and "2/3" in text
    assert code == 1


def test_same_inputs_give_the_same_workbook_content(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    contents = []
    for name in ("a.xlsx", "b.xlsx"):
        run_cli("merge", folder, "-o", tmp_path / name)
        wb = openpyxl.load_workbook(tmp_path / name)
        contents.append({ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets})
        contents[-1]["created"] = wb.properties.created
    assert contents[0] == contents[1]


def test_maxima_from_the_plan_are_enforced_by_merge(tmp_path):
    """A province's appendix maxima, typed into the plan's "Điểm tối đa" sheet, travel in the template's stamp."""
    from support import PROVINCE_MAXIMA as maxima, plan_with_maxima
    plan, split = plan_with_maxima(tmp_path)
    values = dict(tt44_values(), C2_SCORE=7)                    # criterion 2 is worth 5 points at most
    folder = tmp_path / "ve"
    folder.mkdir()
    for path in sorted(split.glob("*.xlsx")):
        fill(path, folder / path.name, values, only_existing=True)
    code, _, report = merge(folder)
    f = finding(report, "score-above-max")
    assert (f["criterion"], f["cell"]) == ("2", "E11") and "5" in f["message"]
    assert {c["id"]: c["max"] for c in report["criteria"]} == {str(k): v for k, v in maxima.items()}
    assert "maxima-unknown" not in codes(report)
    assert code == 1 and report["classification"]["code"] == "chua-xep-loai"

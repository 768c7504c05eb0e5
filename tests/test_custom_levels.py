"""A province's own levels rubric (tt25-2023 exported, given another id) flows like tt25 itself:
template → merge → district with counts per level and the ≥ 90 % indicator; the district table as CSV."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from commune import tt25_values
from support import fill, make_template, run_cli, says

CUSTOM_ID = "thai-nguyen-2025"
LEVEL_2 = {"C4_2_LEVEL": "Mức độ 3", "C4_3_LEVEL": "Mức độ 3", "C4_4_LEVEL": "Mức độ 2",
           "C5_1_CITIZENS": 8000, "C5_2_TRAINED": 6000, "C5_2_UNIVERSITY": 1500}


def custom_rubric(tmp_path: Path) -> Path:
    """`cdht rubric export tt25-2023`, then the id and version edited in Excel's way (openpyxl)."""
    path = tmp_path / "bo-tieu-chi-tinh.xlsx"
    code, text = run_cli("rubric", "export", "tt25-2023", "-o", path)
    assert code == 0, text
    wb = openpyxl.load_workbook(path)
    ws = wb["Bộ tiêu chí"]
    keys = {row[0].value: row for row in ws.iter_rows(min_row=2) if row[0].value}
    keys["id"][2].value = CUSTOM_ID
    keys["version"][2].value = "2025-tn"
    wb.save(path)
    code, text = run_cli("rubric", "check", path)
    assert code == 0 and CUSTOM_ID in text, text
    return path


def commune(tmp_path: Path, rubric: Path, name: str, values: dict) -> Path:
    """One commune's returned unit files, filled through the CDHT_ names of the generated template."""
    work = tmp_path / f"_{name}"
    make_template(work, rubric=str(rubric), year=2025, commune=name, split_dir=work / "split", hard_area=False,
                  district="Đồng Hỷ", province="Thái Nguyên")
    folder = tmp_path / "phieu" / name
    folder.mkdir(parents=True)
    for n, path in enumerate(sorted((work / "split").glob("*.xlsx")), start=1):
        fill(path, folder / f"Phiếu {n:02d}.xlsx", values, only_existing=True)
    return folder


@pytest.fixture(scope="module")
def district_set(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("custom-levels")
    rubric = custom_rubric(tmp_path)
    folders = [commune(tmp_path, rubric, "An Khánh", tt25_values()),
               commune(tmp_path, rubric, "Bình Sơn", tt25_values(LEVEL_2)),
               commune(tmp_path, rubric, "Cao Ngạn", tt25_values({"C2_1_RESULT": "Không đạt"}))]
    summaries = tmp_path / "tong-hop"
    reports = {}
    for folder in folders:
        out = summaries / f"{folder.name}.xlsx"
        code, text = run_cli("merge", folder, "-o", out, "--json", out.with_suffix(".json"))
        assert code == 0, text
        reports[folder.name] = json.loads(out.with_suffix(".json").read_text("utf-8"))
        out.with_suffix(".json").rename(tmp_path / f"{folder.name}.json")   # only workbooks in the inbox
    return tmp_path, summaries, reports


def test_the_report_states_its_scheme_and_classes(district_set):
    _, _, reports = district_set
    report = reports["Bình Sơn"]
    assert report["rubric"] == CUSTOM_ID and report["scheme"] == "levels"
    assert report["classification"]["code"] == "muc-do-2"
    assert [c["level"] for c in report["classes"]] == [2, 1, 0]
    assert reports["An Khánh"]["classification"]["code"] == "muc-do-1"
    assert reports["Cao Ngạn"]["classification"]["code"] == "chua-dat"


@pytest.mark.parametrize("source", ["summaries", "folders"])
def test_custom_levels_rubric_gets_level_counts_and_the_indicator(district_set, source, tmp_path):
    base, summaries, _ = district_set
    inputs = summaries if source == "summaries" else base / "phieu"
    code, text = run_cli("district", inputs, "-o", tmp_path / "huyen.xlsx", "--json", tmp_path / "huyen.json")
    data = json.loads((tmp_path / "huyen.json").read_text("utf-8"))
    assert data["rubric"] == CUSTOM_ID and data["scheme"] == "levels"
    assert data["counts"] == {"muc-do-2": 1, "muc-do-1": 1, "chua-dat": 1, "chua-xep-loai": 0}
    ind = data["indicator"]
    assert ind["level_1"] == {"count": 2, "total": 3, "percent": 66.67, "passed": False}
    assert ind["level_2"] == {"count": 1, "total": 3, "percent": 33.33, "passed": False}
    assert "Tỷ lệ xã đạt mức độ 1: 2/3" in text
    wb = openpyxl.load_workbook(tmp_path / "huyen.xlsx", read_only=True)
    rows = [list(r) for r in wb["Các xã"].iter_rows(values_only=True)]
    assert rows[0][5] == "Mức độ" and rows[0][8] == "TC 1" and "—" not in rows[0]   # no total for levels
    assert [r[5] for r in rows[1:]] == ["Mức độ 1", "Mức độ 2", "Chưa đạt"]
    assert rows[2][8] == "Mức độ 2"
    stats = [list(r) for r in wb["Thống kê"].iter_rows(values_only=True)]
    assert ["Mức độ 2", 1] in [r[:2] for r in stats]
    assert any(r[0] == "Mức độ 1 (kể cả mức độ 2)" and r[1] == 2 for r in stats)


def test_district_csv_is_the_workbook_table(district_set, tmp_path):
    _, summaries, _ = district_set
    out, table = tmp_path / "huyen.xlsx", tmp_path / "huyen.csv"
    code, text = run_cli("district", summaries, "-o", out, "--csv", table)
    assert table.read_bytes().startswith(b"\xef\xbb\xbf")            # Excel reads the BOM as UTF-8
    with open(table, encoding="utf-8-sig", newline="") as fh:
        got = list(csv.reader(fh))
    wb = openpyxl.load_workbook(out, read_only=True)
    sheet = [["" if v is None else v for v in r] for r in wb["Các xã"].iter_rows(values_only=True)]
    assert got[0] == sheet[0]
    assert len(got) == len(sheet) == 4
    for csv_row, xlsx_row in zip(got[1:], sheet[1:]):
        assert csv_row == [str(v) for v in xlsx_row]
    assert got[1][3] == "xã An Khánh"


def test_district_csv_refuses_a_name_of_another_output(district_set, tmp_path):
    """--csv under the name of -o (or of another type) is refused before anything is read or written."""
    _, summaries, _ = district_set
    same = tmp_path / "huyen.xlsx"
    code, text = run_cli("district", summaries, "-o", same, "--csv", same)
    assert code == 2 and says(text, "output-wrong-type") and not same.exists()
    table = tmp_path / "huyen.csv"
    code, text = run_cli("district", summaries, "-o", tmp_path / "h.xlsx", "--csv", table, "--docs", tmp_path)
    assert code == 2 and says(text, "output-clash") and not table.exists()

"""One identity for Vietnamese names (merge and district): tone placement, case, NFC and spaces are
not differences; diacritics are, and names that differ only by them are reported, never merged."""
from __future__ import annotations

import unicodedata

import pytest

from cdht_excel.vietnamese import differ_only_by_diacritics, same_name
from commune import codes, finding, merge, returned_set, tt44_values
from support import fill, make_template
from test_district import commune_folder, district


@pytest.mark.parametrize("a,b", [
    ("Đồng Hoà", "Đồng Hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("Hoà Bình", "hòa  bình"),
    ("Đồng Thịnh", unicodedata.normalize("NFD", "Đồng Thịnh")), ("ĐỒNG THỊNH", "đồng thịnh"),
    ("Quảng Hoà", "Quảng Hòa "), ("Thuỵ Khuê", "Thụy Khuê"),
])
def test_same_name(a, b):
    assert same_name(a, b)
    assert not differ_only_by_diacritics(a, b)


@pytest.mark.parametrize("a,b", [("Đồng", "Đông"), ("Đông", "Dong"), ("Đồng Thịnh", "Dong Thinh"),
                                 ("Đồng Thịnh", "Đông Thịnh")])
def test_diacritics_make_another_name(a, b):
    assert not same_name(a, b)
    assert differ_only_by_diacritics(a, b)


def test_merge_old_tone_placement_is_the_same_commune(tmp_path):
    folder = returned_set(tmp_path, tt44_values(), commune="Đồng Hòa")
    old = make_template(tmp_path / "cu", commune="Đồng Hoà", split_dir=tmp_path / "cu" / "split")
    police = sorted((tmp_path / "cu" / "split").glob("*.xlsx"))[-1]
    mine = sorted(folder.glob("*.xlsx"))[-1]
    mine.unlink()
    fill(police, folder / "Công an xã (mẫu cũ).xlsx", tt44_values(), only_existing=True)
    assert old.exists()
    code, _, report = merge(folder)
    assert "other-commune" not in codes(report) and "name-diacritics" not in codes(report)
    assert report["total"] == 92.5 and report["complete"]


def test_merge_keeps_a_name_without_diacritics_apart_and_says_why(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    make_template(tmp_path / "khac", commune="Dong Thinh", split_dir=tmp_path / "khac" / "split")
    stray = sorted((tmp_path / "khac" / "split").glob("*.xlsx"))[0]
    fill(stray, folder / "Phiếu Dong Thinh.xlsx", tt44_values(), only_existing=True)
    code, _, report = merge(folder)
    assert report["commune"] == "Đồng Thịnh" and report["total"] == 92.5
    assert finding(report, "other-commune")["file"].endswith("Phiếu Dong Thinh.xlsx")
    w = finding(report, "name-diacritics")
    assert "“Dong Thinh”" in w["message"] and "“Đồng Thịnh”" in w["message"]


def test_district_keeps_communes_that_differ_by_diacritics_apart(tmp_path):
    src = tmp_path / "src"
    for name in ("Đồng Thịnh", "Đông Thịnh", "Dong Thinh"):
        commune_folder(src, name, tt44_values())
    commune_folder(src / "b", "Đồng Hoà", tt44_values())
    commune_folder(src / "c", "Đồng Hòa", tt44_values())
    code, _, data = district(src, tmp_path=tmp_path)
    names = sorted(c["commune"] for c in data["communes"])
    assert len(names) == 4 and {"Đồng Thịnh", "Đông Thịnh", "Dong Thinh"} <= set(names)
    assert "commune-conflict" not in codes(data)
    assert codes(data).count("commune-duplicate") == 1          # Đồng Hoà = Đồng Hòa
    twins = [f["message"] for f in data["findings"] if f["code"] == "name-diacritics"]
    assert len(twins) == 3 and any("Đông Thịnh" in m and "Đồng Thịnh" in m for m in twins)


def test_a_swapped_stamp_is_an_error_and_that_sheet_is_not_merged(tmp_path):
    import openpyxl
    folder = returned_set(tmp_path, tt44_values())
    mine = sorted(folder.glob("*.xlsx"))[-1]                              # Công an xã of Đồng Thịnh
    make_template(tmp_path / "khac", commune="Đông Thịnh", split_dir=tmp_path / "khac" / "split")
    theirs = sorted((tmp_path / "khac" / "split").glob("*.xlsx"))[-1]    # Công an xã of Đông Thịnh
    ours_stamp = openpyxl.load_workbook(mine)["Công an xã"]["A1"].value
    wb = openpyxl.load_workbook(theirs)
    wb["Công an xã"]["A1"] = ours_stamp               # the stamp cell pasted over from our file
    hybrid = folder / "Công an xã (bản ghép).xlsx"
    wb.save(hybrid)
    fill(hybrid, hybrid, tt44_values(), only_existing=True)
    mine.unlink()
    code, _, report = merge(folder)
    f = finding(report, "stamp-mismatch")
    assert f["file"].endswith(hybrid.name) and f["sheet"] == "Công an xã"
    assert "Đồng Thịnh" in f["message"] and "Đông Thịnh" in f["message"]
    assert finding(report, "unit-missing")["unit"] == "Công an xã"
    assert {c["id"]: c["score"] for c in report["criteria"]}["15"] is None

"""Year over year: --previous LAST.json gives each commune's last class and the change; TT 25 Điều 5.3."""
from __future__ import annotations

import json

import openpyxl

from cdht_excel.rules import findings as F
from commune import TT44_SCORES, tt25_values, tt44_values
from test_district import codes, commune_folder, district

LEVEL2 = {"C4_2_LEVEL": "Mức độ 3", "C4_3_LEVEL": "Mức độ 3", "C4_4_LEVEL": "Mức độ 2",
          "C5_1_CITIZENS": 8000, "C5_2_TRAINED": 6000, "C5_2_UNIVERSITY": 1500}
FAILS = {"C2_1_RESULT": "Không đạt"}


def _year(tmp_path, year: int, communes: dict, rubric="tt25-2023", values=tt25_values):
    src = tmp_path / f"src-{year}"
    for name, overrides in communes.items():
        commune_folder(src, name, values(overrides), rubric=rubric, year=year)
    out = tmp_path / f"out-{year}"
    out.mkdir()
    return src, out


def test_tt25_change_and_level_2_only_after_level_1(tmp_path):
    src, out = _year(tmp_path, 2024, {"An Bình": {}, "Bình Minh": {}, "Cao Sơn": FAILS, "Dạ Lê": {}})
    code, text, last = district(src, tmp_path=out)
    src, out = _year(tmp_path, 2025, {"An Bình": LEVEL2, "Bình Minh": {}, "Cao Sơn": LEVEL2, "Đông Hòa": {}})
    code, text, data = district(src, tmp_path=out, extra=("--previous", tmp_path / "out-2024" / "huyen.json"))
    by_name = {c["commune"]: c["previous"] for c in data["communes"]}
    assert by_name["An Bình"]["classification"]["code"] == "muc-do-1" and by_name["An Bình"]["change"] == "up"
    assert by_name["Bình Minh"]["change"] == "same"
    assert by_name["Cao Sơn"]["classification"]["code"] == "chua-dat" and by_name["Cao Sơn"]["change"] == "up"
    assert by_name["Đông Hòa"] == {"year": 2024, "rubric": "tt25-2023", "classification": None, "change": "new"}
    too_early = [f for f in data["findings"] if f["code"] == "previous-raise-too-early"]
    assert [f["message"].split(" đạt")[0] for f in too_early] == ["xã Cao Sơn (Đồng Hỷ, Thái Nguyên)"]
    check_date = [f for f in data["findings"] if f["code"] == "previous-raise-check-date"]
    assert len(check_date) == 1 and "An Bình" in check_date[0]["message"], [f["message"] for f in check_date]
    assert "previous-commune-absent" in codes(data)
    assert data["previous"] == {"file": "huyen.json", "year": 2024, "rubric": "tt25-2023"}
    rows = list(openpyxl.load_workbook(out / "huyen.xlsx", read_only=True)["Năm trước"].iter_rows(values_only=True))
    assert rows[0][2:4] == ("Năm 2024", "Năm 2025")
    shown = {r[1]: r for r in rows[1:]}
    assert shown["xã An Bình"][2:] == ("Mức độ 1", "Mức độ 2", "Lên loại")


def test_tt44_down_and_unreadable_previous(tmp_path):
    src, out = _year(tmp_path, 2023, {"An Bình": None}, rubric="tt44-2014", values=tt44_values)
    district(src, tmp_path=out)
    lower = {**TT44_SCORES, 15: 1}                 # 92,5 -> 84,5: Khá
    src, out = _year(tmp_path, 2024, {"An Bình": lower}, rubric="tt44-2014", values=tt44_values)
    code, text, data = district(src, tmp_path=out, extra=("--previous", tmp_path / "out-2023" / "huyen.json"))
    prev = data["communes"][0]["previous"]
    assert (prev["classification"]["code"], data["communes"][0]["classification"]["code"], prev["change"]) == \
        ("tot", "kha", "down")
    bad = tmp_path / "khong-phai.json"
    bad.write_text(json.dumps({"schema": "cdht-report/1"}), encoding="utf-8")
    code, text, data = district(src, tmp_path=out, extra=("--previous", bad))
    [f] = [f for f in data["findings"] if f["code"] == "previous-unreadable"]
    assert f["severity"] == F.ERROR and code == 1

"""TT 25/2023 (Điều 6–8): levels from indicators, ratios from counts, the vùng khó khăn variant."""
from __future__ import annotations

import pytest

from commune import codes, finding, merge, returned_set, tt25_values


def run(tmp_path, overrides=None, hard_area=False, **kw):
    folder = returned_set(tmp_path, tt25_values(overrides, **kw), rubric="tt25-2023", year=2025,
                          hard_area=hard_area)
    return merge(folder)


def test_level_1_when_every_level_1_indicator_passes(tmp_path):
    code, text, report = run(tmp_path)
    assert code == 0, text
    assert report["classification"] == {"code": "muc-do-1", "label": "Mức độ 1"}
    assert report["total"] is None and report["complete"] is True
    c5 = next(c for c in report["criteria"] if c["id"] == "5")
    i52 = next(i for i in c5["items"] if i["id"] == "5.2")
    assert i52["percents"] == {"TRAINED": 52.0, "UNIVERSITY": 13.0}
    assert (i52["level_1"], i52["level_2"]) == (True, False)
    assert "rubric-repealed" not in codes(report)


def test_level_2_when_every_level_2_indicator_passes(tmp_path):
    code, _, report = run(tmp_path, {"C4_2_LEVEL": "Mức độ 3", "C4_3_LEVEL": "Mức độ 3", "C4_4_LEVEL": "Mức độ 2",
                                     "C5_1_CITIZENS": 8000, "C5_2_TRAINED": 6000, "C5_2_UNIVERSITY": 1500})
    assert report["classification"]["code"] == "muc-do-2"


def test_thresholds_are_inclusive_and_one_failure_is_enough(tmp_path):
    # 60% exactly passes level 1; 1 indicator Không đạt makes the commune not recognised.
    code, _, report = run(tmp_path, {"C5_1_CITIZENS": 6000, "C2_3_RESULT": "Không đạt"})
    assert report["classification"]["code"] == "chua-dat"
    c2 = next(c for c in report["criteria"] if c["id"] == "2")
    assert c2["passed"] is False
    c5 = next(c for c in report["criteria"] if c["id"] == "5")
    assert c5["passed"] is True


@pytest.mark.parametrize("hard_area,expected", [(False, "chua-dat"), (True, "muc-do-1")])
def test_hard_area_thresholds(tmp_path, hard_area, expected):
    # 45% trained, 11% university: fails the general 50/12, passes the vùng khó khăn 40/10.
    code, _, report = run(tmp_path, {"C5_2_TRAINED": 4500, "C5_2_UNIVERSITY": 1100}, hard_area=hard_area)
    assert report["classification"]["code"] == expected
    assert report["hard_area"] is hard_area


def test_count_larger_than_base_is_an_error(tmp_path):
    code, _, report = run(tmp_path, {"C5_2_UNIVERSITY": 12000})
    assert code == 1
    f = finding(report, "count-above-base")
    assert f["criterion"] == "5" and f["unit"] == "Hội Khuyến học xã"
    assert report["classification"]["code"] == "chua-xep-loai"


def test_invalid_level_and_result_are_named(tmp_path):
    code, _, report = run(tmp_path, {"C4_2_LEVEL": "mức 5", "C1_2_RESULT": "tốt"})
    assert code == 1
    assert "level-invalid" in codes(report) and "result-invalid" in codes(report)
    assert finding(report, "level-invalid")["sheet"] == "Nhà trường"


def test_results_typed_without_diacritics_are_understood(tmp_path):
    code, _, report = run(tmp_path, {"C1_1_RESULT": "dat", "C1_2_RESULT": "ĐẠT"})
    assert report["classification"]["code"] == "muc-do-1"


def test_missing_evidence_is_a_warning_only(tmp_path):
    code, _, report = run(tmp_path, evidence=False)
    assert report["classification"]["code"] == "muc-do-1"
    assert codes(report, "warning").count("result-without-evidence") == 15


def test_different_population_in_5_1_and_5_2_is_a_warning(tmp_path):
    code, _, report = run(tmp_path, {"C5_1_BASE": 10000, "C5_2_BASE": 9800})
    f = finding(report, "count-base-differs")
    assert "5.1: 10000" in f["message"] and "5.2: 9800" in f["message"]
    assert f["severity"] == "warning" and report["classification"]["code"] == "muc-do-1"

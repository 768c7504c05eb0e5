"""Certain outcomes: when the data already known decides the class, an incomplete set is classified,
says why and lists what is still missing; otherwise it stays "chưa xếp loại"."""
from __future__ import annotations

import shutil
from pathlib import Path


from commune import finding, merge, returned_set, tt25_values, tt44_values
from support import fill, plan_with_maxima

SKIP_FARMERS = 5          # Hội Nông dân xã (criterion 8) sends nothing


def partial(tmp_path: Path, values: dict, skip: int = SKIP_FARMERS, **kw) -> Path:
    return returned_set(tmp_path, values, skip=(skip,), **kw)


def test_a_criterion_at_zero_decides_chua_dat_even_with_a_unit_missing(tmp_path):
    values = dict(tt44_values(), C6_SCORE=0)
    code, _, report = merge(partial(tmp_path, values))
    cls = report["classification"]
    assert report["complete"] is False
    assert cls["code"] == "chua-dat", cls
    assert "tiêu chí 6" in cls["reason"] and "Điều 4" in cls["reason"]
    assert "tiêu chí 8" in cls["reason"]                    # what is still missing
    assert finding(report, "result-certain")["severity"] == "info"


def test_zero_for_missing_evidence_decides_too(tmp_path):
    values = tt44_values()
    values["C12_EVIDENCE"] = "\u200b"                      # invisible: no evidence, criterion 12 counts 0
    code, _, report = merge(partial(tmp_path, values))
    assert report["classification"]["code"] == "chua-dat"
    assert "tiêu chí 12" in report["classification"]["reason"]


def test_without_a_deciding_fact_the_result_stays_unclassified(tmp_path):
    code, _, report = merge(partial(tmp_path, tt44_values()))
    assert report["classification"]["code"] == "chua-xep-loai"
    assert "result-certain" not in [f["code"] for f in report["findings"]]


def test_best_possible_total_below_every_band_is_chua_dat(tmp_path):
    plan, split = plan_with_maxima(tmp_path)
    low = {cid: 1 for cid in range(1, 16)}                   # 14 known points + at most 5 for criterion 8
    values = tt44_values(low)
    folder = tmp_path / "ve"
    folder.mkdir()
    for n, path in enumerate(sorted(split.glob("*.xlsx")), start=1):
        if n != SKIP_FARMERS:
            fill(path, folder / path.name, values, only_existing=True)
    code, _, report = merge(folder)
    cls = report["classification"]
    assert cls["code"] == "chua-dat", cls
    assert "19" in cls["reason"] and "50" in cls["reason"] and "tiêu chí 8" in cls["reason"]


def test_tt25_indicator_failed_at_level_1_decides_chua_dat(tmp_path):
    values = tt25_values({"C1_1_RESULT": "Không đạt"})
    code, _, report = merge(partial(tmp_path, values, skip=4, rubric="tt25-2023", year=2025, hard_area=False))
    cls = report["classification"]
    assert cls["code"] == "chua-dat", cls
    assert "1.1" in cls["reason"] and "Điều 8" in cls["reason"]


def test_tt25_failed_at_level_2_only_is_not_decided_but_says_at_most_level_1(tmp_path):
    values = tt25_values({"C4_4_LEVEL": "Mức độ 1"})          # level 1 already; level 2 needs more
    code, _, report = merge(partial(tmp_path, values, skip=1, rubric="tt25-2023", year=2025, hard_area=False))
    cls = report["classification"]
    assert cls["code"] == "chua-xep-loai"
    assert "Mức độ 2" in cls["reason"] and "4.4" in cls["reason"]


def test_draft_dossier_never_proposes_chua_xep_loai(tmp_path):
    import docx
    folder = partial(tmp_path, tt44_values())
    docs = tmp_path / "ho-so"
    code, _, report = merge(folder, extra=["--docs", docs])
    assert report["classification"]["code"] == "chua-xep-loai"
    for path in sorted(docs.glob("*.docx")):
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        assert "Chưa xếp loại" not in text and "CHƯA XẾP LOẠI" not in text, path.name
    to_trinh = next(p for p in docs.glob("*.docx") if "Tờ trình" in p.name)
    text = "\n".join(p.text for p in docx.Document(str(to_trinh)).paragraphs)
    assert "chưa xác định" in text and "tiêu chí 8" in text
    shutil.rmtree(docs)


def test_wrong_entries_are_fixed_first_but_the_reason_names_the_zero(tmp_path):
    values = dict(tt44_values(), C6_SCORE=0, C13_SCORE="bảy")     # criterion 13 cannot be read
    code, _, report = merge(partial(tmp_path, values))
    cls = report["classification"]
    assert cls["code"] == "chua-xep-loai"
    assert "tiêu chí 6 bị điểm 0" in cls["reason"] and "13" in cls["reason"] and "tiêu chí 8" in cls["reason"]

"""Compact commune sets for merge tests (pyxform style: state the data, build real workbooks).

    folder = returned_set(tmp_path, tt44_values(), split=True)

makes a real template with ``cdht template --split-dir``, fills every unit's file
through the ``CDHT_…`` names with the values given, and returns the folder of
filled files, named as units name them.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import fill, make_template, run_cli

# A plausible TT 44 set: every criterion > 0, total 92,5.
TT44_SCORES = {1: 6, 2: 7, 3: 5.5, 4: 6, 5: 7, 6: 5, 7: 6, 8: 5.5, 9: 7, 10: 6, 11: 5, 12: 6, 13: 5.5, 14: 6, 15: 9}


def tt44_values(scores: dict | None = None, evidence: bool = True) -> dict:
    scores = TT44_SCORES if scores is None else scores
    values = {}
    for cid, score in scores.items():
        values[f"C{cid}_SCORE"] = score
        if evidence:
            values[f"C{cid}_EVIDENCE"] = f"Báo cáo số {cid}/BC-UBND ngày 10/12/2024 về tiêu chí {cid}"
    return values


def with_total(total: float) -> dict:
    """Scores summing to `total` (all > 0): criteria 1–14 get 3 points, criterion 15 the rest."""
    scores = {cid: 3 for cid in range(1, 15)}
    scores[15] = round(total - 42, 1)
    assert scores[15] > 0
    return scores


TT25_LEVEL1 = {
    **{f"C{c}_{i}_RESULT": "Đạt" for c in (1, 2, 3) for i in (1, 2, 3)},
    "C4_1_LEVEL": "Đạt chuẩn", "C4_2_LEVEL": "Mức độ 2", "C4_3_LEVEL": "Mức độ 2", "C4_4_LEVEL": "Mức độ 1",
    "C5_1_BASE": 10000, "C5_1_CITIZENS": 6500,
    "C5_2_BASE": 10000, "C5_2_TRAINED": 5200, "C5_2_UNIVERSITY": 1300,
}


def tt25_values(overrides: dict | None = None, evidence: bool = True) -> dict:
    values = dict(TT25_LEVEL1)
    if evidence:
        for key in list(values):
            item = key.rsplit("_", 1)[0]
            values[f"{item}_EVIDENCE"] = f"Quyết định số 12/QĐ-UBND ngày 05/03/2025 ({item})"
    values.update(overrides or {})
    return values


def returned_set(tmp_path, values: dict, *, rubric: str = "tt44-2014", year: int = 2024, commune: str = "Đồng Thịnh",
                 folder: str = "phieu", skip: tuple[int, ...] = (), hard_area: bool | None = None) -> Path:
    """Split per-unit files filled with `values`; units whose index is in `skip` are not returned."""
    tmp_path = Path(tmp_path)
    work = tmp_path / f"_mau-{folder}"
    split = work / "split"
    make_template(work, rubric=rubric, year=year, commune=commune, split_dir=split, hard_area=hard_area)
    out = tmp_path / folder
    out.mkdir(parents=True, exist_ok=True)
    for index, path in enumerate(sorted(split.glob("*.xlsx")), start=1):
        if index in skip:
            continue
        fill(path, out / f"Phiếu đơn vị {index:02d} đã điền.xlsx", values, only_existing=True)
    return out


def merge(*inputs, out=None, extra=()) -> tuple[int, str, dict]:
    """Run `cdht merge` and return (exit code, terminal text, the JSON report)."""
    first = Path(inputs[0])
    base = first if first.is_dir() else first.parent
    out = Path(out) if out else base.parent / "tong-hop.xlsx"
    report = out.with_suffix(".json")
    if report.exists():
        report.unlink()
    code, text = run_cli("merge", *inputs, "-o", out, "--json", report, *extra)
    data = json.loads(report.read_text("utf-8")) if report.exists() else {}
    return code, text, data


def codes(report: dict, severity: str | None = None) -> list[str]:
    return [f["code"] for f in report["findings"] if severity is None or f["severity"] == severity]


def finding(report: dict, code: str) -> dict:
    matches = [f for f in report["findings"] if f["code"] == code]
    assert matches, f"no finding {code}; found {codes(report)}"
    return matches[0]


def copy_into(src: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(src, folder / name))

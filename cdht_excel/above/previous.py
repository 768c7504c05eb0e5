"""Year over year (`cdht district … --previous LAST.json`): each commune's class last year and the change.

LAST.json is last year's `cdht district --json`. Communes are matched by province, district, kind and
name (folded), not by file. For rubrics classified by levels (TT 25/2023) a commune at level 2 this year
is checked against Điều 5 khoản 3 as the project knows it (paraphrased from news, the article's own text
is not in the project): level 2 may be requested only at least 12 months after the decision recognising
level 1. The decision date is not in any file, so a commune at level 1 last year gets a reminder to check
it, and one without level 1 last year a warning.
"""
from __future__ import annotations

import json
from pathlib import Path

from cdht_excel.above.check import commune_identity
from cdht_excel.rules import findings as F
from cdht_excel.vietnamese import commune_label

RAISE_CITATION = "TT 25/2023/TT-BGDĐT, Điều 5 khoản 3 (nội dung theo tin TTXVN; chưa có nguyên văn)"
UP, DOWN, SAME, NEW, OTHER = "up", "down", "same", "new", "other-rubric"
CHANGE_LABEL = {UP: "Lên loại", DOWN: "Xuống loại", SAME: "Giữ nguyên", NEW: "Năm trước chưa có",
                OTHER: "Khác bộ tiêu chí, không so sánh được"}


def load_previous(path) -> tuple[dict | None, list[F.Finding]]:
    display = Path(path).name
    try:
        data = json.loads(Path(path).read_text("utf-8-sig"))
    except (OSError, ValueError) as exc:
        return None, [F.make("previous-unreadable", file=display, detail=type(exc).__name__)]
    from cdht_excel.rules.contract import DISTRICT_SCHEMA
    if not isinstance(data, dict) or data.get("schema") != DISTRICT_SCHEMA or not isinstance(data.get("communes"), list):
        return None, [F.make("previous-unreadable", file=display, detail="không phải tệp kết quả tổng hợp các xã",
                             technical=f"schema ≠ {DISTRICT_SCHEMA}")]
    return data, []


def _place(report: dict) -> tuple:
    return tuple(commune_identity(report)[:4])


def _last_class(entry: dict) -> dict:
    """Last year's class that counted: the level above's check when it had one."""
    check = entry.get("check")
    if check and check.get("status") == "checked" and check.get("classification"):
        return check["classification"]
    return entry.get("classification") or {"code": "chua-xep-loai", "label": "Chưa xếp loại"}


def compare(result, previous: dict, display: str, class_order: list[str], class_code) -> None:
    """Attach `Commune.previous` to every commune of `result` and add the findings.

    `class_order` lists the class codes from best to worst; `class_code(c)` is the class counted this year.
    """
    last: dict[tuple, dict] = {}
    for entry in previous["communes"]:
        if isinstance(entry, dict) and entry.get("commune") and entry.get("status", "ok") == "ok":
            last.setdefault(_place(entry), entry)
    rank = {code: i for i, code in enumerate(class_order)}
    levels = _levels(result)
    seen = set()
    for c in result.communes:
        if c.status != "ok":
            continue
        place = _place(c.report)
        seen.add(place)
        now = class_code(c)
        entry = last.get(place)
        if entry is None:
            c.previous = {"year": previous.get("year"), "rubric": previous.get("rubric"), "classification": None,
                          "change": NEW}
        else:
            before = _last_class(entry)
            if previous.get("rubric") != result.rubric:
                change = OTHER
            elif before["code"] == now:
                change = SAME
            elif before["code"] in rank and now in rank:
                change = UP if rank[now] < rank[before["code"]] else DOWN
            else:
                change = SAME if before["code"] == now else OTHER
            c.previous = {"year": previous.get("year"), "rubric": previous.get("rubric"),
                          "classification": {"code": before["code"], "label": before.get("label", before["code"])},
                          "change": change}
        _raise_rule(result, c, now, levels, display, previous)
    for place, entry in sorted(last.items()):
        if place not in seen:
            result.findings.append(F.make("previous-commune-absent", file=display,
                                          commune=commune_label(entry["commune"], entry.get("commune_kind")),
                                          year=previous.get("year")))
    result.previous = {"file": display, "year": previous.get("year"), "rubric": previous.get("rubric")}


def _levels(result) -> dict[str, int]:
    """{class code: level} of a rubric classified by levels, from the communes' reports (empty for points)."""
    return {e["code"]: e["level"] for e in getattr(result, "classes", None) or [] if (e.get("level") or 0) > 0}


def _raise_rule(result, c, now: str, levels: dict[str, int], display: str, previous: dict) -> None:
    """Điều 5.3: a level above the lowest only after 12 months at the level below."""
    if now not in levels or levels[now] <= min(levels.values()):
        return
    before = (c.previous.get("classification") or {}).get("code") if previous.get("rubric") == result.rubric else None
    before_level = levels.get(before, 0)
    if before_level >= levels[now]:
        return
    code = "previous-raise-check-date" if before_level == levels[now] - 1 else "previous-raise-too-early"
    result.findings.append(F.make(code, file=display, commune=c.label, citation=RAISE_CITATION,
                                  year=previous.get("year"), level=levels[now], below=levels[now] - 1))

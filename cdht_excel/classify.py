"""Classify: the rubric's scheme applied to checked criteria (pure, no if-chains per circular).

- ``points`` (TT 44/2014 Điều 4.3): the first class whose lower bound the total
  reaches, if it also requires "no criterion at 0" and none is 0; else the fallback.
- ``levels`` (TT 25/2023 Điều 8): the highest level at which every item passes;
  else the fallback.
An incomplete result is never classified: ``chua-xep-loai`` with the reasons.
"""
from __future__ import annotations

from dataclasses import dataclass

from cdht_excel.rubric import Rubric

UNCLASSIFIED = {"code": "chua-xep-loai", "label": "Chưa xếp loại"}


@dataclass(frozen=True)
class Classification:
    code: str
    label: str
    citation: str = ""
    reason: str = ""

    def to_dict(self) -> dict:
        return {"code": self.code, "label": self.label}


def points_class(rubric: Rubric, total: float, scores: list[float]) -> Classification:
    any_zero = any(score == 0 for score in scores)
    for entry in rubric.classes:
        if total >= entry["min_total"] - 1e-9 and not (entry.get("no_zero_criterion") and any_zero):
            return Classification(entry["code"], entry["label"], entry["citation"])
    fallback = rubric.fallback_class
    return Classification(fallback["code"], fallback["label"], fallback["citation"])


def level_class(rubric: Rubric, passes_at) -> Classification:
    """`passes_at(level)` tells whether every item passes at that level."""
    for entry in sorted(rubric.levels, key=lambda e: -e["level"]):
        if passes_at(entry["level"]):
            return Classification(entry["code"], entry["label"], entry["citation"])
    fallback = rubric.fallback_class
    return Classification(fallback["code"], fallback["label"], fallback["citation"])


def classify(rubric: Rubric, criteria, complete: bool, reason: str = "") -> Classification:
    if not complete:
        return Classification(UNCLASSIFIED["code"], UNCLASSIFIED["label"], reason=reason)
    if rubric.scheme == "points":
        scores = [c.score for c in criteria]
        return points_class(rubric, sum(scores), scores)
    return level_class(rubric, lambda level: all(c.passes(level) for c in criteria))

"""What `check` produces: one result per criterion and per item (plain data, no logic beyond reading it)."""
from __future__ import annotations

from dataclasses import dataclass, field

OK, MISSING, INVALID, CONFLICT = "ok", "missing", "invalid", "conflict"
STATUS_LABEL = {OK: "Đủ", MISSING: "Thiếu", INVALID: "Sai", CONFLICT: "Xung đột"}


@dataclass
class ItemResult:
    id: str
    kind: str
    status: str = OK
    score: float | None = None              # points: the score that counts (0 without evidence)
    entered: object = None                  # what the unit entered (number, result, level)
    levels: dict[int, bool] = field(default_factory=dict)   # passfail/level/ratio: passes at level L
    values: dict[str, float] = field(default_factory=dict)  # ratio counts
    percents: dict[str, float] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)
    note: str = ""
    cell: str | None = None


@dataclass
class CriterionResult:
    id: str
    title: str
    unit: str
    max: float | None
    status: str = OK
    score: float | None = None
    items: list[ItemResult] = field(default_factory=list)
    source: dict[str, str] | None = None

    @property
    def evidence(self) -> list[str]:
        return [line for item in self.items for line in item.evidence]

    def passes(self, level: int) -> bool:
        return all(item.levels.get(level, False) for item in self.items)

"""What a rubric is: criteria, their items, and the rubric's own fields (the model, no I/O).

A rubric is a list of criteria; each criterion holds items of one of four kinds:

- ``points``   a score (optional maximum, on the rubric's step) plus evidence (TT 44/2014);
- ``passfail`` đạt / không đạt plus evidence (TT 25/2023 qualitative indicators);
- ``level``    a choice from ordered options, with the option each level requires;
- ``ratio``    counts entered by the unit; each count over the base must reach a
               percentage per level (and per the "xã thuộc vùng khó khăn" variant).

How a rubric classifies is its scheme (`schemes.scheme_of(rubric)`); how it is loaded and validated,
`rubric`; its editable spreadsheet form, `rubric_sheet`. The model knows none of them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cdht_excel.rules import findings as F

PASS, FAIL = "Đạt", "Không đạt"

# What a unit enters for each kind of item, in sheet order. Ratio items add their counts.
TEXT_FIELDS = ("EVIDENCE", "NOTE")
MAIN_FIELD = {"points": "SCORE", "passfail": "RESULT", "level": "LEVEL"}
FIELD_LABEL = {"SCORE": "Điểm tự đánh giá", "RESULT": "Kết quả (Đạt/Không đạt)",
               "LEVEL": "Mức đạt được", "EVIDENCE": "Minh chứng", "NOTE": "Ghi chú"}


@dataclass(frozen=True)
class CountField:
    field: str
    label: str
    min_percent: dict[int, float]
    min_percent_hard_area: dict[int, float] | None = None

    def threshold(self, level: int, hard_area: bool) -> float:
        table = self.min_percent_hard_area if (hard_area and self.min_percent_hard_area) else self.min_percent
        return table[level]


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    title: str
    citation: str
    criterion: str
    max: float | None = None
    title_level2: str | None = None
    options: tuple[str, ...] = ()
    required: dict[int, str] = field(default_factory=dict)
    base: tuple[str, str] | None = None          # (field, label)
    counts: tuple[CountField, ...] = ()

    @property
    def key(self) -> str:
        """The item part of a defined name: '5.2' -> 'C5_2'."""
        return "C" + self.id.replace(".", "_")

    def name(self, field_code: str) -> str:
        return f"CDHT_{self.key}_{field_code}"

    def value_fields(self) -> list[tuple[str, str]]:
        """(FIELD, label) of every non-text input, in sheet order."""
        if self.kind == "ratio":
            return [self.base] + [(c.field, c.label) for c in self.counts]
        return [(MAIN_FIELD[self.kind], FIELD_LABEL[MAIN_FIELD[self.kind]])]

    def fields(self) -> list[str]:
        return [f for f, _ in self.value_fields()] + list(TEXT_FIELDS)


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    citation: str
    items: tuple[Item, ...]
    max: float | None = None


@dataclass(frozen=True)
class Rubric:
    data: dict                     # the canonical data (what is hashed and stamped)
    criteria: tuple[Criterion, ...]

    # --- rubric metadata (the data's top-level fields) ----------------------------------
    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def version(self) -> str:
        return self.data["version"]

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def legal_basis(self) -> str:
        return self.data["legal_basis"]

    @property
    def scheme(self) -> str:
        return self.data["scheme"]

    @property
    def fallback_class(self) -> dict[str, Any]:
        return self.data["fallback_class"]

    @property
    def classes(self) -> list[dict[str, Any]]:
        """Points rubrics: the classes by total, best first."""
        return self.data.get("classes", [])

    @property
    def levels(self) -> list[dict[str, Any]]:
        """Levels rubrics: the levels (2, 1)."""
        return self.data.get("levels", [])

    @property
    def total_max(self) -> float | None:
        return self.data.get("total_max")

    @property
    def step(self) -> float | None:
        return self.data.get("step")

    @property
    def evidence_required(self) -> bool:
        return bool(self.data.get("evidence_required"))

    @property
    def short_name(self) -> str | None:
        return self.data.get("short_name")

    @property
    def evidence_citation(self) -> str | None:
        return self.data.get("evidence_citation")

    @property
    def maxima_source(self) -> str | None:
        return self.data.get("maxima_source")

    @property
    def band_note(self) -> str | None:
        return self.data.get("band_note")

    @property
    def total_max_citation(self) -> str | None:
        return self.data.get("total_max_citation")

    @property
    def criterion_rule_citation(self) -> str | None:
        return self.data.get("criterion_rule_citation")

    @property
    def ratio_note(self) -> str | None:
        return self.data.get("ratio_note")

    @property
    def hard_area_note(self) -> str | None:
        return self.data.get("hard_area_note")

    @property
    def data_period(self) -> str | None:
        return self.data.get("data_period")

    @property
    def repealed_from(self) -> str | None:
        return self.data.get("repealed_from")

    @property
    def repealed_by(self) -> str | None:
        return self.data.get("repealed_by")

    @property
    def in_force_from(self) -> str | None:
        return self.data.get("in_force_from")

    @property
    def in_force_citation(self) -> str | None:
        return self.data.get("in_force_citation")

    @property
    def dossier_citation(self) -> str | None:
        return self.data.get("dossier_citation")

    @property
    def assessment_time(self) -> str | None:
        return self.data.get("assessment_time")

    @property
    def step_note(self) -> str | None:
        return self.data.get("step_note")

    @property
    def items(self) -> list[Item]:
        return [item for c in self.criteria for item in c.items]

    def criterion(self, cid: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == cid), None)

    def items_of(self, cid: str) -> tuple[Item, ...]:
        """The items of criterion `cid` (none for an id the rubric does not have)."""
        criterion = self.criterion(cid)
        return criterion.items if criterion is not None else ()

    @property
    def content_hash(self) -> str:
        return rubric_hash(self.data)

    def label_for(self, code: str) -> str:
        for entry in self.data.get("classes", []) + self.data.get("levels", []) + [self.data["fallback_class"]]:
            if entry["code"] == code:
                return entry["label"]
        return code

    def status_for_year(self, year: int) -> list[F.Finding]:
        """The repealed / not-yet-in-force warnings for an assessment year."""
        out = []
        repealed = self.data.get("repealed_from")
        name = self.data.get("short_name") or self.id
        if repealed and year >= int(repealed[:4]):
            out.append(F.make("rubric-repealed", rubric_name=name, repealed_from=vn_date(repealed),
                              repealed_by=self.data.get("repealed_by") or "văn bản khác", year=year))
        start = self.data.get("in_force_from")
        if start and year < int(start[:4]):
            out.append(F.make("rubric-not-yet-in-force", rubric_name=name,
                              in_force_from=vn_date(start), year=year))
        return out


def vn_date(iso: str) -> str:
    y, m, d = iso[:10].split("-")
    return f"{d}/{m}/{y}"


def canonical_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def rubric_hash(data: dict) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()[:16]

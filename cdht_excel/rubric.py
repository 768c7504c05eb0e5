"""Rubrics as data: the model, its validation, and the built-in rubrics.

A rubric is a list of criteria; each criterion holds items of one of four kinds:

- ``points``   a score (optional maximum, on the rubric's step) plus evidence (TT 44/2014);
- ``passfail`` đạt / không đạt plus evidence (TT 25/2023 qualitative indicators);
- ``level``    a choice from ordered options, with the option each level requires;
- ``ratio``    counts entered by the unit; each count over the base must reach a
               percentage per level (and per the "xã thuộc vùng khó khăn" variant).

The classification scheme is data too: ``points`` (bands on the total, optionally
with "no criterion at 0") or ``levels`` (every item passes at that level).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from cdht_excel import findings as F
from cdht_excel.rubric_sheet import KIND_LABEL, read_rubric_sheets  # noqa: F401
from cdht_excel.schemes import SCHEMES, Scheme, scheme_of
from cdht_excel.schemes import is_number as _is_number
from cdht_excel.text import nfc

BUILTIN_IDS = ("tt44-2014", "tt25-2023")
DEFAULT_RUBRIC = "tt44-2014"
KINDS = ("points", "passfail", "level", "ratio")
ID_RE = re.compile(r"^\d+(\.\d+)*$")
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
    def scheme_obj(self) -> Scheme:
        """The classification scheme (see `schemes`): totals, classes, labels, district columns."""
        return scheme_of(self)

    @property
    def has_maxima(self) -> bool:
        return self.scheme_obj.scored and all(c.max is not None for c in self.criteria)

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


# --------------------------------------------------------------------------- loading

RubricError = F.Failed   # the rubric could not be used; `findings` says every reason


def builtin_data(rubric_id: str) -> dict:
    text = resources.files("cdht_excel").joinpath("rubrics").joinpath(f"{rubric_id}.json").read_text("utf-8")
    return json.loads(text)


def load(ref: str | Path) -> Rubric:
    """A rubric from a built-in id or a file (.json, or .xlsx as written by `rubric export`)."""
    ref_text = str(ref)
    if ref_text in BUILTIN_IDS:
        return from_data(builtin_data(ref_text))
    path = Path(ref_text)
    if not path.is_file():
        raise F.Failed([F.make("rubric-unknown", rubric=ref_text, known=", ".join(BUILTIN_IDS))])
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise F.Failed([F.make("rubric-unreadable", detail=str(exc))]) from None
    else:
        read, problems = read_rubric_sheets(path)
        if read is None:
            raise F.Failed(problems)
        if problems:
            raise F.Failed(problems + validate(read))
        data = read
    return from_data(data)


def from_data(data: dict) -> Rubric:
    """Validate rubric data and build the model; raise F.Failed with every problem."""
    data = _nfc_tree(data)
    problems = validate(data)
    if problems:
        raise F.Failed(problems)
    return Rubric(data=data, criteria=tuple(_criterion(c) for c in data["criteria"]))


def _nfc_tree(value):
    """NFC text and whole floats as ints, so a rubric read back from Excel hashes the same."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _nfc_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc_tree(v) for v in value]
    return nfc(value)


def _levels(table: dict | None) -> dict[int, float] | None:
    return None if table is None else {int(k): float(v) for k, v in table.items()}


def _criterion(c: dict) -> Criterion:
    items = []
    for it in c["items"]:
        base = it.get("base")
        item_max = it.get("max")
        if item_max is None and len(c["items"]) == 1:
            item_max = c.get("max")     # a criterion scored as one item: its maximum is the item's
        items.append(Item(
            id=it["id"], kind=it["kind"], title=it["title"], citation=it["citation"], criterion=c["id"],
            max=item_max, title_level2=it.get("title_level2"),
            options=tuple(it.get("options", ())),
            required={int(k): v for k, v in it.get("required", {}).items()},
            base=(base["field"], base["label"]) if base else None,
            counts=tuple(CountField(x["field"], x["label"], _levels(x["min_percent"]),
                                    _levels(x.get("min_percent_hard_area")))
                         for x in it.get("counts", ())),
        ))
    return Criterion(id=c["id"], title=c["title"], citation=c["citation"], items=tuple(items), max=c.get("max"))


# --------------------------------------------------------------------------- validation

def validate(data: dict) -> list[F.Finding]:
    """Every problem of rubric data at once (what `cdht rubric check` prints)."""
    out: list[F.Finding] = []
    for key, label in (("id", "Mã bộ tiêu chí"), ("version", "Phiên bản"), ("title", "Tên bộ tiêu chí"),
                       ("legal_basis", "Căn cứ pháp lý"), ("scheme", "Cách xếp loại")):
        if not str(data.get(key) or "").strip():
            out.append(F.make("rubric-missing-field", what=label, where="trang “Bộ tiêu chí”"))
    scheme = data.get("scheme")
    if scheme not in SCHEMES:
        out.append(F.make("rubric-classes", detail=f"cách xếp loại “{scheme}” phải là {' hoặc '.join(SCHEMES)}"))
    criteria = data.get("criteria") or []
    if not criteria:
        out.append(F.make("rubric-missing-field", what="Tiêu chí", where="trang “Tiêu chí”"))
    seen: set[str] = set()
    for c in criteria:
        out += _check_id(c.get("id"), seen)
        if not str(c.get("citation") or "").strip():
            out.append(F.make("rubric-missing-citation", id=f"Tiêu chí {c.get('id')}", criterion=c.get("id")))
        if not str(c.get("title") or "").strip():
            out.append(F.make("rubric-missing-field", what=f"Tên tiêu chí {c.get('id')}", where="trang “Tiêu chí”"))
        if not c.get("items"):
            out.append(F.make("rubric-empty-criterion", criterion=c.get("id")))
        for it in c.get("items") or []:
            out += _check_id(it.get("id"), seen if it.get("id") != c.get("id") else set())
            out += _check_item(it, scheme)
    if scheme in SCHEMES:
        out += SCHEMES[scheme].validate(data)
    return out


def _check_id(value, seen: set[str]) -> list[F.Finding]:
    text = str(value or "")
    if not ID_RE.match(text):
        return [F.make("rubric-bad-id", id=text)]
    if text in seen:
        return [F.make("rubric-duplicate-id", id=text)]
    seen.add(text)
    return []


def _check_item(it: dict, scheme) -> list[F.Finding]:
    out = []
    iid, kind = it.get("id"), it.get("kind")
    if kind not in KINDS:
        return [F.make("rubric-bad-kind", kind=kind, id=iid, kinds=", ".join(KINDS))]
    if not str(it.get("citation") or "").strip():
        out.append(F.make("rubric-missing-citation", id=f"Nội dung {iid}"))
    if not str(it.get("title") or "").strip():
        out.append(F.make("rubric-missing-field", what=f"Nội dung {iid}", where="trang “Nội dung”"))
    wrong_kind = SCHEMES[scheme].item_kind_problem(kind) if scheme in SCHEMES else None
    if wrong_kind:
        out.append(F.make("rubric-bad-kind", kind=kind, id=iid, kinds=wrong_kind))
    if kind == "points" and it.get("max") is not None and not _is_number(it["max"]):
        out.append(F.make("rubric-bad-number", value=it["max"], what="Điểm tối đa", id=iid))
    if kind == "level":
        options = list(it.get("options") or [])
        if len(options) < 2:
            out.append(F.make("rubric-missing-field", what=f"Lựa chọn của {iid}", where="trang “Nội dung”"))
        required = it.get("required") or {}
        for level in ("1", "2"):
            value = required.get(level)
            if value not in options:
                out.append(F.make("rubric-level-option", value=value, id=iid, options="; ".join(options)))
        if all(required.get(x) in options for x in ("1", "2")) and \
                options.index(required["2"]) < options.index(required["1"]):
            out.append(F.make("rubric-threshold-order", id=iid, detail="yêu cầu mức độ 2 thấp hơn mức độ 1"))
    if kind == "ratio":
        out += _check_ratio(it)
    return out


def _check_ratio(it: dict) -> list[F.Finding]:
    out = []
    iid = it.get("id")
    base = it.get("base") or {}
    if not base.get("field"):
        out.append(F.make("rubric-missing-field", what=f"Mẫu số (tổng số) của {iid}", where="trang “Tỷ lệ”"))
    if not it.get("counts"):
        out.append(F.make("rubric-missing-field", what=f"Số liệu tính tỷ lệ của {iid}", where="trang “Tỷ lệ”"))
    for count in it.get("counts") or []:
        for table_key, label in (("min_percent", "chung"), ("min_percent_hard_area", "vùng khó khăn")):
            table = count.get(table_key)
            if table is None and table_key == "min_percent_hard_area":
                continue
            table = table or {}
            values = [table.get("1"), table.get("2")]
            if not all(_is_number(v) and v <= 100 for v in values):
                out.append(F.make("rubric-threshold-order", id=f"{iid} {count.get('field')}",
                                  detail=f"ngưỡng {label} phải là số từ 0 đến 100 cho cả mức độ 1 và 2"))
            elif values[1] < values[0]:
                out.append(F.make("rubric-threshold-order", id=f"{iid} {count.get('field')}",
                                  detail=f"ngưỡng {label} mức độ 2 ({values[1]}%) thấp hơn mức độ 1 ({values[0]}%)"))
        hard, normal = count.get("min_percent_hard_area"), count.get("min_percent") or {}
        if hard:
            for level in ("1", "2"):
                if _is_number(hard.get(level)) and _is_number(normal.get(level)) and hard[level] > normal[level]:
                    out.append(F.make("rubric-threshold-order", id=f"{iid} {count.get('field')}",
                                      detail=f"ngưỡng vùng khó khăn mức độ {level} cao hơn ngưỡng chung"))
    return out

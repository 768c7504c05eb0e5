"""The commune's plan (phân công): who assesses which criterion, for which year.

Pure: building, validating and resolving a plan against its rubric. The plan
workbook is read and written by `plan_sheet`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from importlib import resources

from cdht_excel.rules import findings as F
from cdht_excel.rules import rubric as R
from cdht_excel.rules import rubric_sheet
from cdht_excel.rules.model import Rubric
from cdht_excel.rules.schemes import scheme_of
from cdht_excel.text import clean_text, slug
from cdht_excel.vietnamese import split_commune_kind

COMMUNE_KINDS = ("xã", "phường", "thị trấn")
REPORT_BY_UBND, REPORT_BY_PROMOTION = "ubnd", "hoi-khuyen-hoc"


@dataclass(frozen=True)
class Unit:
    name: str
    criteria: tuple[str, ...]
    sheet: str = ""
    contact: str = ""
    phone: str = ""

    @property
    def id(self) -> str:
        return slug(self.name)

    @property
    def key(self) -> str:
        """The unit part of defined names: 'van-phong-ubnd-xa' -> 'VAN_PHONG_UBND_XA'."""
        return self.id.replace("-", "_").upper()


@dataclass(frozen=True)
class Plan:
    commune: str
    year: int | None
    rubric: str = R.DEFAULT_RUBRIC          # built-in id or a rubric file path
    district: str = ""
    province: str = ""
    commune_kind: str = "xã"
    hard_area: bool | None = None           # "xã thuộc vùng khó khăn" (TT 25/2023 Điều 6.5.b)
    chair: str = ""                         # Chủ tịch UBND xã (signs the dossier)
    promotion_chair: str = ""               # Chủ tịch Hội Khuyến học xã
    # "Cơ quan đánh giá, công nhận": the body the tờ trình is addressed to. Empty: the circular's body of the
    # district (before the 07/2025 reform); after it no district exists and the commune must enter the successor.
    assessing_body: str = ""
    report_by_ubnd: bool = False            # the báo cáo is issued by the UBND xã (else by the Hội Khuyến học xã)
    units: tuple[Unit, ...] = ()
    maxima: dict[str, float] = field(default_factory=dict)   # optional per-criterion maxima (TT 44 appendix)

    def __post_init__(self):
        # a commune entered with its kind word ("Xã Kiểm Hai") is "xã Kiểm Hai" everywhere, never "xã Xã Kiểm Hai"
        if isinstance(self.commune, str):
            kind, name = split_commune_kind(self.commune, self.commune_kind)
            if (kind, name) != (self.commune_kind, self.commune):
                object.__setattr__(self, "commune", name)
                object.__setattr__(self, "commune_kind", kind)

    def to_data(self) -> dict:
        """Canonical data for the stamp and the template id."""
        return {
            "commune": self.commune, "commune_kind": self.commune_kind, "district": self.district,
            "province": self.province, "year": self.year, "hard_area": self.hard_area,
            "chair": self.chair, "promotion_chair": self.promotion_chair,
            "units": [{"id": u.id, "name": u.name, "sheet": u.sheet, "criteria": list(u.criteria),
                       "contact": u.contact, "phone": u.phone} for u in self.units],
            "maxima": {k: self.maxima[k] for k in sorted(self.maxima, key=_id_order)},
            # only when set, so that plans without them keep their template id
            **({"assessing_body": self.assessing_body} if self.assessing_body else {}),
            **({"report_by": REPORT_BY_UBND} if self.report_by_ubnd else {}),
        }

    @property
    def commune_label(self) -> str:
        """'xã Đồng Thịnh'."""
        return f"{self.commune_kind} {self.commune}".strip()

    @property
    def commune_title(self) -> str:
        """'Xã Đồng Thịnh' (sentence start)."""
        label = self.commune_label
        return label[:1].upper() + label[1:]

    def unit_for(self, criterion_id: str) -> Unit | None:
        return next((u for u in self.units if criterion_id in u.criteria), None)


def plan_from_data(data: dict, rubric_ref: str) -> Plan:
    """The inverse of Plan.to_data (used when reading a template's stamp)."""
    units = tuple(Unit(name=u["name"], criteria=tuple(u["criteria"]), sheet=u.get("sheet", ""),
                       contact=u.get("contact", ""), phone=u.get("phone", "")) for u in data["units"])
    return Plan(commune=data["commune"], year=data["year"], rubric=rubric_ref, district=data.get("district", ""),
                province=data.get("province", ""), commune_kind=data.get("commune_kind", "xã"),
                hard_area=data.get("hard_area"), chair=data.get("chair", ""),
                promotion_chair=data.get("promotion_chair", ""), units=units,
                assessing_body=data.get("assessing_body", ""), report_by_ubnd=data.get("report_by") == REPORT_BY_UBND,
                maxima={k: float(v) for k, v in (data.get("maxima") or {}).items()})


def _id_order(cid: str):
    return tuple(int(p) for p in cid.split(".") if p.isdigit())


def default_units_data() -> dict:
    text = resources.files("cdht_excel.commune").joinpath("plans").joinpath("default-units.json").read_text("utf-8")
    return json.loads(text)


def default_units(rubric: Rubric) -> tuple[Unit, ...]:
    """The seed's assignment (xã Đồng Thịnh 2024) for a built-in rubric.

    A custom rubric whose criteria match a built-in one by id gets that rubric's
    assignment; otherwise every criterion goes to the Hội Khuyến học, to be edited.
    """
    data = default_units_data()["units"]
    ids = [c.id for c in rubric.criteria]
    for builtin in (rubric.id, *R.BUILTIN_IDS):
        assigned = [cid for u in data for cid in u["criteria"].get(builtin, [])]
        if sorted(assigned, key=_id_order) == sorted(ids, key=_id_order):
            return tuple(Unit(name=u["name"], sheet=u["sheet"], criteria=tuple(u["criteria"][builtin]))
                         for u in data if u["criteria"].get(builtin))
    return (Unit(name="Hội Khuyến học xã", sheet="Hội Khuyến học xã", criteria=tuple(ids)),)


def default_plan(commune: str, year: int, rubric: Rubric, rubric_ref: str | None = None,
                 district: str = "", province: str = "", hard_area: bool | None = None,
                 assessing_body: str = "", report_by_ubnd: bool = False) -> Plan:
    if hard_area is None and not scheme_of(rubric).scored:   # levels: the ratio thresholds need it
        hard_area = False
    return Plan(commune=clean_text(commune), year=year, rubric=rubric_ref or rubric.id,
                district=clean_text(district), province=clean_text(province), hard_area=hard_area,
                assessing_body=clean_text(assessing_body), report_by_ubnd=report_by_ubnd,
                units=default_units(rubric))


def validate(plan: Plan, rubric: Rubric) -> list[F.Finding]:
    """Every problem of a plan against its rubric, at once."""
    out: list[F.Finding] = []
    if not plan.commune:
        out.append(F.make("plan-missing-field", what="Tên xã/phường/thị trấn"))
    if plan.year is None:
        out.append(F.make("plan-missing-field", what="Năm đánh giá"))
    elif not 2000 <= plan.year <= 2100:
        out.append(F.make("plan-bad-year", value=plan.year))
    if plan.hard_area is None and _has_hard_area_variant(rubric):
        out.append(F.make("plan-missing-hard-area", rubric=rubric.id))
    if not plan.units:
        out.append(F.make("plan-no-units"))
    known = [c.id for c in rubric.criteria]
    owners: dict[str, list[str]] = {cid: [] for cid in known}
    seen_units: set[str] = set()
    for unit in plan.units:
        if unit.id in seen_units:
            out.append(F.make("plan-duplicate-unit", unit=unit.name))
            continue
        seen_units.add(unit.id)
        if not unit.criteria:
            out.append(F.make("plan-unit-no-criteria", unit=unit.name))
        for cid in unit.criteria:
            if cid not in owners:
                out.append(F.make("plan-unknown-criterion", unit=unit.name, criterion=cid,
                                  rubric=rubric.id, known=", ".join(known)))
            elif unit.name not in owners[cid]:
                owners[cid].append(unit.name)
    for cid, names in owners.items():
        if not names:
            out.append(F.make("plan-criterion-unassigned", criterion=cid))
        elif len(names) > 1:
            out.append(F.make("plan-criterion-twice", criterion=cid, units=", ".join(names)))
    out += _check_maxima(plan, rubric)
    return out


def _has_hard_area_variant(rubric: Rubric) -> bool:
    return any(c.min_percent_hard_area for item in rubric.items for c in item.counts)


def _check_maxima(plan: Plan, rubric: Rubric) -> list[F.Finding]:
    if not plan.maxima:
        return []
    out = []
    total = rubric.data.get("total_max") or 0
    for cid, value in plan.maxima.items():
        if rubric.criterion(cid) is None:
            out.append(F.make("plan-unknown-criterion", unit="Điểm tối đa", criterion=cid, rubric=rubric.id,
                              known=", ".join(c.id for c in rubric.criteria)))
        elif not isinstance(value, (int, float)) or value < 0:
            out.append(F.make("plan-bad-max", value=value, criterion=cid, total=total))
    return out


def effective_rubric(plan: Plan, rubric: Rubric) -> Rubric:
    """The rubric with the plan's per-criterion maxima applied (validated again)."""
    if not plan.maxima:
        return rubric
    data = json.loads(json.dumps(rubric.data))
    for c in data["criteria"]:
        if c["id"] in plan.maxima:
            c["max"] = plan.maxima[c["id"]]
            if len(c["items"]) == 1:
                c["items"][0]["max"] = plan.maxima[c["id"]]
    data["maxima_source"] = "Điểm tối đa từng tiêu chí theo kế hoạch của xã (trang “Điểm tối đa”)."
    return R.from_data(data)


def resolve(plan: Plan) -> tuple[Rubric, list[F.Finding]]:
    """Load the plan's rubric, apply its maxima and validate: (rubric, problems)."""
    base = rubric_sheet.load(plan.rubric)
    problems = validate(plan, base)
    if problems:
        return base, problems
    try:
        return effective_rubric(plan, base), []
    except F.Failed as exc:
        return base, exc.findings


def with_units(plan: Plan, units) -> Plan:
    return replace(plan, units=tuple(units))

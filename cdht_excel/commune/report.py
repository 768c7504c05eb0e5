"""Report: the commune's result as data (PRODUCT §4): the report dict and the status dict.

`report_dict` is pure and deterministic (same inputs, byte-identical JSON). The writers
of each format live in `cdht_excel.outputs` (summary workbook, JSON, terminal); the
names below them are kept here for callers of the former module.
"""
from __future__ import annotations

from typing import Any

from cdht_excel import __version__
from cdht_excel.commune.assess import Assessment
from cdht_excel.reading.book import person_cell
from cdht_excel.reading.read import file_sha256
from cdht_excel.rules import findings as F
from cdht_excel.rules.results import CriterionResult
from cdht_excel.rules.schemes import Scheme, json_number, scheme_named, scheme_of

REPORT_SCHEMA = "cdht-report/1"
STATUS_SCHEMA = "cdht-status/1"
num = json_number


def criterion_dict(c: CriterionResult, scheme: Scheme | str, with_evidence: bool = True) -> dict[str, Any]:
    scheme = scheme_named(scheme) if isinstance(scheme, str) else scheme
    out: dict[str, Any] = {"id": c.id, "title": c.title, "unit": c.unit, "max": num(c.max), "score": num(c.score),
           "status": c.status, "source": c.source}
    out.update(scheme.criterion_fields(c))
    if with_evidence:
        out["evidence"] = c.evidence
    return out


def unit_rows(a: Assessment) -> list[dict]:
    rows = []
    for unit in a.plan.units:
        returns = a.merged.returns.get(unit.id, [])
        chosen = a.merged.chosen.get(unit.id)
        items = [i for cid in unit.criteria for i in a.rubric.criterion(cid).items]
        filled = evidence_missing = 0
        if chosen is not None:
            for item in items:
                values = [chosen.cells.get(f"{item.key}_{f}") for f, _ in item.value_fields()]
                if all(v is not None and not v.empty for v in values):
                    filled += 1
                    ev = chosen.cells.get(f"{item.key}_EVIDENCE")
                    if ev is None or ev.empty:
                        evidence_missing += 1
        seen = [r for r in returns if r.filled] or returns
        conflicts = len({k.rsplit("_", 1)[0] for k in chosen.conflicting}) if chosen is not None else 0
        if conflicts:
            status = "conflict"
        elif not returns:
            status = "missing"
        elif filled == len(items):
            status = "ok"
        else:
            status = "incomplete"
        rows.append({
            "name": unit.name, "id": unit.id, "criteria": list(unit.criteria),
            "files": sorted({r.display for r in seen}), "filled": filled, "total": len(items),
            "evidence_missing": evidence_missing, "status": status, "conflicts": conflicts,
            "person": person_cell(chosen.book, chosen.sheet) if chosen else "",
            "saved": chosen.book.modified if chosen else "",
        })
    return rows


def report_dict(a: Assessment, with_evidence: bool = True) -> dict:
    plan, rubric = a.plan, a.rubric
    scheme = scheme_of(rubric)
    counts = {sev: sum(1 for f in a.findings if f.severity == sev) for sev in (F.ERROR, F.WARNING, F.INFO)}
    classification = a.classification.to_dict()
    if a.classification.reason:
        classification["reason"] = a.classification.reason
    return {
        "schema": REPORT_SCHEMA,
        "generator": f"cdht-excel {__version__}",
        "rubric": rubric.id, "rubric_version": str(rubric.version), "rubric_hash": rubric.content_hash,
        "commune": plan.commune, "commune_kind": plan.commune_kind, "district": plan.district,
        "province": plan.province, "year": int(plan.year), "hard_area": plan.hard_area,
        "complete": a.complete,
        "total": scheme.report_total(a.total),
        "max_total": num(rubric.data.get("total_max")),
        "classification": classification,
        "scheme": scheme.name,
        "classes": scheme.report_classes(rubric),
        "criteria": [criterion_dict(c, scheme, with_evidence) for c in a.criteria],
        "units": unit_rows(a),
        "files": [{"file": b.display, "format": b.format, "units": sorted({u.unit_id for u in b.units}),
                   "readable": b.ok, "sha256": file_sha256(b.input.path)} for b in a.books],
        "counts": counts,
        "findings": [f.to_dict() for f in a.findings],
    }


def status_dict(a: Assessment) -> dict:
    """Progress for the meetings of Quý II–IV (`cdht status`)."""
    units = unit_rows(a)
    return {"schema": STATUS_SCHEMA, "commune": a.plan.commune, "year": int(a.plan.year),
            "rubric": a.rubric.id, "units": units,
            "filled": sum(u["filled"] for u in units), "total": sum(u["total"] for u in units),
            "findings": [f.to_dict() for f in sorted(a.findings, key=F.sort_key)
                         if f.severity in (F.ERROR, F.WARNING) and f.code != "incomplete"]}

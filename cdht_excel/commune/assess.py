"""The secretary's flow in one call: read every input, merge, check, classify.

`assess(inputs)` returns an `Assessment` that the report, the status view, the
dossier and the district aggregation all use. Reading is the only I/O here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cdht_excel.commune.check import check
from cdht_excel.commune.merge import Merged, merge
from cdht_excel.reading.book import WorkbookRead
from cdht_excel.rules import findings as F
from cdht_excel.rules.results import MISSING, OK, CriterionResult
from cdht_excel.rules.schemes import Classification, scheme_of


@dataclass
class Assessment:
    merged: Merged
    criteria: list[CriterionResult]
    total: float
    complete: bool
    classification: Classification
    findings: list[F.Finding] = field(default_factory=list)
    books: list[WorkbookRead] = field(default_factory=list)     # every file read, readable or not

    @property
    def rubric(self):
        return self.merged.rubric

    @property
    def plan(self):
        return self.merged.plan

    @property
    def errors(self) -> list[F.Finding]:
        return [f for f in self.findings if f.severity == F.ERROR]


NoResult = F.Failed   # nothing could be produced (exit 2); findings say why


def read_all(inputs, leave_out: Sequence[Path] = ()) -> tuple[list[WorkbookRead], list[F.Finding]]:
    """Every input read; the files in `leave_out` (this run's own earlier outputs) are not inputs."""
    from cdht_excel.reading.read import collect_inputs, nothing_found, read_workbooks   # the only I/O here
    files, problems = collect_inputs(inputs)
    if leave_out:
        skipped = {p.resolve() for p in leave_out}
        files = [f for f in files if f.path.resolve() not in skipped]
    books = read_workbooks(files)
    if not files:
        problems += nothing_found(inputs, problems)
    return books, problems


def assess_books(books: list[WorkbookRead], extra: Sequence[F.Finding] = (), prefer_newer: bool = False) -> Assessment:
    file_findings = list(extra) + [f for b in books for f in b.findings]
    readable = [b for b in books if b.units]
    try:
        merged = merge(readable, prefer_newer=prefer_newer)
    except F.Failed as exc:
        raise F.Failed(file_findings + exc.findings) from None
    criteria, value_findings = check(merged)
    findings = file_findings + merged.findings + value_findings
    rubric = merged.rubric
    findings += rubric.status_for_year(int(merged.plan.year))
    scheme = scheme_of(rubric)
    complete = all(c.status == OK for c in criteria)
    total = scheme.total(criteria)
    scheme_findings, complete = scheme.checks(rubric, criteria, complete)
    findings += scheme_findings
    reason = _reason(criteria, findings) if not complete else ""
    if not complete:
        findings.append(F.make("incomplete", reason=reason))
    classification = scheme.classify(rubric, criteria, complete, reason)
    if classification.certain:
        findings.append(F.make("result-certain", label=classification.label,
                               why=classification.reason.split(": kết quả là ")[0]))
    findings = _dedupe(sorted(findings, key=F.sort_key))
    books = sorted(books, key=lambda b: (b.display.casefold(), b.display))
    return Assessment(merged, criteria, total, complete, classification, findings, books)


def assess(inputs, prefer_newer: bool = False, leave_out: Sequence[Path] = ()) -> Assessment:
    books, problems = read_all(inputs, leave_out)
    return assess_books(books, problems, prefer_newer=prefer_newer)


def _reason(criteria, findings) -> str:
    missing = [c.id for c in criteria if c.status == MISSING]
    bad = [c.id for c in criteria if c.status not in (OK, MISSING)]
    parts = []
    if missing:
        parts.append("thiếu dữ liệu tiêu chí " + ", ".join(missing))
    if bad:
        parts.append("dữ liệu sai hoặc xung đột ở tiêu chí " + ", ".join(bad))
    if any(f.code == "total-above-max" for f in findings):
        parts.append("tổng điểm vượt tối đa")
    return "; ".join(parts) or "có lỗi dữ liệu"


def _dedupe(findings):
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.message, f.file, f.sheet, f.cell)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out

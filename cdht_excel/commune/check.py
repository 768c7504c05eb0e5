"""Check: every value against the rubric's rules, item by item (pure).

Produces one `CriterionResult` per criterion, with the findings that explain
anything missing or wrong. Scores are recomputed from the item cells; no total
written in a workbook is ever trusted.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cdht_excel.commune.merge import Merged, UnitReturn
from cdht_excel.reading.book import CellValue
from cdht_excel.rules import findings as F
from cdht_excel.rules.model import FAIL, PASS, Criterion, Item, Rubric
from cdht_excel.rules.results import CONFLICT, INVALID, MISSING, OK, CriterionResult, ItemResult
from cdht_excel.rules.schemes import scheme_of
from cdht_excel.text import CELL_LIMIT, clean_text, fold, format_number, parse_number, text_length, visible


Checker = Callable[[Item, dict[str, CellValue], Rubric, "bool | None", ItemResult, dict[str, Any], CellValue],
                   list[F.Finding]]


def evidence_lines(value: object) -> list[str]:
    return [line.strip(" -•\t") for line in clean_text(value).split("\n") if line.strip(" -•\t")]


def conflict_evidence(item: Item, ret: UnitReturn) -> list[str]:
    """The evidence of an item in conflict: what the copies agree on, or each copy's own, labelled by file."""
    key = f"{item.key}_EVIDENCE"
    if key not in ret.conflicting:
        return evidence_lines(ret.cells[key].value) if key in ret.cells else []
    return [f"Theo “{copy.display}”: {line}" for copy in ret.copies if key in copy.cells
            for line in evidence_lines(copy.cells[key].value)]


def check(merged: Merged) -> tuple[list[CriterionResult], list[F.Finding]]:
    rubric, plan = merged.rubric, merged.plan
    results: list[CriterionResult] = []
    findings: list[F.Finding] = []
    for criterion in rubric.criteria:
        unit = plan.unit_for(criterion.id)
        result = CriterionResult(id=criterion.id, title=criterion.title, unit=unit.name if unit else "",
                                 max=criterion.max)
        ret = merged.chosen.get(unit.id) if unit else None
        if ret is None or unit is None or not ret.filled:   # why is said once per unit by merge
            result.status = CONFLICT if unit and unit.id in merged.conflicts else MISSING
            result.items = [ItemResult(item.id, item.kind, status=result.status) for item in criterion.items]
        else:
            result.source = {"file": ret.display, "sheet": ret.sheet.sheet}
            for item in criterion.items:
                if any(f"{item.key}_{code}" in ret.conflicting for code in item.fields()):
                    result.items.append(ItemResult(item.id, item.kind, status=CONFLICT,   # said by merge
                                                   evidence=conflict_evidence(item, ret)))
                    continue
                item_result, item_findings = check_item(item, ret, rubric, plan.hard_area, unit.name)
                result.items.append(item_result)
                findings += item_findings
            findings += _same_bases(criterion, result.items, ret, unit.name)
            statuses = {i.status for i in result.items}
            result.status = next((s for s in (INVALID, CONFLICT, MISSING) if s in statuses), OK)
            if result.status == OK:
                result.score = scheme_of(rubric).criterion_score(result.items)
        results.append(result)
    return results, findings


def _same_bases(criterion: Criterion, results: list[ItemResult], ret: UnitReturn, unit_name: str) -> list[F.Finding]:
    """Ratio items over the same population (5.1 and 5.2: citizens of the commune) must agree on it."""
    by_label: dict[str, dict[str, float]] = {}
    for item, result in zip(criterion.items, results):
        if item.kind == "ratio" and item.base is not None and item.base[0] in result.values:
            by_label.setdefault(item.base[1], {})[item.id] = result.values[item.base[0]]
    return [F.make("count-base-differs", base_label=label, file=ret.display, sheet=ret.sheet.sheet,
                   unit=unit_name, criterion=criterion.id,
                   values="; ".join(f"{iid}: {format_number(v)}" for iid, v in values.items()))
            for label, values in by_label.items() if len(set(values.values())) > 1]


def check_item(item: Item, ret: UnitReturn, rubric: Rubric, hard_area: bool | None,
               unit_name: str) -> tuple[ItemResult, list[F.Finding]]:
    cells = ret.cells
    where = {"file": ret.display, "sheet": ret.sheet.sheet, "unit": unit_name, "criterion": item.criterion}
    evidence_cell = cells.get(f"{item.key}_EVIDENCE", CellValue(None, ret.sheet.sheet, None))
    result = ItemResult(item.id, item.kind, evidence=evidence_lines(evidence_cell.value),
                        note=clean_text(cells.get(f"{item.key}_NOTE", CellValue(None, "", "")).value))
    checker: Checker = {"points": _points, "passfail": _passfail, "level": _level, "ratio": _ratio}[item.kind]
    findings = checker(item, cells, rubric, hard_area, result, where, evidence_cell)
    if isinstance(evidence_cell.value, str) and text_length(evidence_cell.value) >= CELL_LIMIT:
        findings.append(F.make("evidence-cut", limit=format_number(CELL_LIMIT, grouped=True), item_label=_label(item),
                               **dict(where, cell=evidence_cell.cell)))
    return result, findings


def _label(item: Item) -> str:
    return f"tiêu chí {item.id}" if item.id == item.criterion else f"nội dung {item.id}"


def _empty(item: Item, cell: CellValue, field_label: str, where: dict[str, Any],
           result: ItemResult) -> list[F.Finding]:
    result.status = "missing"
    result.cell = cell.cell
    return [F.make("value-empty", cell=cell.cell, what=field_label, what_lower=field_label.lower(),
                   item_label=_label(item), **where)]


def _points(item: Item, cells: dict[str, CellValue], rubric: Rubric, hard_area: bool | None, result: ItemResult,
            where: dict[str, Any], evidence_cell: CellValue) -> list[F.Finding]:
    cell = cells.get(f"{item.key}_SCORE")
    if cell is None or cell.empty:
        return _empty(item, cell or CellValue(None, where["sheet"], None), "Điểm", where, result)
    result.cell = cell.cell
    at = dict(where, cell=cell.cell)
    value = parse_number(cell.value)
    if value is None:
        result.status = INVALID
        if isinstance(cell.value, str) and cell.value.startswith("="):
            return []   # already reported as a formula without a value
        return [F.make("score-not-number", value=visible(cell.value), **at)]
    result.entered = value
    top = item.max if item.max is not None else float(rubric.total_max or 0)
    step = float(rubric.step or 1)     # a valid points rubric always has both
    problems = []
    if value < 0:
        problems.append(F.make("score-negative", value=format_number(value), **at))
    elif value > top:
        problems.append(F.make("score-above-max", value=format_number(value), max=format_number(top),
                               item_label=_label(item), **at))
    elif abs(value / step - round(value / step)) > 1e-6:
        problems.append(F.make("score-off-step", value=format_number(value), step=format_number(step), **at))
    if problems:
        result.status = INVALID
        return problems
    result.score = value
    if value > 0 and rubric.data.get("evidence_required") and not result.evidence:
        result.score = 0.0
        citation = (rubric.evidence_citation or "").split(":")[0]
        return [F.make("score-without-evidence", value=format_number(value), citation=citation,
                       **dict(where, cell=evidence_cell.cell))]
    return []


def _passfail(item: Item, cells: dict[str, CellValue], rubric: Rubric, hard_area: bool | None, result: ItemResult,
              where: dict[str, Any], evidence_cell: CellValue) -> list[F.Finding]:
    cell = cells.get(f"{item.key}_RESULT")
    if cell is None or cell.empty:
        return _empty(item, cell or CellValue(None, where["sheet"], None), "Kết quả", where, result)
    result.cell = cell.cell
    folded = fold(cell.value)
    if folded in ("dat", "x", "co"):
        passed = True
    elif folded in ("khong dat", "chua dat", "khong"):
        passed = False
    else:
        result.status = INVALID
        return [F.make("result-invalid", item=item.id, value=visible(cell.value), **dict(where, cell=cell.cell))]
    result.entered = PASS if passed else FAIL
    result.levels = {1: passed, 2: passed}
    return _evidence_warning(item, result, where, evidence_cell)


def _evidence_warning(item: Item, result: ItemResult, where: dict[str, Any],
                      evidence_cell: CellValue) -> list[F.Finding]:
    if result.evidence:
        return []
    return [F.make("result-without-evidence", item=item.id, **dict(where, cell=evidence_cell.cell))]


def _level(item: Item, cells: dict[str, CellValue], rubric: Rubric, hard_area: bool | None, result: ItemResult,
           where: dict[str, Any], evidence_cell: CellValue) -> list[F.Finding]:
    cell = cells.get(f"{item.key}_LEVEL")
    if cell is None or cell.empty:
        return _empty(item, cell or CellValue(None, where["sheet"], None), "Mức đạt được", where, result)
    result.cell = cell.cell
    options = {fold(o): i for i, o in enumerate(item.options)}
    index = options.get(fold(cell.value))
    if index is None:
        result.status = INVALID
        return [F.make("level-invalid", item=item.id, value=visible(cell.value), options="; ".join(item.options),
                       **dict(where, cell=cell.cell))]
    result.entered = item.options[index]
    result.levels = {level: index >= item.options.index(required) for level, required in item.required.items()}
    return _evidence_warning(item, result, where, evidence_cell)


def _ratio(item: Item, cells: dict[str, CellValue], rubric: Rubric, hard_area: bool | None, result: ItemResult,
           where: dict[str, Any], evidence_cell: CellValue) -> list[F.Finding]:
    problems = []
    assert item.base is not None, "a valid ratio item has a base"
    base_field, base_label = item.base
    labels = {base_field: base_label, **{c.field: c.label for c in item.counts}}
    for code, label in labels.items():
        cell = cells.get(f"{item.key}_{code}")
        if cell is None or cell.empty:
            problems += _empty(item, cell or CellValue(None, where["sheet"], None), f"Số liệu “{label}”", where, result)
            continue
        value = parse_number(cell.value)
        if value is None or value < 0 or not float(value).is_integer():
            result.status = INVALID
            problems.append(F.make("count-invalid", item=item.id, label=label, value=visible(cell.value),
                                   **dict(where, cell=cell.cell)))
            continue
        result.values[code] = value
    if problems:
        result.status = INVALID if result.status == INVALID or any(p.code != "value-empty" for p in problems) else MISSING
        return problems
    base = result.values[base_field]
    result.cell = cells[f"{item.key}_{base_field}"].cell
    if base == 0:
        result.status = INVALID
        return [F.make("count-base-zero", item=item.id, base_label=base_label, **dict(where, cell=result.cell))]
    for count in item.counts:
        value = result.values[count.field]
        if value > base:
            result.status = INVALID
            problems.append(F.make("count-above-base", item=item.id, label=count.label, value=format_number(value),
                                   base_label=base_label, base=format_number(base),
                                   **dict(where, cell=cells[f"{item.key}_{count.field}"].cell)))
        result.percents[count.field] = 100.0 * value / base
    if problems:
        return problems
    if hard_area is None and any(c.min_percent_hard_area for c in item.counts):
        result.status = INVALID
        return [F.make("hard-area-unknown", **where)]
    result.levels = {level: all(result.percents[c.field] >= c.threshold(level, bool(hard_area)) - 1e-9
                                for c in item.counts) for level in (1, 2)}
    return _evidence_warning(item, result, where, evidence_cell)

"""Merge: from the workbooks read to one set of cells per unit.

Pure: takes `WorkbookRead`s, decides which commune/year/rubric the set is for
(the one most unit sheets carry), leaves out and reports files of another
commune, year or rubric, and picks one return per unit. Identical copies merge
quietly; copies that differ are a conflict and nothing is chosen.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cdht_excel import findings as F
from cdht_excel import plan as P
from cdht_excel import rubric as R
from cdht_excel.book import CellValue, UnitSheet, WorkbookRead, evaluate_arithmetic, field_cells, short_error
from cdht_excel.contract import unit_sheet_names
from cdht_excel.text import clean_text, parse_number


@dataclass
class UnitReturn:
    """One unit's sheet in one file, with the cell of every field."""
    book: WorkbookRead
    sheet: UnitSheet
    cells: dict[str, CellValue]
    by_names: bool

    @property
    def display(self) -> str:
        return self.book.display

    @property
    def filled(self) -> bool:
        return any(not c.empty for c in self.cells.values())

    def signature(self) -> tuple:
        return tuple((k, normalise(c.value)) for k, c in sorted(self.cells.items()))


@dataclass
class Merged:
    reference: dict
    rubric: R.Rubric
    plan: P.Plan
    books: list[WorkbookRead]
    chosen: dict[str, UnitReturn | None]              # unit id -> the return used (None: missing/conflict)
    returns: dict[str, list[UnitReturn]]              # unit id -> every return seen
    conflicts: set[str] = field(default_factory=set)  # unit ids in conflict
    findings: list[F.Finding] = field(default_factory=list)


class NothingToMerge(Exception):
    def __init__(self, findings):
        super().__init__("nothing to merge")
        self.findings = findings


def normalise(value):
    """Values compare as people mean them: 7.5 == '7,5'; text by its NFC content."""
    number = parse_number(value)
    if number is not None:
        return ("n", round(number, 6))
    return ("t", clean_text(value))


def reference_of(books: list[WorkbookRead]) -> dict | None:
    """The (commune, year, rubric) that most unit sheets carry; ties go to the first file by name."""
    votes: Counter = Counter()
    first_seen: dict[tuple, int] = {}
    for index, book in enumerate(books):
        for unit in book.units:
            key = _stamp_key(unit.stamp)
            votes[key] += 1
            first_seen.setdefault(key, index)
    if not votes:
        return None
    best = min(votes, key=lambda k: (-votes[k], first_seen[k]))
    commune, year, rubric_id, rubric_hash = best
    return {"commune": commune, "year": year, "rubric_id": rubric_id, "rubric_hash": rubric_hash}


def _stamp_key(stamp: dict) -> tuple:
    return (clean_text(stamp["commune"]), str(stamp["year"]), stamp["rubric_id"], stamp["rubric_hash"])


def _context(books: list[WorkbookRead], ref: dict) -> tuple[R.Rubric, P.Plan, dict | None]:
    """The rubric and plan stamped into the reference template (or a built-in one)."""
    for book in books:
        meta = book.meta
        if meta and meta.get("rubric_hash") == ref["rubric_hash"] and str(meta.get("year")) == ref["year"] \
                and clean_text(meta.get("commune")) == ref["commune"] and meta.get("rubric") and meta.get("plan"):
            try:
                rubric = R.from_data(meta["rubric"])
            except R.RubricError:
                continue
            if rubric.content_hash == ref["rubric_hash"]:
                return rubric, P.plan_from_data(meta["plan"], rubric.id), meta
    if ref["rubric_id"] in R.BUILTIN_IDS:
        rubric = R.load(ref["rubric_id"])
        if rubric.content_hash == ref["rubric_hash"]:
            return rubric, P.default_plan(ref["commune"], int(ref["year"]), rubric), None
    raise NothingToMerge([F.make("file-not-template", file="(mọi tệp)")])


def merge(books: list[WorkbookRead]) -> Merged:
    books = sorted(books, key=lambda b: (b.display.casefold(), b.display))   # the result never depends on order
    ref = reference_of(books)
    if ref is None:
        raise NothingToMerge([])
    rubric, plan, meta = _context(books, ref)
    reference = {**ref, "template_id": (meta or {}).get("template_id"), "district": plan.district,
                 "province": plan.province, "commune_kind": plan.commune_kind}
    findings: list[F.Finding] = []
    units_by_id = {u.id: u for u in plan.units}
    sheet_names = unit_sheet_names(plan.units)
    returns: dict[str, list[UnitReturn]] = {u.id: [] for u in plan.units}
    for book in books:
        findings += _foreign(book, ref, plan, reference)
        try:
            found, notes = _unit_returns(book, ref, rubric, units_by_id, sheet_names)
        except Exception as exc:   # one strange file never stops the others
            findings.append(F.make("file-corrupt", file=book.display, detail=short_error(exc)))
            continue
        findings += notes
        for unit_id, ret in found:
            returns[unit_id].append(ret)
    chosen, conflicts = {}, set()
    for unit in plan.units:
        pick, unit_findings = choose(unit, returns[unit.id])
        chosen[unit.id] = pick
        findings += unit_findings
        if any(f.code == "unit-conflict" for f in unit_findings):
            conflicts.add(unit.id)
    return Merged(reference=reference, rubric=rubric, plan=plan, books=books, chosen=chosen, returns=returns,
                  conflicts=conflicts, findings=findings)


def _unit_returns(book: WorkbookRead, ref: dict, rubric: R.Rubric, units_by_id: dict, sheet_names: dict):
    """Every unit sheet of the reference commune in one file, with what is worth saying about it."""
    found, notes = [], []
    for sheet in book.units:
        if _stamp_key(sheet.stamp) != _ref_key(ref):
            continue
        unit = units_by_id.get(sheet.unit_id)
        if unit is None:
            notes.append(F.make("unit-unknown", file=book.display, sheet=sheet.sheet, unit=sheet.unit_id))
            continue
        where = {"file": book.display, "sheet": sheet.sheet, "unit": unit.name}
        items = [item for cid in unit.criteria for item in rubric.criterion(cid).items]
        cells, by_names, shared = field_cells(book, sheet, items)
        for item, cell, text, origin in shared:
            label = f"tiêu chí {item.criterion}" if item.id == item.criterion else f"chỉ tiêu {item.id}"
            notes.append(F.make("evidence-merged", cell=cell, criterion=item.criterion, range=text, origin=origin,
                                item_label=label, **where))
        twins = sum(1 for other in book.units if other.unit_id == sheet.unit_id)
        if sheet.sheet != sheet_names[unit.id] and book.meta is not None and twins == 1:
            notes.append(F.make("sheet-renamed", expected=sheet_names[unit.id], **where))
        if book.meta is None:
            notes.append(F.make("sheet-copied", **where))
        if not by_names and book.format in ("xlsx", "xlsm", "ods"):
            notes.append(F.make("names-lost", **where))
        _apply_formulas(book, cells, notes, unit)
        found.append((unit.id, UnitReturn(book, sheet, cells, by_names)))
    return found, notes


def _ref_key(ref: dict) -> tuple:
    return (ref["commune"], ref["year"], ref["rubric_id"], ref["rubric_hash"])


def _foreign(book: WorkbookRead, ref: dict, plan: P.Plan, reference: dict) -> list[F.Finding]:
    """One finding per file whose sheets belong to another commune, year or rubric."""
    out = []
    for sheet in book.units:
        commune, year, rubric_id, rubric_hash = _stamp_key(sheet.stamp)
        if (commune, year, rubric_id, rubric_hash) == _ref_key(ref):
            tid = sheet.stamp.get("template_id")
            if reference.get("template_id") and tid != reference["template_id"]:
                out.append(F.make("template-mismatch", file=book.display, other=tid))
            continue
        if commune != ref["commune"]:
            out.append(F.make("other-commune", file=book.display, other=f"{plan.commune_kind} {commune}",
                              other_year=year, expected=plan.commune_label))
        elif year != ref["year"]:
            out.append(F.make("other-year", file=book.display, other_year=year, expected_year=ref["year"]))
        else:
            out.append(F.make("other-rubric", file=book.display,
                              other_rubric=f"{rubric_id} #{rubric_hash}",
                              expected_rubric=f"{ref['rubric_id']} #{ref['rubric_hash']}"))
    unique = {(f.code, f.message): f for f in out}
    return list(unique.values())


def _apply_formulas(book: WorkbookRead, cells: dict[str, CellValue], findings: list, unit) -> None:
    """A formula cell counts by its value; one saved without a value is evaluated if plain arithmetic."""
    for key, cell in cells.items():
        if not cell.empty:
            continue
        formula = book.formulas.get((cell.sheet, cell.cell))
        if formula is None:
            continue
        value = evaluate_arithmetic(formula)
        if value is None:
            findings.append(F.make("formula-no-value", file=book.display, sheet=cell.sheet, cell=cell.cell,
                                   unit=unit.name, formula="=" + formula.lstrip("=")))
            cell.value = "=" + formula.lstrip("=")
        else:
            cell.value = value


def choose(unit: P.Unit, candidates: list[UnitReturn]) -> tuple[UnitReturn | None, list[F.Finding]]:
    criteria = ", ".join(unit.criteria)
    single = unit.criteria[0] if len(unit.criteria) == 1 else None
    if not candidates:
        return None, [F.make("unit-missing", unit=unit.name, criteria=criteria, criterion=single)]
    filled = [c for c in candidates if c.filled]
    if not filled:
        files = ", ".join(sorted({f"“{c.display}”" for c in candidates}))
        return candidates[0], [F.make("unit-not-filled", unit=unit.name, criteria=criteria, files=files,
                                      file=candidates[0].display, sheet=candidates[0].sheet.sheet,
                                      criterion=single)]
    groups: dict[tuple, list[UnitReturn]] = {}
    for c in filled:
        groups.setdefault(c.signature(), []).append(c)
    if len(groups) == 1:
        copies = next(iter(groups.values()))
        out = []
        if len({c.display for c in copies}) > 1 or len(copies) > 1:
            out.append(F.make("unit-duplicate", unit=unit.name, count=len(copies), criterion=single,
                              files=", ".join(_where(c) for c in copies), file=copies[1].display,
                              sheet=copies[1].sheet.sheet))
        return copies[0], out
    first, second = [g[0] for g in list(groups.values())[:2]]
    differing = [k for k in sorted(first.cells) if normalise(first.cells[k].value) !=
                 normalise(second.cells.get(k, CellValue(None, "", "")).value)]
    cells = "; ".join(f"{first.cells[k].cell} ({_show(first.cells[k].value)} ≠ "
                      f"{_show(second.cells[k].value) if k in second.cells else '—'})" for k in differing[:6])
    finding = F.make("unit-conflict", unit=unit.name, cells=cells, file_a=_where(first), file_b=_where(second),
                     file=first.display, sheet=first.sheet.sheet, cell=first.cells[differing[0]].cell if differing else None,
                     criterion=_criterion_of(differing[0]) if differing else single)
    return None, [finding]


def _criterion_of(key: str) -> str:
    """'C5_2_BASE' -> '5'; 'C8_SCORE' -> '8'."""
    return key[1:].split("_")[0]


def _where(ret: UnitReturn) -> str:
    return f"“{ret.display}” (trang “{ret.sheet.sheet}”)"


def _show(value) -> str:
    text = clean_text(value)
    return text if len(text) <= 30 else text[:29] + "…"

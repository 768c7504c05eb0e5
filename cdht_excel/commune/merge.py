"""Merge: from the workbooks read to one set of cells per unit.

Pure: takes `WorkbookRead`s, decides which commune/year/rubric the set is for
(the one most unit sheets carry), leaves out and reports files of another
commune, year or rubric, and picks one return per unit. Identical copies merge
quietly; copies that differ are a conflict and nothing is chosen.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from cdht_excel.commune import plan as P
from cdht_excel.reading import legacy
from cdht_excel.reading.book import CellValue, UnitSheet, WorkbookRead, evaluate_arithmetic, field_cells, short_error
from cdht_excel.rules import findings as F
from cdht_excel.rules import rubric as R
from cdht_excel.rules.contract import unit_sheet_names
from cdht_excel.rules.model import Rubric
from cdht_excel.text import clean_text, format_number, parse_number, visible
from cdht_excel.vietnamese import differ_only_by_diacritics, name_key


Normal = tuple[str, Any]                  # a value as compared: ("n", 7.5) or ("t", "đạt")
StampKey = tuple[str, str, str, str]      # (commune, year, rubric id, rubric hash)


@dataclass
class UnitReturn:
    """One unit's sheet in one file, with the cell of every field."""
    book: WorkbookRead
    sheet: UnitSheet
    cells: dict[str, CellValue]
    by_names: bool
    conflicting: set[str] = field(default_factory=set)   # field keys on which copies differ, unresolved
    copies: list[UnitReturn] = field(default_factory=list)  # the differing copies this one was merged from

    @property
    def display(self) -> str:
        return self.book.display

    @property
    def filled(self) -> bool:
        return any(not c.empty for c in self.cells.values())

    def signature(self) -> tuple[tuple[str, Normal], ...]:
        return tuple((k, normalise(c.value)) for k, c in sorted(self.cells.items()))


@dataclass
class Merged:
    reference: dict[str, Any]
    rubric: Rubric
    plan: P.Plan
    books: list[WorkbookRead]
    chosen: dict[str, UnitReturn | None]              # unit id -> the return used (None: missing/conflict)
    returns: dict[str, list[UnitReturn]]              # unit id -> every return seen
    conflicts: set[str] = field(default_factory=set)  # unit ids in conflict
    findings: list[F.Finding] = field(default_factory=list)


NothingToMerge = F.Failed   # no unit sheet of ours in any file


def normalise(value: object) -> Normal:
    """Values compare as people mean them: 7.5 == '7,5'; text by its NFC content."""
    number = parse_number(value)
    if number is not None:
        return ("n", round(number, 6))
    return ("t", clean_text(value))


def reference_of(books: list[WorkbookRead]) -> dict[str, Any] | None:
    """The (commune, year, rubric) that most unit sheets carry; ties go to the first file by name."""
    votes: Counter[StampKey] = Counter()
    first_seen: dict[StampKey, int] = {}
    names: dict[StampKey, str] = {}
    for index, book in enumerate(books):
        for unit in book.units:
            key = _stamp_key(unit.stamp)
            votes[key] += 1
            first_seen.setdefault(key, index)
            names.setdefault(key, clean_text(unit.stamp["commune"]))
    if not votes:
        return None
    best = min(votes, key=lambda k: (-votes[k], first_seen[k]))
    commune_key, year, rubric_id, rubric_hash = best
    return {"commune": names[best], "commune_key": commune_key, "year": year, "rubric_id": rubric_id,
            "rubric_hash": rubric_hash}


def _stamp_key(stamp: dict[str, Any]) -> StampKey:
    """What makes two sheets the same commune's: its name as Vietnamese reads it (name_key), year, rubric."""
    return (name_key(clean_text(stamp["commune"])), str(stamp["year"]), stamp["rubric_id"], stamp["rubric_hash"])


def _context(books: list[WorkbookRead], ref: dict[str, Any]) -> tuple[Rubric, P.Plan, dict[str, Any] | None]:
    """The rubric and plan stamped into the reference template (or a built-in one)."""
    for book in books:
        meta = book.meta
        if meta and meta.get("rubric_hash") == ref["rubric_hash"] and str(meta.get("year")) == ref["year"] \
                and name_key(clean_text(meta.get("commune"))) == ref["commune_key"] and meta.get("rubric") \
                and meta.get("plan"):
            try:
                rubric = R.from_data(meta["rubric"])
            except F.Failed:
                continue
            if rubric.content_hash == ref["rubric_hash"]:
                return rubric, P.plan_from_data(meta["plan"], rubric.id), meta
    if ref["rubric_id"] in R.BUILTIN_IDS:
        rubric = R.load(ref["rubric_id"])
        if rubric.content_hash == ref["rubric_hash"]:
            return rubric, P.default_plan(ref["commune"], int(ref["year"]), rubric), None
    raise F.Failed([F.make("file-not-template", file="(mọi tệp)")])


def merge(books: list[WorkbookRead], prefer_newer: bool = False) -> Merged:
    books = sorted(books, key=lambda b: (b.display.casefold(), b.display))   # the result never depends on order
    books, stamp_findings = _consistent_sheets(books)
    ref = reference_of(books)
    if ref is None:
        raise NothingToMerge(stamp_findings)
    rubric, plan, meta = _context(books, ref)
    reference = {**ref, "template_id": (meta or {}).get("template_id"), "district": plan.district,
                 "province": plan.province, "commune_kind": plan.commune_kind}
    findings: list[F.Finding] = list(stamp_findings)
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
    chosen, conflicts, overridden = {}, set(), []
    for unit in plan.units:
        pick, unit_findings, unit_overrides = choose(unit, returns[unit.id], rubric, prefer_newer)
        chosen[unit.id] = pick
        findings += unit_findings
        overridden += unit_overrides
        if pick is not None and pick.conflicting:
            conflicts.add(unit.id)
    if overridden:
        findings.append(F.make("conflicts-newer-chosen", count=len(overridden), overrides="; ".join(overridden)))
    return Merged(reference=reference, rubric=rubric, plan=plan, books=books, chosen=chosen, returns=returns,
                  conflicts=conflicts, findings=findings)


def _consistent_sheets(books: list[WorkbookRead]) -> tuple[list[WorkbookRead], list[F.Finding]]:
    """Unit sheets whose stamp agrees with their file's hidden `_cdht` sheet; one error per sheet that
    does not (a stamp swapped or pasted from another commune's template): that sheet is not merged."""
    out, findings = [], []
    for book in books:
        bad = [sheet for sheet in book.units if _stamp_disagrees(book.meta, sheet.stamp)]
        for sheet in bad:
            findings.append(F.make("stamp-mismatch", file=book.display, sheet=sheet.sheet,
                                   sheet_commune=clean_text(sheet.stamp["commune"]),
                                   meta_commune=clean_text(book.meta.get("commune")),
                                   sheet_template=sheet.stamp.get("template_id"),
                                   meta_template=book.meta.get("template_id")))
        out.append(replace(book, units=[s for s in book.units if all(s is not b for b in bad)]) if bad else book)
    return out, findings


def _stamp_disagrees(meta: dict | None, stamp: dict) -> bool:
    if meta is None:          # a sheet copied into another workbook: only its own stamp is left
        return False
    return (name_key(clean_text(meta.get("commune"))) != name_key(clean_text(stamp["commune"]))
            or str(meta.get("template_id")) != str(stamp.get("template_id"))
            or str(meta.get("year")) != str(stamp.get("year"))
            or meta.get("rubric_hash") != stamp.get("rubric_hash"))


def _unit_returns(book: WorkbookRead, ref: dict, rubric: Rubric, units_by_id: dict, sheet_names: dict):
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
        items = [item for cid in unit.criteria for item in rubric.items_of(cid)]
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
        notes += _convert_legacy(cells, where)
        found.append((unit.id, UnitReturn(book, sheet, cells, by_names)))
    return found, notes


def _ref_key(ref: dict) -> tuple:
    return (ref["commune_key"], ref["year"], ref["rubric_id"], ref["rubric_hash"])


def _foreign(book: WorkbookRead, ref: dict[str, Any], plan: P.Plan, reference: dict[str, Any]) -> list[F.Finding]:
    """One finding per file whose sheets belong to another commune, year or rubric."""
    out = []
    for sheet in book.units:
        commune, year, rubric_id, rubric_hash = _stamp_key(sheet.stamp)
        if (commune, year, rubric_id, rubric_hash) == _ref_key(ref):
            tid = sheet.stamp.get("template_id")
            if reference.get("template_id") and tid != reference["template_id"]:
                out.append(F.make("template-mismatch", file=book.display, other=tid))
            continue
        if commune != ref["commune_key"]:
            name = clean_text(sheet.stamp["commune"])
            out.append(F.make("other-commune", file=book.display, other=f"{plan.commune_kind} {name}",
                              other_year=year, expected=plan.commune_label))
            if differ_only_by_diacritics(name, ref["commune"]):
                out.append(F.make("name-diacritics", file=book.display, a=name, b=ref["commune"],
                                  what="xã, phường, thị trấn"))
        elif year != ref["year"]:
            out.append(F.make("other-year", file=book.display, other_year=year, expected_year=ref["year"]))
        else:
            out.append(F.make("other-rubric", file=book.display,
                              other_rubric=f"{rubric_id} #{rubric_hash}",
                              expected_rubric=f"{ref['rubric_id']} #{ref['rubric_hash']}"))
    unique = {(f.code, f.message): f for f in out}
    return list(unique.values())


def _apply_formulas(book: WorkbookRead, cells: dict[str, CellValue], findings: list[F.Finding], unit: P.Unit) -> None:
    """A formula cell counts by its value; one saved without a value is evaluated if plain arithmetic."""
    for cell in cells.values():
        if not cell.empty:
            continue
        formula = book.formulas.get((cell.sheet, cell.cell)) if cell.cell is not None else None
        if formula is None:
            continue
        value = evaluate_arithmetic(formula)
        if value is None:
            findings.append(F.make("formula-no-value", file=book.display, sheet=cell.sheet, cell=cell.cell,
                                   unit=unit.name, formula="=" + formula.lstrip("=")))
            cell.value = "=" + formula.lstrip("=")
        else:
            cell.value = value


def _convert_legacy(cells: dict[str, CellValue], where: dict) -> list[F.Finding]:
    """Text typed with a TCVN3 or VNI font becomes Unicode; one warning per cell, with a sample."""
    notes = []
    for key, cell in cells.items():
        if not isinstance(cell.value, str):
            continue
        closed_list = key.endswith(("_RESULT", "_LEVEL"))      # 'Đạt' alone is one word: enough there
        converted, encoding = legacy.convert(cell.value, min_words=1 if closed_list else 2)
        if encoding is None:
            continue
        before, after = legacy.sample(cell.value, str(converted))
        notes.append(F.make("text-legacy-encoding", cell=cell.cell, encoding=legacy.LABEL[encoding],
                            before=before, after=after, **dict(where, sheet=cell.sheet)))
        cell.value = converted
    return notes


def choose(unit: P.Unit, candidates: list[UnitReturn], rubric: Rubric | None = None,
           prefer_newer: bool = False) -> tuple[UnitReturn | None, list[F.Finding], list[str]]:
    """The return used for `unit`, what to say about its copies, and what `prefer_newer` overrode."""
    criteria = ", ".join(unit.criteria)
    single = unit.criteria[0] if len(unit.criteria) == 1 else None
    if not candidates:
        return None, [F.make("unit-missing", unit=unit.name, criteria=criteria, criterion=single)], []
    filled = [c for c in candidates if c.filled]
    if not filled:
        files = ", ".join(sorted({f"“{c.display}”" for c in candidates}))
        return candidates[0], [F.make("unit-not-filled", unit=unit.name, criteria=criteria, files=files,
                                      file=candidates[0].display, sheet=candidates[0].sheet.sheet,
                                      criterion=single)], []
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
        return copies[0], out, []
    return _per_item(unit, [g[0] for g in groups.values()], rubric, prefer_newer)


def _per_item(unit: P.Unit, copies: list[UnitReturn], rubric: Rubric | None, prefer_newer: bool):
    """Copies that differ: cells on which they agree (or only one says something) count; each
    differing item is one conflict, resolved to the later-saved copy only when asked."""
    newest = _newest(copies)
    base = newest or copies[0]
    cells: dict[str, CellValue] = {}
    differing: dict[str, list[str]] = {}
    for key in sorted({k for c in copies for k in c.cells}):
        said = [c for c in copies if key in c.cells and not c.cells[key].empty]
        values = {normalise(c.cells[key].value) for c in said}
        holder = base if any(c is base for c in said) or not said else said[0]
        if key in holder.cells:
            cells[key] = holder.cells[key]
        if len(values) > 1:
            differing.setdefault(_item_key(key), []).append(key)
    findings, overrides, unresolved = [], [], set()
    for item_key, keys in differing.items():
        label = _item_label(item_key, rubric)
        shown = "; ".join(f"{_where(c)}: " + ", ".join(f"ô {c.cells[k].cell} = {_show(c.cells[k].value)}"
                                                        for k in keys if k in c.cells)
                          for c in copies)
        later = _later_text(copies, newest)
        first_cell = next(c.cells[k] for c in copies for k in keys if k in c.cells)
        other = next((c for c in copies if c is not base), copies[-1])
        if prefer_newer and newest is not None:
            overrides.append(f"{unit.name}, {label}: theo {_where(newest)} ({_values(newest, keys)}), bỏ "
                             + ", ".join(f"“{c.display}” ({_values(c, keys)})" for c in copies if c is not newest))
            continue
        unresolved.update(keys)
        findings.append(F.make("unit-conflict", unit=unit.name, item_label=label, values=shown, later=later,
                               copies=_copies_list(copies, keys, newest), file=other.display,
                               sheet=other.sheet.sheet, cell=first_cell.cell,
                               criterion=_criterion_of(keys[0])))
    ret = UnitReturn(base.book, base.sheet, cells, base.by_names, conflicting=unresolved, copies=copies)
    return ret, findings, overrides


def _values(ret: UnitReturn, keys: list[str]) -> str:
    return ", ".join(f"ô {ret.cells[k].cell} = {_show(ret.cells[k].value)}" for k in keys if k in ret.cells)


def _item_key(key: str) -> str:
    """'C7_SCORE' -> 'C7'; 'C5_2_BASE' -> 'C5_2'."""
    return key.rsplit("_", 1)[0]


def _item_label(item_key: str, rubric: Rubric | None) -> str:
    item_id = item_key[1:].replace("_", ".")
    criterion = item_id.split(".")[0]
    return f"tiêu chí {criterion}" if item_id == criterion else f"chỉ tiêu {item_id}"


def _newest(copies: list[UnitReturn]) -> UnitReturn | None:
    """The copy saved last, when its saved time is later than every other copy's."""
    times = [(c.book.saved_at, c) for c in copies if c.book.saved_at]
    if len(times) != len(copies):
        return None
    times.sort(key=lambda t: t[0])
    if times[-1][0] == times[-2][0]:
        return None
    return times[-1][1]


def _later_text(copies: list[UnitReturn], newest: UnitReturn | None) -> str:
    if newest is None:
        return "không xác định được bản nào lưu sau (thời gian lưu trùng nhau hoặc không có)"
    return (f"bản lưu sau là “{newest.display}” ({_vn_time(newest.book.saved_at)}, "
            f"theo {newest.book.saved_source})")


def _copies_list(copies: list[UnitReturn], keys: list[str], newest: UnitReturn | None) -> str:
    """One line per copy (the terminal's short list): file, sheet, values, when it was saved."""
    lines = []
    for c in copies:
        saved = f"lưu lúc {_vn_time(c.book.saved_at)}" if c.book.saved_at else "không rõ thời điểm lưu"
        lines.append(f"{_where(c)}: {_values(c, keys) or '(trống)'} – {saved}"
                     + (" (bản lưu sau)" if c is newest else ""))
    if newest is None:
        lines.append("Không xác định được bản nào lưu sau (thời gian lưu trùng nhau hoặc không có).")
    return "\n".join(lines)


def _vn_time(iso: str) -> str:
    """'2024-12-16T14:20:00Z' -> '14:20 16/12/2024'."""
    date, _, time = iso.partition("T")
    parts = date.split("-")
    if len(parts) != 3:
        return iso
    return f"{time[:5]} {parts[2]}/{parts[1]}/{parts[0]}".strip()


def _criterion_of(key: str) -> str:
    """'C5_2_BASE' -> '5'; 'C8_SCORE' -> '8'."""
    return key[1:].split("_")[0]


def _where(ret: UnitReturn) -> str:
    return f"“{ret.display}” (trang “{ret.sheet.sheet}”)"


def _show(value) -> str:
    number = parse_number(value)
    if number is not None:
        return format_number(number)
    text = visible(clean_text(value)) or "(trống)"
    return f"“{text}”" if len(text) <= 30 else f"“{text[:29]}…”"

"""The level above's own check (TT 44/2014 Điều 6.3–6.5; TT 25/2023 Điều 9.2): form, read-back, comparison.

`cdht district … --check-form FORM.xlsx` writes one row per commune × criterion (TT 44) or per
commune × indicator (TT 25) with the commune's self-assessment and an empty cell for the check
(see `cdht_excel/check_form.py` for the workbook). `cdht district … --checked FORM.xlsx` reads the
filled form back with the project's one reader and, for each commune:

- every row is found by its hidden key (column A: ``CDHT-CHK|<n>|<id>``, n = the commune's number in
  the form's hidden sheet), never by position, so sorted, filtered or re-saved (.ods, .xls) forms work;
- a blank check cell means "not yet checked": such a commune is reported as unchecked and is never
  classified by its self-assessment in the check's place;
- a checked commune is classified from the check values with the rubric's own rules;
- every difference between self-assessment and check is reported, criterion by criterion.

Pure except `read_form` (which uses `cdht_excel.reading.read`).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdht_excel.rules import findings as F
from cdht_excel.rules.contract import CHECK_FORM_SCHEMA as FORM_SCHEMA
from cdht_excel.rules.schemes import scheme_of
from cdht_excel.text import ascii_fold, clean_text, format_number, parse_number

FORM_META_SHEET = "_cdht_check"
KEY_PREFIX = "CDHT-CHK|"
KEY_RE = re.compile(r"^CDHT-CHK\|(\d+)\|([0-9][0-9.]*)$")
COLS_MARK = "#cols"
# the columns' codes (hidden row of the form), so inserted or moved columns are still found
COLUMN_CODES = ("KEY", "N", "COMMUNE", "ID", "TITLE", "MAX", "SELF", "CHECK", "NOTE")

# TT 25 (levels): what one indicator's check cell may say, from lowest to highest
LEVEL_CHOICES = {0: "Không đạt", 1: "Đạt mức độ 1", 2: "Đạt mức độ 2"}
UNCHECKED, CHECKED, NOT_IN_FORM = "unchecked", "checked", "not-in-form"
STATUS_LABEL = {UNCHECKED: "Chưa kiểm tra xong", CHECKED: "Đã kiểm tra", NOT_IN_FORM: "Không có trong phiếu"}


def commune_identity(report: dict) -> list[str]:
    """How a commune is recognised across runs: folded province, district, kind, name, year."""
    from cdht_excel.vietnamese import split_commune_kind
    fold = lambda x: " ".join(ascii_fold(clean_text(x)).lower().split())
    kind, name = split_commune_kind(clean_text(report.get("commune")), clean_text(report.get("commune_kind")))
    return [fold(report.get("province")), fold(report.get("district")), fold(kind), fold(name)] + \
        [str(int(report.get("year") or 0))]


def commune_label(report: dict) -> str:
    from cdht_excel.vietnamese import commune_label as label
    return label(report.get("commune"), report.get("commune_kind"))


# --------------------------------------------------------------------------- what the form holds

@dataclass
class FormRow:
    n: int                 # the commune's number in the form
    commune: str           # 'xã An Bình'
    id: str                # criterion (points) or indicator (levels) id
    title: str
    max: float | None      # points only
    self_value: object     # points: score or None; levels: 0/1/2 or None
    self_text: str


def _levels_of(item: dict) -> int | None:
    if item.get("status") != "ok":
        return None
    return 2 if item.get("level_2") else 1 if item.get("level_1") else 0


def form_rows(communes: list[dict], rubric) -> list[FormRow]:
    """The rows of the form for these communes' full reports (in the order given), numbered from 1.

    `rubric` (a Rubric or None) gives indicator titles and maxima; without it the report's own
    titles are used.
    """
    rows = []
    points = _is_points(communes[0] if communes else {}, rubric)
    for n, report in enumerate(communes, start=1):
        label = commune_label(report)
        for c in report["criteria"]:
            if points:
                score = c.get("score")
                rows.append(FormRow(n, label, str(c["id"]), clean_text(c.get("title")), c.get("max"),
                                    score, format_number(score) if score is not None else "Chưa có"))
                continue
            rc = rubric.criterion(str(c["id"])) if rubric is not None else None
            titles = {i.id: i.title for i in rc.items} if rc is not None else {}
            for item in c.get("items") or []:
                level = _levels_of(item)
                rows.append(FormRow(n, label, str(item["id"]), clean_text(titles.get(item["id"]) or
                                                                            f"Chỉ tiêu {item['id']}"),
                                    None, level, LEVEL_CHOICES[level] if level is not None else "Chưa có"))
    return rows


def _scored(name) -> bool:
    from cdht_excel.rules.schemes import DEFAULT_SCHEME, scheme_named
    return scheme_named(name or DEFAULT_SCHEME).scored


def _scheme_name(rubric, points: bool) -> str:
    from cdht_excel.rules.schemes import SCHEMES
    if rubric is not None:
        return scheme_of(rubric).name
    return next(name for name, scheme in SCHEMES.items() if scheme.scored == points)


def _is_points(report: dict, rubric) -> bool:
    if rubric is not None:
        return scheme_of(rubric).scored
    return report.get("total") is not None or not any(c.get("items") for c in report.get("criteria", []))


def form_meta(communes: list[dict], rubric_id: str, year, points: bool, sources: list[list[str]],
              rubric=None) -> dict:
    """What the hidden sheet of the form records: which communes (by identity), for which rubric."""
    data = rubric.data if rubric is not None else {}
    return {"schema": FORM_SCHEMA, "rubric": rubric_id, "year": year, "scheme": _scheme_name(rubric, points),
            "max_total": data.get("total_max"), "step": data.get("step"),
            "communes": [{"n": n, "identity": commune_identity(r), "label": commune_label(r),
                          "source": src} for n, (r, src) in enumerate(zip(communes, sources), start=1)]}


# --------------------------------------------------------------------------- reading the filled form

@dataclass
class CheckCell:
    n: int
    id: str
    value: object          # as read (None when blank)
    note: str
    sheet: str
    cell: str              # where the check value is, e.g. 'H12' (after any re-sorting)


@dataclass
class CheckForm:
    meta: dict
    cells: dict[tuple[int, str], CheckCell] = field(default_factory=dict)
    findings: list[F.Finding] = field(default_factory=list)


def read_form(path) -> CheckForm:
    """The filled check form; `meta` is empty and `findings` say why when it is not a usable form."""
    from cdht_excel.reading.book import Input
    from cdht_excel.reading.read import read_workbooks
    path = Path(path)
    display = path.name
    book = read_workbooks([Input(path, display)], keep_sheets=True)[0]   # guarded reader (issue 10)
    form = CheckForm(meta={})
    if not book.format:
        form.findings = [f for f in book.findings if f.severity == F.ERROR] or \
            [F.make("check-form-not-form", file=display)]
        return form
    meta_rows = book.sheets.get(FORM_META_SHEET)
    meta = _parse_form_meta(meta_rows) if meta_rows else None
    if meta is None:
        form.findings.append(F.make("check-form-not-form", file=display))
        return form
    form.meta = meta
    for sheet, rows in book.sheets.items():
        if sheet == FORM_META_SHEET:
            continue
        columns = _columns(rows)
        if columns is None:
            continue
        _read_rows(form, sheet, rows, columns)
    if not form.cells:
        form.findings.append(F.make("check-form-no-rows", file=display))
    return form


def _parse_form_meta(rows) -> dict | None:
    values = {str(r[0]): r[1] for r in rows if r and len(r) > 1 and isinstance(r[0], str)}
    if values.get("schema") != FORM_SCHEMA:
        return None
    text = "".join(str(v) for _, v in sorted(((int(k.split(".")[1]), v) for k, v in values.items()
                                              if k.startswith("form_json."))))
    try:
        return json.loads(text)
    except ValueError:
        return None


def _columns(rows) -> dict[str, int] | None:
    for row in rows[:30]:
        if row and row[0] == COLS_MARK:
            return {str(code): c for c, code in enumerate(row) if code in COLUMN_CODES}
    return None


def _read_rows(form: CheckForm, sheet: str, rows, columns: dict[str, int]) -> None:
    from cdht_excel.rules.contract import cell_ref
    check_col, note_col = columns.get("CHECK"), columns.get("NOTE")
    for r, row in enumerate(rows):
        key = row[0] if row else None
        m = KEY_RE.match(key) if isinstance(key, str) else None
        if not m or check_col is None:
            continue
        value = _at(row, check_col)
        if isinstance(value, str) and not value.strip():
            value = None
        n, item_id = int(m.group(1)), m.group(2)
        form.cells[(n, item_id)] = CheckCell(n, item_id, value, clean_text(_at(row, note_col)), sheet,
                                             cell_ref(r, check_col))


def _at(row: list, col: int | None):
    return row[col] if col is not None and col < len(row) else None


# --------------------------------------------------------------------------- applying the check

@dataclass
class CommuneCheck:
    status: str                         # checked / unchecked / not-in-form
    total: float | None = None          # points: the checked total
    classification: dict | None = None  # the class by the check (None unless checked)
    criteria: list[dict] = field(default_factory=list)   # [{id, self, check, note, differs}]
    blanks: int = 0
    differences: int = 0

    def to_dict(self) -> dict:
        out = {"status": self.status, "total": self.total, "classification": self.classification,
               "blanks": self.blanks, "differences": self.differences, "criteria": self.criteria}
        return out


def apply_check(form: CheckForm, communes: list[tuple[dict, dict, str]], rubric, display: str
                ) -> tuple[list[CommuneCheck], list[F.Finding]]:
    """The check of each commune: `communes` is [(small report, full report, label)] in district order.

    Returns one CommuneCheck per commune (same order) and the findings.
    """
    findings: list[F.Finding] = []
    meta = form.meta
    by_identity = {tuple(c["identity"]): c for c in meta.get("communes", [])}
    used: set[int] = set()
    points = _scored(meta.get("scheme"))
    out = []
    if communes:
        first = communes[0][0]
        if str(meta.get("rubric")) != str(first.get("rubric")) or int(meta.get("year") or 0) != int(first.get("year") or 0):
            findings.append(F.make("check-form-other", file=display, form_rubric=meta.get("rubric"),
                                   form_year=meta.get("year"), rubric=first.get("rubric"), year=first.get("year")))
            return [CommuneCheck(NOT_IN_FORM) for _ in communes], findings
    for small, full, label in communes:
        entry = by_identity.get(tuple(commune_identity(small)))
        if entry is None:
            findings.append(F.make("check-commune-not-in-form", file=display, commune=label))
            out.append(CommuneCheck(NOT_IN_FORM))
            continue
        used.add(entry["n"])
        check, problems = _check_one(form, entry["n"], full, rubric, points, label, display)
        findings += problems
        out.append(check)
    for entry in meta.get("communes", []):
        if entry["n"] not in used:
            findings.append(F.make("check-commune-unknown", file=display, commune=entry["label"]))
    return out, findings


def _self_values(full: dict, points: bool) -> list[tuple[str, object]]:
    if points:
        return [(str(c["id"]), c.get("score")) for c in full["criteria"]]
    return [(str(i["id"]), _levels_of(i)) for c in full["criteria"] for i in c.get("items") or []]


def _check_one(form: CheckForm, n: int, full: dict, rubric, points: bool, label: str, display: str):
    findings = []
    result = CommuneCheck(UNCHECKED)
    values: dict[str, object] = {}
    invalid = False
    for item_id, self_value in _self_values(full, points):
        cell = form.cells.get((n, item_id))
        where = {"file": display, "sheet": cell.sheet if cell else None, "cell": cell.cell if cell else None,
                 "criterion": item_id.split(".")[0]}
        if cell is None or cell.value is None:
            result.blanks += 1
            result.criteria.append({"id": item_id, "self": self_value, "check": None,
                                    "note": cell.note if cell else "", "differs": False})
            continue
        value, problem = _parse_check(cell.value, points, rubric, item_id, full)
        if problem:
            invalid = True
            findings.append(F.make("check-value-invalid", commune=label, item=_item_label(item_id, points),
                                   value=clean_text(cell.value), expected=problem, **where))
            result.criteria.append({"id": item_id, "self": self_value, "check": None, "note": cell.note,
                                    "differs": False})
            continue
        values[item_id] = value
        differs = self_value is None or abs(float(value) - float(self_value)) > 1e-9  # type: ignore[arg-type]
        result.criteria.append({"id": item_id, "self": self_value, "check": value, "note": cell.note,
                                "differs": differs})
        if differs:
            result.differences += 1
            findings.append(F.make("check-differs", commune=label, item=_item_label(item_id, points),
                                   self_text=_shown(self_value, points), check_text=_shown(value, points),
                                   note=f" (ghi chú: {cell.note})" if cell.note else "", **where))
    if result.blanks or invalid:
        if result.blanks:
            findings.append(F.make("check-commune-unchecked", file=display, commune=label, blanks=result.blanks,
                                   count=len(result.criteria)))
        return result, findings
    result.status = CHECKED
    result.total, result.classification = classify_check(values, points, rubric)
    self_class = full["classification"]
    if result.classification and result.classification["code"] != self_class["code"]:
        findings.append(F.make("check-class-differs", file=display, commune=label,
                               self_class=self_class["label"], check_class=result.classification["label"]))
    return result, findings


def _item_label(item_id: str, points: bool) -> str:
    return f"tiêu chí {item_id}" if points else f"chỉ tiêu {item_id}"


def _shown(value, points: bool) -> str:
    if value is None:
        return "chưa có"
    return f"{format_number(value)} điểm" if points else LEVEL_CHOICES[int(value)].lower()


def _parse_check(raw, points: bool, rubric, item_id: str, full: dict) -> tuple[object, str]:
    """(the checked value, '' or what was expected)."""
    if points:
        value = parse_number(raw)
        top = next((c.get("max") for c in full["criteria"] if str(c["id"]) == item_id), None)
        total_max = full.get("max_total")
        limit = top if top is not None else total_max
        step = float(rubric.data.get("step") or 0) if rubric is not None else 0.0
        expected = f"một số từ 0 đến {format_number(limit)}" if limit is not None else "một số không âm"
        if step:
            expected += f", theo bước {format_number(step)}"
        if value is None or value < 0 or (limit is not None and value > float(limit) + 1e-9):
            return None, expected
        if step and abs(value / step - round(value / step)) > 1e-9:
            return None, expected
        return value, ""
    text = " ".join(ascii_fold(clean_text(raw)).lower().split())
    for level, choice in LEVEL_CHOICES.items():
        if text == " ".join(ascii_fold(choice).lower().split()):
            return level, ""
    return None, "một trong: " + ", ".join(f"“{c}”" for c in LEVEL_CHOICES.values())


def classify_check(values: dict[str, Any], points: bool, rubric) -> tuple[float | None, dict]:
    """(total, classification) from the check values, by the rubric's own rules."""
    from cdht_excel.rules.schemes import level_class, points_class
    if rubric is None:
        return (sum(values.values()) if points else None), {"code": "chua-xep-loai", "label": "Chưa xếp loại"}
    if points:
        scores = [float(v) for v in values.values()]
        total = round(sum(scores), 4)
        return total, points_class(rubric, total, scores).to_dict()
    cls = level_class(rubric, lambda level: all(int(v) >= level for v in values.values()))
    return None, cls.to_dict()


# --------------------------------------------------------------------------- on a district run

_BUILTIN: dict[str, object] = {}


def builtin_rubric(rubric_id, rubric_hash):
    """The built-in rubric the communes used, when its content is the one they carry; else None."""
    from cdht_excel.rules import rubric as R
    if rubric_id not in R.BUILTIN_IDS:
        return None
    if rubric_id not in _BUILTIN:
        rubric = R.load(rubric_id)
        _BUILTIN[rubric_id] = (rubric, rubric.content_hash)
    rubric, content_hash = _BUILTIN[rubric_id]
    return rubric if not rubric_hash or content_hash == rubric_hash else None


def full_reports(result) -> list[tuple[Any, dict]]:
    return [(c, json.loads(result.store.get(c.text))) for c in result.communes if c.status == "ok"]



def use_form(result, path) -> None:
    """Read the filled form and attach each commune's check (`Commune.check`) and the findings."""
    display = Path(path).name
    form = read_form(path)
    result.findings += form.findings
    pairs = full_reports(result)
    if form.meta:
        rubric = builtin_rubric(result.rubric, pairs[0][1].get("rubric_hash") if pairs else None)
        checks, findings = apply_check(form, [(c.report, full, c.label) for c, full in pairs], rubric, display)
        result.findings += findings
    else:
        checks = [CommuneCheck(NOT_IN_FORM) for _ in pairs]
    for (c, _), chk in zip(pairs, checks):
        c.check = chk.to_dict()
    result.check = {"file": display,
                    "checked": sum(ch.status == CHECKED for ch in checks),
                    "unchecked": sum(ch.status != CHECKED for ch in checks),
                    "differences": sum(ch.differences for ch in checks)}

"""Recompute, never trust: a summary's figures against its own per-criterion data (pure).

A summary cannot prove it is genuine (the commune runs the tool itself, so any key would be in its
hands). What the level above can do is recompute everything the summary's data allows, with the rubric
the summary carries (or the built-in rubric with the same content hash):

- every item is checked again with the code of `cdht merge` (scores on the step and within the maxima;
  đạt/không đạt, levels and ratios against the thresholds, with the commune's hard-area flag);
- each criterion's score and level, the total and the classification are derived again;
- the stored figures and the figures shown on the cover must agree with them.

Any disagreement is one `summary-tampered` error naming what differs; the commune is not counted.
What this does not catch: criterion data changed consistently with the total (the figures add up). Only
the raw unit returns can show that (see `district` when a commune's folder is given in the same run).
"""
from __future__ import annotations

from typing import Any

from types import SimpleNamespace

from cdht_excel.rules import findings as F
from cdht_excel.rules.schemes import scheme_of
from cdht_excel.text import clean_text, format_number, parse_number

# what the district adds per commune (above.district.row_fields)
RESERVED_KEYS = ("source", "source_kind", "status", "check", "previous", "status_label", "counted_by", "claimed",
                 "recomputed", "self")


def _fake_return(item, entry: dict, scheme: str) -> Any:
    """The item's stored values as the cells a unit return would have (so merge's own checks run)."""
    from cdht_excel.reading.book import CellValue
    cells = {f"{item.key}_EVIDENCE": CellValue("x", "", None)}   # the score stored is the one that counts
    if item.kind == "points":
        cells[f"{item.key}_SCORE"] = CellValue(entry.get("score"), "", None)
    elif item.kind == "passfail":
        cells[f"{item.key}_RESULT"] = CellValue(entry.get("entered"), "", None)
    elif item.kind == "level":
        cells[f"{item.key}_LEVEL"] = CellValue(entry.get("entered"), "", None)
    else:
        for key, value in (entry.get("values") or {}).items():
            cells[f"{item.key}_{key}"] = CellValue(value, "", None)
    return SimpleNamespace(cells=cells, display="", sheet=SimpleNamespace(sheet=""))


_CHECKED: dict[tuple, object] = {}


def _checked(item, data: dict, rubric, hard_area):
    """merge's own check of one item's stored values; pure, so each distinct input is checked once."""
    from cdht_excel.commune.check import check_item
    key = (id(rubric), item.id, _typed(data.get("score")), _typed(data.get("entered")), _typed_values(data),
           _typed(hard_area))
    try:
        return _CHECKED[key]
    except TypeError:          # unhashable stored values: check without the memo
        return check_item(item, _fake_return(item, data, rubric.scheme), rubric, hard_area, "")[0]
    except KeyError:
        pass
    if len(_CHECKED) > 100_000:
        _CHECKED.clear()
    got = _CHECKED[key] = check_item(item, _fake_return(item, data, rubric.scheme), rubric, hard_area, "")[0]
    return got


def _typed(value) -> tuple:
    """A memo key part that tells 1, 1.0 and true apart (equal and of equal hash in Python, not to a check:
    a summary whose score is `true` must not pass because a score of 1 did)."""
    return value.__class__, value


def _typed_values(data: dict):
    values = data.get("values")
    if isinstance(values, dict):
        return tuple(sorted((k, v.__class__, v) for k, v in values.items()))
    return _typed(values)


def _key(entry: dict, points: bool) -> tuple:
    """What the recomputation of a stored criterion depends on (the memo's key)."""
    if points:
        status, score = entry.get("status"), entry.get("score")
        return status.__class__, status, score.__class__, score
    return _typed(entry.get("status")), _typed(entry.get("level")), tuple(
        (_typed(i.get("id")), _typed(i.get("status")), _typed(i.get("entered")), _typed(i.get("level_1")),
         _typed(i.get("level_2")), _typed_values(i))
        for i in entry.get("items") or [])


_CRITERIA: dict[tuple, tuple] = {}


def _criterion(criterion, entry: dict, rubric, hard_area, points: bool):
    """(the criterion recomputed, what contradicts it); pure, so each distinct stored criterion once."""
    try:
        key = (id(rubric), criterion.id, _typed(hard_area), _key(entry, points))
        return _CRITERIA[key]
    except TypeError:
        return _criterion_now(criterion, entry, rubric, hard_area, points)
    except KeyError:
        pass
    if len(_CRITERIA) > 100_000:
        _CRITERIA.clear()
    found = _CRITERIA[key] = _criterion_now(criterion, entry, rubric, hard_area, points)
    return found


def _criterion_now(criterion, entry: dict, rubric, hard_area, points: bool):
    from cdht_excel.rules.results import OK, CriterionResult
    problems = []
    result = CriterionResult(id=criterion.id, title=criterion.title, unit="", max=criterion.max)
    if entry.get("status") != OK:
        result.status = entry.get("status") or "missing"
        if entry.get("score") is not None:
            problems.append((f"điểm tiêu chí {criterion.id} (chưa đủ dữ liệu)", format_number(entry["score"]),
                             "không có"))
        return result, problems
    items = {str(i.get("id")): i for i in entry.get("items") or []} if not points else {criterion.items[0].id: entry}
    for item in criterion.items:
        data = items.get(item.id)
        if data is None:
            problems.append((f"chỉ tiêu {item.id}", "không có", "có"))
            result.status = "invalid"
            continue
        got = _checked(item, data, rubric, hard_area)
        result.items.append(got)
        if got.status != OK:
            problems.append((f"{'tiêu chí' if points else 'chỉ tiêu'} {item.id}", _shown(data, points),
                             "không hợp lệ theo bộ tiêu chí"))
            result.status = "invalid"
            continue
        if not points:
            for level in (1, 2):
                stored = data.get(f"level_{level}")
                if stored is not None and bool(stored) != bool(got.levels.get(level)):
                    problems.append((f"chỉ tiêu {item.id}, mức độ {level}", _yes(stored), _yes(got.levels.get(level))))
    if result.status == OK and points:
        result.score = sum(i.score for i in result.items)
    if result.status == OK and not points and entry.get("level") is not None:
        level = 2 if result.passes(2) else 1 if result.passes(1) else 0
        if int(entry["level"]) != level:
            problems.append((f"mức độ tiêu chí {criterion.id}", str(entry["level"]), str(level)))
    return result, problems


_WANTED: dict[int, tuple[object, list[str]]] = {}


def _wanted_ids(rubric) -> list[str]:
    """The rubric's criterion ids, sorted (once per rubric object)."""
    found = _WANTED.get(id(rubric))
    if found is None or found[0] is not rubric:
        found = _WANTED[id(rubric)] = (rubric, sorted(c.id for c in rubric.criteria))
    return found[1]


def recompute(report: dict, rubric, figures: dict | None = None) -> list[tuple[str, str, str]]:
    """[(what, stored, recomputed)] for every figure of `report` that its own data contradicts; `figures`
    (when given) receives the recomputed total, classification and completeness."""
    from cdht_excel.rules.results import OK
    problems: list[tuple[str, str, str]] = []
    extra = [k for k in RESERVED_KEYS if k in report]
    if extra:
        problems.append(("khóa không thuộc kết quả xã", ", ".join(extra), "không có"))
    stored = {str(c.get("id")): c for c in report.get("criteria") or []}
    wanted = _wanted_ids(rubric)
    if sorted(stored) != wanted:
        problems.append(("danh sách tiêu chí", ", ".join(sorted(stored)), ", ".join(c.id for c in rubric.criteria)))
        return problems
    scheme = scheme_of(rubric)
    points = scheme.scored
    hard_area = report.get("hard_area")
    results = []
    for criterion in rubric.criteria:
        result, found = _criterion(criterion, stored[criterion.id], rubric, hard_area, points)
        results.append(result)
        if found:
            problems += found
    complete = all(r.status == OK for r in results)
    total = None
    if points:
        total = round(scheme.total(results), 4)
        if report.get("total") is None or abs(float(report["total"]) - total) > 1e-6:
            problems.append(("tổng điểm", format_number(report.get("total")) or "trống", format_number(total)))
        if complete and total > float(rubric.total_max) + 1e-9:
            complete = False
    if bool(report.get("complete")) != complete:
        problems.append(("đủ dữ liệu", "có" if report.get("complete") else "không", "có" if complete else "không"))
    cls = (report.get("classification") or {}).get("code")
    if complete:
        expected = scheme.classify(rubric, results, True).code
        if cls != expected:
            problems.append(("xếp loại", _label(rubric, cls), _label(rubric, expected)))
    elif cls in _recognised_codes(rubric):
        problems.append(("xếp loại khi chưa đủ dữ liệu", _label(rubric, cls), "chưa xếp loại"))
    if figures is not None and problems:      # only a refused summary shows them (labelled so)
        got = scheme.classify(rubric, results, complete)
        figures.update(total=total, classification={"code": got.code, "label": got.label}, complete=complete)
    return problems


def changed_builtin(rubric) -> bool:
    """A rubric carried under a built-in id that differs from it in more than the criteria's maxima
    (which a plan may set): its classes or thresholds were changed."""
    from cdht_excel.rules import rubric as R
    if rubric.id not in R.BUILTIN_IDS:
        return False

    def core(data: dict) -> dict:
        out = {k: v for k, v in data.items() if k not in ("criteria", "maxima_source")}
        out["criteria"] = [{**{k: v for k, v in c.items() if k not in ("max", "items")},
                            "items": [{k: v for k, v in i.items() if k != "max"} for i in c.get("items", [])]}
                           for c in data.get("criteria", [])]
        return out
    return core(rubric.data) != core(R.load(rubric.id).data)


def cover_problems(report: dict, shown: dict, rubric) -> list[tuple[str, str, str]]:
    """What the cover shows against the stored figures: [(what, shown, stored)]."""
    if not shown:
        return []           # the cover is byte for byte as written (see result_part.unchanged)
    problems = []
    if "visible_total" in shown and report.get("total") is not None:
        value = parse_number(shown["visible_total"])
        if value is None or abs(value - float(report["total"])) > 1e-6:
            problems.append(("tổng điểm trên trang “Kết quả”", clean_text(shown["visible_total"]) or "trống",
                             format_number(report["total"])))
    label = clean_text((report.get("classification") or {}).get("label")).upper()
    if "visible_class" in shown and clean_text(shown["visible_class"]).upper() != label:
        problems.append(("xếp loại trên trang “Kết quả”", clean_text(shown["visible_class"]) or "trống", label))
    return problems


def findings_for(commune_label: str, file: str, recomputed, cover) -> list[F.Finding]:
    out = [F.make("summary-tampered", file=file, commune=commune_label, what=what, stored=a, recomputed=b)
           for what, a, b in recomputed]
    out += [F.make("summary-edited", file=file, commune=commune_label, shown=f"{what}: {a}", stored=b)
            for what, a, b in cover]
    return out


def _recognised_codes(rubric) -> set[str]:
    """Every class but the fallback ("chưa đạt"): what an incomplete result can never be."""
    return {e["code"] for e in scheme_of(rubric).class_entries(rubric)[:-1]}


def _label(rubric, code) -> str:
    return rubric.label_for(code) if code else "trống"


def _yes(value) -> str:
    return "đạt" if value else "không đạt"


def _shown(data: dict, points: bool) -> str:
    if points:
        return format_number(data.get("score")) or "trống"
    if data.get("values"):
        return "; ".join(f"{k}: {format_number(v)}" for k, v in data["values"].items())
    return clean_text(data.get("entered")) or "trống"


# --------------------------------------------------------------------------- a summary against the raw returns

def _value(c: dict) -> str:
    if c.get("status") != "ok":
        return "chưa có kết quả"
    if c.get("score") is not None:
        return f"{format_number(c['score'])} điểm"
    return {2: "mức độ 2", 1: "mức độ 1", 0: "không đạt"}.get(c.get("level"), "không đạt")


def against_returns(summary: dict, summary_file: str, returns: dict, folder: str, commune_label: str
                    ) -> list[F.Finding]:
    """A summary of a commune whose unit returns are also given: every criterion that differs (the returns
    win), and whether the summary was made from these very files (the digests it records)."""
    out = []
    theirs = {str(c["id"]): c for c in returns["criteria"]}
    for c in summary.get("criteria") or []:
        other = theirs.get(str(c.get("id")))
        if other is None:
            continue
        if (c.get("status"), c.get("score"), c.get("level")) != (other.get("status"), other.get("score"), other.get("level")):
            out.append(F.make("summary-differs-from-returns", file=summary_file, commune=commune_label,
                              criterion=str(c["id"]), summary_value=_value(c), returns_value=_value(other),
                              folder=folder))
    recorded = {f.get("sha256") for f in summary.get("files") or [] if f.get("sha256")}
    present = {f.get("sha256") for f in returns.get("files") or [] if f.get("sha256")}
    if not recorded:
        out.append(F.make("summary-no-digests", file=summary_file, commune=commune_label))
    elif recorded == present:
        differing = sum(f.code == "summary-differs-from-returns" for f in out)
        if differing:
            out.append(F.make("summary-altered", file=summary_file, commune=commune_label, folder=folder,
                              count=differing))
        else:
            out.append(F.make("summary-same-files", file=summary_file, commune=commune_label, folder=folder,
                              count=len(present)))
    else:
        out.append(F.make("summary-other-files", file=summary_file, commune=commune_label, folder=folder,
                          missing=len(recorded - present), extra=len(present - recorded)))
    return out

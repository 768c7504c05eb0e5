"""Classification schemes: how a rubric's checked criteria become a result (pure, no I/O).

A rubric names its scheme in its data (``"scheme": "points"`` or ``"levels"``);
`scheme_of(rubric)` gives the object that owns everything that differs between them:

- ``points`` (TT 44/2014 Điều 4.3): criteria scored on a step; the first class whose
  lower bound the total reaches, if it also requires "no criterion at 0" and none is 0;
  else the fallback. Checks: maxima unknown, total above the maximum, a criterion at 0.
- ``levels`` (TT 25/2023 Điều 8): the highest level at which every item passes; else the
  fallback. The district indicator: ≥ 90 % of communes recognised at level L
  (Điều 11.4.a / 12.4.a).

An incomplete result is never classified: ``chua-xep-loai`` with the reasons. Each scheme
also holds the labels and headers that the template, the reports and the district table
show, the fields it adds to the report JSON and the district columns.
A new scheme is a new subclass registered in `SCHEMES`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeGuard

from cdht_excel.rules import findings as F
from cdht_excel.rules.model import Rubric
from cdht_excel.rules.results import MISSING, OK, STATUS_LABEL, CriterionResult, ItemResult
from cdht_excel.text import format_number

UNCLASSIFIED = {"code": "chua-xep-loai", "label": "Chưa xếp loại"}
DISTRICT_THRESHOLD = 90     # TT 25/2023 Điều 11.4.a / 12.4.a: ≥ 90% of communes recognised
DISTRICT_CITATION = "TT 25/2023/TT-BGDĐT, Điều 11 khoản 4 điểm a; Điều 12 khoản 4 điểm a"
PASSED, NOT_PASSED = "Đạt", "Không đạt"

Row = list[Any]


@dataclass(frozen=True)
class Classification:
    code: str
    label: str
    citation: str = ""
    reason: str = ""
    certain: bool = False      # decided by the data known although the result is incomplete

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label}


def json_number(value: float | None) -> float | int | None:
    """A number as the report JSON holds it: 4 decimals, whole numbers as ints."""
    if value is None:
        return None
    value = round(float(value), 4)
    return int(value) if value.is_integer() else value


def _classification(entry: Mapping[str, Any]) -> Classification:
    return Classification(entry["code"], entry["label"], entry["citation"])


class Scheme:
    """What every scheme provides; see `PointsScheme` and `LevelsScheme`."""

    name: ClassVar[str]
    scored: ClassVar[bool]            # the result is a total of scores (a points rubric)
    class_label: ClassVar[str]        # the heading of the result on covers and tables
    result_label: ClassVar[str]       # the heading of the result at the foot of the printed sheet
    req_header: ClassVar[str]         # unit sheet: the requirement column
    value_header: ClassVar[str]       # unit sheet: the column the unit fills in
    district_total_header: ClassVar[str]

    # --- the classes -----------------------------------------------------------------
    def class_entries(self, rubric: Rubric) -> list[dict[str, Any]]:
        """Every class of the rubric, best first, the fallback last (without "chưa xếp loại")."""
        raise NotImplementedError

    def class_codes(self, rubric: Rubric) -> list[tuple[str, str]]:
        return [(e["code"], e["label"]) for e in self.class_entries(rubric)]

    def report_classes(self, rubric: Rubric) -> list[dict[str, Any]]:
        """The classes as the report states them (so `district` needs no rubric)."""
        return [{k: e[k] for k in ("code", "label", "level") if k in e} for e in self.class_entries(rubric)]

    # --- results -------------------------------------------------------------------
    def criterion_score(self, items: Sequence[ItemResult]) -> float | None:
        return None

    def total(self, criteria: Sequence[CriterionResult]) -> float:
        return 0.0

    def report_total(self, total: float) -> float | int | None:
        return None

    def checks(self, rubric: Rubric, criteria: Sequence[CriterionResult], complete: bool
               ) -> tuple[list[F.Finding], bool]:
        """Scheme-level findings, and whether the result is still complete."""
        return [], complete

    def classify(self, rubric: Rubric, criteria: Sequence[CriterionResult], complete: bool,
                 reason: str = "") -> Classification:
        """The class; an incomplete result gets one only when the known data already decides it
        (`certain_class`), with why and what is still missing; otherwise "chưa xếp loại"."""
        if not complete:
            certain = self.certain_class(rubric, criteria)
            if certain is not None and all(c.status in (OK, MISSING) for c in criteria):
                decided, why = certain
                return Classification(decided.code, decided.label, decided.citation, certain=True,
                                      reason=f"{why}: kết quả là {decided.label} dù còn thiếu dữ liệu; "
                                             f"còn thiếu: {reason}")
            if certain is not None:     # wrong or conflicting entries are fixed first; say where it leads,
                # as a forecast: the headline says "chưa xếp loại", the reason never says the class is decided
                reason = f"{reason}; nếu giữ nguyên các dữ liệu đã có thì {certain[1]}"
            limit = self.undecided_limit(rubric, criteria)
            return Classification(UNCLASSIFIED["code"], UNCLASSIFIED["label"],
                                  reason=f"{reason}; {limit}" if limit else reason)
        return self.classify_complete(rubric, criteria)

    def certain_class(self, rubric: Rubric, criteria: Sequence[CriterionResult]
                      ) -> tuple[Classification, str] | None:
        """The class the known data already decides, and why — the cause only, never the conclusion, which
        `classify` words as a fact or as a forecast (None: it depends on what is missing)."""
        return None

    def undecided_limit(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> str:
        """What the known data already rules out when the class is not decided ('' if nothing)."""
        return ""

    def classify_complete(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> Classification:
        raise NotImplementedError

    def criterion_fields(self, c: CriterionResult) -> dict[str, Any]:
        """What this scheme adds to a criterion of the report JSON."""
        raise NotImplementedError

    # --- rubric data -----------------------------------------------------------------
    def validate(self, data: Mapping[str, Any]) -> list[F.Finding]:
        """The scheme's part of rubric validation (classes, levels, maxima)."""
        return []

    def item_kind_problem(self, kind: str) -> str | None:
        """The kinds this scheme accepts (text for `rubric-bad-kind`), or None if `kind` is fine."""
        raise NotImplementedError

    def describe(self, rubric: Rubric) -> str:
        """The rubric in a few words (`cdht rubric list`)."""
        raise NotImplementedError

    def check_summary(self, rubric: Rubric) -> tuple[str | None, list[F.Finding]]:
        """What `cdht rubric check` adds for a valid rubric: a line, or findings."""
        return None, []

    # --- the template ----------------------------------------------------------------
    def sheet_note(self, rubric: Rubric) -> str:
        raise NotImplementedError

    def rules(self, rubric: Rubric, hard_area: bool | None) -> list[tuple[str, str]]:
        """Section 2 of the instruction sheet as (style, text) lines."""
        raise NotImplementedError

    # --- the summary workbook ------------------------------------------------------------
    criteria_heads: ClassVar[list[str]]
    criteria_widths: ClassVar[list[int]]
    score_sheet: ClassVar[str]
    score_heads: ClassVar[list[str]]
    score_widths: ClassVar[list[int]]

    def score_title(self, year: int | str) -> str:
        raise NotImplementedError

    def criteria_rows(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> list[Row]:
        raise NotImplementedError

    def score_rows(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> list[Row]:
        raise NotImplementedError

    # --- the district ----------------------------------------------------------------
    def district_cell(self, criterion: Mapping[str, Any]) -> Any:
        """A criterion of a commune in the district table."""
        raise NotImplementedError

    def indicator(self, classes: Sequence[Mapping[str, Any]], counts: Mapping[str, int],
                  total: int, from_list: bool) -> dict[str, Any] | None:
        """The district indicator of the scheme, or None."""
        return None


def _shares(item: Any, rubric_item: Any) -> str:
    """A ratio indicator as the dossier writes it: '5.200/8.000 (65%)', one per count."""
    base = item.values.get(rubric_item.base[0])
    shares = []
    for count in rubric_item.counts:
        value, pct = item.values.get(count.field), item.percents.get(count.field)
        if value is None or base is None:
            continue
        shares.append(f"{format_number(value, grouped=True)}/{format_number(base, grouped=True)}"
                      + (f" ({format_number(round(pct, 2))}%)" if pct is not None else ""))
    return "; ".join(shares)


def _source(c: CriterionResult) -> tuple[str, str]:
    source = c.source or {}
    return source.get("file", ""), source.get("sheet", "")


# --------------------------------------------------------------------------- points

class PointsScheme(Scheme):
    name = "points"
    scored = True
    class_label = "Xếp loại"
    result_label = "Xếp loại"
    req_header = "Điểm tối đa"
    value_header = "Điểm tự đánh giá"
    district_total_header = "Tổng điểm"
    criteria_heads = ["Tiêu chí", "Tên tiêu chí", "Đơn vị phụ trách", "Điểm tối đa", "Điểm", "Minh chứng",
                      "Tình trạng", "Tệp", "Trang"]
    criteria_widths = [9, 50, 24, 12, 9, 50, 12, 30, 20]
    score_sheet = "Phiếu chấm điểm"
    score_heads = ["TT", "Tiêu chí", "Đơn vị phụ trách", "Điểm tối đa", "Điểm tự đánh giá"]
    score_widths = [6, 52, 22, 10, 10]

    def class_entries(self, rubric: Rubric) -> list[dict[str, Any]]:
        return list(rubric.data.get("classes", [])) + [rubric.data["fallback_class"]]

    def criterion_score(self, items: Sequence[ItemResult]) -> float | None:
        return sum(i.score or 0.0 for i in items)

    def total(self, criteria: Sequence[CriterionResult]) -> float:
        return sum(c.score for c in criteria if c.score is not None)

    def report_total(self, total: float) -> float | int | None:
        return json_number(total)

    def checks(self, rubric: Rubric, criteria: Sequence[CriterionResult], complete: bool
               ) -> tuple[list[F.Finding], bool]:
        findings = []
        if not has_maxima(rubric):
            findings.append(F.make("maxima-unknown", rubric=rubric.id, step=format_number(rubric.step),
                                   total=format_number(rubric.total_max)))
        total = self.total(criteria)
        if complete and total > (rubric.total_max or 0) + 1e-9:
            findings.append(F.make("total-above-max", total=format_number(total), max=format_number(rubric.total_max)))
            complete = False
        if complete:
            citation = rubric.data["classes"][0]["citation"].split("(")[0].strip()
            findings += [F.make("criterion-zero", criterion=c.id, unit=c.unit, citation=citation)
                         for c in criteria if c.score == 0]
        return findings, complete

    def classify_complete(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> Classification:
        scores = [c.score or 0.0 for c in criteria]
        return points_class(rubric, sum(scores), scores)

    def criterion_fields(self, c: CriterionResult) -> dict[str, Any]:
        return {"passed": c.score is not None and c.score > 0}

    def certain_class(self, rubric: Rubric, criteria: Sequence[CriterionResult]
                      ) -> tuple[Classification, str] | None:
        """Điều 4.3 TT 44: a criterion at 0 (0 for missing evidence too) rules out every class that
        requires none at 0; with maxima known, a best possible total below the lowest band does too."""
        classes = list(rubric.data.get("classes", []))
        fallback = _classification(rubric.data["fallback_class"])
        if not classes:
            return None
        zeros = [c.id for c in criteria if c.status == OK and c.score == 0]
        if zeros and all(e.get("no_zero_criterion") for e in classes):
            citation = classes[0]["citation"].split("(")[0].strip()
            labels = ", ".join(e["label"] for e in classes)
            return fallback, (f"tiêu chí {', '.join(zeros)} bị điểm 0 nên theo {citation} xã không được xếp loại "
                              f"{labels}")
        if has_maxima(rubric) and all(c.status == OK or c.max is not None for c in criteria):
            best = sum((c.score or 0.0) if c.status == OK else (c.max or 0.0) for c in criteria)
            lowest = min(classes, key=lambda e: e["min_total"])
            if best < lowest["min_total"] - 1e-9:
                return fallback, (f"tổng điểm cao nhất có thể đạt là {format_number(best)} (điểm đã có cộng điểm "
                                  f"tối đa của các tiêu chí còn thiếu), dưới {format_number(lowest['min_total'])} "
                                  f"điểm của loại {lowest['label']} ({lowest['citation'].split('(')[0].strip()})")
        return None

    def validate(self, data: Mapping[str, Any]) -> list[F.Finding]:
        return _check_points(data, list(data.get("criteria") or []))

    def item_kind_problem(self, kind: str) -> str | None:
        return None if kind == "points" else "points (xếp loại theo điểm)"

    def describe(self, rubric: Rubric) -> str:
        return f"{len(rubric.criteria)} tiêu chí, tổng {rubric.total_max} điểm"

    def check_summary(self, rubric: Rubric) -> tuple[str | None, list[F.Finding]]:
        if has_maxima(rubric):
            return f"Điểm tối đa từng tiêu chí đã đủ, tổng {rubric.total_max}.", []
        return None, [F.make("maxima-unknown", rubric=rubric.id, step=rubric.step, total=rubric.total_max)]

    def sheet_note(self, rubric: Rubric) -> str:
        maxima = ("Điểm tối đa từng tiêu chí: xem cột “Điểm tối đa”." if has_maxima(rubric) else
                  "Điểm tối đa từng tiêu chí: theo Phụ lục “Hướng dẫn đánh giá, cho điểm” của TT 44/2014 và "
                  "hướng dẫn của tỉnh/huyện (công cụ không tự đặt số điểm này).")
        return (f"Chấm điểm từng tiêu chí (bước {format_number(rubric.step)}, ví dụ 7,5). Tiêu chí không có "
                f"minh chứng phù hợp không được chấm điểm ({rubric.data['evidence_citation'].split(':')[0]}). "
                + maxima)

    def rules(self, rubric: Rubric, hard_area: bool | None) -> list[tuple[str, str]]:
        d = rubric.data
        classes = d["classes"]
        return [("h2", "2. Quy tắc chấm điểm"),
                ("text", f"Tổng điểm tối đa của tất cả các tiêu chí là {format_number(rubric.total_max)} "
                         f"({d['total_max_citation']}). Điểm chấm theo bước {format_number(rubric.step)}."),
                ("text", d["evidence_citation"]),
                ("text", d["maxima_source"] if not has_maxima(rubric) else
                 f"Điểm tối đa từng tiêu chí ghi ở cột “Điểm tối đa” (bộ tiêu chí {rubric.id}, phiên bản "
                 f"{rubric.version}); tổng bằng {format_number(rubric.total_max)}."),
                ("text", "Xếp loại (" + classes[0]["citation"].split(",")[0] + ", Điều 4 khoản 3): " +
                 "; ".join(f"{k['label']}: từ {format_number(k['min_total'])} điểm" for k in classes) +
                 ", không có tiêu chí bị điểm 0; còn lại: " + d["fallback_class"]["label"] + "."),
                ("text", d["band_note"])]

    def score_title(self, year: int | str) -> str:
        return f"PHIẾU TỰ ĐÁNH GIÁ, CHO ĐIỂM “CỘNG ĐỒNG HỌC TẬP” CẤP XÃ NĂM {year}"

    def criteria_rows(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> list[Row]:
        return [[c.id, c.title, c.unit, format_number(c.max) if c.max is not None else "Theo Phụ lục", c.score,
                 "\n".join(c.evidence), STATUS_LABEL[c.status], *_source(c)] for c in criteria]

    def score_rows(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> list[Row]:
        return [[c.id, c.title, c.unit, format_number(c.max) if c.max is not None else "", c.score]
                for c in criteria]

    def district_cell(self, criterion: Mapping[str, Any]) -> Any:
        return criterion.get("score") if criterion.get("score") is not None else ""


def points_class(rubric: Rubric, total: float, scores: Iterable[float]) -> Classification:
    any_zero = any(score == 0 for score in scores)
    for entry in rubric.data.get("classes", []):
        if total >= entry["min_total"] - 1e-9 and not (entry.get("no_zero_criterion") and any_zero):
            return _classification(entry)
    return _classification(rubric.data["fallback_class"])


# --------------------------------------------------------------------------- levels

class LevelsScheme(Scheme):
    name = "levels"
    scored = False
    class_label = "Mức độ"
    result_label = "Mức độ đạt được"
    req_header = "Yêu cầu (Mức độ 2 / Mức độ 1)"
    value_header = "Kết quả / số liệu"
    district_total_header = "—"
    criteria_heads = ["Chỉ tiêu", "Nội dung", "Đơn vị phụ trách", "Kết quả / số liệu", "Mức độ 1", "Mức độ 2",
                      "Minh chứng", "Tình trạng", "Tệp", "Trang"]
    criteria_widths = [9, 50, 24, 24, 10, 10, 46, 12, 30, 20]
    score_sheet = "Bản tổng hợp"
    score_heads = ["Mã", "Tiêu chí / chỉ tiêu", "Đơn vị phụ trách", "Kết quả", "Mức độ 1", "Mức độ 2"]
    score_widths = [7, 50, 22, 16, 9, 9]

    def class_entries(self, rubric: Rubric) -> list[dict[str, Any]]:
        levels = sorted(rubric.data.get("levels", []), key=lambda e: -e["level"])
        return levels + [{**rubric.data["fallback_class"], "level": 0}]

    def classify_complete(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> Classification:
        return level_class(rubric, lambda level: all(c.passes(level) for c in criteria))

    def certain_class(self, rubric: Rubric, criteria: Sequence[CriterionResult]
                      ) -> tuple[Classification, str] | None:
        """TT 25 Điều 8 (1.a, 2.b): every level needs every indicator of the lowest level; one indicator
        known to fail the lowest level leaves no level whatever the missing ones say."""
        levels = sorted(rubric.data.get("levels", []), key=lambda e: e["level"])
        if not levels:
            return None
        lowest = levels[0]
        failed = _failed_at(criteria, lowest["level"])
        if not failed:
            return None
        fallback = _classification(rubric.data["fallback_class"])
        return fallback, (f"chỉ tiêu {', '.join(failed)} không đạt {lowest['label'].lower()} nên theo "
                          f"{lowest['citation'].split('(')[0].strip()} xã không đạt mức độ nào")

    def undecided_limit(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> str:
        """An indicator known to fail a higher level (only): the result is at most the level below."""
        levels = sorted(rubric.data.get("levels", []), key=lambda e: e["level"])
        for below, entry in zip(levels, levels[1:]):
            failed = _failed_at(criteria, entry["level"])
            if failed:
                return (f"không thể đạt {entry['label']} (chỉ tiêu {', '.join(failed)} chưa đạt {entry['label'].lower()}),"
                        f" cao nhất là {below['label']}")
        return ""

    def criterion_fields(self, c: CriterionResult) -> dict[str, Any]:
        complete = c.status == OK
        return {"passed": c.passes(1) if complete else None,
                "level": (2 if c.passes(2) else 1 if c.passes(1) else 0) if complete else None,
                "items": [_item_dict(i) for i in c.items]}

    def validate(self, data: Mapping[str, Any]) -> list[F.Finding]:
        return _check_levels(data)

    def item_kind_problem(self, kind: str) -> str | None:
        return "passfail, level, ratio (xếp theo mức)" if kind == "points" else None

    def describe(self, rubric: Rubric) -> str:
        return f"{len(rubric.criteria)} tiêu chí, {len(rubric.items)} chỉ tiêu, mức độ 1/2"

    def sheet_note(self, rubric: Rubric) -> str:
        return ("Mỗi chỉ tiêu đánh giá Đạt hoặc Không đạt, có minh chứng; chọn mức phổ cập/xóa mù chữ từ danh sách; "
                "với chỉ tiêu tỷ lệ, nhập số người (công cụ tự tính tỷ lệ). "
                + str(rubric.data.get("data_period", "")))

    def rules(self, rubric: Rubric, hard_area: bool | None) -> list[tuple[str, str]]:
        d = rubric.data
        return [("h2", "2. Quy tắc đánh giá"),
                ("text", "Mỗi chỉ tiêu được đánh giá Đạt hoặc Không đạt; tiêu chí đạt khi tất cả chỉ tiêu đạt "
                         f"({d['criterion_rule_citation']}). Xã đạt mức độ 1 khi đạt tất cả tiêu chí của "
                         "Điều 6, mức độ 2 khi đạt tất cả tiêu chí của Điều 7 (Điều 8 khoản 1)."),
                ("text", "Chỉ tiêu phổ cập giáo dục, xóa mù chữ: chọn mức xã đã được công nhận theo "
                         "Nghị định 20/2014/NĐ-CP. Chỉ tiêu tỷ lệ: nhập số người; công cụ tự tính tỷ lệ."),
                ("text", d["ratio_note"]),
                ("text", "Xã thuộc vùng khó khăn: " + ("Có" if hard_area else "Không") +
                 " (theo kế hoạch của xã). " + d["hard_area_note"]),
                ("text", d["data_period"])]

    def score_title(self, year: int | str) -> str:
        return f"BẢN TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ CÁC TIÊU CHÍ, CHỈ TIÊU “CỘNG ĐỒNG HỌC TẬP” CẤP XÃ NĂM {year}"

    def criteria_rows(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> list[Row]:
        rows = []
        for c in criteria:
            for item, rubric_item in zip(c.items, rubric.items_of(c.id)):
                entered = item.entered if item.kind != "ratio" else _shares(item, rubric_item)
                rows.append([item.id, rubric_item.title, c.unit, entered or "", _yes(item, 1), _yes(item, 2),
                             "\n".join(item.evidence), STATUS_LABEL[item.status], *_source(c)])
        return rows

    def score_rows(self, rubric: Rubric, criteria: Sequence[CriterionResult]) -> list[Row]:
        rows: list[Row] = []
        for c in criteria:
            rows.append([c.id, f"Tiêu chí {c.id}: {c.title}", c.unit, "", _criterion_yes(c, 1), _criterion_yes(c, 2)])
            for item, rubric_item in zip(c.items, rubric.items_of(c.id)):
                shown = item.entered if item.kind != "ratio" else _shares(item, rubric_item)
                rows.append([item.id, rubric_item.title, "", shown or "", _yes(item, 1), _yes(item, 2)])
        return rows

    def district_cell(self, criterion: Mapping[str, Any]) -> Any:
        level = criterion.get("level")
        return "" if level is None else ("Mức độ 2" if level == 2 else "Mức độ 1" if level == 1 else "Không đạt")

    def indicator(self, classes: Sequence[Mapping[str, Any]], counts: Mapping[str, int],
                  total: int, from_list: bool) -> dict[str, Any] | None:
        """Share of communes recognised at level 1 and at level 2 (TT 25/2023 Điều 11.4.a / 12.4.a).

        Level 2 communes count for level 1 too (level 2 contains every level-1 requirement at
        higher thresholds); the denominator is the list given with --communes, else the communes
        received. Levels come from the classes the reports state, never from a rubric id.
        """
        level_of = {c["code"]: int(c["level"]) for c in classes if c.get("level") is not None}
        if not {1, 2} <= set(level_of.values()):
            return None
        at_least = {lv: sum(n for code, n in counts.items() if level_of.get(code, 0) >= lv) for lv in (1, 2)}

        def share(count: int) -> dict[str, Any]:
            percent = round(100.0 * count / total, 2) if total else 0.0
            return {"count": count, "total": total, "percent": percent,
                    "passed": bool(total) and percent >= DISTRICT_THRESHOLD}
        return {"threshold": DISTRICT_THRESHOLD, "level_1": share(at_least[1]), "level_2": share(at_least[2]),
                "denominator": "danh sách xã (--communes)" if from_list else "số xã có kết quả",
                "citation": DISTRICT_CITATION}


def level_class(rubric: Rubric, passes_at: Callable[[int], bool]) -> Classification:
    """`passes_at(level)` tells whether every item passes at that level."""
    for entry in sorted(rubric.data.get("levels", []), key=lambda e: -e["level"]):
        if passes_at(entry["level"]):
            return _classification(entry)
    return _classification(rubric.data["fallback_class"])


def _failed_at(criteria: Sequence[CriterionResult], level: int) -> list[str]:
    """Items whose value is known (status ok) and does not reach `level`."""
    return [i.id for c in criteria for i in c.items if i.status == OK and i.levels and not i.levels.get(level, False)]


def _criterion_yes(c: CriterionResult, level: int) -> str:
    return "" if c.status != OK else (PASSED if c.passes(level) else NOT_PASSED)


def _yes(item: ItemResult, level: int) -> str:
    return "" if item.status != OK else (PASSED if item.levels.get(level) else NOT_PASSED)


def _item_dict(item: ItemResult) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "kind": item.kind, "status": item.status}
    if item.kind == "points":
        out["score"] = json_number(item.score)
    else:
        out["entered"] = item.entered
        out["values"] = {k: json_number(v) for k, v in item.values.items()}
        out["percents"] = {k: round(v, 2) for k, v in item.percents.items()}
        out["level_1"] = item.levels.get(1)
        out["level_2"] = item.levels.get(2)
    return out


# --------------------------------------------------------------------------- rubric data

def is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _check_points(data: Mapping[str, Any], criteria: list[dict[str, Any]]) -> list[F.Finding]:
    out = []
    total = data.get("total_max")
    if not is_number(total) or total <= 0:
        out.append(F.make("rubric-bad-number", value=total, what="Tổng điểm tối đa", id=data.get("id")))
        total = None
    step = data.get("step")
    if not is_number(step) or step <= 0:
        out.append(F.make("rubric-bad-number", value=step, what="Bước điểm", id=data.get("id")))
    maxima = [c.get("max") for c in criteria]
    given = [m for m in maxima if m is not None]
    for c in criteria:
        if c.get("max") is not None and not is_number(c["max"]):
            out.append(F.make("rubric-bad-number", value=c["max"], what="Điểm tối đa", id=c.get("id")))
    if given and len(given) < len(maxima):
        out.append(F.make("rubric-maxima-partial", count=len(given), total_count=len(maxima)))
    elif given and total is not None and all(is_number(m) for m in given) and abs(sum(given) - total) > 1e-9:
        out.append(F.make("rubric-maxima-sum", sum=format_number(sum(given)), total=format_number(total)))
    for c in criteria:
        item_max = [it.get("max") for it in c.get("items") or []]
        if len(item_max) > 1 and any(m is not None for m in item_max):
            if any(m is None for m in item_max) or c.get("max") is None:
                out.append(F.make("rubric-maxima-partial", count=sum(m is not None for m in item_max),
                                  total_count=len(item_max)))
            elif all(is_number(m) for m in item_max) and abs(sum(item_max) - c["max"]) > 1e-9:
                out.append(F.make("rubric-item-maxima-sum", criterion=c["id"], sum=format_number(sum(item_max)),
                                  max=format_number(c["max"])))
    classes = data.get("classes") or []
    mins = [k.get("min_total") for k in classes]
    codes = [k.get("code") for k in classes] + [(data.get("fallback_class") or {}).get("code")]
    if not classes or not all(is_number(m) for m in mins) or mins != sorted(mins, reverse=True):
        out.append(F.make("rubric-classes", detail="cần ít nhất một loại, ngưỡng điểm là số, xếp giảm dần"))
    if None in codes or len(set(codes)) != len(codes):
        out.append(F.make("rubric-classes", detail="mã loại bị thiếu hoặc trùng (kể cả loại “chưa đạt”)"))
    return out


def _check_levels(data: Mapping[str, Any]) -> list[F.Finding]:
    levels = data.get("levels") or []
    numbers = [x.get("level") for x in levels]
    codes = [x.get("code") for x in levels] + [(data.get("fallback_class") or {}).get("code")]
    out = []
    if sorted(numbers, reverse=True) != [2, 1]:
        out.append(F.make("rubric-classes", detail="cần đúng hai mức: 2 và 1"))
    if None in codes or len(set(codes)) != len(codes):
        out.append(F.make("rubric-classes", detail="mã mức bị thiếu hoặc trùng"))
    return out


# --------------------------------------------------------------------------- lookup

SCHEMES: dict[str, Scheme] = {s.name: s for s in (PointsScheme(), LevelsScheme())}
DEFAULT_SCHEME = PointsScheme.name     # the scheme of the default rubric (tt44-2014); tables with no commune


def scheme_named(name: str) -> Scheme:
    return SCHEMES[name]


def scheme_of(rubric: Rubric) -> Scheme:
    """The rubric's classification scheme: totals, classes, labels, district columns."""
    return SCHEMES[rubric.data["scheme"]]


def has_maxima(rubric: Rubric) -> bool:
    """A points rubric whose every criterion has its maximum (TT 44's appendix is not known: see the rubric)."""
    return scheme_of(rubric).scored and all(c.max is not None for c in rubric.criteria)


def class_pairs(classes: Iterable[Mapping[str, Any]] | None) -> list[tuple[str, str]]:
    """(code, label) of every class a report states, best first, then "chưa xếp loại"."""
    pairs = [(c["code"], c["label"]) for c in classes or [] if c["code"] != UNCLASSIFIED["code"]]
    return pairs + [(UNCLASSIFIED["code"], UNCLASSIFIED["label"])]


def classify(rubric: Rubric, criteria: Sequence[CriterionResult], complete: bool,
             reason: str = "") -> Classification:
    return scheme_of(rubric).classify(rubric, criteria, complete, reason)

"""The analysts' tables: the report dicts laid out as typed columns (pure; no pandas, no pyarrow here).

`cdht_excel.api` turns a `Table` into a pandas frame and `parquet_out` into a Parquet file, so the frames and
`cdht district --parquet` cannot differ. The rows come from the dicts the other outputs already write: the
district dict's commune rows (the district workbook, the CSV and the head of each commune in --json), each
commune's report as --json writes it, and the findings. Columns are English snake_case; each carries its
Vietnamese label (the README's table is checked against these lists).

Kinds: "string", "category" (ordered when the table gives its order: classes best first), "Float64", "Int64",
"boolean" — pandas' nullable dtypes, so a missing number is <NA>, never an object column of numbers.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cdht_excel.above.check import LEVEL_CHOICES
from cdht_excel.above.district import CLAIMED_HEADER, CONFLICT, INVALID, OK, OUTSIDE, claimed_text, class_codes
from cdht_excel.rules.findings import SEVERITY_ORDER


@dataclass(frozen=True)
class Column:
    name: str
    kind: str       # string, category, Float64, Int64, boolean
    label: str      # Vietnamese


@dataclass
class Table:
    columns: tuple[Column, ...]
    values: dict[str, list[Any]]
    order: dict[str, list[str]] = field(default_factory=dict)    # ordered categories, best first

    def __len__(self) -> int:
        first = self.columns[0].name
        return len(self.values[first])

    def categories(self, name: str) -> list[str]:
        """The categories of a column: its stated order, then any other value seen (never dropped silently)."""
        stated = list(self.order.get(name, []))
        known = set(stated)
        seen = sorted({v for v in self.values[name] if v is not None and v not in known})
        return stated + seen


C = Column
PLACE = (C("province", "category", "Tỉnh"), C("district", "category", "Huyện"),
         C("commune_kind", "category", "Loại đơn vị (xã / phường / thị trấn)"), C("commune", "string", "Xã"),
         C("year", "Int64", "Năm"))

COMMUNE_COLUMNS: tuple[Column, ...] = PLACE + (
    C("commune_code", "string", "Mã xã (khi báo cáo có ghi)"),
    C("rubric", "category", "Bộ tiêu chí"),
    C("scheme", "category", "Cách xếp loại (points: chấm điểm TT 44; levels: mức độ TT 25)"),
    C("total", "Float64", "Tổng điểm được tính (TT 44; sau --checked: kết quả kiểm tra; trống: xã không được tính)"),
    C("level", "Int64", "Mức độ được tính (TT 25: 2, 1; 0 chưa đạt)"),
    C("class_code", "category", "Mã xếp loại được tính"),
    C("class_label", "category", "Xếp loại / Mức độ được tính (sau --checked: kết quả kiểm tra)"),
    C("complete", "boolean", "Đầy đủ (dữ liệu của xã; trống: xã không được tính)"),
    C("errors", "Int64", "Số lỗi"),
    C("warnings", "Int64", "Số cảnh báo"),
    C("status", "category", "Tình trạng trong tổng hợp (ok: được tính; conflict: hai bản khác nhau; invalid: tệp "
                            "tổng hợp bị sửa; outside: ngoài huyện, tỉnh hoặc danh sách --communes)"),
    C("status_label", "string", "Tình trạng (chữ của cột “Tình trạng”: vì sao không tính, hoặc kiểm tra đến đâu)"),
    C("counted_by", "category", "Kết quả được tính theo (self: tự đánh giá; check: kiểm tra của cấp trên; "
                                "trống: không tính)"),
    C("claimed", "string", CLAIMED_HEADER),
    C("self_total", "Float64", "Tự đánh giá: tổng điểm (sau --checked)"),
    C("self_level", "Int64", "Tự đánh giá: mức độ (sau --checked)"),
    C("self_class_code", "category", "Tự đánh giá: mã xếp loại (sau --checked)"),
    C("self_class_label", "category", "Tự đánh giá: xếp loại / mức độ (sau --checked)"),
    C("source_kind", "category", "Loại nguồn (summary: tệp tổng hợp; folder: thư mục phiếu)"),
    C("source", "string", "Nguồn (các tệp, cách nhau bởi “; ”)"),
    C("check_status", "category", "Tình trạng kiểm tra của cấp trên (--checked)"),
    C("previous_class_code", "category", "Mã xếp loại năm trước (--previous)"),
    C("previous_class_label", "category", "Xếp loại năm trước"),
    C("change", "category", "Thay đổi so với năm trước"),
)

CRITERIA_COLUMNS: tuple[Column, ...] = PLACE + (
    C("commune_status", "category", "Tình trạng của xã trong tổng hợp"),
    C("row_type", "category", "Dòng là tiêu chí (criterion) hay chỉ tiêu (indicator, TT 25)"),
    C("criterion_id", "string", "Tiêu chí"),
    C("id", "string", "Mã tiêu chí / chỉ tiêu"),
    C("title", "string", "Nội dung"),
    C("unit", "category", "Đơn vị phụ trách"),
    C("score", "Float64", "Điểm (TT 44)"),
    C("max", "Float64", "Điểm tối đa (TT 44, khi đã biết)"),
    C("level", "Int64", "Mức đạt (TT 25: 2, 1; 0 không đạt)"),
    C("result", "category", "Kết quả (TT 25)"),
    C("passed", "boolean", "Đạt"),
    C("status", "category", "Tình trạng dữ liệu (ok: đủ; missing: thiếu; …)"),
    C("entered", "string", "Giá trị đơn vị đã nhập (chỉ tiêu TT 25)"),
    C("source_file", "string", "Tệp phiếu"),
    C("source_sheet", "string", "Trang"),
)

FINDING_COLUMNS: tuple[Column, ...] = (
    C("severity", "category", "Mức (error: lỗi; warning: cảnh báo; info: thông tin)"),
    C("code", "category", "Mã phát hiện (docs/findings.md)"),
    C("message", "string", "Nội dung"),
    C("hint", "string", "Cách sửa"),
    C("file", "string", "Tệp"),
    C("sheet", "string", "Trang"),
    C("cell", "string", "Ô"),
    C("unit", "string", "Đơn vị"),
    C("criterion", "string", "Tiêu chí"),
)

ROW_TYPES = ["criterion", "indicator"]
RESULTS = [LEVEL_CHOICES[2], LEVEL_CHOICES[1], LEVEL_CHOICES[0]]
SEVERITIES = sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.__getitem__)
STATUSES = [OK, CONFLICT, INVALID, OUTSIDE]
COUNTED_BY = ["self", "check"]


def _new(columns: tuple[Column, ...]) -> dict[str, list[Any]]:
    return {c.name: [] for c in columns}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- communes

def commune_table(data: dict) -> Table:
    """One row per commune of the district dict (`above.district.district_dict`), in its order: the row's
    result is the one that counts (null for a commune not counted; the check's after --checked, the
    self-assessment in the `self_…` columns), as the JSON row and the "Các xã" sheet give it."""
    out = _new(COMMUNE_COLUMNS)
    classes = data.get("classes") or []
    level_of = {c["code"]: c.get("level") for c in classes}
    for row in data["communes"]:
        cls = row.get("classification") or {}
        own = row.get("self") or {}
        own_cls = own.get("classification") or {}
        counts = row.get("counts") or {}
        check = row.get("check") or {}
        previous = row.get("previous") or {}
        before = previous.get("classification") or {}
        values = (row.get("province"), row.get("district"), row.get("commune_kind"), row.get("commune"),
                  row.get("year"), _text(row.get("commune_code")), row.get("rubric"), row.get("scheme"),
                  row.get("total"), level_of.get(cls.get("code")), cls.get("code"), cls.get("label"),
                  row.get("complete"), counts.get("error"), counts.get("warning"), row.get("status"),
                  row.get("status_label") or None, row.get("counted_by"), claimed_text(row) or None,
                  own.get("total"), level_of.get(own_cls.get("code")), own_cls.get("code"), own_cls.get("label"),
                  row.get("source_kind"), "; ".join(row.get("source") or []) or None, check.get("status"),
                  before.get("code"), before.get("label"), previous.get("change"))
        for column, value in zip(COMMUNE_COLUMNS, values, strict=True):
            out[column.name].append(value)
    checked = "check" in data
    pairs = class_codes(classes, checked=checked)
    codes = [code for code, _ in pairs]
    labels = [label for _, label in pairs]
    order = {"class_code": codes, "class_label": labels, "previous_class_code": codes, "previous_class_label": labels,
             "status": STATUSES, "counted_by": COUNTED_BY}
    own_codes, own_labels = (codes[:-1], labels[:-1]) if checked else (codes, labels)    # no "chưa kiểm tra xong"
    order.update(self_class_code=own_codes, self_class_label=own_labels)
    return Table(COMMUNE_COLUMNS, out, order)


# --------------------------------------------------------------------------- criteria

def criteria_table(reports: Iterable[tuple[dict, dict]], rubric_titles=None) -> Table:
    """Long form: one row per commune × criterion and, for TT 25 (levels), per commune × indicator too.

    `reports`: (the commune's row in the district, {} for a lone report; its report as --json writes it). `rubric_titles(report)`
    gives {indicator id: title} (the reports carry criterion titles only)."""
    out = _new(CRITERIA_COLUMNS)
    add = [out[c.name].append for c in CRITERIA_COLUMNS]
    for row, report in reports:
        place = (report.get("province"), report.get("district"), report.get("commune_kind"), report.get("commune"),
                 report.get("year"), row.get("status"))
        titles = rubric_titles(report) if rubric_titles is not None else {}
        for c in report.get("criteria") or []:
            source = c.get("source") or {}
            level = c.get("level")
            cells = place + ("criterion", c["id"], c["id"], c.get("title"), c.get("unit") or None, c.get("score"),
                             c.get("max"), level, RESULTS[2 - level] if level is not None else None, c.get("passed"),
                             c.get("status"), None, source.get("file"), source.get("sheet"))
            for append, value in zip(add, cells):
                append(value)
            for item in c.get("items") or []:
                for append, value in zip(add, place + _indicator_cells(c, item, titles) +
                                         (source.get("file"), source.get("sheet"))):
                    append(value)
    return Table(CRITERIA_COLUMNS, out, {"row_type": ROW_TYPES, "result": RESULTS, "commune_status": STATUSES})


def _indicator_cells(criterion: dict, item: dict, titles: dict) -> tuple:
    known = item.get("status") == "ok"
    level = (2 if item.get("level_2") else 1 if item.get("level_1") else 0) if known and "level_1" in item else None
    return ("indicator", criterion["id"], item["id"], titles.get(item["id"]), criterion.get("unit") or None,
            item.get("score"), None, level, RESULTS[2 - level] if level is not None else None,
            bool(item.get("level_1")) if level is not None else None, item.get("status"), _text(item.get("entered")))


def district_reports(result, data: dict) -> Iterator[tuple[dict, dict]]:
    """(the district dict's row, the commune's report as --json writes it) for every commune: the report is
    the text the district keeps for --json (`DistrictResult.store`), parsed by orjson (the district's parser)."""
    import orjson
    for commune, row in zip(result.communes, data["communes"]):
        yield row, orjson.loads(result.store.get(commune.text))


_TITLES: dict[tuple, dict[str, str]] = {}


def indicator_titles(report: dict) -> dict[str, str]:
    """Indicator titles of the built-in rubric the report was made with (same content hash); {} otherwise."""
    from cdht_excel.above.check import builtin_rubric
    key = (report.get("rubric"), report.get("rubric_hash"))
    if key not in _TITLES:
        rubric = builtin_rubric(*key)
        _TITLES[key] = {i.id: i.title for i in rubric.items} if rubric is not None else {}
    return _TITLES[key]


# --------------------------------------------------------------------------- findings

def findings_table(findings: Iterable[dict]) -> Table:
    out = _new(FINDING_COLUMNS)
    for f in findings:
        for column in FINDING_COLUMNS:
            out[column.name].append(_text(f.get(column.name)))
    return Table(FINDING_COLUMNS, out, {"severity": SEVERITIES})


"""Rubrics as data: the built-in rubrics, loading one from its id or a .json file, and validation.

The model is `model` (what a rubric is); the classification scheme (``points``: bands on the total,
optionally with "no criterion at 0"; ``levels``: every item passes at that level) is data too, checked here
by the scheme's own rules (`schemes`). A rubric edited as a workbook is read by `rubric_sheet`.
"""
from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from cdht_excel.rules import findings as F
from cdht_excel.rules.model import CountField, Criterion, Item, Rubric
from cdht_excel.rules.schemes import SCHEMES
from cdht_excel.rules.schemes import is_number as _is_number
from cdht_excel.text import nfc

BUILTIN_IDS = ("tt44-2014", "tt25-2023")
DEFAULT_RUBRIC = "tt44-2014"
KINDS = ("points", "passfail", "level", "ratio")
ID_RE = re.compile(r"^\d+(\.\d+)*$")


# --------------------------------------------------------------------------- loading

RubricError = F.Failed   # the rubric could not be used; `findings` says every reason


def builtin_data(rubric_id: str) -> dict:
    text = resources.files("cdht_excel.rules").joinpath("rubrics").joinpath(f"{rubric_id}.json").read_text("utf-8")
    return json.loads(text)


def load(ref: str | Path) -> Rubric:
    """A rubric from a built-in id or a .json file (a workbook written by `rubric export`: `rubric_sheet.load`)."""
    ref_text = str(ref)
    if ref_text in BUILTIN_IDS:
        return from_data(builtin_data(ref_text))
    path = Path(ref_text)
    if not path.is_file():
        raise F.Failed([F.make("rubric-unknown", rubric=ref_text, known=", ".join(BUILTIN_IDS))])
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise F.Failed([F.make("rubric-unreadable", detail=str(exc))]) from None
    return from_data(data)


def display_name(rubric_id) -> str:
    """What a headline calls a rubric: "Thông tư 44/2014/TT-BGDĐT" for a built-in one (its legal basis without
    the date); a province's own rubric by its own code, "bộ tiêu chí riêng “…”"."""
    if rubric_id in BUILTIN_IDS:
        return str(builtin_data(rubric_id)["legal_basis"]).split(" ngày ")[0]
    return f"bộ tiêu chí riêng “{rubric_id}”"


def from_data(data: dict) -> Rubric:
    """Validate rubric data and build the model; raise F.Failed with every problem."""
    data = _nfc_tree(data)
    problems = validate(data)
    if problems:
        raise F.Failed(problems)
    return Rubric(data=data, criteria=tuple(_criterion(c) for c in data["criteria"]))


def _nfc_tree(value):
    """NFC text and whole floats as ints, so a rubric read back from Excel hashes the same."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _nfc_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc_tree(v) for v in value]
    return nfc(value)


def _levels(table: dict | None) -> dict[int, float] | None:
    return None if table is None else {int(k): float(v) for k, v in table.items()}


def _criterion(c: dict) -> Criterion:
    items = []
    for it in c["items"]:
        base = it.get("base")
        item_max = it.get("max")
        if item_max is None and len(c["items"]) == 1:
            item_max = c.get("max")     # a criterion scored as one item: its maximum is the item's
        items.append(Item(
            id=it["id"], kind=it["kind"], title=it["title"], citation=it["citation"], criterion=c["id"],
            max=item_max, title_level2=it.get("title_level2"),
            options=tuple(it.get("options", ())),
            required={int(k): v for k, v in it.get("required", {}).items()},
            base=(base["field"], base["label"]) if base else None,
            counts=tuple(CountField(x["field"], x["label"], _levels(x["min_percent"]),
                                    _levels(x.get("min_percent_hard_area")))
                         for x in it.get("counts", ())),
        ))
    return Criterion(id=c["id"], title=c["title"], citation=c["citation"], items=tuple(items), max=c.get("max"))


# --------------------------------------------------------------------------- validation

def validate(data: dict) -> list[F.Finding]:
    """Every problem of rubric data at once (what `cdht rubric check` prints)."""
    out: list[F.Finding] = []
    for key, label in (("id", "Mã bộ tiêu chí"), ("version", "Phiên bản"), ("title", "Tên bộ tiêu chí"),
                       ("legal_basis", "Căn cứ pháp lý"), ("scheme", "Cách xếp loại")):
        if not str(data.get(key) or "").strip():
            out.append(F.make("rubric-missing-field", what=label, where="trang “Bộ tiêu chí”"))
    scheme = data.get("scheme")
    if scheme not in SCHEMES:
        out.append(F.make("rubric-classes", detail=f"cách xếp loại “{scheme}” phải là {' hoặc '.join(SCHEMES)}"))
    criteria = data.get("criteria") or []
    if not criteria:
        out.append(F.make("rubric-missing-field", what="Tiêu chí", where="trang “Tiêu chí”"))
    seen: set[str] = set()
    for c in criteria:
        out += _check_id(c.get("id"), seen)
        if not str(c.get("citation") or "").strip():
            out.append(F.make("rubric-missing-citation", id=f"Tiêu chí {c.get('id')}", criterion=c.get("id")))
        if not str(c.get("title") or "").strip():
            out.append(F.make("rubric-missing-field", what=f"Tên tiêu chí {c.get('id')}", where="trang “Tiêu chí”"))
        if not c.get("items"):
            out.append(F.make("rubric-empty-criterion", criterion=c.get("id")))
        for it in c.get("items") or []:
            out += _check_id(it.get("id"), seen if it.get("id") != c.get("id") else set())
            out += _check_item(it, scheme)
    if scheme in SCHEMES:
        out += SCHEMES[scheme].validate(data)
    return out


def _check_id(value, seen: set[str]) -> list[F.Finding]:
    text = str(value or "")
    if not ID_RE.match(text):
        return [F.make("rubric-bad-id", id=text)]
    if text in seen:
        return [F.make("rubric-duplicate-id", id=text)]
    seen.add(text)
    return []


def _check_item(it: dict, scheme) -> list[F.Finding]:
    out = []
    iid, kind = it.get("id"), it.get("kind")
    if kind not in KINDS:
        return [F.make("rubric-bad-kind", kind=kind, id=iid, kinds=", ".join(KINDS))]
    if not str(it.get("citation") or "").strip():
        out.append(F.make("rubric-missing-citation", id=f"Nội dung {iid}"))
    if not str(it.get("title") or "").strip():
        out.append(F.make("rubric-missing-field", what=f"Nội dung {iid}", where="trang “Nội dung”"))
    wrong_kind = SCHEMES[scheme].item_kind_problem(kind) if scheme in SCHEMES else None
    if wrong_kind:
        out.append(F.make("rubric-bad-kind", kind=kind, id=iid, kinds=wrong_kind))
    if kind == "points" and it.get("max") is not None and not _is_number(it["max"]):
        out.append(F.make("rubric-bad-number", value=it["max"], what="Điểm tối đa", id=iid))
    if kind == "level":
        options = list(it.get("options") or [])
        if len(options) < 2:
            out.append(F.make("rubric-missing-field", what=f"Lựa chọn của {iid}", where="trang “Nội dung”"))
        required = it.get("required") or {}
        for level in ("1", "2"):
            value = required.get(level)
            if value not in options:
                out.append(F.make("rubric-level-option", value=value, id=iid, options="; ".join(options)))
        if all(required.get(x) in options for x in ("1", "2")) and \
                options.index(required["2"]) < options.index(required["1"]):
            out.append(F.make("rubric-threshold-order", id=iid, detail="yêu cầu mức độ 2 thấp hơn mức độ 1"))
    if kind == "ratio":
        out += _check_ratio(it)
    return out


def _check_ratio(it: dict) -> list[F.Finding]:
    out = []
    iid = it.get("id")
    base = it.get("base") or {}
    if not base.get("field"):
        out.append(F.make("rubric-missing-field", what=f"Mẫu số (tổng số) của {iid}", where="trang “Tỷ lệ”"))
    if not it.get("counts"):
        out.append(F.make("rubric-missing-field", what=f"Số liệu tính tỷ lệ của {iid}", where="trang “Tỷ lệ”"))
    for count in it.get("counts") or []:
        for table_key, label in (("min_percent", "chung"), ("min_percent_hard_area", "vùng khó khăn")):
            table = count.get(table_key)
            if table is None and table_key == "min_percent_hard_area":
                continue
            table = table or {}
            values = [table.get("1"), table.get("2")]
            if not all(_is_number(v) and v <= 100 for v in values):
                out.append(F.make("rubric-threshold-order", id=f"{iid} {count.get('field')}",
                                  detail=f"ngưỡng {label} phải là số từ 0 đến 100 cho cả mức độ 1 và 2"))
            elif values[1] < values[0]:
                out.append(F.make("rubric-threshold-order", id=f"{iid} {count.get('field')}",
                                  detail=f"ngưỡng {label} mức độ 2 ({values[1]}%) thấp hơn mức độ 1 ({values[0]}%)"))
        hard, normal = count.get("min_percent_hard_area"), count.get("min_percent") or {}
        if hard:
            for level in ("1", "2"):
                if _is_number(hard.get(level)) and _is_number(normal.get(level)) and hard[level] > normal[level]:
                    out.append(F.make("rubric-threshold-order", id=f"{iid} {count.get('field')}",
                                      detail=f"ngưỡng vùng khó khăn mức độ {level} cao hơn ngưỡng chung"))
    return out

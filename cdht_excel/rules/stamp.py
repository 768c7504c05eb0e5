"""How a workbook identifies itself: the stamp (contract, PRODUCT §5).

- Every unit sheet carries its stamp in cell A1 (hidden column A), a text that
  survives re-saves, copies of the sheet into other workbooks and renames:
  ``CDHT|1|<template id>|<unit id>|<rubric id>|<rubric version>|<rubric hash>|<year>|<commune>``.
- The hidden sheet ``_cdht`` (last) holds the whole stamp as key/value rows,
  including the rubric and the plan as JSON, so merge uses the rubric stamped
  into the template. Workbook-level defined names point at both.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from cdht_excel.rules.contract import CHUNK, SCHEMA, STAMP_PREFIX
from cdht_excel.rules.model import Rubric, canonical_json



def template_id(rubric: Rubric, plan_data: dict) -> str:
    payload = canonical_json({"rubric": rubric.content_hash, "plan": plan_data})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def sheet_stamp(tid: str, unit_id: str, rubric: Rubric, year, commune: str) -> str:
    commune = commune.replace("|", "/")
    return "|".join(["CDHT", "1", tid, unit_id, rubric.id, str(rubric.version), rubric.content_hash,
                     str(year), commune])


def parse_sheet_stamp(text) -> dict | None:
    if not isinstance(text, str) or not text.startswith(STAMP_PREFIX):
        return None
    parts = text.split("|")
    if len(parts) < 9:
        return None
    _, _, tid, unit_id, rubric_id, version, rhash, year, commune = parts[:8] + ["|".join(parts[8:])]
    return {"template_id": tid, "unit_id": unit_id, "rubric_id": rubric_id, "rubric_version": version,
            "rubric_hash": rhash, "year": year, "commune": commune}


def meta_rows(tid: str, rubric: Rubric, plan_data: dict, sheet_units: list[str], generator: str) -> list[tuple]:
    """The key/value rows of the hidden metadata sheet."""
    rows = [("schema", SCHEMA), ("template_id", tid), ("rubric_id", rubric.id),
            ("rubric_version", str(rubric.version)), ("rubric_hash", rubric.content_hash),
            ("commune", plan_data["commune"]), ("commune_kind", plan_data["commune_kind"]),
            ("district", plan_data["district"]), ("province", plan_data["province"]),
            ("year", plan_data["year"]), ("generator", generator),
            ("sheet_units", ",".join(sheet_units))]
    rows += _chunks("rubric_json", canonical_json(rubric.data))
    rows += _chunks("plan_json", canonical_json(plan_data))
    return rows


def _chunks(key: str, text: str) -> list[tuple]:
    return [(f"{key}.{i + 1}", text[start:start + CHUNK])
            for i, start in enumerate(range(0, len(text), CHUNK))]


def parse_meta(rows) -> dict | None:
    """Key/value rows (as read from the metadata sheet) back to a dict, or None if not ours."""
    values: dict[str, str] = {}
    for row in rows:
        if len(row) >= 1 and isinstance(row[0], str) and row[0]:
            value = row[1] if len(row) >= 2 else None
            values[row[0]] = "" if value is None else value   # '' comes back empty after a re-save
    if values.get("schema") != SCHEMA:
        return None
    out: dict[str, Any] = {k: v for k, v in values.items() if "." not in k}
    for key in ("rubric_json", "plan_json"):
        parts = sorted(((int(k.split(".")[1]), v) for k, v in values.items() if k.startswith(key + ".")))
        try:
            out[key.removesuffix("_json")] = json.loads("".join(str(v) for _, v in parts))
        except ValueError:
            out[key.removesuffix("_json")] = None
    try:
        out["year"] = int(float(out.get("year")))
    except (TypeError, ValueError):
        pass
    out["sheet_units"] = [u for u in str(out.get("sheet_units") or "").split(",") if u]
    return out

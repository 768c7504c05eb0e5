"""Rubric and plan validation, table-driven: one row per broken input and the finding code it must give."""
from __future__ import annotations

import copy
import json

import openpyxl
import pytest
from support import make_plan, run_cli

from cdht_excel.commune import plan as P
from cdht_excel.rules import findings as F
from cdht_excel.rules import rubric as R
from cdht_excel.rules import rubric_sheet as RS


def tt44() -> dict:
    return copy.deepcopy(R.builtin_data("tt44-2014"))


def tt25() -> dict:
    return copy.deepcopy(R.builtin_data("tt25-2023"))


def item(data: dict, item_id: str) -> dict:
    return next(it for c in data["criteria"] for it in c["items"] if it["id"] == item_id)


def _set(d: dict, key, value) -> dict:
    d[key] = value
    return d


def _maxima(data: dict, values: dict) -> dict:
    for c in data["criteria"]:
        if c["id"] in values:
            c["max"] = values[c["id"]]
    return data


def _two_items(data: dict) -> dict:
    """Criterion 1 in two scored items whose maxima do not add up to the criterion's."""
    for c in data["criteria"]:
        c["max"] = data["total_max"] / len(data["criteria"])
        c["items"][0]["max"] = c["max"]
    first = data["criteria"][0]
    extra = dict(first["items"][0], id=first["id"] + ".2", max=1)
    first["items"] = [dict(first["items"][0], id=first["id"] + ".1"), extra]
    return data


RUBRIC_ROWS = [
    # (broken data, expected code)
    ("no title", lambda: _set(tt44(), "title", ""), "rubric-missing-field"),
    ("unknown scheme", lambda: _set(tt44(), "scheme", "stars"), "rubric-classes"),
    ("no criteria", lambda: _set(tt44(), "criteria", []), "rubric-missing-field"),
    ("criterion without items", lambda: _set_path(tt44(), ["criteria", 0, "items"], []), "rubric-empty-criterion"),
    ("bad id", lambda: _set_path(tt44(), ["criteria", 0, "id"], "A1"), "rubric-bad-id"),
    ("duplicate id", lambda: _set_path(tt44(), ["criteria", 1, "id"], "1"), "rubric-duplicate-id"),
    ("no citation", lambda: _set_path(tt44(), ["criteria", 0, "citation"], ""), "rubric-missing-citation"),
    ("unknown kind", lambda: _set_path(tt44(), ["criteria", 0, "items", 0, "kind"], "stars"), "rubric-bad-kind"),
    ("levels kind in a points rubric", lambda: _set_path(tt44(), ["criteria", 0, "items", 0, "kind"], "passfail"),
     "rubric-bad-kind"),
    ("points kind in a levels rubric", lambda: _set_path(tt25(), ["criteria", 0, "items", 0, "kind"], "points"),
     "rubric-bad-kind"),
    ("maxima for some criteria only", lambda: _maxima(tt44(), {"1": 10}), "rubric-maxima-partial"),
    ("maxima not adding up", lambda: _maxima(tt44(), {str(i): 5 for i in range(1, 16)}), "rubric-maxima-sum"),
    ("item maxima not adding up", lambda: _two_items(tt44()), "rubric-item-maxima-sum"),
    ("step not a number", lambda: _set(tt44(), "step", "nửa điểm"), "rubric-bad-number"),
    ("total not positive", lambda: _set(tt44(), "total_max", 0), "rubric-bad-number"),
    ("classes not descending", lambda: _set_path(tt44(), ["classes", 0, "min_total"], 1), "rubric-classes"),
    ("levels not 2 and 1", lambda: _set_path(tt25(), ["levels", 0, "level"], 3), "rubric-classes"),
    ("level 2 threshold below level 1",
     lambda: _set(item(d := tt25(), "5.1")["counts"][0], "min_percent", {"1": 70, "2": 50}) and d,
     "rubric-threshold-order"),
    ("threshold above 100",
     lambda: _set(item(d := tt25(), "5.1")["counts"][0], "min_percent", {"1": 70, "2": 150}) and d,
     "rubric-threshold-order"),
    ("required option not among the options", lambda: _set(item(d := tt25(), "4.1"), "required",
                                                             {"1": "Không có", "2": "Không có"}) and d,
     "rubric-level-option"),
    ("ratio without base", lambda: _set(item(d := tt25(), "5.1"), "base", None) and d, "rubric-missing-field"),
]


def _set_path(data: dict, path: list, value) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize("broken, expected", [(make, code) for _, make, code in RUBRIC_ROWS],
                         ids=[name for name, _, _ in RUBRIC_ROWS])
def test_broken_rubric_data_gives_its_code(broken, expected):
    with pytest.raises(R.RubricError) as info:
        R.from_data(broken())
    assert expected in [f.code for f in info.value.findings]
    assert all(f.code in F.CATALOGUE for f in info.value.findings)


def test_the_built_in_rubrics_are_valid():
    for rid in R.BUILTIN_IDS:
        assert R.validate(R.builtin_data(rid)) == []


# --------------------------------------------------------------------------- rubric files

def test_unknown_rubric_and_unreadable_files(tmp_path):
    code, text = run_cli("template", "--commune", "An Bình", "--year", 2024, "--rubric", "tt99", "-o",
                         tmp_path / "m.xlsx")
    assert code == 2 and F.make("rubric-unknown", rubric="tt99", known=", ".join(R.BUILTIN_IDS)).message in text
    bad = tmp_path / "bo.json"
    bad.write_text("{ không phải JSON", encoding="utf-8")
    with pytest.raises(R.RubricError) as info:
        R.load(bad)
    assert [f.code for f in info.value.findings] == ["rubric-unreadable"]
    not_a_rubric = tmp_path / "bo.xlsx"
    wb = openpyxl.Workbook()
    wb.save(not_a_rubric)
    code, text = run_cli("rubric", "check", not_a_rubric)
    assert code == 2 and "thiếu trang" in text


def test_item_of_an_unknown_criterion_in_the_rubric_workbook(tmp_path):
    path = tmp_path / "bo.xlsx"
    assert run_cli("rubric", "export", "tt44-2014", "-o", path)[0] == 0
    wb = openpyxl.load_workbook(path)
    wb["Nội dung"]["A2"].value = "99"
    wb.save(path)
    with pytest.raises(R.RubricError) as info:
        RS.load(path)
    assert "rubric-orphan-item" in [f.code for f in info.value.findings]


# --------------------------------------------------------------------------- plans

def plan(**changes) -> P.Plan:
    rubric = R.load(changes.pop("rubric", "tt44-2014"))
    base = P.default_plan("Đồng Thịnh", 2024, rubric)
    return P.with_units(base, base.units) if not changes else __import__("dataclasses").replace(base, **changes)


def _units(*pairs) -> tuple[P.Unit, ...]:
    return tuple(P.Unit(name=name, criteria=tuple(criteria)) for name, criteria in pairs)


def _tt44_units(extra=()) -> tuple[P.Unit, ...]:
    return P.default_plan("Đồng Thịnh", 2024, R.load("tt44-2014")).units + tuple(extra)


PLAN_ROWS = [
    ("no commune", dict(commune=""), "tt44-2014", "plan-missing-field"),
    ("no year", dict(year=None), "tt44-2014", "plan-missing-field"),
    ("year out of range", dict(year=1999), "tt44-2014", "plan-bad-year"),
    ("hard area unknown for TT 25", dict(hard_area=None), "tt25-2023", "plan-missing-hard-area"),
    ("no units", dict(units=()), "tt44-2014", "plan-no-units"),
    ("unit twice", dict(units=_tt44_units(_units(("Công an xã", ["15"])))), "tt44-2014", "plan-duplicate-unit"),
    ("unit without criteria", dict(units=_tt44_units(_units(("Hội Cựu chiến binh", [])))), "tt44-2014",
     "plan-unit-no-criteria"),
    ("criterion not in the rubric", dict(units=_tt44_units(_units(("Hội Cựu chiến binh", ["16"])))), "tt44-2014",
     "plan-unknown-criterion"),
    ("criterion unassigned", dict(units=_tt44_units()[:-1]), "tt44-2014", "plan-criterion-unassigned"),
    ("criterion twice", dict(units=_tt44_units(_units(("Hội Cựu chiến binh", ["15"])))), "tt44-2014",
     "plan-criterion-twice"),
    ("negative maximum", dict(maxima={"1": -5}), "tt44-2014", "plan-bad-max"),
    ("maximum of an unknown criterion", dict(maxima={"99": 5}), "tt44-2014", "plan-unknown-criterion"),
]


@pytest.mark.parametrize("changes, rubric_id, expected", [row[1:] for row in PLAN_ROWS],
                         ids=[row[0] for row in PLAN_ROWS])
def test_broken_plan_gives_its_code(changes, rubric_id, expected):
    import dataclasses
    rubric = R.load(rubric_id)
    broken = dataclasses.replace(P.default_plan("Đồng Thịnh", 2024, rubric), **changes)
    assert expected in [f.code for f in P.validate(broken, rubric)]


def test_default_plans_are_valid():
    for rid in R.BUILTIN_IDS:
        rubric = R.load(rid)
        assert P.validate(P.default_plan("Đồng Thịnh", 2024, rubric), rubric) == []


PLAN_SHEET_ROWS = [
    ("year typed as text", ("year", "năm nay"), "plan-bad-year"),
    ("hard area neither yes nor no", ("hard_area", "có lẽ"), "plan-bad-hard-area"),
    ("maximum typed as text", ("max", "mười"), "plan-bad-max"),
]


@pytest.mark.parametrize("edit, expected", [row[1:] for row in PLAN_SHEET_ROWS], ids=[r[0] for r in PLAN_SHEET_ROWS])
def test_broken_plan_workbook_gives_its_code(tmp_path, edit, expected):
    from cdht_excel.commune import plan_sheet as PS
    path = make_plan(tmp_path)
    attr, value = edit
    wb = openpyxl.load_workbook(path)
    if attr == "max":
        wb[PS.MAXIMA_SHEET].cell(row=2, column=3).value = value
    else:
        label = dict(PS.INFO_ROWS)[attr]
        row = next(r for r in wb[PS.INFO_SHEET].iter_rows() if r[0].value == label)
        row[1].value = value
    wb.save(path)
    _, problems = PS.read_plan(path)
    assert expected in [f.code for f in problems]


def test_unreadable_plan_workbook(tmp_path):
    from cdht_excel.commune.plan_sheet import read_plan
    path = tmp_path / "ke-hoach.xlsx"
    path.write_bytes(b"not a workbook")
    _, problems = read_plan(path)
    assert [f.code for f in problems] == ["plan-unreadable"]
    assert json.dumps([f.to_dict() for f in problems], ensure_ascii=False)

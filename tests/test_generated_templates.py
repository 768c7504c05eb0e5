"""workbook_templates/ holds generated templates; prove they equal what the generator makes now.

Compared as content (every sheet's cells, merged ranges, hidden rows/columns, protection, data
validations, defined names, stamps), never as zip bytes. When this fails after a deliberate change
of the generator, run: python workbook_templates/regenerate.py
"""
from __future__ import annotations

import functools
import importlib.util

import pytest

from support import REPO, first_differences, workbook_snapshot

FOLDER = REPO / "workbook_templates"
EXPECTED = ["mau-tt25-2023-dong-thinh-2024.xlsx", "mau-tt25-2023-dong-thinh-2025.xlsx",
            "mau-tt44-2014-dong-thinh-2024.xlsx", "mau-tt44-2014-dong-thinh-2025.xlsx"]
HINT = "workbook_templates/ is out of date: run `python workbook_templates/regenerate.py`"


def load_regenerate():
    spec = importlib.util.spec_from_file_location("regenerate", FOLDER / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """The templates as the generator makes them now, in a temporary folder."""
    folder = tmp_path_factory.mktemp("fresh-templates")
    written = load_regenerate().regenerate(folder)
    return {p.name: p for p in written}


@functools.cache
def shipped_snapshot(name: str) -> dict:
    return workbook_snapshot(FOLDER / name)


def assert_same_content(name, generated):
    a, b = shipped_snapshot(name), workbook_snapshot(generated)
    assert a == b, f"{HINT}\n{name}:\n" + "\n".join(first_differences(a, b))


def test_the_folder_holds_exactly_the_shipped_templates(fresh):
    assert sorted(fresh) == EXPECTED
    assert sorted(p.name for p in FOLDER.glob("*.xlsx")) == EXPECTED, HINT


@pytest.mark.parametrize("name", EXPECTED)
def test_shipped_template_equals_the_generator_output(fresh, name):
    assert_same_content(name, fresh[name])


def test_shipped_templates_are_what_the_cli_makes(tt44_template, tt25_template):
    """`cdht template --commune "Đồng Thịnh" --year 2024 [--rubric tt25-2023]` gives the shipped files."""
    assert_same_content("mau-tt44-2014-dong-thinh-2024.xlsx", tt44_template)
    assert_same_content("mau-tt25-2023-dong-thinh-2024.xlsx", tt25_template)


def test_the_comparison_sees_a_changed_cell(tmp_path, fresh):
    """The snapshot used above is sensitive to one edited cell and to one dropped defined name."""
    import openpyxl

    name = EXPECTED[2]
    wb = openpyxl.load_workbook(fresh[name])
    wb["Công an xã"]["C11"] = "Đảm bảo an ninh trật tự"
    del wb.defined_names["CDHT_C15_NOTE"]
    edited = tmp_path / name
    wb.save(edited)
    a, b = workbook_snapshot(fresh[name]), workbook_snapshot(edited)
    diffs = first_differences(a, b, limit=50)
    assert any("C11" in d for d in diffs)
    assert any("CDHT_C15_NOTE" in d for d in diffs)


@pytest.mark.parametrize("name", EXPECTED)
def test_shipped_templates_differ_where_they_should(name):
    snapshot = shipped_snapshot(name)
    meta = snapshot["stamps"]["meta"]
    rubric_id, year = name[len("mau-"):-len("-dong-thinh-2024.xlsx")], int(name[-9:-5])
    assert (meta["rubric_id"], meta["year"], meta["commune"]) == (rubric_id, year, "Đồng Thịnh")
    if rubric_id == "tt25-2023":
        assert meta["plan"]["hard_area"] is False

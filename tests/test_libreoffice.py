"""The stamp survives a LibreOffice re-save (PRODUCT §5): .xlsx read with openpyxl, .ods with calamine.

Each template is converted once per session (fixture ``resaved`` in conftest.py); the tests skip
when ``soffice`` is not installed.
"""
from __future__ import annotations

import openpyxl
import pytest

from support import defined_names, destinations, first_differences, read_stamps, validation_for

KEYS = ["tt44", "tt25"]


@pytest.fixture
def source(request):
    return lambda key: request.getfixturevalue(f"{key}_template")


def assert_same_stamp(original: dict, resaved: dict):
    assert resaved["sheets"] == original["sheets"]
    assert resaved["visibility"]["_cdht"] == "hidden"
    assert resaved["sheets"][0] == "Hướng dẫn" and resaved["sheets"][-1] == "_cdht"
    assert resaved["a1"] == original["a1"]
    assert len(resaved["a1"]) == len(original["sheets"]) - 2
    assert resaved["meta"] is not None, "the _cdht sheet was not read back"
    diff = first_differences(original["meta"], resaved["meta"])
    assert resaved["meta"] == original["meta"], diff


@pytest.mark.parametrize("key", KEYS)
def test_xlsx_resave_keeps_stamp_sheet_and_defined_names(resaved, source, key):
    original_path, path = source(key), resaved[(key, "xlsx")]
    assert_same_stamp(read_stamps(original_path), read_stamps(path))
    before, after = openpyxl.load_workbook(original_path), openpyxl.load_workbook(path)
    ours = {n for n in defined_names(before) if n.startswith("CDHT_")}
    assert len(ours) > 20
    assert ours <= set(defined_names(after)), sorted(ours - set(defined_names(after)))[:10]
    for name in sorted(ours):
        assert destinations(after, name) == destinations(before, name), name
    # the score/result cells keep their validation after the round trip through LibreOffice
    main_fields = [n for n in ours if n.endswith(("_SCORE", "_RESULT", "_LEVEL"))]
    assert main_fields
    for name in main_fields:
        (sheet, coord), = destinations(after, name)
        dv_before = validation_for(before[sheet], coord.replace("$", ""))
        dv_after = validation_for(after[sheet], coord.replace("$", ""))
        assert dv_after is not None, name
        assert (dv_after.type, dv_after.formula1) == (dv_before.type, dv_before.formula1), name
        if dv_before.type != "list":       # LibreOffice writes a meaningless formula2 for lists
            assert float(dv_after.formula2) == float(dv_before.formula2), name


@pytest.mark.parametrize("key", KEYS)
def test_ods_resave_keeps_stamp_cells_and_metadata(resaved, source, key):
    path = resaved[(key, "ods")]
    assert path.suffix == ".ods"
    assert_same_stamp(read_stamps(source(key)), read_stamps(path))

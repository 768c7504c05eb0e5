"""The standard workbook (PRODUCT §5), as written by `cdht template`, read back with openpyxl."""
from __future__ import annotations

import re

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from cdht_excel.rules import rubric as R
from cdht_excel.rules import stamp as S
from cdht_excel.text import slug
from support import (COMMUNE, SEED_SHEETS_TT44, SEED_UNITS_TT44, TT25_NAMES, catalogue_fragments, destinations, fill,
                     item_name, make_template, named_cell, nfd, not_nfc, read_stamps, says, stamps_openpyxl,
                     validation_for)

TT25_OWNER = {"1": "Văn phòng Đảng ủy xã", "2": "Văn phòng UBND xã", "3": "Nhà trường", "4": "Nhà trường",
              "5": "Hội Khuyến học xã"}


@pytest.fixture(scope="module")
def wb44(tt44_template):
    return openpyxl.load_workbook(tt44_template)


@pytest.fixture(scope="module")
def wb25(tt25_template):
    return openpyxl.load_workbook(tt25_template)


def unit_name_on(ws) -> str:
    """The unit written in the sheet's header block ("Đơn vị phụ trách:")."""
    for row in ws.iter_rows(max_row=10):
        for cell in row:
            if cell.value == "Đơn vị phụ trách:":
                return ws.cell(row=cell.row, column=cell.column + 1).value
    raise AssertionError(f"no unit header on {ws.title}")


def cdht_names(wb) -> set[str]:
    return {n for n in wb.defined_names if n.startswith("CDHT_C")}


# --------------------------------------------------------------------------- tt44-2014

def test_tt44_sheets_instructions_first_units_then_hidden_metadata_last(wb44):
    assert wb44.sheetnames == ["Hướng dẫn", *SEED_SHEETS_TT44, "_cdht"]
    states = {ws.title: ws.sheet_state for ws in wb44.worksheets}
    assert states.pop("_cdht") == "hidden"
    assert set(states.values()) == {"visible"}
    assert [unit_name_on(wb44[s]) for s in SEED_SHEETS_TT44] == [name for name, _ in SEED_UNITS_TT44]


def test_tt44_every_criterion_is_named_on_its_units_sheet(wb44):
    sheet_of_unit = {unit_name_on(wb44[s]): s for s in SEED_SHEETS_TT44}
    expected = set()
    for unit, criteria in SEED_UNITS_TT44:
        for cid in criteria:
            for field in ("SCORE", "EVIDENCE", "NOTE"):
                name = f"CDHT_C{cid}_{field}"
                expected.add(name)
                (sheet, coord), = destinations(wb44, name)
                assert sheet == sheet_of_unit[unit], (name, sheet, unit)
            score, evidence = named_cell(wb44, f"CDHT_C{cid}_SCORE"), named_cell(wb44, f"CDHT_C{cid}_EVIDENCE")
            assert score.row == evidence.row and score.column < evidence.column
            ws = score.parent
            assert ws.cell(row=score.row, column=2).value == cid
            assert ws.cell(row=score.row, column=3).value == R.load("tt44-2014").criterion(cid).title
    assert cdht_names(wb44) == expected          # 15 × 3 names, nothing else


def test_tt44_input_cells_unlocked_sheet_protected_and_validated(wb44):
    for _unit, criteria in SEED_UNITS_TT44:
        for cid in criteria:
            score = named_cell(wb44, f"CDHT_C{cid}_SCORE")
            evidence = named_cell(wb44, f"CDHT_C{cid}_EVIDENCE")
            ws = score.parent
            assert ws.protection.sheet is True
            assert score.protection.locked is False and evidence.protection.locked is False
            assert ws["A1"].protection.locked is not False
            dv = validation_for(ws, score.coordinate)
            assert (dv.type, float(dv.formula1), float(dv.formula2)) == ("decimal", 0, 100)
            assert "Điểm" in dv.errorTitle and "0,5" in dv.error
            assert ws.cell(row=score.row, column=4).value == "Theo Phụ lục"   # no guessed maximum
            ev = validation_for(ws, evidence.coordinate)
            assert ev.type == "textLength" and ev.prompt and "minh chứng" in ev.prompt.lower()


def test_tt44_header_block_and_printing(wb44):
    for sheet in SEED_SHEETS_TT44:
        ws = wb44[sheet]
        texts = [c.value for row in ws.iter_rows(max_row=8) for c in row if isinstance(c.value, str)]
        assert "Xã Đồng Thịnh" in texts and "2024" in texts
        assert "Người phụ trách (họ tên, chức vụ):" in texts
        assert ws.page_setup.paperSize in (9, "9")           # A4
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows                           # header row repeated on each page
        assert ws.column_dimensions["A"].hidden is True      # the stamp/key column
    person = named_cell(wb44, "CDHT_UNIT_CONG_AN_XA_PERSON")
    assert person.parent.title == "Công an xã" and person.protection.locked is False


def test_tt44_stamp_on_every_unit_sheet_and_in_metadata(tt44_template, wb44):
    stamps = read_stamps(tt44_template)
    meta = stamps["meta"]
    rubric = R.load("tt44-2014")
    assert meta["schema"] == "cdht-template/1"
    assert (meta["rubric_id"], meta["rubric_version"], meta["rubric_hash"]) == ("tt44-2014", "1",
                                                                                rubric.content_hash)
    assert (meta["commune"], meta["year"]) == (COMMUNE, 2024)
    assert re.fullmatch(r"[0-9a-f]{12}", meta["template_id"])
    assert meta["rubric"] == rubric.data                      # merge uses the rubric stamped here
    assert [u["name"] for u in meta["plan"]["units"]] == [name for name, _ in SEED_UNITS_TT44]
    assert list(stamps["a1"]) == SEED_SHEETS_TT44
    parsed = [S.parse_sheet_stamp(stamps["a1"][s]) for s in SEED_SHEETS_TT44]
    assert [p["unit_id"] for p in parsed] == meta["sheet_units"] == [slug(n) for n, _ in SEED_UNITS_TT44]
    for p in parsed:
        assert p["template_id"] == meta["template_id"]
        assert (p["rubric_id"], p["rubric_hash"], p["year"], p["commune"]) == (
            "tt44-2014", rubric.content_hash, "2024", COMMUNE)
    # defined names point at the stamps too
    for sheet, unit_id in zip(SEED_SHEETS_TT44, meta["sheet_units"]):
        key = unit_id.replace("-", "_").upper()
        assert destinations(wb44, f"CDHT_UNIT_{key}") == [(sheet, "$A$1")]
    (sheet, ref), = destinations(wb44, "CDHT_META")
    assert sheet == "_cdht" and ref.startswith("$A$1:$B$")
    assert wb44["_cdht"].protection.sheet is True


def test_template_id_depends_on_commune_year_and_rubric(tmp_path, tt44_template):
    base = read_stamps(tt44_template)["meta"]["template_id"]
    same = read_stamps(make_template(tmp_path, name="again.xlsx"))["meta"]["template_id"]
    other_year = read_stamps(make_template(tmp_path, year=2025))["meta"]["template_id"]
    other_commune = read_stamps(make_template(tmp_path, commune="Đông Thịnh", name="x.xlsx"))["meta"]
    assert same == base
    assert len({base, other_year, other_commune["template_id"]}) == 3


def test_tt44_instructions_warn_from_2024_naming_tt25(tmp_path, wb44):
    def texts(wb):
        return " ".join(c.value for row in wb["Hướng dẫn"].iter_rows() for c in row if isinstance(c.value, str))

    assert "25/2023" in texts(wb44) and says(texts(wb44), "rubric-repealed")
    old = openpyxl.load_workbook(make_template(tmp_path, year=2023))
    assert catalogue_fragments("rubric-repealed")[0] not in texts(old)
    table = [tuple(c.value for c in row[:3]) for row in wb44["Hướng dẫn"].iter_rows()
             if row[0].value in dict(SEED_UNITS_TT44)]
    assert table == [(name, ", ".join(cs), sheet) for (name, cs), sheet in zip(SEED_UNITS_TT44, SEED_SHEETS_TT44)]


def test_fill_writes_through_the_names_and_keeps_the_stamp(tmp_path, tt44_template):
    out = fill(tt44_template, tmp_path / "da-dien.xlsx",
               {"C3_SCORE": 7.5, "C3_EVIDENCE": "Báo cáo số 12/BC-MTTQ ngày 10/12/2024",
                "UNIT_UY_BAN_MTTQ_XA_PERSON": "Trần Văn C"})
    wb = openpyxl.load_workbook(out)
    assert named_cell(wb, "CDHT_C3_SCORE").value == 7.5
    assert named_cell(wb, "CDHT_C3_EVIDENCE").value == "Báo cáo số 12/BC-MTTQ ngày 10/12/2024"
    assert named_cell(wb, "CDHT_UNIT_UY_BAN_MTTQ_XA_PERSON").value == "Trần Văn C"
    assert named_cell(wb, "CDHT_C10_SCORE").value is None
    before, after = read_stamps(tt44_template), read_stamps(out)
    assert (after["a1"], after["meta"], after["sheets"]) == (before["a1"], before["meta"], before["sheets"])
    with pytest.raises(KeyError):
        fill(tt44_template, tmp_path / "x.xlsx", {"C16_SCORE": 1})


# --------------------------------------------------------------------------- tt25-2023

def test_tt25_sheets_and_the_names_of_its_15_indicators(wb25):
    assert wb25.sheetnames == ["Hướng dẫn", "Văn phòng Đảng ủy xã", "Văn phòng UBND xã", "Nhà trường",
                               "Hội Khuyến học xã", "_cdht"]
    assert wb25["_cdht"].sheet_state == "hidden"
    expected = {item_name(i, f) for i, fields in TT25_NAMES.items() for f in fields}
    assert len(TT25_NAMES) == 15
    assert cdht_names(wb25) == expected
    for item_id, fields in TT25_NAMES.items():
        for field in fields:
            (sheet, _), = destinations(wb25, item_name(item_id, field))
            assert sheet == TT25_OWNER[item_id.split(".")[0]], (item_id, field, sheet)


def test_tt25_validations(wb25):
    result = named_cell(wb25, "CDHT_C1_1_RESULT")
    dv = validation_for(result.parent, result.coordinate)
    assert dv.type == "list" and dv.formula1 == '"Đạt,Không đạt"'
    level = named_cell(wb25, "CDHT_C4_2_LEVEL")
    dv = validation_for(level.parent, level.coordinate)
    assert dv.type == "list"
    options = next(i for i in R.load("tt25-2023").items if i.id == "4.2").options
    assert dv.formula1 == '"' + ",".join(options) + '"'
    assert "Mức độ 3" in dv.formula1
    for name in ("CDHT_C5_1_BASE", "CDHT_C5_1_CITIZENS", "CDHT_C5_2_BASE", "CDHT_C5_2_TRAINED",
                 "CDHT_C5_2_UNIVERSITY"):
        cell = named_cell(wb25, name)
        dv = validation_for(cell.parent, cell.coordinate)
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0"), name
        assert cell.protection.locked is False


def test_tt25_ratio_rows_show_thresholds_and_compute_the_percentage(wb25):
    base = named_cell(wb25, "CDHT_C5_2_BASE")
    ws = base.parent
    rows = {}
    for field in ("TRAINED", "UNIVERSITY"):
        cell = named_cell(wb25, f"CDHT_C5_2_{field}")
        rows[field] = ws.cell(row=cell.row, column=4).value
        formula = ws.cell(row=cell.row, column=8).value
        assert formula == f'=IF(N({base.coordinate})>0,N({cell.coordinate})/N({base.coordinate}),"")'
    assert rows == {"TRAINED": "Mức độ 2 ≥ 60%\nMức độ 1 ≥ 50%", "UNIVERSITY": "Mức độ 2 ≥ 15%\nMức độ 1 ≥ 12%"}
    citizens = named_cell(wb25, "CDHT_C5_1_CITIZENS")
    assert ws.cell(row=citizens.row, column=4).value == "Mức độ 2 ≥ 80%\nMức độ 1 ≥ 60%"


def test_tt25_hard_area_thresholds(tmp_path):
    wb = openpyxl.load_workbook(make_template(tmp_path, rubric="tt25-2023", hard_area=True))
    trained = named_cell(wb, "CDHT_C5_2_TRAINED")
    university = named_cell(wb, "CDHT_C5_2_UNIVERSITY")
    ws = trained.parent
    assert ws.cell(row=trained.row, column=4).value == "Mức độ 2 ≥ 50%\nMức độ 1 ≥ 40%\n(xã vùng khó khăn)"
    assert ws.cell(row=university.row, column=4).value == "Mức độ 2 ≥ 12%\nMức độ 1 ≥ 10%\n(xã vùng khó khăn)"
    citizens = named_cell(wb, "CDHT_C5_1_CITIZENS")
    assert ws.cell(row=citizens.row, column=4).value == "Mức độ 2 ≥ 80%\nMức độ 1 ≥ 60%"


def test_tt25_stamp(tt25_template):
    stamps = read_stamps(tt25_template)
    meta = stamps["meta"]
    assert (meta["rubric_id"], meta["rubric_hash"]) == ("tt25-2023", R.load("tt25-2023").content_hash)
    assert meta["plan"]["hard_area"] is False
    assert list(stamps["a1"]) == list(TT25_OWNER.values())[:3] + ["Hội Khuyến học xã"]
    assert {S.parse_sheet_stamp(t)["template_id"] for t in stamps["a1"].values()} == {meta["template_id"]}


# --------------------------------------------------------------------------- split files

@pytest.mark.parametrize("rid, count", [("tt44-2014", 10), ("tt25-2023", 4)])
def test_split_dir_one_file_per_unit(tmp_path, rid, count):
    split = tmp_path / "từng đơn vị"
    full = make_template(tmp_path, rubric=rid, split_dir=split)
    full_stamps = read_stamps(full)
    full_meta = full_stamps["meta"]
    files = sorted(split.iterdir())
    assert len(files) == count
    units = full_meta["plan"]["units"]
    units = [u for u in units if u["criteria"]]
    assert [f.name for f in files] == [f"{i:02d} - {u['name']} - Đồng Thịnh 2024.xlsx"
                                       for i, u in enumerate(units, start=1)]
    assert not_nfc(f.name for f in files) == []
    full_wb = openpyxl.load_workbook(full)
    for path, unit in zip(files, units):
        wb = openpyxl.load_workbook(path)
        stamps = stamps_openpyxl(wb)
        sheet = unit["sheet"] or unit["name"]
        assert stamps["sheets"] == ["Hướng dẫn", sheet, "_cdht"]
        assert stamps["visibility"]["_cdht"] == "hidden"
        assert stamps["meta"]["template_id"] == full_meta["template_id"]
        assert stamps["meta"]["sheet_units"] == [unit["id"]]
        assert S.parse_sheet_stamp(stamps["a1"][sheet])["template_id"] == full_meta["template_id"]
        assert stamps["a1"][sheet] == full_stamps["a1"][sheet]
        names = cdht_names(wb)
        assert names and {n.split("_")[1].split("_")[0] for n in names} <= {f"C{c}" for c in unit["criteria"]}
        assert {n for n in names} == {n for n in cdht_names(full_wb) if destinations(full_wb, n)[0][0] == sheet}


# --------------------------------------------------------------------------- NFC

def _all_texts(wb):
    yield from wb.sheetnames
    yield from wb.defined_names
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    yield cell.value
        for dv in ws.data_validations.dataValidation:
            yield from (dv.formula1 or "", dv.prompt or "", dv.promptTitle or "", dv.error or "",
                        dv.errorTitle or "")
        yield ws.oddFooter.left.text or ""


@pytest.mark.parametrize("rid", R.BUILTIN_IDS)
def test_text_in_generated_workbooks_is_nfc_even_from_nfd_input(tmp_path, rid):
    path = make_template(tmp_path, rubric=rid, commune=nfd(COMMUNE), district=nfd("Yên Định"),
                         province=nfd("Thanh Hóa"))
    wb = openpyxl.load_workbook(path)
    texts = list(_all_texts(wb))
    assert len(texts) > 100
    assert not_nfc(texts) == []
    meta = read_stamps(path)["meta"]
    assert (meta["commune"], meta["district"], meta["province"]) == (COMMUNE, "Yên Định", "Thanh Hóa")
    props = [wb.properties.title, wb.properties.subject, wb.properties.keywords]
    assert COMMUNE in props[0] and not_nfc(props) == []


# --------------------------------------------------------------------------- stamp text


@settings(max_examples=200, deadline=None)
@given(commune=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
       year=st.integers(2000, 2100))
def test_sheet_stamp_round_trips_any_commune_name(commune, year):
    rubric = R.load("tt44-2014")
    text = S.sheet_stamp("0123456789ab", "hoi-khuyen-hoc-xa", rubric, year, commune)
    parsed = S.parse_sheet_stamp(text)
    assert parsed == {"template_id": "0123456789ab", "unit_id": "hoi-khuyen-hoc-xa", "rubric_id": "tt44-2014",
                      "rubric_version": "1", "rubric_hash": rubric.content_hash, "year": str(year),
                      "commune": commune.replace("|", "/")}

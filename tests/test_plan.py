"""The plan (PRODUCT §3): the seed's default assignment, the plan workbook, and bad plans."""
from __future__ import annotations

import openpyxl
import pytest

from cdht_excel.commune import plan as P
from cdht_excel.commune.plan_sheet import read_plan
from cdht_excel.rules import rubric as R
from support import (COMMUNE, SEED_UNITS_TT44, make_plan, make_template, named_cell, read_stamps, run_cli,
                     validation_for)


def plan_rows(path):
    wb = openpyxl.load_workbook(path)
    ws = wb["Phân công"]
    return wb, ws, {row[0].value: row for row in ws.iter_rows(min_row=2) if row[0].value}


# --------------------------------------------------------------------------- defaults

def test_default_tt44_plan_is_the_seed_assignment():
    plan = P.default_plan(COMMUNE, 2024, R.load("tt44-2014"))
    assert [(u.name, list(u.criteria)) for u in plan.units] == SEED_UNITS_TT44
    assert P.validate(plan, R.load("tt44-2014")) == []


def test_default_tt25_plan_assigns_each_criterion_once_to_seed_units():
    rubric = R.load("tt25-2023")
    plan = P.default_plan(COMMUNE, 2024, rubric)
    seed_names = [name for name, _ in SEED_UNITS_TT44]
    assert all(u.name in seed_names for u in plan.units)
    assigned = [cid for u in plan.units for cid in u.criteria]
    assert sorted(assigned) == ["1", "2", "3", "4", "5"]
    assert {cid: plan.unit_for(cid).name for cid in assigned} == {
        "1": "Văn phòng Đảng ủy xã", "2": "Văn phòng UBND xã",
        "3": "Nhà trường (Trường THCS – Trường tiểu học)", "4": "Nhà trường (Trường THCS – Trường tiểu học)",
        "5": "Hội Khuyến học xã"}
    assert plan.hard_area is False
    assert P.validate(plan, rubric) == []


# --------------------------------------------------------------------------- plan workbook round trip

@pytest.mark.parametrize("rid", R.BUILTIN_IDS)
def test_plan_init_then_read_plan_round_trip(tmp_path, rid):
    path = make_plan(tmp_path, rubric=rid, year=2025, district="Huyện Yên Định", province="Thanh Hóa")
    plan, problems = read_plan(path)
    assert problems == []
    expected = P.default_plan(COMMUNE, 2025, R.load(rid), district="Huyện Yên Định", province="Thanh Hóa")
    assert plan.to_data() == expected.to_data()
    assert plan.rubric == rid
    assert plan.year == 2025 and plan.district == "Huyện Yên Định" and plan.province == "Thanh Hóa"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["Thông tin", "Phân công"]
    assert ("Điểm tối đa" in wb.sheetnames) == (rid == "tt44-2014")


def test_plan_edits_reach_the_template(tmp_path):
    path = make_plan(tmp_path)
    wb, ws, rows = plan_rows(path)
    rows["Văn phòng UBND xã"][3].value = "Nguyễn Văn A, Chánh Văn phòng"
    chair = next(r for r in wb["Thông tin"].iter_rows() if r[0].value == "Chủ tịch UBND xã")
    chair[1].value = "Lê Thị B"
    wb.save(path)
    plan, problems = read_plan(path)
    assert problems == []
    assert plan.units[1].contact == "Nguyễn Văn A, Chánh Văn phòng"
    assert plan.chair == "Lê Thị B"
    template = make_template(tmp_path, plan=path)
    twb = openpyxl.load_workbook(template)
    person = named_cell(twb, "CDHT_UNIT_VAN_PHONG_UBND_XA_PERSON")
    assert person.parent.title == "Văn phòng UBND xã"
    assert person.value == "Nguyễn Văn A, Chánh Văn phòng"
    stamped = read_stamps(template)["meta"]["plan"]
    assert stamped["units"][1]["contact"] == "Nguyễn Văn A, Chánh Văn phòng"
    assert stamped["chair"] == "Lê Thị B"


def test_plan_maxima_reach_the_template(tmp_path):
    path = make_plan(tmp_path, year=2023)
    wb = openpyxl.load_workbook(path)
    ws = wb["Điểm tối đa"]
    for row in ws.iter_rows(min_row=2, max_row=16):
        row[2].value = 10 if int(row[0].value) <= 5 else 5       # 5 × 10 + 10 × 5 = 100
    wb.save(path)
    template = make_template(tmp_path, plan=path)
    twb = openpyxl.load_workbook(template)
    for cid, maximum in (("1", 10), ("5", 10), ("6", 5), ("15", 5)):
        cell = named_cell(twb, f"CDHT_C{cid}_SCORE")
        assert cell.parent.cell(row=cell.row, column=4).value == str(maximum)
        assert float(validation_for(cell.parent, cell.coordinate).formula2) == maximum


def test_plan_maxima_not_summing_to_100_are_refused(tmp_path):
    path = make_plan(tmp_path, year=2023)
    wb = openpyxl.load_workbook(path)
    for row in wb["Điểm tối đa"].iter_rows(min_row=2, max_row=16):
        row[2].value = 10
    wb.save(path)
    code, output = run_cli("template", "--plan", path, "-o", tmp_path / "mau.xlsx")
    assert code == 2
    assert "150" in output and "100" in output
    assert not (tmp_path / "mau.xlsx").exists()


# --------------------------------------------------------------------------- bad plans

def test_criterion_twice_and_criterion_unassigned_are_both_named(tmp_path):
    path = make_plan(tmp_path)
    wb, ws, rows = plan_rows(path)
    rows["Văn phòng Đảng ủy xã"][2].value = "1, 7"     # 7 is also Văn phòng UBND xã's
    rows["Hội Khuyến học xã"][2].value = None          # 9 now belongs to nobody
    wb.save(path)

    plan, problems = read_plan(path)
    assert problems == []
    findings = P.validate(plan, R.load("tt44-2014"))
    by_code = {f.code: f for f in findings}
    assert by_code["plan-criterion-twice"].criterion == "7"
    assert "Văn phòng Đảng ủy xã" in by_code["plan-criterion-twice"].message
    assert "Văn phòng UBND xã" in by_code["plan-criterion-twice"].message
    assert by_code["plan-criterion-unassigned"].criterion == "9"

    out = tmp_path / "mau.xlsx"
    code, output = run_cli("template", "--plan", path, "-o", out)
    assert code == 2
    assert "Tiêu chí 7 được giao cho nhiều đơn vị" in output
    assert "Tiêu chí 9 chưa được giao" in output
    assert "Traceback" not in output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~cdht-")] == []


def test_unknown_criterion_and_duplicate_unit_are_named(tmp_path):
    path = make_plan(tmp_path)
    wb, ws, rows = plan_rows(path)
    rows["Công an xã"][2].value = "15, 16"
    free = ws.max_row + 1
    for col, value in enumerate(["Hội Phụ nữ xã", "", "12"], start=1):
        ws.cell(row=free, column=col).value = value
    wb.save(path)
    code, output = run_cli("template", "--plan", path, "-o", tmp_path / "mau.xlsx")
    assert code == 2
    assert "“16”" in output and "Công an xã" in output
    assert "“Hội Phụ nữ xã” được ghi hai lần" in output


@pytest.mark.parametrize("value, message", [(None, "Năm đánh giá"), ("năm nay", "năm nay")])
def test_missing_or_bad_year_is_refused(tmp_path, value, message):
    path = make_plan(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Thông tin"]
    year_row = next(r for r in ws.iter_rows(min_row=1) if r[0].value == "Năm đánh giá")
    year_row[1].value = value
    wb.save(path)
    code, output = run_cli("template", "--plan", path, "-o", tmp_path / "mau.xlsx")
    assert code == 2
    assert message in output


def test_not_a_plan_is_refused(tmp_path):
    path = tmp_path / "ke-hoach.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(path)
    code, output = run_cli("template", "--plan", path, "-o", tmp_path / "mau.xlsx")
    assert code == 2
    assert "Thông tin" in output and "Phân công" in output


def test_tt25_plan_needs_to_know_the_hard_area(tmp_path):
    path = make_plan(tmp_path, rubric="tt25-2023")
    wb = openpyxl.load_workbook(path)
    ws = wb["Thông tin"]
    row = next(r for r in ws.iter_rows() if r[0].value == "Xã thuộc vùng khó khăn")
    assert row[1].value == "Không"
    row[1].value = None
    wb.save(path)
    code, output = run_cli("template", "--plan", path, "-o", tmp_path / "mau.xlsx")
    assert code == 2
    assert "vùng khó khăn" in output
    row[1].value = "Có"
    wb.save(path)
    template = make_template(tmp_path, plan=path)
    assert read_stamps(template)["meta"]["plan"]["hard_area"] is True

"""Rubrics as data (PRODUCT §2): the two built-ins, export → edit → check, and broken rubrics."""
from __future__ import annotations

import json
import re
import unicodedata

import openpyxl
import pytest

from cdht_excel.rules import rubric as R
from cdht_excel.rules import rubric_sheet as RS
from cdht_excel.rules.rubric_sheet import write_rubric_workbook
from cdht_excel.rules.schemes import has_maxima
from support import LEGAL, TT25_INDICATORS, make_template, named_cell, not_nfc, run_cli, says, validation_for

# Maxima a province could set from the appendix; they sum to 100 (with half points).
MAXIMA = {"1": 7.5, "2": 10, "3": 2.5, "4": 10, "5": 5, "6": 5, "7": 5, "8": 5, "9": 10, "10": 5,
          "11": 5, "12": 10, "13": 5, "14": 10, "15": 5}


def legal_text(name: str) -> str:
    return unicodedata.normalize("NFC", (LEGAL / name).read_text("utf-8"))


def tt44_article3_titles() -> dict[str, str]:
    """Điều 3 of TT 44/2014 as {"1": "Sự lãnh đạo, …", …}, parsed from the verbatim legal text."""
    text = legal_text("tt44-2014.md")
    start = text.index("\nĐiều 3.")
    end = text.index("\nĐiều 4.", start)
    titles = {}
    for line in text[start:end].splitlines():
        m = re.match(r"^(\d+)\.\s+(.+?)\.?\s*$", line)
        if m:
            titles[m.group(1)] = m.group(2)
    return titles


# --------------------------------------------------------------------------- built-in: tt44-2014

def test_tt44_has_the_15_verbatim_titles_of_article_3():
    expected = tt44_article3_titles()
    assert list(expected) == [str(n) for n in range(1, 16)]
    rubric = R.load("tt44-2014")
    assert {c.id: c.title for c in rubric.criteria} == expected
    for c in rubric.criteria:          # a single scored item per criterion, same title, cited
        assert [(i.id, i.kind, i.title) for i in c.items] == [(c.id, "points", c.title)]
        assert f"Điều 3 khoản {c.id}" in c.citation


def test_tt44_points_rules_without_guessed_maxima():
    rubric = R.load("tt44-2014")
    assert rubric.scheme == "points"
    assert rubric.total_max == 100 and rubric.step == 0.5
    assert rubric.evidence_required is True
    # the appendix is not available: no per-criterion maximum is invented
    assert all(c.max is None for c in rubric.criteria)
    assert all(i.max is None for i in rubric.items)
    assert not has_maxima(rubric)
    assert [(k["code"], k["min_total"], k["no_zero_criterion"]) for k in rubric.classes] == [
        ("tot", 85, True), ("kha", 70, True), ("trung-binh", 50, True)]
    assert rubric.fallback_class["code"] == "chua-dat"


@pytest.mark.parametrize("year", [2024, 2025, 2030])
def test_tt44_is_repealed_from_2024_with_a_warning_naming_tt25(year):
    findings = R.load("tt44-2014").status_for_year(year)
    assert [f.code for f in findings] == ["rubric-repealed"]
    assert findings[0].severity == "warning"
    assert "25/2023" in findings[0].message


def test_tt44_has_no_warning_before_2024_and_tt25_none_from_2024():
    assert R.load("tt44-2014").status_for_year(2023) == []
    assert R.load("tt25-2023").status_for_year(2024) == []
    early = R.load("tt25-2023").status_for_year(2023)
    assert [f.code for f in early] == ["rubric-not-yet-in-force"]


# --------------------------------------------------------------------------- built-in: tt25-2023

def test_tt25_has_5_criteria_and_15_indicators():
    rubric = R.load("tt25-2023")
    assert rubric.scheme == "levels"
    assert {c.id: [i.id for i in c.items] for c in rubric.criteria} == TT25_INDICATORS
    assert len(rubric.items) == 15
    kinds = {i.id: i.kind for i in rubric.items}
    assert {k for i, k in kinds.items() if i[0] in "123"} == {"passfail"}
    assert {kinds[i] for i in ("4.1", "4.2", "4.3", "4.4")} == {"level"}
    assert kinds["5.1"] == kinds["5.2"] == "ratio"
    assert [x["code"] for x in rubric.levels] == ["muc-do-2", "muc-do-1"]
    assert all(i.citation.startswith("TT 25/2023/TT-BGDĐT") for i in rubric.items)


def test_tt25_ratio_thresholds_per_level_and_hard_area():
    rubric = R.load("tt25-2023")
    by_item = {i.id: i for i in rubric.items}
    counts = {(i, c.field): c for i in ("5.1", "5.2") for c in by_item[i].counts}
    assert set(counts) == {("5.1", "CITIZENS"), ("5.2", "TRAINED"), ("5.2", "UNIVERSITY")}
    assert by_item["5.1"].base[0] == by_item["5.2"].base[0] == "BASE"

    def table(key, hard):
        return (counts[key].threshold(1, hard), counts[key].threshold(2, hard))

    assert table(("5.1", "CITIZENS"), False) == table(("5.1", "CITIZENS"), True) == (60, 80)
    assert table(("5.2", "TRAINED"), False) == (50, 60)
    assert table(("5.2", "TRAINED"), True) == (40, 50)
    assert table(("5.2", "UNIVERSITY"), False) == (12, 15)
    assert table(("5.2", "UNIVERSITY"), True) == (10, 12)


def test_tt25_thresholds_match_the_legal_text():
    text = legal_text("tt25-2023.md")
    rubric = R.load("tt25-2023")
    # Điều 6 khoản 5 (level 1) and Điều 7 khoản 5 (level 2), as bold numbers in the verbatim text
    level1 = [int(n) for n in re.findall(r"\*\*(\d+)%\*\*", _paragraph(text, "- a) Chỉ tiêu 1: Có ít nhất **"))]
    level2 = [int(n) for n in re.findall(r"\*\*(\d+)%\*\*", _paragraph(text, "> a) Chỉ tiêu 1: Có ít nhất **"))]
    counts = {c.field: c for i in rubric.items if i.kind == "ratio" for c in i.counts}
    for level, numbers in ((1, level1), (2, level2)):
        assert numbers == [counts["CITIZENS"].min_percent[level], counts["TRAINED"].min_percent[level],
                           counts["UNIVERSITY"].min_percent[level], counts["TRAINED"].min_percent_hard_area[level],
                           counts["UNIVERSITY"].min_percent_hard_area[level]]


def _paragraph(text: str, start: str) -> str:
    i = text.index(start)
    lines = text[i:].splitlines()
    return "\n".join(lines[:2])        # indicator 1 and indicator 2 of criterion 5


def test_builtin_rubric_text_is_nfc():
    for rid in R.BUILTIN_IDS:
        data = R.builtin_data(rid)
        texts = re.findall(r'"((?:[^"\\]|\\.)*)"', json.dumps(data, ensure_ascii=False))
        assert not_nfc(texts) == []


# --------------------------------------------------------------------------- export → import

@pytest.mark.parametrize("rid", R.BUILTIN_IDS)
def test_export_import_round_trip_keeps_the_content_hash(tmp_path, rid):
    original = R.load(rid)
    path = tmp_path / f"{rid}.xlsx"
    write_rubric_workbook(original, path)
    back = RS.load(path)
    assert back.data == original.data
    assert back.content_hash == original.content_hash


@pytest.mark.parametrize("rid", R.BUILTIN_IDS)
def test_cli_export_then_check_passes(tmp_path, rid):
    for suffix in (".xlsx", ".json"):
        out = tmp_path / f"r{suffix}"
        code, output = run_cli("rubric", "export", rid, "-o", out)
        assert code == 0, output
        code, output = run_cli("rubric", "check", out)
        assert code == 0, output
        assert R.load(rid).content_hash in output
        assert RS.load(out).content_hash == R.load(rid).content_hash


def test_editing_a_title_changes_the_hash(tmp_path):
    path = tmp_path / "r.xlsx"
    assert run_cli("rubric", "export", "tt44-2014", "-o", path)[0] == 0
    wb = openpyxl.load_workbook(path)
    wb["Tiêu chí"]["B2"] = "Sự lãnh đạo của cấp ủy"
    wb.save(path)
    assert RS.load(path).content_hash != R.load("tt44-2014").content_hash


def test_rubric_list_names_both_builtins():
    code, output = run_cli("rubric", "list")
    assert code == 0
    assert "tt44-2014 (mặc định)" in output and "tt25-2023" in output


# --------------------------------------------------------------------------- custom maxima

def export_with_maxima(tmp_path, maxima=MAXIMA, name="r.xlsx"):
    """`cdht rubric export tt44-2014`, then maxima typed into the "Tiêu chí" sheet as in Excel."""
    path = tmp_path / name
    code, output = run_cli("rubric", "export", "tt44-2014", "-o", path)
    assert code == 0, output
    wb = openpyxl.load_workbook(path)
    ws = wb["Tiêu chí"]
    assert [c.value for c in ws[1]][:3] == ["Mã tiêu chí", "Tên tiêu chí", "Điểm tối đa"]
    for row in ws.iter_rows(min_row=2):
        cid = str(row[0].value)
        if cid in maxima:
            value = maxima[cid]
            # one cell typed as text with a decimal comma, as in Excel with an English locale
            row[2].value = "7,5" if value == 7.5 else value
    wb.save(path)
    return path


def test_rubric_with_maxima_summing_to_100_passes_check(tmp_path):
    path = export_with_maxima(tmp_path)
    code, output = run_cli("rubric", "check", path)
    assert code == 0, output
    assert "Điểm tối đa từng tiêu chí đã đủ" in output
    rubric = RS.load(path)
    assert has_maxima(rubric)
    assert {c.id: c.max for c in rubric.criteria} == MAXIMA


def test_template_with_custom_maxima_shows_and_validates_them(tmp_path):
    path = export_with_maxima(tmp_path)
    template = make_template(tmp_path, rubric=path, year=2023)
    wb = openpyxl.load_workbook(template)
    for cid, maximum in MAXIMA.items():
        score = named_cell(wb, f"CDHT_C{cid}_SCORE")
        ws = score.parent
        assert ws.cell(row=score.row, column=2).value == cid
        shown = ws.cell(row=score.row, column=4).value           # column D: "Điểm tối đa"
        assert shown.replace(",", ".") == f"{maximum:g}", (cid, shown)
        dv = validation_for(ws, score.coordinate)
        assert dv is not None and dv.type == "decimal"
        assert float(dv.formula1) == 0
        assert float(dv.formula2) == maximum, (cid, dv.formula2)
    header_row = next(r for r in range(1, score.row) if ws.cell(row=r, column=2).value == "Mã")
    assert ws.cell(row=header_row, column=4).value == "Điểm tối đa"
    # the stamp carries the edited rubric, so merge later uses these maxima
    from support import read_stamps
    meta = read_stamps(template)["meta"]
    assert meta["rubric_hash"] == RS.load(path).content_hash != R.load("tt44-2014").content_hash
    assert {c["id"]: c["max"] for c in meta["rubric"]["criteria"]} == MAXIMA


def test_partial_maxima_are_an_error(tmp_path):
    path = export_with_maxima(tmp_path, maxima={"1": 50, "2": 50})
    code, output = run_cli("rubric", "check", path)
    assert code == 2
    assert "2/15" in output


# --------------------------------------------------------------------------- broken rubrics

def test_broken_points_rubric_lists_every_error(tmp_path):
    path = export_with_maxima(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Tiêu chí"]
    rows = {str(r[0].value): r for r in ws.iter_rows(min_row=2)}
    rows["15"][0].value = "14"        # duplicate id
    rows["1"][2].value = 57.5         # maxima now sum to 150
    rows["4"][3].value = None         # criterion 4 without its citation
    wb.save(path)

    code, output = run_cli("rubric", "check", path)
    assert code == 2
    assert "Mã “14” bị trùng" in output
    assert "150" in output and "(100)" in output
    assert "“Tiêu chí 4” thiếu căn cứ" in output
    with pytest.raises(R.RubricError) as err:
        RS.load(path)
    codes = {f.code for f in err.value.findings}
    assert {"rubric-duplicate-id", "rubric-maxima-sum", "rubric-missing-citation"} <= codes
    assert all(f.severity == "error" for f in err.value.findings)


def test_broken_levels_rubric_lists_every_error(tmp_path):
    path = tmp_path / "r25.xlsx"
    assert run_cli("rubric", "export", "tt25-2023", "-o", path)[0] == 0
    wb = openpyxl.load_workbook(path)
    ratios = wb["Tỷ lệ"]
    header = [c.value for c in ratios[1]]
    p1, p2 = header.index("Ngưỡng % mức độ 1"), header.index("Ngưỡng % mức độ 2")
    for row in ratios.iter_rows(min_row=2):
        if row[2].value == "TRAINED":
            row[p1].value, row[p2].value = 70, 60          # level 2 below level 1
    items = wb["Nội dung"]
    head = [c.value for c in items[1]]
    col_id, col_cite = head.index("Mã nội dung"), head.index("Căn cứ")
    for row in items.iter_rows(min_row=2):
        if row[col_id].value == "1.3":
            row[col_id].value = "1.2"                      # duplicate indicator id
        if row[col_id].value == "3.1":
            row[col_cite].value = ""                       # missing citation
    wb.save(path)

    code, output = run_cli("rubric", "check", path)
    assert code == 2
    assert "TRAINED" in output and "mức độ 2 (60%) thấp hơn mức độ 1 (70%)" in output
    assert "Mã “1.2” bị trùng" in output
    assert "“Nội dung 3.1” thiếu căn cứ" in output
    assert "Traceback" not in output


def test_template_refuses_a_broken_rubric(tmp_path):
    path = export_with_maxima(tmp_path, maxima={**MAXIMA, "1": 20})
    out = tmp_path / "mau.xlsx"
    code, output = run_cli("template", "--rubric", path, "--commune", "Đồng Thịnh", "--year", 2023, "-o", out)
    assert code == 2
    assert "112,5" in output
    assert not out.exists()


def test_check_of_a_missing_file_or_not_a_rubric(tmp_path):
    code, output = run_cli("rubric", "check", tmp_path / "khong-co.xlsx")
    assert code == 2 and "khong-co.xlsx" in output
    bogus = tmp_path / "not-a-rubric.xlsx"
    bogus.write_bytes(b"PK\x03\x04 not really a zip")
    code, output = run_cli("rubric", "check", bogus)
    assert code == 2 and says(output, "rubric-unreadable") and "Traceback" not in output

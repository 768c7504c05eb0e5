"""Every workbook the tool writes prints on A4 (issue 13): page set-up, rows that grow, LibreOffice → PDF.

Set-up is read back with openpyxl; rendering goes through LibreOffice (``soffice --convert-to pdf``)
and poppler (``pdfinfo``, ``pdftotext``): pages are A4, each unit form is one landscape page with the
sample's evidence, and every word of every printed text cell is in the PDF (nothing clipped away).
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess

import openpyxl
import pytest
from rendering import (
    assert_a4_one_page_wide,
    custom_height_rows,
    is_a4,
    missing_words,
    pdf_page_sizes,
    pdf_text,
    render_pdfs,
)
from support import COMMUNE, REPO, fill, make_template, require, run_cli

from cdht_excel.rules.contract import COL, FIRST_ITEM_ROW, HEADER_ROW, INSTRUCTIONS_SHEET
from cdht_excel.rules import findings as F

UNO_PYTHON = "/usr/bin/python3"


def load_samples():
    spec = importlib.util.spec_from_file_location("make_samples", REPO / "samples" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def samples():
    return load_samples()


@pytest.fixture(scope="module")
def filled_forms(tmp_path_factory, samples):
    """The commune's whole template for both rubrics, filled with the samples' values (normal evidence)."""
    tmp = tmp_path_factory.mktemp("filled-forms")
    tt44 = fill(make_template(tmp, "tt44-2014", 2024), tmp / "tt44.xlsx", samples.tt44_values(),
                only_existing=True)
    plan25 = samples.tt25_plan()
    tt25 = fill(make_template(tmp, "tt25-2023", 2025, hard_area=False), tmp / "tt25.xlsx",
                samples.tt25_values(plan=plan25), only_existing=True)
    return {"tt44": tt44, "tt25": tt25}


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plans")
    out = {}
    for rubric, year, extra in (("tt44-2014", 2024, []), ("tt25-2023", 2025, ["--no-hard-area"])):
        path = tmp / f"ke-hoach-{rubric}.xlsx"
        code, output = run_cli("plan", "init", "--commune", COMMUNE, "--year", year, "--rubric", rubric,
                               *extra, "-o", path)
        assert code == 0, output
        out[rubric] = path
    return out


# --------------------------------------------------------------------------- page set-up (openpyxl)

@pytest.mark.parametrize("rubric", ["tt44-2014", "tt25-2023"])
def test_template_sheets_are_a4_one_page_wide(tmp_path, rubric):
    path = make_template(tmp_path, rubric, 2025)
    setups = assert_a4_one_page_wide(path)
    assert setups.pop(INSTRUCTIONS_SHEET)["orientation"] == "portrait"
    for name, setup in setups.items():
        assert setup["orientation"] == "landscape", name
        assert setup["title_rows"] == f"{HEADER_ROW + 1}:{HEADER_ROW + 1}", name   # the column headings


def test_plan_sheets_are_a4_one_page_wide_with_repeated_headings(plans):
    from cdht_excel.commune.plan_sheet import INFO_SHEET, MAXIMA_SHEET, UNITS_SHEET
    setups = assert_a4_one_page_wide(plans["tt44-2014"])
    assert set(setups) == {INFO_SHEET, UNITS_SHEET, MAXIMA_SHEET}
    assert setups[INFO_SHEET]["orientation"] == setups[UNITS_SHEET]["orientation"] == "landscape"
    assert setups[MAXIMA_SHEET]["orientation"] == "portrait"
    assert setups[UNITS_SHEET]["title_rows"] == setups[MAXIMA_SHEET]["title_rows"] == "1:1"
    assert set(assert_a4_one_page_wide(plans["tt25-2023"])) == {INFO_SHEET, UNITS_SHEET}


def test_plan_is_still_read_back_after_its_print_set_up(plans):
    from cdht_excel.commune.plan_sheet import read_plan
    plan, problems = read_plan(plans["tt44-2014"])
    assert problems == [] and plan.commune == COMMUNE and len(plan.units) == 10


# --------------------------------------------------------------------------- rows that grow

def test_unit_rows_people_fill_have_a_height_but_no_fixed_height(tmp_path):
    path = make_template(tmp_path)
    wb = openpyxl.load_workbook(path)
    first_unit = wb.sheetnames.index(INSTRUCTIONS_SHEET) + 2           # sheetN.xml is 1-based
    ws = wb.worksheets[first_unit - 1]
    input_rows = [c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("C")
                  and c.row > HEADER_ROW + 1]
    assert input_rows
    custom = custom_height_rows(path, first_unit)
    for row in input_rows:
        assert row in custom and custom[row] is False, (row, custom)   # a height, free to grow
    assert custom[HEADER_ROW + 1] is True                            # the headings keep theirs


def test_evidence_row_grows_when_lines_are_typed_in_libreoffice(tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    probe = subprocess.run([UNO_PYTHON, "-c", "import uno"], check=False, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("python3-uno is not installed")
    path = make_template(tmp_path)
    wb = openpyxl.load_workbook(path)
    sheet = wb.sheetnames[1]
    row = FIRST_ITEM_ROW
    proc = subprocess.run([UNO_PYTHON, str(REPO / "tests" / "lo_type_lines.py"), str(path), sheet, str(row),
                           str(COL["EVIDENCE"]), "6"], check=False, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["optimal_before"] is True, result
    assert result["after"] > 3 * result["before"], result


def test_fill_grows_the_row_as_excel_does(tmp_path, samples):
    path = fill(make_template(tmp_path), tmp_path / "filled.xlsx", samples.tt44_values(), only_existing=True)
    ws = openpyxl.load_workbook(path).worksheets[1]
    evidence = [c for c in ws[chr(ord("A") + COL["EVIDENCE"])] if isinstance(c.value, str) and "\n" in c.value]
    assert evidence
    for cell in evidence:
        assert ws.row_dimensions[cell.row].height >= 15 * (cell.value.count("\n") + 1), cell.coordinate


# --------------------------------------------------------------------------- rendering (LibreOffice → PDF)

@pytest.fixture(scope="module")
def rendered(tmp_path_factory, filled_forms, plans):
    sources = [filled_forms["tt44"], filled_forms["tt25"], plans["tt44-2014"], plans["tt25-2023"]]
    pdfs = require(render_pdfs(sources, tmp_path_factory.mktemp("pdf")))
    return dict(zip(sources, pdfs))


def visible_sheet_count(path) -> int:
    return sum(ws.sheet_state == "visible" for ws in openpyxl.load_workbook(path, read_only=True).worksheets)


@pytest.mark.parametrize("rubric", ["tt44", "tt25"])
def test_each_filled_unit_form_prints_on_one_a4_landscape_page(rendered, filled_forms, rubric):
    source = filled_forms[rubric]
    pages = pdf_page_sizes(rendered[source])
    assert len(pages) == visible_sheet_count(source), pages      # instructions + one page per unit
    assert is_a4(pages[0], landscape=False)
    assert all(is_a4(size, landscape=True) for size in pages[1:]), pages


@pytest.mark.parametrize("rubric", ["tt44-2014", "tt25-2023"])
def test_plan_prints_one_page_per_sheet(rendered, plans, rubric):
    pages = pdf_page_sizes(rendered[plans[rubric]])
    assert len(pages) == visible_sheet_count(plans[rubric]), pages
    assert all(is_a4(size) for size in pages)


def test_no_printed_value_is_clipped(rendered):
    for source, pdf in rendered.items():
        assert missing_words(source, pdf_text(pdf)) == [], source.name


def test_the_clipping_check_sees_a_clipped_value(tmp_path, filled_forms):
    """The check above can fail: a row squeezed to one line loses its evidence in the PDF."""
    wb = openpyxl.load_workbook(filled_forms["tt44"])
    ws = wb.worksheets[1]
    cell = next(c for c in ws[chr(ord("A") + COL["EVIDENCE"])] if isinstance(c.value, str) and "\n" in c.value)
    ws.row_dimensions[cell.row].height = 15
    squeezed = tmp_path / "squeezed.xlsx"
    wb.save(squeezed)
    pdf = require(render_pdfs([squeezed], tmp_path / "pdf"))[0]
    assert any(coord == cell.coordinate for _, coord, _ in missing_words(squeezed, pdf_text(pdf)))



# --------------------------------------------------------------------------- saved times, readable

CO_LOI = REPO / "samples" / "dong-thinh-2024-co-loi"


@pytest.mark.parametrize("name, fmt", [("Nhà trường - TC 4, 5, 6 (THCS+TH).xls", "xls"),
                                       ("Khuyen hoc TC9_2024.ods", "ods"),
                                       ("Hội ND - tiêu chí 8.xlsx", "xlsx")])
def test_every_format_gives_its_saved_time(name, fmt):
    from cdht_excel.reading.book import Input
    from cdht_excel.reading.read import read_workbook
    book = read_workbook(Input(CO_LOI / name, name))
    assert book.format == fmt
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?", book.modified), book.modified
    assert book.modified_by or fmt == "xls", name


def test_xls_saved_time_and_author_come_from_its_summary_information():
    from cdht_excel.reading.book import Input
    from cdht_excel.reading.read import read_workbook
    name = "Nhà trường - TC 4, 5, 6 (THCS+TH).xls"
    book = read_workbook(Input(CO_LOI / name, name))
    import olefile
    with olefile.OleFileIO(str(CO_LOI / name)) as ole:       # independent reading of the same stream
        meta = ole.get_metadata()
    assert book.modified == meta.last_saved_time.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("stamp, zone, shown", [
    ("2024-12-10T01:00:00Z", "Asia/Ho_Chi_Minh", "10/12/2024 08:00"),        # .xlsx, .xls: UTC
    ("2024-12-10T08:00:00.466021797", "Asia/Ho_Chi_Minh", "10/12/2024 08:00"),   # .ods: local already
    ("2024-12-10T08:00:00.466021797", "UTC", "10/12/2024 08:00"),
    ("2024-12-31T20:30:00Z", "Asia/Ho_Chi_Minh", "01/01/2025 03:30"),
    ("không rõ", "UTC", "không rõ"), ("", "UTC", ""),
])
def test_saved_times_are_local_and_readable(monkeypatch, stamp, zone, shown):
    import time

    from cdht_excel.text import local_datetime
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        assert local_datetime(stamp) == shown
    finally:
        monkeypatch.undo()
        time.tzset()


def test_samples_plans_and_templates_are_a4():
    for path in sorted((REPO / "samples").glob("*.xlsx")):
        assert_a4_one_page_wide(path)


# --------------------------------------------------------------------------- README pictures

PICTURES = ["phieu-don-vi.png", "tong-hop.png", "to-trinh.png"]


@pytest.mark.parametrize("name", PICTURES)
def test_readme_shows_each_picture_and_it_is_small(name):
    path = REPO / "docs" / "pictures" / name
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size <= 150_000
    assert f"(docs/pictures/{name})" in (REPO / "README.md").read_text("utf-8")


# --------------------------------------------------------------------------- terminal

def _screen_part(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("Cần sửa trước:", "Cảnh báo:")))
    return [line for line in lines[start:] if not line.startswith(("Đã ghi", "[Lỗi]", "[Cảnh báo]"))]


def test_merge_prints_errors_with_hints_grouped_then_warnings_with_their_text(tmp_path):
    import json as _json

    from cdht_excel.outputs.terminal import SCREEN_FINDINGS
    code, output = run_cli("merge", CO_LOI, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    assert code == 1, output
    report = _json.loads((tmp_path / "t.json").read_text("utf-8"))
    errors = [f for f in report["findings"] if f["severity"] == "error" and f["code"] != "incomplete"]
    shown = _screen_part(output)
    assert shown[0] == "Cần sửa trước:"
    assert sum(1 for line in shown if line.lstrip().startswith("- ")) <= SCREEN_FINDINGS, output
    for f in errors[:5]:
        message, hint = F.said(f, F.TERMINAL)
        at = next(i for i, line in enumerate(shown) if message.split("\n")[0] in line)
        assert any(line.strip() == f"→ {hint}" for line in shown[at + 1:at + 6]), f["code"]   # its hint below it
    first_warning = shown.index("Cảnh báo:") if "Cảnh báo:" in shown else len(shown)
    assert all(line.startswith("  ") for line in shown[1:first_warning])          # grouped, indented
    for unit in {f["unit"] for f in errors[:3] if f.get("unit")}:
        assert any(line.strip().startswith(unit) and line.endswith(":") for line in shown), unit
    if len(report["findings"]) > len([x for x in shown if x.lstrip().startswith("- ")]):
        assert shown[-1].startswith("… và ") and "xem trang “Phát hiện”" in shown[-1]


def test_readme_command_1_prints_its_warning_text(tmp_path):
    from cdht_excel.rules import findings as F
    code, output = run_cli("merge", REPO / "samples" / "dong-thinh-2024", "-o", tmp_path / "t.xlsx")
    assert code == 0, output
    warning = F.CATALOGUE["rubric-repealed"][1].split("{")[1].split("}")[1][:30]   # catalogue text, not retyped
    assert "Cảnh báo:" in output and warning in output, output


def test_a_long_list_is_cut_to_a_screen_with_the_count_of_the_rest():
    from cdht_excel.outputs.terminal import SCREEN_FINDINGS, findings_lines
    findings = [{"severity": "error", "code": "value-empty", "message": f"Ô {i} còn trống.", "hint": "Điền ô.",
                 "unit": f"Đơn vị {i % 3}", "file": f"tệp {i % 3}.xlsx"} for i in range(40)]
    findings += [{"severity": "warning", "code": "rubric-repealed", "message": "Cũ.", "hint": "Mới."}]
    lines = findings_lines(findings)
    shown = sum(1 for line in lines if line.lstrip().startswith("- "))
    assert shown == SCREEN_FINDINGS
    assert lines[-1] == f"… và {41 - shown} phát hiện khác — xem trang “Phát hiện”."


# --------------------------------------------------------------------------- every other workbook the tool writes

@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The samples' outputs: summaries (TT 44 clean and with problems, TT 25), a district workbook and its
    check form, a rubric export."""
    tmp = tmp_path_factory.mktemp("outputs")
    out = {}
    for name, folder in (("tt44", "dong-thinh-2024"), ("co-loi", "dong-thinh-2024-co-loi"),
                         ("tt25", "dong-thinh-2025-tt25")):
        code, output = run_cli("merge", REPO / "samples" / folder, "-o", tmp / f"{name}.xlsx")
        assert code in (0, 1), output
        out[name] = tmp / f"{name}.xlsx"
    communes = tmp / "xa"
    communes.mkdir()
    shutil.copy(out["tt44"], communes / "dong-thinh.xlsx")
    code, output = run_cli("district", communes, "-o", tmp / "huyen.xlsx", "--check-form", tmp / "kiem-tra.xlsx")
    assert code in (0, 1), output
    out["district"], out["check-form"] = tmp / "huyen.xlsx", tmp / "kiem-tra.xlsx"
    code, output = run_cli("rubric", "export", "tt25-2023", "-o", tmp / "bo-tieu-chi.xlsx")
    assert code == 0, output
    out["rubric"] = tmp / "bo-tieu-chi.xlsx"
    return out


@pytest.mark.parametrize("name", ["tt44", "co-loi", "tt25", "district", "check-form", "rubric"])
def test_every_visible_sheet_is_a4_one_page_wide(written, name):
    assert_a4_one_page_wide(written[name])


def test_finding_rows_lead_with_a_vietnamese_title_and_end_with_the_code(written):
    from cdht_excel.rules import findings as F
    ws = openpyxl.load_workbook(written["co-loi"])["Phát hiện"]
    heads = [c.value for c in ws[1]]
    assert heads[0] == "Vấn đề" and heads[-1] == "Mã"
    assert ws.column_dimensions["A"].width > ws.column_dimensions[ws.cell(1, len(heads)).column_letter].width
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows
    for row in rows:
        assert row[0] == F.TITLES[row[-1]], row


def test_every_catalogue_code_has_a_short_title():
    from cdht_excel.rules import findings as F
    missing = sorted(set(F.CATALOGUE) - set(F.TITLES))
    assert not missing, f"add a short Vietnamese title for {missing} in findings.TITLES"
    assert all(0 < len(t) <= 40 for t in F.TITLES.values())


def test_units_sheet_shows_local_readable_saved_times(written):
    ws = openpyxl.load_workbook(written["co-loi"])["Đơn vị"]
    heads = [c.value for c in ws[1]]
    col = heads.index("Lưu lần cuối")
    times = [row[col] for row in ws.iter_rows(min_row=2, values_only=True) if row[col]]
    assert len(times) >= 8
    assert all(re.fullmatch(r"\d\d/\d\d/20\d\d \d\d:\d\d", t) for t in times), times


def test_tt25_ratios_read_as_in_the_dossier(written):
    ws = openpyxl.load_workbook(written["tt25"])["Tiêu chí"]
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(re.fullmatch(r"[\d.]+/[\d.]+ \([\d,]+%\)(; [\d.]+/[\d.]+ \([\d,]+%\))*", t) for t in texts), texts
    assert not any("BASE" in t or "CITIZENS" in t for t in texts)


@pytest.fixture(scope="module")
def written_pdfs(tmp_path_factory, written):
    names = ["tt44", "co-loi", "tt25", "district"]
    pdfs = require(render_pdfs([written[n] for n in names], tmp_path_factory.mktemp("outputs-pdf")))
    return dict(zip(names, pdfs))


@pytest.mark.parametrize("name", ["tt44", "co-loi", "tt25", "district"])
def test_outputs_render_on_a4_with_no_value_clipped(written, written_pdfs, name):
    pdf = written_pdfs[name]
    assert all(is_a4(size) for size in pdf_page_sizes(pdf))
    assert missing_words(written[name], pdf_text(pdf)) == [], name


def test_score_sheet_prints_the_class_whole(written, written_pdfs):
    text = pdf_text(written_pdfs["co-loi"])
    assert "Chưa xếp loại" in text

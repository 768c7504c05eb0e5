"""Layout faults of the documents and commune outputs (issue 20, item 7), checked in the .docx and, where
only a renderer can tell (wrapping, page breaks), in LibreOffice's PDF read back with `pdftotext -layout`.

- the commune biên bản: the class alone in its table row, why it is undecided in a full-width paragraph, never
  a row taller than a page pushed alone onto the next one;
- "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" on one line in every document, the district ones included;
- "DỰ THẢO" said once in a document and in a file name;
- file names keep their Vietnamese (NFC) diacritics, "cấp trên" included;
- headlines name the rubric ("Thông tư 44/2014/TT-BGDĐT"), never its code ("tt44-2014");
- levels listed the higher first, as the classes are (Mức độ 2, Mức độ 1);
- the TT 25 unit form names the levels in words ("Mức độ 2", never "MĐ2"), each line whole on the A4 page;
- an undecided result in the tờ trình, báo cáo (and TT 25 bản tổng hợp, biên bản): the class in a few words,
  why it is undecided in a paragraph of its own;
- the district's place-and-date line on one line when no place is set.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import docx
import openpyxl
import pytest

from cdht_excel.text import FILE_FORBIDDEN
from commune import merge
from support import REPO, make_template, require, soffice_convert_many
from test_district import district
from test_district_check import _inbox, fill_form, same_as_self

SAMPLES = REPO / "samples"
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
RUBRIC_CODE = re.compile(r"\btt\d\d-\d{4}\b", re.IGNORECASE)
LISTED_LEVEL = re.compile(r"(?<!– )(?<!: )mức độ (\d)(?=[:;,.)]| –| ≥| và|$)")


def texts(path) -> list[str]:
    """Every paragraph of the document, in the body and in its table cells."""
    document = docx.Document(str(path))
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                out += [p.text for p in cell.paragraphs]
    return out


def cell_texts(path) -> list[str]:
    document = docx.Document(str(path))
    return [cell.text for table in document.tables for row in table.rows for cell in row.cells]


def pdf_pages(pdf: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")


def rendered(paths, outdir) -> dict[str, list[str]]:
    """{docx name: the text of each page of its PDF}."""
    pdfs = require(soffice_convert_many(paths, "pdf", outdir))
    return {Path(p).name: pdf_pages(pdf) for p, pdf in zip(paths, pdfs)}


@pytest.fixture(scope="module")
def commune_docs(tmp_path_factory):
    """The commune dossiers of the samples: the set with errors (a draft, undecided) and the TT 25 set."""
    tmp = tmp_path_factory.mktemp("commune-docs")
    out = {}
    for name in ("dong-thinh-2024-co-loi", "dong-thinh-2025-tt25"):
        docs = tmp / name
        merge(SAMPLES / name, out=tmp / f"{name}.xlsx", extra=["--docs", docs])
        out[name] = (sorted(docs.glob("*.docx")), tmp / f"{name}.xlsx")
    return out


@pytest.fixture(scope="module")
def district_docs(tmp_path_factory):
    """District dossiers: TT 44 checked (clean), TT 44 unchecked (draft), TT 25 of communes without a district."""
    tmp = tmp_path_factory.mktemp("district-docs")
    names = ("An Bình", "Bình Minh")
    checked_dir = tmp / "checked"
    checked_dir.mkdir()
    inbox = _inbox(checked_dir, names=names)
    form = checked_dir / "phieu.xlsx"
    district(inbox, tmp_path=checked_dir, extra=("--check-form", form))
    values = {}
    for name in names:
        values.update(same_as_self(f"xã {name}"))
    filled = fill_form(form, checked_dir / "da-kiem-tra.xlsx", values)
    clean = tmp / "ho-so-sach"
    district(inbox, tmp_path=checked_dir, extra=("--checked", filled, "--docs", clean))
    draft = tmp / "ho-so-du-thao"
    district(inbox, tmp_path=checked_dir, extra=("--docs", draft))
    tt25_dir = tmp / "tt25"
    tt25_dir.mkdir()
    merge(SAMPLES / "dong-thinh-2025-tt25", out=tt25_dir / "tong-hop-xa.xlsx")
    tt25 = tmp / "ho-so-tt25"
    district(tt25_dir / "tong-hop-xa.xlsx", tmp_path=tt25_dir, extra=("--docs", tt25))
    return {"clean": sorted(clean.glob("*.docx")), "draft": sorted(draft.glob("*.docx")),
            "tt25": sorted(tt25.glob("*.docx"))}


# --------------------------------------------------------------------------- the biên bản's class and reason

def test_the_bien_ban_shows_the_class_in_its_row_and_the_reason_full_width(commune_docs):
    paths, _ = commune_docs["dong-thinh-2024-co-loi"]
    [bien_ban] = [p for p in paths if "Biên bản" in p.name]
    cells = cell_texts(bien_ban)
    assert "Chưa xác định được" in cells
    assert not [c for c in cells if "thiếu dữ liệu tiêu chí 14" in c]      # no reason squeezed into a cell
    reasons = [t for t in docx.Document(str(bien_ban)).paragraphs if t.text.startswith("Lý do chưa xác định")]
    assert len(reasons) == 1 and "thiếu dữ liệu tiêu chí 14" in reasons[0].text


def test_the_bien_ban_reason_is_not_alone_on_a_page(commune_docs, tmp_path):
    paths, _ = commune_docs["dong-thinh-2024-co-loi"]
    [bien_ban] = [p for p in paths if "Biên bản" in p.name]
    pages = rendered([bien_ban], tmp_path)[bien_ban.name]
    [total_page] = [n for n, page in enumerate(pages) if "Tổng số điểm" in page]
    [class_page] = [n for n, page in enumerate(pages) if re.search(r"Xếp loại\s+Chưa xác định được", page)]
    assert class_page == total_page, pages[class_page]
    [reason_page] = [n for n, page in enumerate(pages) if "Lý do chưa xác định được xếp loại" in page]
    others = [line for line in pages[reason_page].splitlines() if line.strip()]
    assert any("Tổng số điểm" in line or "KẾT LUẬN" in line for line in others), pages[reason_page]
    longest = max(len(line.split()) for line in pages[reason_page].splitlines() if "Lý do" in line)
    assert longest >= 8                         # full width, not a narrow column of two-word lines


# --------------------------------------------------------------------------- the motto on one line

def test_the_motto_is_on_one_line_in_every_document(commune_docs, district_docs, tmp_path):
    paths = [p for name in commune_docs for p in commune_docs[name][0]]
    paths += district_docs["draft"] + district_docs["tt25"]
    pages = rendered(paths, tmp_path)
    for name, text in pages.items():
        assert MOTTO in text[0], (name, text[0][:600])


def test_the_header_leaves_the_motto_room_in_the_docx(district_docs, commune_docs):
    """The right header cell is at least 10 cm wide (the motto is about 9,6 cm in 13 pt bold)."""
    for path in district_docs["draft"] + commune_docs["dong-thinh-2025-tt25"][0]:
        document = docx.Document(str(path))
        cell = next(c for t in document.tables for row in t.rows for c in row.cells if c.text.startswith(MOTTO))
        assert cell.width.cm >= 10 - 0.01, (path.name, cell.width.cm)


# --------------------------------------------------------------------------- DỰ THẢO once

def test_a_draft_says_du_thao_once_in_the_document_and_in_its_name(commune_docs, district_docs):
    drafts = commune_docs["dong-thinh-2024-co-loi"][0] + district_docs["draft"] + district_docs["tt25"]
    assert drafts
    for path in drafts:
        assert path.name.casefold().count("dự thảo") == 1, path.name
        assert path.name.startswith("DỰ THẢO - "), path.name
        body = "\n".join(texts(path))
        assert body.count("DỰ THẢO") == 1, (path.name, [t for t in texts(path) if "DỰ THẢO" in t])
    decision = [p for p in district_docs["draft"] if "Quyết định" in p.name]
    assert [p.name for p in decision] == ["DỰ THẢO - Quyết định công nhận - huyện Đồng Hỷ - 2024.docx"]


def test_a_clean_district_dossier_marks_only_the_decision_as_a_draft(district_docs):
    names = [p.name for p in district_docs["clean"]]
    assert "Dự thảo quyết định công nhận - huyện Đồng Hỷ - 2024.docx" in names
    for path in district_docs["clean"]:
        count = "\n".join(texts(path)).count("DỰ THẢO")
        assert count == (1 if "quyết định" in path.name else 0), path.name


# --------------------------------------------------------------------------- file names

def test_file_names_keep_their_vietnamese_diacritics(commune_docs, district_docs):
    tt25 = [p.name for p in district_docs["tt25"]]
    assert all(" - cấp trên - 2025.docx" in name for name in tt25), tt25
    every = tt25 + [p.name for p in district_docs["draft"] + district_docs["clean"]]
    every += [p.name for name in commune_docs for p in commune_docs[name][0]]
    for name in every:
        assert unicodedata.normalize("NFC", name) == name and not FILE_FORBIDDEN.search(name), name
        assert "cap tren" not in name.casefold()
    assert "Bản tổng hợp tiêu chí, chỉ tiêu - xã Đồng Thịnh - 2025.docx" in \
        [p.name for p in commune_docs["dong-thinh-2025-tt25"][0]]


# --------------------------------------------------------------------------- the rubric by its name

def test_documents_name_the_rubric_not_its_code(commune_docs, district_docs):
    paths = [p for name in commune_docs for p in commune_docs[name][0]]
    paths += district_docs["clean"] + district_docs["draft"] + district_docs["tt25"]
    for path in paths:
        body = "\n".join(texts(path))
        assert not RUBRIC_CODE.search(body), (path.name, RUBRIC_CODE.findall(body))
        if "Tờ trình" in path.name:
            assert "Căn cứ Thông tư số 44/2014/TT-BGDĐT" in body or "Căn cứ Thông tư số 25/2023/TT-BGDĐT" in body


@pytest.mark.parametrize("rubric", ["tt44-2014", "tt25-2023"])
def test_the_unit_form_names_the_rubric_not_its_code(tmp_path, rubric):
    """Every visible cell of the form (the hidden stamp column A and the hidden sheet are for the tool)."""
    wb = openpyxl.load_workbook(make_template(tmp_path, rubric=rubric))
    shown = [str(c.value) for ws in wb.worksheets if ws.sheet_state == "visible"
             for row in ws.iter_rows() for c in row
             if c.value is not None and not ws.column_dimensions[c.column_letter].hidden]
    assert not [t for t in shown if RUBRIC_CODE.search(t)]
    circular = "Thông tư 44/2014/TT-BGDĐT" if rubric == "tt44-2014" else "Thông tư 25/2023/TT-BGDĐT"
    assert any(t.startswith(f"Bộ tiêu chí: {circular}") for t in shown)


# --------------------------------------------------------------------------- levels, the higher first

def test_tt25_documents_list_the_higher_level_first(commune_docs):
    paths, _ = commune_docs["dong-thinh-2025-tt25"]
    levels_seen: set[str] = set()
    for path in paths:
        for table in docx.Document(str(path)).tables:
            heads = [c.text.strip() for c in table.rows[0].cells]
            if "Mức độ 1" in heads:
                assert heads.index("Mức độ 2") < heads.index("Mức độ 1"), (path.name, heads)
        for line in texts(path):     # "mức độ 2: Đạt; mức độ 1: Đạt", "… mức độ 2 và … mức độ 1" (not in titles)
            listed = "".join(LISTED_LEVEL.findall(line.lower()))
            assert "12" not in listed.replace("21", ""), (path.name, line)     # every pair is 2 then 1
        levels_seen.update(n for line in texts(path) for n in LISTED_LEVEL.findall(line.lower()))
    assert levels_seen == {"1", "2"}


# --------------------------------------------------------------------------- the unit form's TT 25 requirements

LEVEL_CODE = re.compile(r"MĐ\s*\d")


def test_the_tt25_unit_form_names_the_levels_in_words_and_prints_them_whole(tmp_path):
    """"Mức độ 2" / "Mức độ 1" in words, the higher first, never "MĐ1/MĐ2"; each line fits the requirement
    column, and LibreOffice prints each sheet one A4 page wide with every requirement line whole."""
    from cdht_excel.commune.template import WIDTHS
    from cdht_excel.rules.contract import COL, HEADER_ROW
    from cdht_excel.sheets.printing import lines_needed

    form = make_template(tmp_path, rubric="tt25-2023", hard_area=True)      # the longest thresholds
    wb = openpyxl.load_workbook(form)
    units = [ws for ws in wb.worksheets if ws.sheet_state == "visible" and ws.cell(HEADER_ROW + 1, 2).value == "Mã"]
    assert len(units) >= 4
    shown = [str(c.value) for ws in wb.worksheets if ws.sheet_state == "visible" for row in ws.iter_rows()
             for c in row if c.value is not None and not ws.column_dimensions[c.column_letter].hidden]
    assert not [t for t in shown if LEVEL_CODE.search(t)]
    requirements = []
    for ws in units:
        assert ws.cell(HEADER_ROW + 1, COL["REQ"] + 1).value == "Yêu cầu (Mức độ 2 / Mức độ 1)"
        requirements += [str(ws.cell(r, COL["REQ"] + 1).value) for r in range(HEADER_ROW + 2, ws.max_row + 1)
                         if "Mức độ" in str(ws.cell(r, COL["REQ"] + 1).value)]
    assert "Mức độ 2: Mức độ 3\nMức độ 1: Mức độ 2" in requirements
    assert "Mức độ 2 ≥ 50%\nMức độ 1 ≥ 40%\n(xã vùng khó khăn)" in requirements
    for text in requirements:
        assert text.index("Mức độ 2") < text.index("Mức độ 1"), text
        for line in text.splitlines():
            assert lines_needed(line, WIDTHS[COL["REQ"]]) == 1, line

    [pdf] = require(soffice_convert_many([form], "pdf", tmp_path / "pdf"))
    pages = pdf_pages(pdf)
    printed = "\n".join(pages)
    for text in set(requirements):
        for line in text.splitlines():
            assert line in printed, line                   # whole, on one printed line
    sheets = [page for page in pages if "Tiêu chí / chỉ tiêu" in page]
    assert len(sheets) >= len(units)
    for page in sheets:                                    # one page wide: the last column is on each page
        assert "Ghi chú" in page and "Yêu cầu (Mức độ 2 /" in page, page[:800]


# --------------------------------------------------------------------------- the reason of an undecided result

@pytest.fixture(scope="module")
def undecided_tt25_docs(tmp_path_factory):
    """The TT 25 sample set without the school's form (criteria 3 and 4): an undecided draft dossier."""
    tmp = tmp_path_factory.mktemp("tt25-undecided")
    folder = tmp / "phieu"
    folder.mkdir()
    for path in (SAMPLES / "dong-thinh-2025-tt25").glob("*.xlsx"):
        if not path.name.startswith("Nhà trường"):
            shutil.copy(path, folder / path.name)
    docs = tmp / "ho-so"
    merge(folder, out=tmp / "tong-hop.xlsx", extra=["--docs", docs])
    return sorted(docs.glob("*.docx"))


def _bold_runs(path) -> list[str]:
    return [r.text for p in docx.Document(str(path)).paragraphs for r in p.runs if r.bold and r.text.strip()]


@pytest.mark.parametrize("case,result,reason", [
    ("tt44", "xếp loại", "thiếu dữ liệu tiêu chí 14; dữ liệu sai hoặc xung đột ở tiêu chí 7, 8, 10, 13"),
    ("tt25", "kết quả", "thiếu dữ liệu tiêu chí 3, 4; không thể đạt Mức độ 2"),
])
def test_an_undecided_result_gives_its_reason_a_paragraph_of_its_own(commune_docs, undecided_tt25_docs, tmp_path,
                                                                    case, result, reason):
    """Tờ trình, báo cáo (and the TT 25 bản tổng hợp and biên bản): the class in bold in a few words, why it is
    undecided in the next paragraph, full width and not bold; the tờ trình proposes no class then."""
    paths = commune_docs["dong-thinh-2024-co-loi"][0] if case == "tt44" else undecided_tt25_docs
    assert len(paths) == (3 if case == "tt44" else 4)
    lead = f"Lý do chưa xác định được {result}: "
    for path in paths:
        bold = _bold_runs(path)
        assert not [b for b in bold if reason[:20] in b], (path.name, bold)
        assert "Chưa xác định được" in bold or "CHƯA XÁC ĐỊNH ĐƯỢC" in bold, (path.name, bold)
        body = [p.text for p in docx.Document(str(path)).paragraphs]
        stated = [n for n, line in enumerate(body) if line.endswith(("Chưa xác định được.", "CHƯA XÁC ĐỊNH ĐƯỢC."))]
        if "Biên bản" in path.name and case == "tt44":
            continue                         # the class in the table, the reason under it (tested above)
        assert len(stated) == 1, (path.name, stated)
        assert body[stated[0] + 1].startswith(lead + reason), (path.name, body[stated[0] + 1])
        assert not [line for line in body if "chưa xác định được (" in line], path.name
    [to_trinh] = [p for p in paths if "Tờ trình" in p.name]
    assert not [line for line in texts(to_trinh) if "ở loại" in line]
    pages = rendered(paths, tmp_path)
    for name, text in pages.items():
        if case == "tt44" and "Biên bản" in name:
            continue
        starts = [line.strip() for page in text for line in page.splitlines() if lead.strip() in line]
        assert len(starts) == 1 and starts[0].startswith(lead.strip()), (name, starts)   # at a line's start
        assert len(starts[0].split()) >= 10, (name, starts)                               # full width


def test_a_classified_to_trinh_still_proposes_its_class(commune_docs):
    paths, _ = commune_docs["dong-thinh-2025-tt25"]
    [to_trinh] = [p for p in paths if "Tờ trình" in p.name]
    body = "\n".join(texts(to_trinh))
    assert "Kết quả: Mức độ 1" in body and "Lý do chưa xác định" not in body
    assert "Mức độ 1" in _bold_runs(to_trinh)


# --------------------------------------------------------------------------- the district's date line

DATE_LINE = re.compile(r"(\S+(?: \S+)*), ngày … tháng … năm (\d{4})")


def _date_cell(path) -> str:
    header = docx.Document(str(path)).tables[0]
    return header.cell(1, 1).text.strip()


def test_the_district_date_line_without_a_place_fits_one_line(district_docs, tmp_path):
    """No place in the district's settings: a short row of dots to write it on, and the place-and-date line
    on one line under the motto (NĐ 30/2020 Phụ lục I), as LibreOffice prints it."""
    paths = district_docs["draft"] + district_docs["tt25"] + district_docs["clean"]
    dated = [p for p in paths if DATE_LINE.fullmatch(_date_cell(p))]
    assert len(dated) >= 6, [(p.name, _date_cell(p)) for p in paths]
    pages = rendered(dated, tmp_path)
    for name, text in pages.items():
        lines = [line.strip() for line in text[0].splitlines()]
        assert [line for line in lines if re.search(r"…+, ngày … tháng … năm \d{4}$", line)], (name, text[0][:1500])
        assert not [line for line in lines if re.fullmatch(r"(tháng … )?năm \d{4}|\d{4}", line)], name
    for path in dated:
        assert DATE_LINE.fullmatch(_date_cell(path)).group(1) == "…" * 7, (path.name, _date_cell(path))


def test_the_district_date_line_names_the_place_when_it_is_set(tmp_path):
    tt25_dir = tmp_path / "tt25"
    tt25_dir.mkdir()
    merge(SAMPLES / "dong-thinh-2025-tt25", out=tt25_dir / "tong-hop-xa.xlsx")
    settings = tmp_path / "thiet-lap.json"
    settings.write_text('{"place": "Thái Nguyên"}', encoding="utf-8")
    docs = tmp_path / "ho-so"
    district(tt25_dir / "tong-hop-xa.xlsx", tmp_path=tt25_dir, extra=("--docs", docs, "--docs-settings", settings))
    dates = [_date_cell(p) for p in sorted(docs.glob("*.docx")) if "ngày" in _date_cell(p)]
    assert len(dates) >= 3 and set(dates) == {"Thái Nguyên, ngày … tháng … năm 2026"}, dates

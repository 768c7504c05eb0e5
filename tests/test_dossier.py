"""cdht merge --docs: the dossier (tờ trình, báo cáo, biên bản / bản tổng hợp) on real returned sets.

The documents are opened with python-docx and compared with the JSON report; with LibreOffice present
they are converted once to PDF and read back with poppler (pdftotext, pdfinfo, pdffonts).
"""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn

from commune import TT44_SCORES, merge, returned_set, tt25_values, tt44_values
from support import REPO, fill, make_plan, make_template, run_cli, says, soffice_available

from cdht_excel.commune import dossier
from cdht_excel.text import format_number

CHAIR = "Mạc Văn Vỹ"                       # the seed's signature block
PROMOTION_CHAIR = "Trần Văn Bình"
DISTRICT, PROVINCE = "Định Hóa", "Thái Nguyên"
CONTACTS = ["Hoàng Văn Thắng", "Nguyễn Thị Thu Hà", "Ma Văn Quang", "Lưu Thị Hạnh", "Đinh Văn Cường",
            "Trần Văn Bình", "Hà Thị Mai", "Nông Văn Tú", "Lý Thị Hoa", "Đặng Văn Nam"]
HYPERLINK = '=HYPERLINK("http://x","y")'
TT44_NAMES = ["Tờ trình - xã Đồng Thịnh - 2024.docx", "Báo cáo - xã Đồng Thịnh - 2024.docx",
              "Biên bản tự kiểm tra - xã Đồng Thịnh - 2024.docx"]
TT25_NAMES = ["Tờ trình - xã Đồng Thịnh - 2024.docx", "Báo cáo tự đánh giá - xã Đồng Thịnh - 2024.docx",
              "Bản tổng hợp tiêu chí, chỉ tiêu - xã Đồng Thịnh - 2024.docx",
              "Biên bản họp tự đánh giá - xã Đồng Thịnh - 2024.docx"]


# --------------------------------------------------------------------------- helpers

def plan_with_people(tmp_path, rubric: str = "tt44-2014", **options) -> Path:
    """`cdht plan init` with a district, then the chairs and each unit's contact typed in, as the secretary does."""
    path = make_plan(tmp_path, rubric=rubric, district=DISTRICT, province=PROVINCE, **options)
    wb = openpyxl.load_workbook(path)
    for row in wb["Thông tin"].iter_rows():
        if row[0].value == "Chủ tịch UBND xã":
            row[1].value = CHAIR
        elif row[0].value == "Chủ tịch Hội Khuyến học xã":
            row[1].value = PROMOTION_CHAIR
    units = wb["Phân công"]
    for r, contact in zip(range(2, units.max_row + 1), CONTACTS):
        if units.cell(r, 1).value:
            units.cell(r, 4).value = contact
    wb.save(path)
    return path


def returned_from_plan(tmp_path, plan: Path, values: dict, folder: str = "phieu", texts: dict = None) -> Path:
    """Split per-unit files of the plan's template, filled with `values`; `texts` are typed as text even
    when they start with '=' (as a unit does with a leading apostrophe)."""
    work = Path(tmp_path) / f"_mau-{folder}"
    split = work / "split"
    make_template(work, plan=plan, split_dir=split)
    out = Path(tmp_path) / folder
    out.mkdir(parents=True, exist_ok=True)
    for index, path in enumerate(sorted(split.glob("*.xlsx")), start=1):
        target = fill(path, out / f"Phiếu đơn vị {index:02d} đã điền.xlsx", values, only_existing=True)
        wb = openpyxl.load_workbook(target)
        touched = False
        for key, value in (texts or {}).items():
            defined = wb.defined_names.get(f"CDHT_{key}")
            for sheet, coord in (defined.destinations if defined is not None else ()):
                cell = wb[sheet][coord.replace("$", "")]
                cell.value = value
                cell.data_type = "s"
                touched = True
        if touched:
            wb.save(target)
    return out


def paragraphs(path) -> list[str]:
    """Every paragraph of the body in document order, tables included."""
    document = docx.Document(str(path))
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in document.element.body.iter(qn("w:p"))]


def full_text(path) -> str:
    return "\n".join(paragraphs(path))


def table_with(path, heading: str) -> list[list[str]]:
    """The rows (cell texts) of the first table whose header row holds `heading`."""
    document = docx.Document(str(path))
    for table in document.tables:
        rows = [[c.text.strip() for c in row.cells] for row in table.rows]
        if rows and heading in rows[0]:
            return rows
    raise AssertionError(f"no table with a “{heading}” column in {Path(path).name}")


def by_name(paths, start: str) -> Path:
    matches = [p for p in paths if Path(p).name.startswith(start)]
    assert len(matches) == 1, (start, [Path(p).name for p in paths])
    return Path(matches[0])


def pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


# --------------------------------------------------------------------------- TT 44/2014: one real set, merged once

@pytest.fixture(scope="module")
def tt44(tmp_path_factory):
    """A complete TT 44 set (total 92,5, Tốt) with a plan naming the chair, the district and the contacts;
    evidence of criteria 3 and 4 injected; merged with --docs (and --pdf when LibreOffice is present)."""
    base = tmp_path_factory.mktemp("dossier44")
    values = tt44_values()
    values["C4_EVIDENCE"] = "@SUM(A1)\nBiên bản <b>&amp; 5 > 3</b>\tkiểm tra"
    folder = returned_from_plan(base, plan_with_people(base), values, texts={"C3_EVIDENCE": HYPERLINK})
    docs = base / "ho-so"
    extra = ["--docs", docs] + (["--pdf"] if soffice_available() else [])
    code, text, report = merge(folder, out=base / "tong-hop.xlsx", extra=extra)
    return {"code": code, "text": text, "report": report, "docs": docs, "folder": folder, "base": base}


def test_tt44_writes_three_documents_named_in_vietnamese(tt44):
    assert tt44["code"] == 0, tt44["text"]
    names = sorted(p.name for p in tt44["docs"].glob("*.docx"))
    assert names == sorted(TT44_NAMES)
    for name in TT44_NAMES:
        assert f"Đã ghi hồ sơ: {tt44['docs'] / name}" in tt44["text"]
    assert not list(tt44["docs"].glob(".~cdht-*")), "temporary files left behind"


def test_tt44_documents_carry_the_result_of_the_report(tt44):
    report, docs = tt44["report"], tt44["docs"]
    assert report["total"] == 92.5 and report["classification"]["label"] == "Tốt"
    for name in TT44_NAMES:
        text = full_text(docs / name)
        assert "DỰ THẢO" not in text
        assert "UBND HUYỆN" not in text                 # UBND xã has no "cơ quan chủ quản" line
        issuer = "HỘI KHUYẾN HỌC" if name == TT44_NAMES[1] else "ỦY BAN NHÂN DÂN"     # TT 44 Điều 6.2
        for expected in (issuer, "XÃ ĐỒNG THỊNH",
                         "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "năm 2024",
                         CHAIR, "Thông tư số 44/2014/TT-BGDĐT"):
            assert expected in text, (name, expected)
    # the biên bản: one row per criterion with the agreed score, the total and the class
    rows = table_with(docs / TT44_NAMES[2], "Điểm")
    scored = {r[0]: r for r in rows[1:] if r[0].isdigit()}
    assert list(scored) == [c["id"] for c in report["criteria"]] == [str(i) for i in range(1, 16)]
    for c in report["criteria"]:
        assert scored[c["id"]][1] == c["title"]
        assert scored[c["id"]][2] == c["unit"]
        assert scored[c["id"]][3] == format_number(c["score"]) == format_number(TT44_SCORES[int(c["id"])])
    assert ["Tổng số điểm", "92,5"] == [rows[-2][0], rows[-2][-1]]
    assert ["Xếp loại", "Tốt"] == [rows[-1][0], rows[-1][-1]]


def test_tt44_to_trinh_asks_the_district_to_classify(tt44):
    text = full_text(tt44["docs"] / TT44_NAMES[0])
    assert "TỜ TRÌNH" in text and "Số: …/TTr-UBND" in text
    assert "Kính gửi: Ủy ban nhân dân huyện Định Hóa." in text
    assert "kiểm tra, đánh giá, xếp loại “Cộng đồng học tập” cấp xã năm 2024" in text
    assert "tổng số điểm đạt được là 92,5/100 điểm; không có tiêu chí bị điểm 0; tự xếp loại: Tốt." in text
    assert "đối với xã Đồng Thịnh ở loại Tốt." in text and "Lý do chưa xác định" not in text
    assert "Đồng Thịnh, ngày … tháng … năm 2024" in text          # TT 44 Điều 4.4: December of the year
    assert "khoản 1 Điều 5 Thông tư số 44/2014/TT-BGDĐT" in text
    for line in ("Nơi nhận:", "- Như trên;", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"):
        assert line in paragraphs(tt44["docs"] / TT44_NAMES[0]), line


def test_tt44_bao_cao_lists_units_results_and_evidence(tt44):
    report = tt44["report"]
    text = full_text(tt44["docs"] / TT44_NAMES[1])
    lines = paragraphs(tt44["docs"] / TT44_NAMES[1])
    assert "Số: …/BC-HKH" in text and lines[:2] == ["HỘI KHUYẾN HỌC", "XÃ ĐỒNG THỊNH"]    # TT 44 Điều 6.2
    for c in report["criteria"]:
        assert f"Tiêu chí {c['id']}. {c['title']}" in lines
        assert f"- Đơn vị phụ trách: {c['unit']}." in lines
        assert f"- Kết quả tự đánh giá: {format_number(c['score'])} điểm." in lines
        for evidence in c["evidence"]:
            assert f"+ {evidence.replace(chr(9), ' ')}" in lines
    assert "Tổng số điểm đạt được: 92,5/100 điểm; không có tiêu chí bị điểm 0." in lines
    assert "[Ghi khó khăn, tồn tại" in text and "[Ghi đề xuất, kiến nghị" in text
    # TT 44 Điều 5.1.b: confirmed by the Chủ tịch UBND xã, signed by the Hội Khuyến học
    start = lines.index("XÁC NHẬN CỦA CHỦ TỊCH")
    assert lines[start:start + 8] == ["XÁC NHẬN CỦA CHỦ TỊCH", "UBND XÃ ĐỒNG THỊNH", CHAIR,
                                      "TM. BAN CHẤP HÀNH", "CHỦ TỊCH", PROMOTION_CHAIR, "Nơi nhận:",
                                      "- UBND huyện Định Hóa;"]


def test_tt44_bien_ban_names_the_meeting_and_its_people(tt44):
    lines = paragraphs(tt44["docs"] / TT44_NAMES[2])
    text = "\n".join(lines)
    assert "Số: …/BB-UBND" in text
    assert "Thời gian bắt đầu: … giờ … phút, ngày … tháng … năm 2024." in lines      # Mẫu 1.9
    assert f"Chủ trì (chủ tọa): Ông (bà) {CHAIR}, Chủ tịch Ủy ban nhân dân xã." in lines
    assert "Thư ký (người ghi biên bản): Ông (bà) ……………………, chức vụ ……………………" in lines
    for unit, contact in zip(tt44["report"]["units"], CONTACTS):
        criteria = ", ".join(unit["criteria"])
        assert any(line.startswith(f"- Đại diện {unit['name']} (tiêu chí {criteria}): Ông (bà) {contact}")
                   for line in lines), unit["name"]
    assert lines.index("THƯ KÝ") < lines.index("CHỦ TỌA") < lines.index(CHAIR) < lines.index("Nơi nhận:")
    assert "Cuộc họp thống nhất tự xếp loại “Cộng đồng học tập” cấp xã năm 2024 của xã Đồng Thịnh: TỐT" in text


def test_text_from_inputs_is_text_never_a_field(tt44):
    bao_cao = tt44["docs"] / TT44_NAMES[1]
    lines = paragraphs(bao_cao)
    assert f"+ {HYPERLINK}" in lines
    assert "+ @SUM(A1)" in lines
    assert "+ Biên bản <b>&amp; 5 > 3</b> kiểm tra" in lines          # escaped; a tab is a space
    with zipfile.ZipFile(bao_cao) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "fldSimple" not in body and "instrText" not in body and "<w:hyperlink" not in body


def test_every_text_is_nfc(tt44):
    for name in TT44_NAMES:
        texts = paragraphs(tt44["docs"] / name)
        assert [t for t in texts if unicodedata.normalize("NFC", t) != t] == []


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
def test_pdf_pages_are_a4_times_and_show_the_result(tt44):
    pdfs = sorted(tt44["docs"].glob("*.pdf"))
    assert sorted(p.name for p in pdfs) == sorted(n.replace(".docx", ".pdf") for n in TT44_NAMES)
    for pdf in pdfs:
        assert f"Đã ghi PDF: {pdf}" in tt44["text"]
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "(A4)" in info, info
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        names = [line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()]
        assert names and all(n.startswith(("TimesNewRoman", "LiberationSerif")) for n in names), names
    text = pdftotext(tt44["docs"] / TT44_NAMES[2].replace(".docx", ".pdf"))
    flat = " ".join(text.split())
    assert "BIÊN BẢN" in flat and "xã Đồng Thịnh" in flat and "năm 2024" in flat
    for c in tt44["report"]["criteria"]:
        assert c["unit"].split()[0] in flat
    assert "Tổng số điểm 92,5" in flat and "TỐT" in flat and CHAIR in flat
    assert HYPERLINK in " ".join(pdftotext(tt44["docs"] / TT44_NAMES[1].replace(".docx", ".pdf")).split())
    # NĐ 30: page numbers from page 2 on, at the top; none on page 1
    pages = pdftotext(tt44["docs"] / TT44_NAMES[1].replace(".docx", ".pdf")).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 2
    assert pages[0].split()[:2] == ["HỘI", "KHUYẾN"]
    for number, page in enumerate(pages[1:], start=2):
        assert page.split()[0] == str(number), page[:80]


def test_same_inputs_give_the_same_documents(tt44):
    again = tt44["base"] / "ho-so-2"
    code, text, _ = merge(tt44["folder"], out=tt44["base"] / "tong-hop-2.xlsx", extra=["--docs", again])
    assert code == 0, text
    for name in TT44_NAMES:
        assert (again / name).read_bytes() == (tt44["docs"] / name).read_bytes(), name


def test_commune_templates_change_the_wording_and_missing_ones_fall_back(tt44, tmp_path):
    mine = tmp_path / "mau-cua-xa"
    mine.mkdir()
    template = mine / "to-trinh.docx"
    shutil.copy(REPO / "cdht_excel" / "commune" / "doc_templates" / "to-trinh.docx", template)
    document = docx.Document(str(template))
    changed = 0
    for p in document.paragraphs:
        for run in p.runs:
            if "kính trình" in run.text:
                run.text = run.text.replace("kính trình", "trân trọng đề nghị")
                changed += 1
    assert changed == 1
    document.save(str(template))
    out = tmp_path / "ho-so"
    code, text, _ = merge(tt44["folder"], out=tmp_path / "t.xlsx", extra=["--docs", out, "--docs-templates", mine])
    assert code == 0, text
    to_trinh = full_text(out / TT44_NAMES[0])
    assert "trân trọng đề nghị Ủy ban nhân dân huyện Định Hóa xem xét, quyết định./." in to_trinh
    assert "kính trình" not in to_trinh
    assert full_text(out / TT44_NAMES[1]) == full_text(tt44["docs"] / TT44_NAMES[1])   # built-in báo cáo


@pytest.mark.parametrize("body,detail", [("{{ ten_xa_go_sai }}", "ten_xa_go_sai"),
                                         ("{% if draft %}không đóng", "viết sai")])
def test_a_broken_commune_template_is_named_and_nothing_is_written(tt44, tmp_path, body, detail):
    mine = tmp_path / "mau"
    mine.mkdir()
    document = docx.Document()
    document.add_paragraph(body)
    document.save(str(mine / "bao-cao.docx"))
    out = tmp_path / "ho-so"
    code, text = run_cli("merge", tt44["folder"], "-o", tmp_path / "t.xlsx", "--docs", out,
                         "--docs-templates", mine)
    assert code == 2, text
    assert "bao-cao.docx" in text and says(text, "docs-template-invalid") and detail in text
    assert not out.exists() or not list(out.iterdir())
    assert "Traceback" not in text


# --------------------------------------------------------------------------- incomplete: a draft, never a clean dossier

def test_incomplete_set_gives_a_marked_draft_and_a_clean_run_replaces_it(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    partial = tmp_path / "thieu"
    partial.mkdir()
    files = sorted(folder.glob("*.xlsx"))
    for path in files[:8] + files[9:]:                 # the 9th unit (Trạm Y tế xã, criterion 14) is missing
        shutil.copy(path, partial / path.name)
    docs = tmp_path / "ho-so"
    code, text, report = merge(partial, out=tmp_path / "t.xlsx", extra=["--docs", docs])
    assert code == 1
    assert report["complete"] is False and report["classification"]["code"] == "chua-xep-loai"
    drafts = sorted(docs.glob("*.docx"))
    assert sorted(p.name for p in drafts) == sorted("DỰ THẢO - " + n for n in TT44_NAMES)
    for path in drafts:
        lines = paragraphs(path)
        assert lines[0].startswith("DỰ THẢO — chưa đủ điều kiện"), lines[:3]
        first_run = docx.Document(str(path)).paragraphs[0].runs[0]
        assert first_run.bold and str(first_run.font.color.rgb) == "C00000"
        assert "Lý do: kết quả chưa đủ để xếp loại: thiếu dữ liệu tiêu chí 14. Cần sửa, bổ sung:" in lines
        assert "- Chưa có phiếu của Trạm Y tế xã (tiêu chí 14)." in lines
        assert "Chưa xếp loại" not in "\n".join(lines)     # never proposed as a class (issue 11)
        # the class in a few words, why it is undecided in a paragraph of its own
        assert "Lý do chưa xác định được xếp loại: thiếu dữ liệu tiêu chí 14." in lines
        assert "chưa xác định được (" not in "\n".join(lines)
    rows = table_with(by_name(drafts, "DỰ THẢO - Biên bản"), "Điểm")
    assert [r for r in rows if r[0] == "14"][0][3] == "Chưa có"
    assert [rows[-2][0], rows[-2][-1]] == ["Tổng số điểm", format_number(92.5 - 6)]
    assert [rows[-1][0], rows[-1][-1]] == ["Xếp loại", "Chưa xác định được"]
    # the units send the missing file: the clean dossier replaces the draft
    code, text, _ = merge(folder, out=tmp_path / "t.xlsx", extra=["--docs", docs])
    assert code == 0, text
    assert sorted(p.name for p in docs.glob("*.docx")) == sorted(TT44_NAMES)


# --------------------------------------------------------------------------- TT 25/2023

def test_tt25_dossier_requests_the_level_met(tmp_path):
    folder = returned_set(tmp_path, tt25_values(), rubric="tt25-2023", hard_area=False)
    docs = tmp_path / "ho-so"
    code, text, report = merge(folder, extra=["--docs", docs])
    assert code == 0, text
    assert report["classification"]["code"] == "muc-do-1"
    assert sorted(p.name for p in docs.glob("*.docx")) == sorted(TT25_NAMES)
    to_trinh = full_text(docs / TT25_NAMES[0])
    assert "Kính gửi: Phòng Giáo dục và Đào tạo" in to_trinh
    assert "đề nghị Phòng Giáo dục và Đào tạo đánh giá, công nhận xã Đồng Thịnh đạt “Cộng đồng học tập” cấp xã " \
           "mức độ 1 năm 2024." in to_trinh                # TT 25 Điều 9.1.d: the level met
    assert "mức độ 2 năm" not in to_trinh
    assert "Đồng Thịnh, ngày … tháng … năm 2025" in to_trinh   # filed before 28/02 of the next year
    assert "điểm d khoản 1 Điều 9 Thông tư số 25/2023/TT-BGDĐT" in to_trinh
    # the bản tổng hợp: đạt / không đạt per indicator at level 1 and 2, as in the report
    rows = table_with(docs / TT25_NAMES[2], "Mức độ 1")
    assert rows[0][3:] == ["Mức độ 2", "Mức độ 1"]            # the higher level first, as classes are listed
    got = {r[0]: (r[4], r[3]) for r in rows[1:]}
    yes = {True: "Đạt", False: "Không đạt"}
    items = [i for c in report["criteria"] for i in c["items"]]
    assert len(items) == 15
    for item in items:
        assert got[item["id"]] == (yes[item["level_1"]], yes[item["level_2"]]), item["id"]
    for c in report["criteria"]:
        assert got[c["id"]][0] == "Đạt"
    assert got["5.1"][0] == "Đạt" and any("6.500/10.000 (65%)" in r[2] for r in rows)
    bao_cao = full_text(docs / TT25_NAMES[1])
    assert "từ ngày 01/01/2024 đến ngày 31/12/2024" in bao_cao
    assert "[Ghi khó khăn, tồn tại" in bao_cao and "Kết quả tự đánh giá: Mức độ 1" in bao_cao
    bien_ban = full_text(docs / TT25_NAMES[3])
    assert "điểm c khoản 1 Điều 9" in bien_ban and "Đại diện lãnh đạo Hội Khuyến học xã" in bien_ban
    assert "Đại diện lãnh đạo Ủy ban Mặt trận Tổ quốc Việt Nam xã" in bien_ban


def test_tt25_below_level_1_is_a_draft_naming_the_failed_indicator(tmp_path):
    values = tt25_values({"C5_1_CITIZENS": 5500})              # 55 % < 60 %
    folder = returned_set(tmp_path, values, rubric="tt25-2023", hard_area=False)
    docs = tmp_path / "ho-so"
    code, text, report = merge(folder, extra=["--docs", docs])
    assert report["complete"] is True and report["classification"]["code"] == "chua-dat"
    names = sorted(p.name for p in docs.glob("*.docx"))
    assert names == sorted("DỰ THẢO - " + n for n in TT25_NAMES)
    lines = paragraphs(docs / ("DỰ THẢO - " + TT25_NAMES[0]))
    assert lines[0].startswith("DỰ THẢO — chưa đủ điều kiện")
    assert any("xã chưa đạt mức độ 1 nên chưa đủ điều kiện đề nghị công nhận" in line for line in lines)
    assert any(line.startswith("- Chỉ tiêu 5.1: 5.500/10.000 (55%) – chưa đạt mức độ 1") for line in lines)
    assert "mức độ …" in "\n".join(lines)


# --------------------------------------------------------------------------- PDF without LibreOffice, templates

def test_without_libreoffice_the_message_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(dossier, "find_soffice", lambda: None)
    pdfs, message = dossier.to_pdf([tmp_path / "Tờ trình - xã Đồng Thịnh - 2024.docx"])
    assert pdfs == []
    assert message.startswith("Không tìm thấy LibreOffice (soffice)")
    assert "cài LibreOffice hoặc mở tệp .docx bằng Word rồi Lưu thành PDF" in message


def test_shipped_templates_are_what_the_build_script_makes(tmp_path):
    script = REPO / "cdht_excel" / "commune" / "doc_templates" / "build_templates.py"
    spec = importlib.util.spec_from_file_location("build_templates", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build_all(tmp_path)
    shipped = REPO / "cdht_excel" / "commune" / "doc_templates"
    assert sorted(p.name for p in built) == sorted(p.name for p in shipped.glob("*.docx"))
    for path in built:
        assert path.read_bytes() == (shipped / path.name).read_bytes(), \
            f"{path.name} differs: run python cdht_excel/commune/doc_templates/build_templates.py"
    names = {s.template for specs in dossier.DOCS.values() for s in specs}
    assert names == {p.name for p in built}


def test_package_data_ships_the_templates():
    setup = (REPO / "setup.cfg").read_text("utf-8")
    assert "doc_templates/*.docx" in setup and "docxtpl" in setup
    for specs in dossier.DOCS.values():
        for spec in specs:
            assert dossier.builtin_template(spec.template)[:2] == b"PK"

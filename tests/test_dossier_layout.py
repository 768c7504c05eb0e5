"""The dossier's layout per Nghị định 30/2020/NĐ-CP, Phụ lục I, element by element (docs/legal/nd30-2020.md),
asserted in the .docx XML of real dossiers (TT 44 and TT 25), and who issues and who receives them."""
from __future__ import annotations

import docx
import openpyxl
import pytest
from commune import merge, tt25_values, tt44_values
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from test_dossier import (
    CHAIR,
    PROMOTION_CHAIR,
    paragraphs,
    plan_with_people,
    returned_from_plan,
)

from cdht_excel.commune import dossier
from cdht_excel.rules import findings as F

TITLES = ("TỜ TRÌNH", "BÁO CÁO", "BIÊN BẢN", "BẢN TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ CÁC TIÊU CHÍ, CHỈ TIÊU")
QUOC_HIEU, TIEU_NGU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"


# --------------------------------------------------------------------------- reading the XML

class Doc:
    """A rendered document with the effective run properties NĐ 30 speaks of."""

    def __init__(self, path):
        self.path = path
        self.doc = docx.Document(str(path))
        self.normal = self.doc.styles["Normal"]

    def size(self, run, paragraph) -> float:
        size = run.font.size or paragraph.style.font.size or self.normal.font.size
        return size.pt

    def runs(self, paragraph):
        return [r for r in paragraph.runs if r.text.strip()]

    def sizes(self, paragraph) -> set[float]:
        return {self.size(r, paragraph) for r in self.runs(paragraph)}

    def all_bold(self, paragraph) -> bool:
        return all(r.bold for r in self.runs(paragraph))

    def all_italic(self, paragraph) -> bool:
        return all(r.italic for r in self.runs(paragraph))

    def after(self, paragraph) -> float:
        value = paragraph.paragraph_format.space_after
        return (value if value is not None else self.normal.paragraph_format.space_after).pt

    def line_spacing(self, paragraph) -> float:
        value = paragraph.paragraph_format.line_spacing
        return value if value is not None else self.normal.paragraph_format.line_spacing

    def header_table(self):
        table = self.doc.tables[0]
        assert QUOC_HIEU in table.cell(0, 1).text
        return table

    def top_level(self):
        """('p', Paragraph) / ('tbl', Table) in body order."""
        paragraphs_, tables = iter(self.doc.paragraphs), iter(self.doc.tables)
        for child in self.doc.element.body.iterchildren():
            if child.tag == qn("w:p"):
                yield "p", next(paragraphs_)
            elif child.tag == qn("w:tbl"):
                yield "tbl", next(tables)

    def title_and_body(self):
        """(document type, summary lines, body paragraphs up to the signature), top level only."""
        kind, summary, body, state = None, [], [], "before"
        for what, item in self.top_level():
            if state == "before" and what == "p" and item.text in TITLES:
                kind, state = item, "summary"
            elif state == "summary" and what == "p":
                if item.text.strip():
                    summary.append(item)
                else:
                    state = "body"          # the rule under the summary
            elif state == "body":
                if what == "tbl" and (item.style is None or item.style.name != "Table Grid"):
                    break                   # the signature block
                if what == "p" and item.text.strip():
                    body.append(item)
        return kind, summary, body

    def every_paragraph(self):
        return list(self.doc.element.body.iter(qn("w:p")))

    def paragraph_with(self, text: str):
        """(the paragraph, the paragraphs that follow it in its container)."""
        containers = [self.doc.paragraphs] + [c.paragraphs for t in self.doc.tables for r in t.rows for c in r.cells]
        for paragraphs_ in containers:
            for i, p in enumerate(paragraphs_):
                if p.text == text:
                    return p, paragraphs_[i + 1:]
        raise AssertionError(f"no paragraph “{text}” in {self.path.name}")


def check_layout(path, *, minutes: bool, number: bool = True) -> None:
    d = Doc(path)
    section = d.doc.sections[0]
    mm = lambda length: round(length.mm, 1)
    assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)                   # A4
    assert 20 <= mm(section.top_margin) <= 25 and 20 <= mm(section.bottom_margin) <= 25
    assert 30 <= mm(section.left_margin) <= 35 and 15 <= mm(section.right_margin) <= 20
    fonts = d.doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(
        qn("w:rFonts"))
    assert {fonts.get(qn(k)) for k in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")} == {"Times New Roman"}
    assert not [r for r in d.doc.element.body.iter(qn("w:rFonts")) if r.get(qn("w:ascii")) not in (None, "Times New Roman")]

    header = d.header_table()
    assert header._tbl.tblPr.find(qn("w:tblBorders")) is None and (header.style is None or
                                                                   header.style.name != "Table Grid")
    quoc_hieu, tieu_ngu = [p for p in header.cell(0, 1).paragraphs if p.text.strip()]
    assert quoc_hieu.text == QUOC_HIEU and d.all_bold(quoc_hieu) and d.sizes(quoc_hieu) <= {12, 13}
    assert tieu_ngu.text == TIEU_NGU and d.all_bold(tieu_ngu) and d.sizes(tieu_ngu) <= {13, 14}
    body_lines = [p for p in header.cell(0, 0).paragraphs if p.text.strip()]
    assert body_lines
    for p in body_lines:
        assert p.text == p.text.upper() and d.all_bold(p) and d.sizes(p) <= {12, 13}, p.text
    numbers = [p for p in header.cell(1, 0).paragraphs if p.text.strip()]
    if number:
        assert [p.text[:6] for p in numbers] == ["Số: …/"] and d.sizes(numbers[0]) == {13}
    dates = [p for p in header.cell(1, 1).paragraphs if p.text.strip()]
    if minutes:
        assert dates == []                                       # Mẫu 1.9: no place-and-date line
    else:
        assert len(dates) == 1 and ", ngày … tháng … năm " in dates[0].text
        assert d.all_italic(dates[0]) and d.sizes(dates[0]) <= {13, 14}

    kind, summary, body = d.title_and_body()
    assert kind is not None and d.all_bold(kind) and d.sizes(kind) <= {13, 14}
    assert kind.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert summary and all(d.all_bold(p) and d.sizes(p) <= {13, 14} for p in summary)
    assert len(body) >= 3
    for p in body:
        if p.text.startswith(("Kính gửi:", "(Kèm theo")):
            continue
        assert p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY, p.text
        indent = p.paragraph_format.first_line_indent
        assert indent is not None and 1.0 <= round(indent.cm, 2) <= 1.27, p.text
        assert d.after(p) >= 6, p.text
        assert 1.0 <= d.line_spacing(p) <= 1.5, p.text
        assert d.sizes(p) <= {13, 14}, p.text

    where, siblings = d.paragraph_with("Nơi nhận:")
    assert d.all_bold(where) and d.all_italic(where) and d.sizes(where) == {12}
    listed = [p for p in siblings if p.text.startswith("- ")]
    assert listed and all(d.sizes(p) == {11} for p in listed)
    assert listed[-1].text.startswith("- Lưu: VT")

    signature = [t for kind_, t in d.top_level() if kind_ == "tbl"][-1]
    signer = [p for c in signature.rows[0].cells for p in c.paragraphs if p.text.strip()]
    skip = {where._p} | {p._p for p in listed}
    signer = [p for p in signer if p._p not in skip]
    assert signer
    for p in signer:
        assert d.all_bold(p) and d.sizes(p) <= {13, 14}, p.text

    # page numbers from page 2: a PAGE field in the default header, a first-page header without it
    assert section.different_first_page_header_footer is True
    assert "PAGE" in "".join(t.text for t in section.header._element.iter(qn("w:instrText")))
    first = section.first_page_header
    assert not first.is_linked_to_previous
    assert "PAGE" not in "".join(t.text for t in first._element.iter(qn("w:instrText")))
    assert not [r for r in section.footer._element.iter(qn("w:instrText"))]


# --------------------------------------------------------------------------- dossiers

def dossier_for(base, rubric: str, year: int = 2024, **plan_options):
    plan = plan_with_people(base, rubric=rubric, year=year, **plan_options)
    values = tt44_values() if rubric == "tt44-2014" else tt25_values()
    folder = returned_from_plan(base, plan, values)
    docs = base / "ho-so"
    code, text, report = merge(folder, out=base / "tong-hop.xlsx", extra=["--docs", docs])
    return {"code": code, "text": text, "report": report, "docs": docs,
            "files": {p.name.split(" - ")[0]: p for p in docs.glob("*.docx")}}


@pytest.fixture(scope="module")
def tt44(tmp_path_factory):
    return dossier_for(tmp_path_factory.mktemp("layout44"), "tt44-2014")


@pytest.fixture(scope="module")
def tt25(tmp_path_factory):
    return dossier_for(tmp_path_factory.mktemp("layout25"), "tt25-2023")


@pytest.mark.parametrize("name, minutes", [("Tờ trình", False), ("Báo cáo", False), ("Biên bản tự kiểm tra", True)])
def test_tt44_documents_follow_nd30_element_by_element(tt44, name, minutes):
    assert tt44["code"] == 0, tt44["text"]
    check_layout(tt44["files"][name], minutes=minutes)


@pytest.mark.parametrize("name, minutes, number", [("Tờ trình", False, True), ("Báo cáo tự đánh giá", False, True),
                                                   ("Bản tổng hợp tiêu chí, chỉ tiêu", False, False),
                                                   ("Biên bản họp tự đánh giá", True, True)])
def test_tt25_documents_follow_nd30_element_by_element(tt25, name, minutes, number):
    assert tt25["code"] == 0, tt25["text"]
    check_layout(tt25["files"][name], minutes=minutes, number=number)


@pytest.mark.parametrize("fixture, name", [("tt44", "Biên bản tự kiểm tra"), ("tt25", "Biên bản họp tự đánh giá")])
def test_minutes_follow_sample_1_9(request, fixture, name):
    lines = paragraphs(request.getfixturevalue(fixture)["files"][name])
    order = ["Thời gian bắt đầu:", "Địa điểm:", "Thành phần tham dự:", "Chủ trì (chủ tọa):",
             "Thư ký (người ghi biên bản):", "Cuộc họp kết thúc vào", "THƯ KÝ", "CHỦ TỌA", "Nơi nhận:"]
    where = [next(i for i, line in enumerate(lines) if line.startswith(start)) for start in order]
    assert where == sorted(where)
    assert CHAIR in lines[where[7]:where[8]]           # the chair signs on the right, under CHỦ TỌA


def test_tt44_report_is_issued_by_the_promotion_society_and_confirmed_by_the_chairman(tt44):
    lines = paragraphs(tt44["files"]["Báo cáo"])
    assert lines[:2] == ["HỘI KHUYẾN HỌC", "XÃ ĐỒNG THỊNH"] and "Số: …/BC-HKH" in lines
    assert "Hội Khuyến học xã Đồng Thịnh báo cáo kết quả như sau:" in " ".join(lines)
    start = lines.index("XÁC NHẬN CỦA CHỦ TỊCH")
    assert lines[start:start + 6] == ["XÁC NHẬN CỦA CHỦ TỊCH", "UBND XÃ ĐỒNG THỊNH", CHAIR,
                                      "TM. BAN CHẤP HÀNH", "CHỦ TỊCH", PROMOTION_CHAIR]
    to_trinh = " ".join(paragraphs(tt44["files"]["Tờ trình"]))
    assert ("1. Báo cáo của Hội Khuyến học xã Đồng Thịnh đánh giá kết quả xây dựng “Cộng đồng học tập” cấp xã năm "
            "2024 (kèm theo các minh chứng phù hợp với các tiêu chí), có xác nhận của Chủ tịch Ủy ban nhân dân xã;"
            in to_trinh)


def test_a_report_the_plan_gives_to_the_ubnd_has_no_redundant_confirmation(tmp_path):
    result = dossier_for(tmp_path, "tt44-2014", report_by="ubnd")
    assert result["code"] == 0, result["text"]
    path = result["files"]["Báo cáo"]
    lines = paragraphs(path)
    assert lines[:2] == ["ỦY BAN NHÂN DÂN", "XÃ ĐỒNG THỊNH"] and "Số: …/BC-UBND" in lines
    assert not [line for line in lines if "XÁC NHẬN" in line] and PROMOTION_CHAIR not in lines
    assert lines[-6:-3] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", CHAIR] or "TM. ỦY BAN NHÂN DÂN" in lines
    assert "TM. BAN CHẤP HÀNH" not in lines
    check_layout(path, minutes=False)
    to_trinh = " ".join(paragraphs(result["files"]["Tờ trình"]))
    assert "1. Báo cáo của Ủy ban nhân dân xã Đồng Thịnh" in to_trinh and "có xác nhận" not in to_trinh


def test_the_recipient_comes_from_the_plan(tmp_path):
    body = "Sở Giáo dục và Đào tạo tỉnh Thái Nguyên"
    result = dossier_for(tmp_path, "tt25-2023", year=2025, assessing_body=body)
    assert result["code"] == 0, result["text"]
    assert "assessing-body-missing" not in [f["code"] for f in result["report"]["findings"]]
    to_trinh = paragraphs(result["files"]["Tờ trình"])
    assert f"Kính gửi: {body}." in to_trinh
    assert f"Kính đề nghị {body} xem xét, công nhận./." in to_trinh
    assert f"- {body};" in paragraphs(result["files"]["Báo cáo tự đánh giá"])
    assert not [line for line in to_trinh if "huyện" in line.lower() or "Phòng Giáo dục" in line]


@pytest.mark.parametrize("rubric", ["tt44-2014", "tt25-2023"])
def test_after_the_reform_without_a_body_the_documents_keep_a_placeholder_and_warn(tmp_path, rubric):
    result = dossier_for(tmp_path, rubric, year=2025)
    warnings = [f for f in result["report"]["findings"] if f["code"] == "assessing-body-missing"]
    assert len(warnings) == 1 and warnings[0]["severity"] == F.WARNING
    _, message, hint = F.CATALOGUE["assessing-body-missing"]
    assert warnings[0]["message"] == message.format(year=2025, placeholder=dossier.PLACEHOLDER_BODY)
    assert warnings[0]["hint"] == F.render(hint, {}, F.PAPER)
    path = result["files"]["Tờ trình"]
    lines = paragraphs(path)
    assert f"Kính gửi: {dossier.PLACEHOLDER_BODY}." in lines
    assert not [line for line in lines if "huyện" in line.lower() or "Phòng Giáo dục" in line]
    # the placeholder is highlighted wherever the built-in templates name the recipient
    document = docx.Document(str(path))
    marked = [r for p in document.element.body.iter(qn("w:p")) for r in docx.text.paragraph.Paragraph(p, None).runs
              if r.text == dossier.PLACEHOLDER_BODY]
    assert len(marked) >= 3 and all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in marked)
    check_layout(path, minutes=False)


def test_before_the_reform_the_circulars_body_of_the_district_is_used(tt44, tt25):
    assert "Kính gửi: Ủy ban nhân dân huyện Định Hóa." in paragraphs(tt44["files"]["Tờ trình"])
    assert "- Hội Khuyến học huyện Định Hóa;" in paragraphs(tt44["files"]["Tờ trình"])
    assert "Kính gửi: Phòng Giáo dục và Đào tạo huyện Định Hóa." in paragraphs(tt25["files"]["Tờ trình"])
    for result in (tt44, tt25):
        assert "assessing-body-missing" not in [f["code"] for f in result["report"]["findings"]]


def test_the_dossier_date_rule_follows_the_reform():
    assert not dossier.after_reform(2024, points=True) and dossier.after_reform(2025, points=True)
    assert not dossier.after_reform(2024, points=False)       # filed before 28/02/2025
    assert dossier.after_reform(2025, points=False)


def test_plan_fields_round_trip_through_the_plan_workbook(tmp_path):
    from cdht_excel.commune.plan_sheet import read_plan
    path = plan_with_people(tmp_path, assessing_body="Ủy ban nhân dân tỉnh Thái Nguyên", report_by="ubnd")
    plan, problems = read_plan(path)
    assert problems == [] and plan.assessing_body == "Ủy ban nhân dân tỉnh Thái Nguyên" and plan.report_by_ubnd
    wb = openpyxl.load_workbook(path)
    rows = {r[0].value: r[1].value for r in wb["Thông tin"].iter_rows() if r[0].value}
    assert rows["Cơ quan đánh giá, công nhận"] == "Ủy ban nhân dân tỉnh Thái Nguyên"
    assert rows["Cơ quan ban hành báo cáo"] == "Ủy ban nhân dân xã"
    for row in wb["Thông tin"].iter_rows():
        if row[0].value == "Cơ quan ban hành báo cáo":
            row[1].value = "Ban chỉ đạo"
    wb.save(path)
    _, problems = read_plan(path)
    assert [p.code for p in problems] == ["plan-bad-report-by"]


def test_plan_init_after_the_reform_warns_without_a_body(tmp_path):
    from support import run_cli
    code, output = run_cli("plan", "init", "-o", tmp_path / "kh.xlsx", "--commune", "Đồng Thịnh", "--year", 2025,
                           "--rubric", "tt25-2023")
    assert code == 0
    message = F.CATALOGUE["assessing-body-missing"][1]
    assert message.format(year=2025, placeholder=dossier.PLACEHOLDER_BODY) in output
    _, output = run_cli("plan", "init", "-o", tmp_path / "kh2.xlsx", "--commune", "Đồng Thịnh", "--year", 2025,
                        "--rubric", "tt25-2023", "--assessing-body", "Sở Giáo dục và Đào tạo tỉnh Thái Nguyên")
    assert "01/07/2025" not in output

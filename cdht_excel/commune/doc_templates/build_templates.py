"""Build the dossier templates shipped beside this script (docxtpl: Jinja tags inside .docx).

    python cdht_excel/commune/doc_templates/build_templates.py            # rewrite the .docx beside this file
    python cdht_excel/commune/doc_templates/build_templates.py OUT_DIR    # write them elsewhere

The built .docx are committed and shipped with the package; `cdht merge --docs` fills them
(`cdht_excel/dossier.py` builds the context). They are generated, never edited here by hand: change
this script and run it again (a test checks that the shipped files equal what it builds now).
A commune that wants other wording copies a .docx, edits it in Word (keeping the {{ … }} and
{% … %} tags) and passes the folder with `--docs-templates`.

Layout: Nghị định 30/2020/NĐ-CP, Phụ lục I (docs/legal/nd30-2020.md; tests/test_dossier_layout.py checks
each element) — A4; margins top 2 cm, bottom 2 cm, left 3 cm, right 2 cm; Times New Roman; body 14 pt,
justified, first-line indent 1 cm, 6 pt between paragraphs, single spacing; the issuing body (left, 13 pt
bold) and the quốc hiệu (13 pt bold) and tiêu ngữ (14 pt bold) (right) in a borderless two-column table
with the number (13 pt) and the place-and-date line (14 pt italic) on the second row; a short rule under
the body name, the motto and the summary line; "Nơi nhận" bottom left (12 pt bold italic, list 11 pt); the
signature block bottom right (14 pt bold); page numbers centred at the top from page 2 (a header that
page 1 does not use). Biên bản after Mẫu 1.9: no place-and-date line, time, place, attendance, chair and
secretary first, the secretary signs left and the chair (chủ tọa) right, "Nơi nhận" under them.

The blocks (`national_header`, `title`, `addressee`, `recipients_list`, `recipients_and_signature`,
`confirmation_and_signature`, `two_signatures`, `meeting_opening`, `meeting_closing`) are meant for every
document of the project, district ones included.

Templates (the `-tt25` ones serve every rubric classified by levels, such as TT 25/2023):

    to-trinh.docx           Tờ trình (TT 44/2014 Điều 5.1.a)
    bao-cao.docx            Báo cáo of the Hội Khuyến học xã with the chairman's confirmation (Điều 5.1.b,
                            6.2), or of the UBND xã when the plan says so (no confirmation then)
    bien-ban.docx           Biên bản tự kiểm tra, đánh giá, xếp loại (Điều 5.1.c)
    to-trinh-tt25.docx      Tờ trình đề nghị đánh giá, công nhận (TT 25/2023 Điều 9.1.d)
    bao-cao-tt25.docx       Báo cáo tự đánh giá, công nhận (Điều 9.1.b, d)
    ban-tong-hop-tt25.docx  Bản tổng hợp kết quả đánh giá các tiêu chí, chỉ tiêu (Điều 9.1.b, d)
    bien-ban-tt25.docx      Biên bản of the meeting of Điều 9.1.c (kept by the commune; not a
                            component of the dossier listed in Điều 9.1.d)
"""
from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from cdht_excel.commune.dossier import fixed_zip

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"
TEXT_WIDTH = 16.0            # cm: A4 21 − left 3 − right 2
RED = RGBColor(0xC0, 0x00, 0x00)
PPR_TAIL = ("w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
            "w:rPr", "w:sectPr", "w:pPrChange")
FIXED_TIME = datetime(2025, 1, 1)

LEFT, CENTER, RIGHT, JUSTIFY = (WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT,
                                WD_ALIGN_PARAGRAPH.JUSTIFY)


# --------------------------------------------------------------------------- page and styles

def new_document(title: str):
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.header_distance, section.footer_distance = Cm(1), Cm(1)
    _default_font(doc)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.0
    fmt.widow_control = True
    # NĐ 30: page numbers centred at the top, from the second page on
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = CENTER
    _field(header, "PAGE", size=13)
    section.first_page_header.is_linked_to_previous = False      # page 1: an empty header of its own
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "cdht-excel", "cdht-excel"
    props.comments = "Mẫu hồ sơ “Cộng đồng học tập” (cdht-excel). Khi sửa, giữ nguyên các thẻ trong dấu ngoặc nhọn."
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.language = "vi-VN"
    # the body of python-docx's default document starts with nothing we want
    for p in list(doc.paragraphs):
        p._element.getparent().remove(p._element)
    return doc


def _default_font(doc) -> None:
    """Times New Roman for every script and Vietnamese as the language, in the document defaults."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for key in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(key), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "vi-VN")
    lang.set(qn("w:eastAsia"), "vi-VN")
    lang.set(qn("w:bidi"), "ar-SA")


def _field(paragraph, instruction: str, size: int) -> None:
    def run_with(child):
        r = paragraph.add_run()
        r.font.size = Pt(size)
        r._r.append(child)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


# --------------------------------------------------------------------------- paragraphs

def para(container, text: str = "", *, align=JUSTIFY, indent: bool = True, size: float | None = None,
         bold: bool = False, italic: bool = False, after: float = 6, before: float = 0, keep_next: bool = False,
         color=None, line: float | None = None, first_paragraph: bool = False):
    """A paragraph; `**…**` marks bold spans, `[[…]]` highlighted places to write in, `<<flag:var>>` a value
    highlighted when `flag` is false."""
    p = container.paragraphs[0] if first_paragraph else container.add_paragraph()
    fmt = p.paragraph_format
    p.alignment = align
    fmt.first_line_indent = Cm(1) if indent and align in (JUSTIFY, LEFT) else None
    fmt.space_after, fmt.space_before = Pt(after), Pt(before)
    if line is not None:
        fmt.line_spacing = line
    if keep_next:
        fmt.keep_with_next = True
    for chunk, chunk_bold, mark in _spans(text):
        run = p.add_run(chunk)
        run.bold = bold or chunk_bold or None
        run.italic = italic or None
        if size:
            run.font.size = Pt(size)
        if color is not None:
            run.font.color.rgb = color
        if mark:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return p


def _spans(text: str):
    """'a **b** [[c]]' -> [('a ', False, False), ('b', True, False), (' ', False, False), ('[c]', False, True)].

    `<<flag:var>>` is the value of `var`, highlighted as a place to write in when `flag` is false (for
    example the recipient while the plan names no assessing body).
    """
    out, bold, i = [], False, 0
    buf = ""
    while i < len(text):
        if text.startswith("**", i):
            if buf:
                out.append((buf, bold, False))
                buf = ""
            bold = not bold
            i += 2
        elif text.startswith("<<", i):
            end = text.index(">>", i)
            flag, var = text[i + 2:end].split(":")
            if buf:
                out.append((buf, bold, False))
                buf = ""
            out += [(f"{{% if {flag} %}}{{{{ {var} }}}}{{% else %}}", bold, False), (f"{{{{ {var} }}}}", bold, True),
                    ("{% endif %}", bold, False)]
            i = end + 2
        elif text.startswith("[[", i):
            end = text.index("]]", i)
            if buf:
                out.append((buf, bold, False))
                buf = ""
            out.append(("[" + text[i + 2:end] + "]", bold, True))
            i = end + 2
        else:
            buf += text[i]
            i += 1
    if buf:
        out.append((buf, bold, False))
    return out


def tag(container, text: str, first_paragraph: bool = False):
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); it disappears when rendered."""
    p = container.paragraphs[0] if first_paragraph else container.add_paragraph()
    p.add_run(text)
    p.paragraph_format.space_after = Pt(0)
    return p


def rule(container, length_cm: float, width_cm: float, after: float = 6, first_paragraph: bool = False):
    """A short centred line (NĐ 30: under the body name, the motto and the summary line)."""
    p = container.paragraphs[0] if first_paragraph else container.add_paragraph()
    fmt = p.paragraph_format
    side = max(0.0, (width_cm - length_cm) / 2)
    fmt.left_indent, fmt.right_indent = Cm(side), Cm(side)
    fmt.space_before, fmt.space_after = Pt(0), Pt(after)
    fmt.line_spacing = Pt(2)
    run = p.add_run()
    run.font.size = Pt(1)
    _border(p, {"bottom": ("single", 6, "000000")})
    return p


def _border(paragraph, sides: dict) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        if side in sides:
            kind, size, color = sides[side]
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:val"), kind)
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "4")
            el.set(qn("w:color"), color)
            bdr.append(el)
    # pBdr comes before shd, tabs, spacing, ind, jc in CT_PPr
    ppr.insert_element_before(bdr, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
                              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", *PPR_TAIL)


def _shade(paragraph, fill: str) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    ppr.insert_element_before(shd, "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
                              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", *PPR_TAIL)


# --------------------------------------------------------------------------- tables

def table(doc, widths, rows: int, grid: bool = True, margins_cm: float | None = None):
    t = doc.add_table(rows=rows, cols=len(widths))
    if grid:
        t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    tbl_pr = t._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    total = OxmlElement("w:tblW")
    total.set(qn("w:w"), str(int(sum(widths) * 567)))
    total.set(qn("w:type"), "dxa")
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(total)
    if margins_cm is not None:
        mar = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), str(int(margins_cm * 567)))
            el.set(qn("w:type"), "dxa")
            mar.append(el)
        tbl_pr.append(mar)
    for col, width in zip(t.columns, widths):
        col.width = Cm(width)
    for row in t.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)
        if grid:
            cant_split(row)     # a row is never cut in two by a page break
    return t


def cell_para(cell, text: str = "", *, first: bool = False, align=LEFT, size: float = 13, bold: bool = False,
              italic: bool = False, after: float = 0, before: float = 0):
    return para(cell, text, align=align, indent=False, size=size, bold=bold, italic=italic, after=after,
                before=before, first_paragraph=first)


def row_tag(t, row_index: int, text: str) -> None:
    """A docxtpl row tag ({%tr … %}) alone in a row; the row disappears when rendered."""
    cell_para(t.rows[row_index].cells[0], text, first=True, size=10)


def header_row(t, index: int, labels) -> None:
    row = t.rows[index]
    for cell, label in zip(row.cells, labels):
        cell_para(cell, label, first=True, align=CENTER, bold=True, size=13, before=2, after=2)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    tr_pr = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    tr_pr.append(repeat)


def cant_split(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


# --------------------------------------------------------------------------- blocks shared by every document

def draft_block(doc) -> None:
    """A red framed notice, only in a draft: why, and what is missing (NĐ 30 has no such block)."""
    tag(doc, "{%p if draft %}")
    box = {s: ("single", 12, "C00000") for s in ("top", "left", "bottom", "right")}
    p = para(doc, "{{ draft_title }}", align=CENTER, indent=False, bold=True, size=14, color=RED, after=2)
    _border(p, box)
    _shade(p, "FDECEC")
    p = para(doc, "{{ draft_reason }}", align=LEFT, indent=False, size=12, color=RED, after=2)
    _border(p, box)
    _shade(p, "FDECEC")
    tag(doc, "{%p for line in missing %}")
    p = para(doc, "- {{ line }}", align=LEFT, indent=False, size=11, color=RED, after=0)
    _border(p, box)
    _shade(p, "FDECEC")
    tag(doc, "{%p endfor %}")
    p = para(doc, "{{ draft_hint }}", align=LEFT, indent=False, size=11, italic=True, color=RED, after=8)
    _border(p, box)
    _shade(p, "FDECEC")
    tag(doc, "{%p endif %}")


UBND_LINES = ("ỦY BAN NHÂN DÂN", "{{ body_line }}")
# issuing body | national motto: the right cell holds "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" (13 pt bold) on one
# line, as Phụ lục I lays it out (about 9,6 cm in Times New Roman; narrower cells wrap it)
HEADER_WIDTHS = (6.0, 10.0)


def national_header(doc, number: str | None, date_line: bool = True, body_lines=UBND_LINES) -> None:
    """Issuing body | national motto; number | place and date (NĐ 30, Phụ lục I: body 13 pt bold upper case,
    quốc hiệu 13 pt bold upper case, tiêu ngữ 14 pt bold, số 13 pt, place and date 14 pt italic).

    `body_lines` are the issuing body's lines (text or tags), `number` the symbol after "Số: …/" (text or
    tags), `date_line` False for a biên bản (Mẫu 1.9: no place-and-date line).
    """
    widths = HEADER_WIDTHS
    t = table(doc, widths, rows=2, grid=False, margins_cm=0)
    left, right = t.cell(0, 0), t.cell(0, 1)
    tag(left, "{%p if district_line %}", first_paragraph=True)
    cell_para(left, "{{ district_line }}", align=CENTER, size=13)
    tag(left, "{%p endif %}")
    for line in body_lines:
        cell_para(left, line, align=CENTER, size=13, bold=True)
    rule(left, 2.0, widths[0], after=4)
    cell_para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", first=True, align=CENTER, size=13, bold=True)
    cell_para(right, "Độc lập - Tự do - Hạnh phúc", align=CENTER, size=14, bold=True)
    rule(right, 6.0, widths[1], after=4)
    if number:
        cell_para(t.cell(1, 0), f"Số: …/{number}", first=True, align=CENTER, size=13, before=2)
    if date_line:
        cell_para(t.cell(1, 1), "{{ place }}, ngày … tháng … năm {{ doc_year }}", first=True, align=CENTER,
                  size=14, italic=True, before=2)


def title(doc, name: str, summary_lines) -> None:
    """Document type (tên loại) and summary (trích yếu), 14 pt bold, centred, a short rule under them."""
    para(doc, name, align=CENTER, indent=False, bold=True, size=14, before=18, after=0, keep_next=True)
    for line in summary_lines:
        para(doc, line, align=CENTER, indent=False, bold=True, size=14, after=0, keep_next=True)
    rule(doc, 3.0, TEXT_WIDTH, after=12)


def heading(doc, text: str) -> None:
    para(doc, text, bold=True, before=6, keep_next=True)


def addressee(doc, variable: str = "recipient", known: str = "recipient_known") -> None:
    """"Kính gửi: …." centred under the summary; the recipient highlighted while it is a placeholder."""
    para(doc, f"Kính gửi: <<{known}:{variable}>>.", align=CENTER, indent=False, after=12)


def recipients_list(container, recipients, first: bool = False) -> None:
    """"Nơi nhận:" 12 pt bold italic and its list 11 pt (NĐ 30, Phụ lục I); lines starting with {% are tags."""
    para(container, "Nơi nhận:", align=LEFT, indent=False, size=12, bold=True, italic=True, after=0, before=6,
         first_paragraph=first)
    for line in recipients:
        if line.startswith("{%"):
            tag(container, line)
        else:
            para(container, line, align=LEFT, indent=False, size=11, after=0)


def recipients_and_signature(doc, recipients, signer_lines, name_var: str = "chair",
                             signer_missing: str = "Họ và tên") -> None:
    """'Nơi nhận' bottom left, the signature block bottom right (NĐ 30, Phụ lục I)."""
    _keep_last_with_signature(doc)
    widths = (7.0, 9.0)
    t = table(doc, widths, rows=1, grid=False, margins_cm=0)
    cant_split(t.rows[0])
    recipients_list(t.cell(0, 0), recipients, first=True)
    signature(t.cell(0, 1), signer_lines, name_var, signer_missing, first=True)


def confirmation_and_signature(doc, confirm_lines, confirm_var: str, signer_lines, name_var: str,
                               recipients) -> None:
    """A document confirmed by another authority: the confirmation bottom left, the signer bottom right,
    'Nơi nhận' under them (TT 44 Điều 5.1.b: the báo cáo confirmed by the Chủ tịch UBND xã). Both blocks have
    as many lines, so the two names stand level."""
    widths = (8.0, 8.0)
    t = table(doc, widths, rows=1, grid=False, margins_cm=0)
    cant_split(t.rows[0])
    signature(t.cell(0, 0), confirm_lines, confirm_var, "Họ và tên", first=True)
    signature(t.cell(0, 1), signer_lines, name_var, "Họ và tên", first=True)
    recipients_list(doc, recipients)


def _keep_last_with_signature(doc) -> None:
    """The closing paragraph moves with the signature: a signature never stands alone on a page."""
    doc.paragraphs[-1].paragraph_format.keep_with_next = True


def signature(cell, signer_lines, name_var, signer_missing, first=False) -> None:
    """Authority and title (14 pt bold, upper case), room to sign, the name (14 pt bold)."""
    for i, line in enumerate(signer_lines):
        para(cell, line, align=CENTER, indent=False, size=14, bold=True, after=0, before=6 if i == 0 else 0,
             first_paragraph=first and i == 0, keep_next=True)
    tag(cell, f"{{%p if {name_var} %}}")
    para(cell, f"{{{{ {name_var} }}}}", align=CENTER, indent=False, size=14, bold=True, before=78, after=0)
    tag(cell, "{%p else %}")
    para(cell, f"[[{signer_missing}]]", align=CENTER, indent=False, size=14, bold=True, before=78, after=0)
    tag(cell, "{%p endif %}")


def two_signatures(doc, left_title: str, right_title: str, left_name: str = "secretary",
                   right_name: str = "chair", recipients=None) -> None:
    """Mẫu 1.9 (biên bản): the secretary on the left, the chair on the right; 'Nơi nhận' under them."""
    _keep_last_with_signature(doc)
    widths = (8.0, 8.0)
    t = table(doc, widths, rows=1, grid=False, margins_cm=0)
    cant_split(t.rows[0])
    signature(t.cell(0, 0), [left_title], left_name, "Họ và tên", first=True)
    signature(t.cell(0, 1), [right_title], right_name, "Họ và tên", first=True)
    if recipients:
        recipients_list(doc, recipients)


def participants(doc) -> None:
    tag(doc, "{%p for p in participants %}")
    para(doc, "- {{ p.role }}: {{ p.person }}{{ p.sep }}")
    tag(doc, "{%p endfor %}")


def meeting_opening(doc, purpose: str) -> None:
    """Mẫu 1.9: time, place, who attends, who chairs, who writes the minutes."""
    para(doc, "Thời gian bắt đầu: … giờ … phút, ngày … tháng … năm {{ doc_year }}.")
    para(doc, "Địa điểm: ……………………………………………………………………")
    para(doc, purpose)
    para(doc, "Thành phần tham dự:", keep_next=True)
    participants(doc)
    para(doc, "Chủ trì (chủ tọa): {{ chair_person }}, {{ chair_role }}.")
    para(doc, "Thư ký (người ghi biên bản): Ông (bà) ……………………, chức vụ ……………………")


def meeting_closing(doc) -> None:
    para(doc, "Cuộc họp kết thúc vào … giờ … phút, ngày … tháng … năm {{ doc_year }}; biên bản đã được đọc lại "
              "cho các thành viên dự họp cùng nghe và nhất trí thông qua./.")


def class_reason(doc, result: str = "xếp loại") -> None:
    """Why the result is undecided, in a paragraph of its own after the one that states the class (only when
    undecided): inline, in bold, the reason made the sentence a paragraph long."""
    tag(doc, "{%p if class_reason %}")
    para(doc, f"Lý do chưa xác định được {result}: {{{{ class_reason }}}}.")
    tag(doc, "{%p endif %}")


UBND_SIGNER = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
DISTRICT_PROMOTION = ["{%p if district_promotion %}", "- {{ district_promotion }};", "{%p endif %}"]


# --------------------------------------------------------------------------- TT 44/2014 (points)

def to_trinh_tt44():
    doc = new_document("Tờ trình đề nghị kiểm tra, đánh giá, xếp loại “Cộng đồng học tập” cấp xã")
    draft_block(doc)
    national_header(doc, "TTr-UBND")
    title(doc, "TỜ TRÌNH", ["Về việc đề nghị kiểm tra, đánh giá, xếp loại",
                            "“Cộng đồng học tập” cấp xã năm {{ year }}"])
    addressee(doc)
    para(doc, "Căn cứ {{ legal_ref }};")
    para(doc, "Căn cứ Kế hoạch số …/KH-UBND ngày … tháng … năm {{ year }} của Ủy ban nhân dân {{ commune_label }} "
              "về tự kiểm tra, đánh giá và xếp loại “Cộng đồng học tập” cấp xã năm {{ year }};")
    para(doc, "Căn cứ kết quả tự kiểm tra, đánh giá, xếp loại “Cộng đồng học tập” cấp xã năm {{ year }} "
              "(Biên bản số …/BB-UBND ngày … tháng … năm {{ doc_year }}),")
    para(doc, "Ủy ban nhân dân {{ commune_label }} đã tự kiểm tra, đánh giá {{ criteria|length }} tiêu chí theo "
              "{{ circular }}: tổng số điểm đạt được là **{{ total }}/{{ max_total }} điểm**; "
              "{{ zero_phrase }}; tự xếp loại: **{{ class_short }}**.")
    class_reason(doc)
    # an undecided result is not a class to propose: the request then names none
    para(doc, "Ủy ban nhân dân {{ commune_label }} kính đề nghị <<recipient_known:recipient_plain>> kiểm tra, đánh "
              "giá, xếp loại “Cộng đồng học tập” cấp xã năm {{ year }} đối với {{ commune_label }}"
              "{% if not class_reason %} ở loại **{{ class_short }}**{% endif %}.")
    para(doc, "Hồ sơ kèm theo (quy định tại {{ dossier_citation }}):", keep_next=True)
    para(doc, "1. Báo cáo của {{ report_issuer_plain }} đánh giá kết quả xây dựng “Cộng đồng học tập” cấp xã năm "
              "{{ year }} (kèm theo các minh chứng phù hợp với các tiêu chí){% if report_confirmed %}, có xác nhận "
              "của Chủ tịch Ủy ban nhân dân {{ commune_kind }}{% endif %};")
    para(doc, "2. Biên bản tự kiểm tra, đánh giá, xếp loại “Cộng đồng học tập” cấp xã năm {{ year }}.")
    para(doc, "Ủy ban nhân dân {{ commune_label }} kính trình <<recipient_known:recipient_plain>> xem xét, quyết "
              "định./.")
    recipients_and_signature(doc, ["- Như trên;", *DISTRICT_PROMOTION, "- Hội Khuyến học {{ commune_kind }};",
                                   "- Lưu: VT."], UBND_SIGNER)
    return doc


def bao_cao_tt44():
    """Issued by the Hội Khuyến học xã and confirmed by the Chủ tịch UBND xã (Điều 5.1.b, 6.2), or issued by
    the UBND xã when the plan says so (then signed by the Chủ tịch, without a confirmation)."""
    doc = new_document("Báo cáo đánh giá kết quả xây dựng “Cộng đồng học tập” cấp xã")
    draft_block(doc)
    national_header(doc, "{{ report_symbol }}", body_lines=("{{ report_issuer }}", "{{ body_line }}"))
    title(doc, "BÁO CÁO", ["Đánh giá kết quả xây dựng “Cộng đồng học tập” cấp xã năm {{ year }}"])
    para(doc, "Thực hiện {{ legal_ref }}; căn cứ Kế hoạch số …/KH-UBND ngày … tháng … năm {{ year }} của Ủy ban "
              "nhân dân {{ commune_label }} về tự kiểm tra, đánh giá và xếp loại “Cộng đồng học tập” cấp xã năm "
              "{{ year }}, {{ report_issuer_plain }} báo cáo kết quả như sau:")
    heading(doc, "I. CÔNG TÁC TỔ CHỨC THỰC HIỆN")
    para(doc, "Ủy ban nhân dân {{ commune_kind }} phân công {{ units|length }} đơn vị phụ trách giám sát, đánh giá "
              "{{ criteria|length }} tiêu chí; các đơn vị theo dõi, thu thập minh chứng, tự đánh giá, chấm điểm "
              "tiêu chí được giao và báo cáo tại cuộc họp cuối kỳ để thống nhất điểm từng tiêu chí.")
    heading(doc, "II. KẾT QUẢ ĐÁNH GIÁ TỪNG TIÊU CHÍ")
    tag(doc, "{%p for c in criteria %}")
    para(doc, "**Tiêu chí {{ c.id }}. {{ c.title }}**", keep_next=True, before=4)
    para(doc, "- Đơn vị phụ trách: {{ c.unit }}.")
    para(doc, "- Kết quả tự đánh giá: **{{ c.result }}**.")
    tag(doc, "{%p if c.evidence %}")
    para(doc, "- Minh chứng:", keep_next=True)
    tag(doc, "{%p for e in c.evidence %}")
    para(doc, "+ {{ e }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p else %}")
    para(doc, "- Minh chứng: không có.")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    heading(doc, "III. KẾT QUẢ CHUNG")
    para(doc, "Tổng số điểm đạt được: **{{ total }}/{{ max_total }} điểm**; {{ zero_phrase }}.")
    para(doc, "Tự xếp loại: **{{ class_short }}**{{ class_citation_note }}.")
    class_reason(doc)
    heading(doc, "IV. KHÓ KHĂN, TỒN TẠI")
    para(doc, "[[Ghi khó khăn, tồn tại trong xây dựng “Cộng đồng học tập” của xã năm {{ year }}]]")
    heading(doc, "V. ĐỀ XUẤT, KIẾN NGHỊ")
    para(doc, "[[Ghi đề xuất, kiến nghị với cơ quan đánh giá, công nhận và các cơ quan liên quan]]")
    para(doc, "Trên đây là báo cáo đánh giá kết quả xây dựng “Cộng đồng học tập” cấp xã năm {{ year }} của "
              "{{ commune_label }}; các minh chứng của từng tiêu chí được gửi kèm theo báo cáo này./.")
    recipients = ["- <<recipient_known:recipient_short>>;", *DISTRICT_PROMOTION, "- Lưu: VT."]
    _keep_last_with_signature(doc)
    tag(doc, "{%p if report_confirmed %}")
    confirmation_and_signature(doc, ["XÁC NHẬN CỦA CHỦ TỊCH", "UBND {{ body_line }}"], "chair",
                               ["{{ report_signer_role }}", "CHỦ TỊCH"], "report_signer", recipients)
    tag(doc, "{%p else %}")
    recipients_and_signature(doc, recipients, ["{{ report_signer_role }}", "CHỦ TỊCH"], name_var="report_signer")
    tag(doc, "{%p endif %}")
    return doc


def bien_ban_tt44():
    doc = new_document("Biên bản tự kiểm tra, đánh giá, xếp loại “Cộng đồng học tập” cấp xã")
    draft_block(doc)
    national_header(doc, "BB-UBND", date_line=False)
    title(doc, "BIÊN BẢN", ["Tự kiểm tra, đánh giá, xếp loại “Cộng đồng học tập” cấp xã năm {{ year }}"])
    meeting_opening(doc, "Nội dung: Ủy ban nhân dân {{ commune_label }} họp tự kiểm tra, đánh giá, xếp loại “Cộng "
                         "đồng học tập” cấp xã năm {{ year }}.")
    heading(doc, "I. KẾT QUẢ ĐÁNH GIÁ CÁC TIÊU CHÍ")
    para(doc, "Các đơn vị được phân công giám sát, đánh giá các tiêu chí báo cáo kết quả cùng với các minh chứng; "
              "cuộc họp trao đổi và thống nhất điểm từng tiêu chí như sau:")
    widths = (1.2, 8.3, 4.3, 2.2)
    t = table(doc, widths, rows=6)
    header_row(t, 0, ["TT", "Tiêu chí", "Đơn vị phụ trách", "Điểm"])
    row_tag(t, 1, "{%tr for c in criteria %}")
    cells = t.rows[2].cells
    cell_para(cells[0], "{{ c.id }}", first=True, align=CENTER)
    cell_para(cells[1], "{{ c.title }}", first=True, align=LEFT)
    cell_para(cells[2], "{{ c.unit }}", first=True, align=LEFT)
    cell_para(cells[3], "{{ c.score_text }}", first=True, align=CENTER)
    row_tag(t, 3, "{%tr endfor %}")
    total = t.rows[4].cells
    merged = total[0].merge(total[2])
    cell_para(merged, "Tổng số điểm", first=True, align=CENTER, bold=True)
    cell_para(total[3], "{{ total }}", first=True, align=CENTER, bold=True)
    # the class alone, two columns wide: why a result is undecided is a paragraph of its own under the table
    # (in the score column it made a row taller than a page, pushed alone onto the next one)
    last = t.rows[5].cells
    cell_para(last[0].merge(last[1]), "Xếp loại", first=True, align=CENTER, bold=True)
    cell_para(last[2].merge(last[3]), "{{ class_short }}", first=True, align=CENTER, bold=True)
    para(doc, "", after=0)
    class_reason(doc)
    heading(doc, "II. KẾT LUẬN")
    para(doc, "Tổng số điểm đạt được: **{{ total }}/{{ max_total }} điểm**; {{ zero_phrase }}.")
    para(doc, "Cuộc họp thống nhất tự xếp loại “Cộng đồng học tập” cấp xã năm {{ year }} của {{ commune_label }}: "
              "**{{ class_short_upper }}**{{ class_citation_note }}.")
    para(doc, "Cuộc họp giao Hội Khuyến học {{ commune_kind }} hoàn thiện hồ sơ, trình Chủ tịch Ủy ban nhân dân "
              "{{ commune_kind }} ký tờ trình đề nghị <<recipient_known:recipient_plain>> kiểm tra, đánh giá, xếp "
              "loại theo quy định.")
    meeting_closing(doc)
    two_signatures(doc, "THƯ KÝ", "CHỦ TỌA",
                   recipients=["- Hội Khuyến học {{ commune_kind }};", "- Lưu: VT, hồ sơ."])
    return doc


# --------------------------------------------------------------------------- TT 25/2023 (levels)

# levels as the classes are listed everywhere: the higher first (Mức độ 2, Mức độ 1, Chưa đạt)
LEVEL_HEADS = ("Mức độ 2", "Mức độ 1")


def to_trinh_tt25():
    doc = new_document("Tờ trình đề nghị đánh giá, công nhận “Cộng đồng học tập” cấp xã")
    draft_block(doc)
    national_header(doc, "TTr-UBND")
    title(doc, "TỜ TRÌNH", ["Đề nghị đánh giá, công nhận “Cộng đồng học tập” cấp xã",
                            "{{ level_text }} năm {{ year }}"])
    addressee(doc)
    para(doc, "Căn cứ {{ legal_ref }};")
    para(doc, "Căn cứ kết quả tự đánh giá “Cộng đồng học tập” cấp xã năm {{ year }} của {{ commune_label }} (Báo "
              "cáo số …/BC-UBND ngày … tháng … năm {{ doc_year }} và bản tổng hợp kết quả đánh giá các tiêu chí, "
              "chỉ tiêu kèm theo),")
    para(doc, "Ủy ban nhân dân {{ commune_label }} đã tự đánh giá {{ criteria|length }} tiêu chí, "
              "{{ indicator_count }} chỉ tiêu với thông tin, số liệu tính từ ngày 01/01/{{ year }} đến ngày "
              "31/12/{{ year }}: {{ level_summary }}. Kết quả: **{{ class_short }}**{{ class_citation_note }}.")
    class_reason(doc, "kết quả")
    para(doc, "Ủy ban nhân dân {{ commune_label }} đề nghị <<recipient_known:recipient_plain>> đánh giá, công nhận "
              "{{ commune_label }} đạt “Cộng đồng học tập” cấp xã **{{ level_text }}** năm {{ year }}.")
    para(doc, "Hồ sơ kèm theo (quy định tại {{ dossier_citation }}):", keep_next=True)
    para(doc, "1. Báo cáo tự đánh giá, công nhận “Cộng đồng học tập” cấp xã năm {{ year }};")
    para(doc, "2. Bản tổng hợp kết quả đánh giá các tiêu chí, chỉ tiêu.")
    para(doc, "Kính đề nghị <<recipient_known:recipient_plain>> xem xét, công nhận./.")
    recipients_and_signature(doc, ["- Như trên;", "- Hội Khuyến học {{ commune_kind }};", "- Lưu: VT."],
                             UBND_SIGNER)
    return doc


def bao_cao_tt25():
    doc = new_document("Báo cáo tự đánh giá, công nhận “Cộng đồng học tập” cấp xã")
    draft_block(doc)
    national_header(doc, "BC-UBND")
    title(doc, "BÁO CÁO", ["Tự đánh giá, công nhận “Cộng đồng học tập” cấp xã năm {{ year }}"])
    para(doc, "Thực hiện {{ legal_ref }}, Ủy ban nhân dân {{ commune_label }} báo cáo kết quả tự đánh giá “Cộng "
              "đồng học tập” cấp xã năm {{ year }} (thông tin, số liệu tính từ ngày 01/01/{{ year }} đến ngày "
              "31/12/{{ year }}) như sau:")
    heading(doc, "I. CÔNG TÁC TỔ CHỨC TỰ ĐÁNH GIÁ")
    para(doc, "Ủy ban nhân dân {{ commune_kind }} phân công {{ units|length }} đơn vị phụ trách đánh giá "
              "{{ criteria|length }} tiêu chí, {{ indicator_count }} chỉ tiêu; các đơn vị thu thập thông tin, số "
              "liệu, minh chứng và báo cáo kết quả tại cuộc họp xem xét, đánh giá, thống nhất kết quả tự đánh giá.")
    heading(doc, "II. KẾT QUẢ ĐÁNH GIÁ CÁC TIÊU CHÍ, CHỈ TIÊU")
    tag(doc, "{%p for c in criteria %}")
    para(doc, "**Tiêu chí {{ c.id }}: {{ c.title }}**", keep_next=True, before=4)
    para(doc, "- Đơn vị phụ trách: {{ c.unit }}.")
    tag(doc, "{%p for i in c.indicators %}")
    para(doc, "- Chỉ tiêu {{ i.id }}. {{ i.text }}: **{{ i.detail }}** (mức độ 2: {{ i.level_2 }}; mức độ 1: "
              "{{ i.level_1 }}).")
    tag(doc, "{%p for e in i.evidence %}")
    para(doc, "+ Minh chứng: {{ e }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    para(doc, "- Đánh giá tiêu chí {{ c.id }}: **{{ c.result }}**.")
    tag(doc, "{%p endfor %}")
    heading(doc, "III. KẾT QUẢ CHUNG")
    para(doc, "{{ level_summary_sentence }}")
    para(doc, "Kết quả tự đánh giá: **{{ class_short }}**{{ class_citation_note }}.")
    class_reason(doc, "kết quả")
    heading(doc, "IV. KHÓ KHĂN, TỒN TẠI")
    para(doc, "[[Ghi khó khăn, tồn tại trong xây dựng “Cộng đồng học tập” của xã năm {{ year }}]]")
    heading(doc, "V. ĐỀ XUẤT, KIẾN NGHỊ")
    para(doc, "[[Ghi đề xuất, kiến nghị với cấp trên và các cơ quan liên quan]]")
    para(doc, "Trên đây là báo cáo tự đánh giá, công nhận “Cộng đồng học tập” cấp xã năm {{ year }} của "
              "{{ commune_label }}./.")
    recipients_and_signature(doc, ["- <<recipient_known:recipient_short>>;", "- Lưu: VT."], UBND_SIGNER)
    return doc


def ban_tong_hop_tt25():
    doc = new_document("Bản tổng hợp kết quả đánh giá các tiêu chí, chỉ tiêu “Cộng đồng học tập” cấp xã")
    draft_block(doc)
    national_header(doc, None)
    title(doc, "BẢN TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ CÁC TIÊU CHÍ, CHỈ TIÊU",
          ["“Cộng đồng học tập” cấp xã năm {{ year }} của {{ commune_label }}"])
    para(doc, "(Kèm theo Báo cáo số …/BC-UBND ngày … tháng … năm {{ doc_year }} của Ủy ban nhân dân "
              "{{ commune_label }}; thông tin, số liệu tính từ ngày 01/01/{{ year }} đến ngày 31/12/{{ year }})",
         align=CENTER, indent=False, italic=True, size=13, after=8)
    widths = (1.2, 7.4, 2.8, 2.3, 2.3)
    t = table(doc, widths, rows=8)
    header_row(t, 0, ["Mã", "Tiêu chí, chỉ tiêu", "Kết quả, số liệu", *LEVEL_HEADS])
    row_tag(t, 1, "{%tr for r in rows %}")
    row_tag(t, 2, "{%tr if r.criterion %}")
    cells = t.rows[3].cells
    cell_para(cells[0], "{{ r.id }}", first=True, align=CENTER, bold=True, size=12)
    cell_para(cells[1], "Tiêu chí {{ r.id }}: {{ r.title }}", first=True, bold=True, size=12)
    cell_para(cells[2], "{{ r.shown }}", first=True, align=CENTER, bold=True, size=12)
    cell_para(cells[3], "{{ r.level_2 }}", first=True, align=CENTER, bold=True, size=12)
    cell_para(cells[4], "{{ r.level_1 }}", first=True, align=CENTER, bold=True, size=12)
    for cell in cells:
        _cell_fill(cell, "F2F2F2")
    row_tag(t, 4, "{%tr else %}")
    cells = t.rows[5].cells
    cell_para(cells[0], "{{ r.id }}", first=True, align=CENTER, size=12)
    cell_para(cells[1], "{{ r.title }}", first=True, size=12)
    tag(cells[1], "{%p if r.requirement %}")
    cell_para(cells[1], "{{ r.requirement }}", italic=True, size=10.5)
    tag(cells[1], "{%p endif %}")
    cell_para(cells[2], "{{ r.shown }}", first=True, align=CENTER, size=12)
    cell_para(cells[3], "{{ r.level_2 }}", first=True, align=CENTER, size=12)
    cell_para(cells[4], "{{ r.level_1 }}", first=True, align=CENTER, size=12)
    row_tag(t, 6, "{%tr endif %}")
    row_tag(t, 7, "{%tr endfor %}")
    para(doc, "", after=0)
    para(doc, "{{ level_summary_sentence }}", before=6)
    para(doc, "Kết luận: **{{ class_short }}**{{ class_citation_note }}.")
    class_reason(doc, "kết quả")
    recipients_and_signature(doc, ["- <<recipient_known:recipient_short>>;", "- Lưu: VT."], UBND_SIGNER)
    return doc


def bien_ban_tt25():
    doc = new_document("Biên bản họp xem xét, đánh giá, thống nhất kết quả tự đánh giá “Cộng đồng học tập” cấp xã")
    draft_block(doc)
    national_header(doc, "BB-UBND", date_line=False)
    title(doc, "BIÊN BẢN", ["Họp xem xét, đánh giá, thống nhất kết quả tự đánh giá,",
                            "công nhận “Cộng đồng học tập” cấp xã năm {{ year }}"])
    meeting_opening(doc, "Nội dung: Ủy ban nhân dân {{ commune_label }} họp xem xét, đánh giá, thống nhất kết quả "
                         "tự đánh giá, công nhận “Cộng đồng học tập” cấp xã năm {{ year }} ({{ meeting_citation }}).")
    heading(doc, "I. KẾT QUẢ ĐÁNH GIÁ CÁC TIÊU CHÍ, CHỈ TIÊU")
    para(doc, "Các đơn vị báo cáo kết quả đánh giá các tiêu chí, chỉ tiêu được phân công cùng với thông tin, số "
              "liệu, minh chứng; cuộc họp xem xét, đánh giá và thống nhất kết quả như sau (chi tiết từng chỉ tiêu "
              "tại bản tổng hợp kết quả đánh giá các tiêu chí, chỉ tiêu):")
    widths = (1.2, 6.7, 3.5, 2.3, 2.3)
    t = table(doc, widths, rows=4)
    header_row(t, 0, ["TT", "Tiêu chí", "Đơn vị phụ trách", *LEVEL_HEADS])
    row_tag(t, 1, "{%tr for c in criteria %}")
    cells = t.rows[2].cells
    cell_para(cells[0], "{{ c.id }}", first=True, align=CENTER, size=12)
    cell_para(cells[1], "{{ c.title }}", first=True, size=12)
    cell_para(cells[2], "{{ c.unit }}", first=True, size=12)
    cell_para(cells[3], "{{ c.level_2 }}", first=True, align=CENTER, size=12)
    cell_para(cells[4], "{{ c.level_1 }}", first=True, align=CENTER, size=12)
    row_tag(t, 3, "{%tr endfor %}")
    para(doc, "", after=0)
    heading(doc, "II. KẾT LUẬN")
    para(doc, "{{ level_summary_sentence }}")
    para(doc, "Cuộc họp thống nhất kết quả tự đánh giá: **{{ class_short_upper }}**{{ class_citation_note }}.")
    class_reason(doc, "kết quả")
    tag(doc, "{%p if level %}")
    para(doc, "Cuộc họp thống nhất Ủy ban nhân dân {{ commune_kind }} gửi hồ sơ đề nghị công nhận “Cộng đồng học "
              "tập” cấp xã mức độ {{ level }} đến <<recipient_known:recipient_plain>> trước ngày 28 tháng 02 năm "
              "{{ year + 1 }} (theo {{ dossier_citation }}).")
    tag(doc, "{%p else %}")
    para(doc, "{{ next_step }}")
    tag(doc, "{%p endif %}")
    meeting_closing(doc)
    two_signatures(doc, "THƯ KÝ", "CHỦ TỌA",
                   recipients=["- Hội Khuyến học {{ commune_kind }};", "- Lưu: VT, hồ sơ."])
    return doc


def _cell_fill(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


# --------------------------------------------------------------------------- build

BUILDERS = {
    "to-trinh.docx": to_trinh_tt44,
    "bao-cao.docx": bao_cao_tt44,
    "bien-ban.docx": bien_ban_tt44,
    "to-trinh-tt25.docx": to_trinh_tt25,
    "bao-cao-tt25.docx": bao_cao_tt25,
    "ban-tong-hop-tt25.docx": ban_tong_hop_tt25,
    "bien-ban-tt25.docx": bien_ban_tt25,
}


def docx_bytes(doc) -> bytes:
    """The document as bytes with fixed zip timestamps, so the same script builds the same files."""
    raw = io.BytesIO()
    doc.save(raw)
    return fixed_zip(raw.getvalue())


def build_all(out_dir: str | Path = HERE) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, builder in BUILDERS.items():
        path = out_dir / name
        path.write_bytes(docx_bytes(builder()))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build_all(sys.argv[1] if len(sys.argv) > 1 else HERE):
        print(path)

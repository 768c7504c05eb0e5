"""Build the level above's dossier templates (`cdht district … --docs DIR`) into `doc_templates/huyen/`.

    python cdht_excel/commune/doc_templates/build_district_templates.py            # rewrite doc_templates/huyen/*.docx
    python cdht_excel/commune/doc_templates/build_district_templates.py OUT_DIR    # write them elsewhere

Same layout rules and helpers as the commune dossier (`build_templates.py`, Nghị định 30/2020/NĐ-CP,
Phụ lục I); the district's issuing bodies and signers are context variables (`cdht_excel/above/docs.py`
fills them from the district's settings), never fixed words here. Generated, never edited by hand: a test
checks the shipped files equal what this script builds.

    huyen-to-trinh.docx             Tờ trình của Hội khuyến học cấp huyện (TT 44/2014 Điều 5.2.a)
    huyen-bien-ban.docx             Biên bản kiểm tra, đánh giá, xếp loại, one for all communes (Điều 5.2.b)
    huyen-quyet-dinh.docx           Dự thảo quyết định công nhận kết quả, with the annex (Điều 6.5)
    huyen-to-trinh-tt25.docx        Tờ trình đề nghị công nhận (TT 25/2023 Điều 9.2.đ)
    huyen-bao-cao-tham-dinh-tt25.docx   Báo cáo thẩm định của Hội đồng đánh giá (Điều 9.2.đ)
    huyen-ban-tong-hop-tt25.docx    Bản tổng hợp kết quả các tiêu chí, chỉ tiêu do Hội đồng thẩm định (Điều 9.2.đ)
    huyen-quyet-dinh-tt25.docx      Dự thảo quyết định công nhận xã đạt “Cộng đồng học tập” cấp xã (Điều 9.2.đ)
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "huyen"


def _shared():
    """The commune dossier's layout helpers (one set of helpers for every document)."""
    spec = importlib.util.spec_from_file_location("cdht_build_templates", HERE / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


B = _shared()
CENTER, LEFT = B.CENTER, B.LEFT


# The place of the date line, or, when the district's settings name none (`place` is then a row of dots), seven
# dots to write it on (about 3,5 cm): the whole line stays on one line in italics under the motto (NĐ 30/2020
# Phụ lục I); the eleven of the settings' placeholder pushed the year onto a second line.
PLACE = "{{ place if place.strip('…') else '" + "…" * 7 + "' }}"


def header(doc, number_var: str) -> None:
    """Issuing body (with its parent body above, when there is one) | national motto; number | date."""
    widths = B.HEADER_WIDTHS
    t = B.table(doc, widths, rows=2, grid=False, margins_cm=0)
    left, right = t.cell(0, 0), t.cell(0, 1)
    B.tag(left, "{%p if parent_line %}", first_paragraph=True)
    B.cell_para(left, "{{ parent_line }}", align=CENTER, size=13)
    B.tag(left, "{%p endif %}")
    B.cell_para(left, "{{ issuer_line }}", align=CENTER, size=13, bold=True)
    B.rule(left, 2.0, widths[0], after=4)
    B.cell_para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", first=True, align=CENTER, size=13, bold=True)
    B.cell_para(right, "Độc lập - Tự do - Hạnh phúc", align=CENTER, size=14, bold=True)
    B.rule(right, 6.0, widths[1], after=4)
    B.cell_para(t.cell(1, 0), f"Số: …/{{{{ {number_var} }}}}", first=True, align=CENTER, size=13, before=2)
    B.cell_para(t.cell(1, 1), f"{PLACE}, ngày … tháng … năm {{{{ doc_year }}}}", first=True, align=CENTER,
                size=14, italic=True, before=2)


def authority_notice(doc) -> None:
    """Red notice when the recognising body is not known (after 01/07/2025, no districts)."""
    B.tag(doc, "{%p if authority_unknown %}")
    B.para(doc, "{{ authority_note }}", align=LEFT, indent=False, size=12, color=B.RED, after=8)
    B.tag(doc, "{%p endif %}")


def commune_table(doc, widths, heads, cells, loop="c in communes") -> None:
    t = B.table(doc, widths, rows=4)
    B.header_row(t, 0, heads)
    B.row_tag(t, 1, f"{{%tr for {loop} %}}")
    row = t.rows[2].cells
    for cell, (text, align) in zip(row, cells):
        B.cell_para(cell, text, first=True, align=align, size=12)
    B.row_tag(t, 3, "{%tr endfor %}")
    B.para(doc, "", after=0)


def signature_block(doc, recipients) -> None:
    B.recipients_and_signature(doc, recipients, ["{{ sign_for }}", "{{ sign_title }}"], name_var="signer")


def proposer_signature(doc, recipients) -> None:
    B.recipients_and_signature(doc, recipients, ["{{ proposer_sign_for }}", "{{ proposer_sign_title }}"],
                               name_var="proposer_signer")


# --------------------------------------------------------------------------- TT 44/2014 (points)

def to_trinh():
    doc = B.new_document("Tờ trình đề nghị công nhận kết quả đánh giá, xếp loại “Cộng đồng học tập” cấp xã")
    B.draft_block(doc)
    authority_notice(doc)
    header(doc, "proposal_code")
    B.title(doc, "TỜ TRÌNH", ["Đề nghị công nhận kết quả đánh giá, xếp loại",
                              "“Cộng đồng học tập” cấp xã năm {{ year }}"])
    B.para(doc, "Kính gửi: {{ authority_head }}.", align=CENTER, indent=False, after=12)
    B.para(doc, "Căn cứ {{ legal_ref }};")
    B.para(doc, "Căn cứ hồ sơ đề nghị của Ủy ban nhân dân {{ commune_count }} xã, phường, thị trấn và kết quả "
                "kiểm tra, đánh giá, xếp loại “Cộng đồng học tập” cấp xã năm {{ year }} (Biên bản kiểm tra kèm "
                "theo),")
    B.para(doc, "{{ proposer }} kính trình {{ authority_head }} xem xét, quyết định công nhận kết quả đánh giá, "
                "xếp loại “Cộng đồng học tập” cấp xã năm {{ year }} đối với {{ commune_count }} xã như sau: "
                "{{ class_summary }}.")
    commune_table(doc, (1.2, 7.6, 3.2, 4.0), ["TT", "Xã, phường, thị trấn", "Tổng điểm", "Xếp loại"],
                  [("{{ c.n }}", CENTER), ("{{ c.name }}", LEFT), ("{{ c.total }}", CENTER),
                   ("{{ c.class_label }}", CENTER)])
    B.para(doc, "Hồ sơ kèm theo (quy định tại {{ dossier_citation }}): Biên bản kiểm tra, đánh giá, xếp loại "
                "“Cộng đồng học tập” cấp xã năm {{ year }}; dự thảo Quyết định công nhận.")
    B.para(doc, "Kính trình {{ authority_head }} xem xét, quyết định./.")
    proposer_signature(doc, ["- Như trên;", "- Lưu: VT."])
    return doc


def bien_ban():
    doc = B.new_document("Biên bản kiểm tra, đánh giá, xếp loại “Cộng đồng học tập” cấp xã")
    B.draft_block(doc)
    authority_notice(doc)
    header(doc, "minutes_code")
    B.title(doc, "BIÊN BẢN", ["Kiểm tra, đánh giá, xếp loại “Cộng đồng học tập” cấp xã năm {{ year }}"])
    B.para(doc, "Thực hiện {{ legal_ref }}, {{ proposer }} đã chủ trì, phối hợp với các đơn vị liên quan kiểm tra, "
                "đánh giá, xếp loại “Cộng đồng học tập” cấp xã năm {{ year }} đối với {{ commune_count }} xã "
                "({{ check_citation }}). Kết quả như sau:")
    commune_table(doc, (1.0, 5.0, 2.4, 2.6, 2.4, 2.6),
                  ["TT", "Xã, phường, thị trấn", "Điểm tự đánh giá", "Tự xếp loại", "Điểm kiểm tra",
                   "Xếp loại sau kiểm tra"],
                  [("{{ c.n }}", CENTER), ("{{ c.name }}", LEFT), ("{{ c.self_total }}", CENTER),
                   ("{{ c.self_class }}", CENTER), ("{{ c.check_total }}", CENTER), ("{{ c.check_class }}", CENTER)])
    B.tag(doc, "{%p if differences %}")
    B.heading(doc, "Những nội dung kết quả kiểm tra khác kết quả tự đánh giá:")
    B.tag(doc, "{%p for d in differences %}")
    B.para(doc, "- {{ d }}", align=LEFT, after=2)
    B.tag(doc, "{%p endfor %}")
    B.tag(doc, "{%p endif %}")
    B.para(doc, "Tổng hợp: {{ class_summary }}.")
    B.para(doc, "Biên bản được lập thành 01 bộ, kèm theo hồ sơ trình {{ authority_head }} quyết định công nhận./.")
    B.two_signatures(doc, "THƯ KÝ", "{{ proposer_sign_title }}", left_name="secretary", right_name="proposer_signer")
    return doc


def decision(title_text: str, summary_lines, article_1: str, article_2: str, points: bool):
    """The draft quyết định công nhận (both circulars), with its annex."""
    doc = B.new_document(title_text)
    B.draft_block(doc)
    authority_notice(doc)
    # a draft decision says so once: in the red notice when the dossier is not ready, else in this label
    B.tag(doc, "{%p if not draft %}")
    B.para(doc, "DỰ THẢO", align=LEFT, indent=False, bold=True, size=13, after=4)
    B.tag(doc, "{%p endif %}")
    header(doc, "decision_code")
    B.title(doc, "QUYẾT ĐỊNH", summary_lines)
    B.para(doc, "{{ authority_head_upper }}", align=CENTER, indent=False, bold=True, after=12)
    B.para(doc, "Căn cứ {{ legal_ref }};")
    B.para(doc, "Xét đề nghị của {{ proposer }} tại Tờ trình số …/{{ proposal_code }} ngày … tháng … năm "
                "{{ doc_year }},")
    B.para(doc, "QUYẾT ĐỊNH:", align=CENTER, indent=False, bold=True, before=6)
    B.para(doc, "**Điều 1.** " + article_1)
    B.para(doc, "**Điều 2.** " + article_2)
    B.para(doc, "**Điều 3.** {{ executors }} và Chủ tịch Ủy ban nhân dân các xã, phường, thị trấn có tên tại Điều 1 "
                "chịu trách nhiệm thi hành Quyết định này./.")
    signature_block(doc, ["- Như Điều 3;", "- Lưu: VT."])
    annex(doc, points)
    return doc


def quyet_dinh():
    return decision("Quyết định công nhận kết quả đánh giá, xếp loại “Cộng đồng học tập” cấp xã",
                    ["Về việc công nhận kết quả đánh giá, xếp loại", "“Cộng đồng học tập” cấp xã năm {{ year }}"],
                    "Công nhận kết quả đánh giá, xếp loại “Cộng đồng học tập” cấp xã năm {{ year }} đối với "
                    "{{ commune_count }} xã, phường, thị trấn ({{ class_summary }}; danh sách tại Phụ lục kèm theo).",
                    "Quyết định này có hiệu lực kể từ ngày ký.", points=True)


def annex(doc, points: bool) -> None:
    p = B.para(doc, "PHỤ LỤC", align=CENTER, indent=False, bold=True, before=0, after=0)
    p.paragraph_format.page_break_before = True
    B.para(doc, "Danh sách xã, phường, thị trấn được công nhận" + (" kết quả đánh giá, xếp loại" if points else
                                                                    " đạt “Cộng đồng học tập” cấp xã"),
           align=CENTER, indent=False, bold=True, after=0)
    B.para(doc, "“Cộng đồng học tập” cấp xã năm {{ year }}" if points else "năm {{ year }}", align=CENTER,
           indent=False, bold=True, after=0)
    B.para(doc, "(Kèm theo Quyết định số …/{{ decision_code }} ngày … tháng … năm {{ doc_year }} của "
                "{{ authority_head }})", align=CENTER, indent=False, italic=True, size=13, after=8)
    if points:
        commune_table(doc, (1.2, 8.0, 3.0, 3.8), ["TT", "Xã, phường, thị trấn", "Tổng điểm", "Xếp loại"],
                      [("{{ c.n }}", CENTER), ("{{ c.name }}", LEFT), ("{{ c.total }}", CENTER),
                       ("{{ c.class_label }}", CENTER)], loop="c in recognised")
    else:
        commune_table(doc, (1.2, 9.8, 5.0), ["TT", "Xã, phường, thị trấn", "Mức độ"],
                      [("{{ c.n }}", CENTER), ("{{ c.name }}", LEFT), ("{{ c.class_label }}", CENTER)],
                      loop="c in recognised")


# --------------------------------------------------------------------------- TT 25/2023 (levels)

def to_trinh_tt25():
    doc = B.new_document("Tờ trình đề nghị công nhận “Cộng đồng học tập” cấp xã")
    B.draft_block(doc)
    authority_notice(doc)
    header(doc, "proposal_code")
    B.title(doc, "TỜ TRÌNH", ["Đề nghị công nhận “Cộng đồng học tập” cấp xã năm {{ year }}"])
    B.para(doc, "Kính gửi: {{ authority_head }}.", align=CENTER, indent=False, after=12)
    B.para(doc, "Căn cứ {{ legal_ref }};")
    B.para(doc, "Căn cứ hồ sơ đề nghị của {{ commune_count }} xã, phường, thị trấn và kết quả thẩm định của "
                "{{ proposer }},")
    B.para(doc, "{{ proposer }} kính trình {{ authority_head }} xem xét, quyết định công nhận "
                "{{ recognised|length }} xã đạt “Cộng đồng học tập” cấp xã năm {{ year }} ({{ class_summary }}).")
    commune_table(doc, (1.2, 7.6, 3.6, 3.6), ["TT", "Xã, phường, thị trấn", "Tự đánh giá", "Kết quả thẩm định"],
                  [("{{ c.n }}", CENTER), ("{{ c.name }}", LEFT), ("{{ c.self_class }}", CENTER),
                   ("{{ c.check_class }}", CENTER)])
    B.tag(doc, "{%p if not_recognised %}")
    B.para(doc, "Các xã chưa đáp ứng đủ điều kiện công nhận (đề nghị có văn bản trả lời, nêu rõ lý do theo "
                "{{ reply_citation }}): {{ not_recognised_names }}.")
    B.tag(doc, "{%p endif %}")
    B.para(doc, "Hồ sơ kèm theo ({{ dossier_citation }}): báo cáo thẩm định của {{ proposer }}; bản tổng hợp kết "
                "quả đánh giá các tiêu chí, chỉ tiêu của từng xã do {{ proposer }} thẩm định; dự thảo Quyết định "
                "công nhận.")
    B.para(doc, "Kính trình {{ authority_head }} xem xét, quyết định./.")
    proposer_signature(doc, ["- Như trên;", "- Lưu: VT."])
    return doc


def bao_cao_tham_dinh_tt25():
    doc = B.new_document("Báo cáo thẩm định hồ sơ đề nghị công nhận “Cộng đồng học tập” cấp xã")
    B.draft_block(doc)
    authority_notice(doc)
    header(doc, "report_code")
    B.title(doc, "BÁO CÁO", ["Thẩm định hồ sơ đề nghị công nhận “Cộng đồng học tập” cấp xã năm {{ year }}"])
    B.para(doc, "Thực hiện {{ legal_ref }}, {{ proposer }} đã tiếp nhận, rà soát, thẩm định hồ sơ đề nghị công "
                "nhận “Cộng đồng học tập” cấp xã năm {{ year }} của {{ commune_count }} xã ({{ check_citation }}). "
                "Kết quả như sau:")
    commune_table(doc, (1.0, 6.0, 4.5, 4.5), ["TT", "Xã, phường, thị trấn", "Kết quả tự đánh giá",
                                              "Kết quả thẩm định"],
                  [("{{ c.n }}", CENTER), ("{{ c.name }}", LEFT), ("{{ c.self_class }}", CENTER),
                   ("{{ c.check_class }}", CENTER)])
    B.tag(doc, "{%p if differences %}")
    B.heading(doc, "Những chỉ tiêu kết quả thẩm định khác kết quả tự đánh giá:")
    B.tag(doc, "{%p for d in differences %}")
    B.para(doc, "- {{ d }}", align=LEFT, after=2)
    B.tag(doc, "{%p endfor %}")
    B.tag(doc, "{%p endif %}")
    B.para(doc, "Kết luận: {{ class_summary }}.")
    proposer_signature(doc, ["- {{ authority_short }};", "- Lưu: VT."])
    return doc


def ban_tong_hop_tt25():
    doc = B.new_document("Bản tổng hợp kết quả đánh giá các tiêu chí, chỉ tiêu do Hội đồng thẩm định")
    B.draft_block(doc)
    authority_notice(doc)
    header(doc, "report_code")
    B.title(doc, "BẢN TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ CÁC TIÊU CHÍ, CHỈ TIÊU",
            ["“Cộng đồng học tập” cấp xã năm {{ year }} do {{ proposer }} thẩm định"])
    B.tag(doc, "{%p for c in communes %}")
    B.para(doc, "**{{ c.n }}. {{ c.name_title }}** – tự đánh giá: {{ c.self_class }}; thẩm định: "
                "**{{ c.check_class }}**", align=LEFT, indent=False, keep_next=True, before=8, after=4)
    t = B.table(doc, (1.4, 8.6, 3.0, 3.0), rows=4)
    B.header_row(t, 0, ["Chỉ tiêu", "Nội dung", "Tự đánh giá", "Thẩm định"])
    B.row_tag(t, 1, "{%tr for i in c.indicators %}")
    row = t.rows[2].cells
    for cell, (text, align) in zip(row, [("{{ i.id }}", CENTER), ("{{ i.title }}", LEFT),
                                         ("{{ i.self }}", CENTER), ("{{ i.check }}", CENTER)]):
        B.cell_para(cell, text, first=True, align=align, size=11)
    B.row_tag(t, 3, "{%tr endfor %}")
    B.tag(doc, "{%p endfor %}")
    B.para(doc, "", after=0)
    proposer_signature(doc, ["- {{ authority_short }};", "- Lưu: VT."])
    return doc


def quyet_dinh_tt25():
    return decision("Quyết định công nhận xã đạt “Cộng đồng học tập” cấp xã",
                    ["Về việc công nhận xã đạt “Cộng đồng học tập” cấp xã năm {{ year }}"],
                    "Công nhận {{ recognised|length }} xã, phường, thị trấn đạt “Cộng đồng học tập” cấp xã năm "
                    "{{ year }} ({{ class_summary }}; danh sách tại Phụ lục kèm theo).",
                    "Kết quả công nhận được bảo lưu trong thời hạn 3 năm (36 tháng) tiếp theo năm được công nhận "
                    "({{ validity_citation }}). Quyết định này có hiệu lực kể từ ngày ký.", points=False)


BUILDERS = {
    "huyen-to-trinh.docx": to_trinh,
    "huyen-bien-ban.docx": bien_ban,
    "huyen-quyet-dinh.docx": quyet_dinh,
    "huyen-to-trinh-tt25.docx": to_trinh_tt25,
    "huyen-bao-cao-tham-dinh-tt25.docx": bao_cao_tham_dinh_tt25,
    "huyen-ban-tong-hop-tt25.docx": ban_tong_hop_tt25,
    "huyen-quyet-dinh-tt25.docx": quyet_dinh_tt25,
}


def build_all(out_dir: str | Path = OUT) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, builder in BUILDERS.items():
        path = out_dir / name
        path.write_bytes(B.docx_bytes(builder()))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build_all(sys.argv[1] if len(sys.argv) > 1 else OUT):
        print(path)

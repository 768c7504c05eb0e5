"""The level above's dossier: every commune named, the recognising body from the district's settings, the
post-07/2025 placeholder with its warning, drafts until the check is complete; shipped templates are built."""
from __future__ import annotations

import importlib.util
import json

from docx import Document

from cdht_excel.rules import findings as F
from support import REPO
from test_district import codes, district
from test_district_check import _inbox, _tt25_values, fill_form, same_as_self


def _text(path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_tt44_dossier_names_every_commune_and_the_district_bodies(tmp_path):
    names = ("An Bình", "Bình Minh", "Cao Sơn")
    inbox = _inbox(tmp_path, names=names)
    form = tmp_path / "phieu.xlsx"
    district(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    values = {}
    for name in names:
        values.update(same_as_self(f"xã {name}"))
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", values)
    docs = tmp_path / "ho-so"
    code, text, data = district(inbox, tmp_path=tmp_path, extra=("--checked", filled, "--docs", docs,
                                                                 "--signer", "Nguyễn Văn Quyết"))
    files = sorted(p.name for p in docs.glob("*.docx"))
    assert files == ["Biên bản kiểm tra, đánh giá, xếp loại - huyện Đồng Hỷ - 2024.docx",
                     "Dự thảo quyết định công nhận - huyện Đồng Hỷ - 2024.docx",
                     "Tờ trình đề nghị công nhận - huyện Đồng Hỷ - 2024.docx"]
    for name in files:
        body = _text(docs / name)
        for commune in names:
            assert f"xã {commune}" in body, (name, commune)
        assert "DỰ THẢO — chưa đủ điều kiện" not in body
    decision = _text(docs / files[1])
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN ĐỒNG HỶ" in decision and "Nguyễn Văn Quyết" in decision
    assert "PHỤ LỤC" in decision and "92,5" in decision and "Tốt" in decision
    assert "HỘI KHUYẾN HỌC HUYỆN ĐỒNG HỶ" in _text(docs / files[2])
    assert "docs-authority-unknown" not in codes(data)


def test_without_the_check_every_document_is_a_draft(tmp_path):
    inbox = _inbox(tmp_path, names=("An Bình",))
    docs = tmp_path / "ho-so"
    district(inbox, tmp_path=tmp_path, extra=("--docs", docs))
    files = list(docs.glob("*.docx"))
    assert len(files) == 3 and all(p.name.startswith("DỰ THẢO - ") for p in files)
    assert all("Chưa có kết quả kiểm tra của cấp trên" in _text(p) for p in files)


def test_tt25_after_the_reform_has_a_placeholder_and_a_warning_unless_a_body_is_given(tmp_path):
    names = ("An Bình", "Bình Minh")
    inbox = _inbox(tmp_path, rubric="tt25-2023", year=2025, names=names)
    form = tmp_path / "phieu.xlsx"
    district(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", _tt25_values(form, lambda c, i, self_text: self_text))
    docs = tmp_path / "ho-so"
    code, text, data = district(inbox, tmp_path=tmp_path, extra=("--checked", filled, "--docs", docs))
    [warning] = [f for f in data["findings"] if f["code"] == "docs-authority-unknown"]
    assert warning["message"] == F.make("docs-authority-unknown", year=2025,
                                        default="Trưởng phòng Giáo dục và Đào tạo huyện Đồng Hỷ").message
    files = sorted(docs.glob("*.docx"))
    assert len(files) == 4
    for path in files:
        body = _text(path)
        assert "có thẩm quyền công nhận – chưa xác định]" in body.lower(), path.name
        assert "không còn cấp huyện" in body
        for commune in names:
            assert f"xã {commune}" in body or f"Xã {commune}" in body, (path.name, commune)
    settings = tmp_path / "thiet-lap.json"
    settings.write_text(json.dumps({"authority": "Ủy ban nhân dân tỉnh Thái Nguyên",
                                    "authority_head": "Chủ tịch Ủy ban nhân dân tỉnh Thái Nguyên",
                                    "proposer": "Sở Giáo dục và Đào tạo tỉnh Thái Nguyên",
                                    "signer": "Trần Thị Bình", "place": "Thái Nguyên"}), encoding="utf-8")
    docs2 = tmp_path / "ho-so-2"
    code, text, data = district(inbox, tmp_path=tmp_path, extra=("--checked", filled, "--docs", docs2,
                                                                 "--docs-settings", settings))
    assert "docs-authority-unknown" not in codes(data)
    decision = _text(next(docs2.glob("*quyết định*.docx")))
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN" in decision and "Trần Thị Bình" in decision
    assert "Thái Nguyên, ngày" in decision and "chưa xác định" not in decision
    assert "Mức độ 1" in decision


def test_shipped_district_templates_are_what_the_build_script_makes(tmp_path):
    script = REPO / "cdht_excel" / "commune" / "doc_templates" / "build_district_templates.py"
    spec = importlib.util.spec_from_file_location("build_district_templates", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build_all(tmp_path)
    shipped = REPO / "cdht_excel" / "commune" / "doc_templates" / "huyen"
    assert sorted(p.name for p in built) == sorted(p.name for p in shipped.glob("*.docx"))
    for path in built:
        assert path.read_bytes() == (shipped / path.name).read_bytes(), \
            f"{path.name} differs: run python cdht_excel/commune/doc_templates/build_district_templates.py"

"""The project stands alone: the legal texts the tool applies are inside it, with their sources, and the
README points only inside the project."""
from __future__ import annotations

import re
import unicodedata

from support import LEGAL, REPO


def read(name: str) -> str:
    return unicodedata.normalize("NFC", (LEGAL / name).read_text("utf-8"))


def article(text: str, number: int) -> str:
    """The verbatim article 'Điều N.' of TT 44 up to the next one."""
    start = text.index(f"\nĐiều {number}.")
    end = text.find(f"\nĐiều {number + 1}.", start)
    return text[start:end if end > 0 else None]


def test_tt44_articles_3_to_6_are_in_the_project_with_their_source():
    text = read("tt44-2014.md")
    assert "vbpl.vn" in text and "Sources of the text below" in text
    assert "15. Đảm bảo an ninh trật tự, an toàn xã hội." in article(text, 3)
    assert "a) Loại tốt: Tổng số điểm đạt được từ 85-100, không có tiêu chí bị điểm 0;" in article(text, 4)
    assert "có xác nhận của chủ tịch ủy ban nhân dân cấp xã" in article(text, 5)
    assert "hội khuyến học cấp xã lập hồ sơ và gửi chủ tịch ủy ban nhân dân cấp xã ký tờ trình" in article(text, 6)


def test_tt25_articles_applied_are_in_the_project_with_their_sources():
    text = read("tt25-2023.md")
    assert "S1" in text and "vbpl.vn" in text
    for heading in ("(Art. 5)", "(Art. 6)", "(Art. 7)", "(Art. 8)", "(Art. 9)", "(Art. 11)", "(Art. 12)"):
        assert heading in text, heading
    assert "Có ít nhất **60%** công dân trong xã đạt danh hiệu “Công dân học tập”" in text
    assert "đến Phòng Giáo dục và Đào tạo trước ngày 28 tháng 02 của năm sau liền kề năm đánh giá" in text


def test_nd30_layout_rules_say_they_are_a_summary():
    text = read("nd30-2020.md")
    assert "summary, not the text of the decree" in text and "Phụ lục I" in text and "Mẫu 1.9" in text


def test_readme_paths_stay_inside_the_project():
    readme = (REPO / "README.md").read_text("utf-8")
    assert "../" not in readme
    for path in re.findall(r"`((?:docs|samples|cdht_excel|tests|benchmarks)/[^`\s]*)`", readme):
        if "*" not in path and "<" not in path:
            assert (REPO / path).exists(), path
    assert "docs/legal/" in readme

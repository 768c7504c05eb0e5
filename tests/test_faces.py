"""Texts for the face that shows them (issue 20, item 1): a finding's message and hint are written once in the
catalogue and said per face — the terminal may name commands and options, the web page names its own fields,
paper (documents, the check form, workbooks) names neither options nor commands nor file-format internals."""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from support import REPO, run_cli
from test_web import app, client, follow, post, sample_files  # noqa: F401  (fixtures)

from cdht_excel.rules import findings as F

CO_LOI = REPO / "samples" / "dong-thinh-2024-co-loi"
# what only a programmer knows: an option, a command, a file-format internal
TECHNICAL = re.compile(r"(?<![\w-])--[a-z]|\bcdht [a-z]|\.xml\b|docProps")


def _every_finding() -> list[F.Finding]:
    out = []
    for code in F.CATALOGUE:
        out.append(F.make(code, **{name: "x" for name in F.fields(code)}))
    return out


def test_every_finding_of_the_catalogue_reads_on_paper_and_on_the_page_without_options_or_commands():
    for finding in _every_finding():
        for face in (F.WEB, F.PAPER):
            for text in F.said(finding, face):
                assert not TECHNICAL.search(text), (finding.code, face, text)
        dict_form = finding.to_dict()
        assert F.said(dict_form, F.TERMINAL) == F.said(finding, F.TERMINAL)      # the JSON carries every face
        assert (dict_form["message"], dict_form["hint"]) == F.said(finding, F.PAPER)


def test_the_terminal_and_the_page_still_say_how_in_their_own_words():
    conflict = F.make("unit-conflict", unit="Hội Nông dân xã", item_label="tiêu chí 8", values="…", later="…",
                      copies="…")
    assert "cdht merge --prefer-newer" in F.said(conflict, F.TERMINAL)[1]
    assert "“Lấy bản lưu sau”" in F.said(conflict, F.WEB)[1]
    assert "chọn lấy bản lưu sau" in conflict.hint and "cdht" not in conflict.hint
    assert "--prefer-newer" in F.make("conflicts-newer-chosen", count=1, overrides="…").line()
    unchecked = F.make("check-commune-unchecked", commune="xã A", blanks=1, count=3)
    assert "--checked" in F.said(unchecked, F.TERMINAL)[1] and "--checked" not in unchecked.hint


def _workbook_texts(path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [str(cell.value) for ws in book.worksheets if ws.sheet_state == "visible"
            for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)]


def _docx_text(path) -> str:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", re.sub(r"</w:p>", "\n", xml))


def test_summary_workbook_and_documents_of_a_faulty_set_name_no_option_command_or_internal(tmp_path):
    code, output = run_cli("merge", CO_LOI, "-o", tmp_path / "t.xlsx", "--docs", tmp_path / "ho-so")
    assert code == 1, output
    assert "--prefer-newer" in output                   # the terminal may name it
    said = _workbook_texts(tmp_path / "t.xlsx")
    assert any("bản lưu sau" in text for text in said)   # the conflict is there, in a person's words
    assert not [text for text in said if TECHNICAL.search(text)]
    docs = sorted((tmp_path / "ho-so").glob("*.docx"))
    assert docs
    for doc in docs:
        text = _docx_text(doc)
        assert "DỰ THẢO" in text and not TECHNICAL.search(text), (doc.name, TECHNICAL.search(text))


def test_the_page_shows_a_conflict_with_its_own_field_not_an_option(client):  # noqa: F811
    page = follow(client, post(client, "/merge", sample_files(CO_LOI), action="merge"))
    said = re.findall(r'<p class="(?:message|hint)">(.*?)</p>', page, re.S)
    assert any("Lấy bản lưu sau" in text for text in said), said
    assert not [text for text in said if TECHNICAL.search(text)]


@pytest.mark.parametrize("face", F.FACES)
def test_face_words_exist_for_every_face(face):
    assert all(face in words for words in F.FACE_TEXTS.values())


@pytest.mark.parametrize("rubric", ["tt44-2014", "tt25-2023"])
def test_the_rubric_plan_and_unit_workbooks_name_no_option_command_or_internal(tmp_path, rubric):
    """What the secretary edits (the rubric and plan workbooks) and what each unit fills (the template and
    one form per unit): every visible cell says what a person does, never a command line."""
    code, output = run_cli("rubric", "export", rubric, "-o", tmp_path / "bo-tieu-chi.xlsx")
    assert code == 0, output
    code, output = run_cli("plan", "init", "--commune", "Đồng Thịnh", "--year", 2025, "--rubric", rubric,
                           "-o", tmp_path / "ke-hoach.xlsx")
    assert code == 0, output
    code, output = run_cli("template", "--plan", tmp_path / "ke-hoach.xlsx", "-o", tmp_path / "mau.xlsx",
                           "--split-dir", tmp_path / "don-vi")
    assert code == 0, output
    books = [tmp_path / "bo-tieu-chi.xlsx", tmp_path / "ke-hoach.xlsx", tmp_path / "mau.xlsx",
             *sorted((tmp_path / "don-vi").glob("*.xlsx"))]
    assert len(books) > 4
    for book in books:
        said = _workbook_texts(book)
        assert said and not [text for text in said if TECHNICAL.search(text)], book.name


def test_last_years_file_that_is_not_a_district_result_is_said_without_a_command(tmp_path):
    from cdht_excel.above.previous import load_previous
    wrong = tmp_path / "nam-truoc.json"
    wrong.write_text('{"schema": "cdht-report/1"}', encoding="utf-8")
    _data, [finding] = load_previous(wrong)
    for face in (F.WEB, F.PAPER):
        assert not [text for text in F.said(finding, face) if TECHNICAL.search(text)], F.said(finding, face)
    assert "cdht district" in F.said(finding, F.TERMINAL)[1]          # the terminal still says how
    assert "“Sửa kế hoạch, phân công trước”" in F.said(F.make("plan-unreadable", detail="x"), F.WEB)[1]

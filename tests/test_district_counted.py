"""What a clerk copies from the level above's tables and documents is the result that counts.

- a refused commune (its summary edited: total or class changed) or one in conflict shows no total and no
  class in the "Các xã" sheet, the CSV and the JSON row; a status says why; what its file states stands apart,
  in a column labelled so (issue 19 item 3);
- a commune of another district or province, one whose summary names no district, and one outside the
  --communes list is named in a finding and kept out of the documents (issue 19 item 5);
- every number of a document agrees with the list beside it; "Tổng hợp N xã" equals the classes and the
  communes not counted (issue 19 item 6, issue 20 item 2);
- "Xã Kiểm Hai" is "xã Kiểm Hai" everywhere, and district findings about a commune fill the "Xã" column
  (issue 19 item 18);
- after --checked the first sheet, the CSV and the JSON row show the check's result, labelled, with the
  self-assessment beside it (issue 20 item 6).

Summaries are made by the project's own `cdht merge` from filled unit forms, then edited with openpyxl as a
person would.
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from pathlib import Path

import openpyxl
from docx import Document

from cdht_excel.commune import plan as P
from cdht_excel.commune.template import split_file_name, write_template
from cdht_excel.rules import rubric as R
from commune import TT44_SCORES, tt44_values, with_total
from support import run_cli
from test_district import codes
from test_district_check import fill_form, same_as_self
from test_district_trust import tamper
from test_web import app, client  # noqa: F401  (the local page's fixtures)

EDITED = "Không tính: tệp tổng hợp bị sửa"


def merged_summary(root: Path, name: str, values=None, district="Đồng Hỷ", province="Thái Nguyên",
                   year=2024, out_name=None) -> Path:
    """A commune's unit forms filled, then `cdht merge` on them: its summary workbook in `root`."""
    rubric = R.load("tt44-2014")
    plan = P.default_plan(name, year, rubric, district=district, province=province)
    folder = root.parent / "phieu" / f"{len(list(root.parent.glob('phieu/*')))} {name}"
    folder.mkdir(parents=True)
    for n, unit in enumerate(plan.units, start=1):
        write_template(plan, rubric, folder / split_file_name(n, unit, plan), only=unit,
                       values=values or tt44_values())
    root.mkdir(parents=True, exist_ok=True)
    out = root / (out_name or f"tổng hợp {name}.xlsx")
    code, text = run_cli("merge", folder, "-o", out)
    assert code in (0, 1) and out.exists(), text
    return out


def run(*inputs, tmp_path, extra=()):
    out = tmp_path / "huyen.xlsx"
    code, text = run_cli("district", *inputs, "-o", out, "--json", tmp_path / "huyen.json",
                         "--csv", tmp_path / "huyen.csv", *extra)
    data = json.loads((tmp_path / "huyen.json").read_text("utf-8"))
    return code, text, data


def sheet_rows(tmp_path, sheet="Các xã") -> list[dict]:
    ws = openpyxl.load_workbook(tmp_path / "huyen.xlsx")[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def csv_rows(tmp_path) -> list[dict]:
    with open(tmp_path / "huyen.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def doc_text(path) -> str:
    doc = Document(path)
    return "\n".join([p.text for p in doc.paragraphs] +
                     [c.text for t in doc.tables for row in t.rows for c in row.cells])


def commune_table(path):
    """The table of a document that lists communes (its header names them)."""
    [table] = [t for t in Document(path).tables if "Xã, phường, thị trấn" in [c.text for c in t.rows[0].cells]]
    return [r for r in table.rows[1:] if r.cells[1].text.strip()]


def blank(value) -> bool:
    return value in (None, "")


def by_commune(rows: list[dict], name: str) -> dict:
    [row] = [r for r in rows if r["Xã / phường / thị trấn"] == name]
    return row


# --------------------------------------------------------------------------- refused communes (issue 19.3)

def test_an_edited_summary_shows_no_claimed_figures_in_the_sheet_the_csv_and_the_json(tmp_path):
    inbox = tmp_path / "nop"
    merged_summary(inbox, "An Bình")
    edited = merged_summary(inbox, "Bình Minh", tt44_values(with_total(80)))       # Khá, 80

    def promote(report):              # the clerk of the commune raises the total and the class
        report["total"] = 99
        report["classification"] = {"code": "tot", "label": "Tốt"}
    tamper(edited, promote, cover={80: 99, "KHÁ": "TỐT"})
    code, text, data = run(inbox, tmp_path=tmp_path)
    assert code == 1
    assert "summary-tampered" in codes(data)

    row = by_commune(sheet_rows(tmp_path), "xã Bình Minh")
    assert blank(row["Tổng điểm"]) and blank(row["Xếp loại"]) and blank(row["Đầy đủ"])
    assert row["Tình trạng"] == EDITED
    assert all(blank(row[f"TC {n}"]) for n in range(1, 16))
    claimed = row["Số liệu ghi trong tệp của xã không tính (để đối chiếu)"]
    assert "tệp ghi: 99 điểm, Tốt" in claimed and "tính lại từ điểm các tiêu chí trong tệp: 80 điểm, Khá" in claimed
    for key, value in row.items():       # 99 and "Tốt" nowhere else in the row
        if not key.startswith("Số liệu ghi"):
            assert value not in (99, "99", "Tốt"), (key, value)
    good = by_commune(sheet_rows(tmp_path), "xã An Bình")
    assert (good["Tổng điểm"], good["Xếp loại"]) == (92.5, "Tốt") and blank(good["Tình trạng"])

    line = by_commune(csv_rows(tmp_path), "xã Bình Minh")
    assert (line["Tổng điểm"], line["Xếp loại"], line["Đầy đủ"], line["Tình trạng"]) == ("", "", "", EDITED)
    assert "99" not in ",".join(v for k, v in line.items() if not k.startswith("Số liệu ghi"))

    [entry] = [c for c in data["communes"] if c["commune"] == "Bình Minh"]
    assert entry["total"] is None and entry["classification"] is None and entry["complete"] is None
    assert (entry["status"], entry["status_label"], entry["counted_by"]) == ("invalid", EDITED, None)
    assert entry["claimed"][0]["total"] == 99 and entry["claimed"][0]["classification"]["code"] == "tot"
    assert entry["recomputed"]["total"] == 80 and entry["recomputed"]["classification"]["code"] == "kha"
    assert data["counts"]["tot"] == 1 and data["counts"]["kha"] == 0
    assert data["not_counted"] == {"conflict": 0, "invalid": 1, "outside": 0}


def test_a_commune_in_conflict_shows_both_copies_apart_and_no_result(tmp_path):
    inbox = tmp_path / "nop"
    merged_summary(inbox, "An Bình")
    merged_summary(inbox, "An Bình", tt44_values({**TT44_SCORES, 15: 2}), out_name="An Bình gửi lại.xlsx")
    code, text, data = run(inbox, tmp_path=tmp_path)
    [row] = sheet_rows(tmp_path)
    assert blank(row["Tổng điểm"]) and blank(row["Xếp loại"])
    assert row["Tình trạng"] == "Không tính: hai bản kết quả khác nhau"
    apart = row["Số liệu ghi trong tệp của xã không tính (để đối chiếu)"]
    assert "92,5 điểm, Tốt" in apart and "85,5 điểm, Tốt" in apart and "An Bình gửi lại.xlsx" in apart
    [entry] = data["communes"]
    assert entry["total"] is None and sorted(x["total"] for x in entry["claimed"]) == [85.5, 92.5]
    assert sum(data["counts"].values()) == 0 and data["not_counted"]["conflict"] == 1
    assert "Không tính 1 xã: hai bản kết quả khác nhau: 1" in text


# --------------------------------------------------------------------------- outside the run (issue 19.5)

def test_a_commune_of_another_district_or_with_none_is_named_and_kept_out_of_the_documents(tmp_path):
    inbox = tmp_path / "nop"
    for name in ("An Bình", "Bình Minh", "Cao Sơn"):
        merged_summary(inbox, name, district="Định Hóa")
    merged_summary(inbox, "Phấn Mễ", district="Phú Lương")
    merged_summary(inbox, "Vô Danh", district="")
    docs = tmp_path / "ho-so"
    code, text, data = run(inbox, tmp_path=tmp_path, extra=("--docs", docs))
    [other] = [f for f in data["findings"] if f["code"] == "commune-other-area"]
    assert "xã Phấn Mễ" in other["message"] and "Phú Lương" in other["message"] and "Định Hóa" in other["message"]
    assert other["severity"] == "warning" and other["commune"] == "xã Phấn Mễ"
    [none] = [f for f in data["findings"] if f["code"] == "commune-no-area"]
    assert "xã Vô Danh" in none["message"]
    [area] = [f for f in data["findings"] if f["code"] == "district-area"]
    assert "huyện Định Hóa (theo đa số: 3/5 xã)" in area["message"]
    status = {c["commune"]: c["status"] for c in data["communes"]}
    assert status == {"An Bình": "ok", "Bình Minh": "ok", "Cao Sơn": "ok", "Phấn Mễ": "outside", "Vô Danh": "outside"}
    assert sum(data["counts"].values()) == 3 and data["not_counted"]["outside"] == 2
    rows = sheet_rows(tmp_path)
    assert by_commune(rows, "xã Phấn Mễ")["Tình trạng"] == "Không tính: huyện Phú Lương, ngoài huyện Định Hóa"
    assert by_commune(rows, "xã Vô Danh")["Tình trạng"] == "Không tính: tệp không ghi huyện"
    files = list(docs.glob("*.docx"))
    assert len(files) == 3
    for path in files:
        body = doc_text(path)
        assert "xã An Bình" in body and "Định Hóa" in body.replace("ĐỊNH HÓA", "Định Hóa")
        assert "Phấn Mễ" not in body and "Vô Danh" not in body and "Phú Lương" not in body, path.name


def test_the_district_settings_name_the_run_and_the_communes_list_keeps_others_out(tmp_path):
    inbox = tmp_path / "nop"
    merged_summary(inbox, "An Bình", district="Định Hóa")
    merged_summary(inbox, "Phấn Mễ", district="Phú Lương")
    merged_summary(inbox, "Động Đạt", district="Phú Lương")
    settings = tmp_path / "thiet-lap.json"
    settings.write_text(json.dumps({"district": "huyện Định Hóa"}, ensure_ascii=False), "utf-8")
    docs = tmp_path / "ho-so"
    code, text, data = run(inbox, tmp_path=tmp_path, extra=("--docs", docs, "--docs-settings", settings))
    [area] = [f for f in data["findings"] if f["code"] == "district-area"]
    assert "huyện Định Hóa (theo tệp thiết lập hồ sơ)" in area["message"]
    assert [c["commune"] for c in data["communes"] if c["status"] == "ok"] == ["An Bình"]
    assert all("Phú Lương" not in doc_text(p) for p in docs.glob("*.docx"))

    listed = tmp_path / "ds.txt"
    listed.write_text("Phấn Mễ\n", "utf-8")
    other = tmp_path / "lan-2"
    other.mkdir()
    code, text, data = run(inbox / "tổng hợp Phấn Mễ.xlsx", inbox / "tổng hợp Động Đạt.xlsx", tmp_path=other,
                           extra=("--communes", listed, "--docs", other / "ho-so"))
    assert "commune-unexpected" in codes(data)
    assert {c["commune"]: c["status"] for c in data["communes"]} == {"Phấn Mễ": "ok", "Động Đạt": "outside"}
    assert by_commune(sheet_rows(other), "xã Động Đạt")["Tình trạng"] == "Không tính: không có trong danh sách xã"
    assert all("Động Đạt" not in doc_text(p) for p in (other / "ho-so").glob("*.docx"))


# --------------------------------------------------------------------------- numbers agree (19.6, 20.2)

SUMMARY = re.compile(r"((?:[A-ZĐ][^:;()]*: \d+ xã)(?:; [A-ZĐ][^:;()]*: \d+ xã)*)")


def summary_total(text: str) -> int:
    return sum(int(n) for n in re.findall(r": (\d+) xã", text))


def test_every_number_of_the_documents_agrees_with_their_lists(tmp_path):
    inbox = tmp_path / "nop"
    names = {"An Bình": 92.5, "Bình Minh": 80, "Cao Sơn": 60, "Đông Hà": 92.5}
    for name, total in names.items():
        merged_summary(inbox, name, tt44_values(with_total(total) if total != 92.5 else None))
    form = tmp_path / "phieu.xlsx"
    run(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    values = {}
    for name, total in names.items():
        if name != "Đông Hà":                                # one commune not checked yet
            scores = with_total(total) if total != 92.5 else TT44_SCORES
            values.update(same_as_self(f"xã {name}", scores))
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", values)
    docs = tmp_path / "ho-so"
    code, text, data = run(inbox, tmp_path=tmp_path, extra=("--checked", filled, "--docs", docs))
    [decision] = docs.glob("*Quyết định*")
    body = doc_text(decision)
    article = re.search(r"đối với (\d+) xã, phường, thị trấn \(([^)]*)\)", body)
    assert article, body
    annex_rows = commune_table(decision)
    assert int(article.group(1)) == summary_total(article.group(2)) == len(annex_rows) == 3
    assert article.group(2).startswith("Tốt: 1 xã; Khá: 1 xã; Trung bình: 1 xã")
    assert [r.cells[3].text for r in annex_rows] == ["Tốt", "Khá", "Trung bình"]      # the stated order
    [proposal] = docs.glob("*Tờ trình*")
    body = doc_text(proposal)
    said = re.search(r"đối với (\d+) xã như sau: ([^\n]*)\.", body)
    listed = commune_table(proposal)
    assert int(said.group(1)) == summary_total(said.group(2)) == len(listed) == 4
    assert "Chưa kiểm tra xong: 1 xã" in said.group(2)
    [minutes] = docs.glob("*Biên bản*")
    body = doc_text(minutes)
    assert summary_total(re.search(r"Tổng hợp: ([^\n]*)\.", body).group(1)) == 4
    assert "cdht" not in body and "--" not in body

    first = next(line for line in text.splitlines() if line.startswith("Tổng hợp "))
    assert first.startswith("Tổng hợp 4 xã")
    checked_line = next(line for line in text.splitlines() if line.startswith("Xếp loại theo kết quả kiểm tra"))
    assert sum(int(n) for n in re.findall(r": (\d+)", checked_line)) == 4
    ws = openpyxl.load_workbook(tmp_path / "huyen.xlsx")["Thống kê"]
    cells = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert cells["Cộng: số xã được tính"] == 4 and cells["Tổng số xã trong bảng “Các xã”"] == 4
    order = [row[0] for row in ws.iter_rows(min_row=4, max_row=9, values_only=True)]
    assert order == ["Tốt", "Khá", "Trung bình", "Chưa đạt", "Chưa xếp loại", "Chưa kiểm tra xong"]


def test_the_first_line_adds_up_with_the_communes_not_counted(tmp_path):
    inbox = tmp_path / "nop"
    merged_summary(inbox, "An Bình")
    edited = merged_summary(inbox, "Bình Minh")
    tamper(edited, cover={92.5: 97})
    code, text, data = run(inbox, tmp_path=tmp_path)
    lines = text.splitlines()
    assert next(line for line in lines if line.startswith("Tổng hợp ")).startswith("Tổng hợp 2 xã")
    classes = next(line for line in lines if line.startswith("Xếp loại:"))
    skipped = next(line for line in lines if line.startswith("Không tính"))
    assert sum(int(n) for n in re.findall(r": (\d+)", classes)) + int(re.search(r"Không tính (\d+) xã", skipped)[1]) == 2
    ws = openpyxl.load_workbook(tmp_path / "huyen.xlsx")["Thống kê"]
    cells = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert cells["Cộng: số xã được tính"] == 1 and cells[EDITED] == 1 and cells["Tổng số xã trong bảng “Các xã”"] == 2


# --------------------------------------------------------------------------- names (issue 19.18)

def test_a_commune_entered_with_its_kind_word_is_named_once_everywhere(tmp_path):
    inbox = tmp_path / "nop"
    merged_summary(inbox, "Xã Kiểm Hai", tt44_values({**TT44_SCORES, 9: None}))     # incomplete: a finding
    merged_summary(inbox, unicodedata.normalize("NFD", "PHƯỜNG Bắc Sơn"))
    form = tmp_path / "phieu.xlsx"
    docs = tmp_path / "ho-so"
    code, text, data = run(inbox, tmp_path=tmp_path, extra=("--check-form", form, "--docs", docs))
    names = [r["Xã / phường / thị trấn"] for r in sheet_rows(tmp_path)]
    assert sorted(names) == ["phường Bắc Sơn", "xã Kiểm Hai"]
    assert {(c["commune_kind"], c["commune"]) for c in data["communes"]} == {("xã", "Kiểm Hai"), ("phường", "Bắc Sơn")}
    everything = text + (tmp_path / "huyen.json").read_text("utf-8") + "".join(doc_text(p) for p in docs.glob("*.docx"))
    everything += " ".join(str(c.value) for row in openpyxl.load_workbook(form)["Phiếu kiểm tra"].iter_rows()
                           for c in row if c.value)
    assert not re.search(r"(?i)\bxã xã\b|\bphường phường\b", unicodedata.normalize("NFC", everything))
    findings = sheet_rows(tmp_path, "Phát hiện")
    incomplete = [r for r in findings if r["Mã"] == "commune-incomplete"]
    assert incomplete and all(r["Xã"] == "xã Kiểm Hai" for r in incomplete)


def test_an_older_summary_whose_name_carries_the_kind_word_reads_the_same(tmp_path):
    from cdht_excel.commune.assess import assess
    from cdht_excel.commune.report import report_dict
    from cdht_excel.outputs.summary_xlsx import write_summary
    inbox = tmp_path / "nop"
    path = merged_summary(inbox, "Kiểm Hai")
    folder = next((tmp_path / "phieu").iterdir())
    a = assess([folder])
    report = report_dict(a)
    report["commune"] = "Xã Kiểm Hai"            # as a summary made before names were tidied says it
    write_summary(a, report, path)
    code, text, data = run(inbox, tmp_path=tmp_path, extra=("--communes", _list(tmp_path, "Kiểm Hai")))
    [entry] = data["communes"]
    assert (entry["commune_kind"], entry["commune"], entry["status"]) == ("xã", "Kiểm Hai", "ok")
    assert [r["Xã / phường / thị trấn"] for r in sheet_rows(tmp_path)] == ["xã Kiểm Hai"]
    assert "commune-unexpected" not in codes(data)


def _list(tmp_path, *names) -> Path:
    path = tmp_path / "ds.txt"
    path.write_text("\n".join(names) + "\n", "utf-8")
    return path


# --------------------------------------------------------------------------- after the check (issue 20.6)

def test_after_the_check_the_tables_show_its_result_labelled_with_the_self_assessment_beside(tmp_path):
    inbox = tmp_path / "nop"
    merged_summary(inbox, "An Bình")
    merged_summary(inbox, "Bình Minh")
    form = tmp_path / "phieu.xlsx"
    run(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    values = same_as_self("xã An Bình")
    values.update(same_as_self("xã Bình Minh", {**TT44_SCORES, 3: 2, 15: 3.5}))     # 83,5: Khá by the check
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", values)
    code, text, data = run(inbox, tmp_path=tmp_path, extra=("--checked", filled))
    row = by_commune(sheet_rows(tmp_path), "xã Bình Minh")
    assert row["Tổng điểm (kết quả kiểm tra)"] == 83.5 and row["Xếp loại (kết quả kiểm tra)"] == "Khá"
    assert row["Tự đánh giá: tổng điểm"] == 92.5 and row["Tự đánh giá: xếp loại"] == "Tốt"
    assert row["Tình trạng"] == "Đã kiểm tra"
    line = by_commune(csv_rows(tmp_path), "xã Bình Minh")
    assert (line["Tổng điểm (kết quả kiểm tra)"], line["Xếp loại (kết quả kiểm tra)"]) == ("83.5", "Khá")
    assert (line["Tự đánh giá: tổng điểm"], line["Tự đánh giá: xếp loại"]) == ("92.5", "Tốt")
    [entry] = [c for c in data["communes"] if c["commune"] == "Bình Minh"]
    assert (entry["total"], entry["classification"]["code"], entry["counted_by"]) == (83.5, "kha", "check")
    assert (entry["self"]["total"], entry["self"]["classification"]["code"]) == (92.5, "tot")
    check = openpyxl.load_workbook(tmp_path / "huyen.xlsx")["Kiểm tra"]
    heads = [c.value for c in check[1]]
    assert heads[2:6] == ["Tự đánh giá: tổng điểm", "Tự đánh giá: xếp loại", "Kiểm tra: tổng điểm",
                          "Kiểm tra: xếp loại"]
    values_row = {h: c.value for h, c in zip(heads, check[3])}
    assert values_row["Tự đánh giá: tổng điểm"] == 92.5 and values_row["Kiểm tra: tổng điểm"] == 83.5


def test_the_rows_jobs_returns_to_the_page_carry_the_same_fields_as_the_json(tmp_path):
    """`jobs.run_district` (what `cdht web` shows) gives each commune's row the result that counts, its
    status in words and what a refused file states, as the JSON does."""
    from cdht_excel import jobs as J
    inbox = tmp_path / "nop"
    merged_summary(inbox, "An Bình")
    edited = merged_summary(inbox, "Bình Minh")
    tamper(edited, cover={92.5: 97})
    form = tmp_path / "phieu.xlsx"
    run(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", same_as_self("xã An Bình", {**TT44_SCORES, 15: 2}))
    job = J.run_district([inbox], tmp_path / "web.xlsx", tmp_path / "web.json", workers=1, checked_form=filled)
    rows = {c["commune"]: c for c in job.data["communes"]}
    written = {c["commune"]: c for c in json.loads((tmp_path / "web.json").read_text("utf-8"))["communes"]}
    keys = ("total", "classification", "complete", "status", "status_label", "counted_by", "self", "claimed")
    for name in ("An Bình", "Bình Minh"):
        assert {k: rows[name].get(k) for k in keys} == {k: written[name].get(k) for k in keys}, name
    assert (rows["An Bình"]["total"], rows["An Bình"]["self"]["total"]) == (85.5, 92.5)
    assert rows["Bình Minh"]["total"] is None and rows["Bình Minh"]["status_label"] == EDITED


def test_a_dossier_without_a_refused_commune_says_so_and_stays_a_draft(tmp_path):
    inbox = tmp_path / "nop"
    merged_summary(inbox, "An Bình")
    edited = merged_summary(inbox, "Bình Minh")
    tamper(edited, cover={92.5: 97})
    form = tmp_path / "phieu.xlsx"
    run(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", same_as_self("xã An Bình"))
    docs = tmp_path / "ho-so"
    run(inbox, tmp_path=tmp_path, extra=("--checked", filled, "--docs", docs))
    files = list(docs.glob("*.docx"))
    assert len(files) == 3 and all(p.name.startswith("DỰ THẢO") for p in files)
    for path in files:
        body = doc_text(path)
        assert "Chưa tính 1 xã (xã Bình Minh: tệp tổng hợp bị sửa)" in body, path.name
        assert "97" not in body


def test_the_local_page_shows_a_run_with_a_refused_commune(tmp_path, client):  # noqa: F811
    """The page renders rows whose figures are null (a refused commune) and counts only the others."""
    from test_web import follow, post
    inbox = tmp_path / "nop"
    good = merged_summary(inbox, "An Bình")
    edited = merged_summary(inbox, "Bình Minh")
    tamper(edited, cover={92.5: 97})
    page = follow(client, post(client, "/district", [(good.name, good.read_bytes()), (edited.name, edited.read_bytes())]))
    assert re.search(r'data-count="tot">1<', page), page[:3000]
    assert "Bình Minh" in page and "An Bình" in page

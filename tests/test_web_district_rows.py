"""The local page's district result shows, for each commune, the result that counts, as `cdht district --json`
does: a commune not counted (its summary edited, two copies that differ) has no total and no class there, its
status says why, and what its file states is only in a part labelled so; after `--checked` the total and class
are the check's, labelled "(kết quả kiểm tra)", the self-assessment beside them (issue 19 item 3, issue 20
item 6, as the page shows them).

The summaries are made by the real `cdht merge` (the Đồng Thịnh sample, and the project's template filled),
then edited with openpyxl as a person would.
"""
from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from commune import TT44_SCORES, tt44_values
from support import REPO, run_cli
from test_district_check import fill_form, same_as_self
from test_district_counted import merged_summary
from test_district_trust import tamper
from test_web import BASE, TOKEN, app, client, follow  # noqa: F401  (the local page's fixtures)

from cdht_excel.text import format_number

SAMPLE = REPO / "samples" / "dong-thinh-2024"
EDITED = "Không tính: tệp tổng hợp bị sửa"
CONFLICT = "Không tính: hai bản kết quả khác nhau"
BY_CHECK = " (kết quả kiểm tra)"


class _Rows(HTMLParser):
    """The communes table: {commune: {data-label of a cell: its text}}."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.row: dict[str, str] | None = None
        self.cell: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-commune" in attrs:
            self.row = self.rows.setdefault(attrs["data-commune"], {})
        elif tag == "td" and self.row is not None:
            self.cell = attrs.get("data-label")
            self.row[self.cell] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data):
        if self.row is not None and self.cell is not None:
            self.row[self.cell] += data


def page_rows(page: str) -> dict[str, dict[str, str]]:
    parser = _Rows()
    parser.feed(page)
    return {name: {k: " ".join(v.split()) for k, v in row.items()} for name, row in parser.rows.items()}


def edited_sample(inbox: Path) -> Path:
    """The Đồng Thịnh sample merged by `cdht merge`, then its total raised to 99 and its class set to Tốt."""
    inbox.mkdir(parents=True, exist_ok=True)
    summary = inbox / "Đồng Thịnh.xlsx"
    code, text = run_cli("merge", SAMPLE, "-o", summary)
    assert code == 0, text

    def promote(report):
        report["total"] = 99
        report["classification"] = {"code": "tot", "label": "Tốt"}
    tamper(summary, promote, cover={87.5: 99})
    return summary


def cli_json(files, tmp_path, *extra) -> dict:
    out = tmp_path / "cli.json"
    code, text = run_cli("district", *files, "-o", tmp_path / "cli.xlsx", "--json", out, *extra)
    assert code in (0, 1), text
    return {c["commune"]: c for c in json.loads(out.read_text("utf-8"))["communes"]}


def post_district(client, files, checked: Path | None = None):  # noqa: F811
    data = {"token": TOKEN, "files": [(io.BytesIO(p.read_bytes()), p.name) for p in files]}
    if checked is not None:
        data["checked"] = (io.BytesIO(checked.read_bytes()), "phiếu kiểm tra đã ghi.xlsx")
    response = client.post("/district", base_url=BASE, data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.data.decode()[:2000]
    page = follow(client, response)
    return page


def counted_columns(row: dict[str, str], checked: bool) -> tuple[str, str]:
    by = BY_CHECK if checked else ""
    return row["Tổng điểm" + by], row["Xếp loại" + by]


def same_as_cli(rows: dict, cli: dict, checked: bool = False, scored: bool = True) -> None:
    """Each row of the page shows what `cdht district --json` says counts, and the same status."""
    assert set(rows) == set(cli)
    for name, entry in cli.items():
        row = rows[name]
        label = (entry["classification"] or {}).get("label", "")
        if scored:
            assert counted_columns(row, checked) == (format_number(entry["total"]), label), name
        else:
            assert row["Mức độ" + (BY_CHECK if checked else "")] == label, name
        assert row["Tình trạng"].startswith(entry["status_label"]), name
        if checked:
            own = entry.get("self") or {}
            expected = "" if not own else (f"{format_number(own['total'])} điểm, " if own["total"] is not None
                                           else "") + own["classification"]["label"]
            assert row["Tự đánh giá"] == expected, name


def test_an_edited_summary_shows_its_status_and_no_claimed_figures(client, tmp_path):  # noqa: F811
    inbox = tmp_path / "nop"
    edited = edited_sample(inbox)
    good = merged_summary(inbox, "An Bình")
    page = post_district(client, [edited, good])
    rows = page_rows(page)
    same_as_cli(rows, cli_json([edited, good], tmp_path))
    row = rows["Đồng Thịnh"]
    assert counted_columns(row, False) == ("", "")
    assert row["Tình trạng"].startswith(EDITED)
    # what the file states (99, Tốt) and what its criteria give (87,5) stand only where they are labelled so
    assert "Số liệu ghi trong tệp (để đối chiếu): tệp ghi: 99 điểm, Tốt" in row["Tình trạng"]
    assert "tính lại từ điểm các tiêu chí trong tệp: 87,5 điểm" in row["Tình trạng"]
    for label, text in row.items():
        if label != "Tình trạng":
            assert "99" not in text and "Tốt" not in text, (label, text)
    assert counted_columns(rows["An Bình"], False) == ("92,5", "Tốt") and rows["An Bình"]["Tình trạng"] == ""
    assert re.search(r'data-count="tot">1<', page) and re.search(r'data-count="khong-tinh">1<', page)
    # a finding about a commune names it once ("xã An Bình", never "xã xã An Bình")
    assert '<p class="where">xã Đồng Thịnh – tệp' in page and not re.search(r"(?i)\bxã xã\b", page)


def test_a_conflicting_pair_shows_both_copies_apart_and_no_result(client, tmp_path):  # noqa: F811
    inbox = tmp_path / "nop"
    first = merged_summary(inbox, "Cao Sơn")
    second = merged_summary(inbox, "Cao Sơn", tt44_values({**TT44_SCORES, 15: 2}), out_name="Cao Sơn gửi lại.xlsx")
    good = merged_summary(inbox, "An Bình")
    rows = page_rows(post_district(client, [first, second, good]))
    same_as_cli(rows, cli_json([first, second, good], tmp_path))
    row = rows["Cao Sơn"]
    assert counted_columns(row, False) == ("", "") and row["Tình trạng"].startswith(CONFLICT)
    assert "“Cao Sơn gửi lại.xlsx” ghi: 85,5 điểm, Tốt" in row["Tình trạng"]
    assert "“tổng hợp Cao Sơn.xlsx” ghi: 92,5 điểm, Tốt" in row["Tình trạng"]


def test_after_the_check_the_page_shows_its_result_labelled_with_the_self_assessment_beside(client, tmp_path):  # noqa: F811
    inbox = tmp_path / "nop"
    files = [merged_summary(inbox, "An Bình"), merged_summary(inbox, "Bình Minh"), merged_summary(inbox, "Cao Sơn"),
             edited_sample(inbox)]
    form = tmp_path / "phieu.xlsx"
    assert run_cli("district", *files, "-o", tmp_path / "h.xlsx", "--check-form", form)[0] in (0, 1)
    values = same_as_self("xã An Bình")
    values.update(same_as_self("xã Bình Minh", {**TT44_SCORES, 3: 2, 15: 3.5}))      # 83,5: Khá by the check
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", values)                  # Cao Sơn: not finished
    page = post_district(client, files, checked=filled)
    rows = page_rows(page)
    same_as_cli(rows, cli_json(files, tmp_path, "--checked", filled), checked=True)
    assert "<th class=\"num wrap\">Tổng điểm (kết quả kiểm tra)</th>" in page and "<th>Tự đánh giá</th>" in page
    checked = rows["Bình Minh"]
    assert counted_columns(checked, True) == ("83,5", "Khá") and checked["Tự đánh giá"] == "92,5 điểm, Tốt"
    assert checked["Tình trạng"] == "Đã kiểm tra"
    unchecked = rows["Cao Sơn"]
    assert counted_columns(unchecked, True) == ("", "Chưa kiểm tra xong")
    assert unchecked["Tự đánh giá"] == "92,5 điểm, Tốt"
    edited = rows["Đồng Thịnh"]      # refused before the check: nothing counted, the check does not change it
    assert counted_columns(edited, True) == ("", "") and edited["Tự đánh giá"] == ""
    assert edited["Tình trạng"].startswith(EDITED)
    assert re.search(r'data-count="kha">1<', page) and re.search(r'data-count="chua-kiem-tra">1<', page)


def test_a_levels_district_with_an_edited_summary_has_no_total_column_and_no_claimed_level(client, tmp_path):  # noqa: F811
    """TT 25/2023: a level, no total; the commune whose level was raised by hand shows none."""
    from commune import tt25_values
    from test_district import commune_folder
    inbox = tmp_path / "nop"
    inbox.mkdir()
    files = []
    for name in ("An Bình", "Bình Minh"):
        folder = commune_folder(tmp_path / "phieu", name, tt25_values(), rubric="tt25-2023", year=2025)
        files.append(inbox / f"{name}.xlsx")
        assert run_cli("merge", folder, "-o", files[-1])[0] in (0, 1)

    def raise_level(report):
        assert report["classification"]["code"] == "muc-do-1"
        report["classification"] = {"code": "muc-do-2", "label": "Mức độ 2"}
    tamper(files[1], raise_level)
    page = post_district(client, files)
    rows = page_rows(page)
    same_as_cli(rows, cli_json(files, tmp_path), scored=False)
    assert "Tổng điểm" not in rows["An Bình"] and "—" not in rows["An Bình"]
    assert rows["An Bình"]["Mức độ"] == "Mức độ 1"
    edited = rows["Bình Minh"]
    assert edited["Mức độ"] == "" and edited["Tình trạng"].startswith(EDITED)
    assert "Mức độ 2" in edited["Tình trạng"].split("(để đối chiếu)")[1]

"""Counts that match the lists on the page (issue 20, item 2), and the rubric named, not coded.

Every "lỗi: N · cảnh báo: N · thông tin: N" the page shows equals the findings listed below it, information
findings included; the district's "Tổng hợp N xã" equals its classes plus the communes not counted.
"""
from __future__ import annotations

import re

from support import REPO
import test_web
from test_web import BASE, follow, post, sample_files

SAMPLES = REPO / "samples"
SEVERITIES = ("error", "warning", "info")
WORDS = {"error": "lỗi", "warning": "cảnh báo", "info": "thông tin"}

app, client = test_web.app, test_web.client      # the page's fixtures, shared with tests/test_web.py


def listed_section(page: str) -> str:
    start = page.index("data-listed")
    return page[start:page.index("</section>", start)]


def shown_counts(heading: str) -> dict:
    return {sev: int(m.group(1)) for sev in SEVERITIES
            for m in [re.search(rf"{WORDS[sev]}: (\d+)", heading)] if m}


def listed_counts(section: str) -> dict:
    return {sev: section.count(f'class="finding sev-{sev}"') for sev in SEVERITIES}


def test_merge_counts_are_the_findings_listed_information_included(client):
    page = follow(client, post(client, "/merge", sample_files(SAMPLES / "dong-thinh-2024-co-loi"), action="merge"))
    section = listed_section(page)
    heading = section[:section.index("</h2>")]
    listed = listed_counts(section)
    assert shown_counts(heading) == listed
    facts = {sev: int(re.search(rf'data-n="{sev}">(\d+)<', page).group(1)) for sev in SEVERITIES}
    assert facts == listed and listed["error"] and listed["info"]


def test_status_counts_are_the_findings_listed(client):
    page = follow(client, post(client, "/merge", sample_files(SAMPLES / "dong-thinh-2024-co-loi"), action="status"))
    section = listed_section(page)
    shown = shown_counts(section[:section.index("</h2>")])
    listed = listed_counts(section)
    assert shown == {sev: listed[sev] for sev in shown} and shown["error"]


def test_district_counts_and_communes_add_up(client, tmp_path):
    from cdht_excel import jobs
    summaries = []
    for folder in ("dong-thinh-2024", "dong-thinh-2024-co-loi"):       # the same commune twice: one conflict
        target = tmp_path / folder / "Đồng Thịnh.xlsx"
        jobs.run_merge([SAMPLES / folder], target)
        summaries.append((f"{folder}.xlsx", target.read_bytes()))
    page = follow(client, post(client, "/district", summaries))
    section = listed_section(page)
    assert shown_counts(section[:section.index("</h2>")]) == listed_counts(section)
    communes = int(re.search(r"<h1>Tổng hợp (\d+) xã", page).group(1))
    counted = [int(n) for code, n in re.findall(r'data-count="([^"]+)">(\d+)<', page) if code != "tong"]
    assert sum(counted) == communes == int(re.search(r'data-count="tong">(\d+)<', page).group(1))


def test_headlines_name_the_rubric_not_its_code(client):
    page = follow(client, post(client, "/merge", sample_files(), action="merge"))
    card = page[page.index('<section class="card result'):]
    card = card[:card.index("</section>")]
    assert "Bộ tiêu chí: Thông tư 44/2014" in card and "tt44-2014" not in card
    template = client.get("/template", base_url=BASE).data.decode()
    assert "(tt44-2014)" not in template and "Thông tư 25/2023" in template


def test_no_file_input_shows_the_browsers_own_button(client):
    for path in ("/merge", "/district", "/template"):
        page = client.get(path, base_url=BASE).data.decode()
        inputs = re.findall(r"<input[^>]*type=\"file\"[^>]*>", page)
        assert inputs
        for tag in inputs:
            assert 'class="file-input"' in tag, tag
            ident = re.search(r'id="([^"]+)"', tag).group(1)
            assert re.search(rf'<label class="button secondary[^"]*" for="{ident}">Chọn tệp…</label>', page)

"""The page and the terminal give the same result for the same files (issue 20, item 3).

Each test runs the real `cdht` command and posts the same files to the page (Flask's test client), then
compares the JSON both wrote: the later copy of a re-sent form ("Lấy bản lưu sau" / `--prefer-newer`),
last year's results and the documents settings of the district (`--previous`, `--docs-settings`), and the
plan edited on the page against `cdht plan init` edited in its workbook.
"""
from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path

from support import run_cli

from cdht_excel.rules import findings as F
from test_resent import resent_set
import test_web
from test_web import BASE, HOST, TOKEN, follow, post

VOLATILE = {"generated", "generator", "seconds", "elapsed", "created"}

app, client = test_web.app, test_web.client      # the page's fixtures, shared with tests/test_web.py


def stable(data):
    """The JSON without what differs between two runs of the same input (time, where it ran)."""
    if isinstance(data, dict):
        return {k: stable(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [stable(v) for v in data]
    return data


def download(client, page: str, key: str) -> bytes:
    link = re.search(rf'href="/r-test(/jobs/[^"]+/{key})"', page).group(1)
    answer = client.get(link, base_url=BASE)
    assert answer.status_code == 200
    return answer.data


def files_of(folder: Path):
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]


# --------------------------------------------------------------------------- re-sent copies

def test_lay_ban_luu_sau_is_prefer_newer(client, tmp_path):
    folder, _, _ = resent_set(tmp_path, {"C7_SCORE": 5.5})
    report = tmp_path / "cli.json"
    code, _ = run_cli("merge", *sorted(folder.iterdir()), "-o", tmp_path / "cli.xlsx", "--json", report,
                      "--docs", tmp_path / "docs", "--prefer-newer")
    assert code in (0, 1)
    cli = json.loads(report.read_text("utf-8"))
    page = follow(client, post(client, "/merge", files_of(folder), action="merge", prefer_newer="1"))
    web = json.loads(download(client, page, "json"))
    assert stable(web) == stable(cli)
    chosen = [f for f in web["findings"] if f["code"] == "conflicts-newer-chosen"]
    assert len(chosen) == 1 and not [f for f in web["findings"] if f["code"] == "unit-conflict"]
    assert chosen[0]["message"].split(" (")[0] in page.replace("&#34;", '"')


def test_without_the_checkbox_a_resent_copy_is_a_conflict_as_in_the_terminal(client, tmp_path):
    folder, _, _ = resent_set(tmp_path, {"C7_SCORE": 5.5})
    report = tmp_path / "cli.json"
    run_cli("merge", *sorted(folder.iterdir()), "-o", tmp_path / "cli.xlsx", "--json", report, "--docs", tmp_path / "docs")
    cli = json.loads(report.read_text("utf-8"))
    page = follow(client, post(client, "/merge", files_of(folder), action="merge"))
    web = json.loads(download(client, page, "json"))
    assert stable(web) == stable(cli)
    assert [f["code"] for f in web["findings"]].count("unit-conflict") == 1
    assert "Lấy bản lưu sau" in client.get("/merge", base_url=BASE).data.decode()


# --------------------------------------------------------------------------- the plan

def editor_fields(page: str) -> dict:
    """The editor's fields as the browser would send them (inputs' values, selected options)."""
    import html as H
    fields = {name: H.unescape(value) for name, value in
              re.findall(r'<input (?:type="hidden" )?name="([^"]+)" value="([^"]*)"', page)}
    fields.update({m.group(1): H.unescape(m.group(3)) for m in re.finditer(
        r'<select name="([^"]+)">(.*?)</select>', page, re.S) for m in [re.search(
            r'<select name="([^"]+)">(.*?<option value="([^"]*)" selected)', m.group(0), re.S) or
            re.search(r'<select name="([^"]+)">(<option value="([^"]*)")', m.group(0))]})
    fields.update({name: H.unescape(value) for name, value in
                   re.findall(r'<input class="short" name="([^"]+)" value="([^"]*)"', page)})
    return fields


def unit_row(fields: dict, name: str) -> int:
    return next(int(k.split("-")[1]) for k, v in fields.items() if k.endswith("-name") and v == name)


def workbook_cells(data: bytes) -> dict:
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula
    wb = openpyxl.load_workbook(io.BytesIO(data))
    # an array formula (the unit form's count of items entered) is an object without equality: its range and text
    cells = {(ws.title, c.coordinate): (c.value.ref, c.value.text) if isinstance(c.value, ArrayFormula) else c.value
             for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    return {"sheets": wb.sheetnames, "cells": cells, "names": sorted(wb.defined_names.keys())}


def test_the_plan_edited_on_the_page_is_the_plan_edited_in_its_workbook(client, tmp_path):
    import openpyxl

    from cdht_excel.commune.plan_sheet import read_plan
    typed = dict(commune="Đồng Thịnh", district="Định Hóa", province="Thái Nguyên", year="2024", kind="xã")
    # the terminal: plan init, then the secretary edits the workbook in Excel
    plan = tmp_path / "ke-hoach.xlsx"
    assert run_cli("plan", "init", "--commune", typed["commune"], "--district", typed["district"], "--province",
                   typed["province"], "--year", "2024", "-o", plan)[0] == 0
    wb = openpyxl.load_workbook(plan)
    info, units = wb["Thông tin"], wb["Phân công"]
    for row in info.iter_rows(min_row=1):
        if row[0].value == "Chủ tịch UBND xã":
            row[1].value = "Nguyễn Văn An"
        if row[0].value == "Cơ quan đánh giá, công nhận":
            row[1].value = "Ủy ban nhân dân huyện Định Hóa"
    rows = {r[0].value: r for r in units.iter_rows(min_row=2) if r[0].value}
    office, party = rows["Văn phòng UBND xã"], rows["Văn phòng Đảng ủy xã"]
    office[2].value = "2, 11"                                       # criterion 7 moves to the party office
    party[2].value = f"{party[2].value}, 7"
    office[3].value, office[4].value = "Lê Thị Hoa, công chức Văn phòng", "0912 345 678"
    new = len(rows) + 2
    units.cell(new, 1, "Trường Mầm non xã")                        # a unit with nothing to do: refused later
    wb.save(plan)
    edited = tmp_path / "ke-hoach-da-sua.xlsx"
    plan.rename(edited)
    code, text = run_cli("template", "--plan", edited, "-o", tmp_path / "cli.xlsx")
    assert code == 2 and "Trường Mầm non xã" in text
    units.cell(new, 1).value = None
    wb.save(edited)
    code, text = run_cli("template", "--plan", edited, "-o", tmp_path / "cli.xlsx", "--split-dir", tmp_path / "split")
    assert code == 0, text

    # the page: the same fields, "Sửa kế hoạch, phân công trước", the same edits in the editor
    answer = client.post("/template", base_url=BASE, data={"token": TOKEN, "rubric": "tt44-2014", "action": "edit",
                                                           "hard_area": "", **typed},
                         content_type="multipart/form-data")
    assert answer.status_code == 303 and "/plan/" in answer.headers["Location"]
    editor_url = answer.headers["Location"]
    page = client.get(editor_url, base_url=HOST).data.decode()
    assert "Phân công tiêu chí cho các đơn vị" in page and "Tạo mẫu phiếu" in page
    fields = editor_fields(page)
    fields.update(chair="Nguyễn Văn An", assessing_body="Ủy ban nhân dân huyện Định Hóa")
    o, p = unit_row(fields, "Văn phòng UBND xã"), unit_row(fields, "Văn phòng Đảng ủy xã")
    fields[f"unit-{o}-criteria"] = "2, 11"
    fields[f"unit-{p}-criteria"] += ", 7"
    fields[f"unit-{o}-contact"], fields[f"unit-{o}-phone"] = "Lê Thị Hoa, công chức Văn phòng", "0912 345 678"
    empty = next(k for k, v in fields.items() if k.endswith("-name") and not v)
    refused = client.post(editor_url, base_url=HOST, content_type="multipart/form-data",
                          data={**fields, empty: "Trường Mầm non xã", "action": "make"})
    assert refused.status_code == 400 and "Trường Mầm non xã" in refused.data.decode()
    made = client.post(editor_url, base_url=HOST, data={**fields, "action": "make"},
                       content_type="multipart/form-data")
    result = follow(client, made)
    web_plan, web_template = tmp_path / "web-plan.xlsx", download(client, result, "template")
    web_plan.write_bytes(download(client, result, "plan"))
    assert read_plan(web_plan) == read_plan(edited)
    assert workbook_cells(web_template) == workbook_cells((tmp_path / "cli.xlsx").read_bytes())
    units_zip = zipfile.ZipFile(io.BytesIO(download(client, result, "units")))
    assert sorted(units_zip.namelist()) == sorted(p.name for p in (tmp_path / "split").iterdir())
    assert "Lê Thị Hoa, công chức Văn phòng, 0912 345 678" in result


def test_a_plan_workbook_from_the_page_opens_in_the_editor_again(client, tmp_path):
    plan = tmp_path / "ke-hoach.xlsx"
    assert run_cli("plan", "init", "--commune", "Đồng Thịnh", "--year", "2025", "--rubric", "tt25-2023",
                   "--no-hard-area", "-o", plan)[0] == 0
    data = {"token": TOKEN, "action": "edit", "plan": (io.BytesIO(plan.read_bytes()), "ke-hoach.xlsx")}
    answer = client.post("/template", base_url=BASE, data=data, content_type="multipart/form-data")
    page = client.get(answer.headers["Location"], base_url=HOST).data.decode()
    assert "năm 2025" in page and "Thông tư 25/2023" in page and "Điểm tối đa" not in page


# --------------------------------------------------------------------------- the district

def docx_texts(archive: bytes) -> dict:
    out = {}
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        for name in zf.namelist():
            with zipfile.ZipFile(io.BytesIO(zf.read(name))) as doc:
                out[name] = doc.read("word/document.xml")
    return out


def test_previous_year_and_documents_settings_give_the_terminals_result(client, tmp_path):
    from commune import tt25_values
    from test_district import commune_folder

    from cdht_excel import jobs
    last_year = tmp_path / "2024"
    for name in ("An Bình", "Bình Minh", "Cao Sơn"):
        commune_folder(last_year, name, tt25_values({}), rubric="tt25-2023", year=2024)
    last = tmp_path / "ket-qua-2024.json"
    assert run_cli("district", last_year, "-o", tmp_path / "2024.xlsx", "--json", last)[0] in (0, 1)
    summaries = []
    for name, change in (("An Bình", {}), ("Bình Minh", {"C2_1_RESULT": "Không đạt"}), ("Dạ Lê", {})):
        folder = commune_folder(tmp_path / "2025", name, tt25_values(change), rubric="tt25-2023", year=2025)
        summaries.append(jobs.run_merge([folder], tmp_path / "tong-hop" / f"{name}.xlsx").summary)
    kept = {"authority_head": "Chủ tịch Ủy ban nhân dân tỉnh Thái Nguyên",
            "proposer": "Sở Giáo dục và Đào tạo tỉnh Thái Nguyên"}
    (tmp_path / "thiet-lap.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    typed = {"authority": "Ủy ban nhân dân tỉnh Thái Nguyên", "signer": "Trần Thị Bình", "place": "Thái Nguyên"}
    # the terminal: the settings file holds what the page's fields add to it
    settings = tmp_path / "thiet-lap-cli.json"
    settings.write_text(json.dumps({**kept, **typed}, ensure_ascii=False), encoding="utf-8")
    report = tmp_path / "cli.json"
    code, _ = run_cli("district", *summaries, "-o", tmp_path / "cli.xlsx", "--json", report, "--previous", last,
                      "--docs", tmp_path / "ho-so", "--docs-settings", settings, "--authority", typed["authority"],
                      "--signer", typed["signer"], "--check-form", tmp_path / "phieu.xlsx")
    cli = json.loads(report.read_text("utf-8"))
    data = {"token": TOKEN, "files": [(io.BytesIO(p.read_bytes()), p.name) for p in summaries],
            "previous": (io.BytesIO(last.read_bytes()), last.name),
            "settings": (io.BytesIO((tmp_path / "thiet-lap.json").read_bytes()), "thiet-lap.json"), **typed}
    page = follow(client, client.post("/district", base_url=BASE, data=data, content_type="multipart/form-data"))
    web = json.loads(download(client, page, "district-json"))
    assert stable(web) == stable(cli)
    assert web["previous"]["year"] == 2024 and {c["previous"]["change"] for c in web["communes"]} >= {"new"}
    assert "Năm 2024" in page and "Thay đổi" in page and "Năm trước chưa có" in page
    assert docx_texts(download(client, page, "district-docs")) == \
        {p.name: zipfile.ZipFile(p).read("word/document.xml") for p in (tmp_path / "ho-so").glob("*.docx")}
    assert json.loads(download(client, page, "settings")) == {**kept, **typed}


def test_the_editor_bounds_what_a_form_may_ask(client):
    answer = client.post("/template", base_url=BASE, content_type="multipart/form-data",
                         data={"token": TOKEN, "rubric": "tt44-2014", "action": "edit", "commune": "Đồng Thịnh",
                               "year": "2024"})
    editor = answer.headers["Location"]
    for rows in ("999999999999", "-3", "mười"):
        page = client.post(editor, base_url=HOST, data={"token": TOKEN, "year": "2024", "commune": "Đồng Thịnh",
                                                        "rows": rows, "action": "make"})
        assert page.status_code == 400        # no unit sent: said as the plan workbook would say it
        assert html.escape(F.make("plan-no-units").message, quote=False) in page.data.decode()
    bad_year = client.post(editor, base_url=HOST, data={"token": TOKEN, "year": "hai nghìn", "rows": "0"})
    assert bad_year.status_code == 400 and "Năm đánh giá cần là số" in bad_year.data.decode()
    more = client.post(editor, base_url=HOST, data={"token": TOKEN, "year": "2024", "commune": "Đồng Thịnh",
                                                    "rows": "2", "unit-0-name": "Hội Khuyến học xã",
                                                    "unit-0-criteria": "1", "action": "more"}).data.decode()
    assert 'name="rows" value="5"' in more       # two rows shown, three more and 'value="Hội Khuyến học xã"' in more
    refused = client.post(editor, base_url=HOST, data={"year": "2024", "rows": "1", "action": "make"})
    assert refused.status_code == 403                       # the editor's form needs the token too

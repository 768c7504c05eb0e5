"""The province service's pages in a real browser: Debian's Chromium driven by Playwright against a real
`cdht serve` process (SQLite; PostgreSQL too when CDHT_TEST_PG_URL is set).

A secretary's year (unit links made on the page, each unit's return — the project's own template filled
with openpyxl — sent through its own link, the merge, submit) and the province's (the grid, a return with
its reason that the secretary sees and answers, the check on the page and by the check form workbook,
bulk actions, the recognition, the exports), then every page at 390×844 without horizontal overflow.
Screenshots go to tests/out/service/ (git-ignored).
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import zipfile
from pathlib import Path

import pytest

from service_support import PASSWORD, YEAR, Api, free_port, start_server
from support import REPO

pytest_plugins = ("service_fixtures",)

OUT = REPO / "tests" / "out" / "service"
CHROMIUM = os.environ.get("CDHT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install \".[test]\")")
    args = []
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


@pytest.fixture
def server(province):
    port = free_port()
    proc = start_server(province, port)
    yield f"http://127.0.0.1:{port}"
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except Exception:
        proc.kill()


def shot(page, name: str, full: bool = True) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def new_page(browser, viewport=DESK):
    context = browser.new_context(accept_downloads=True, locale="vi-VN", viewport=viewport)
    return context.new_page()


def log_in(browser, base: str, login: str, password: str = PASSWORD):
    page = new_page(browser)
    page.goto(base + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    return page


def no_overflow(page, url: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(url)
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{url}: the page is {width[0]} px wide at {width[1]} px"


def expect():
    from playwright.sync_api import expect
    return expect


def state_is(page, text: str) -> None:
    """The commune's state as the page now shows it (waiting for the page a form's answer loads)."""
    expect()(page.locator("[data-state]").first).to_have_text(text)


def unit_of(path: Path) -> str:
    from cdht_excel.reading.book import Input
    from cdht_excel.reading.read import read_workbooks
    book = read_workbooks([Input(path, path.name)])[0]
    return book.units[0].unit_id


def download(page, selector: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def fill_check_form(path: Path, out: Path, change: dict[str, float]) -> Path:
    """The check form filled as a checker does in Excel (openpyxl): every check cell the self-assessment,
    except the criteria in `change`."""
    import openpyxl
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows())
    cols = next(r for r in rows if r[0].value == "#cols")
    index = {c.value: n for n, c in enumerate(cols)}
    for row in rows:
        key = row[0].value
        if isinstance(key, str) and key.startswith("CDHT-CHK|1|"):
            item = key.rsplit("|", 1)[1]
            row[index["CHECK"]].value = change.get(item, row[index["SELF"]].value)
    wb.save(out)
    return out


def test_a_secretary_and_the_province_through_the_year(browser, server, province, tan_lap_returns, sa_pa_returns,
                                                       tmp_path):
    base = server
    code = "001"
    page_url = f"{base}/communes/{code}/{YEAR}"
    visited: dict[str, list[str]] = {"thuky1": [], "kiemtra": [], "admin": [], "unit": []}

    # --- the secretary: one link per unit, sent to the units
    sec = log_in(browser, base, "thuky1")
    assert sec.url == page_url
    state_is(sec, "Chưa nộp")
    assert "28/02/2027" in sec.locator("[data-deadline]").inner_text()
    shot(sec, "secretary-empty")
    links: dict[str, str] = {}
    for path in tan_lap_returns:
        unit = unit_of(path)
        sec.select_option("select[name=unit]", unit)
        sec.get_by_role("button", name="Tạo liên kết").click()
        links[unit] = sec.locator("[data-link-url]").input_value()
        assert links[unit].startswith(f"{base}/u/")
    assert sec.locator("[data-copy]").is_visible()            # the script of the page runs under the CSP
    shot(sec, "secretary-links")
    assert len(set(links.values())) == len(tan_lap_returns)

    # --- each unit at its own link, no account
    unit_page = new_page(browser)
    first_unit = unit_of(tan_lap_returns[0])
    for n, path in enumerate(tan_lap_returns):
        unit_page.goto(links[unit_of(path)])
        unit_page.set_input_files("input[name=files]", str(path))
        unit_page.get_by_role("button", name="Gửi phiếu").click()
        sent = unit_page.locator("[data-sent]")
        assert "Đã nhận vào tổng hợp" in sent.inner_text()
        assert unit_page.locator("[data-file]").count() == 1      # its own file, nothing of the other units
        if n == 0:
            shot(unit_page, "unit-page")
    # a unit sending another unit's file: kept, not counted, told why
    unit_page.goto(links[first_unit])
    wrong = tmp_path / "Phiếu gửi nhầm.xlsx"
    shutil.copyfile(tan_lap_returns[1], wrong)
    unit_page.set_input_files("input[name=files]", str(wrong))
    unit_page.get_by_role("button", name="Gửi phiếu").click()
    assert "Không tính vào tổng hợp" in unit_page.locator("[data-sent]").inner_text()
    assert unit_page.locator("[data-file]").count() == 2
    unit_page.set_viewport_size(PHONE)
    shot(unit_page, "unit-phone")
    unit_page.set_viewport_size(DESK)
    visited["unit"].append(links[first_unit])

    # --- the merge, the outputs, submit
    sec.goto(page_url)
    assert sec.locator("[data-total]").inner_text() == "92,5"
    assert sec.locator("tr[data-file]").count() == len(tan_lap_returns) + 1
    assert "qua liên kết của đơn vị" in sec.locator("tr[data-file]").first.inner_text()
    summary = download(sec, "[data-download=summary]", tmp_path)
    assert summary.suffix == ".xlsx" and zipfile.is_zipfile(summary)
    dossier = download(sec, "[data-download=dossier]", tmp_path)
    assert any(n.endswith(".docx") for n in zipfile.ZipFile(dossier).namelist())
    plan = download(sec, "[data-download=plan]", tmp_path)
    from cdht_excel.commune.plan_sheet import read_plan
    read_back, problems = read_plan(plan)
    assert read_back is not None and len(read_back.units) == len(tan_lap_returns), problems
    template = download(sec, "[data-download=units]", tmp_path)
    assert len([n for n in zipfile.ZipFile(template).namelist() if n.endswith(".xlsx")]) == len(tan_lap_returns)
    shot(sec, "secretary-result")
    sec.get_by_role("button", name="Nộp hồ sơ").click()
    state_is(sec, "Đã nộp")
    unit_page.goto(links[first_unit])
    assert "Xã đã nộp hồ sơ" in unit_page.content()               # frozen: the unit can no longer send

    # Sa Pa submits through the API (the second commune of the grid)
    svc = province.open()
    try:
        api = Api(svc)
        assert api.login("thuky2").status_code == 200
        assert api.upload(f"/api/v1/communes/002/years/{YEAR}/files", sa_pa_returns).status_code == 200
        assert api.post(f"/api/v1/communes/002/years/{YEAR}/submit").status_code == 200
    finally:
        svc.close()

    # --- the province: the grid, a return with its reason
    chk = log_in(browser, base, "kiemtra")
    grid_url = f"{base}/province/{YEAR}"
    assert chk.url == grid_url
    assert chk.locator("[data-reported]").inner_text() == "2/2"
    assert chk.locator("tr[data-code]").count() == 2
    chk.click("[data-filter=da-nop]")
    expect()(chk.locator("[data-filter=da-nop]")).to_have_attribute("aria-current", "true")
    assert chk.locator("tr[data-code]").count() == 2
    shot(chk, "province-grid")
    chk.goto(grid_url + "?q=Sa+Pa")
    assert chk.locator("tr[data-code]").count() == 1
    chk.goto(grid_url)
    chk.click("[data-summary]")
    assert chk.locator("[data-rate]").inner_text() == "100 %"
    shot(chk, "province-summary")
    table = download(chk, "[data-download=province]", tmp_path)
    import openpyxl
    assert openpyxl.load_workbook(table).sheetnames
    visited["kiemtra"].append(chk.url)
    chk.goto(page_url)
    chk.get_by_role("button", name="Trả lại hồ sơ").click()          # the reason is required: nothing sent
    state_is(chk, "Đã nộp")
    chk.fill("textarea[name=reason]", "Tiêu chí 3 thiếu minh chứng: bổ sung biên bản họp.")
    chk.get_by_role("button", name="Trả lại hồ sơ").click()
    state_is(chk, "Trả lại để sửa")

    # --- the secretary sees the reason, a unit sends again, the secretary submits again
    sec.goto(page_url)
    assert "Tiêu chí 3 thiếu minh chứng" in sec.locator("[data-reason]").inner_text()
    shot(sec, "secretary-returned")
    unit_page.goto(links[first_unit])
    unit_page.set_input_files("input[name=files]", str(tan_lap_returns[0]))
    unit_page.get_by_role("button", name="Gửi phiếu").click()
    assert "Đã nhận vào tổng hợp" in unit_page.locator("[data-sent]").inner_text()
    sec.goto(page_url)
    assert sec.locator("tr[data-file]").count() == len(tan_lap_returns) + 2      # every version kept
    sec.get_by_role("button", name="Nộp lại hồ sơ").click()
    state_is(sec, "Đã nộp")
    visited["thuky1"].append(page_url)

    # --- the check: by the check form workbook, then one score changed on the page
    chk.goto(page_url)
    form = download(chk, "a[href$='check-form.xlsx']", tmp_path)
    filled = fill_check_form(form, tmp_path / "phieu-kiem-tra-da-dien.xlsx", {"3": 5})
    chk.set_input_files("input[name=form]", str(filled))
    chk.get_by_role("button", name="Gửi phiếu kiểm tra").click()
    state_is(chk, "Đã kiểm tra")
    assert chk.locator("input[name='c-3']").input_value() == "5"
    chk.fill("input[name='c-3']", "5,5")
    chk.get_by_role("button", name="Ghi kết quả kiểm tra").click()
    expect()(chk.locator("input[name='c-3']")).to_have_value("5,5")
    shot(chk, "province-commune")

    # --- bulk: Sa Pa checked as it assessed itself, then one decision for both
    chk.goto(grid_url)
    chk.check("tr[data-code='002'] input[name=code]")
    chk.check("input[name=action][value=check]")
    chk.get_by_role("button", name="Thực hiện").click()
    assert "002" in chk.locator("[data-done]").inner_text()
    chk.goto(grid_url)
    for c in ("001", "002"):
        chk.check(f"tr[data-code='{c}'] input[name=code]")
    chk.check("input[name=action][value=recognise]")
    chk.fill("input[name=decision_no]", "125/QĐ-SGDĐT")
    chk.fill("input[name=decision_date]", f"{YEAR + 1}-03-15")
    chk.get_by_role("button", name="Thực hiện").click()
    assert chk.locator("[data-done]").inner_text().count("00") == 2
    chk.goto(grid_url + "?state=da-cong-nhan")
    assert chk.locator("tr[data-code]").count() == 2
    visited["kiemtra"] += [grid_url, page_url, f"{base}/audit"]

    sec.goto(page_url)
    assert "125/QĐ-SGDĐT" in sec.locator("[data-decision]").inner_text()
    state_is(sec, "Đã công nhận")

    # --- the audit log, its export
    chk.goto(f"{base}/audit")
    assert "Nguyên vẹn" in chk.locator("[data-verdict]").inner_text()
    shot(chk, "audit")
    exported = download(chk, "[data-download=audit]", tmp_path)
    rows = list(csv.DictReader(io.StringIO(exported.read_text("utf-8-sig"))))
    actions = [(r["action"], r["commune"]) for r in rows]
    for expected in [("state-da-nop", "001"), ("state-tra-lai", "001"), ("state-da-kiem-tra", "001"),
                     ("state-da-kiem-tra", "002"), ("state-da-cong-nhan", "001"), ("state-da-cong-nhan", "002"),
                     ("unit-link-add", "001"), ("upload", "001")]:
        assert expected in actions, expected
    assert ("login", "") in actions and any(r["user"] == "kiemtra" for r in rows)

    # --- every page at 390 px
    adm = log_in(browser, base, "admin")
    visited["admin"] += [f"{base}/admin/years", f"{base}/admin/communes", f"{base}/admin/accounts"]
    for who, page in (("thuky1", sec), ("kiemtra", chk), ("admin", adm), ("unit", unit_page)):
        for url in visited[who]:
            no_overflow(page, url)
    no_overflow(new_page(browser), f"{base}/login")
    sec.goto(page_url)
    shot(sec, "secretary-phone", full=False)
    sec.goto(page_url + "#phieu")
    shot(sec, "secretary-phone-files", full=False)


def test_the_admin_pages(browser, server, tmp_path):
    base = server
    adm = log_in(browser, base, "admin")
    assert adm.url == f"{base}/province/{YEAR}"
    adm.goto(f"{base}/admin/years")
    row = adm.locator(f"tr[data-year='{YEAR}']")
    assert row.locator(".missing").count() == 2                     # authority and signer: shown as missing
    adm.fill("input[name=year]", str(YEAR + 1))
    adm.fill("input[name=deadline]", f"{YEAR + 2}-02-28")
    adm.fill("input[name=authority]", "")
    adm.get_by_role("button", name="Lưu").click()                    # "keep the rubric" of a year not set up
    assert "chưa có: chọn bộ tiêu chí" in adm.locator("[data-error]").inner_text()
    adm.go_back()
    adm.check("input[name=rubric][value='tt44-2014']")
    adm.get_by_role("button", name="Lưu").click()
    assert adm.locator("[data-saved]").is_visible()
    expect()(adm.locator(f"tr[data-year='{YEAR + 1}'] .missing")).to_have_count(2)
    adm.fill("input[name=year]", str(YEAR))                         # a change of one setting keeps the rubric
    adm.fill("input[name=deadline]", f"{YEAR + 1}-02-28")
    adm.fill("input[name=authority]", "Sở Giáo dục và Đào tạo tỉnh Lào Cai")
    adm.get_by_role("button", name="Lưu").click()
    expect()(adm.locator(f"tr[data-year='{YEAR}'] .missing")).to_have_count(1)
    assert "tt44-2014" in adm.locator(f"tr[data-year='{YEAR}']").inner_text()
    shot(adm, "admin-years")

    listing = tmp_path / "Danh sách xã.csv"
    listing.write_text("mã,tên,loại\n003,Bắc Hà,xã\n004,Cốc San,xã\n", "utf-8")
    adm.goto(f"{base}/admin/communes")
    adm.set_input_files("input[name=list]", str(listing))
    adm.get_by_role("button", name="Nhập").click()
    assert "Đã thêm 2 xã" in adm.locator("[data-imported]").inner_text()
    bad = tmp_path / "sai.csv"
    bad.write_text("mã,tên,loại\n005,Bản Lầu,thị xã\n", "utf-8")
    adm.set_input_files("input[name=list]", str(bad))
    adm.get_by_role("button", name="Nhập").click()
    assert "dòng 2: loại “thị xã” không hợp lệ" in adm.locator("[data-error]").inner_text()

    adm.goto(f"{base}/admin/accounts")
    adm.fill("input[name=login]", "thuky3")
    adm.select_option("select[name=role]", "secretary")
    adm.select_option("select[name=commune]", "003")
    adm.get_by_role("button", name="Tạo tài khoản").click()
    password = adm.locator("[data-password]").inner_text().strip()
    new = log_in(browser, base, "thuky3", password)
    assert new.url == f"{base}/communes/003/{YEAR + 1}"
    assert new.get_by_role("heading", name="Xã Bắc Hà").count() == 1
    new.goto(f"{base}/communes/001/{YEAR}")                           # another commune: not found
    assert "Không tìm thấy" in new.locator("h1").inner_text()
    for url in (f"{base}/admin/years", f"{base}/admin/communes", f"{base}/admin/accounts"):
        no_overflow(adm, url)

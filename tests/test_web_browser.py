"""`cdht web` in a real browser: Debian's Chromium driven by Playwright, against the real server.

The server is started as a user starts it (`python -m cdht_excel web --port 0 --no-browser`, the
address read from the line it prints) and stopped with Ctrl-C (SIGINT). Screenshots of every page go
to tests/out/web/ (git-ignored); the README's picture is the merge page from here.

Playwright's own browser download is not used: the system's Chromium is launched by path. Outside CI
the tests are skipped when Chromium (or the playwright package) is absent; in CI (CI=true) they fail.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import REPO

SAMPLES = REPO / "samples"
OUT = REPO / "tests" / "out" / "web"
CHROMIUM = os.environ.get("CDHT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REBIND_HOST = "rebind.test"       # resolved to 127.0.0.1 by the browser only: a DNS-rebinding attacker's name
URL_RE = re.compile(r"(http://127\.0\.0\.1:(\d+)(/[A-Za-z0-9_-]+)/\?token=([A-Za-z0-9_-]+))")


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    private_parent = tmp_path_factory.mktemp("web-tmp")
    env = {**os.environ, "TMPDIR": str(private_parent), "PYTHONIOENCODING": "utf-8"}
    env.pop("CDHT_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "cdht_excel", "web", "--port", "0", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)
    line = proc.stdout.readline()
    match = URL_RE.search(line)
    if not match:
        proc.kill()
        pytest.fail(f"no address printed: {line!r} {proc.stderr.read()}")
    private = list(private_parent.glob("cdht-web-*"))
    assert len(private) == 1 and private[0].stat().st_mode & 0o777 == 0o700
    info = {"url": match.group(1), "port": int(match.group(2)), "root": match.group(3), "token": match.group(4),
            "proc": proc, "private": private[0], "base": f"http://127.0.0.1:{match.group(2)}{match.group(3)}"}
    yield info
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install \".[test]\")")
    args = [f"--host-resolver-rules=MAP {REBIND_HOST} 127.0.0.1"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server["url"])
    yield page
    context.close()


def shot(page, name: str, full: bool = True) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def upload(page, files, button: str):
    page.set_input_files("input[name=files]", [str(f) for f in files])
    page.get_by_role("button", name=button).click()


def test_first_visit_lands_on_the_steps_of_the_year(page, server):
    assert page.url == server["base"] + "/"                  # the token left the address bar
    assert page.get_by_role("heading", name="Các bước trong năm").is_visible()
    cookies = page.context.cookies()
    assert [(c["name"], c["httpOnly"], c["sameSite"], c["path"]) for c in cookies] == \
        [("cdht_token", True, "Strict", server["root"] + "/")]
    shot(page, "home")


def test_merge_the_clean_sample_and_open_the_summary(page, server):
    import openpyxl
    page.goto(server["base"] + "/merge")
    shot(page, "merge-form")
    upload(page, sorted((SAMPLES / "dong-thinh-2024").iterdir()), "Tổng hợp và xếp loại")
    page.wait_for_url("**/merge/*")
    assert page.locator("[data-total]").inner_text() == "87,5"
    assert page.locator("[data-class]").inner_text() == "TỐT"
    assert page.locator("table.units tbody tr").count() == 10
    shot(page, "merge-result")
    shot(page, "merge-result-top", full=False)
    with page.expect_download() as info:
        page.locator("[data-download=summary]").click()
    target = OUT / "tong-hop.xlsx"
    info.value.save_as(str(target))
    assert info.value.suggested_filename.endswith(".xlsx")
    wb = openpyxl.load_workbook(target, read_only=True)
    assert "Kết quả" in wb.sheetnames
    cells = [c for row in wb["Kết quả"].iter_rows(values_only=True) for c in row if c is not None]
    assert 87.5 in cells or any("87,5" in str(c) for c in cells)
    with page.expect_download() as info:
        page.locator("[data-download=dossier]").click()
    dossier = OUT / "ho-so.zip"
    info.value.save_as(str(dossier))
    names = zipfile.ZipFile(dossier).namelist()
    assert names and all(n.endswith(".docx") for n in names)


def test_drag_and_drop_of_files(page, server):
    import base64
    page.goto(server["base"] + "/merge")
    files = [{"name": p.name, "data": base64.b64encode(p.read_bytes()).decode()}
             for p in sorted((SAMPLES / "dong-thinh-2024").iterdir())]
    transfer = page.evaluate_handle("""files => {
        const dt = new DataTransfer();
        for (const f of files) {
            const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
            dt.items.add(new File([bytes], f.name));
        }
        return dt;
    }""", files)
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})
    page.wait_for_function("document.querySelector('[data-picked]').textContent.startsWith('Đã chọn 10')")
    page.get_by_role("button", name="Tổng hợp và xếp loại").click()
    page.wait_for_url("**/merge/*")
    assert page.locator("[data-total]").inner_text() == "87,5"


def test_a_foreign_file_is_named(page, server, tmp_path):
    note = tmp_path / "Ghi chú họp.txt"
    note.write_text("không phải phiếu", encoding="utf-8")
    page.goto(server["base"] + "/merge")
    upload(page, sorted((SAMPLES / "dong-thinh-2024-co-loi").iterdir()) + [note], "Tổng hợp và xếp loại")
    page.wait_for_url("**/merge/*")
    text = page.locator("main").inner_text()
    assert "Phieu TC9 - Hoi Khuyen hoc xa Dong Tam.xlsx" in text
    assert "Ghi chú họp.txt" in text
    assert page.locator("[data-class]").inner_text() == "CHƯA XẾP LOẠI"
    shot(page, "merge-with-errors")


def test_status_view(page, server):
    page.goto(server["base"] + "/merge")
    upload(page, sorted((SAMPLES / "dong-thinh-2024-co-loi").iterdir()), "Xem tiến độ (họp giữa kỳ)")
    page.wait_for_url("**/status/*")
    assert "chưa nộp" in page.locator("table.units").inner_text()
    shot(page, "status")


def test_make_a_template_and_open_it(page, server):
    import openpyxl
    page.goto(server["base"] + "/template")
    page.fill("input[name=commune]", "Đồng Thịnh")
    page.fill("input[name=district]", "Yên Lạc")
    page.fill("input[name=year]", "2024")
    page.check("input[name=rubric][value=tt44-2014]")
    shot(page, "template-form")
    page.get_by_role("button", name="Tạo mẫu phiếu").click()
    page.wait_for_url("**/template/*")
    shot(page, "template-result")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Mẫu phiếu đầy đủ")).click()
    target = OUT / "mau-phieu.xlsx"
    info.value.save_as(str(target))
    wb = openpyxl.load_workbook(target)
    assert "Hướng dẫn" in wb.sheetnames and "Công an xã" in wb.sheetnames
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Mỗi đơn vị một tệp")).click()
    units = OUT / "phieu-don-vi.zip"
    info.value.save_as(str(units))
    assert len(zipfile.ZipFile(units).namelist()) == 10


def test_district_of_summaries(page, server, tmp_path):
    from cdht_excel import jobs
    summaries = []
    for folder in ("dong-thinh-2024", "dong-thinh-2024-co-loi"):
        out = tmp_path / folder / "Đồng Thịnh.xlsx"
        jobs.run_merge([SAMPLES / folder], out)
        summaries.append(out)
    page.goto(server["base"] + "/district")
    shot(page, "district-form")
    page.set_input_files("input[name=files]", [str(summaries[0])])
    page.get_by_role("button", name="Tổng hợp các xã").click()
    page.wait_for_url("**/district/*")
    assert page.locator("[data-count=tot]").inner_text() == "1"
    assert page.locator("[data-chart] svg").count() >= 4
    shot(page, "district-result")


def test_token_and_host_refusals_in_the_browser(browser, server):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(server["base"] + "/merge")                   # no token, no cookie
    assert response.status == 403
    assert "cdht web" in page.locator("main").inner_text()
    shot(page, "refused-token")
    response = page.goto(f"{server['base']}/?token=wrong-token")
    assert response.status == 403
    rebound = f"http://{REBIND_HOST}:{server['port']}{server['root']}/?token={server['token']}"
    response = page.goto(rebound)                                      # right token, foreign Host
    assert response.status == 403
    assert not [c for c in context.cookies() if c["name"] == "cdht_token"]
    context.close()


def test_pages_load_nothing_from_outside_and_run_no_inline_script(page, server):
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    for path in ("/", "/merge", "/template", "/district"):
        page.goto(server["base"] + path)
    assert requests and all(u.startswith(server["base"]) for u in requests), requests
    assert not problems, problems


# --------------------------------------------------------------------------- phones and wide screens

WIDTHS = {"phone": (390, 844), "laptop": (1366, 768)}
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def _summaries(tmp_path) -> list[Path]:
    """Five communes' summaries, one in each class and one more "Tốt"."""
    from commune import tt44_values, with_total
    from test_district import commune_folder

    from cdht_excel import jobs
    out = []
    for name, total in (("An Bình", None), ("Bình Minh", 75), ("Cao Sơn", 60), ("Dạ Lê", 45), ("Đông Hòa", None)):
        folder = commune_folder(tmp_path / "phieu", name, tt44_values(with_total(total) if total else None))
        out.append(jobs.run_merge([folder], tmp_path / "tong-hop" / f"Tổng hợp – xã {name}.xlsx").summary)
    return out


def _fits(page, name: str, size: str) -> None:
    """No sideways scrolling: the page is no wider than the window, and the window is the screen's width
    (a phone's browser widens its layout to content that does not fit: innerWidth alone would follow it)."""
    page.wait_for_load_state("load")
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    shot(page, f"{size}-{name}")
    assert page.evaluate(FITS) and inner == WIDTHS[size][0], \
        f"{name} at {size}: {scroll} px wide in a {inner} px window, on a {WIDTHS[size][0]} px screen"


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_every_page_fits_the_screen_without_sideways_scrolling(browser, server, tmp_path, size):
    width, height = WIDTHS[size]
    context = browser.new_context(accept_downloads=True, locale="vi-VN", viewport={"width": width, "height": height},
                                  device_scale_factor=1, is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    problems = []        # a refused inline style or script is a console error (the CSP has no 'unsafe-inline')
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(server["url"])
    _fits(page, "home", size)
    page.goto(server["base"] + "/template")
    _fits(page, "template", size)
    page.fill("input[name=commune]", "Đồng Thịnh")
    page.fill("input[name=year]", "2024")
    page.get_by_role("button", name="Sửa kế hoạch, phân công trước").click()
    page.wait_for_url("**/plan/*")
    _fits(page, "plan", size)
    criteria = page.input_value("input[name=unit-0-criteria]")
    page.fill("input[name=unit-0-criteria]", "1, 99")
    page.get_by_role("button", name="Tạo mẫu phiếu").click()
    assert page.locator("li.finding.sev-error").count() >= 1
    _fits(page, "plan-with-findings", size)
    page.fill("input[name=unit-0-criteria]", criteria)
    page.get_by_role("button", name="Tạo mẫu phiếu").click()
    page.wait_for_url("**/template/*")
    _fits(page, "template-result", size)
    page.goto(server["base"] + "/merge")
    _fits(page, "merge", size)
    upload(page, sorted((SAMPLES / "dong-thinh-2024-co-loi").iterdir()), "Tổng hợp và xếp loại")
    page.wait_for_url("**/merge/*")
    assert page.locator("li.finding").count() > 3
    _fits(page, "merge-result-with-findings", size)
    page.goto(server["base"] + "/merge")
    upload(page, sorted((SAMPLES / "dong-thinh-2024").iterdir()), "Tổng hợp và xếp loại")
    page.wait_for_url("**/merge/*")
    _fits(page, "merge-result", size)
    page.goto(server["base"] + "/merge")
    upload(page, sorted((SAMPLES / "dong-thinh-2024-co-loi").iterdir()), "Xem tiến độ (họp giữa kỳ)")
    page.wait_for_url("**/status/*")
    _fits(page, "status", size)
    page.goto(server["base"] + "/district")
    _fits(page, "district", size)
    page.set_input_files("input[name=files]", [str(p) for p in _summaries(tmp_path)])
    page.get_by_role("button", name="Tổng hợp các xã").click()
    page.wait_for_url("**/district/*")
    counts = [page.locator(f"[data-count={code}]").inner_text() for code in ("tot", "kha", "trung-binh", "chua-dat")]
    assert counts == ["2", "1", "1", "1"]
    labels = page.eval_on_selector_all("[data-chart] tbody th", "cells => cells.map(c => c.textContent.trim())")
    assert labels[:4] == ["Tốt", "Khá", "Trung bình", "Chưa đạt"]
    _fits(page, "district-result", size)
    if size == "phone":     # the classes stay text (not shrunk with a picture): legible at 390 px
        sizes = page.eval_on_selector_all("[data-chart] th", "cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))")
        assert sizes and min(sizes) >= 14
    refused_plan = "the server responded with a status of 400"       # the plan with findings, on purpose
    assert [m for m in problems if refused_plan not in m] == [], problems
    context.close()


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_a_checked_district_with_communes_not_counted_fits_the_screen(browser, server, tmp_path, size):
    """Rows with no result (an edited summary, two copies that differ, one not checked yet), what their files
    state labelled beside the status, and the check's result with the self-assessment: no sideways scroll."""
    from commune import TT44_SCORES, tt44_values
    from support import run_cli
    from test_district_check import fill_form, same_as_self
    from test_district_counted import merged_summary
    from test_web_district_rows import CONFLICT, EDITED, edited_sample
    inbox = tmp_path / "nop"
    files = [merged_summary(inbox, "An Bình"), merged_summary(inbox, "Bình Minh"), edited_sample(inbox),
             merged_summary(inbox, "Cao Sơn"),
             merged_summary(inbox, "Cao Sơn", tt44_values({**TT44_SCORES, 15: 2}), out_name="Cao Sơn gửi lại.xlsx")]
    form = tmp_path / "phieu.xlsx"
    assert run_cli("district", *files, "-o", tmp_path / "h.xlsx", "--check-form", form)[0] in (0, 1)
    filled = fill_form(form, tmp_path / "phiếu kiểm tra đã ghi.xlsx",
                       same_as_self("xã An Bình", {**TT44_SCORES, 3: 2, 15: 3.5}))
    width, height = WIDTHS[size]
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height},
                                  device_scale_factor=1, is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    page.goto(server["url"])
    page.goto(server["base"] + "/district")
    page.set_input_files("input[name=checked]", str(filled))
    upload(page, files, "Tổng hợp các xã")
    page.wait_for_url("**/district/*")
    row = page.locator("tr[data-commune='An Bình']")
    assert row.locator("td[data-label='Xếp loại (kết quả kiểm tra)']").inner_text().strip() == "Khá"
    assert row.locator("td[data-label='Tự đánh giá']").inner_text().strip() == "92,5 điểm, Tốt"
    assert EDITED in page.locator("tr[data-commune='Đồng Thịnh']").inner_text()
    assert CONFLICT in page.locator("tr[data-commune='Cao Sơn']").inner_text()
    _fits(page, "district-checked-not-counted", size)
    context.close()


def test_our_file_buttons_are_labelled_and_reached_by_keyboard(page, server):
    page.goto(server["base"] + "/district")
    for name in ("files", "trust", "communes", "checked", "previous", "settings"):
        box = page.locator(f"input[type=file][name={name}]")
        label = page.locator(f"label[for=pick-{name}]")
        assert label.inner_text().strip() == "Chọn tệp…"
        assert box.bounding_box()["width"] <= 1            # the browser's own button is never seen
    page.locator("input[name=communes]").focus()
    assert page.evaluate("document.activeElement.name") == "communes"
    outline = page.eval_on_selector("label[for=pick-communes]", "l => getComputedStyle(l).outlineStyle")
    assert outline != "none"
    page.set_input_files("input[name=communes]", [str(SAMPLES / "dong-thinh-2024" / sorted(
        p.name for p in (SAMPLES / "dong-thinh-2024").iterdir())[0])])
    picked = page.locator("[data-file-pick]", has=page.locator("input[name=communes]")).locator("[data-file-name]")
    assert picked.inner_text().endswith(".xlsx")          # the name shows beside its own button


def test_lay_ban_luu_sau_in_the_browser_takes_the_later_copy(page, server):
    files = sorted((SAMPLES / "dong-thinh-2024-co-loi").iterdir())
    page.goto(server["base"] + "/merge")
    upload(page, files, "Tổng hợp và xếp loại")
    page.wait_for_url("**/merge/*")
    errors = int(page.locator("[data-n=error]").inner_text())
    page.goto(server["base"] + "/merge")
    page.get_by_label("Lấy bản lưu sau").check()
    upload(page, files, "Tổng hợp và xếp loại")
    page.wait_for_url("**/merge/*")
    assert "bản lưu sau" in page.locator("#can-sua").inner_text()
    assert int(page.locator("[data-n=error]").inner_text()) < errors


# the last test of the module: it stops the server
def test_ctrl_c_stops_cleanly_and_removes_the_private_folder(server):
    proc = server["proc"]
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "Traceback" not in err and "Traceback" not in out
    assert "Đã dừng" in out
    assert not server["private"].exists()

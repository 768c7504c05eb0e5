"""`cdht web` handlers without a browser (Flask's test client): token, Host, limits, names, escaping.

The browser tests (tests/test_web_browser.py) drive the real server in Chromium; these check each rule
of the web layer alone, with real workbooks made by the project's own generator.
"""
from __future__ import annotations

import html
import io
import re
import socket
import zipfile
from pathlib import Path

import pytest
from markupsafe import escape
from commune import returned_set, tt44_values
from support import REPO, run_cli

from cdht_excel.reading.read import LIMITS
from cdht_excel.rules import findings as F
from cdht_excel.web import uploads
from cdht_excel.web.app import COOKIE, CSP, create_app

PORT = 5123
ROOT = "/r-test"
HOST = f"http://127.0.0.1:{PORT}"
BASE = HOST + ROOT                # the pages' own links and redirects are absolute paths: get them from HOST
TOKEN = "test-token-0123456789"
SAMPLE = REPO / "samples" / "dong-thinh-2024"


@pytest.fixture
def app(tmp_path):
    app = create_app(tmp_path / "private", TOKEN, PORT, ROOT)
    app.testing = True
    return app


@pytest.fixture
def client(app):
    """A client that has made its first visit with the token (so it holds the cookie)."""
    c = app.test_client()
    first = c.get(f"/?token={TOKEN}", base_url=BASE)
    assert first.status_code == 303
    return c


def post(client, path, files=(), **fields):
    data = {"token": TOKEN, **fields}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(path, base_url=BASE, data=data, content_type="multipart/form-data")


def sample_files(folder=SAMPLE):
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]


def follow(client, response):
    assert response.status_code == 303, response.data.decode()[:2000]
    page = client.get(response.headers["Location"], base_url=HOST)
    assert page.status_code == 200
    return page.data.decode()


def catalogue_message(code, **context) -> str:
    return F.make(code, **context).message


# --------------------------------------------------------------------------- token and cookie

def test_every_request_needs_the_token(app):
    c = app.test_client()
    for path in ("/", "/merge", "/template", "/district", "/static/style.css", "/jobs/x/summary"):
        response = c.get(path, base_url=BASE)
        assert response.status_code == 403, path
        assert "cdht web" in response.data.decode()
    assert c.get("/?token=wrong", base_url=BASE).status_code == 403
    assert c.get("/", base_url=BASE, headers={"Cookie": f"{COOKIE}=wrong"}).status_code == 403


def test_first_visit_moves_the_token_into_a_strict_cookie(app):
    c = app.test_client()
    first = c.get(f"/merge?token={TOKEN}", base_url=BASE)
    assert first.status_code == 303
    assert first.headers["Location"].endswith("/merge") and TOKEN not in first.headers["Location"]
    cookie = first.headers["Set-Cookie"]
    assert f"{COOKIE}={TOKEN}" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert c.get("/merge", base_url=BASE).status_code == 200
    assert c.get("/static/app.js", base_url=BASE).status_code == 200


def test_the_cookie_is_scoped_to_this_launchs_random_path(app):
    c = app.test_client()
    first = c.get(f"/?token={TOKEN}", base_url=BASE)
    assert first.headers["Location"] == f"{ROOT}/"
    assert f"Path={ROOT}/" in first.headers["Set-Cookie"]
    assert c.get("/", base_url=BASE).status_code == 200
    # another server on 127.0.0.1 (any port, any path outside the root) never receives the cookie
    assert not c.get_cookie(COOKIE, domain="127.0.0.1", path="/")
    outside = c.get(f"/?token={TOKEN}", base_url=HOST)
    assert outside.status_code == 404 and "Set-Cookie" not in outside.headers
    assert "cdht web" in outside.data.decode() and ROOT not in outside.data.decode()
    for path in ("/merge", "/static/app.js", f"{ROOT}x/merge", f"{ROOT[:-1]}/merge"):
        assert c.get(path, base_url=HOST).status_code == 404, path
    bare = c.get(f"{ROOT}?token={TOKEN}", base_url=HOST)
    assert bare.status_code == 308 and bare.headers["Location"] == f"{ROOT}/?token={TOKEN}"


def test_each_launch_has_its_own_root():
    from cdht_excel.web.app import new_root
    roots = {new_root() for _ in range(20)}
    assert len(roots) == 20 and all(re.fullmatch(r"/[A-Za-z0-9_-]{16}", r) for r in roots)


def test_post_needs_the_token_in_the_form_and_a_same_origin(client):
    files = sample_files()[:1]
    data = {"files": [(io.BytesIO(files[0][1]), files[0][0])]}
    assert client.post("/merge", base_url=BASE, data=data, content_type="multipart/form-data").status_code == 403
    wrong = post(client, "/merge", files, token="nope")
    assert wrong.status_code == 403
    foreign = client.post("/merge", base_url=BASE, data={"token": TOKEN}, headers={"Origin": "http://evil.test"},
                          content_type="multipart/form-data")
    assert foreign.status_code == 403


def test_a_foreign_host_is_refused_even_with_the_token(client):
    for host in ("evil.test", f"evil.test:{PORT}", "127.0.0.1", f"127.0.0.1:{PORT + 1}", f"192.168.1.5:{PORT}"):
        response = client.get("/", base_url=BASE, headers={"Host": host})
        assert response.status_code == 403, host
    local = f"http://localhost:{PORT}{ROOT}"
    assert client.get(f"/?token={TOKEN}", base_url=local).status_code == 303     # its own cookie
    assert client.get("/", base_url=local).status_code == 200


def test_answers_carry_a_strict_content_security_policy(client):
    response = client.get("/merge", base_url=BASE)
    assert response.headers["Content-Security-Policy"] == CSP
    assert "default-src 'self'" in CSP and "frame-ancestors 'none'" in CSP and "unsafe-inline" not in CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = response.data.decode()
    assert "<script>" not in page and " style=" not in page and "http" not in re.sub(r'href="/[^"]*"', "", page)
    refused = app_refusal = client.get("/", base_url=BASE, headers={"Host": "evil.test"})
    assert app_refusal.headers["Content-Security-Policy"] == CSP and refused.status_code == 403


# --------------------------------------------------------------------------- merge through the page

def test_merge_page_shows_the_library_result(client):
    page = follow(client, post(client, "/merge", sample_files(), action="merge"))
    assert re.search(r"data-total>87,5<", page) and re.search(r"data-class>TỐT<", page)
    rubric_repealed = [f for f in _report(client)["findings"] if f["code"] == "rubric-repealed"][0]
    message, hint = F.said(rubric_repealed, F.WEB)      # the page's own words (issue 20, item 1)
    assert html.escape(message, quote=False) in page and html.escape(hint, quote=False) in page
    assert "--rubric" not in hint and "Mẫu phiếu" in hint


def _report(client):
    page = follow(client, post(client, "/merge", sample_files(), action="merge"))
    link = re.search(r'href="/r-test(/jobs/[^"]+/json)"', page).group(1)
    import json
    return json.loads(client.get(link, base_url=BASE).data)


def test_status_view_for_mid_year_meetings(client, tmp_path):
    folder = returned_set(tmp_path, tt44_values(), skip=(3,))
    files = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    page = follow(client, post(client, "/merge", files, action="status"))
    assert "chưa nộp" in page and "Ủy ban MTTQ xã" in page


def test_merge_refuses_nothing_readable_with_the_catalogue_message(client):
    response = post(client, "/merge", [("ghi chú.txt", b"not a workbook")], action="merge")
    assert response.status_code == 422
    assert html.escape(catalogue_message("no-readable-input", count=1), quote=False) in response.data.decode()


# --------------------------------------------------------------------------- limits

def test_the_upload_limits_are_the_readers(app):
    assert uploads.total_limit() == LIMITS.max_uncompressed
    assert uploads.file_limit() == LIMITS.max_entries
    assert app.config["MAX_CONTENT_LENGTH"] == LIMITS.max_uncompressed + 2**20


def test_an_oversized_upload_is_refused(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 200_000          # the same path as the real limit, smaller body
    response = post(client, "/merge", [("big.xlsx", b"x" * 300_000)], action="merge")
    assert response.status_code == 413
    page = response.data.decode()
    assert "Tải lên quá lớn" in page
    assert html.escape(F.CATALOGUE["upload-too-large"][2], quote=False) in page
    assert not list((app.extensions["cdht"].workdir / "jobs").glob("*/in/*"))


def test_too_many_files_are_refused(client, monkeypatch):
    monkeypatch.setattr(uploads, "file_limit", lambda limits=LIMITS: 3)
    response = post(client, "/merge", sample_files()[:4], action="merge")
    assert response.status_code == 413
    assert html.escape(catalogue_message("upload-too-many", count=4, limit=3), quote=False) in response.data.decode()


def test_a_file_over_the_readers_size_is_named(client):
    big = ("Phiếu to quá.xlsx", b"PK\x03\x04" + b"\0" * LIMITS.max_bytes)
    page = follow(client, post(client, "/merge", sample_files() + [big], action="merge"))
    expected = F.make("file-too-large", size=0, limit=0).message.split("(")[0]
    assert expected in page and "Phiếu to quá.xlsx" in page


def test_a_zip_bomb_is_refused_and_named(client):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("phieu.xlsx", b"\0" * (8 << 20))
    page = follow(client, post(client, "/merge", sample_files() + [("bom.zip", bomb.getvalue())], action="merge"))
    assert "bom.zip" in page and "nén bất thường" in page
    assert re.search(r"data-total>87,5<", page)


def test_a_zip_of_the_set_is_read_like_a_folder(client):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in sample_files():
            zf.writestr(f"Phiếu gửi về/{name}", data)
    page = follow(client, post(client, "/merge", [("phieu.zip", archive.getvalue())], action="merge"))
    assert re.search(r"data-total>87,5<", page)


def test_a_broken_zip_is_named(client):
    page = follow(client, post(client, "/merge", sample_files() + [("hỏng.zip", b"PK\x03\x04garbage")],
                               action="merge"))
    assert "hỏng.zip" in page and html.escape(F.CATALOGUE["archive-unreadable"][2], quote=False) in page


def test_zip_archive_limits_before_unpacking(tmp_path):
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for n in range(6):
            zf.writestr(f"{n}.xlsx", b"x")
    problem, _ = uploads.check_archive(many, LIMITS.__class__(max_entries=5))
    assert problem.code == "upload-too-many"
    problem, _ = uploads.check_archive(many, LIMITS.__class__(max_uncompressed=3))
    assert problem.code == "file-zip-bomb"
    problem, entries = uploads.check_archive(many)
    assert problem is None and len(entries) == 6


# --------------------------------------------------------------------------- names

@pytest.mark.parametrize("sent, kept", [
    ("../../../etc/passwd", ["etc", "passwd"]),
    ("..\\..\\Windows\\win.ini", ["Windows", "win.ini"]),
    ("/abs/Phiếu TC1.xlsx", ["abs", "Phiếu TC1.xlsx"]),
    ("C:\\Users\\x\\Phiếu.xlsx", ["C", "Users", "x", "Phiếu.xlsx"]),
    ("Phie\u0302\u0301u.xlsx", ["Phiếu.xlsx"]),       # NFD from a Mac becomes NFC
    ("..", ["tep"]),
    ("CON.xlsx", ["_CON.xlsx"]),
    ("a<b>|c?.xlsx", ["a-b--c-.xlsx"]),
])
def test_upload_names_are_made_safe_and_stay_readable(sent, kept):
    assert uploads.safe_parts(sent) == kept


def test_path_traversal_names_stay_inside_the_private_folder(app, client, tmp_path):
    files = [("../../../../outside.xlsx", b"x"), ("..\\..\\also-outside.xlsx", b"y"),
             ("/etc/cdht-test.xlsx", b"z")] + sample_files()
    page = follow(client, post(client, "/merge", files, action="merge"))
    assert re.search(r"data-total>87,5<", page)
    private = app.extensions["cdht"].workdir
    for name in ("outside.xlsx", "also-outside.xlsx", "cdht-test.xlsx"):
        inside = list(private.rglob(name))
        assert len(inside) == 1, name
        assert private in inside[0].parents
    assert not (tmp_path / "outside.xlsx").exists() and not Path("/etc/cdht-test.xlsx").exists()
    assert not list(tmp_path.glob("*outside*"))


def test_uploaded_files_are_private(app, client):
    follow(client, post(client, "/merge", sample_files(), action="merge"))
    private = app.extensions["cdht"].workdir
    folders = [private, private / "jobs", private / "spool", *(private / "jobs").iterdir()]
    for folder in folders:          # everything else lies below these: no one else can open it
        assert folder.stat().st_mode & 0o777 == 0o700, folder


# --------------------------------------------------------------------------- escaping

EVIL_NAME = "<script>alert('xã')</script>"
EVIL_EVIDENCE = "<img src=x onerror=alert(1)> Báo cáo số 1"


def test_uploaded_text_is_escaped_in_every_page(client, tmp_path):
    values = tt44_values()
    values["C1_EVIDENCE"] = EVIL_EVIDENCE
    values["C3_SCORE"] = "<b>bảy</b>"
    folder = returned_set(tmp_path, values, commune=EVIL_NAME)
    files = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    files.append(("<img src=x onerror=alert(2)>.xlsx", files[0][1]))
    for action in ("merge", "status"):
        page = follow(client, post(client, "/merge", files, action=action))
        assert "<script>" not in page and "<img" not in page and "<b>" not in page
        assert str(escape(EVIL_NAME)) in page


def test_a_typed_commune_name_is_escaped_on_the_template_page(client):
    response = client.post("/template", base_url=BASE, data={"token": TOKEN, "commune": EVIL_NAME, "year": "2024",
                                                              "rubric": "tt44-2014", "kind": "xã"})
    page = follow(client, response)
    assert "<script>" not in page and str(escape(EVIL_NAME)) in page


# --------------------------------------------------------------------------- template and district

def test_template_page_makes_the_template_and_one_file_per_unit(client):
    response = client.post("/template", base_url=BASE, data={"token": TOKEN, "commune": "Đồng Thịnh",
                                                              "year": "2024", "rubric": "tt44-2014", "kind": "xã"})
    page = follow(client, response)
    template = client.get(re.search(r'href="/r-test(/jobs/[^"]+/template)"', page).group(1), base_url=BASE)
    assert template.status_code == 200 and template.data[:2] == b"PK"
    units = client.get(re.search(r'href="/r-test(/jobs/[^"]+/units)"', page).group(1), base_url=BASE)
    assert len(zipfile.ZipFile(io.BytesIO(units.data)).namelist()) == 10


def test_template_page_asks_for_the_commune_and_year(client):
    response = client.post("/template", base_url=BASE, data={"token": TOKEN, "commune": "", "year": ""})
    assert response.status_code == 400 and "Cần nhập tên xã" in response.data.decode()


def test_district_page_counts_communes(client, tmp_path):
    summary = tmp_path / "tong-hop.xlsx"
    code, _ = run_cli("merge", SAMPLE, "-o", summary)
    assert code == 0
    page = follow(client, post(client, "/district", [("Đồng Thịnh.xlsx", summary.read_bytes())]))
    assert re.search(r'data-count="tot">1<', page) and "<svg" in page
    assert "Đồng Thịnh" in page


# --------------------------------------------------------------------------- the command

def test_a_busy_port_is_said_in_vietnamese():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, output = run_cli("web", "--port", port, "--no-browser")
    assert code == 2
    assert catalogue_message("web-port-busy", port=port) in output


def test_district_page_reads_a_zip_of_commune_folders(client):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in sample_files():
            zf.writestr(f"Huyện/Xã Đồng Thịnh/{name}", data)
    page = follow(client, post(client, "/district", [("cac-xa.zip", archive.getvalue())]))
    assert re.search(r'data-count="tot">1<', page)
    assert "Xã Đồng Thịnh/" in page          # the folder the commune came from


def test_template_page_uses_a_plan_workbook(client, tmp_path):
    from support import make_plan
    plan = make_plan(tmp_path, commune="Tân Lập", year=2025)
    response = client.post("/template", base_url=BASE, content_type="multipart/form-data",
                           data={"token": TOKEN, "plan": (io.BytesIO(plan.read_bytes()), "kế hoạch.xlsx")})
    page = follow(client, response)
    assert "Tân Lập" in page and "2025" in page


def test_template_page_reports_a_bad_rubric_file_with_the_catalogue(client):
    response = client.post("/template", base_url=BASE, content_type="multipart/form-data",
                           data={"token": TOKEN, "commune": "Đồng Thịnh", "year": "2024", "rubric": "file",
                                 "rubric_file": (io.BytesIO(b"{not json"), "bo-tieu-chi.json")})
    assert response.status_code == 400
    assert "Không đọc được tệp bộ tiêu chí" in response.data.decode()


def test_dossier_download_is_a_zip_of_docx(client):
    page = follow(client, post(client, "/merge", sample_files(), action="merge"))
    link = re.search(r'href="/r-test(/jobs/[^"]+/dossier)"', page).group(1)
    response = client.get(link, base_url=BASE)
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) >= 3 and all(n.endswith(".docx") for n in names)
    assert "attachment" in response.headers["Content-Disposition"]


def test_dossier_with_pdf_when_libreoffice_is_there(client):
    from cdht_excel.commune.dossier import find_soffice
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    page = follow(client, post(client, "/merge", sample_files(), action="merge"))
    job_id = re.search(r'href="/r-test/jobs/([^/"]+)/summary"', page).group(1)
    assert f'action="{ROOT}/pdf/' in page
    page = follow(client, client.post(f"/pdf/{job_id}", base_url=BASE, data={"token": TOKEN}))
    link = re.search(r'href="/r-test(/jobs/[^"]+/dossier-pdf)"', page).group(1)
    names = zipfile.ZipFile(io.BytesIO(client.get(link, base_url=BASE).data)).namelist()
    assert sorted(n.rsplit(".", 1)[1] for n in names).count("pdf") == len(names) // 2 >= 3


def test_district_check_form_round_trip_and_dossier(client, tmp_path):
    summary = tmp_path / "tong-hop.xlsx"
    assert run_cli("merge", SAMPLE, "-o", summary)[0] == 0
    files = [("Đồng Thịnh.xlsx", summary.read_bytes())]
    page = follow(client, post(client, "/district", files))
    form = client.get(re.search(r'href="/r-test(/jobs/[^"]+/check-form)"', page).group(1), base_url=BASE)
    assert form.status_code == 200 and form.data[:2] == b"PK"
    docs = client.get(re.search(r'href="/r-test(/jobs/[^"]+/district-docs)"', page).group(1), base_url=BASE)
    assert all(n.endswith(".docx") for n in zipfile.ZipFile(io.BytesIO(docs.data)).namelist())
    data = {"token": TOKEN, "files": [(io.BytesIO(files[0][1]), files[0][0])],
            "checked": (io.BytesIO(form.data), "phiếu kiểm tra.xlsx")}
    again = follow(client, client.post("/district", base_url=BASE, data=data, content_type="multipart/form-data"))
    unchecked = F.CATALOGUE["check-commune-unchecked"][1].split(":")[1].split("{")[0].strip()
    assert unchecked in again          # the blank form is used: its check is reported as not finished


def test_failed_attempts_do_not_push_results_out_of_the_kept_jobs(app, client):
    from cdht_excel.web.app import KEPT_JOBS
    result = post(client, "/merge", sample_files(), action="merge")
    assert result.status_code == 303
    for _ in range(KEPT_JOBS + 2):
        assert post(client, "/merge", [("ghi chú.txt", b"x")], action="merge").status_code == 422
    page = client.get(result.headers["Location"], base_url=HOST)
    assert page.status_code == 200 and re.search(r"data-total>87,5<", page.data.decode())
    assert len(app.extensions["cdht"].jobs) <= KEPT_JOBS
    assert len(list((app.extensions["cdht"].workdir / "jobs").iterdir())) <= KEPT_JOBS


# --------------------------------------------------------------------------- rubric paths

SECRET = "BÍ-MẬT-của-máy-chủ-7731"


def _secret_file(tmp_path) -> Path:
    secret = tmp_path / "ngoai" / "bo-tieu-chi.json"
    secret.parent.mkdir()
    secret.write_text('{"id": "' + SECRET + '", "criteria": [' + SECRET + "]}", encoding="utf-8")
    return secret


def _plan_naming_rubric(tmp_path, rubric: str) -> Path:
    """A plan made by `cdht plan init`, its “Bộ tiêu chí” cell then typed over in Excel's way."""
    import openpyxl
    from support import make_plan
    plan = make_plan(tmp_path, commune="Tân Lập", year=2025)
    wb = openpyxl.load_workbook(plan)
    ws = wb.worksheets[0]
    row = next(r for r in ws.iter_rows() if r[0].value == "Bộ tiêu chí")
    row[1].value = rubric
    wb.save(plan)
    return plan


def _template_post(client, **data):
    return client.post("/template", base_url=BASE, content_type="multipart/form-data", data={"token": TOKEN, **data})


def test_a_rubric_path_typed_in_the_form_is_not_opened(client, tmp_path):
    secret = _secret_file(tmp_path)
    for ref in (str(secret), "/etc/passwd", "../../../../etc/passwd"):
        response = _template_post(client, commune="Đồng Thịnh", year="2024", rubric=ref)
        page = response.data.decode()
        assert response.status_code == 400, ref
        assert html.escape(F.CATALOGUE["upload-rubric-not-offered"][1].split("“")[0], quote=False) in page
        assert SECRET not in page and "root:" not in page


def test_a_plans_rubric_path_must_stay_inside_its_upload(client, tmp_path):
    secret = _secret_file(tmp_path)
    for ref in (str(secret), f"../../../../../../../../{secret}", "/etc/passwd"):
        plan = _plan_naming_rubric(tmp_path / str(abs(hash(ref))), ref)
        response = _template_post(client, plan=(io.BytesIO(plan.read_bytes()), "kế hoạch.xlsx"))
        page = response.data.decode()
        assert response.status_code == 400, ref
        expected = catalogue_message("upload-plan-rubric-outside", rubric=Path(ref).name, known="tt44-2014, tt25-2023")
        assert html.escape(expected, quote=False) in page, ref
        assert SECRET not in page and "root:" not in page and str(tmp_path) not in page


def test_a_plans_own_rubric_uploaded_beside_it_is_used(client, tmp_path):
    rubric = tmp_path / "bo-tieu-chi-tinh.json"
    assert run_cli("rubric", "export", "tt44-2014", "-o", rubric)[0] == 0
    plan = _plan_naming_rubric(tmp_path, rubric.name)
    response = _template_post(client, plan=(io.BytesIO(plan.read_bytes()), "kế hoạch.xlsx"),
                              rubric_file=(io.BytesIO(rubric.read_bytes()), rubric.name))
    page = follow(client, response)
    assert "Tân Lập" in page and "2025" in page


# --------------------------------------------------------------------------- long and clashing names

LONG_NAME = ("Phiếu tự đánh giá của Ủy ban Mặt trận Tổ quốc Việt Nam xã Đồng Thịnh, huyện Định Hóa, "
             "tỉnh Thái Nguyên, năm 2024 – bản cuối cùng đã sửa theo góp ý của Hội Khuyến học, "
             "đề nghị đồng chí thư ký kiểm tra lại trước khi tổng hợp.xlsx")


DENSE_NAME = "Phiếu " + "ỀỂỄỆ" * 22 + ".xlsx"    # 99 characters, 277 bytes: three bytes a letter


@pytest.mark.parametrize("name", [LONG_NAME, DENSE_NAME])
def test_a_vietnamese_name_over_255_bytes_is_cut_by_its_encoded_length(client, app, name):
    assert len(name) < 255 < len(name.encode("utf-8"))
    files = sample_files()
    files[0] = (name, files[0][1])
    page = follow(client, post(client, "/merge", files, action="merge"))
    assert re.search(r"data-total>87,5<", page) and re.search(r"data-class>TỐT<", page)
    kept = [p.name for p in (app.extensions["cdht"].workdir / "jobs").rglob(name[:10] + "*")]
    assert kept and all(len(n.encode("utf-8")) <= 255 and n.endswith(".xlsx") for n in kept)


@pytest.mark.parametrize("name, kept", [
    ("ế" * 150 + ".xlsx", "ế" * 65 + ".xlsx"),
    ("Phiếu.xlsx", "Phiếu.xlsx"),
    ("ế" * 100, "ế" * 66),
])
def test_fit_name_counts_bytes_and_keeps_the_suffix(name, kept):
    assert uploads.fit_name(name) == kept and len(kept.encode()) <= uploads.NAME_BYTES


def test_one_bad_name_in_an_archive_is_a_finding_for_that_file(client, app):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in sample_files():
            zf.writestr(f"Phiếu/{name}", data)
        zf.writestr("Phiếu/Ghi chú", b"a file ...")
        zf.writestr("Phiếu/Ghi chú/biên bản.xlsx", b"... and a folder of the same name")
        zf.writestr(f"Phiếu/{LONG_NAME}", sample_files()[0][1])
    page = follow(client, post(client, "/merge", [("phieu.zip", archive.getvalue())], action="merge"))
    assert re.search(r"data-total>87,5<", page)                 # the archive was read, not refused
    assert html.escape(F.CATALOGUE["upload-file-unsaved"][1].split("“")[0], quote=False) in page
    assert "phieu.zip/Phiếu/Ghi chú/biên bản.xlsx" in page
    assert str(app.extensions["cdht"].workdir) not in page and "/jobs/" not in re.sub(r'href="[^"]*"', "", page)


# --------------------------------------------------------------------------- query and form limits

def test_a_query_key_named_like_a_route_argument_is_kept_not_a_500(app):
    c = app.test_client()
    first = c.get(f"/?token={TOKEN}&job_id=x&key=y", base_url=BASE)
    assert first.status_code == 303 and first.headers["Location"] == f"{ROOT}/?job_id=x&key=y"
    again = c.get(f"/jobs/abc/summary?token={TOKEN}&job_id=x", base_url=BASE)
    assert again.status_code == 303 and again.headers["Location"] == f"{ROOT}/jobs/abc/summary?job_id=x"
    assert c.get("/jobs/abc/summary?job_id=x&key=z&_external=1", base_url=BASE).status_code == 404


def test_too_many_form_parts_say_too_many_files_not_a_wrong_size(client):
    limit = uploads.file_limit()
    files = [(f"ghi chú {n}.txt", b"x") for n in range(limit + 60)]
    response = post(client, "/merge", files, action="merge")
    page = response.data.decode()
    assert response.status_code == 413
    expected = catalogue_message("upload-too-many", count=f"hơn {limit}", limit=limit)
    assert html.escape(expected, quote=False) in page
    assert "quá lớn (" not in page


def test_a_text_field_over_its_limit_is_named_as_such(app, client):
    response = post(client, "/merge", sample_files()[:1], action="merge", assessing_body="x" * ((1 << 20) + 1))
    page = response.data.decode()
    assert response.status_code == 413
    assert html.escape(catalogue_message("upload-field-too-large", limit="1"), quote=False) in page
    assert "MB, tối đa" not in page


# --------------------------------------------------------------------------- the README's pictures of the pages

@pytest.mark.parametrize("path", ["docs/web-tong-hop.png", "docs/pictures/web-ke-hoach.png",
                                  "docs/pictures/web-nhieu-xa.png", "docs/pictures/web-dien-thoai.png"])
def test_readme_shows_each_page_picture_and_it_is_small(path):
    """Made by `python docs/make_pictures.py --web` from the real pages in Chromium."""
    data = (REPO / path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) <= 150_000
    assert f"]({path})" in (REPO / "README.md").read_text("utf-8")


# --------------------------------------------------------------------------- download names

def _downloads(client, page) -> dict[str, str]:
    """key: the name the browser saves the download under (RFC 6266 `filename*`, the ASCII one checked too)."""
    from urllib.parse import unquote
    names = {}
    for link in sorted(set(re.findall(r'href="/r-test(/jobs/[^"]+/([a-z-]+))"', page))):
        response = client.get(link[0], base_url=BASE)
        assert response.status_code == 200, link
        header = response.headers["Content-Disposition"]
        fallback = re.search(r'filename="([^"]*)"', header).group(1)
        assert fallback.isascii() and fallback.endswith(Path(unquote(header.split("filename*=UTF-8''")[1])).suffix)
        assert re.search(r"^attachment; filename=\"[^\"]+\"; filename\*=UTF-8''[A-Za-z0-9%._~-]+$", header), header
        names[link[1]] = unquote(header.split("filename*=UTF-8''")[1])
    return names


def test_downloads_keep_their_vietnamese_names_as_the_documents_do(client):
    """The page names what it hands out as the documents are named (NFC Vietnamese, only what Windows forbids
    replaced), with an ASCII name beside it for old browsers."""
    import unicodedata
    page = follow(client, client.post("/template", base_url=BASE, data={
        "token": TOKEN, "commune": "Đồng Thịnh", "year": "2024", "rubric": "tt44-2014", "kind": "xã"}))
    names = _downloads(client, page)
    assert names["template"] == "Mẫu phiếu - xã Đồng Thịnh - 2024.xlsx", names
    assert names["plan"] == "Kế hoạch - xã Đồng Thịnh - 2024.xlsx"
    assert names["units"] == "Phiếu các đơn vị - xã Đồng Thịnh - 2024.zip"
    page = follow(client, post(client, "/merge", sample_files(), action="merge"))
    names = _downloads(client, page)
    assert names["summary"] == "Tổng hợp - xã Đồng Thịnh - 2024.xlsx", names
    assert names["dossier"] == "Hồ sơ - xã Đồng Thịnh - 2024.zip"
    page = follow(client, post(client, "/district", sample_files()))
    names = _downloads(client, page)
    assert names["district"] == "Tổng hợp các xã - 1 xã - 2024.xlsx", names
    assert names["check-form"] == "Phiếu kiểm tra - 2024.xlsx"
    for name in names.values():
        assert name == unicodedata.normalize("NFC", name) and not set(name) & set('<>:"/\\|?*')


def test_the_ascii_name_of_a_download_keeps_its_words():
    from cdht_excel.web.app import attachment
    assert attachment("Tổng hợp - xã Đồng Thịnh - 2024.xlsx").startswith(
        'attachment; filename="Tong hop - xa Dong Thinh - 2024.xlsx"; filename*=UTF-8\'\'T%E1%BB%95ng%20h%E1%BB%A3p')

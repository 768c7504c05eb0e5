"""The service's pages through Flask's test client (the browser tests are in test_service_browser.py): the
forms' CSRF fields, the login form's own token, no open redirect, tenant isolation page by page, a unit's
page showing only its own files, the strict headers, Vietnamese error pages instead of JSON or tracebacks.
SQLite always; PostgreSQL too when CDHT_TEST_PG_URL is set."""
from __future__ import annotations

import re

import pytest

from service_support import PASSWORD, YEAR, Api

pytest_plugins = ("service_fixtures",)

CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@pytest.fixture
def svc(province):
    service = province.open(check=True)
    yield service
    service.close()


class Browser:
    """A test client that reads the CSRF field of the last page, as a browser's form would send it."""

    def __init__(self, svc):
        from cdht_excel.service.app import create_app
        self.client = create_app(svc).test_client()
        self.csrf = ""

    def get(self, path, **kw):
        r = self.client.get(path, **kw)
        found = CSRF.search(r.get_data(as_text=True)) if r.mimetype == "text/html" else None
        if found:
            self.csrf = found.group(1)
        return r

    def post(self, path, data=None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf", self.csrf)
        return self.client.post(path, data=data, **kw)

    def login(self, login: str, password: str = PASSWORD, next_: str = ""):
        self.get("/login")
        r = self.post("/login", {"login": login, "password": password, "next": next_})
        self.get("/", follow_redirects=True)
        return r


def test_the_login_form_needs_its_own_token_and_never_redirects_away(svc):
    b = Browser(svc)
    r = b.post("/login", {"login": "thuky1", "password": PASSWORD}, csrf=False)
    assert r.status_code == 400 and "Trang đăng nhập đã cũ" in r.get_data(as_text=True)
    r = b.login("thuky1", "sai-mat-khau-nhe")
    assert r.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in r.get_data(as_text=True)
    r = b.login("thuky1", next_="//evil.example/x")
    assert r.status_code == 303 and r.headers["Location"] == "/"
    b = Browser(svc)
    r = b.login("thuky1", next_=f"/communes/001/{YEAR}#lien-ket")
    assert r.headers["Location"] == f"/communes/001/{YEAR}#lien-ket"
    cookie = r.headers.getlist("Set-Cookie")
    assert any(c.startswith("cdht_session=") and "HttpOnly" in c and "SameSite=Strict" in c for c in cookie)


def test_a_form_without_the_session_csrf_is_refused(svc, tan_lap_returns):
    b = Browser(svc)
    b.login("thuky1")
    page = f"/communes/001/{YEAR}"
    r = b.post(f"{page}/links", {"unit": "cong-an-xa"}, csrf=False)
    assert r.status_code == 403 and "Biểu mẫu đã cũ" in r.get_data(as_text=True)
    r = b.post(f"{page}/links", {"unit": "cong-an-xa", "csrf": "x" * 40})
    assert r.status_code == 403
    r = b.post(f"{page}/links", {"unit": "cong-an-xa"})
    assert r.status_code == 200 and "/u/" in r.get_data(as_text=True)
    from cdht_excel.web.app import CSP
    assert r.headers["Content-Security-Policy"] == CSP
    assert "<script>" not in r.get_data(as_text=True) and " style=" not in r.get_data(as_text=True)


def test_a_secretary_sees_no_other_commune_on_any_page(svc, tan_lap_returns, sa_pa_returns):
    other = Api(svc)
    assert other.login("thuky2").status_code == 200
    body = other.upload(f"/api/v1/communes/002/years/{YEAR}/files", sa_pa_returns[:1]).json
    sha = body["files"][0]["sha256"]
    b = Browser(svc)
    b.login("thuky1")
    base = f"/communes/002/{YEAR}"
    for path in ("", "/template.xlsx", "/units.zip", "/summary.xlsx", "/dossier.zip", f"/files/{sha}",
                 "/check-form.xlsx"):
        r = b.get(base + path)
        assert r.status_code in (403, 404), path
        assert "Sa Pa" not in r.get_data(as_text=True), path
    import io
    a_file = (io.BytesIO(tan_lap_returns[0].read_bytes()), "a.xlsx")
    for path, data in (("/upload", {"files": a_file}), ("/links", {"unit": "cong-an-xa"}), ("/links/revoke", {"unit": "x"}),
                       ("/submit", {}), ("/return", {"reason": "x"}), ("/check", {"c-1": "5"}),
                       ("/recognise", {"decision_no": "1", "decision_date": "2027-01-01", "result": "da-cong-nhan"})):
        r = b.post(base + path, data)
        assert r.status_code in (403, 404), path
    for path in (f"/province/{YEAR}", f"/province/{YEAR}/table.xlsx", "/audit", "/audit.csv", "/admin/years",
                 "/admin/communes", "/admin/accounts"):
        assert b.get(path).status_code == 403, path
    r = b.post(f"/province/{YEAR}/bulk", {"code": "002", "action": "return", "reason": "x"})
    assert r.status_code == 403


def test_a_unit_link_shows_its_own_files_only(svc, tan_lap_returns):
    from cdht_excel.service.accounts import Caller
    from cdht_excel.service.returns import add_unit_link
    secretary = Caller("thuky1", "secretary", "001")
    b = Browser(svc)
    b.login("thuky1")
    api = Api(svc)
    api.login("thuky1")
    assert api.upload(f"/api/v1/communes/001/years/{YEAR}/files", tan_lap_returns[1:3]).status_code == 200
    token = add_unit_link(svc, secretary, "001", YEAR, "van-phong-dang-uy-xa")
    unit = Browser(svc)
    with open(tan_lap_returns[0], "rb") as handle:
        r = unit.client.post(f"/u/{token}", data={"files": [(handle, tan_lap_returns[0].name)]},
                             content_type="multipart/form-data")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "Đã nhận vào tổng hợp" in text and "Văn phòng Đảng ủy xã" in text
    assert tan_lap_returns[0].name in text
    assert tan_lap_returns[1].name not in text and tan_lap_returns[2].name not in text
    assert "92,5" not in text and "Tổng điểm" not in text                    # nothing of the commune's result
    assert unit.get(f"/u/{'x' * 43}").status_code == 404
    r = b.post(f"/communes/001/{YEAR}/links/revoke", {"unit": "van-phong-dang-uy-xa"})
    assert r.status_code == 303
    r = unit.get(f"/u/{token}")
    assert r.status_code == 404 and "đã bị thu hồi" in r.get_data(as_text=True)


def test_errors_are_pages_in_vietnamese(svc):
    b = Browser(svc)
    r = b.get(f"/communes/001/{YEAR}")
    assert r.status_code == 303 and r.headers["Location"].startswith("/login?next=")
    b.login("kiemtra")
    r = b.get(f"/communes/999/{YEAR}")
    assert r.status_code == 404 and r.mimetype == "text/html" and "Không tìm thấy xã này" in r.get_data(as_text=True)
    r = b.post(f"/communes/001/{YEAR}/return", {"reason": "  "})
    assert r.status_code in (400, 409) and "Traceback" not in r.get_data(as_text=True)
    r = b.get(f"/province/{YEAR + 5}")
    assert r.status_code == 404 and "chưa được thiết lập" in r.get_data(as_text=True)


def test_the_province_summary_page_shows_the_tt25_indicator(svc, tmp_path):
    """A TT 25 year: one commune of two at level 1 is 50 %, short of the 90 % of TT 25/2023 Điều 11.4.a."""
    from commune import returned_set, tt25_values
    from cdht_excel.service import admin
    year = YEAR + 1
    admin.set_year(svc, year, "tt25-2023", f"{year + 1}-02-28")
    folder = returned_set(tmp_path, tt25_values(), rubric="tt25-2023", year=year, commune="Tân Lập", hard_area=False)
    api = Api(svc)
    api.login("thuky1")
    r = api.upload(f"/api/v1/communes/001/years/{year}/files", sorted(folder.iterdir()))
    assert r.status_code == 200 and r.json["report"]["classification"]["code"] == "muc-do-1"
    b = Browser(svc)
    b.login("lanhdao")
    text = b.get(f"/province/{year}/summary").get_data(as_text=True)
    assert "Đạt mức độ 1 trở lên: <strong>1/2</strong> xã (50 %)" in text
    assert "chưa đạt 90 %" in text
    grid = b.get(f"/province/{year}").get_data(as_text=True)
    assert 'data-reported>0/2<' in grid                                # merged, not submitted
    assert "Chưa nhập: cơ quan công nhận, người ký" in grid


def test_the_province_check_form_and_dossier_from_the_summary_page(svc, tan_lap_returns, sa_pa_returns, tmp_path):
    import io
    import zipfile

    from test_service_browser import fill_check_form
    for login, code, files in (("thuky1", "001", tan_lap_returns), ("thuky2", "002", sa_pa_returns)):
        api = Api(svc)
        api.login(login)
        assert api.upload(f"/api/v1/communes/{code}/years/{YEAR}/files", files).status_code == 200
        assert api.post(f"/api/v1/communes/{code}/years/{YEAR}/submit").status_code == 200
    b = Browser(svc)
    b.login("kiemtra")
    page = b.get(f"/province/{YEAR}/summary").get_data(as_text=True)
    assert "Phiếu kiểm tra của tỉnh" in page
    form = tmp_path / "phieu.xlsx"
    form.write_bytes(b.get(f"/province/{YEAR}/check-form.xlsx").data)
    filled = fill_check_form(form, tmp_path / "phieu-da-dien.xlsx", {})
    import openpyxl
    ws = openpyxl.load_workbook(filled).worksheets[0]            # the form of both communes: fill commune 2 too
    rows = list(ws.iter_rows())
    cols = {c.value: n for n, c in enumerate(next(r for r in rows if r[0].value == "#cols"))}
    for row in rows:
        if isinstance(row[0].value, str) and row[0].value.startswith("CDHT-CHK|2|"):
            row[cols["CHECK"]].value = row[cols["SELF"]].value
    ws.parent.save(filled)
    r = b.post(f"/province/{YEAR}/checked", {"form": (io.BytesIO(filled.read_bytes()), "Phiếu kiểm tra.xlsx")},
               content_type="multipart/form-data")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "Đã ghi kết quả kiểm tra cho 2 xã" in text, text[-2000:]
    docs = b.get(f"/province/{YEAR}/docs.zip")
    assert docs.status_code == 200 and any(n.endswith(".docx") for n in zipfile.ZipFile(io.BytesIO(docs.data)).namelist())
    viewer = Browser(svc)
    viewer.login("lanhdao")
    assert viewer.get(f"/province/{YEAR}/check-form.xlsx").status_code == 403
    assert "Phiếu kiểm tra của tỉnh" not in viewer.get(f"/province/{YEAR}/summary").get_data(as_text=True)


def test_an_address_typed_wrong_is_a_page_and_the_api_stays_json(svc):
    """A person who mistypes an address sees a page in Vietnamese (not JSON); a script under /api/ gets JSON."""
    api = Api(svc)
    for path in ("/khong-co-trang-nay", "/communes/001", f"/communes/001/{YEAR}/khong-co"):
        r = api.get(path)
        assert r.status_code == 404 and r.content_type.startswith("text/html"), path
        assert "Không tìm thấy trang này." in r.get_data(as_text=True)
    r = api.get("/api/v1/khong-co")
    assert r.status_code == 404 and r.json["error"]["code"] == "not-found"

"""Accounts after they are made: a secretary who forgot her password, someone who left the office. Reset and
lock by command and on the admin's page, on SQLite and PostgreSQL; sessions and API tokens follow at once."""
from __future__ import annotations

import html

import pytest

from service_support import PASSWORD, YEAR, Api

pytest_plugins = ("service_fixtures",)

BASE = f"/api/v1/communes/001/years/{YEAR}"
NEW_PASSWORD = "mat-khau-moi-2026"


@pytest.fixture
def svc(province):
    service = province.open(check=True)
    yield service
    service.close()


def logged_in(svc, login: str, password: str = PASSWORD) -> Api:
    api = Api(svc)
    r = api.login(login, password)
    assert r.status_code == 200, r.json
    return api


def test_a_reset_password_ends_the_old_sessions_and_the_old_password(province):
    svc = province.open(check=True)
    try:
        before = logged_in(svc, "thuky1")
        assert before.get(BASE).status_code == 200
    finally:
        svc.close()
    code, text = province.cli("service", "user", "reset-password", "thuky1", "--password-stdin", *province.args(),
                              stdin=NEW_PASSWORD + "\n")
    assert code == 0 and "Đã đặt lại mật khẩu của “thuky1”" in text and NEW_PASSWORD not in text
    svc = province.open(check=True)
    try:
        assert before.get(BASE).status_code == 401
        assert Api(svc).login("thuky1", PASSWORD).status_code == 401
        assert logged_in(svc, "thuky1", NEW_PASSWORD).get(BASE).status_code == 200
        actions = [e["action"] for e in logged_in(svc, "admin").get("/api/v1/audit").json]
        assert "password-reset" in actions
    finally:
        svc.close()
    code, text = province.cli("service", "user", "reset-password", "thuky1", *province.args())
    assert code == 0 and "Mật khẩu mới (chỉ in một lần" in text            # generated, printed once
    code, text = province.cli("service", "user", "reset-password", "khong-co", *province.args())
    assert code == 2 and "Không có tài khoản “khong-co”" in text and "Traceback" not in text


def test_a_locked_account_cannot_log_in_and_its_sessions_and_tokens_stop(province, tan_lap_returns):
    svc = province.open(check=True)
    try:
        secretary = logged_in(svc, "thuky1")
        secretary.upload(f"{BASE}/files", tan_lap_returns[:2])
    finally:
        svc.close()
    code, token = province.cli("service", "token", "add", "thuky1", *province.args())
    assert code == 0
    token = token.strip().splitlines()[-1]
    code, text = province.cli("service", "user", "lock", "thuky1", *province.args())
    assert code == 0 and "Đã khóa tài khoản “thuky1”" in text
    svc = province.open(check=True)
    try:
        assert secretary.get(BASE).status_code == 401
        script = Api(svc)
        script.bearer = token
        assert script.get(BASE).status_code == 401
        r = Api(svc).login("thuky1")
        assert r.status_code == 403 and r.json["error"]["code"] == "account-locked"
        assert Api(svc).login("thuky1", "sai-mat-khau-123").status_code == 401   # no hint without the password
        kept = logged_in(svc, "kiemtra").get(f"{BASE}/files").json
        assert len(kept) == 2                                           # what it sent stays
    finally:
        svc.close()
    code, text = province.cli("service", "user", "unlock", "thuky1", *province.args())
    assert code == 0
    svc = province.open(check=True)
    try:
        assert logged_in(svc, "thuky1").get(BASE).status_code == 200
    finally:
        svc.close()


def test_the_last_admin_is_never_locked(province):
    code, text = province.cli("service", "user", "lock", "admin", *province.args())
    assert code == 2 and "tài khoản quản trị cuối cùng" in text


def test_the_admin_resets_and_locks_on_the_page(svc):
    admin = logged_in(svc, "admin")
    secretary = logged_in(svc, "thuky1")
    r = admin.post("/admin/accounts", data={"csrf": admin.csrf, "action": "reset", "account": "thuky1"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Đã đặt lại mật khẩu của" in page
    password = html.unescape(page.split('data-password>')[1].split("<")[0])
    assert secretary.get(BASE).status_code == 401
    assert logged_in(svc, "thuky1", password).get(BASE).status_code == 200
    r = admin.post("/admin/accounts", data={"csrf": admin.csrf, "action": "lock", "account": "thuky2"})
    assert r.status_code == 200 and "Đã khóa tài khoản" in r.get_data(as_text=True)
    row = r.get_data(as_text=True).split('data-login="thuky2"')[1].split("</tr>")[0]
    assert "Đã khóa" in row and "Mở khóa" in row
    assert Api(svc).login("thuky2").status_code == 403
    r = admin.post("/admin/accounts", data={"csrf": admin.csrf, "action": "lock", "account": "admin"})
    assert r.status_code == 409 and "Không tự khóa" in r.get_data(as_text=True)
    other = logged_in(svc, "thuky1", password)
    r = other.post("/admin/accounts", data={"csrf": other.csrf, "action": "reset", "account": "admin"})
    assert r.status_code == 403

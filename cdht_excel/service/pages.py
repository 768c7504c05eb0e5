"""The pages of `cdht serve` (Vietnamese, server-rendered, no script needed): login, the commune's year
(secretary), a unit's upload page by its link, the province's grid, one commune's dossier, the audit log,
and the admin's settings. A face over the same flows as the JSON API (`returns`, `states`, `province`,
`admin`, `accounts`): this module only checks who asks, reads forms and lays results out.

The look is that of `cdht web` (its style sheet is served from its package folder, never copied) plus
`static/service.css`. Every form carries the session's CSRF token (the login form a token of its own,
double-submitted in a cookie); the strict CSP of `cdht web` holds (no inline script or style).
"""
from __future__ import annotations

import csv
import hmac
import io
import json
import secrets
import shutil
import tempfile
from functools import wraps
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, abort, g, redirect, render_template, request, send_file, send_from_directory, url_for

from cdht_excel.rules import findings as F
from cdht_excel.service import accounts, admin, audit, db, province, returns, signed, states
from cdht_excel.service.accounts import SECRETARY, Caller
from cdht_excel.service.context import Refused, Service
from cdht_excel.text import clean_text, format_number, parse_number

WEB_STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
LOGIN_COOKIE = "cdht_login"
SESSION_COOKIE = "cdht_session"      # the JSON API's session cookie (app.COOKIE): one session for both faces
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AUDIT_PAGE = 200
GRID_PAGE = 200
ACTION_LABELS = {
    "login": "Đăng nhập", "login-failed": "Đăng nhập sai", "login-throttled": "Đăng nhập bị chặn tạm", "logout": "Đăng xuất",
    "upload": "Gửi phiếu", "merge": "Tổng hợp", "unit-link-add": "Tạo liên kết đơn vị",
    "unit-link-revoke": "Thu hồi liên kết đơn vị", "user-add": "Thêm tài khoản", "token-add": "Tạo mã API",
    "communes-import": "Nhập danh sách xã", "year-set": "Thiết lập năm", "service-init": "Khởi tạo dịch vụ",
    **{f"state-{s}": f"Chuyển sang “{label}”" for s, label in states.STATE_LABELS.items()},
}
ROLE_LABELS = {"admin": "Quản trị", "checker": "Kiểm tra, thẩm định", "viewer": "Xem", "secretary": "Thư ký xã"}
RESULT_LABELS = {states.STATE_RECOGNISED: "Công nhận", states.STATE_NOT_RECOGNISED: "Không công nhận"}

bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")


def service() -> Service:
    from flask import current_app
    return current_app.extensions["cdht-service"]


@bp.app_template_filter("num")
def _num(value):
    return "" if value is None else format_number(value)


@bp.app_template_filter("when")
def _when(text):
    """'2026-02-27T09:15:02.123456Z' as Vietnam's local time, '27/02/2026 16:15'."""
    if not text:
        return ""
    try:
        moment = db.parse_time(text).astimezone(states.DEADLINE_ZONE)
    except ValueError:
        return text
    return moment.strftime("%d/%m/%Y %H:%M")


@bp.app_template_filter("moment")
def _moment(text):
    """An ISO time with its offset (a signature's signing time) as Vietnam's local time."""
    from datetime import datetime
    try:
        return datetime.fromisoformat(str(text)).astimezone(states.DEADLINE_ZONE).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return text or ""


@bp.app_template_filter("day")
def _day(text):
    if not text:
        return ""
    parts = str(text).split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else text


@bp.app_context_processor
def _globals():
    return {"who": g.get("caller"), "csrf": _csrf_value(), "SEVERITY_LABEL": F.SEVERITY_LABEL,
            "STATE_LABELS": states.STATE_LABELS, "ROLE_LABELS": ROLE_LABELS, "province_name": _province_name()}


def _province_name() -> str:
    try:
        return service().province()["name"]
    except Refused:
        return ""


def _csrf_value() -> str:
    who = g.get("caller")
    return who.csrf if who is not None and who.via == "session" else ""


# --------------------------------------------------------------------------- who asks

def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        who = g.get("caller")
        if who is None:
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")), code=303)
        if request.method == "POST":
            sent = request.form.get("csrf", "")
            if who.via != "session" or not hmac.compare_digest(sent.encode(), who.csrf.encode()):
                raise Refused(403, "csrf", "Biểu mẫu đã cũ hoặc không gửi từ trang này: tải lại trang rồi làm lại.")
        return view(*args, **kwargs)
    return wrapped


def caller() -> Caller:
    return g.caller


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    return render_template("svc_error.html", title=_error_title(exc.status), message=exc.message), exc.status


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    from werkzeug.exceptions import HTTPException
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        return render_template("svc_error.html", title=_error_title(status), message=_http_message(status)), status
    import logging
    logging.getLogger("cdht.service").exception("unexpected error on %s %s", request.method, request.path)
    return render_template("svc_error.html", title="Lỗi máy chủ",
                           message="Lỗi máy chủ ngoài dự kiến; đã ghi lại để người quản trị xem. Hãy thử lại sau."), 500


def http_error_page(status: int):
    """A page for an HTTP error outside any page's route (an address typed wrong): never JSON in a browser."""
    return render_template("svc_error.html", title=_error_title(status), message=_http_message(status)), status


def _http_message(status: int) -> str:
    return {404: "Không tìm thấy trang này.", 405: "Trang này không nhận cách gửi đó.",
            413: f"Tệp gửi lên quá lớn: mỗi lần gửi tối đa {returns.MAX_BYTES >> 20} MB và {returns.MAX_FILES} tệp.",
            400: "Yêu cầu không hợp lệ: tải lại trang rồi làm lại."}.get(status, "Có lỗi; hãy thử lại.")


def _error_title(status: int) -> str:
    return {400: "Chưa làm được", 401: "Cần đăng nhập", 403: "Không có quyền", 404: "Không tìm thấy",
            409: "Chưa làm được lúc này", 413: "Tệp quá lớn", 429: "Thử lại sau"}.get(status, "Có lỗi")


@bp.get("/assets/web/<name>")
def web_static(name):
    if name not in ("style.css", "favicon.svg"):
        abort(404)
    return send_from_directory(WEB_STATIC, name, max_age=0)


# --------------------------------------------------------------------------- login

@bp.get("/")
def home():
    who = g.get("caller")
    if who is None:
        return redirect(url_for("pages.login"), code=303)
    year = _current_year()
    if who.role == SECRETARY:
        if year is None:
            return render_template("svc_error.html", title="Chưa có năm đánh giá",
                                   message="Tỉnh chưa thiết lập năm đánh giá nào. Hãy liên hệ người quản trị của tỉnh.")
        return redirect(url_for("pages.commune", code=who.commune, year=year), code=303)
    if year is None:
        if who.may("settings"):
            return redirect(url_for("pages.admin_years"), code=303)
        return render_template("svc_error.html", title="Chưa có năm đánh giá",
                               message="Chưa có năm đánh giá nào được thiết lập. Hãy liên hệ người quản trị của tỉnh.")
    return redirect(url_for("pages.grid", year=year), code=303)


@bp.route("/login", methods=["GET", "POST"])
def login():
    problem = ""
    status = 200
    if request.method == "POST":
        sent, kept = request.form.get("csrf", ""), request.cookies.get(LOGIN_COOKIE, "")
        if not sent or not hmac.compare_digest(sent.encode(), kept.encode()):
            problem, status = "Trang đăng nhập đã cũ: hãy nhập lại.", 400
        else:
            svc = service()
            try:
                done = accounts.login(svc, request.form.get("login", "").strip(), request.form.get("password", ""),
                                      request.remote_addr or "")
            except Refused as exc:
                problem, status = exc.message, exc.status
            else:
                old = request.cookies.get(_cookie())
                if old:
                    accounts.drop_session(svc, old)
                target = _safe_next(request.form.get("next", "")) or url_for("pages.home")
                response = redirect(target, code=303)
                from flask import current_app
                response.set_cookie(_cookie(), done.session_id, httponly=True, samesite="Strict", path="/",
                                    secure=bool(current_app.config.get("behind_proxy")),
                                    max_age=accounts.SESSION_HOURS * 3600)
                response.delete_cookie(LOGIN_COOKIE, path="/")
                return response
    token = secrets.token_urlsafe(24)
    response = Response(render_template("login.html", login_token=token, problem=problem,
                                        login_name=request.form.get("login", ""),
                                        next=_safe_next(request.values.get("next", ""))), status)
    from flask import current_app
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path="/",
                        secure=bool(current_app.config.get("behind_proxy")))
    return response


def _cookie() -> str:
    return SESSION_COOKIE


def _safe_next(target: str) -> str:
    """Only a path of this site (never '//host' or a scheme): no open redirect after login."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


@bp.post("/logout")
@login_required
def logout():
    accounts.logout(service(), request.cookies.get(_cookie(), ""), caller())
    response = redirect(url_for("pages.login"), code=303)
    response.delete_cookie(_cookie(), path="/")
    return response


# --------------------------------------------------------------------------- years

def _years() -> list[int]:
    with service().database.read() as conn:
        return [r.year for r in conn.execute(sa.select(db.years.c.year).order_by(db.years.c.year))]


def _current_year() -> int | None:
    years = _years()
    return years[-1] if years else None


# --------------------------------------------------------------------------- one commune's year

def commune_view(svc: Service, who: Caller, code: str, year: int) -> dict:
    """Everything the commune's page shows, from the flows (the tenant check first)."""
    with svc.database.read() as conn:
        commune = accounts.commune_row(conn, who, code)
        settings = admin.year_settings(conn, year)
        row = states.year_row(conn, code, year)
        history = states.history(conn, code, year)
        links = [dict(r) for r in conn.execute(
            sa.select(db.unit_links).where(db.unit_links.c.commune == code, db.unit_links.c.year == year)
            .order_by(db.unit_links.c.id)).mappings()]
        decision = conn.execute(sa.select(db.decisions).where(db.decisions.c.commune == code, db.decisions.c.year == year)
                                .order_by(db.decisions.c.id.desc())).mappings().first()
        check = conn.execute(sa.select(db.checks).where(db.checks.c.commune == code, db.checks.c.year == year)
                             .order_by(db.checks.c.id.desc())).mappings().first()
    report = json.loads(row["report"]) if row.get("report") else None
    files = returns.list_files(svc, who, code, year, with_signed=False)     # the signed ones: signed.view below
    current_ids = _current_shas(files)
    for f in files:
        f["current"] = (f["sha256"], f["name"]) in current_ids
    return {"commune": commune, "year": year, "settings": settings, "row": row, "history": history,
            "links": links, "files": files, "report": report,
            "signed": signed.view(svc, who, code, year, report), "groups": _grouped(report) if report else [],
            "missing": admin.missing_settings(settings), "decision": dict(decision) if decision else None,
            "check": {**dict(check), "criteria": json.loads(check["criteria"])} if check else None,
            "open": row["state"] in states.OPEN_STATES}


def _current_shas(files: list[dict]) -> set[tuple[str, str]]:
    versions = [returns.Version(n, f["sha256"], f["name"], frozenset(u for u in f["unit"].split(",") if u),
                                f["accepted"], channel=f["link_unit"]) for n, f in enumerate(files)]
    kept, rejected = returns.current(versions)
    return {(v.sha256, v.name) for v in kept + rejected}


def _grouped(report: dict) -> list[tuple[str, list[dict]]]:
    """Findings by unit (plan order), then by file, then the rest (as `cdht web` shows them)."""
    order = {u["name"]: n for n, u in enumerate(report.get("units") or [])}
    groups: dict[str, list[dict]] = {}
    for f in report.get("findings") or []:
        if f["code"] == "incomplete":
            continue
        key = f["unit"] if f.get("unit") in order else f"Tệp “{f['file']}”" if f.get("file") else "Chung"
        groups.setdefault(key, []).append(f)

    def rank(key):
        return (0, order[key]) if key in order else (2, 0) if key == "Chung" else (1, 0)
    return sorted(groups.items(), key=lambda kv: (rank(kv[0]), kv[0]))


def _labels() -> dict:
    from cdht_excel.outputs.terminal import UNIT_STATUS_LABEL
    from cdht_excel.rules.results import STATUS_LABEL
    return {"unit_status": UNIT_STATUS_LABEL, "criterion_status": STATUS_LABEL}


@bp.get("/communes/<code>/<int:year>")
@login_required
def commune(code, year, new_link: dict | None = None, status: int = 200, problem: str = ""):
    svc, who = service(), caller()
    view = commune_view(svc, who, code, year)
    units = returns.plan_units(svc, view["commune"], view["settings"])
    unit_names = {u["id"]: u["name"] for u in units}
    return render_template("commune.html", v=view, units=units, unit_names=unit_names, new_link=new_link,
                           years=_years(), problem=problem, **_labels()), status


def _commune_url(code: str, year: int, anchor: str = "") -> str:
    return url_for("pages.commune", code=code, year=year) + (f"#{anchor}" if anchor else "")


def _parts() -> list[returns.Part]:
    def chunks(stream):
        while chunk := stream.read(1 << 20):
            yield chunk
    return [returns.Part(f.filename or "tep", chunks(f.stream)) for f in request.files.getlist("files") if f.filename]


@bp.post("/communes/<code>/<int:year>/upload")
@login_required
def upload(code, year):
    returns.upload(service(), caller(), code, year, _parts())
    return redirect(_commune_url(code, year, "ket-qua"), code=303)


@bp.post("/communes/<code>/<int:year>/links")
@login_required
def add_link(code, year):
    unit = request.form.get("unit", "")
    token = returns.add_unit_link(service(), caller(), code, year, unit)
    url = url_for("pages.unit_page", token=token, _external=True)
    return commune(code, year, new_link={"unit": clean_text(unit), "url": url})


@bp.post("/communes/<code>/<int:year>/links/revoke")
@login_required
def revoke_link(code, year):
    returns.revoke_unit_links(service(), caller(), code, year, request.form.get("unit", ""))
    return redirect(_commune_url(code, year, "lien-ket"), code=303)


@bp.post("/communes/<code>/<int:year>/submit")
@login_required
def submit(code, year):
    returns.submit(service(), caller(), code, year)
    return redirect(_commune_url(code, year), code=303)


@bp.post("/communes/<code>/<int:year>/return")
@login_required
def return_(code, year):
    states.return_for_correction(service(), caller(), code, year, request.form.get("reason", ""))
    return redirect(_commune_url(code, year), code=303)


def _check_value(text: str):
    """A score typed as on paper ('7,5' or '7.5') is a number; a TT 25 result stays its text."""
    text = clean_text(text)
    number = parse_number(text)
    return number if number is not None else text


@bp.post("/communes/<code>/<int:year>/check")
@login_required
def check(code, year):
    accounts.require(caller(), "check")              # the permission before the form's content
    criteria = {}
    for key, value in request.form.items():
        if key.startswith("c-") and clean_text(value):
            criteria[key[2:]] = _check_value(value)
    if not criteria:
        raise Refused(400, "bad-check", "Chưa nhập kết quả kiểm tra của tiêu chí nào.")
    states.check(service(), caller(), code, year, criteria)
    return redirect(_commune_url(code, year, "kiem-tra"), code=303)


@bp.get("/communes/<code>/<int:year>/check-form.xlsx")
@login_required
def check_form(code, year):
    """The check form workbook (`cdht district --check-form`) for this one commune's report."""
    from cdht_excel import jobs
    from cdht_excel.above import district as D
    from cdht_excel.above.check_form import write_form_for
    svc, who = service(), caller()
    accounts.require(who, "check")
    report, name = _report_of(svc, who, code, year)
    work = Path(tempfile.mkdtemp(prefix="form-", dir=svc.store.tmp))
    try:
        target = work / "phieu-kiem-tra.xlsx"
        jobs.write_output(lambda p: write_form_for(D.from_reports([(name, report)]), p), target)
        data = target.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _download(data, f"Phieu kiem tra {code} {year}.xlsx", XLSX)


@bp.post("/communes/<code>/<int:year>/check-form")
@login_required
def check_form_upload(code, year):
    """The filled check form, read back as `cdht district --checked` reads it (each commune found by its
    identity, never by position): the commune it checks gets its check entered."""
    svc, who = service(), caller()
    with svc.database.read() as conn:
        accounts.commune_row(conn, who, code)
    done = _use_checked_form(svc, who, year)
    if code not in done["entered"]:
        why = next((s["reason"] for s in done["skipped"] if s["code"] == code), "")
        problems = " ".join(f["message"] for f in done["findings"] if f["severity"] == F.ERROR)
        raise Refused(400, "bad-check-form", why or problems or "Phiếu kiểm tra này không có kết quả kiểm tra đủ của xã này "
                      "(còn ô trống, hoặc là phiếu của xã khác).")
    return redirect(_commune_url(code, year, "kiem-tra"), code=303)


def _use_checked_form(svc: Service, who: Caller, year: int) -> dict:
    accounts.require(who, "check")                   # the permission before the form's content
    sent = request.files.get("form")
    if sent is None or not sent.filename:
        raise Refused(400, "no-files", "Chọn tệp phiếu kiểm tra đã điền (.xlsx).")

    def chunks():
        while chunk := sent.stream.read(1 << 20):
            yield chunk
    return province.use_checked_form(svc, who, year, sent.filename, chunks())


def _report_of(svc: Service, who: Caller, code: str, year: int) -> tuple[dict, str]:
    with svc.database.read() as conn:
        commune_ = accounts.commune_row(conn, who, code)
    report = returns.report(svc, who, code, year)
    if report.get("criteria") is None:
        raise Refused(409, "no-result", "Xã này chưa có kết quả tổng hợp đọc được.")
    return report, commune_["name"]


@bp.post("/communes/<code>/<int:year>/recognise")
@login_required
def recognise(code, year):
    form = request.form
    states.recognise(service(), caller(), code, year, form.get("decision_no", ""), form.get("decision_date", ""),
                     form.get("result", ""))
    return redirect(_commune_url(code, year), code=303)


def _download(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/communes/<code>/<int:year>/template.xlsx")
@login_required
def template(code, year):
    data, name = returns.template(service(), caller(), code, year)
    return _download(data, name, XLSX)


def _plan_for(svc: Service, who: Caller, code: str, year: int):
    """(plan, rubric, commune) of the year, as `returns.template` makes them, after the same checks."""
    from cdht_excel import jobs
    accounts.require(who, "read-own" if who.role == SECRETARY else "download")
    with svc.database.read() as conn:
        commune_ = accounts.commune_row(conn, who, code)
        settings = admin.year_settings(conn, year)
    try:
        plan, rubric = jobs.plan_from_fields(commune_["name"], year, province=svc.province()["name"],
                                             rubric_ref=admin.rubric_ref_path(svc, settings),
                                             commune_kind=commune_["kind"], assessing_body=settings.get("authority") or "")
    except F.Failed as exc:
        raise Refused(409, "no-template", " ".join(f.message for f in exc.findings)) from None
    return plan, rubric, commune_


@bp.get("/communes/<code>/<int:year>/plan.xlsx")
@login_required
def plan_xlsx(code, year):
    """The year's plan workbook (`cdht plan init`): the units and the criteria each one reports on."""
    from cdht_excel import jobs
    from cdht_excel.commune.plan_sheet import write_plan
    from cdht_excel.text import safe_filename
    svc = service()
    plan, rubric, commune_ = _plan_for(svc, caller(), code, year)
    work = Path(tempfile.mkdtemp(prefix="plan-", dir=svc.store.tmp))
    try:
        target = work / "ke-hoach.xlsx"
        jobs.write_output(lambda p: write_plan(plan, rubric, p), target)
        data = target.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _download(data, f"Ke hoach {safe_filename(commune_['name'])} {year}.xlsx", XLSX)


@bp.get("/communes/<code>/<int:year>/units.zip")
@login_required
def unit_templates(code, year):
    """One template per unit of the plan (`cdht template --split-dir`), in a .zip to send out."""
    from cdht_excel import jobs
    from cdht_excel.text import safe_filename
    svc = service()
    plan, rubric, commune_ = _plan_for(svc, caller(), code, year)
    work = Path(tempfile.mkdtemp(prefix="tpl-", dir=svc.store.tmp))
    try:
        made = jobs.make_template(plan, rubric, work / "mau.xlsx", work / "don-vi")
        data = returns._zip(made.split)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _download(data, f"Phieu don vi {safe_filename(commune_['name'])} {year}.zip", "application/zip")


@bp.get("/communes/<code>/<int:year>/summary.xlsx")
@login_required
def summary_xlsx(code, year):
    data, name = returns.outputs(service(), caller(), code, year, "summary")
    return _download(data, name, XLSX)


@bp.get("/communes/<code>/<int:year>/dossier.zip")
@login_required
def dossier_zip(code, year):
    data, name = returns.outputs(service(), caller(), code, year, "dossier")
    return _download(data, name, "application/zip")


@bp.get("/communes/<code>/<int:year>/dossier-pdf.zip")
@login_required
def dossier_pdf_zip(code, year):
    data, name = returns.outputs(service(), caller(), code, year, "dossier-pdf")
    return _download(data, name, "application/zip")


@bp.get("/communes/<code>/<int:year>/files/<sha256>")
@login_required
def stored_file(code, year, sha256):
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise Refused(404, "not-found", "Không có tệp này.")
    name, path = returns.file_bytes(service(), caller(), code, year, sha256)
    return send_file(path, mimetype="application/octet-stream", as_attachment=True, download_name=name)


# --------------------------------------------------------------------------- a unit, by its link

def _unit_caller(token: str) -> Caller:
    with service().database.read() as conn:
        who = accounts.by_unit_link(conn, token, request.remote_addr or "")
    if who is None:
        raise Refused(404, "not-found", "Liên kết không đúng hoặc đã bị thu hồi: hỏi lại thư ký của xã.")
    g.unit = who
    return who


@bp.route("/u/<token>", methods=["GET", "POST"])
def unit_page(token):
    svc = service()
    who = _unit_caller(token)
    code, year = who.commune or "", who.year or 0
    sent = None
    if request.method == "POST":
        parts = _parts()
        if not parts:
            raise Refused(400, "no-files", "Chưa chọn tệp nào để gửi.")
        sent = returns.upload(svc, who, code, year, parts)["files"]
    with svc.database.read() as conn:
        commune_ = accounts.commune_row(conn, who, code)
        row = states.year_row(conn, code, year)
        settings = admin.year_settings(conn, year)
    files = returns.list_files(svc, who, code, year)
    names = returns.unit_names(svc, commune_, settings)
    return render_template("unit.html", commune=commune_, year=year, unit=names.get(who.unit or "", who.unit),
                           row=row, files=list(reversed(files)),
                           sent=sent, open=row["state"] in states.OPEN_STATES, token=token)


# --------------------------------------------------------------------------- the province

def with_progress(svc: Service, year: int, rows: list[dict]) -> list[dict]:
    """What each commune shown still misses (units not in, errors), from its stored report, and its last
    activity; only for the rows of the page (a report is parsed per row shown, never for the whole province)."""
    codes = [r["code"] for r in rows]
    with svc.database.read() as conn:
        reports = {r.commune: r.report for r in conn.execute(
            sa.select(db.commune_years.c.commune, db.commune_years.c.report)
            .where(db.commune_years.c.year == year, db.commune_years.c.commune.in_(codes)))}
        last = {r.commune: r.at for r in conn.execute(
            sa.select(db.uploads.c.commune, sa.func.max(db.uploads.c.at).label("at"))
            .where(db.uploads.c.year == year, db.uploads.c.commune.in_(codes)).group_by(db.uploads.c.commune))}
    dossiers = signed.for_year(svc, year, codes)
    for r in rows:
        report = json.loads(reports[r["code"]]) if reports.get(r["code"]) else None
        units = (report or {}).get("units") or []
        r["units_all"] = len(units)
        r["errors"] = ((report or {}).get("counts") or {}).get("error", 0)
        r["missing"] = [u["name"] for u in units if u.get("status") != "ok"]
        r["last"] = max(filter(None, [r.get("updated_at"), last.get(r["code"])]), default=None)
        dossier = dossiers.get(r["code"])
        if dossier is not None:
            status = signed.status_of(dossier["check"])
            r["signed"] = {"status": status, "label": signed.STATUS_LABELS[status],
                           "differs": bool(report and report.get("criteria") is not None
                                           and signed.differs(dossier["check"]["report"], report))}
    return rows


def _filtered(rows: list[dict], args) -> list[dict]:
    state, late, kind, text = args.get("state", ""), args.get("late", ""), args.get("kind", ""), args.get("q", "")
    cls = args.get("class", "")
    key = clean_text(text).casefold()
    out = []
    for r in rows:
        if state and r["state"] != state:
            continue
        if late == "1" and not r["late"]:
            continue
        if kind and r["kind"] != kind:
            continue
        if cls and (r.get("classification") or "") != cls:
            continue
        if key and key not in r["name"].casefold() and key not in r["code"].casefold():
            continue
        out.append(r)
    return out


@bp.get("/province/<int:year>")
@login_required
def grid(year):
    """Every commune's state at a glance, with filters and counts; the reporting rate against the deadline.
    Counted from the grid itself (one query); the class counts and the TT 25 indicator are on the summary."""
    svc, who = service(), caller()
    accounts.require(who, "read-all")
    with svc.database.read() as conn:
        settings = admin.year_settings(conn, year)
    rows = province.communes(svc, who, year)
    shown = _filtered(rows, request.args)
    pages = max(1, -(-len(shown) // GRID_PAGE))
    page = min(max(1, int(request.args.get("page", "1")) if request.args.get("page", "").isdigit() else 1), pages)
    visible = with_progress(svc, year, shown[(page - 1) * GRID_PAGE:page * GRID_PAGE])
    counts = {s: sum(1 for r in rows if r["state"] == s) for s in states.STATES}
    reported = len(rows) - counts[states.STATE_COLLECTING]
    classes = sorted({(r["classification"], r["classification_label"]) for r in rows if r.get("classification")})
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return render_template("grid.html", year=year, rows=visible, shown_count=len(shown), all_count=len(rows),
                           counts=counts, reported=reported, deadline=settings.get("deadline"),
                           missing=admin.missing_settings(settings), classes=classes, args=args, years=_years(),
                           kinds=admin.KINDS, late_count=sum(1 for r in rows if r["late"]), page=page, pages=pages,
                           query=lambda **kw: _query(args, **kw))


def _query(args: dict, **changes) -> str:
    merged = {**args, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v}) if any(merged.values()) else "?"


@bp.get("/province/<int:year>/summary")
@login_required
def summary(year):
    """The province's summary (the backend's: `cdht district` over the stored results): counts by class or
    level and by state, the reporting rate, late communes, the TT 25 ≥ 90 % indicator; the province table."""
    svc, who = service(), caller()
    data = province.summary(svc, who, year)
    from cdht_excel.above.district import class_codes
    return render_template("summary.html", year=year, s=data, years=_years(),
                           class_rows=[(label, data["by_class"].get(code, 0))
                                       for code, label in class_codes(data["classes"])])


@bp.get("/province/<int:year>/check-form.xlsx")
@login_required
def province_check_form(year):
    return _download(province.check_form(service(), caller(), year), f"Phieu kiem tra {year}.xlsx", XLSX)


@bp.post("/province/<int:year>/checked")
@login_required
def province_checked(year):
    done = _use_checked_form(service(), caller(), year)
    failed = [(s["code"], s["reason"]) for s in done["skipped"]]
    return render_template("bulk_done.html", year=year, action="check-form", done=done["entered"], failed=failed,
                           findings=done["findings"])


@bp.get("/province/<int:year>/docs.zip")
@login_required
def province_docs(year):
    accounts.require(caller(), "read-all")
    return _download(province.docs_zip(service(), caller(), year), f"Ho so tinh {year}.zip", "application/zip")


@bp.get("/province/<int:year>/table.xlsx")
@login_required
def province_table(year):
    accounts.require(caller(), "read-all")           # all the communes: the province's, not a secretary's
    data = province.district_xlsx(service(), caller(), year)
    return _download(data, f"Tong hop tinh {year}.xlsx", XLSX)


@bp.post("/province/<int:year>/bulk")
@login_required
def bulk(year):
    """One action on many communes: each one its own transition (its own audit entry); those that cannot
    move are listed with the flows' own reason, the others done."""
    svc, who = service(), caller()
    accounts.require(who, "read-all")                # many communes: the province's, before the form's content
    codes = request.form.getlist("code")
    action = request.form.get("action", "")
    if not codes:
        raise Refused(400, "none-chosen", "Chưa chọn xã nào (đánh dấu ô ở đầu mỗi dòng).")
    if action not in ("return", "check", "recognise"):
        raise Refused(400, "bad-action", "Chọn một việc: trả lại, xác nhận kiểm tra hoặc ghi quyết định công nhận.")
    accounts.require(who, action)                    # the permissions are named as the actions
    done, failed = [], []
    for code in codes:
        try:
            if action == "return":
                states.return_for_correction(svc, who, code, year, request.form.get("reason", ""))
            elif action == "check":
                states.check(svc, who, code, year, self_results(returns.report(svc, who, code, year)))
            else:
                states.recognise(svc, who, code, year, request.form.get("decision_no", ""),
                                 request.form.get("decision_date", ""), request.form.get("result", ""))
            done.append(code)
        except Refused as exc:
            failed.append((code, exc.message))
    return render_template("bulk_done.html", year=year, action=action, done=done, failed=failed), 200


def self_results(report: dict) -> dict:
    """The commune's own results per criterion, as the check when the province confirms them unchanged."""
    out = {}
    for c in report.get("criteria") or []:
        value = c.get("score") if report.get("total") is not None else (c.get("level") or c.get("result"))
        if value is None and c.get("passed") is not None:
            value = "Đạt" if c["passed"] else "Không đạt"
        if value is not None:
            out[str(c["id"])] = value
    if not out:
        raise Refused(409, "no-result", "Xã chưa có kết quả tự đánh giá để xác nhận.")
    return out


# --------------------------------------------------------------------------- audit

def _audit_filter(query, args):
    if args.get("since"):
        query = query.where(db.audit.c.at >= args["since"])
    if args.get("commune"):
        query = query.where(db.audit.c.commune == args["commune"])
    if args.get("action"):
        query = query.where(db.audit.c.action == args["action"])
    if args.get("user"):
        query = query.where(db.audit.c.user == args["user"])
    return query


def _audit_entries(args, limit: int | None = None) -> list[dict]:
    """The entries matching the filters, newest first (the first `limit` of them)."""
    with service().database.read() as conn:
        query = _audit_filter(sa.select(db.audit).order_by(db.audit.c.id.desc()), args)
        rows = [dict(r) for r in conn.execute(query.limit(limit) if limit else query).mappings()]
    for r in rows:
        r["detail"] = json.loads(r["detail"])
    return rows


@bp.get("/audit")
@login_required
def audit_page():
    who = caller()
    accounts.require(who, "audit")
    args = {k: v for k, v in request.args.items() if v and k in ("since", "commune", "action", "user")}
    entries = _audit_entries(args, AUDIT_PAGE)
    with service().database.read() as conn:
        verdict = audit.verify(conn)
        count = conn.execute(_audit_filter(sa.select(sa.func.count()).select_from(db.audit), args)).scalar() or 0
    return render_template("audit.html", entries=entries, count=count, args=args,
                           labels=ACTION_LABELS, verdict=verdict, query=urlencode(args))


@bp.get("/audit.csv")
@login_required
def audit_csv():
    accounts.require(caller(), "audit")
    args = {k: v for k, v in request.args.items() if v and k in ("since", "commune", "action", "user")}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "user", "action", "commune", "year", "detail", "address", "prev", "hash"])
    for e in reversed(_audit_entries(args)):
        writer.writerow([e["at"], e["user"], e["action"], e["commune"] or "", e["year"] or "",
                         json.dumps(e["detail"], ensure_ascii=False, sort_keys=True), e["address"], e["prev"], e["hash"]])
    data = ("\ufeff" + out.getvalue()).encode("utf-8")     # with a BOM: Excel opens it as UTF-8
    return _download(data, "nhat-ky.csv", "text/csv")


# --------------------------------------------------------------------------- admin

@bp.route("/admin/communes", methods=["GET", "POST"])
@login_required
def admin_communes():
    svc, who = service(), caller()
    accounts.require(who, "settings")
    done = None
    if request.method == "POST":
        sent = request.files.get("list")
        if sent is None or not sent.filename:
            raise Refused(400, "no-files", "Chọn tệp danh sách xã (.xlsx hoặc .csv: mã, tên, loại).")

        def chunks():
            while chunk := sent.stream.read(1 << 20):
                yield chunk
        done = admin.import_communes_upload(svc, sent.filename, chunks(), by=who.login)
    with svc.database.read() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(db.communes).order_by(db.communes.c.code)).mappings()]
    return render_template("admin_communes.html", communes=rows, done=done)


@bp.route("/admin/trust", methods=["GET", "POST"])
@login_required
def admin_trust():
    """The trust roots signed dossiers are verified against (service.signed)."""
    svc, who = service(), caller()
    accounts.require(who, "settings")
    added, removed = None, None
    if request.method == "POST":
        if request.form.get("remove"):
            removed = signed.remove_root(svc, request.form["remove"], who.login, who.address)
        else:
            sent = [f for f in request.files.getlist("roots") if f.filename]
            if not sent:
                raise Refused(400, "no-files", "Chọn tệp chứng thư gốc (.pem, .crt, .cer hoặc .der).")
            files = [(clean_text(f.filename), f.stream.read(1 << 20)) for f in sent]   # a certificate is a few KB
            added = signed.add_roots(svc, files, who.login, who.address)
    with svc.database.read() as conn:
        roots = signed.list_roots(conn)
    return render_template("admin_trust.html", roots=roots, added=added, removed=removed)


@bp.route("/admin/accounts", methods=["GET", "POST"])
@login_required
def admin_accounts():
    svc, who = service(), caller()
    accounts.require(who, "accounts")
    made, changed = None, None
    if request.method == "POST" and request.form.get("action") in ("reset", "lock", "unlock"):
        from cdht_excel.service import security
        action, login_name = request.form["action"], request.form.get("account", "")
        if action == "reset":
            password = security.new_password()
            accounts.reset_password(svc, login_name, password, by=who.login, address=who.address)
            changed = {"login": login_name, "action": action, "password": password}
        else:
            if login_name == who.login:
                raise Refused(409, "own-account", "Không tự khóa tài khoản đang dùng.")
            accounts.set_active(svc, login_name, action == "unlock", by=who.login, address=who.address)
            changed = {"login": login_name, "action": action}
    elif request.method == "POST":
        from cdht_excel.service import security
        login_name, role = request.form.get("login", "").strip(), request.form.get("role", "")
        commune_code = request.form.get("commune", "").strip() or None
        password = security.new_password()
        accounts.add_user(svc, login_name, role, commune_code if role == SECRETARY else None, password, by=who.login)
        made = {"login": login_name, "password": password, "role": role}
    users = accounts.list_users(svc, who)
    with svc.database.read() as conn:
        communes_ = [dict(r) for r in conn.execute(sa.select(db.communes.c.code, db.communes.c.name)
                                                   .order_by(db.communes.c.code)).mappings()]
    return render_template("admin_accounts.html", users=users, communes=communes_, made=made, changed=changed,
                           roles=accounts.ACCOUNT_ROLES)


@bp.route("/admin/years", methods=["GET", "POST"])
@login_required
def admin_years():
    from cdht_excel.rules import rubric as R
    svc, who = service(), caller()
    accounts.require(who, "settings")
    saved = None
    if request.method == "POST":
        form = request.form
        year_text = form.get("year", "").strip()
        if not year_text.isdigit():
            raise Refused(400, "bad-year", "Năm ghi bằng số, ví dụ 2026.")
        rubric = form.get("rubric", "")
        work = None
        try:
            sent = request.files.get("rubric_file")
            if rubric == "file":
                if sent is None or not sent.filename:
                    raise Refused(400, "bad-rubric", "Chọn tệp bộ tiêu chí riêng (.xlsx hoặc .json).")
                from cdht_excel.web.uploads import safe_parts
                work = Path(tempfile.mkdtemp(prefix="rubric-", dir=svc.store.tmp))
                path = work / safe_parts(sent.filename)[-1]
                sent.save(path)
                rubric = str(path)
            elif rubric == "keep":
                with svc.database.read() as conn:
                    known = conn.execute(sa.select(db.years).where(db.years.c.year == int(year_text))).mappings().first()
                if known is None:
                    raise Refused(400, "bad-rubric", f"Năm {year_text} chưa có: chọn bộ tiêu chí cho năm này.")
                rubric = admin.rubric_ref_path(svc, dict(known))
            elif rubric not in R.BUILTIN_IDS:
                raise Refused(400, "bad-rubric", f"Chọn một bộ tiêu chí: {', '.join(R.BUILTIN_IDS)} hoặc tệp riêng.")
            saved = admin.set_year(svc, int(year_text), rubric, form.get("deadline", "").strip() or None,
                                   form.get("authority", ""), form.get("signer", ""), by=who.login,
                                   address=who.address)
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
    with svc.database.read() as conn:
        years = [dict(r) for r in conn.execute(sa.select(db.years).order_by(db.years.c.year.desc())).mappings()]
    for y in years:
        y["missing"] = admin.missing_settings(y)
    rubrics = [(rid, R.load(rid).legal_basis) for rid in R.BUILTIN_IDS]
    return render_template("admin_years.html", years=years, rubrics=rubrics, saved=saved)

"""The JSON API of `cdht serve` (SERVICE.md §4, contract) over the service's flows; a face: it checks who
asks, passes plain values to `accounts`, `returns`, `states`, `province`, and lays out what they return.

Who asks: `Authorization: Bearer TOKEN` (an API token), else the session cookie (then every write carries
`X-CSRF-Token`, the value returned at login), else nobody; a unit is known by its link's token in the path
(`/api/v1/unit/<token>/…`). X-Forwarded-For/-Proto are believed only with `behind_proxy` (then the cookie
is also Secure). Every error is `{"error": {"code", "message"}}` in Vietnamese, never a stack trace; every
answer carries the strict headers of `cdht web`.
"""
from __future__ import annotations

import hmac
import json
import logging
import re

from flask import Blueprint, Flask, Response, g, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from cdht_excel.service import accounts, audit, province, returns, signed, states
from cdht_excel.service.accounts import UNIT, Caller
from cdht_excel.service.context import Refused, Service
from cdht_excel.web.app import SECURITY_HEADERS, XLSX, PrivateRequest

COOKIE = "cdht_session"
CHUNK = 1 << 20
SHA256 = re.compile(r"^[0-9a-f]{64}$")
log = logging.getLogger("cdht.service")

HTTP_MESSAGES = {
    400: ("bad-request", "Yêu cầu không hợp lệ."),
    401: ("login-required", "Cần đăng nhập."),
    403: ("forbidden", "Không có quyền."),
    404: ("not-found", "Không tìm thấy."),
    405: ("method-not-allowed", "Phương thức không được hỗ trợ ở địa chỉ này."),
    409: ("conflict", "Trạng thái hiện tại không cho phép việc này."),
    413: ("too-large", f"Tệp gửi lên quá lớn: mỗi lần gửi tối đa {returns.MAX_BYTES >> 20} MB và "
                       f"{returns.MAX_FILES} tệp."),
    429: ("too-many-attempts", "Quá nhiều lần thử; hãy đợi rồi thử lại."),
}


def service() -> Service:
    from flask import current_app
    return current_app.extensions["cdht-service"]


def caller() -> Caller:
    who = g.get("caller")
    if who is None:
        raise Refused(401, "login-required", "Cần đăng nhập (hoặc mã API trong tiêu đề Authorization).")
    return who


def error(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def create_app(svc: Service, behind_proxy: bool = False) -> Flask:
    class ServiceRequest(PrivateRequest):
        pass
    ServiceRequest.spool = svc.store.spool

    app = Flask(__name__)
    app.request_class = ServiceRequest
    app.config.update(MAX_CONTENT_LENGTH=returns.MAX_BYTES, MAX_FORM_PARTS=returns.MAX_FILES + 20,
                      MAX_FORM_MEMORY_SIZE=1 << 20, JSON_AS_ASCII=False, behind_proxy=behind_proxy)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["cdht-service"] = svc
    if behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=0)  # type: ignore[method-assign]
    app.before_request(_identify)
    app.after_request(_headers)
    app.register_error_handler(Refused, lambda exc: error(exc.status, exc.code, exc.message))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.register_blueprint(api)
    from cdht_excel.service.pages import bp as pages      # the pages: the same flows, forms with their own CSRF field
    app.register_blueprint(pages)
    return app


def _identify() -> Response | None:
    g.caller = None
    svc = service()
    address = request.remote_addr or ""
    auth = request.headers.get("Authorization", "")
    with svc.database.read() as conn:
        if auth:
            kind, _, token = auth.partition(" ")
            who = accounts.by_token(conn, token.strip(), address) if kind.lower() == "bearer" and token.strip() else None
            if who is None:
                return error(401, "bad-token", "Mã API không đúng hoặc đã bị thu hồi.")
            g.caller = who
            return None
        session_id = request.cookies.get(COOKIE)
        if session_id:
            g.caller = accounts.by_session(conn, session_id, address)
    logging_in = request.method == "POST" and request.path == "/api/v1/session"     # a new session, rotated
    if g.caller is not None and g.caller.via == "session" and request.method not in ("GET", "HEAD", "OPTIONS") \
            and not logging_in and request.path.startswith("/api/"):
        sent = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent.encode(), g.caller.csrf.encode()):
            return error(403, "csrf", "Thiếu hoặc sai mã chống giả mạo (tiêu đề X-CSRF-Token nhận khi đăng nhập).")
    return None


def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _http_error(exc: HTTPException):
    if not request.path.startswith("/api/"):         # a person's address typed wrong: a page, not JSON
        from cdht_excel.service.pages import http_error_page
        return http_error_page(exc.code or 500)
    code, message = HTTP_MESSAGES.get(exc.code or 500, ("error", "Lỗi."))
    return error(exc.code or 500, code, message)


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error(500, "server-error", "Lỗi máy chủ ngoài dự kiến; đã ghi lại để người quản trị xem. Hãy thử lại sau.")


api = Blueprint("api", __name__, url_prefix="/api/v1")


def _json() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused(400, "bad-json", "Nội dung gửi lên phải là JSON dạng đối tượng {…}.")
    return data


def _year_arg() -> int:
    text = request.args.get("year", "")
    if not text.isdigit():
        raise Refused(400, "year-required", "Cần tham số year, ví dụ ?year=2026.")
    return int(text)


def _download(data: bytes, name: str, mimetype: str) -> Response:
    import io
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


# --------------------------------------------------------------------------- session

@api.post("/session")
def login():
    data = _json()
    name, password = str(data.get("login") or ""), str(data.get("password") or "")
    svc = service()
    old = request.cookies.get(COOKIE)
    done = accounts.login(svc, name, password, request.remote_addr or "")
    if old:                             # rotated: the id the browser had before logging in is dropped
        accounts.drop_session(svc, old)
    who = done.caller
    response = jsonify({"user": who.login, "role": who.role, "commune": who.commune, "csrf": who.csrf})
    from flask import current_app
    response.set_cookie(COOKIE, done.session_id, httponly=True, samesite="Strict", path="/",
                        secure=bool(current_app.config.get("behind_proxy")), max_age=accounts.SESSION_HOURS * 3600)
    return response


@api.delete("/session")
def logout():
    who = caller()
    if who.via == "session":
        accounts.logout(service(), request.cookies.get(COOKIE, ""), who)
    response = jsonify({"ok": True})
    response.delete_cookie(COOKIE, path="/")
    return response


@api.get("/session")
def whoami():
    who = caller()
    return jsonify({"user": who.login, "role": who.role, "commune": who.commune})


# --------------------------------------------------------------------------- communes

def _fast_json(data) -> Response:
    """A large answer (3,300 communes) as JSON by orjson: several times faster than the standard encoder."""
    import orjson
    return Response(orjson.dumps(data), mimetype="application/json")


@api.get("/communes")
def communes():
    return _fast_json(province.communes(service(), caller(), _year_arg()))


@api.get("/communes/<code>/years/<int:year>")
def commune_year(code, year):
    svc, who = service(), caller()
    from cdht_excel.service import admin
    with svc.database.read() as conn:
        commune = accounts.commune_row(conn, who, code)
        settings = admin.year_settings(conn, year)
        row = states.year_row(conn, code, year)
        history = states.history(conn, code, year)
    return jsonify({"commune": commune, "year": year, "state": row["state"], "state_label": states.STATE_LABELS[row["state"]],
                    "late": bool(row["late"]), "submitted_at": row["submitted_at"], "reason": row["reason"],
                    "total": row["total"], "classification": row["classification"],
                    "classification_label": row["classification_label"], "deadline": settings.get("deadline"),
                    "authority": settings.get("authority") or None, "signer": settings.get("signer") or None,
                    "missing_settings": admin.missing_settings(settings), "history": history})


def _parts() -> list[returns.Part]:
    return [returns.Part(f.filename or "tep", _chunks(f.stream)) for f in request.files.getlist("files")]


def _chunks(stream):
    while chunk := stream.read(CHUNK):
        yield chunk


@api.post("/communes/<code>/years/<int:year>/files")
def upload(code, year):
    return jsonify(returns.upload(service(), caller(), code, year, _parts()))


@api.get("/communes/<code>/years/<int:year>/files")
def files(code, year):
    return jsonify(returns.list_files(service(), caller(), code, year))


@api.get("/communes/<code>/years/<int:year>/files/<sha256>")
def file(code, year, sha256):
    if not SHA256.match(sha256):
        raise Refused(404, "not-found", "Không có tệp này.")
    name, path = returns.file_bytes(service(), caller(), code, year, sha256)
    return send_file(path, mimetype="application/octet-stream", as_attachment=True, download_name=name)


@api.get("/communes/<code>/years/<int:year>/report")
def report(code, year):
    return jsonify(returns.report(service(), caller(), code, year))


@api.get("/communes/<code>/years/<int:year>/summary.xlsx")
def summary_xlsx(code, year):
    data, name = returns.outputs(service(), caller(), code, year, "summary")
    return _download(data, name, XLSX)


@api.get("/communes/<code>/years/<int:year>/dossier.zip")
def dossier_zip(code, year):
    data, name = returns.outputs(service(), caller(), code, year, "dossier")
    return _download(data, name, "application/zip")


@api.get("/communes/<code>/years/<int:year>/dossier-pdf.zip")
def dossier_pdf_zip(code, year):
    data, name = returns.outputs(service(), caller(), code, year, "dossier-pdf")
    return _download(data, name, "application/zip")


@api.get("/communes/<code>/years/<int:year>/signed")
def signed_dossiers(code, year):
    svc, who = service(), caller()
    if who.role == UNIT:
        raise Refused(403, "forbidden", "Liên kết của đơn vị chỉ dùng để gửi phiếu.")
    with svc.database.read() as conn:
        accounts.commune_row(conn, who, code)
        row = states.year_row(conn, code, year)
    merged = json.loads(row["report"]) if row.get("report") else None
    return jsonify(signed.view(svc, who, code, year, merged))


@api.get("/communes/<code>/years/<int:year>/template.xlsx")
def template_xlsx(code, year):
    data, name = returns.template(service(), caller(), code, year)
    return _download(data, name, XLSX)


@api.post("/communes/<code>/years/<int:year>/submit")
def submit(code, year):
    return jsonify(returns.submit(service(), caller(), code, year))


@api.post("/communes/<code>/years/<int:year>/return")
def return_(code, year):
    return jsonify(states.return_for_correction(service(), caller(), code, year, str(_json().get("reason") or "")))


@api.post("/communes/<code>/years/<int:year>/check")
def check(code, year):
    return jsonify(states.check(service(), caller(), code, year, _json().get("criteria")))


@api.post("/communes/<code>/years/<int:year>/recognise")
def recognise(code, year):
    data = _json()
    return jsonify(states.recognise(service(), caller(), code, year, str(data.get("decision_no") or ""),
                                    str(data.get("decision_date") or ""), str(data.get("result") or "")))


@api.post("/communes/<code>/years/<int:year>/unit-links")
def add_link(code, year):
    token = returns.add_unit_link(service(), caller(), code, year, str(_json().get("unit") or ""))
    return jsonify({"url": f"{request.host_url.rstrip('/')}/u/{token}", "token": token})


@api.delete("/communes/<code>/years/<int:year>/unit-links")
def revoke_link(code, year):
    data = request.get_json(silent=True) or {}
    unit = str(data.get("unit") or request.args.get("unit") or "")
    return jsonify({"revoked": returns.revoke_unit_links(service(), caller(), code, year, unit)})


# --------------------------------------------------------------------------- a unit, by its link

def _unit(token: str) -> Caller:
    with service().database.read() as conn:
        who = accounts.by_unit_link(conn, token, request.remote_addr or "")
    if who is None:
        raise Refused(404, "not-found", "Liên kết không đúng hoặc đã bị thu hồi: hỏi lại thư ký của xã.")
    g.caller = who
    return who


@api.get("/unit/<token>")
def unit_page(token):
    who = _unit(token)
    svc = service()
    with svc.database.read() as conn:
        commune = accounts.commune_row(conn, who, who.commune or "")
        row = states.year_row(conn, who.commune or "", who.year or 0)
    return jsonify({"commune": commune["name"], "year": who.year, "unit": who.unit, "state": row["state"],
                    "open": row["state"] in states.OPEN_STATES,
                    "files": returns.list_files(svc, who, who.commune or "", who.year or 0)})


@api.post("/unit/<token>/files")
def unit_upload(token):
    who = _unit(token)
    return jsonify(returns.upload(service(), who, who.commune or "", who.year or 0, _parts()))


# --------------------------------------------------------------------------- province

@api.get("/provinces/current/years/<int:year>/summary")
def province_summary(year):
    return _fast_json(province.summary(service(), caller(), year))


@api.get("/provinces/current/years/<int:year>/district.xlsx")
def province_table(year):
    data = province.district_xlsx(service(), caller(), year)
    return _download(data, f"Tong hop tinh {year}.xlsx", XLSX)


@api.get("/provinces/current/years/<int:year>/check-form.xlsx")
def province_check_form(year):
    return _download(province.check_form(service(), caller(), year), f"Phieu kiem tra {year}.xlsx", XLSX)


@api.post("/provinces/current/years/<int:year>/checked")
def province_checked(year):
    accounts.require(caller(), "check")              # the permission before the request's content
    sent = request.files.getlist("files")
    if len(sent) != 1:
        raise Refused(400, "one-file", "Gửi đúng một tệp phiếu kiểm tra đã điền (trường “files”).")
    return jsonify(province.use_checked_form(service(), caller(), year, sent[0].filename or "phieu-kiem-tra.xlsx",
                                             _chunks(sent[0].stream)))


@api.get("/provinces/current/years/<int:year>/docs.zip")
def province_docs(year):
    return _download(province.docs_zip(service(), caller(), year), f"Ho so tinh {year}.zip", "application/zip")


# --------------------------------------------------------------------------- admin

@api.get("/users")
def users():
    return jsonify(accounts.list_users(service(), caller()))


@api.post("/users")
def add_user():
    who, data = caller(), _json()
    accounts.require(who, "accounts")
    password = str(data.get("password") or "") or None
    from cdht_excel.service.security import new_password
    chosen = password or new_password()
    accounts.add_user(service(), str(data.get("login") or ""), str(data.get("role") or ""), data.get("commune") or None,
                      chosen, by=who.login)
    return jsonify({"login": data.get("login"), "password": None if password else chosen})


@api.post("/years/<int:year>")
def set_year(year):
    from cdht_excel.service import admin
    who, data = caller(), _json()
    accounts.require(who, "settings")
    rubric = str(data.get("rubric") or "")
    from cdht_excel.rules.rubric import BUILTIN_IDS
    if rubric not in BUILTIN_IDS:        # a rubric file is set from the command line (cdht service year set)
        raise Refused(400, "bad-rubric", f"Bộ tiêu chí là một trong: {', '.join(BUILTIN_IDS)}.")
    row = admin.set_year(service(), year, rubric, data.get("deadline"), data.get("authority"), data.get("signer"),
                         by=who.login, address=who.address)
    return jsonify({**row, "missing_settings": admin.missing_settings(row)})


@api.post("/communes/import")
def import_communes():
    from cdht_excel.service import admin
    who = caller()
    accounts.require(who, "settings")
    sent = request.files.getlist("files")
    if len(sent) != 1:
        raise Refused(400, "one-file", "Gửi đúng một tệp danh sách xã (.xlsx hoặc .csv, trường “files”).")
    added, updated = admin.import_communes_upload(service(), sent[0].filename or "danh-sach.csv", _chunks(sent[0].stream),
                                                  by=who.login)
    return jsonify({"added": added, "updated": updated})


@api.get("/audit")
def audit_log():
    who = caller()
    accounts.require(who, "audit")
    with service().database.read() as conn:
        entries = audit.entries(conn, request.args.get("since") or None)
    return jsonify([{k: e[k] for k in ("at", "user", "action", "commune", "year", "detail", "hash", "prev")}
                    for e in entries])

"""The web page of `cdht web`: Flask routes over the same jobs as the terminal (`cdht_excel/jobs.py`).

Nothing here decides a rule, a number or a message: totals, classes, findings and hints come from the
library as they are; this layer only receives files, calls the jobs and lays their results out.

Security (a local server is still a server): the app answers only below a random path of this launch
(`/<root>/`), every request carries the launch token (first visit by `?token=`, then an HttpOnly
SameSite=Strict cookie scoped to that path, so a browser never sends it to another server on
127.0.0.1: cookies ignore ports), a Host other than 127.0.0.1/localhost with our port is refused (DNS
rebinding), POSTs also carry the token in the form and a same-origin Origin,
uploads are bounded and written only below the private folder, and every answer has a strict
Content-Security-Policy with no inline script.
"""
from __future__ import annotations

import hmac
import io
import re
import secrets
import shutil
import threading
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Flask, Request, abort, g, redirect, render_template, request, send_file, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from cdht_excel import jobs
from cdht_excel.reading.read import LIMITS
from cdht_excel.rules import findings as F
from cdht_excel.text import ascii_fold, format_number, safe_filename
from cdht_excel.web import uploads

COOKIE = "cdht_token"
KEPT_JOBS = 30
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Job:
    id: str
    kind: str                        # 'merge', 'status', 'template', 'district'
    folder: Path
    title: str = ""
    data: dict = field(default_factory=dict)          # the report / status / district dict
    files: dict = field(default_factory=dict)         # key -> (path, download name, mimetype)
    uploaded: list = field(default_factory=list)      # names as sent
    notes: list = field(default_factory=list)         # upload findings (archives refused …)
    seconds: float = 0.0
    extra: Any = None                                 # the merge job (the dossier needs the assessment)
    assessing_body: str = ""                          # typed on the merge page, for the dossier
    lock: threading.Lock = field(default_factory=threading.Lock)
    succeeded: bool = False                           # it has a result page (set last, when all is there)
    finished: bool = False                            # its request has ended (a failed attempt: not succeeded)


class State:
    def __init__(self, workdir: Path, token: str, port: int, root: str):
        self.workdir, self.token, self.port, self.root = workdir, token, port, root
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def new_job(self, kind: str) -> Job:
        job_id = secrets.token_urlsafe(9)
        folder = self.workdir / "jobs" / job_id
        folder.mkdir(mode=0o700, parents=True)
        job = Job(job_id, kind, folder)
        g.job = job
        with self.lock:
            self.jobs[job_id] = job
            for old in self._over_the_limit():
                del self.jobs[old.id]
                shutil.rmtree(old.folder, ignore_errors=True)
        return job

    def _over_the_limit(self) -> list[Job]:
        """The jobs to forget beyond KEPT_JOBS: failed attempts first, then the oldest results; never one
        whose request is still running (its files are being written)."""
        extra = len(self.jobs) - KEPT_JOBS
        if extra <= 0:
            return []
        ended = [job for job in self.jobs.values() if job.finished]
        failed = [job for job in ended if not job.succeeded]
        return (failed + [job for job in ended if job.succeeded])[:extra]

    def succeeded(self, job: Job) -> str:
        job.succeeded = True
        return job.id

    def get(self, job_id: str, kind: str | None = None) -> Job:
        job = self.jobs.get(job_id)
        if job is None or not job.succeeded or (kind and job.kind != kind):
            abort(404)
        return job

    def latest(self, *kinds: str) -> Job | None:
        with self.lock:
            for job in reversed(list(self.jobs.values())):
                if job.kind in kinds and job.succeeded:
                    return job
        return None


class PrivateRequest(Request):
    """Uploads are spooled only inside the private folder, never in the system's temporary folder; small
    parts in memory, and no part keeps a file open (5,000 files in one upload, 1,024 descriptors)."""

    spool: Path | None = None
    _parts: list[uploads.SpooledPart]         # set by the first part of a request
    _memory_left: list[int]

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        assert self.spool is not None
        if not hasattr(self, "_parts"):
            self._parts = []
            self._memory_left = [uploads.PARTS_IN_MEMORY]
        part = uploads.SpooledPart(self.spool, self._memory_left)
        self._parts.append(part)
        return part

    def close(self) -> None:
        """Also the parts of a form whose parsing failed half-way (werkzeug knows only finished ones)."""
        try:
            super().close()
        finally:
            for part in getattr(self, "_parts", ()):
                part.close()


def new_root() -> str:
    """The random path a launch serves its pages under: '/k3Jx…'."""
    return "/" + secrets.token_urlsafe(12)


class UnderRoot:
    """WSGI: pass only requests below `root` to the app (as its SCRIPT_NAME, so every link it makes
    carries the root); `root` alone is sent on to `root/`, anything else is a 404 that names nothing."""

    def __init__(self, app, root: str):
        self.app, self.root = app, root.rstrip("/")

    def __call__(self, environ, start_response):
        from werkzeug.utils import redirect as plain_redirect
        from werkzeug.wrappers import Response
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if path == self.root:
            query = environ.get("QUERY_STRING", "")
            return plain_redirect(self.root + "/" + (f"?{query}" if query else ""), 308)(environ, start_response)
        if not path.startswith(self.root + "/"):
            response = Response(OUTSIDE_ROOT, 404, content_type="text/plain; charset=utf-8",
                                headers=SECURITY_HEADERS)
            return response(environ, start_response)
        environ["SCRIPT_NAME"], environ["PATH_INFO"] = self.root, path[len(self.root):]
        return self.app(environ, start_response)


OUTSIDE_ROOT = ("Không tìm thấy trang. Hãy mở đúng địa chỉ mà lệnh “cdht web” in ra khi khởi động "
                "(địa chỉ đó có cả mã truy cập của lần chạy này).\n")


def create_app(workdir: Path, token: str, port: int, root: str | None = None) -> Flask:
    """The page, answering below `root` (a new random path when None)."""
    workdir = Path(workdir)
    root = (root or new_root()).rstrip("/")
    for folder in (workdir, workdir / "jobs", workdir / "spool"):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
    spool = workdir / "spool"
    state = State(workdir, token, port, root)

    class AppRequest(PrivateRequest):
        pass
    AppRequest.spool = spool

    app = Flask(__name__)
    app.request_class = AppRequest
    app.config.update(MAX_CONTENT_LENGTH=uploads.total_limit() + (1 << 20),
                      MAX_FORM_PARTS=uploads.file_limit() + 50, MAX_FORM_MEMORY_SIZE=1 << 20)
    app.extensions["cdht"] = state
    app.jinja_env.filters.update(num=format_number, wrap_name=wrap_name, rubric_name=rubric_name)
    app.jinja_env.globals.update(SEVERITY_LABEL=F.SEVERITY_LABEL, limits=_limits_for_page(),
                                 too_many_text=_too_many_text, too_large_text=_too_large_text)
    app.before_request(_guard)
    app.after_request(_headers)
    app.teardown_request(_job_finished)
    app.register_error_handler(HTTPException, _error_page)
    _routes(app)
    app.wsgi_app = UnderRoot(app.wsgi_app, root)  # type: ignore[method-assign]
    return app


def wrap_name(text) -> Markup:
    """A file name that may break after its separators (a phone is narrower than "Phiếu_TC_2-7-11.xlsx")."""
    plain = text.unescape() if isinstance(text, Markup) else str(text)
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?<=[-_./\\;,])", plain))


def rubric_name(rubric_id) -> str:
    """"Thông tư 44/2014/TT-BGDĐT" for a built-in rubric's id; a province's own rubric keeps its id."""
    from cdht_excel.rules import rubric as R
    return R.display_name(rubric_id)


def state() -> State:
    from flask import current_app
    return current_app.extensions["cdht"]


# --------------------------------------------------------------------------- security

def allowed_hosts(port: int) -> set[str]:
    return {f"127.0.0.1:{port}", f"localhost:{port}"}


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


def _guard():
    s = state()
    if request.host not in allowed_hosts(s.port):
        abort(403, description="host")
    given = request.args.get("token")
    if given is not None and _same(given, s.token) and request.method == "GET":
        # first visit: the token moves from the address into a cookie and leaves the address bar; the
        # rest of the query is kept as it came (never as arguments of url_for: ?job_id=… would clash)
        kept = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
        target = url_for(request.endpoint, **(request.view_args or {})) if request.endpoint else url_for("home")
        response = redirect(target + (f"?{kept}" if kept else ""), code=303)
        response.set_cookie(COOKIE, s.token, httponly=True, samesite="Strict", path=s.root + "/")
        return response
    if not _same(request.cookies.get(COOKIE), s.token):
        abort(403, description="token")
    if request.method not in ("GET", "HEAD"):
        origin = request.headers.get("Origin")
        if origin is not None and origin not in {f"http://{h}" for h in allowed_hosts(s.port)}:
            abort(403, description="origin")
        if not _same(request.form.get("token"), s.token):
            abort(403, description="form")
    g.started = time.perf_counter()
    return None


def _headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    started = getattr(g, "started", None)
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={1000 * (time.perf_counter() - started):.1f}"
    return response


def _job_finished(exc) -> None:
    job = g.pop("job", None)
    if job is not None:
        job.finished = True


def _error_page(exc: HTTPException):
    code = exc.code or 500
    if isinstance(exc, RequestEntityTooLarge):
        return render_template("error.html", title="Tải lên quá lớn", findings=[_too_large_finding()]), 413
    reason = exc.description if code == 403 else ""
    titles = {403: "Không được phép truy cập", 404: "Không tìm thấy trang", 405: "Không hỗ trợ cách gửi này"}
    return render_template("error.html", title=titles.get(code, "Có lỗi"), reason=reason, code=code), code


def _too_large_finding() -> F.Finding:
    """Which limit a refused form met: the bytes of the whole body, or (the body being small enough) the
    parts werkzeug counts (too many files) or one text field over its memory limit."""
    from flask import current_app
    size = request.content_length or 0
    if size > current_app.config["MAX_CONTENT_LENGTH"]:
        return F.make("upload-too-large", size=_mb(size), limit=_mb(uploads.total_limit()))
    files = len(getattr(request, "_parts", ()))
    if files >= uploads.file_limit():
        return F.make("upload-too-many", count=f"hơn {uploads.file_limit()}", limit=uploads.file_limit())
    return F.make("upload-field-too-large", limit=_mb(current_app.config["MAX_FORM_MEMORY_SIZE"]))


def too_large_page(app: Flask, size: int) -> bytes:
    """The 413 page for a body the server refuses before the app sees it: the app's own page."""
    s: State = app.extensions["cdht"]
    with app.test_request_context("/", base_url=f"http://127.0.0.1:{s.port}{s.root}"):
        finding = F.make("upload-too-large", size=_mb(size), limit=_mb(uploads.total_limit()))
        return render_template("error.html", title="Tải lên quá lớn", findings=[finding]).encode("utf-8")


def _too_many_text() -> str:
    """The catalogue's message, with {count} left for the page's script to fill in before uploading."""
    return F.make("upload-too-many", count="{count}", limit=uploads.file_limit()).message


def _too_large_text() -> str:
    return F.make("upload-too-large", size="{size}", limit=_mb(uploads.total_limit())).message


def _limits_for_page() -> dict:
    return {"files": uploads.file_limit(), "total": uploads.total_limit(),
            "total_mb": _mb(uploads.total_limit()), "file_mb": _mb(LIMITS.max_bytes)}


def _mb(size: int) -> str:
    return format_number(round(size / 2**20, 1))


# --------------------------------------------------------------------------- pages

STEPS = [
    {"when": "Quý I", "quarters": ("I",), "title": "Lập kế hoạch, phân công tiêu chí",
     "text": "Hội Khuyến học, nhà trường lập kế hoạch, phân công tiêu chí cho các đơn vị (người phụ trách, cơ "
             "quan đánh giá); Chủ tịch UBND xã phê duyệt.", "page": "template", "link": "Lập kế hoạch",
     "done": "template"},
    {"when": "Quý I", "quarters": ("I",), "title": "Gửi phiếu cho các đơn vị",
     "text": "Tải mẫu phiếu (mỗi đơn vị một tệp) và gửi cho từng đơn vị điền bằng Excel.",
     "page": "template", "link": "Tạo mẫu phiếu", "done": "template"},
    {"when": "Quý II, III", "quarters": ("II", "III"), "title": "Họp giữa kỳ: xem tiến độ",
     "text": "Đơn vị gửi phiếu đang điền; xem mỗi đơn vị đã điền bao nhiêu, còn thiếu minh chứng gì.",
     "page": "merge", "link": "Xem tiến độ", "done": "status"},
    {"when": "Quý IV (tháng 12)", "quarters": ("IV",), "title": "Họp cuối kỳ: tổng hợp, xếp loại, lập hồ sơ",
     "text": "Tải lên mọi phiếu đã điền: tổng điểm, xếp loại, lỗi cần sửa, tệp tổng hợp và hồ sơ.",
     "page": "merge", "link": "Tổng hợp phiếu", "done": "merge"},
    {"when": "Cấp trên", "quarters": (), "title": "Huyện, tỉnh tổng hợp nhiều xã",
     "text": "Tải lên tệp tổng hợp của các xã (hoặc một tệp .zip các thư mục phiếu): số xã theo xếp loại.",
     "page": "district", "link": "Tổng hợp nhiều xã", "done": "district"},
]


def _routes(app: Flask) -> None:
    app.add_url_rule("/", "home", home)
    app.add_url_rule("/template", "template", template_page, methods=["GET", "POST"])
    app.add_url_rule("/template/<job_id>", "template_result", template_result)
    app.add_url_rule("/plan/<job_id>", "plan_edit", plan_edit, methods=["GET", "POST"])
    app.add_url_rule("/merge", "merge", merge_page, methods=["GET", "POST"])
    app.add_url_rule("/merge/<job_id>", "merge_result", merge_result)
    app.add_url_rule("/status/<job_id>", "status_result", status_result)
    app.add_url_rule("/district", "district", district_page, methods=["GET", "POST"])
    app.add_url_rule("/district/<job_id>", "district_result", district_result)
    app.add_url_rule("/jobs/<job_id>/<key>", "download", download)
    app.add_url_rule("/pdf/<job_id>", "make_pdf", make_pdf, methods=["POST"])


def home():
    s = state()
    quarter = ("I", "II", "III", "IV")[(date.today().month - 1) // 3]
    done = {"template": s.latest("template"), "status": s.latest("status"), "merge": s.latest("merge"),
            "district": s.latest("district")}
    return render_template("home.html", steps=STEPS, quarter=quarter, done=done, token=s.token)


# --- template

def template_page():
    from cdht_excel.rules import rubric as R
    s = state()
    rubrics = [(rid, R.load(rid).legal_basis) for rid in R.BUILTIN_IDS]
    if request.method == "GET":
        return render_template("template.html", rubrics=rubrics, kinds=_kinds(), token=s.token,
                               form={"year": date.today().year, "rubric": R.DEFAULT_RUBRIC}, findings=[])
    form = request.form
    editing = form.get("action") == "edit"
    job = s.new_job("plan" if editing else "template")
    try:
        the_plan, rubric = _plan_from_form(form, job)
        if editing:     # the plan is kept with this job; the editor page shows it
            job.extra, job.title = the_plan, f"{the_plan.commune_title} – năm {the_plan.year}"
            return redirect(url_for("plan_edit", job_id=s.succeeded(job)), code=303)
        _make_template(job, the_plan, rubric)
    except jobs.Failed as exc:
        return render_template("template.html", rubrics=rubrics, kinds=_kinds(), token=s.token, form=form,
                               findings=exc.findings), 400
    except _FormProblem as exc:
        return render_template("template.html", rubrics=rubrics, kinds=_kinds(), token=s.token, form=form,
                               problem=str(exc), findings=[]), 400
    return redirect(url_for("template_result", job_id=s.succeeded(job)), code=303)


def _make_template(job: Job, the_plan, rubric) -> None:
    """The template, one file per unit and the plan workbook of `the_plan`: what `cdht plan init` (edited)
    and `cdht template --plan … --split-dir …` write."""
    place, year = the_plan.commune_label, the_plan.year
    out = job.folder / "out"
    made = jobs.make_template(the_plan, rubric, out / file_name("Mẫu phiếu", place, year, ".xlsx"),
                              out / "phieu-don-vi")
    plan_file = out / file_name("Kế hoạch", place, year, ".xlsx")
    notes = jobs.write_plan(_plan_as_saved(the_plan), rubric, plan_file)
    archive = out / file_name("Phiếu các đơn vị", place, year, ".zip")
    _zip(made.split, archive)
    job.title = f"{the_plan.commune_title} – năm {the_plan.year}"
    job.data = {"commune": the_plan.commune_title, "year": the_plan.year, "rubric": rubric.legal_basis,
                "units": [{"name": u.name, "criteria": list(u.criteria), "contact": u.contact, "phone": u.phone,
                           "file": p.name} for u, p in zip(the_plan.units, made.split)]}
    job.notes = _unique(made.notes + notes)
    job.files = {"template": (made.template, made.template.name, XLSX),
                 "units": (archive, archive.name, "application/zip"),
                 "plan": (plan_file, plan_file.name, XLSX)}


def _plan_as_saved(the_plan):
    """A plan whose own rubric file was uploaded names that file only (it sits in the private folder): the
    plan workbook is kept beside the rubric file, as `cdht template --plan` reads it."""
    from dataclasses import replace

    from cdht_excel.rules import rubric as R
    if the_plan.rubric in R.BUILTIN_IDS:
        return the_plan
    return replace(the_plan, rubric=Path(the_plan.rubric).name)


def _unique(findings: list) -> list:
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --- the plan on the page (what `cdht plan init` and editing its workbook give)

EMPTY_UNIT_ROWS = 3


def plan_edit(job_id):
    """The plan editor: the commune's details, who does which criterion (with persons and contacts), the
    assessing body and the maxima; "Tạo mẫu phiếu" makes the template, the unit files and the plan workbook."""
    s = state()
    draft = s.get(job_id, "plan")
    rubric = jobs.load_rubric(draft.extra.rubric)
    if request.method == "GET":
        return _plan_editor(draft, rubric, draft.extra)
    form = request.form
    try:
        the_plan, problems = _plan_from_editor(form, draft.extra, rubric)
    except _FormProblem as exc:
        return _plan_editor(draft, rubric, None, problem=str(exc)), 400
    rows = _rows(form)
    if form.get("action") == "more":
        draft.extra = the_plan
        return _plan_editor(draft, rubric, the_plan, empty_rows=max(0, rows - len(the_plan.units)) + EMPTY_UNIT_ROWS)
    if problems:
        return _plan_editor(draft, rubric, the_plan, findings=problems), 400
    draft.extra = the_plan
    job = s.new_job("template")
    try:
        _make_template(job, the_plan, jobs.plan_rubric(the_plan))
    except jobs.Failed as exc:
        return _plan_editor(draft, rubric, the_plan, findings=exc.findings), 400
    return redirect(url_for("template_result", job_id=s.succeeded(job)), code=303)


def _plan_editor(draft: Job, rubric, the_plan, problem: str = "", findings=(), empty_rows: int = EMPTY_UNIT_ROWS):
    from cdht_excel.commune.plan_sheet import REPORT_BY_LABELS
    from cdht_excel.rules.schemes import scheme_of
    the_plan = the_plan or draft.extra
    return render_template("plan.html", job=draft, p=the_plan, rubric=rubric, kinds=_kinds(),
                           report_by=REPORT_BY_LABELS, scored=scheme_of(rubric).scored, token=state().token,
                           empty_rows=empty_rows, problem=problem, findings=list(findings),
                           owner={cid: u.name for u in the_plan.units for cid in u.criteria})


MAX_UNIT_ROWS = 200


def _rows(form) -> int:
    """The editor's number of unit rows, as sent (bounded: the form is not trusted)."""
    text = form.get("rows") or ""
    return min(int(text), MAX_UNIT_ROWS) if text.isdigit() else 0


def _plan_from_editor(form, before, rubric):
    """(plan, problems) from the editor's fields; criteria and maxima are read as the plan workbook's cells
    are (`plan_sheet`), and checked as `cdht template --plan` checks them."""
    from dataclasses import replace

    from cdht_excel.commune import plan as P
    from cdht_excel.commune.plan_sheet import split_criteria
    from cdht_excel.text import clean_text, parse_number
    year_text = clean_text(form.get("year"))
    if not year_text.isdigit():
        raise _FormProblem("Năm đánh giá cần là số, ví dụ 2024.")
    units = []
    for n in range(_rows(form)):
        name = clean_text(form.get(f"unit-{n}-name"))
        if name:
            units.append(P.Unit(name=name, sheet=clean_text(form.get(f"unit-{n}-sheet")),
                                criteria=split_criteria(form.get(f"unit-{n}-criteria")),
                                contact=clean_text(form.get(f"unit-{n}-contact")),
                                phone=clean_text(form.get(f"unit-{n}-phone"))))
    problems: list[F.Finding] = []
    maxima: dict[str, float] = {}
    for c in rubric.criteria:
        text = clean_text(form.get(f"max-{c.id}"))
        if not text:
            continue
        value = parse_number(text)
        if value is None or value < 0:
            problems.append(F.make("plan-bad-max", sheet="Điểm tối đa", value=text, criterion=c.id, total=100))
        else:
            maxima[c.id] = value
    kind = form.get("kind") if form.get("kind") in _kinds() else before.commune_kind
    the_plan = replace(before, commune=clean_text(form.get("commune")), commune_kind=kind, year=int(year_text),
                       district=clean_text(form.get("district")), province=clean_text(form.get("province")),
                       hard_area={"yes": True, "no": False}.get(form.get("hard_area") or ""),
                       chair=clean_text(form.get("chair")), promotion_chair=clean_text(form.get("promotion_chair")),
                       assessing_body=clean_text(form.get("assessing_body")),
                       report_by_ubnd=form.get("report_by") == P.REPORT_BY_UBND, units=tuple(units), maxima=maxima)
    if not problems:
        problems = [f for f in P.validate(the_plan, rubric) if f.severity == F.ERROR]
    return the_plan, problems


class _FormProblem(ValueError):
    pass


def _kinds():
    from cdht_excel.commune.plan import COMMUNE_KINDS
    return COMMUNE_KINDS


def _plan_from_form(form, job: Job):
    """(plan, rubric) from an uploaded plan, or from the fields typed. Only the built-in rubrics and files
    uploaded with this request are ever opened: a path typed or written in a plan is not followed."""
    from cdht_excel.rules import rubric as R
    plan_file = request.files.get("plan")
    if plan_file and plan_file.filename:
        return _uploaded_plan(plan_file, job)
    commune = (form.get("commune") or "").strip()
    year_text = (form.get("year") or "").strip()
    if not commune or not year_text.isdigit():
        raise _FormProblem("Cần nhập tên xã và năm đánh giá (ví dụ 2024), hoặc chọn tệp kế hoạch.")
    rubric_ref = form.get("rubric") or R.DEFAULT_RUBRIC
    if rubric_ref == "file":
        rubric_file = request.files.get("rubric_file")
        if not rubric_file or not rubric_file.filename:
            raise _FormProblem("Chọn tệp bộ tiêu chí riêng (.xlsx hoặc .json), hoặc chọn TT 44 / TT 25.")
        saved = uploads.save_uploads([rubric_file], job.folder / "rubric")
        rubric_ref = str(saved.inputs[0])
    elif rubric_ref not in R.BUILTIN_IDS:
        raise jobs.Failed([F.make("upload-rubric-not-offered", rubric=rubric_ref[:80],
                                  known=", ".join(R.BUILTIN_IDS))])
    kind = form.get("kind") if form.get("kind") in _kinds() else _kinds()[0]
    hard = {"yes": True, "no": False}.get(form.get("hard_area") or "")
    the_plan, rubric = jobs.plan_from_fields(commune, int(year_text), form.get("district", "").strip(),
                                             form.get("province", "").strip(), rubric_ref, kind, hard,
                                             assessing_body=form.get("assessing_body", "").strip())
    return the_plan, jobs.plan_rubric(the_plan)


def _uploaded_plan(plan_file, job: Job):
    """The plan, with its own rubric file if one was uploaded beside it (the plan names it by file name)."""
    from cdht_excel.commune.plan_sheet import read_plan
    from cdht_excel.rules import rubric as R
    folder = job.folder / "in"
    plan_path = uploads.save_uploads([plan_file], folder).inputs[0]
    rubric_file = request.files.get("rubric_file")
    if rubric_file and rubric_file.filename:
        uploads.save_uploads([rubric_file], folder)
    the_plan, problems = read_plan(plan_path)
    if the_plan is None or F.has_errors(problems):
        raise jobs.Failed(problems)
    if the_plan.rubric not in R.BUILTIN_IDS and not uploads.is_inside(Path(the_plan.rubric), folder):
        raise jobs.Failed([F.make("upload-plan-rubric-outside", file=plan_path.name,
                                  rubric=uploads.safe_parts(the_plan.rubric)[-1], known=", ".join(R.BUILTIN_IDS))])
    return the_plan, jobs.plan_rubric(the_plan, plan_path)


def template_result(job_id):
    job = state().get(job_id, "template")
    return render_template("template_result.html", job=job)


# --- merge and status

def merge_page():
    s = state()
    if request.method == "GET":
        return render_template("merge.html", token=s.token, findings=[])
    action = "status" if request.form.get("action") == "status" else "merge"
    files = request.files.getlist("files")
    refused = _refuse_count(files)
    if refused:
        return render_template("merge.html", token=s.token, findings=[refused]), 413
    job = s.new_job(action)
    job.data = {"assessing_body": (request.form.get("assessing_body") or "").strip(),
                "prefer_newer": bool(request.form.get("prefer_newer"))}
    saved = uploads.save_uploads(files, job.folder / "in")
    job.uploaded, job.notes = saved.names, saved.findings
    if not saved.inputs:
        return render_template("merge.html", token=s.token, findings=saved.findings,
                               problem="Chưa chọn tệp nào."), 400
    started = time.perf_counter()
    try:
        if action == "status":
            job.data = jobs.run_status(saved.inputs).data
        else:
            _run_merge(job, saved.inputs)
    except jobs.Failed as exc:
        return render_template("merge.html", token=s.token, findings=saved.findings + exc.findings,
                               problem="Không tổng hợp được."), 422
    job.seconds = time.perf_counter() - started
    job.title = f"{job.data['commune']} – năm {job.data['year']}"
    endpoint = "status_result" if action == "status" else "merge_result"
    return redirect(url_for(endpoint, job_id=s.succeeded(job)), code=303)


def _refuse_count(files) -> F.Finding | None:
    count = sum(1 for f in files if f and f.filename)
    if count > uploads.file_limit():
        return F.make("upload-too-many", count=count, limit=uploads.file_limit())
    return None


def _run_merge(job: Job, inputs) -> None:
    out = job.folder / "out"
    # the page always offers the dossier: what the plan lacks for it is reported, as `cdht merge --docs` does
    merged = jobs.run_merge(inputs, out / "tong-hop.xlsx", out / "tong-hop.json", with_docs=True,
                            assessing_body=job.data.get("assessing_body") or None,
                            prefer_newer=job.data.get("prefer_newer", False))
    report = merged.report
    base = file_name("Tổng hợp", _commune_of(report), report["year"])
    job.assessing_body = job.data.get("assessing_body", "")
    job.extra, job.data = merged, report
    job.files = {"summary": (merged.summary, f"{base}.xlsx", XLSX),
                 "json": (merged.json, f"{base}.json", "application/json")}
    job.data = report


def merge_result(job_id):
    job = state().get(job_id, "merge")
    from cdht_excel.commune.dossier import find_soffice
    from cdht_excel.rules.results import STATUS_LABEL
    report = job.data
    return render_template("merge_result.html", job=job, r=report, groups=_grouped(report),
                           unit_status=_unit_status_labels(), criterion_status=STATUS_LABEL,
                           has_pdf=find_soffice() is not None, token=state().token)


def status_result(job_id):
    job = state().get(job_id, "status")
    return render_template("status_result.html", job=job, d=job.data, unit_status=_unit_status_labels())


def _unit_status_labels() -> dict:
    from cdht_excel.outputs.terminal import UNIT_STATUS_LABEL
    return UNIT_STATUS_LABEL


def _grouped(report: dict) -> list[tuple[str, list[dict]]]:
    """Every finding, grouped by unit (in the plan's order), then by file, then the rest."""
    order = {u["name"]: n for n, u in enumerate(report["units"])}
    groups: dict[str, list[dict]] = {}
    for f in report["findings"]:       # all of them: the counts above the list count these
        if f.get("unit") and f["unit"] in order:
            key = f["unit"]
        elif f.get("file"):
            key = f"Tệp “{f['file']}”"
        else:
            key = "Chung"
        groups.setdefault(key, []).append(f)

    def rank(key):
        return (0, order[key]) if key in order else (2, 0) if key == "Chung" else (1, 0)
    return sorted(groups.items(), key=lambda kv: (rank(kv[0]), kv[0]))


def make_pdf(job_id):
    job = state().get(job_id, "merge")
    _dossier(job, pdf=True)
    return redirect(url_for("merge_result", job_id=job.id) + "#ho-so", code=303)


def _dossier(job: Job, pdf: bool = False) -> str:
    """The dossier's .zip (made once per job; with PDFs when asked and LibreOffice is there)."""
    key = "dossier-pdf" if pdf else "dossier"
    with job.lock:
        if key not in job.files:
            merged = job.extra
            docs = jobs.write_docs(merged.assessment, merged.report, job.folder / "out" / key, pdf=pdf,
                                   assessing_body=job.assessing_body or None)
            archive = job.folder / "out" / f"{key}.zip"
            _zip(docs.written + docs.pdfs, archive)
            report = merged.report
            name = file_name("Hồ sơ PDF" if pdf else "Hồ sơ", _commune_of(report), report["year"], ".zip")
            job.files[key] = (archive, name, "application/zip")
            if pdf and docs.pdf_message:
                job.data = {**job.data, "pdf_message": docs.pdf_message}
    return key


# --- district

SETTINGS_FIELDS = [     # the documents settings (`cdht district --docs-settings`), as the page asks for them
    ("authority", "Cơ quan có thẩm quyền công nhận", "Ủy ban nhân dân huyện Đồng Hỷ"),
    ("authority_head", "Người quyết định công nhận (chức danh)", "Chủ tịch Ủy ban nhân dân huyện Đồng Hỷ"),
    ("signer", "Họ tên người ký quyết định công nhận", ""),
    ("sign_title", "Chức danh ký quyết định", "CHỦ TỊCH"),
    ("authority_parent", "Cơ quan cấp trên của cơ quan công nhận (dòng trên tên cơ quan)", ""),
    ("proposer", "Cơ quan đề nghị công nhận", "Hội Khuyến học huyện Đồng Hỷ"),
    ("proposer_parent", "Cơ quan cấp trên của cơ quan đề nghị", ""),
    ("proposer_signer", "Người ký tờ trình đề nghị", ""),
    ("place", "Địa danh ghi ở dòng ngày tháng", "Đồng Hỷ"),
]


def _district_form(status: int = 200, **context):
    from cdht_excel.commune.dossier import find_soffice
    from cdht_excel.signing.verify import UNTRUSTED_NO_ROOTS
    page = render_template("district.html", token=state().token, settings_fields=SETTINGS_FIELDS,
                           has_pdf=find_soffice() is not None, untrusted=UNTRUSTED_NO_ROOTS,
                           **{"findings": [], **context})
    return page if status == 200 else (page, status)


def district_page():
    s = state()
    if request.method == "GET":
        return _district_form()
    files = request.files.getlist("files")
    refused = _refuse_count(files)
    if refused:
        return _district_form(413, findings=[refused])
    job = s.new_job("district")
    saved = uploads.save_uploads(files, job.folder / "in")
    job.uploaded, job.notes = saved.names, saved.findings
    if not saved.inputs:
        return _district_form(400, findings=saved.findings, problem="Chưa chọn tệp nào.")
    side = {key: _one_upload(key, job) for key in ("communes", "checked", "previous", "settings")}
    trust, refused_roots = _trust_upload(job)
    job.notes = job.notes + refused_roots
    out = job.folder / "out"
    started = time.perf_counter()
    typed = {key: (request.form.get(key) or "").strip() for key, _, _ in SETTINGS_FIELDS}
    try:
        expected = jobs.read_commune_list(side["communes"]) if side["communes"] else None
        # the fields over the uploaded settings file: one settings file, as `--docs-settings` takes it
        settings = jobs.write_docs_settings(out / "thiet-lap-ho-so.json", typed, side["settings"])
        # one process: forking a threaded server is not safe, and a district's summaries read in a second
        done = jobs.run_district(saved.inputs, out / "tong-hop-huyen.xlsx", out / "tong-hop-huyen.json",
                                 expected=expected, workers=1, checked_form=side["checked"],
                                 previous_path=side["previous"], check_form=out / "phieu-kiem-tra.xlsx",
                                 docs_dir=out / "ho-so", docs_settings=settings,
                                 authority=typed["authority"], signer=typed["signer"], trust=trust,
                                 pdf=bool(request.form.get("pdf")))
    except jobs.Failed as exc:
        return _district_form(422, findings=saved.findings + refused_roots + exc.findings,
                              problem="Không tổng hợp được.")
    job.seconds = time.perf_counter() - started
    data = done.data
    base = file_name("Tổng hợp các xã", f"{len(data['communes'])} xã", data["year"])
    archive = out / "ho-so.zip"
    _zip(done.docs + done.pdfs, archive)
    job.files = {"district": (done.output, f"{base}.xlsx", XLSX),
                 "district-json": (done.json, f"{base}.json", "application/json"),
                 "check-form": (done.form, file_name("Phiếu kiểm tra", "", data["year"], ".xlsx"), XLSX),
                 "district-docs": (archive, file_name("Hồ sơ công nhận", "", data["year"], ".zip"), "application/zip"),
                 "settings": (settings, file_name("Thiết lập hồ sơ", "", data["year"], ".json"), "application/json")}
    job.extra = {"form_counts": done.form_counts, "docs": [p.name for p in done.docs + done.pdfs],
                 "pdfs": len(done.pdfs), "pdf_message": done.pdf_message}
    job.data, job.title = data, f"{len(data['communes'])} xã – năm {data['year']}"
    return redirect(url_for("district_result", job_id=s.succeeded(job)), code=303)


def _trust_upload(job: Job) -> tuple[Path | None, list[F.Finding]]:
    """The province's trust roots, as chosen on the page (certificate files, or .zip archives of them): every
    certificate file gathered into one folder of the job (what `jobs.run_district` takes as `trust`), and a
    finding for each other file. None when no certificate file was given: no roots configured. Files that
    are not certificates inside are named by the district's own findings (`above.signed.trust_roots`)."""
    from cdht_excel.signing.verify import ROOT_SUFFIXES
    storages = [f for f in request.files.getlist("trust") if f and f.filename]
    if not storages:
        return None, []
    saved = uploads.save_uploads(storages, job.folder / "trust-in")
    problems = list(saved.findings)
    roots = job.folder / "trust"
    roots.mkdir(mode=0o700, exist_ok=True)
    for path in sorted(p for p in saved.folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        shown = path.relative_to(saved.folder).as_posix()
        if path.suffix.lower() in ROOT_SUFFIXES:
            path.replace(uploads.unique_path(roots, [path.name]))
        else:
            problems.append(F.make("trust-root-unreadable", file=shown,
                                   detail="không phải tệp chứng thư số (" + ", ".join(ROOT_SUFFIXES) + ")"))
    return (roots if any(roots.iterdir()) else None), problems


def _one_upload(key: str, job: Job) -> Path | None:
    """An optional single file of the district form, saved in its own folder."""
    storage = request.files.get(key)
    if not storage or not storage.filename:
        return None
    saved = uploads.save_uploads([storage], job.folder / key)
    return saved.inputs[0] if saved.inputs else None


def district_result(job_id):
    job = state().get(job_id, "district")
    data = job.data
    from cdht_excel.above.district import claimed_text
    from cdht_excel.above.previous import CHANGE_LABEL
    from cdht_excel.above.signatures import signatures_text
    from cdht_excel.signing.verify import UNTRUSTED_NO_ROOTS
    from cdht_excel.outputs.district_xlsx import RUBRIC_WIDE, district_labels
    from cdht_excel.rules.schemes import DEFAULT_SCHEME, scheme_named
    from cdht_excel.vietnamese import commune_label
    labels = dict(district_labels(data))
    # every finding of the district and of its communes, information too (the counts above count these);
    # only what is said once for the district is not repeated for each commune
    findings = list(data["findings"])
    for c in data["communes"]:
        named = commune_label(c["commune"], c.get("commune_kind"))      # as the district's own findings name it
        findings += [{**f, "commune": named} for f in c.get("findings", []) if f["code"] not in RUBRIC_WIDE]
    listed = {sev: sum(1 for f in findings if f["severity"] == sev) for sev in (F.ERROR, F.WARNING, F.INFO)}
    scheme = scheme_named(data.get("scheme") or DEFAULT_SCHEME)
    # each row shows the result that counts (null for a commune not counted; the check's after --checked),
    # what a commune not counted states only beside its status, labelled
    return render_template("district_result.html", job=job, d=data, labels=labels, bars=_bars(data["counts"], labels),
                           findings=findings, listed=listed, change_label=CHANGE_LABEL, claimed_text=claimed_text,
                           total_header=scheme.district_total_header, class_header=scheme.class_label,
                           scored=scheme.scored, signatures_text=signatures_text, untrusted=UNTRUSTED_NO_ROOTS)


def _bars(counts: dict, labels: dict) -> list[dict]:
    """One bar per class, in the order the district counts them (best first): label, number, and the
    bar's length as a share of the largest count (drawn in an SVG, no script, no inline style)."""
    peak = max(list(counts.values()) + [1])
    return [{"code": code, "label": labels.get(code, code), "value": value, "share": round(100 * value / peak, 1)}
            for code, value in counts.items()]


# --- downloads

def download(job_id, key):
    job = state().get(job_id)
    if key in ("dossier", "dossier-pdf") and job.kind == "merge":
        _dossier(job, pdf=key == "dossier-pdf")
    entry = job.files.get(key)
    if entry is None or entry[0] is None:
        abort(404)
    path, name, mimetype = entry
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Content-Disposition"] = attachment(name)
    return response


def file_name(what: str, place: str, year, ext: str = "") -> str:
    """A download's name as the documents name theirs: Vietnamese (NFC) with only what Windows forbids
    replaced, e.g. 'Tổng hợp - xã Đồng Thịnh - 2024.xlsx'."""
    return safe_filename(" - ".join(str(part) for part in (what, place, year) if part), max_length=120) + ext


def _commune_of(report: dict) -> str:
    from cdht_excel.vietnamese import commune_label
    return commune_label(report["commune"], report.get("commune_kind"))


def attachment(name: str) -> str:
    """Content-Disposition of a download (RFC 6266): an ASCII name for old clients, the real name in
    `filename*` (RFC 8187) for the others."""
    fallback = re.sub(r"[^A-Za-z0-9 ._()-]+", "-", ascii_fold(name)).strip(" -") or "tep"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _zip(paths, archive: Path) -> None:
    archive.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in paths:
            zf.write(path, Path(path).name)
    archive.write_bytes(buffer.getvalue())

"""A commune's returns: uploads kept as immutable versions, the current set, the merge, the outputs.

An upload is stored first (storage.py: synced before the database commits), then read in the guarded
reader (`cdht_excel.reading`, the limits and isolation of `cdht merge`), then recorded with its own
findings; the commune's current returns are merged with the code of `cdht merge` and the report kept.
A file of another commune, year or unit is kept as sent but not counted (its finding says why); a file
that cannot be read is a finding, never a failed request.

The current returns are keyed by what each file is, never by its name alone: an accepted return is
current unless a newer accepted one holds all of its units (a unit that sends again replaces its earlier
file, whatever its name; a partial overlap stays a conflict, as in `cdht merge`). A refused file never
displaces an accepted one: it stays a finding until a newer file comes through the same channel (the same
unit link, or an account) under the same name, or, through a unit link, a newer accepted return.
"""
from __future__ import annotations

import json
import pickle
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cdht_excel.rules import findings as F
from cdht_excel.service import admin, audit, db, signed
from cdht_excel.service.admin import KIND_WORDS, PROVINCE_WORDS, bare_name
from cdht_excel.service import states as S
from cdht_excel.service.accounts import SECRETARY, UNIT, Caller, commune_row, require
from cdht_excel.service.context import Refused, Service, not_found
from cdht_excel.service.states import OPEN_STATES, year_row
from cdht_excel.text import clean_text

MAX_FILES = 100                  # files in one request
MAX_BYTES = 200 << 20            # bytes of one request


# --------------------------------------------------------------------------- access

# --------------------------------------------------------------------------- reading

class BookCache:
    """Books read from stored files, by (sha256, name): a stored file never changes, so what was read of
    it holds (kept pickled: a merge may change the objects it is given). Per process, bounded in bytes
    (a unit's book is about 12 KB pickled; one hostile book may be megabytes and is then not kept)."""

    def __init__(self, max_bytes: int = 48 << 20, max_item: int = 4 << 20):
        self.max_bytes, self.max_item, self.size, self.lock = max_bytes, max_item, 0, threading.Lock()
        self.items: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    def get(self, key):
        with self.lock:
            data = self.items.get(key)
            if data is not None:
                self.items.move_to_end(key)
        return pickle.loads(data) if data is not None else None

    def put(self, key, book) -> None:
        data = pickle.dumps(book, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) > self.max_item:
            return
        with self.lock:
            old = self.items.pop(key, None)
            self.size += len(data) - (len(old) if old else 0)
            self.items[key] = data
            while self.size > self.max_bytes:
                _, dropped = self.items.popitem(last=False)
                self.size -= len(dropped)


BOOKS = BookCache()


def read_books(service: Service, files: list[tuple[str, str]]) -> list:
    """WorkbookRead for each (sha256, name), in order: the stored file shown to the reader under its name
    (a hard link in a private folder of DIR/tmp: the reader goes by the name's suffix)."""
    from cdht_excel.reading.book import Input
    from cdht_excel.reading.read import read_workbooks
    books: list = [BOOKS.get(key) for key in files]
    missing = [i for i, b in enumerate(books) if b is None]
    if not missing:
        return books
    view = Path(tempfile.mkdtemp(prefix="read-", dir=service.store.tmp))
    try:
        inputs = [Input(service.store.shown_as(files[i][0], files[i][1], view), files[i][1]) for i in missing]
        for i, book in zip(missing, read_workbooks(inputs)):
            BOOKS.put(files[i], book)
            books[i] = book
    finally:
        shutil.rmtree(view, ignore_errors=True)
    return books


def whose(book, commune: dict, year: int, province: str, link_unit: str | None,
          unit_names: dict[str, str] | None = None) -> list[F.Finding]:
    """Why a readable return is not this commune's, year's (or link's unit's): its stamp says so. Units are
    named as the plan names them (`unit_names`: id → name), by id only when the plan does not know them."""
    problems = []
    for sheet in book.units:
        stamped = sheet.stamp.get("commune") or ""
        if bare_name(stamped, KIND_WORDS) != bare_name(commune["name"], KIND_WORDS):
            problems.append(F.make("service-other-commune", file=book.display, found=stamped, commune=commune["name"]))
            break
        if str(sheet.stamp.get("year")) != str(year):
            problems.append(F.make("service-other-year", file=book.display, found=sheet.stamp.get("year"), year=year))
            break
    meta_province = (book.meta or {}).get("province") or ""
    if not problems and meta_province and province and \
            bare_name(meta_province, PROVINCE_WORDS) != bare_name(province, PROVINCE_WORDS):
        problems.append(F.make("service-other-province", file=book.display, found=meta_province, province=province))
    units = [s.unit_id for s in book.units]
    if not problems and link_unit and units and link_unit not in units:
        names = unit_names or {}
        problems.append(F.make("service-other-unit", file=book.display, unit=names.get(link_unit, link_unit),
                               found=", ".join(names.get(u, u) for u in units)))
    return problems


def plan_units(service: Service, commune: dict, settings: dict) -> list[dict]:
    """The plan's units (id as the template stamps it, name, criteria); empty if the plan cannot be made."""
    from cdht_excel import jobs
    try:
        plan, _ = jobs.plan_from_fields(commune["name"], int(settings["year"]), province=service.province()["name"],
                                        rubric_ref=admin.rubric_ref_path(service, settings), commune_kind=commune["kind"])
    except F.Failed:
        return []
    return [{"id": u.id, "name": u.name, "criteria": list(u.criteria)} for u in plan.units]


def unit_names(service: Service, commune: dict, settings: dict) -> dict[str, str]:
    """The plan's units, id → display name."""
    return {u["id"]: u["name"] for u in plan_units(service, commune, settings)}


# --------------------------------------------------------------------------- the current set

@dataclass
class Version:
    id: int
    sha256: str
    name: str
    units: frozenset[str]
    accepted: bool
    findings: list[dict] = field(default_factory=list)
    channel: str | None = None          # the unit link's unit it came through; None: an account's upload


def current(versions: Iterable[Version]) -> tuple[list[Version], list[Version]]:
    """(current accepted returns, refused files still shown), oldest first (see the module's docstring)."""
    ordered = sorted(versions, key=lambda v: v.id)
    accepted = [v for v in ordered if v.accepted]
    kept = [v for v in accepted if not any(w.id > v.id and v.units and v.units <= w.units for w in accepted)]
    latest: dict[tuple[str | None, str], Version] = {}
    for v in ordered:
        latest[(v.channel, v.name)] = v
    refused = [v for v in latest.values() if not v.accepted
               and not (v.channel is not None and any(w.id > v.id and w.channel == v.channel for w in accepted))]
    return kept, sorted(refused, key=lambda v: v.id)


def versions(conn: Connection, commune: str, year: int) -> list[Version]:
    rows = conn.execute(sa.select(db.uploads).where(db.uploads.c.commune == commune, db.uploads.c.year == year)
                        .order_by(db.uploads.c.id)).mappings()
    return [Version(r["id"], r["sha256"], r["name"], frozenset(u for u in r["unit"].split(",") if u), r["accepted"],
                    json.loads(r["findings"]), r["link_unit"]) for r in rows]


# --------------------------------------------------------------------------- upload

@dataclass
class Part:
    name: str
    chunks: Iterable[bytes]


def upload(service: Service, caller: Caller, code: str, year: int, parts: list[Part]) -> dict:
    """Store, read and record the files; merge the commune's current returns; {"files", "report"}."""
    if caller.role == UNIT:
        require(caller, "upload-own-unit")
        if caller.commune != code or caller.year != year:
            raise not_found("Không tìm thấy xã này.")
    else:
        require(caller, "upload")
    if not parts:
        raise Refused(400, "no-files", "Chưa chọn tệp nào để gửi (trường “files”).")
    if len(parts) > MAX_FILES:
        raise Refused(413, "too-many-files", f"Mỗi lần gửi tối đa {MAX_FILES} tệp.")
    with service.database.read() as conn:
        commune = commune_row(conn, caller, code)
        settings = admin.year_settings(conn, year)
        state = year_row(conn, code, year)["state"]
    if state not in OPEN_STATES:
        raise Refused(409, "frozen", "Hồ sơ năm này đã nộp: kết quả và hồ sơ giữ nguyên như đã gửi. "
                      "Chỉ gửi lại được khi tỉnh trả lại hồ sơ để sửa.")
    province = service.province()["name"]
    if caller.role != UNIT and any(signed.is_pdf(clean_text(part.name)) for part in parts):
        signed.require_library()
    stored = []
    for part in parts:
        name = clean_text(part.name) or "tep"
        stored.append((name, service.store.put_stream(part.chunks)))
    # a signed dossier (PDF) is the secretary's: kept with its verification (signed.py); a unit's link takes
    # workbooks only, so a PDF sent there is a refused return that the unit sees
    pdfs = [(n, s) for n, s in stored if signed.is_pdf(n) and caller.role != UNIT]
    stored = [(n, s) for n, s in stored if not (signed.is_pdf(n) and caller.role != UNIT)]
    signed_rows = signed.store_pdfs(service, caller, code, year, pdfs) if pdfs else []
    books = read_books(service, [(s.sha256, name) for name, s in stored if not signed.is_pdf(name)])
    names = unit_names(service, commune, settings) if caller.unit else {}
    rows: list[dict[str, Any]] = []
    for name, s in stored:
        if signed.is_pdf(name):
            own, units, accepted = [F.make("service-unit-pdf", file=name)], "", False
        else:
            book = books.pop(0)
            problems = whose(book, commune, year, province, caller.unit, names) if book.units else []
            own = [f for f in book.findings] + problems
            units, accepted = ",".join(sorted({u.unit_id for u in book.units})), bool(book.units) and not problems
        rows.append({"sha256": s.sha256, "size": s.size, "name": name, "unit": units, "accepted": accepted,
                     "findings": [f.to_dict() for f in sorted(own, key=F.sort_key)]})
    with service.database.write() as conn:
        state = year_row(conn, code, year, create=True)["state"]
        if state not in OPEN_STATES:          # submitted meanwhile: nothing recorded (the files are orphans)
            raise Refused(409, "frozen", "Hồ sơ năm này vừa được nộp: không nhận thêm tệp.")
        at = db.now()
        for row in rows:
            admin.file_row(conn, row["sha256"], row["size"])
            row["id"] = conn.execute(db.uploads.insert().values(
                commune=code, year=year, sha256=row["sha256"], name=row["name"], unit=row["unit"], link_unit=caller.unit,
                by=caller.login, at=at, accepted=row["accepted"], findings=json.dumps(row["findings"], ensure_ascii=False)
            )).inserted_primary_key[0]
            row["uploaded_at"], row["by"] = at, caller.login
            audit.append(conn, caller.login, "upload", code, year, address=caller.address,
                         detail={"name": row["name"], "sha256": row["sha256"], "unit": row["unit"],
                                 "accepted": row["accepted"]})
    files = [{"kind": "return", **{k: r[k] for k in ("name", "sha256", "unit", "accepted", "findings", "uploaded_at", "by")}}
             for r in rows]
    if caller.role == UNIT:                   # a unit sees its own files, nothing of the others
        merge_current(service, commune, year, settings, caller)
        return {"files": files}
    if rows or not signed_rows:
        report = merge_current(service, commune, year, settings, caller)
    else:                                     # only signed dossiers: the returns' merge is as it was
        with service.database.read() as conn:
            kept = year_row(conn, code, year).get("report")
        report = json.loads(kept) if kept else failed_report([])
    return {"files": files + signed_rows, "report": report}


# --------------------------------------------------------------------------- merge

def assess_current(service: Service, commune: str, year: int, conn: Connection | None = None):
    """(assessment or None, findings of files not counted, the versions merged, last upload id)."""
    from cdht_excel.commune.assess import assess_books
    if conn is None:
        with service.database.read() as c:
            all_versions = versions(c, commune, year)
    else:
        all_versions = versions(conn, commune, year)
    kept, rejected = current(all_versions)
    extra = [F.Finding(**{k: f.get(k) for k in F.FINDING_FIELDS}) for v in rejected for f in v.findings]
    last = max((v.id for v in all_versions), default=0)
    if not kept:
        return None, extra, kept, last
    books = read_books(service, [(v.sha256, v.name) for v in kept])
    try:
        return assess_books(books, extra=extra), extra, kept, last
    except F.Failed as exc:
        return None, list(exc.findings), kept, last


def failed_report(findings: list[F.Finding]) -> dict:
    from cdht_excel import __version__
    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in (F.ERROR, F.WARNING, F.INFO)}
    return {"schema": "cdht-report/1", "generator": f"cdht-excel {__version__}", "complete": False, "result": None,
            "counts": counts, "findings": [f.to_dict() for f in sorted(findings, key=F.sort_key)]}


def report_of(assessment, findings, settings: dict) -> dict:
    from cdht_excel.commune.dossier import plan_findings
    from cdht_excel.commune.report import report_dict
    if assessment is None:
        return failed_report(findings)
    # what the plan lacks for the dossier, said once however many outputs are made from this assessment
    missing = plan_findings(assessment.plan, assessment.rubric, settings.get("authority") or None)
    assessment.findings.extend(f for f in missing if f not in assessment.findings)
    return report_dict(assessment)


def merge_current(service: Service, commune: dict, year: int, settings: dict, caller: Caller, tries: int = 5) -> dict:
    """Merge the current returns and keep the report, unless a newer upload arrived meanwhile (then again:
    the report kept is always that of every return recorded before it)."""
    report: dict = {}
    for _ in range(tries):
        assessment, findings, kept, last = assess_current(service, commune["code"], year)
        report = report_of(assessment, findings, settings)
        with service.database.write() as conn:
            now_last = conn.execute(sa.select(sa.func.max(db.uploads.c.id)).where(
                db.uploads.c.commune == commune["code"], db.uploads.c.year == year)).scalar() or 0
            row = year_row(conn, commune["code"], year, create=True)
            if now_last != last or row["state"] not in OPEN_STATES:
                continue
            cls = report.get("classification") or {}
            conn.execute(db.commune_years.update().where(db.commune_years.c.commune == commune["code"],
                                                         db.commune_years.c.year == year).values(
                report=json.dumps(report, ensure_ascii=False), total=report.get("total"),
                classification=cls.get("code"), classification_label=cls.get("label"), merged_at=db.now(),
                updated_at=db.now()))
            audit.append(conn, caller.login, "merge", commune["code"], year, address=caller.address,
                         detail={"files": [v.sha256 for v in kept], "total": report.get("total"),
                                 "classification": cls.get("code"), "errors": report["counts"]["error"]})
        return report
    return report


# --------------------------------------------------------------------------- reading back

def list_files(service: Service, caller: Caller, code: str, year: int, with_signed: bool = True) -> list[dict]:
    """Every stored version of the commune's returns, then (unless `with_signed` is False) its signed dossiers."""
    with service.database.read() as conn:
        commune_row(conn, caller, code)
        rows = conn.execute(sa.select(db.uploads).where(db.uploads.c.commune == code, db.uploads.c.year == year)
                            .order_by(db.uploads.c.id)).mappings().all()
    if caller.role == UNIT:
        rows = [r for r in rows if r["link_unit"] == caller.unit and caller.year == year]
    out = [{"kind": "return", "name": r["name"], "sha256": r["sha256"], "unit": r["unit"], "uploaded_at": r["at"],
            "by": r["by"], "link_unit": r["link_unit"], "accepted": r["accepted"], "findings": json.loads(r["findings"])}
           for r in rows]
    if with_signed and caller.role != UNIT:   # the signed dossiers too (signed.py), with what their check found
        out += [{"kind": "signed", "name": d["name"], "sha256": d["sha256"], "unit": "", "uploaded_at": d["uploaded_at"],
                 "by": d["by"], "link_unit": None, "accepted": d["carries_result"], "findings": d["check"]["findings"],
                 "signatures": d["check"]["signatures"]} for d in signed.dossiers(service, code, year)]
    return out


def file_bytes(service: Service, caller: Caller, code: str, year: int, sha256: str) -> tuple[str, Path]:
    """(name, path) of a stored return of this commune and year (404 for anything else)."""
    with service.database.read() as conn:
        commune_row(conn, caller, code)
        query = sa.select(db.uploads.c.name).where(db.uploads.c.commune == code, db.uploads.c.year == year,
                                                   db.uploads.c.sha256 == sha256)
        if caller.role == UNIT:
            query = query.where(db.uploads.c.link_unit == caller.unit)
        row = conn.execute(query.order_by(db.uploads.c.id.desc())).first()
        if row is None and caller.role != UNIT:
            row = conn.execute(sa.select(db.signed_dossiers.c.name).where(
                db.signed_dossiers.c.commune == code, db.signed_dossiers.c.year == year,
                db.signed_dossiers.c.sha256 == sha256).order_by(db.signed_dossiers.c.id.desc())).first()
    if row is None:
        raise not_found("Không có tệp này.")
    return row.name, service.store.path(sha256)


def report(service: Service, caller: Caller, code: str, year: int) -> dict:
    require(caller, "read-all") if caller.role != SECRETARY else require(caller, "read-own")
    with service.database.read() as conn:
        commune_row(conn, caller, code)
        row = year_row(conn, code, year)
    if not row.get("report"):
        raise not_found("Chưa có kết quả tổng hợp: chưa có phiếu nào được gửi.")
    return json.loads(row["report"])


def outputs(service: Service, caller: Caller, code: str, year: int, kind: str) -> tuple[bytes, str]:
    """The summary workbook ('summary') or the dossier ('dossier', a .zip): as sent once submitted, else made
    now from the current returns. (bytes, download name)"""
    from cdht_excel.text import safe_filename
    if caller.role == SECRETARY:
        require(caller, "read-own")
    else:
        require(caller, "download")
    with service.database.read() as conn:
        commune = commune_row(conn, caller, code)
        row = year_row(conn, code, year)
        settings = admin.year_settings(conn, year)
    base = safe_filename(f"{commune['name']} {year}")
    frozen = {"summary": row.get("summary_sha256"), "dossier": row.get("dossier_sha256")}.get(kind)
    name = {"summary": f"Tong hop {base}.xlsx", "dossier": f"Ho so {base}.zip"}.get(kind, f"Ho so PDF {base}.zip")
    if frozen:
        return service.store.read(frozen), name
    assessment, findings, _, _ = assess_current(service, code, year)
    if assessment is None:
        raise Refused(409, "no-result", "Chưa tổng hợp được: chưa có phiếu đơn vị nào đọc được.")
    return make_output(service, assessment, findings, settings, kind), name


def make_output(service: Service, assessment, findings, settings: dict, kind: str) -> bytes:
    from cdht_excel import jobs
    work = Path(tempfile.mkdtemp(prefix="out-", dir=service.store.tmp))
    try:
        report = report_of(assessment, findings, settings)
        if kind == "summary":
            job = jobs.merge_outputs(assessment, work / "tong-hop.xlsx")
            return job.summary.read_bytes()
        pdf = kind == "dossier-pdf"
        # the báo cáo / tờ trình PDF carries the summary workbook and its result, so the signature covers them
        summary = jobs.merge_outputs(assessment, work / "tong-hop.xlsx", with_docs=True,
                                     assessing_body=settings.get("authority") or None).summary if pdf else None
        docs = jobs.write_docs(assessment, report, work / "ho-so", assessing_body=settings.get("authority") or None,
                               pdf=pdf, summary=summary)
        if pdf and not docs.pdfs:          # no LibreOffice on the server, or the conversion failed
            raise Refused(409, "no-pdf", "Máy chủ chưa lập được hồ sơ PDF (cần LibreOffice trên máy chủ): "
                          f"{docs.pdf_message or 'không rõ lý do'}. Báo quản trị của tỉnh.")
        return _zip(docs.pdfs if pdf else docs.written)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _zip(paths: list[Path]) -> bytes:
    import io
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, path.name)
    return buffer.getvalue()


# --------------------------------------------------------------------------- unit links, templates

def add_unit_link(service: Service, caller: Caller, code: str, year: int, unit: str) -> str:
    require(caller, "links")
    unit = clean_text(unit)
    if not unit or len(unit) > 100:
        raise Refused(400, "bad-unit", "Cần mã đơn vị (như trong mẫu phiếu), tối đa 100 ký tự.")
    from cdht_excel.service import security
    token = security.new_token()
    with service.database.write() as conn:
        commune_row(conn, caller, code)
        admin.year_settings(conn, year)
        conn.execute(db.unit_links.insert().values(token_hash=security.token_hash(token), commune=code, year=year,
                                                   unit=unit, created_by=caller.login, created_at=db.now()))
        audit.append(conn, caller.login, "unit-link-add", code, year, detail={"unit": unit}, address=caller.address)
    return token


def revoke_unit_links(service: Service, caller: Caller, code: str, year: int, unit: str) -> int:
    require(caller, "links")
    with service.database.write() as conn:
        commune_row(conn, caller, code)
        done = conn.execute(db.unit_links.update().where(
            db.unit_links.c.commune == code, db.unit_links.c.year == year, db.unit_links.c.unit == clean_text(unit),
            db.unit_links.c.revoked_at.is_(None)).values(revoked_at=db.now())).rowcount
        if not done:
            raise not_found("Không có liên kết nào đang dùng của đơn vị này.")
        audit.append(conn, caller.login, "unit-link-revoke", code, year, detail={"unit": unit, "count": done},
                     address=caller.address)
    return done


def template(service: Service, caller: Caller, code: str, year: int) -> tuple[bytes, str]:
    """The commune's template for the year (`cdht template` with the commune, province and rubric)."""
    from cdht_excel import jobs
    from cdht_excel.text import safe_filename
    if caller.role == SECRETARY:
        require(caller, "read-own")
    else:
        require(caller, "download")
    with service.database.read() as conn:
        commune = commune_row(conn, caller, code)
        settings = admin.year_settings(conn, year)
    province = service.province()["name"]
    try:
        plan, rubric = jobs.plan_from_fields(commune["name"], year, province=province,
                                             rubric_ref=admin.rubric_ref_path(service, settings),
                                             commune_kind=commune["kind"], assessing_body=settings.get("authority") or "")
        work = Path(tempfile.mkdtemp(prefix="tpl-", dir=service.store.tmp))
        try:
            job = jobs.make_template(plan, rubric, work / "mau.xlsx")
            data = job.template.read_bytes()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except F.Failed as exc:
        raise Refused(409, "no-template", " ".join(f.message for f in exc.findings)) from None
    return data, f"Mau phieu {safe_filename(commune['name'])} {year}.xlsx"


# --------------------------------------------------------------------------- submit

def submit(service: Service, caller: Caller, code: str, year: int) -> dict:
    """Freeze the result and the dossier as they are now (stored files), and mark late if after the deadline."""
    with service.database.read() as conn:
        settings = admin.year_settings(conn, year)
        row = S.begin(service, conn, caller, code, year, S.MOVES["submit"], writing=False)
    assessment, findings, kept, last = assess_current(service, code, year)
    if assessment is None:
        raise Refused(409, "no-result", "Chưa thể nộp: chưa có phiếu đơn vị nào đọc được.")
    report = report_of(assessment, findings, settings)
    summary = service.store.put_bytes(make_output(service, assessment, findings, settings, "summary"))
    dossier = service.store.put_bytes(make_output(service, assessment, findings, settings, "dossier"))
    report_text = json.dumps(report, ensure_ascii=False)
    report_file = service.store.put_bytes(report_text.encode("utf-8"))
    dossier_signed = signed.current(signed.dossiers(service, code, year))     # the signed PDF sent with it, if any
    with service.database.write() as conn:
        row = S.begin(service, conn, caller, code, year, S.MOVES["submit"])
        newest = conn.execute(sa.select(sa.func.max(db.uploads.c.id)).where(
            db.uploads.c.commune == code, db.uploads.c.year == year)).scalar() or 0
        if newest != last:
            raise Refused(409, "changed", "Vừa có phiếu mới gửi đến: hãy xem lại kết quả rồi nộp lại.")
        for stored in (summary, dossier, report_file):
            admin.file_row(conn, stored.sha256, stored.size)
        at = db.now()
        late = S.is_late(at, settings.get("deadline"))
        cls = report.get("classification") or {}
        return S.record(conn, caller, row, S.STATE_SUBMITTED,
                       {"late": late, "total": report.get("total"), "classification": cls.get("code"),
                        "files": [v.sha256 for v in kept], "report_sha256": report_file.sha256,
                        "summary_sha256": summary.sha256, "dossier_sha256": dossier.sha256,   # as sent, kept after a return
                        "signed_sha256": dossier_signed["sha256"] if dossier_signed else None},
                       {"late": late, "submitted_at": at, "report": report_text, "report_sha256": report_file.sha256,
                        "summary_sha256": summary.sha256, "dossier_sha256": dossier.sha256, "total": report.get("total"),
                        "classification": cls.get("code"), "classification_label": cls.get("label")})

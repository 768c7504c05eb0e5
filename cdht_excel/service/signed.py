"""Signed dossiers at the province: the PDFs a commune sends (its báo cáo / tờ trình made by the tool, signed on
the secretary's PC with the token), each verified like `cdht verify` against the trust roots the province
configured, and the result it carries compared with the result the service computed from the commune's returns.

A signed PDF is stored as sent (an immutable version, like a return) with what its verification found. The
check depends on the trust roots, so it is kept with the roots' fingerprint and made again when they change.
Verification reads an untrusted file: it runs in the guarded reader process (cdht_excel.reading.guard).

Which result counts (see `province.district_result`): the commune's returns merged by the service, as in
`cdht district` where unit workbooks outrank any summary; a signed dossier that says otherwise is an error
naming both (`signed-differs-from-returns`), so the province returns the dossier rather than guesses. A commune
with no returns on the service but a signed dossier is counted from the dossier, like `cdht district` counts it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cdht_excel.rules import findings as F
from cdht_excel.service import admin, audit, db
from cdht_excel.service.accounts import Caller, commune_row
from cdht_excel.service.context import Refused, Service
from cdht_excel.service.storage import Stored

PDF_SUFFIX = ".pdf"


def is_pdf(name: str) -> bool:
    return name.lower().endswith(PDF_SUFFIX)


def require_library() -> None:
    """Signed dossiers need the extra `[sign]` on the server: said before anything is stored."""
    from cdht_excel.above.signed import verifier_available
    if not verifier_available():
        raise Refused(409, "no-sign-library", "Máy chủ chưa cài thư viện kiểm tra chữ ký số (gói pyhanko) nên chưa nhận "
                      "được hồ sơ PDF đã ký. Báo quản trị của tỉnh cài thêm: pip install \"cdht-excel[sign]\".")


# --------------------------------------------------------------------------- trust roots

def _certificates(data: bytes) -> list:
    """The certificates in a file's bytes: PEM (one or several) or DER; [] when it holds none."""
    from asn1crypto import pem, x509
    try:
        if pem.detect(data):
            return [x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                    if kind == "CERTIFICATE"]
        cert = x509.Certificate.load(data)
        _ = cert.native        # parse it all now: a non-certificate fails here, not later
        return [cert]
    except (ValueError, TypeError, KeyError):
        return []


def add_roots(service: Service, files: list[tuple[str, bytes]], by: str, address: str = "") -> list[dict]:
    """Add the certificates of each (name, bytes) as trust roots; a file with none is refused by name."""
    found = []
    for name, data in files:
        certs = _certificates(data)
        if not certs:
            raise Refused(400, "bad-certificate", f"Tệp “{name}” không phải chứng thư số (.pem, .crt, .cer, .der) "
                          "của cơ quan cấp: hãy lấy tệp chứng thư gốc của tổ chức cung cấp dịch vụ chứng thực.")
        found += certs
    added = []
    with service.database.write() as conn:
        for cert in found:
            der = cert.dump()
            sha = hashlib.sha256(der).hexdigest()
            row = {"sha256": sha, "subject": cert.subject.human_friendly, "der": base64.b64encode(der).decode(),
                   "not_after": cert.not_valid_after.strftime("%Y-%m-%d"), "added_by": by, "added_at": db.now()}
            existing = conn.execute(sa.select(db.trust_roots.c.removed_at).where(db.trust_roots.c.sha256 == sha)).first()
            if existing is None:
                conn.execute(db.trust_roots.insert().values(**row))
            elif existing.removed_at is not None:
                conn.execute(db.trust_roots.update().where(db.trust_roots.c.sha256 == sha).values(removed_at=None))
            else:
                continue
            audit.append(conn, by, "trust-add", detail={"sha256": sha, "subject": row["subject"]}, address=address)
            added.append({k: row[k] for k in ("sha256", "subject", "not_after")})
    return added


def remove_root(service: Service, sha256: str, by: str, address: str = "") -> dict:
    with service.database.write() as conn:
        row = conn.execute(sa.select(db.trust_roots).where(db.trust_roots.c.sha256 == sha256.lower(),
                                                           db.trust_roots.c.removed_at.is_(None))).mappings().first()
        if row is None:
            raise Refused(404, "not-found", "Không có chứng thư gốc đang dùng với mã này (xem “cdht service trust list”).")
        conn.execute(db.trust_roots.update().where(db.trust_roots.c.sha256 == row["sha256"]).values(removed_at=db.now()))
        audit.append(conn, by, "trust-remove", detail={"sha256": row["sha256"], "subject": row["subject"]},
                     address=address)
    return {"sha256": row["sha256"], "subject": row["subject"]}


def list_roots(conn: Connection) -> list[dict]:
    rows = conn.execute(sa.select(db.trust_roots).where(db.trust_roots.c.removed_at.is_(None))
                        .order_by(db.trust_roots.c.added_at)).mappings()
    return [{k: r[k] for k in ("sha256", "subject", "not_after", "added_by", "added_at")} for r in rows]


def roots_in_use(conn: Connection) -> tuple[list[bytes] | None, str]:
    """(the roots' DER bytes, or None when the province configured none; their fingerprint)."""
    rows = conn.execute(sa.select(db.trust_roots.c.sha256, db.trust_roots.c.der)
                        .where(db.trust_roots.c.removed_at.is_(None)).order_by(db.trust_roots.c.sha256)).all()
    if not rows:
        return None, ""
    return [base64.b64decode(r.der) for r in rows], hashlib.sha256(",".join(r.sha256 for r in rows).encode()).hexdigest()


# --------------------------------------------------------------------------- one PDF's check

def check_pdf(path: str, name: str, roots_der: list[bytes] | None) -> dict:
    """What `cdht verify` finds in one PDF, as plain data (run in the guarded reader process)."""
    from asn1crypto import x509

    from cdht_excel.above.signatures import signature_facts
    from cdht_excel.above.signed import probe_signed
    from cdht_excel.reading.book import Input
    roots = None if roots_der is None else [x509.Certificate.load(d) for d in roots_der]
    result = probe_signed(Input(Path(path), name), roots, explicit=True, need_result=False)
    check = result.get("check")
    findings = result.get("problems", result.get("findings", []))
    report = result.get("full_report")
    return {"kind": result["kind"], "readable": bool(check is not None and check.readable),
            "problem": check.problem if check is not None else "",
            "signatures": signature_facts(check, name),
            "report": report, "findings": [f.to_dict() for f in sorted(findings, key=F.sort_key)]}


def check_pdf_safely(path: str, name: str, roots_der: list[bytes] | None) -> dict:
    """check_pdf; whatever a hostile file makes the PDF library raise is a finding of that file."""
    try:
        return check_pdf(path, name, roots_der)
    except Exception as exc:       # noqa: BLE001 - an untrusted file: any failure is "cannot be read"
        return _unreadable(name, type(exc).__name__)


def _checked(service: Service, files: list[tuple[str, str]], roots_der: list[bytes] | None) -> list[dict]:
    """check_pdf for each stored (sha256, name), in the guarded reader; a crash is a finding of that file."""
    from cdht_excel.reading.guard import Crash, Guard
    view = Path(tempfile.mkdtemp(prefix="pdf-", dir=service.store.tmp))
    try:
        args = [(str(service.store.shown_as(sha, name, view)), name, roots_der) for sha, name in files]
        out = []
        with Guard() as guard:
            for (_, name), reply in zip(files, guard.map(check_pdf_safely, args)):
                out.append(reply if not isinstance(reply, Crash) else _unreadable(name, reply.detail))
        return out
    finally:
        shutil.rmtree(view, ignore_errors=True)


def _unreadable(name: str, detail: str) -> dict:
    finding = F.make("signed-no-result", file=name, detail=f"không đọc được tệp PDF ({detail})")
    return {"kind": "bad", "readable": False, "problem": detail, "signatures": [], "report": None,
            "findings": [finding.to_dict()]}


# --------------------------------------------------------------------------- upload, reading back

def store_pdfs(service: Service, caller: Caller, code: str, year: int, stored: list[tuple[str, Stored]]) -> list[dict]:
    """Record the stored PDFs (name, Stored) of a commune's year with what their verification finds; the rows
    as the upload's answer lists them."""
    with service.database.read() as conn:
        roots_der, fingerprint = roots_in_use(conn)
        commune = conn.execute(sa.select(db.communes).where(db.communes.c.code == code)).mappings().one()
    checks = _checked(service, [(s.sha256, name) for name, s in stored], roots_der)
    province = service.province()["name"]
    for (name, _), check in zip(stored, checks):
        problems = not_this_communes(check["report"], name, commune, year, province)
        if problems:            # kept as sent, its result not taken for this commune
            check["report"], check["kind"] = None, "bad"
            check["findings"] = [f.to_dict() for f in problems] + check["findings"]
    rows = []
    with service.database.write() as conn:
        at = db.now()
        for (name, s), check in zip(stored, checks):
            admin.file_row(conn, s.sha256, s.size)
            carries = check["report"] is not None
            conn.execute(db.signed_dossiers.insert().values(
                commune=code, year=year, sha256=s.sha256, name=name, by=caller.login, at=at, carries_result=carries,
                check_json=json.dumps(check, ensure_ascii=False), roots=fingerprint))
            audit.append(conn, caller.login, "signed-upload", code, year, address=caller.address,
                         detail={"name": name, "sha256": s.sha256, "signatures": len(check["signatures"]),
                                 "valid": all(x["ok"] for x in check["signatures"]) and bool(check["signatures"]),
                                 "carries_result": carries})
            rows.append({"name": name, "sha256": s.sha256, "unit": "", "kind": "signed", "accepted": carries,
                         "findings": check["findings"], "signatures": check["signatures"], "uploaded_at": at,
                         "by": caller.login})
    return rows


def not_this_communes(report: dict | None, name: str, commune, year: int, province: str) -> list[F.Finding]:
    """Why a carried result is not this commune's, year's or province's (as for a return's stamp)."""
    from cdht_excel.service.admin import KIND_WORDS, PROVINCE_WORDS, bare_name
    if not report:
        return []
    if bare_name(str(report.get("commune") or ""), KIND_WORDS) != bare_name(commune["name"], KIND_WORDS):
        found, expected = f"xã {report.get('commune') or '(không ghi)'}", f"xã {commune['name']}"
    elif str(report.get("year")) != str(year):
        found, expected = f"năm {report.get('year')}", f"năm {year}"
    elif report.get("province") and province and \
            bare_name(str(report["province"]), PROVINCE_WORDS) != bare_name(province, PROVINCE_WORDS):
        found, expected = str(report["province"]), province
    else:
        return []
    return [F.make("signed-other-commune", file=name, found=found, expected=expected)]
    return []


def dossiers(service: Service, code: str, year: int) -> list[dict]:
    """Every signed PDF of a commune's year, oldest first, each checked against the roots in use now."""
    with service.database.read() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(db.signed_dossiers).where(
            db.signed_dossiers.c.commune == code, db.signed_dossiers.c.year == year)
            .order_by(db.signed_dossiers.c.id)).mappings()]
        roots_der, fingerprint = roots_in_use(conn)
    return _fresh(service, rows, roots_der, fingerprint)


def _fresh(service: Service, rows: list[dict], roots_der, fingerprint: str) -> list[dict]:
    """The rows with their check as `check`, made again (and kept) where the trust roots changed since."""
    stale = [r for r in rows if r["roots"] != fingerprint]
    if stale:
        checks = _checked(service, [(r["sha256"], r["name"]) for r in stale], roots_der)
        with service.database.write() as conn:
            for row, check in zip(stale, checks):
                row["check_json"], row["roots"] = json.dumps(check, ensure_ascii=False), fingerprint
                conn.execute(db.signed_dossiers.update().where(db.signed_dossiers.c.id == row["id"]).values(
                    check_json=row["check_json"], roots=fingerprint))
    return [{"id": r["id"], "name": r["name"], "sha256": r["sha256"], "by": r["by"], "uploaded_at": r["at"],
             "carries_result": r["carries_result"], "check": json.loads(r["check_json"])} for r in rows]


def current(rows: list[dict]) -> dict | None:
    """The signed dossier that stands for the commune: the newest one that carries a result."""
    carrying = [r for r in rows if r["carries_result"]]
    return carrying[-1] if carrying else None


def for_year(service: Service, year: int, codes: list[str] | None = None) -> dict[str, dict]:
    """The current signed dossier of every commune of the year that sent one (of `codes` only, if given):
    {commune code: row}."""
    with service.database.read() as conn:
        newest = (sa.select(sa.func.max(db.signed_dossiers.c.id)).where(
            db.signed_dossiers.c.year == year, db.signed_dossiers.c.carries_result)
            .group_by(db.signed_dossiers.c.commune))
        if codes is not None:
            newest = newest.where(db.signed_dossiers.c.commune.in_(codes))
        rows = [dict(r) for r in conn.execute(sa.select(db.signed_dossiers).where(db.signed_dossiers.c.id.in_(newest))
                                              .order_by(db.signed_dossiers.c.commune)).mappings()]
        roots_der, fingerprint = roots_in_use(conn)
    return {r["commune"]: r for r in zip_rows(rows, _fresh(service, rows, roots_der, fingerprint))}


STATUS_LABELS = {"hop-le": "Hợp lệ", "chua-xac-minh": "Chưa xác minh cơ quan cấp", "co-quan-la": "Cơ quan cấp lạ",
                 "khong-hop-le": "Chữ ký không hợp lệ", "chua-ky": "Chưa ký số"}


def status_of(check: dict) -> str:
    """One word for a signed dossier's signatures, as the province's list shows it (STATUS_LABELS)."""
    signatures = check.get("signatures") or []
    if not signatures:
        return "chua-ky"
    if any(not s["intact"] or s["changed_after_signing"] for s in signatures):
        return "khong-hop-le"
    if any(s["trusted"] is False for s in signatures):
        return "co-quan-la"
    if any(s["trusted"] is None for s in signatures):
        return "chua-xac-minh"
    return "hop-le"


def zip_rows(rows: list[dict], fresh: list[dict]) -> list[dict]:
    return [{**f, "commune": r["commune"]} for r, f in zip(rows, fresh)]


def differs(signed_report: dict, merged: dict) -> bool:
    """The signed dossier's result is not the one the returns give (rubric, total, class, completeness,
    each criterion)."""
    from cdht_excel.above.district import _signature
    try:
        return _signature(signed_report) != _signature(merged)
    except (KeyError, TypeError):
        return True


def difference(commune: str, row: dict, merged: dict) -> F.Finding:
    from cdht_excel.above.district import _short
    return F.make("signed-differs-from-returns", file=row["name"], commune=commune, signed=row["name"],
                  signed_value=_short(row["check"]["report"]), returns_value=_short(merged))


def view(service: Service, caller: Caller, code: str, year: int, merged: dict | None) -> dict:
    """What the commune's page and API show of its signed dossiers: each with its signatures and findings, the
    current one, and whether its result differs from the merge of the returns (`merged`, a cdht-report/1)."""
    with service.database.read() as conn:
        commune = commune_row(conn, caller, code)
        roots = list_roots(conn)
    rows = dossiers(service, code, year)
    chosen = current(rows)
    findings = []
    if chosen is not None and merged and merged.get("criteria") is not None and \
            differs(chosen["check"]["report"], merged):
        findings.append(difference(commune["name"], chosen, merged).to_dict())
    return {"files": rows, "current": chosen["sha256"] if chosen else None, "findings": findings,
            "trust_roots": len(roots), "no_roots_note": None if roots else
            "Tỉnh chưa cấu hình chứng thư gốc của cơ quan cấp: chữ ký chỉ xác định được là hợp lệ về kỹ thuật, "
            "chưa xác minh được cơ quan cấp."}


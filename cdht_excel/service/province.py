"""What the province sees: the communes of a year with their state and result (the grid), the summary
(counts by class or level and by state, reporting rate, late communes, the TT 25 ≥ 90 % indicator) and
the province table, all with the code of `cdht district` over each commune's report, which the service
recomputed from the commune's own returns (a summary workbook is never trusted)."""
from __future__ import annotations

import json
import shutil
import tempfile
import threading
from pathlib import Path

import sqlalchemy as sa

from cdht_excel.service import admin, db, signed
from cdht_excel.service.accounts import SECRETARY, UNIT, Caller, require
from cdht_excel.service.context import Refused, Service
from cdht_excel.service.states import STATE_COLLECTING, STATE_LABELS, STATES


class Cache:
    """What the province's views computed, per process, kept while the service's data stay the same: every
    change is written to the audit log in the same transaction, so the chain's length (audit_head) names
    the state of the data; another process's change is seen at the next request."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items: dict[tuple, tuple[int, object]] = {}

    def get(self, conn, key: tuple, make):
        version = conn.execute(sa.select(db.audit_head.c.count)).scalar() or 0
        with self.lock:
            hit = self.items.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = make()
        with self.lock:
            self.items[key] = (version, value)
        return value


CACHE = Cache()


def communes(service: Service, caller: Caller, year: int) -> list[dict]:
    """The communes the caller may see, with `code, name, kind, state, late, total, classification,
    submitted_at` (and `reason` once returned)."""
    if caller.role == UNIT:
        raise Refused(403, "forbidden", "Liên kết của đơn vị chỉ dùng để gửi phiếu.")
    if caller.role == SECRETARY:
        return _communes(service, caller, year)
    require(caller, "read-all")
    with service.database.read() as conn:
        rows = CACHE.get(conn, ("communes", service.database.url, year), lambda: _communes(service, caller, year))
    return [dict(r) for r in rows]          # the caller's own rows: the cached ones stay as they were made


def _communes(service: Service, caller: Caller, year: int) -> list[dict]:
    query = (sa.select(db.communes.c.code, db.communes.c.name, db.communes.c.kind, db.commune_years.c.state,
                       db.commune_years.c.late, db.commune_years.c.total, db.commune_years.c.classification,
                       db.commune_years.c.classification_label, db.commune_years.c.submitted_at,
                       db.commune_years.c.reason, db.commune_years.c.updated_at)
             .select_from(db.communes.outerjoin(db.commune_years, sa.and_(db.commune_years.c.commune == db.communes.c.code,
                                                                          db.commune_years.c.year == year)))
             .order_by(db.communes.c.code))
    if caller.role == SECRETARY:
        query = query.where(db.communes.c.code == caller.commune)
    else:
        require(caller, "read-all")
    with service.database.read() as conn:
        rows = conn.execute(query).mappings().all()
    out = []
    for r in rows:
        state = r["state"] or STATE_COLLECTING
        entry = {"code": r["code"], "name": r["name"], "kind": r["kind"], "state": state,
                 "state_label": STATE_LABELS[state], "late": bool(r["late"]), "total": r["total"],
                 "classification": r["classification"], "classification_label": r["classification_label"],
                 "submitted_at": r["submitted_at"], "updated_at": r["updated_at"]}
        if r["reason"]:
            entry["reason"] = r["reason"]
        out.append(entry)
    return out


def district_result(service: Service, year: int):
    """The `cdht district` result of the communes' stored reports (every commune with a merge) and of the
    signed dossiers (service.signed): a commune's returns count; its signed dossier is checked against them
    (a difference is an error naming both) and counts alone only for a commune with no returns here."""
    from cdht_excel.above import district as D
    from cdht_excel.rules import findings as F
    dossiers = signed.for_year(service, year)
    merged: dict[str, dict] = {}            # commune code -> the small row its signed dossier is compared with
    with service.database.read() as conn:
        communes = {r.code: r.name for r in conn.execute(sa.select(db.communes.c.code, db.communes.c.name)
                                                         .where(db.communes.c.active).order_by(db.communes.c.code))}
        names = {r.code: r.name for r in conn.execute(sa.select(db.communes.c.code, db.communes.c.name))}
        rows = conn.execution_options(yield_per=100).execute(
            sa.select(db.communes.c.code, db.communes.c.name, db.commune_years.c.report)
            .join(db.commune_years, db.commune_years.c.commune == db.communes.c.code)
            .where(db.commune_years.c.year == year, db.commune_years.c.report.is_not(None))
            .order_by(db.communes.c.code))

        def reports():            # one at a time: only each commune's small row stays (see district.compact)
            for code, name, text in rows:
                report = json.loads(text)
                if report.get("criteria") is not None:
                    if code in dossiers:
                        merged[code] = {k: report.get(k) for k in ("rubric_hash", "total", "classification",
                                                                   "complete", "criteria")}
                    yield name, report
        result = D.from_reports(reports(), expected=list(communes.values()),
                                signed=_signed_only(dossiers, merged, names))
    # each row shows the signatures of its commune's signed dossier; a row's source is the commune's name for
    # its returns, "name: file" for a signed dossier alone (see `_signed_only`)
    by_source = {}
    for code, row in dossiers.items():
        by_source[names.get(code, code)] = by_source[f"{names.get(code, code)}: {row['name']}"] = code
    for commune in result.communes:
        code = by_source.get(commune.sources[0] if commune.sources else "")
        if code is not None:
            commune.signatures = dossiers[code]["check"]["signatures"]
    for code, row in dossiers.items():
        if code not in merged:
            continue
        check = row["check"]
        result.findings.extend(F.Finding(**{k: f.get(k) for k in F.FINDING_FIELDS}) for f in check["findings"])
        if signed.differs(check["report"], merged[code]):
            result.findings.append(signed.difference(names.get(code, code), row, merged[code]))
    return result if result.communes else None


def _signed_only(dossiers: dict, merged: dict, names: dict):
    """The signed dossiers of communes with no returns here, as `district.from_reports` takes them (read after
    the returns: `merged` is filled while they are read)."""
    from cdht_excel.rules import findings as F
    for code, row in dossiers.items():
        if code in merged:
            continue
        check = row["check"]
        problems = [F.Finding(**{k: f.get(k) for k in F.FINDING_FIELDS}) for f in check["findings"]]
        yield f"{names.get(code, code)}: {row['name']}", check["report"], check["kind"], problems


def summary(service: Service, caller: Caller, year: int) -> dict:
    require(caller, "read-all")
    with service.database.read() as conn:
        data = CACHE.get(conn, ("summary", service.database.url, year), lambda: _summary(service, year))
    import copy
    return copy.deepcopy(data)


def _summary(service: Service, year: int) -> dict:
    from cdht_excel.above import district as D
    with service.database.read() as conn:
        settings = admin.year_settings(conn, year)
        rows = conn.execute(sa.select(db.communes.c.code, db.communes.c.name, db.commune_years.c.state,
                                      db.commune_years.c.late, db.commune_years.c.submitted_at)
                            .select_from(db.communes.outerjoin(db.commune_years, sa.and_(
                                db.commune_years.c.commune == db.communes.c.code, db.commune_years.c.year == year)))
                            .where(db.communes.c.active)).all()
    by_state = {state: 0 for state in STATES}
    late = []
    for r in rows:
        by_state[r.state or STATE_COLLECTING] += 1
        if r.late:
            late.append({"code": r.code, "name": r.name, "submitted_at": r.submitted_at})
    total = len(rows)
    sent = total - by_state[STATE_COLLECTING]
    result = district_result(service, year)
    data = D.district_dict(result) if result is not None else None
    return {"year": year, "province": service.province()["name"], "communes": total,
            "by_state": by_state, "reported": sent, "reporting_rate": round(sent / total, 4) if total else None,
            "deadline": settings.get("deadline"), "late": late,
            "by_class": data["counts"] if data else {}, "classes": data["classes"] if data else [],
            "indicator": data["indicator"] if data else None,
            "missing_settings": admin.missing_settings(settings),
            "authority": settings.get("authority") or None, "signer": settings.get("signer") or None}


def district_xlsx(service: Service, caller: Caller, year: int) -> bytes:
    require(caller, "read-all")                 # the whole province: not a secretary's
    require(caller, "download")
    from cdht_excel.above import district as D
    from cdht_excel.outputs.district_xlsx import write_district_workbook
    result = district_result(service, year)
    if result is None:
        raise Refused(409, "no-result", "Chưa có xã nào có kết quả tổng hợp cho năm này.")
    data = D.district_dict(result)
    work = Path(tempfile.mkdtemp(prefix="tinh-", dir=service.store.tmp))
    try:
        from cdht_excel import jobs
        target = work / "tinh.xlsx"
        jobs.write_output(lambda p: write_district_workbook(data, D.district_table(data), p), target)
        return target.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- the check form, the province's dossier

def check_form(service: Service, caller: Caller, year: int) -> bytes:
    """The check form of `cdht district --check-form` for the communes with a result."""
    require(caller, "check")
    from cdht_excel import jobs
    from cdht_excel.above.check_form import write_form_for
    result = district_result(service, year)
    if result is None:
        raise Refused(409, "no-result", "Chưa có xã nào có kết quả tổng hợp cho năm này.")
    work = Path(tempfile.mkdtemp(prefix="phieu-kt-", dir=service.store.tmp))
    try:
        target = work / "phieu-kiem-tra.xlsx"
        jobs.write_output(lambda p: write_form_for(result, p), target)
        return target.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def use_checked_form(service: Service, caller: Caller, year: int, name: str, chunks) -> dict:
    """The filled check form (`cdht district --checked`): each commune it checks gets its check entered
    (state da-kiem-tra) if its dossier was submitted; the others are listed with their state."""
    require(caller, "check")
    from cdht_excel.above import check as K
    from cdht_excel.service import audit, states
    from cdht_excel.vietnamese import name_key
    stored = service.store.put_stream(chunks)
    result = district_result(service, year)
    if result is None:
        raise Refused(409, "no-result", "Chưa có xã nào có kết quả tổng hợp cho năm này.")
    work = Path(tempfile.mkdtemp(prefix="phieu-kt-", dir=service.store.tmp))
    try:
        from cdht_excel.web.uploads import safe_parts
        path = work / safe_parts(name)[-1]
        path.hardlink_to(service.store.path(stored.sha256))
        K.use_form(result, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with service.database.write() as conn:
        admin.file_row(conn, stored.sha256, stored.size)
        audit.append(conn, caller.login, "check-form", year=year, address=caller.address,
                     detail={"name": name, "sha256": stored.sha256})
        codes = {name_key(r.name): r.code for r in conn.execute(sa.select(db.communes.c.code, db.communes.c.name))}
    entered, skipped = [], []
    for commune in result.communes:
        check = commune.check or {}
        code = codes.get(name_key(commune.report["commune"]))
        if code is None or check.get("status") != K.CHECKED:
            continue
        criteria = {str(row["id"]): row["check"] for row in check.get("criteria") or [] if row.get("check") is not None}
        try:
            states.check(service, caller, code, year, criteria)
            entered.append(code)
        except Refused as exc:
            skipped.append({"code": code, "reason": exc.message})
    return {"entered": entered, "skipped": skipped, "check": result.check,
            "findings": [f.to_dict() for f in result.findings if f.code.startswith("check-")]}


def docs_zip(service: Service, caller: Caller, year: int) -> bytes:
    """The province's own dossier (`cdht district --docs`), with the year's recognising body and signer as
    entered (a missing one stays missing in the documents)."""
    require(caller, "read-all")                 # the whole province: not a secretary's
    require(caller, "download")
    import io
    import zipfile

    from cdht_excel import jobs
    with service.database.read() as conn:
        settings = admin.year_settings(conn, year)
    result = district_result(service, year)
    if result is None:
        raise Refused(409, "no-result", "Chưa có xã nào có kết quả tổng hợp cho năm này.")
    work = Path(tempfile.mkdtemp(prefix="ho-so-tinh-", dir=service.store.tmp))
    try:
        docs_settings = jobs.docs_settings_of(None, settings.get("authority") or "", settings.get("signer") or "")
        paths = jobs.district_docs(result, work / "ho-so", docs_settings)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for p in paths:
                archive.write(p, p.name)
        return buffer.getvalue()
    finally:
        shutil.rmtree(work, ignore_errors=True)

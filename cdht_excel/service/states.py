"""A commune's year as states (SERVICE.md §2, contract) and who may move it.

chua-nop → da-nop (submit: the result and dossier frozen as sent; late if after the year's deadline)
→ tra-lai (returned with a reason; the secretary may change and submit again) → da-kiem-tra (the
province's check entered) → da-cong-nhan / khong-cong-nhan (decision number and date). A state is left
only by a later transition, each one recorded with who, when and why, and written to the audit log.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cdht_excel.service import admin, audit, db
from cdht_excel.service.accounts import Caller, commune_row, require
from cdht_excel.service.context import Refused, Service
from cdht_excel.text import clean_text

STATE_COLLECTING, STATE_SUBMITTED, STATE_RETURNED = "chua-nop", "da-nop", "tra-lai"
STATE_CHECKED, STATE_RECOGNISED, STATE_NOT_RECOGNISED = "da-kiem-tra", "da-cong-nhan", "khong-cong-nhan"
STATES = (STATE_COLLECTING, STATE_SUBMITTED, STATE_RETURNED, STATE_CHECKED, STATE_RECOGNISED, STATE_NOT_RECOGNISED)
STATE_LABELS = {STATE_COLLECTING: "Chưa nộp", STATE_SUBMITTED: "Đã nộp", STATE_RETURNED: "Trả lại để sửa",
                STATE_CHECKED: "Đã kiểm tra", STATE_RECOGNISED: "Đã công nhận", STATE_NOT_RECOGNISED: "Không công nhận"}
OPEN_STATES = (STATE_COLLECTING, STATE_RETURNED)      # the secretary may upload and change
DEADLINE_ZONE = timezone(timedelta(hours=7))           # a deadline day ends at midnight, Vietnam's time


def year_row(conn: Connection, commune: str, year: int, create: bool = False) -> dict:
    """The commune's year (state, result); a year never touched is 'chua-nop' with no result.

    `create` (in a write transaction): the row is made if missing and locked until the transaction ends
    (PostgreSQL: FOR UPDATE; SQLite's write transaction locks the whole database), so that two moves of
    the same commune's year never both start from the same state."""
    fresh = {"commune": commune, "year": year, "state": STATE_COLLECTING, "late": False, "updated_at": db.now()}
    query = sa.select(db.commune_years).where(db.commune_years.c.commune == commune, db.commune_years.c.year == year)
    if create:
        db.insert_missing(conn, db.commune_years, fresh)
        return dict(conn.execute(query.with_for_update()).mappings().one())
    row = conn.execute(query).mappings().first()
    if row is not None:
        return dict(row)
    return {c.name: None for c in db.commune_years.columns} | fresh


@dataclass(frozen=True)
class Move:
    action: str
    permission: str
    sources: tuple[str, ...]


MOVES = {
    "submit": Move("submit", "submit", (STATE_COLLECTING, STATE_RETURNED)),
    "return": Move("return", "return", (STATE_SUBMITTED, STATE_CHECKED, STATE_RECOGNISED, STATE_NOT_RECOGNISED)),
    "check": Move("check", "check", (STATE_SUBMITTED, STATE_CHECKED)),
    "recognise": Move("recognise", "recognise", (STATE_CHECKED, STATE_RECOGNISED, STATE_NOT_RECOGNISED)),
}


def is_late(submitted_at: str, deadline: str | None) -> bool:
    if not deadline:
        return False
    local_day = db.parse_time(submitted_at).astimezone(DEADLINE_ZONE).date()
    return local_day > date.fromisoformat(deadline)


def begin(service: Service, conn, caller: Caller, code: str, year: int, move: Move, writing: bool = True) -> dict:
    """The commune's year if `move` may start from its state (`writing`: in a write transaction, the row
    made and locked; else only looked at, as a check before the slow part of a move)."""
    require(caller, move.permission)
    commune = commune_row(conn, caller, code)
    admin.year_settings(conn, year)
    row = year_row(conn, code, year, create=writing)
    if row["state"] not in move.sources:
        raise Refused(409, "wrong-state", f"Hồ sơ đang ở trạng thái “{STATE_LABELS[row['state']]}”: không thể làm việc này "
                      f"(chỉ được khi: {', '.join(STATE_LABELS[s] for s in move.sources)}).")
    row["commune_name"] = commune["name"]
    return row


def record(conn, caller: Caller, row: dict, to_state: str, detail: dict, values: dict | None = None) -> dict:
    at = db.now()
    conn.execute(db.commune_years.update().where(db.commune_years.c.commune == row["commune"],
                                                 db.commune_years.c.year == row["year"])
                 .values(state=to_state, updated_at=at, **(values or {})))
    conn.execute(db.transitions.insert().values(commune=row["commune"], year=row["year"], from_state=row["state"],
                                                to_state=to_state, by=caller.login, at=at,
                                                detail=json.dumps(detail, ensure_ascii=False)))
    audit.append(conn, caller.login, f"state-{to_state}", row["commune"], row["year"], address=caller.address,
                 detail={"from": row["state"], "to": to_state, **detail})
    return {"state": to_state, "from": row["state"], "at": at, **detail}


def return_for_correction(service: Service, caller: Caller, code: str, year: int, reason: str) -> dict:
    reason = clean_text(reason)
    if not reason:
        raise Refused(400, "reason-required", "Cần ghi lý do trả lại để xã biết phải sửa gì.")
    with service.database.write() as conn:
        row = begin(service, conn, caller, code, year, MOVES["return"])
        # unfrozen: the secretary changes and submits again (the versions sent stay stored, as sent)
        return record(conn, caller, row, STATE_RETURNED, {"reason": reason},
                       {"reason": reason, "summary_sha256": None, "dossier_sha256": None})


def check(service: Service, caller: Caller, code: str, year: int, criteria: dict) -> dict:
    if not isinstance(criteria, dict) or not criteria:
        raise Refused(400, "bad-check", "Cần kết quả kiểm tra theo tiêu chí: {\"criteria\": {\"1\": 8, …}}.")
    clean = {}
    for key, value in criteria.items():
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            raise Refused(400, "bad-check", f"Kết quả của tiêu chí “{key}” không hợp lệ (số điểm hoặc kết quả).")
        clean[clean_text(key)] = clean_text(value) if isinstance(value, str) else value
    with service.database.write() as conn:
        row = begin(service, conn, caller, code, year, MOVES["check"])
        known = {str(c.get("id")) for c in json.loads(row["report"] or "{}").get("criteria") or []}
        unknown = sorted(set(clean) - known) if known else []
        if unknown:
            raise Refused(400, "bad-check", f"Không có tiêu chí: {', '.join(unknown)} trong kết quả của xã.")
        conn.execute(db.checks.insert().values(commune=code, year=year, criteria=json.dumps(clean, ensure_ascii=False),
                                               by=caller.login, at=db.now()))
        return record(conn, caller, row, STATE_CHECKED, {"criteria": clean})


RESULTS = {"da-cong-nhan": STATE_RECOGNISED, "cong-nhan": STATE_RECOGNISED,
           "khong-cong-nhan": STATE_NOT_RECOGNISED}


def recognise(service: Service, caller: Caller, code: str, year: int, decision_no: str, decision_date: str,
              result: str) -> dict:
    decision_no = clean_text(decision_no)
    if not decision_no:
        raise Refused(400, "bad-decision", "Cần số quyết định.")
    try:
        day = datetime.strptime(str(decision_date), "%Y-%m-%d").date()
    except ValueError:
        raise Refused(400, "bad-decision", "Ngày quyết định ghi theo dạng NNNN-TT-NN, ví dụ 2027-03-15.") from None
    to_state = RESULTS.get(str(result))
    if to_state is None:
        raise Refused(400, "bad-decision", "Kết quả là “da-cong-nhan” hoặc “khong-cong-nhan”.")
    with service.database.write() as conn:
        row = begin(service, conn, caller, code, year, MOVES["recognise"])
        conn.execute(db.decisions.insert().values(commune=code, year=year, decision_no=decision_no,
                                                  decision_date=day.isoformat(), result=to_state, by=caller.login,
                                                  at=db.now()))
        return record(conn, caller, row, to_state, {"decision_no": decision_no, "decision_date": day.isoformat()})


def history(conn, code: str, year: int) -> list[dict]:
    rows = conn.execute(sa.select(db.transitions).where(db.transitions.c.commune == code, db.transitions.c.year == year)
                        .order_by(db.transitions.c.id)).mappings()
    return [{"from": r["from_state"], "to": r["to_state"], "by": r["by"], "at": r["at"],
             "detail": json.loads(r["detail"])} for r in rows]

"""The audit log: append-only and hash-chained.

Each entry's `hash` is sha256(prev + canonical entry), `prev` the hash of the entry before (64 zeros for
the first); the canonical entry is the JSON of its fields (sorted keys, no spaces, UTF-8). `audit_head`
keeps the chain's length and last hash, written in the same transaction, so that removing the last
entries is seen as well as editing or removing one in the middle. Appends are serialised (SQLite: the
write transaction's lock; PostgreSQL: an advisory lock), so the chain never forks.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cdht_excel.service import db

GENESIS = "0" * 64
AUDIT_LOCK = 72011
FIELDS = ("at", "user", "action", "commune", "year", "detail", "address")


def canonical(entry: dict[str, Any]) -> str:
    return json.dumps({k: entry.get(k) for k in FIELDS}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(prev: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256((prev + canonical(entry)).encode("utf-8")).hexdigest()


def detail_text(detail: dict | None) -> str:
    return json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def append(conn: Connection, user: str, action: str, commune: str | None = None, year: int | None = None,
           detail: dict | None = None, address: str = "") -> dict:
    """Add one entry in the caller's (write) transaction; it is kept only if that transaction commits."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    head = conn.execute(sa.select(db.audit_head.c.count, db.audit_head.c.hash).where(db.audit_head.c.id == 1)).first()
    count, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    entry = {"at": db.now(), "user": user, "action": action, "commune": commune,
             "year": int(year) if year is not None else None, "detail": detail_text(detail), "address": address or ""}
    entry["prev"] = prev
    entry["hash"] = chain_hash(prev, entry)
    conn.execute(db.audit.insert().values(**entry))
    if head:
        conn.execute(db.audit_head.update().where(db.audit_head.c.id == 1).values(count=count + 1, hash=entry["hash"]))
    else:
        conn.execute(db.audit_head.insert().values(id=1, count=1, hash=entry["hash"]))
    return entry


def entries(conn: Connection, since: str | None = None, limit: int | None = None) -> list[dict]:
    query = sa.select(db.audit).order_by(db.audit.c.id)
    if since:
        query = query.where(db.audit.c.at >= since)
    if limit:
        query = query.limit(limit)
    out = []
    for row in conn.execute(query).mappings():
        entry = dict(row)
        entry["detail"] = json.loads(entry["detail"])
        out.append(entry)
    return out


@dataclass
class Verdict:
    count: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(conn: Connection) -> Verdict:
    """Walk the chain from the first entry: every hash recomputed, every link and the head checked."""
    problems: list[str] = []
    prev, count = GENESIS, 0
    for row in conn.execute(sa.select(db.audit).order_by(db.audit.c.id)).mappings():
        count += 1
        entry = dict(row)
        if entry["prev"] != prev:
            problems.append(f"mục số {entry['id']} ({entry['action']}, {entry['at']}): không nối với mục trước "
                            "(một mục đã bị xóa hoặc sửa)")
        if chain_hash(entry["prev"], entry) != entry["hash"]:
            problems.append(f"mục số {entry['id']} ({entry['action']}, {entry['at']}): nội dung đã bị sửa "
                            "(mã băm không khớp)")
        prev = entry["hash"]
    head = conn.execute(sa.select(db.audit_head.c.count, db.audit_head.c.hash)).first()
    if head is None and count:
        problems.append("thiếu dấu cuối của nhật ký")
    elif head is not None and (head.count != count or head.hash != prev):
        problems.append(f"nhật ký có {count} mục, dấu cuối ghi {head.count} mục: các mục cuối đã bị xóa hoặc sửa")
    return Verdict(count, problems)

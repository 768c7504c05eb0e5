"""Secrets: passwords (argon2id, memory-hard), random tokens stored only as their SHA-256 (API tokens,
session ids, unit links), and the slow-down of repeated failed logins, kept in the database so that every
server process sees the same counts.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection

from cdht_excel.service import db

HASHER = PasswordHasher()        # argon2id, 64 MiB, 3 passes (the library's RFC 9106 "low memory" profile)
TOKEN_BYTES = 32                 # 256 bits: tokens, session ids, unit links
FREE_FAILURES = 5                # failed logins allowed in the window before waiting is required
WINDOW = timedelta(minutes=15)
MAX_WAIT_SECONDS = 15 * 60


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def check_password(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


DUMMY_HASH = hash_password(secrets.token_urlsafe(16))   # an unknown login costs as much time as a known one


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_password() -> str:
    """A password to print once: 4 groups of 4 letters and digits, no look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def throttle_keys(login: str, address: str) -> list[str]:
    return [f"login:{login.casefold()}", f"addr:{address}"]


def wait_seconds(conn: Connection, keys: list[str]) -> int:
    """How long the caller must wait before trying again (0: may try now): after FREE_FAILURES failures
    within WINDOW on the account or from the address, 2, 4, 8 … seconds after the last, up to 15 minutes."""
    since = (db.parse_time(db.now()) - WINDOW).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    worst = 0
    for key in keys:
        row = conn.execute(sa.select(sa.func.count(), sa.func.max(db.login_failures.c.at))
                           .where(db.login_failures.c.key == key, db.login_failures.c.at >= since)).first()
        failures, last = (row[0], row[1]) if row else (0, None)
        if failures < FREE_FAILURES or last is None:
            continue
        wait = min(MAX_WAIT_SECONDS, 2 ** (failures - FREE_FAILURES + 1))
        elapsed = (db.parse_time(db.now()) - db.parse_time(last)).total_seconds()
        worst = max(worst, int(wait - elapsed + 0.999))
    return max(0, worst)


def record_failure(conn: Connection, keys: list[str]) -> None:
    at = db.now()
    conn.execute(db.login_failures.insert(), [{"key": key, "at": at} for key in keys])


def forget_old(conn: Connection) -> None:
    """Expired sessions and failures older than the window (they no longer count) are deleted."""
    now = db.now()
    conn.execute(db.sessions.delete().where(db.sessions.c.expires_at < now))
    since = (db.parse_time(now) - WINDOW).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    conn.execute(db.login_failures.delete().where(db.login_failures.c.at < since))


def clear_failures(conn: Connection, login: str) -> None:
    conn.execute(db.login_failures.delete().where(db.login_failures.c.key == f"login:{login.casefold()}"))

"""Accounts, roles, API tokens, sessions and logins.

A `Caller` is who is asking: an account (by session cookie or API token) or a unit (by its upload link).
Roles are sets of allowed actions (ROLES); a secretary is tied to one commune and sees only it.
Sessions live in the database (several server processes share them); the cookie carries a random id
whose SHA-256 is the row's key, and a new id is made at every login (the old one is deleted).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cdht_excel.service import audit, db, security
from cdht_excel.service.context import Refused, Service, not_found

ADMIN, CHECKER, VIEWER, SECRETARY, UNIT = "admin", "checker", "viewer", "secretary", "unit"
ROLES: dict[str, frozenset[str]] = {
    ADMIN: frozenset({"read-all", "check", "return", "recognise", "settings", "accounts", "audit", "download"}),
    CHECKER: frozenset({"read-all", "check", "return", "recognise", "audit", "download"}),
    VIEWER: frozenset({"read-all", "download"}),
    SECRETARY: frozenset({"read-own", "upload", "submit", "links", "download"}),
    UNIT: frozenset({"upload-own-unit"}),
}
ACCOUNT_ROLES = (ADMIN, CHECKER, VIEWER, SECRETARY)
SESSION_HOURS = 12


@dataclass(frozen=True)
class Caller:
    login: str                      # for the audit log: the account, or 'đơn vị <unit> (liên kết)'
    role: str
    commune: str | None = None      # a secretary's (or a unit link's) commune
    user_id: int | None = None
    via: str = "session"            # 'session', 'token', 'link'
    csrf: str = ""
    year: int | None = None         # a unit link's year
    unit: str | None = None         # a unit link's unit
    address: str = ""

    def may(self, action: str) -> bool:
        return action in ROLES.get(self.role, frozenset())

    def sees(self, commune: str) -> bool:
        return self.may("read-all") or (self.commune is not None and self.commune == commune)


def require(caller: Caller, action: str) -> None:
    if not caller.may(action):
        raise Refused(403, "forbidden", "Tài khoản này không có quyền làm việc này.")


def commune_row(conn: Connection, caller: Caller, code: str) -> dict:
    """The commune, if the caller may see it; another commune's code is a 404, as an unknown one."""
    if not caller.sees(code):
        raise not_found("Không tìm thấy xã này.")
    row = conn.execute(sa.select(db.communes).where(db.communes.c.code == code)).mappings().first()
    if row is None:
        raise not_found("Không tìm thấy xã này.")
    return dict(row)


# --------------------------------------------------------------------------- accounts (CLI, admin)

def add_user(service: Service, login: str, role: str, commune: str | None, password: str, by: str = "cdht service") -> int:
    login = login.strip()
    if not login or len(login) > 100 or any(ch.isspace() for ch in login):
        raise Refused(400, "bad-login", "Tên đăng nhập không được trống, không có dấu cách, tối đa 100 ký tự.")
    if role not in ACCOUNT_ROLES:
        raise Refused(400, "bad-role", f"Vai trò “{role}” không có; chọn một trong: {', '.join(ACCOUNT_ROLES)}.")
    if (role == SECRETARY) != bool(commune):
        raise Refused(400, "bad-commune", "Thư ký gắn với đúng một xã (--commune MÃ); vai trò khác không gắn với xã.")
    if len(password) < 10:
        raise Refused(400, "weak-password", "Mật khẩu cần ít nhất 10 ký tự.")
    with service.database.write() as conn:
        if commune and conn.execute(sa.select(db.communes.c.code).where(db.communes.c.code == commune)).first() is None:
            raise Refused(404, "no-commune", f"Không có xã mã “{commune}” trong danh sách (cdht service communes import).")
        if conn.execute(sa.select(db.users.c.id).where(db.users.c.login == login)).first() is not None:
            raise Refused(409, "login-taken", f"Tên đăng nhập “{login}” đã có.")
        user_id = conn.execute(db.users.insert().values(
            login=login, role=role, commune=commune, password_hash=security.hash_password(password),
            created_at=db.now())).inserted_primary_key[0]
        audit.append(conn, by, "user-add", commune=commune, detail={"login": login, "role": role})
    return int(user_id)


def list_users(service: Service, caller: Caller) -> list[dict]:
    require(caller, "accounts")
    with service.database.read() as conn:
        rows = conn.execute(sa.select(db.users.c.login, db.users.c.role, db.users.c.commune, db.users.c.active,
                                      db.users.c.created_at).order_by(db.users.c.login)).mappings().all()
    return [dict(r) for r in rows]


def reset_password(service: Service, login: str, password: str, by: str = "cdht service", address: str = "") -> None:
    """A new password for an account (a secretary who forgot hers): its sessions end at once; API tokens stay."""
    if len(password) < 10:
        raise Refused(400, "weak-password", "Mật khẩu cần ít nhất 10 ký tự.")
    with service.database.write() as conn:
        user = _user(conn, login)
        conn.execute(db.users.update().where(db.users.c.id == user.id).values(
            password_hash=security.hash_password(password)))
        conn.execute(db.sessions.delete().where(db.sessions.c.user_id == user.id))
        security.clear_failures(conn, login)
        audit.append(conn, by, "password-reset", commune=user.commune, detail={"login": login}, address=address)


def set_active(service: Service, login: str, active: bool, by: str = "cdht service", address: str = "") -> None:
    """Lock an account (someone left the commune's office) or unlock it. A locked account cannot log in, and its
    sessions and API tokens stop working at once; nothing it did is removed. The last active admin stays."""
    with service.database.write() as conn:
        user = _user(conn, login)
        if not active and user.role == ADMIN and user.active:
            admins = conn.execute(sa.select(sa.func.count()).select_from(db.users).where(
                db.users.c.role == ADMIN, db.users.c.active)).scalar()
            if admins <= 1:
                raise Refused(409, "last-admin", "Đây là tài khoản quản trị cuối cùng còn dùng: thêm một tài khoản "
                              "quản trị khác trước khi khóa tài khoản này.")
        conn.execute(db.users.update().where(db.users.c.id == user.id).values(active=active))
        if not active:
            conn.execute(db.sessions.delete().where(db.sessions.c.user_id == user.id))
        audit.append(conn, by, "user-unlock" if active else "user-lock", commune=user.commune,
                     detail={"login": login}, address=address)


def _user(conn: Connection, login: str):
    user = conn.execute(sa.select(db.users.c.id, db.users.c.role, db.users.c.commune, db.users.c.active)
                        .where(db.users.c.login == login)).first()
    if user is None:
        raise Refused(404, "no-user", f"Không có tài khoản “{login}”.")
    return user


def add_token(service: Service, login: str, label: str = "", by: str = "cdht service") -> str:
    token = security.new_token()
    with service.database.write() as conn:
        user = conn.execute(sa.select(db.users.c.id).where(db.users.c.login == login, db.users.c.active)).first()
        if user is None:
            raise Refused(404, "no-user", f"Không có tài khoản “{login}”.")
        conn.execute(db.api_tokens.insert().values(user_id=user.id, token_hash=security.token_hash(token), label=label,
                                                   created_at=db.now()))
        audit.append(conn, by, "token-add", detail={"login": login, "label": label})
    return token


# --------------------------------------------------------------------------- login, sessions

@dataclass
class Login:
    session_id: str
    caller: Caller


def login(service: Service, name: str, password: str, address: str) -> Login:
    """Check the password (slowed after repeated failures, per account and per address); a new session."""
    keys = security.throttle_keys(name, address)
    with service.database.read() as conn:
        wait = security.wait_seconds(conn, keys)
        user = conn.execute(sa.select(db.users).where(db.users.c.login == name)).mappings().first()
    if wait:
        with service.database.write() as conn:
            audit.append(conn, name, "login-throttled", detail={"wait_seconds": wait}, address=address)
        raise Refused(429, "too-many-attempts", f"Đăng nhập sai nhiều lần. Hãy thử lại sau {wait} giây.")
    good = security.check_password(user["password_hash"] if user else security.DUMMY_HASH, password)
    if not user or not good:
        with service.database.write() as conn:
            security.record_failure(conn, keys)
            audit.append(conn, name, "login-failed", address=address)
        raise Refused(401, "bad-login", "Sai tên đăng nhập hoặc mật khẩu.")
    if not user["active"]:          # said only to whoever knows the password
        with service.database.write() as conn:
            audit.append(conn, name, "login-locked", address=address)
        raise Refused(403, "account-locked", "Tài khoản này đã bị khóa. Liên hệ người quản trị của tỉnh để mở khóa.")
    session_id, csrf = security.new_token(), security.new_token()
    expires = (db.parse_time(db.now()) + timedelta(hours=SESSION_HOURS)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with service.database.write() as conn:
        security.clear_failures(conn, name)
        security.forget_old(conn)
        conn.execute(db.sessions.insert().values(id_hash=security.token_hash(session_id), user_id=user["id"], csrf=csrf,
                                                 created_at=db.now(), expires_at=expires, address=address))
        audit.append(conn, name, "login", address=address)
    return Login(session_id, Caller(user["login"], user["role"], user["commune"], user["id"], "session", csrf,
                                    address=address))


def logout(service: Service, session_id: str, caller: Caller) -> None:
    with service.database.write() as conn:
        conn.execute(db.sessions.delete().where(db.sessions.c.id_hash == security.token_hash(session_id)))
        audit.append(conn, caller.login, "logout", address=caller.address)


def drop_session(service: Service, session_id: str) -> None:
    with service.database.write() as conn:
        conn.execute(db.sessions.delete().where(db.sessions.c.id_hash == security.token_hash(session_id)))


def by_session(conn: Connection, session_id: str, address: str) -> Caller | None:
    row = conn.execute(
        sa.select(db.sessions.c.csrf, db.sessions.c.expires_at, db.users)
        .join(db.users, db.users.c.id == db.sessions.c.user_id)
        .where(db.sessions.c.id_hash == security.token_hash(session_id), db.users.c.active)).mappings().first()
    if row is None or row["expires_at"] < db.now():
        return None
    return Caller(row["login"], row["role"], row["commune"], row["id"], "session", row["csrf"], address=address)


def by_token(conn: Connection, token: str, address: str) -> Caller | None:
    row = conn.execute(
        sa.select(db.users).join(db.api_tokens, db.api_tokens.c.user_id == db.users.c.id)
        .where(db.api_tokens.c.token_hash == security.token_hash(token), db.api_tokens.c.revoked_at.is_(None),
               db.users.c.active)).mappings().first()
    if row is None:
        return None
    return Caller(row["login"], row["role"], row["commune"], row["id"], "token", address=address)


def by_unit_link(conn: Connection, token: str, address: str) -> Caller | None:
    row = conn.execute(sa.select(db.unit_links).where(db.unit_links.c.token_hash == security.token_hash(token),
                                                      db.unit_links.c.revoked_at.is_(None))).mappings().first()
    if row is None:
        return None
    return Caller(f"đơn vị {row['unit']} (liên kết)", UNIT, row["commune"], None, "link", year=row["year"],
                  unit=row["unit"], address=address)

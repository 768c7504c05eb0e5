"""One service: its data folder, its database and its stored files; opening, creating and checking it.

`Refused` is the one error of the service's flows: an HTTP-like status, a stable code and a Vietnamese
message; the API answers it as `{"error": {"code", "message"}}`, the CLI prints its message (exit 2).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from cdht_excel.service import db
from cdht_excel.service.storage import ServeLock, Store

CONFIG = "service.json"      # in DIR: the database URL when it is not the default SQLite (no password kept)


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(what: str = "Không tìm thấy.") -> Refused:
    return Refused(404, "not-found", what)


@dataclass
class Service:
    data_dir: Path
    database: db.Database
    store: Store
    lock: ServeLock | None = None
    notes: list[str] = field(default_factory=list)     # what the start-up check did (orphans removed …)

    def close(self) -> None:
        self.database.dispose()
        if self.lock:
            self.lock.release()

    def province(self) -> dict:
        with self.database.read() as conn:
            row = conn.execute(sa.select(db.province).where(db.province.c.id == 1)).mappings().first()
        if row is None:
            raise Refused(409, "not-initialised", "Dịch vụ chưa được khởi tạo: chạy “cdht service init” trước.")
        return dict(row)


def resolve(data_dir: str | Path | None, db_url: str | None) -> tuple[Path | None, str]:
    """(data folder, database URL): `--db` wins; else DIR's own service.json; else SQLite in DIR."""
    folder = Path(data_dir) if data_dir else None
    if db_url:
        return folder, db.url_for(folder, db_url)
    if folder is None:
        raise Refused(400, "no-data", "Cần --data THƯ_MỤC (thư mục dữ liệu của dịch vụ) hoặc --db URL.")
    config = folder / CONFIG
    if config.is_file():
        saved = json.loads(config.read_text("utf-8")).get("db")
        if saved:
            return folder, db.url_for(folder, saved)
    return folder, db.url_for(folder, None)


def init(data_dir: str | Path, db_url: str | None, name: str, code: str = "") -> Service:
    from cdht_excel.service import audit
    folder = Path(data_dir)
    store = Store(folder)
    store.create()
    if db_url:
        from cdht_excel.atomic import write_json
        write_json(folder / CONFIG, {"db": without_password(db_url)})
    _, url = resolve(folder, db_url)
    service = Service(folder, db.Database(url), store)
    db.upgrade(service.database)
    with service.database.write() as conn:
        existing = conn.execute(sa.select(db.province)).mappings().first()
        if existing is not None:
            service.close()
            raise Refused(409, "already-initialised",
                          f"Thư mục/cơ sở dữ liệu này đã là dịch vụ của “{existing['name']}”; không khởi tạo lại.")
        conn.execute(db.province.insert().values(id=1, name=name, code=code or "", data_dir=str(folder.resolve()),
                                                created_at=db.now()))
        audit.append(conn, "cdht service", "service-init", detail={"province": name, "code": code or ""})
    return service


def without_password(url: str) -> str:
    """What service.json keeps of --db: the URL without a password (psycopg takes it from PGPASSWORD or
    ~/.pgpass); a password given on the command line is used for this run only."""
    from sqlalchemy.engine import make_url
    try:
        parsed = make_url(db.url_for(None, url))
    except Exception:
        return url
    if parsed.password:
        return url.replace(f":{parsed.password}@", "@", 1)
    return url


def open_service(data_dir: str | Path | None, db_url: str | None, check: bool = False) -> Service:
    """The service of DIR (or --db), its schema migrated; with `check`, the start-up check (see `self_check`)."""
    folder, url = resolve(data_dir, db_url)
    if folder is None:                  # --db alone: the data folder the service was made with
        folder = _data_dir_of(url)
    if not (folder / "files").is_dir():
        raise Refused(404, "no-service", f"“{folder}” chưa phải thư mục dữ liệu của dịch vụ: chạy “cdht service init” trước.")
    service = Service(folder, db.Database(url), Store(folder))
    try:
        db.upgrade(service.database)
        service.province()
        if check:
            self_check(service)
    except BaseException:
        service.close()
        raise
    return service


def _data_dir_of(url: str) -> Path:
    database = db.Database(url)
    try:
        with database.read() as conn:
            row = conn.execute(sa.select(db.province.c.data_dir)).first()
    except sa.exc.SQLAlchemyError:
        row = None
    finally:
        database.dispose()
    if row is None or not row.data_dir:
        raise Refused(400, "no-data", "Cần --data THƯ_MỤC: thư mục lưu các tệp của dịch vụ.")
    return Path(row.data_dir)


def referenced_files(conn) -> dict[str, int]:
    return {row.sha256: row.size for row in conn.execute(sa.select(db.files.c.sha256, db.files.c.size))}


def self_check(service: Service) -> None:
    """At start: the database opens, every file it names is there with its SHA-256; when no other server
    uses the folder, what a crash left (temporary files, files no row names) is removed."""
    service.store.create()
    service.lock = ServeLock(service.data_dir / "serve.lock").acquire()
    with service.database.read() as conn:
        expected = referenced_files(conn)
    problems = service.store.check(expected)
    if problems:
        raise Refused(500, "store-damaged", "Kho tệp của dịch vụ không khớp cơ sở dữ liệu: " + "; ".join(problems[:10])
                      + (f" … và {len(problems) - 10} lỗi khác" if len(problems) > 10 else "")
                      + ". Khôi phục từ bản sao lưu (cdht service restore).")
    if service.lock.alone:
        removed = service.store.remove_orphans(set(expected))
        if removed:
            service.notes.append(f"Đã xóa {len(removed)} tệp dở dang do lần chạy trước bị dừng đột ngột.")
    service.lock.share()
    service.notes.append(f"Đã kiểm tra {len(expected)} tệp đã lưu: đủ và đúng mã băm.")

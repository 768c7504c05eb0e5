"""`cdht service backup` / `restore`: one .zip archive of every row and every stored file.

The rows are read in one transaction (a consistent snapshot: SQLite's WAL read transaction, PostgreSQL's
REPEATABLE READ), so a backup taken while the service runs is consistent; stored files are immutable and
never removed while a row names them, so reading them after the snapshot gives the same bytes. The
archive does not depend on the database: a SQLite service may be restored on PostgreSQL and back.
Restore needs an empty database and a fresh data folder, and checks every file's SHA-256.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import sqlalchemy as sa

from cdht_excel.service import db
from cdht_excel.service.context import CONFIG, Refused, Service, resolve, without_password
from cdht_excel.service.storage import Store

FORMAT = "cdht-service-backup/1"
# Revisions whose backups restore into this one: later migrations only added tables (0002: trust roots and
# signed dossiers), so their rows are the same and the added tables start empty.
OLDER_REVISIONS = ("0001",)


def backup(service: Service, target: str | Path) -> dict:
    from cdht_excel.atomic import atomic_path
    target = Path(target)
    with service.database.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            revision = db.current_revision(conn)
            tables = {t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()] for t in db.TABLE_ORDER}
    counts = {name: len(rows) for name, rows in tables.items()}
    with atomic_path(target) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr("manifest.json", json.dumps({"format": FORMAT, "revision": revision, "counts": counts},
                                                         ensure_ascii=False, indent=1))
            for name, rows in tables.items():
                archive.writestr(f"tables/{name}.json", json.dumps(rows, ensure_ascii=False))
            for row in tables["files"]:
                archive.write(service.store.path(row["sha256"]), f"files/{row['sha256']}")
    return counts


def restore(archive_path: str | Path, data_dir: str | Path, db_url: str | None) -> dict:
    from cdht_excel.atomic import write_json
    folder = Path(data_dir)
    if folder.exists() and any(folder.iterdir()):
        raise Refused(409, "not-empty", f"Thư mục “{folder}” không trống: khôi phục vào một thư mục mới.")
    try:
        archive = zipfile.ZipFile(archive_path)
    except (OSError, zipfile.BadZipFile):
        raise Refused(400, "bad-backup", f"“{archive_path}” không phải tệp sao lưu của dịch vụ.") from None
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError):
            raise Refused(400, "bad-backup", f"“{archive_path}” không phải tệp sao lưu của dịch vụ.") from None
        if manifest.get("format") != FORMAT:
            raise Refused(400, "bad-backup", f"Tệp sao lưu dạng “{manifest.get('format')}” không dùng được.")
        if manifest.get("revision") not in (*OLDER_REVISIONS, db.head_revision()):
            raise Refused(409, "other-version", "Tệp sao lưu do phiên bản khác của chương trình tạo "
                          f"(lược đồ {manifest.get('revision')}, phiên bản này {db.head_revision()}).")
        store = Store(folder)
        store.create()
        if db_url:
            write_json(folder / CONFIG, {"db": without_password(db_url)})
        _, url = resolve(folder, db_url)
        database = db.Database(url)
        try:
            db.upgrade(database)
            names = set(archive.namelist())      # an older revision's backup lacks the tables added since
            tables = {t.name: json.loads(archive.read(f"tables/{t.name}.json")) if f"tables/{t.name}.json" in names
                      else [] for t in db.TABLE_ORDER}
            for row in tables["files"]:
                data = archive.read(f"files/{row['sha256']}")
                if hashlib.sha256(data).hexdigest() != row["sha256"]:
                    raise Refused(400, "bad-backup", f"Tệp {row['sha256']} trong bản sao lưu bị hỏng (mã băm không khớp).")
                store.put_bytes(data)
            with database.write() as conn:
                if conn.execute(sa.select(sa.func.count()).select_from(db.province)).scalar():
                    raise Refused(409, "not-empty", "Cơ sở dữ liệu đã có dữ liệu: khôi phục vào một cơ sở dữ liệu trống.")
                for table in db.TABLE_ORDER:
                    if tables[table.name]:
                        conn.execute(table.insert(), tables[table.name])
                conn.execute(db.province.update().values(data_dir=str(folder.resolve())))   # the files are here now
                if conn.dialect.name == "postgresql":
                    _reset_sequences(conn)
        finally:
            database.dispose()
    return {name: len(rows) for name, rows in tables.items()}


def _reset_sequences(conn) -> None:
    for table in db.TABLE_ORDER:
        column = table.c.get("id")
        if column is not None and column.autoincrement is True:
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))

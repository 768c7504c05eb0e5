"""The service's database: the tables (SQLAlchemy Core), the engine for SQLite or PostgreSQL, and the
migrations (Alembic, shipped in `migrations/`) run on `cdht service init` and at every start.

SQLite is the default, in `DIR/cdht.sqlite3`, in WAL mode (readers never wait for the writer). Writes take
the database's write lock at their first statement (`BEGIN IMMEDIATE`), so two writers never deadlock on a
lock upgrade and the audit chain has one head. On PostgreSQL (psycopg 3) the audit append takes a
transaction-level advisory lock for the same reason.

Times are stored as ISO-8601 UTC text ('2026-02-27T09:15:02.123456Z'): they sort as text, hash the same on
both databases (the audit chain) and need no time-zone support from SQLite.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

SQLITE_NAME = "cdht.sqlite3"
BUSY_SECONDS = 30

metadata = sa.MetaData()

province = sa.Table(
    "province", metadata,
    sa.Column("id", sa.Integer, primary_key=True),            # always 1: one service serves one province
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("code", sa.Text, nullable=False, server_default=""),
    sa.Column("data_dir", sa.Text, nullable=False, server_default=""),   # where its files are (for --db alone)
    sa.Column("created_at", sa.Text, nullable=False),
)

communes = sa.Table(
    "communes", metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),                # xã, phường, đặc khu
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)

years = sa.Table(
    "years", metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("rubric", sa.Text, nullable=False),              # a built-in id, or 'sha256:<hex>' of a stored file
    sa.Column("rubric_name", sa.Text, nullable=False, server_default=""),
    sa.Column("deadline", sa.Text),                            # 'YYYY-MM-DD' (TT 25/2023 Điều 9: before 28/02)
    sa.Column("authority", sa.Text, nullable=False, server_default=""),   # recognising body: never guessed
    sa.Column("signer", sa.Text, nullable=False, server_default=""),
    sa.Column("updated_at", sa.Text, nullable=False),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("login", sa.Text, nullable=False, unique=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("commune", sa.Text, sa.ForeignKey("communes.code")),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.Text, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True),
    sa.Column("label", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("revoked_at", sa.Text),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id_hash", sa.Text, primary_key=True),           # sha256 of the cookie's value
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("csrf", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Text, nullable=False),
    sa.Column("address", sa.Text, nullable=False, server_default=""),
)

login_failures = sa.Table(
    "login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.Text, nullable=False, index=True),     # 'login:<name>' or 'addr:<address>'
    sa.Column("at", sa.Text, nullable=False),
)

unit_links = sa.Table(
    "unit_links", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True),
    sa.Column("commune", sa.Text, sa.ForeignKey("communes.code"), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("revoked_at", sa.Text),
)

files = sa.Table(
    "files", metadata,                                         # every stored file, by content
    sa.Column("sha256", sa.Text, primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
)

uploads = sa.Table(
    "uploads", metadata,                                       # immutable versions: never updated, never deleted
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("commune", sa.Text, sa.ForeignKey("communes.code"), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("sha256", sa.Text, sa.ForeignKey("files.sha256"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("unit", sa.Text, nullable=False, server_default=""),    # unit ids the file holds, ',' joined
    sa.Column("link_unit", sa.Text),                           # sent through this unit's link (else by an account)
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("accepted", sa.Boolean, nullable=False),         # counts in the merge (its stamp is this commune's)
    sa.Column("findings", sa.Text, nullable=False, server_default="[]"),   # this file's own findings, JSON
    sa.Index("uploads_commune_year", "commune", "year"),
)

commune_years = sa.Table(
    "commune_years", metadata,                                 # one commune's year: its state and current result
    sa.Column("commune", sa.Text, sa.ForeignKey("communes.code"), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("submitted_at", sa.Text),
    sa.Column("reason", sa.Text),                              # the last return's reason
    sa.Column("total", sa.Float),
    sa.Column("classification", sa.Text),                      # its code
    sa.Column("classification_label", sa.Text),
    sa.Column("report", sa.Text),                              # the merge report (cdht-report/1), JSON
    sa.Column("report_sha256", sa.Text),                       # frozen at submit: the report as sent
    sa.Column("summary_sha256", sa.Text, sa.ForeignKey("files.sha256")),
    sa.Column("dossier_sha256", sa.Text, sa.ForeignKey("files.sha256")),
    sa.Column("merged_at", sa.Text),
    sa.Column("updated_at", sa.Text, nullable=False),
)

transitions = sa.Table(
    "transitions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("commune", sa.Text, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("from_state", sa.Text, nullable=False),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    sa.Index("transitions_commune_year", "commune", "year"),
)

checks = sa.Table(
    "checks", metadata,                                        # the province's check results, latest counts
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("commune", sa.Text, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("criteria", sa.Text, nullable=False),            # JSON {criterion id: score or result}
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
)

decisions = sa.Table(
    "decisions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("commune", sa.Text, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("decision_no", sa.Text, nullable=False),
    sa.Column("decision_date", sa.Text, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
)

audit = sa.Table(
    "audit", metadata,                                         # append-only, hash-chained (see audit.py)
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("commune", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("detail", sa.Text, nullable=False),              # canonical JSON
    sa.Column("address", sa.Text, nullable=False, server_default=""),
    sa.Column("prev", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
)

audit_head = sa.Table(
    "audit_head", metadata,                                    # the chain's last hash and length: a removed
    sa.Column("id", sa.Integer, primary_key=True),             # last entry is seen too
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
)

trust_roots = sa.Table(
    "trust_roots", metadata,                                   # the CA certificates the province trusts for
    sa.Column("sha256", sa.Text, primary_key=True),            # signed dossiers (of the DER bytes)
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("der", sa.Text, nullable=False),                 # base64 of the certificate
    sa.Column("not_after", sa.Text, nullable=False, server_default=""),
    sa.Column("added_by", sa.Text, nullable=False),
    sa.Column("added_at", sa.Text, nullable=False),
    sa.Column("removed_at", sa.Text),
)

signed_dossiers = sa.Table(
    "signed_dossiers", metadata,                               # signed PDFs a commune sent: immutable versions
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("commune", sa.Text, sa.ForeignKey("communes.code"), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("sha256", sa.Text, sa.ForeignKey("files.sha256"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("carries_result", sa.Boolean, nullable=False),   # a báo cáo / tờ trình with the result inside
    sa.Column("check_json", sa.Text, nullable=False),           # what the verification found (signed.py)
    sa.Column("roots", sa.Text, nullable=False, server_default=""),  # the trust roots it was checked against
    sa.Index("signed_commune_year", "commune", "year"),
)

# Tables in an order that satisfies the foreign keys (backup and restore use it).
TABLE_ORDER = [province, communes, years, users, api_tokens, sessions, login_failures, unit_links, files, uploads,
               commune_years, transitions, checks, decisions, audit, audit_head, trust_roots, signed_dossiers]


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def url_for(data_dir: Path | str | None, db_url: str | None) -> str:
    """The database URL: `--db` as given (postgresql:// is driven by psycopg 3), else SQLite in DIR."""
    if db_url:
        for plain in ("postgresql://", "postgres://"):
            if db_url.startswith(plain):
                return "postgresql+psycopg://" + db_url[len(plain):]
        return db_url
    if data_dir is None:
        raise ValueError("no data folder and no database URL")
    return f"sqlite:///{Path(data_dir).resolve() / SQLITE_NAME}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False},
                                  poolclass=sa.pool.QueuePool, pool_size=8, max_overflow=8)
        _sqlite_events(engine)
        return engine
    return sa.create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


def _sqlite_events(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, record):
        dbapi_conn.isolation_level = None         # transactions are begun below, not by the driver
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a commit that returned is on disk (WAL: fsync at commit)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


def insert_missing(conn: Connection, table: sa.Table, values: dict) -> None:
    """Insert the row unless its key is there already, also when two transactions race to insert it
    (ON CONFLICT DO NOTHING: a check-then-insert would fail one of them on PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        conn.execute(pg_insert(table).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        conn.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())


def is_sqlite(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "sqlite"


class Database:
    """One engine; `read()` and `write()` give a connection inside one transaction."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)

    @contextmanager
    def read(self):
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self):
        with self.engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def migrations_config(conn: Connection | None):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.attributes["connection"] = conn
    return cfg


def upgrade(db: Database) -> None:
    """Bring the schema to the newest migration (idempotent; safe for two processes starting at once)."""
    from alembic import command
    with db.engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(72010)")
            command.upgrade(migrations_config(conn), "head")


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext
    return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory
    cfg = migrations_config(None)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head

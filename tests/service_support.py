"""The province service in tests: a database for each test (SQLite always; PostgreSQL too when
CDHT_TEST_PG_URL names a server, as `.ci/pg-cluster` starts one), a province set up by the real
`cdht service` commands, returns made by `cdht template` and filled, and an API client.

    pytest_plugins = ("service_fixtures",)   # in a test module: db_url, province, tan_lap_returns, sa_pa_returns
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


from support import run_cli

PG_URL = os.environ.get("CDHT_TEST_PG_URL", "")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])
PROVINCE = "Tỉnh Lào Cai"
YEAR = 2026
COMMUNES = {"001": ("Tân Lập", "xã"), "002": ("Sa Pa", "phường")}
PASSWORD = "mat-khau-thu-nghiem-1"


def _pg_engine(url: str):
    import sqlalchemy as sa
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")


def new_pg_database() -> str:
    """A fresh database on the test server; its URL."""
    import sqlalchemy as sa
    name = f"cdht_{secrets.token_hex(6)}"
    engine = _pg_engine(PG_URL)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    import sqlalchemy as sa
    name = url.rsplit("/", 1)[1]
    engine = _pg_engine(PG_URL)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def db_args(url: str | None) -> list[str]:
    return ["--db", url] if url else []


@dataclass
class Province:
    data: Path
    db_url: str | None
    communes: dict = field(default_factory=lambda: dict(COMMUNES))

    def args(self) -> list:
        return ["--data", self.data, *db_args(self.db_url)]

    def open(self, check: bool = False):
        from cdht_excel.service.context import open_service
        return open_service(self.data, self.db_url, check=check)

    def cli(self, *args, stdin: str | None = None) -> tuple[int, str]:
        if stdin is None:
            return run_cli(*args)
        return run_stdin(stdin, *args)


def run_stdin(stdin: str, *args) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "cdht_excel", *map(str, args)], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def set_up_province(tmp_path: Path, db_url: str | None, deadline: str = f"{YEAR + 1}-02-28") -> Province:
    """init, communes import, year set, users (admin, checker, viewer, one secretary per commune), through the CLI."""
    p = Province(tmp_path / "du-lieu", db_url)
    code, out = run_cli("service", "init", "--data", p.data, *db_args(db_url), "--province", PROVINCE)
    assert code == 0, out
    listing = tmp_path / "danh-sach-xa.csv"
    listing.write_text("mã,tên,loại\n" + "".join(f"{c},{n},{k}\n" for c, (n, k) in COMMUNES.items()), "utf-8")
    for args in (["service", "communes", "import", listing, *p.args()],
                 ["service", "year", "set", YEAR, "--rubric", "tt44-2014", "--deadline", deadline, *p.args()]):
        code, out = run_cli(*args)
        assert code == 0, out
    users = [("admin", "admin", None), ("kiemtra", "checker", None), ("lanhdao", "viewer", None),
             ("thuky1", "secretary", "001"), ("thuky2", "secretary", "002")]
    svc = p.open()
    try:
        from cdht_excel.service.accounts import add_user
        for login, role, commune in users:       # the CLI's own path is tested once (test_service_cli)
            add_user(svc, login, role, commune, PASSWORD)
    finally:
        svc.close()
    return p


class Api:
    """A Flask test client of the service's app, logged in or not."""

    def __init__(self, svc, behind_proxy: bool = False):
        from cdht_excel.service.app import create_app
        self.app = create_app(svc, behind_proxy=behind_proxy)
        self.client = self.app.test_client()
        self.csrf = ""
        self.bearer = ""

    def login(self, login: str, password: str = PASSWORD):
        r = self.client.post("/api/v1/session", json={"login": login, "password": password})
        if r.status_code == 200:
            self.csrf = r.json["csrf"]
        return r

    def headers(self) -> dict:
        out = {}
        if self.csrf:
            out["X-CSRF-Token"] = self.csrf
        if self.bearer:
            out["Authorization"] = f"Bearer {self.bearer}"
        return out

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers(), **kw)

    def post(self, path, **kw):
        return self.client.post(path, headers=self.headers(), **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, headers=self.headers(), **kw)

    def upload(self, path, files: list[Path], names: list[str] | None = None):
        names = names or [f.name for f in files]
        data = {"files": [(open(f, "rb"), n) for f, n in zip(files, names)]}
        try:
            return self.client.post(path, data=data, headers=self.headers(), content_type="multipart/form-data")
        finally:
            for handle, _ in data["files"]:
                handle.close()


def wait_for_port(port: int, proc, seconds: float = 60) -> None:
    import socket
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"server ended: {proc.stdout.read() if proc.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(p: Province, port: int, *extra) -> subprocess.Popen:
    """A real `cdht serve` process on 127.0.0.1:port."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "cdht_excel", "serve", *map(str, p.args()), "--port", str(port),
                             *map(str, extra)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    wait_for_port(port, proc)
    return proc


class Http:
    """A client of a real server over HTTP (standard library only): a cookie jar, the CSRF header."""

    def __init__(self, port: int):
        import http.cookiejar
        import urllib.request
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""

    def use_session_of(self, other: Http) -> None:
        """Send the other client's cookies (and CSRF value): its session, on this server."""
        import urllib.request
        self.jar, self.csrf = other.jar, other.csrf
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json",
                timeout: float = 120) -> tuple[int, bytes]:
        import urllib.error
        import urllib.request
        headers = {"Content-Type": content_type} if body is not None else {}
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def json(self, method: str, path: str, data=None) -> tuple[int, object]:
        import json
        status, body = self.request(method, path, json.dumps(data).encode() if data is not None else None)
        return status, json.loads(body) if body else None

    def login(self, login: str, password: str = PASSWORD) -> int:
        status, data = self.json("POST", "/api/v1/session", {"login": login, "password": password})
        if status == 200:
            self.csrf = data["csrf"]  # type: ignore[index]
        return status

    def upload(self, path: str, files: list[tuple[str, bytes]]) -> tuple[int, object]:
        import json
        boundary = "cdht" + secrets.token_hex(12)
        parts = []
        for name, data in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        status, raw = self.request("POST", path, body, f"multipart/form-data; boundary={boundary}")
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

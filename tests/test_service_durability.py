"""What the province service must hold (SERVICE.md §5) with real `cdht serve` processes: a SIGKILL during
concurrent uploads loses no acknowledged file; the start-up check; backup while serving and restore on a
fresh folder; two processes on one PostgreSQL and one data folder behaving as one."""
from __future__ import annotations

import hashlib
import os
import random
import signal
import threading
import time

import pytest
import sqlalchemy as sa

from service_support import PG_URL, YEAR, Api, Http, free_port, start_server
from support import run_cli

pytest_plugins = ("service_fixtures",)

BASE = f"/api/v1/communes/001/years/{YEAR}"


def _stop(proc) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except Exception:
            proc.kill()
            proc.wait()


def _variants(returns, count: int) -> list[tuple[str, bytes]]:
    """`count` distinct files (each unit's return, renamed copies with a distinct zip comment: new bytes,
    still the same unit's return), so that every acknowledged upload has its own SHA-256."""
    import io
    import zipfile
    out = []
    for n in range(count):
        source = returns[n % len(returns)]
        with zipfile.ZipFile(source) as zin:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
                for item in zin.infolist():
                    zout.writestr(item, zin.read(item.filename))
                zout.comment = f"ban {n}".encode()
        out.append((f"Lần {n:03d} {source.name}", buffer.getvalue()))
    return out


def _check_after_crash(province, acknowledged: dict[str, bytes]) -> None:
    """§5: the database opens, the start-up check passes (no row names a missing file), and every
    acknowledged upload is listed and readable with the same SHA-256; the audit chain holds."""
    svc = province.open(check=True)
    try:
        api = Api(svc)
        assert api.login("thuky1").status_code == 200
        listed = {f["sha256"] for f in api.get(f"{BASE}/files").json}
        missing = set(acknowledged) - listed
        assert not missing, f"{len(missing)} acknowledged uploads lost"
        for sha in acknowledged:
            data = api.get(f"{BASE}/files/{sha}").data
            assert hashlib.sha256(data).hexdigest() == sha
        from cdht_excel.service import audit, db
        with svc.database.read() as conn:
            assert audit.verify(conn).ok
            rows = conn.execute(sa.select(db.files.c.sha256)).all()
        for (sha,) in rows:
            assert svc.store.path(sha).is_file()
        assert not list(svc.store.tmp.iterdir())            # what the crash left was removed
    finally:
        svc.close()


def test_sigkill_during_concurrent_uploads_loses_no_acknowledged_file(province, tan_lap_returns):
    files = _variants(tan_lap_returns, 48)
    acknowledged: dict[str, bytes] = {}
    lock = threading.Lock()
    port = free_port()
    proc = start_server(province, port)
    started = threading.Event()

    def client(batch):
        http = Http(port)
        if http.login("thuky1") != 200:
            return
        for name, data in batch:
            started.set()
            try:
                status, body = http.upload(f"{BASE}/files", [(name, data)])
            except OSError:              # the server is gone: this upload was not acknowledged
                return
            if status == 200:
                with lock:
                    acknowledged[body["files"][0]["sha256"]] = data

    threads = [threading.Thread(target=client, args=(files[i::4],)) for i in range(4)]
    try:
        for t in threads:
            t.start()
        started.wait(60)
        deadline = time.monotonic() + 120
        while len(acknowledged) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(random.uniform(0.0, 0.5))       # somewhere in the middle of the next uploads
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        for t in threads:
            t.join(120)
        _stop(proc)
    assert len(acknowledged) >= 6
    assert len(acknowledged) < len(files), "the server was killed after every upload: nothing was interrupted"
    for sha, data in acknowledged.items():
        assert hashlib.sha256(data).hexdigest() == sha
    _check_after_crash(province, acknowledged)
    port = free_port()
    again = start_server(province, port)            # and it serves again
    try:
        http = Http(port)
        assert http.login("thuky1") == 200
        status, _ = http.upload(f"{BASE}/files", [tan_lap_returns_name(tan_lap_returns[0])])
        assert status == 200
    finally:
        _stop(again)


def tan_lap_returns_name(path):
    return path.name, path.read_bytes()


def test_the_start_removes_a_crashs_leftovers_and_refuses_a_damaged_store(province, tan_lap_returns):
    svc = province.open(check=True)
    try:
        api = Api(svc)
        api.login("thuky1")
        sha = api.upload(f"{BASE}/files", tan_lap_returns[:1]).json["files"][0]["sha256"]
        orphan = svc.store.put_bytes(b"renamed, never committed")          # as a crash before the commit leaves it
        (svc.store.tmp / "up-half").write_bytes(b"half written")
    finally:
        svc.close()
    svc = province.open(check=True)
    try:
        assert not svc.store.path(orphan.sha256).exists() and not (svc.store.tmp / "up-half").exists()
        assert svc.store.path(sha).is_file()
        assert any("tệp dở dang" in note for note in svc.notes)
    finally:
        svc.close()
    stored = province.open().store.path(sha)
    stored.chmod(0o600)
    stored.write_bytes(b"changed on disk")
    from cdht_excel.service.context import Refused
    with pytest.raises(Refused) as refused:
        province.open(check=True)
    assert "mã băm không khớp" in refused.value.message
    stored.unlink()
    port = free_port()
    code, out = run_cli("serve", *province.args(), "--port", port)
    assert code == 2 and f"thiếu tệp {sha}" in out and "cdht service restore" in out


def test_backup_while_serving_and_restore_on_a_fresh_folder_give_the_same_service(province, tan_lap_returns, tmp_path,
                                                                                 db_url):
    port = free_port()
    proc = start_server(province, port)
    files = _variants(tan_lap_returns, 12)
    try:
        http = Http(port)
        assert http.login("thuky1") == 200
        http.upload(f"{BASE}/files", files[:6])
        backups = []
        uploading = threading.Thread(target=lambda: [http.upload(f"{BASE}/files", [f]) for f in files[6:]])
        uploading.start()
        for n in range(3):                                    # while uploads go on
            target = tmp_path / f"sao-luu-{n}.zip"
            code, out = run_cli("service", "backup", "-o", target, *province.args())
            assert code == 0, out
            backups.append(target)
        uploading.join(120)
        status, _ = http.json("POST", f"{BASE}/submit")
        assert status == 200
        final = tmp_path / "sao-luu-cuoi.zip"
        assert run_cli("service", "backup", "-o", final, *province.args())[0] == 0
        before = _snapshot(Http(port))
    finally:
        _stop(proc)
    for n, archive in enumerate([*backups, final]):
        fresh_db = None
        if db_url:
            from service_support import new_pg_database
            fresh_db = new_pg_database()
        fresh = tmp_path / f"khoi-phuc-{n}"
        args = ["--data", fresh] + (["--db", fresh_db] if fresh_db else [])
        code, out = run_cli("service", "restore", archive, *args)
        assert code == 0, out
        assert run_cli("service", "audit", "verify", *args)[0] == 0     # a consistent cut of the chain
        from service_support import Province
        restored = Province(fresh, fresh_db)
        svc = restored.open(check=True)                                  # every file there, with its hash
        svc.close()
        if archive == final:
            port = free_port()
            proc = start_server(restored, port)
            try:
                assert _snapshot(Http(port)) == before
            finally:
                _stop(proc)
    code, out = run_cli("service", "restore", final, "--data", tmp_path / "khoi-phuc-0")
    assert code == 2 and "không trống" in out


def _snapshot(http: Http) -> dict:
    assert http.login("admin") == 200
    out = {}
    for path in (f"/api/v1/communes?year={YEAR}", f"{BASE}/files", f"{BASE}/report", "/api/v1/audit",
                 f"/api/v1/provinces/current/years/{YEAR}/summary"):
        status, data = http.json("GET", path)
        out[path] = (status, data)
    status, dossier = http.request("GET", f"{BASE}/dossier.zip")
    out["dossier"] = (status, hashlib.sha256(dossier).hexdigest())
    for f in out[f"{BASE}/files"][1]:
        status, data = http.request("GET", f"{BASE}/files/{f['sha256']}")
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
    out["audit-count"] = len(out.pop("/api/v1/audit")[1])   # the admin's own login differs: counted, not compared
    out["audit-count"] -= 1
    return out


@pytest.mark.skipif(not PG_URL, reason="needs a PostgreSQL server (CDHT_TEST_PG_URL, see .ci/pg-cluster)")
def test_two_servers_on_one_postgresql_and_one_folder_behave_as_one(tmp_path, tan_lap_returns):
    from service_support import drop_pg_database, new_pg_database, set_up_province
    url = new_pg_database()
    try:
        province = set_up_province(tmp_path, url)
        ports = free_port(), free_port()
        procs = [start_server(province, port) for port in ports]
        try:
            a, b = Http(ports[0]), Http(ports[1])
            assert a.login("thuky1") == 200
            b.use_session_of(a)                                    # the session made on A, used on B
            status, _ = b.upload(f"{BASE}/files", [(p.name, p.read_bytes()) for p in tan_lap_returns[:5]])
            assert status == 200
            status, listed = a.json("GET", f"{BASE}/files")
            assert status == 200 and len(listed) == 5
            files = _variants(tan_lap_returns, 16)
            results = []

            def send(port, batch):
                http = Http(port)
                http.login("thuky1")
                for f in batch:
                    results.append(http.upload(f"{BASE}/files", [f])[0])
            threads = [threading.Thread(target=send, args=(ports[i % 2], files[i::4])) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(300)
            assert results == [200] * 16
            status, report_a = a.json("GET", f"{BASE}/report")
            status, report_b = b.json("GET", f"{BASE}/report")
            assert report_a == report_b and report_a["total"] == 92.5
            status, listed = b.json("GET", f"{BASE}/files")
            assert len(listed) == 21
            assert a.json("DELETE", "/api/v1/session")[0] == 200    # logged out on A: gone on B too
            assert b.json("GET", f"{BASE}/files")[0] == 401
            for _ in range(5):                                     # failed logins on A …
                assert Http(ports[0]).login("thuky2", "sai") == 401
            assert Http(ports[1]).login("thuky2") == 429           # … slow the account down on B
        finally:
            for proc in procs:
                _stop(proc)
        code, out = run_cli("service", "audit", "verify", *province.args())
        assert code == 0, out
    finally:
        drop_pg_database(url)


def test_the_server_process_stops_cleanly_on_sigterm(province):
    port = free_port()
    proc = start_server(province, port)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0, proc.stdout.read() if proc.stdout else ""
    out = proc.stdout.read()
    assert "Đã dừng dịch vụ." in out and "Traceback" not in out
    assert os.path.exists(province.data / "serve.lock")

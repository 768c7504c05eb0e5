"""Benchmark `cdht serve` against baselines measured in the same run (not a timed test).

    python benchmarks/service.py                                   # 100 communes × 10 returns, 8 clients, 3,300 for the grid
    python benchmarks/service.py --communes 20 --grid 500 --repeat 3   # quick
    python benchmarks/service.py --db postgresql://user@host:port/db   # the same on PostgreSQL (an empty database)

1. Uploads. C communes, each with the 10 unit returns of its plan (real workbooks from the template writer,
   filled), are sent one return per request, as units send them, by 8 concurrent clients (a client takes a
   commune and sends its 10 returns in turn) to a real `cdht serve` process (`--threads 8`) with API tokens.
   Every upload stores the file, reads it in the guarded reader and merges the commune's current returns.
   Baseline: the same merges in this process, one after the other — each return read once with the same
   reader, then the commune's current returns assessed and reported after each one (what the service
   computes, without HTTP, storage or the database). Ratio: service returns/s ÷ in-process returns/s.
2. The province's grid (`GET /api/v1/communes`) and summary (`…/summary`) for G synthetic communes with stored
   results (one real merge report under G names), against the same JSON bytes served from a stored file by the
   same server (`GET …/files/{sha256}`: authentication, a database lookup, the file). Ratio per request.
3. Peak memory (VmHWM) of the server and of every process it starts, polled during both parts.
4. Errors: every answer other than 200, every exception.

Each timed part runs `--repeat` times; min and median are printed (a shared 2-core machine is noisy).
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cdht_excel.commune import plan as P  # noqa: E402
from cdht_excel.commune.template import split_file_name, write_template  # noqa: E402
from cdht_excel.rules import rubric as R  # noqa: E402

RUBRIC = R.load("tt44-2014")
YEAR = 2026
PROVINCE = "Tỉnh Thử Nghiệm"
PASSWORD = "mat-khau-do-hieu-nang"


def commune_name(i: int) -> str:
    return f"Thử Nghiệm {i:04d}"


def commune_values(i: int) -> dict:
    import random
    rng = random.Random(i)
    values = {}
    for c in RUBRIC.criteria:
        values[f"C{c.id}_SCORE"] = rng.choice([3, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5])
        values[f"C{c.id}_EVIDENCE"] = f"Báo cáo số {i}/BC-UBND ngày 10/12/{YEAR} (tiêu chí {c.id})"
    return values


def make_commune(args) -> list[str]:
    i, root = args
    plan = P.default_plan(commune_name(i), YEAR, RUBRIC, province=PROVINCE)
    folder = Path(root) / f"xa-{i:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    values = commune_values(i)
    paths = []
    for n, unit in enumerate(plan.units, start=1):
        path = folder / split_file_name(n, unit, plan)
        if not path.exists():
            write_template(plan, RUBRIC, path, only=unit, values=values)
        paths.append(str(path))
    return paths


def make_returns(root: Path, communes: int) -> list[list[Path]]:
    t = time.perf_counter()
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ctx.Pool() as pool:
        sets = pool.map(make_commune, [(i, str(root)) for i in range(communes)])
    print(f"returns: {communes} communes × {len(sets[0])} workbooks ready in {time.perf_counter() - t:.1f} s")
    return [[Path(p) for p in s] for s in sets]


# --------------------------------------------------------------------------- a service and its server

def set_up(data: Path, db_url: str | None, communes: int, names=commune_name) -> tuple[dict[str, str], str]:
    """A province with `communes` communes, the year, one secretary per commune and a checker; API tokens
    ({code: secretary token}, checker token). The secretaries share one argon2id hash (setting up 3,300
    accounts one by one would take minutes of hashing, which is not what is measured)."""
    import sqlalchemy as sa

    from cdht_excel.service import accounts, admin, db
    from cdht_excel.service.context import init
    svc = init(data, db_url, PROVINCE)
    try:
        listing = data.parent / f"{data.name}-xa.csv"
        listing.write_text("mã,tên,loại\n" + "".join(f"{i:04d},{names(i)},xã\n" for i in range(communes)), "utf-8")
        admin.import_communes(svc, listing)
        admin.set_year(svc, YEAR, "tt44-2014", f"{YEAR + 1}-02-28", "Sở Giáo dục và Đào tạo (thử)", "Giám đốc (thử)")
        accounts.add_user(svc, "kiemtra", "checker", None, PASSWORD)
        accounts.add_user(svc, "thuky0000", "secretary", "0000", PASSWORD)
        with svc.database.write() as conn:
            hashed = conn.execute(sa.select(db.users.c.password_hash).where(db.users.c.login == "thuky0000")).scalar()
            conn.execute(db.users.insert(), [{"login": f"thuky{i:04d}", "role": "secretary", "commune": f"{i:04d}",
                                              "password_hash": hashed, "created_at": db.now()}
                                             for i in range(1, communes)])
        tokens = {f"{i:04d}": accounts.add_token(svc, f"thuky{i:04d}") for i in range(communes)}
        return tokens, accounts.add_token(svc, "kiemtra")
    finally:
        svc.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path, db_url: str | None, threads: int):
        self.port = free_port()
        args = [sys.executable, "-m", "cdht_excel", "serve", "--data", str(data), "--port", str(self.port),
                "--threads", str(threads)] + (["--db", db_url] if db_url else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        end = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server ended: {self.proc.stdout.read() if self.proc.stdout else ''}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > end:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
        self.peaks: dict[int, tuple[str, int]] = {}
        self.stopping = threading.Event()
        self.poller = threading.Thread(target=self._poll, daemon=True)
        self.poller.start()

    def _poll(self) -> None:
        while not self.stopping.is_set():
            for pid in descendants(self.proc.pid):
                peak = vm_hwm(pid)
                if peak:
                    name = "server" if pid == self.proc.pid else "child: " + command(pid)
                    if peak > self.peaks.get(pid, ("", 0))[1]:
                        self.peaks[pid] = (name, peak)
            time.sleep(0.1)

    def stop(self) -> None:
        self.stopping.set()
        self.poller.join()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def vm_hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")[:60]
    except OSError:
        return "?"


class Client:
    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.token = token

    def get(self, path: str) -> tuple[int, bytes]:
        self.conn.request("GET", path, headers={"Authorization": f"Bearer {self.token}"})
        r = self.conn.getresponse()
        return r.status, r.read()

    def upload(self, path: str, name: str, data: bytes) -> tuple[int, bytes]:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        self.conn.request("POST", path, body=body, headers={"Authorization": f"Bearer {self.token}",
                                                            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        r = self.conn.getresponse()
        return r.status, r.read()


# --------------------------------------------------------------------------- 1. uploads

def in_process(sets: list[list[Path]]) -> float:
    """The service's merges without HTTP, storage or database: each return read once, the commune's current
    returns assessed and reported after each. Seconds."""
    from cdht_excel.commune.assess import assess_books
    from cdht_excel.reading.book import Input
    from cdht_excel.reading.read import read_workbooks
    from cdht_excel.service.returns import report_of
    settings = {"authority": "Sở Giáo dục và Đào tạo (thử)"}
    t = time.perf_counter()
    for paths in sets:
        books = []
        for path in paths:
            books += read_workbooks([Input(path, path.name)])
            report_of(assess_books(list(books)), [], settings)
    return time.perf_counter() - t


def through_service(port: int, tokens: dict[str, str], sets: list[list[Path]], clients: int) -> tuple[float, int, list[str]]:
    """Seconds, returns acknowledged, errors."""
    work: queue.Queue = queue.Queue()
    for n, paths in enumerate(sets):
        work.put((f"{n:04d}", [(p.name, p.read_bytes()) for p in paths]))
    done, errors, lock = [0], [], threading.Lock()

    def client() -> None:
        while True:
            try:
                code, files = work.get_nowait()
            except queue.Empty:
                return
            c = Client(port, tokens[code])
            for name, data in files:
                try:
                    status, body = c.upload(f"/api/v1/communes/{code}/years/{YEAR}/files", name, data)
                    ok = status == 200 and json.loads(body)["files"][0]["accepted"]
                except Exception as exc:             # noqa: BLE001 - counted, never hidden
                    status, ok, body = 0, False, repr(exc).encode()
                with lock:
                    if ok:
                        done[0] += 1
                    else:
                        errors.append(f"{code} {name}: {status} {body[:200]!r}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t, done[0], errors


# --------------------------------------------------------------------------- 2. the grid and the summary

def store_results(data: Path, db_url: str | None, report: dict, communes: int) -> None:
    """Every commune of the grid service with a stored result (the same real report under its own name),
    a state and a submission time, written straight into the database (it is what is read, not how)."""
    from cdht_excel.service import db
    from cdht_excel.service.context import open_service
    svc = open_service(data, db_url)
    states = ["chua-nop", "da-nop", "da-nop", "tra-lai", "da-kiem-tra", "da-cong-nhan"]
    try:
        rows = []
        for i in range(communes):
            r = dict(report, commune=commune_name(i))
            state = states[i % len(states)]
            rows.append({"commune": f"{i:04d}", "year": YEAR, "state": state, "late": i % 17 == 0,
                         "submitted_at": None if state == "chua-nop" else db.now(), "total": r.get("total"),
                         "classification": (r.get("classification") or {}).get("code"),
                         "classification_label": (r.get("classification") or {}).get("label"),
                         "report": json.dumps(r, ensure_ascii=False), "merged_at": db.now(), "updated_at": db.now()})
        with svc.database.write() as conn:
            for start in range(0, len(rows), 500):
                conn.execute(db.commune_years.insert(), rows[start:start + 500])
    finally:
        svc.close()


def timed_get(client: Client, path: str, repeat: int, errors: list[str]) -> tuple[list[float], bytes]:
    times, body = [], b""
    for _ in range(repeat):
        t = time.perf_counter()
        status, body = client.get(path)
        times.append(time.perf_counter() - t)
        if status != 200:
            errors.append(f"GET {path}: {status} {body[:200]!r}")
    return times, body


def stored_copy(port: int, token: str, code: str, name: str, data: bytes, errors: list[str]) -> str:
    """The bytes stored by the service (a return that is not a workbook is kept as sent): their path."""
    status, body = Client(port, token).upload(f"/api/v1/communes/{code}/years/{YEAR}/files", name, data)
    if status != 200:
        errors.append(f"storing {name}: {status} {body[:200]!r}")
        return ""
    sha = json.loads(body)["files"][0]["sha256"]
    return f"/api/v1/communes/{code}/years/{YEAR}/files/{sha}"


# --------------------------------------------------------------------------- report

def mm(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--grid", type=int, default=3300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", default=None, help="postgresql://… (an empty database; SQLite in a temp folder if not given)")
    parser.add_argument("--work", default=None, help="a folder to keep the generated returns between runs")
    parser.add_argument("--skip-uploads", action="store_true", help="only the grid and the summary (part 2)")
    args = parser.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="cdht-bench-"))
    errors: list[str] = []
    print(f"database: {'PostgreSQL' if args.db else 'SQLite'}; {os.cpu_count()} CPUs; {args.clients} clients, "
          f"{args.threads} server threads")
    sets = make_returns(work / "returns", args.communes)
    n_returns = sum(len(s) for s in sets)

    # 1. uploads, each repeat on a fresh service (a commune's returns arrive once a year)
    service_s, inproc_s, peaks = [], [], {}
    for run in range(0 if args.skip_uploads else args.repeat):
        inproc_s.append(in_process(sets))
        data = work / f"svc-{run}"
        shutil.rmtree(data, ignore_errors=True)
        db_url = fresh_pg(args.db, f"run{run}") if args.db else None
        tokens, _ = set_up(data, db_url, args.communes)
        server = Server(data, db_url, args.threads)
        try:
            seconds, acknowledged, errs = through_service(server.port, tokens, sets, args.clients)
        finally:
            server.stop()
        service_s.append(seconds)
        errors += errs
        if acknowledged != n_returns:
            errors.append(f"run {run}: {acknowledged}/{n_returns} returns acknowledged")
        merge_peaks(peaks, server.peaks)
        print(f"  run {run + 1}: service {n_returns / seconds:.1f} returns/s, in-process {n_returns / inproc_s[-1]:.1f} "
              f"returns/s")
    if service_s:
        s_min, s_med = mm(service_s)
        i_min, i_med = mm(inproc_s)
        print(f"uploads: {args.communes} communes × {n_returns // args.communes} returns = {n_returns}, one per request")
        print(f"  service     {n_returns / s_min:7.1f} returns/s best, {n_returns / s_med:7.1f} median")
        print(f"  in-process  {n_returns / i_min:7.1f} returns/s best, {n_returns / i_med:7.1f} median")
        print(f"  ratio service/in-process: {i_min / s_min:.2f} (best/best), {i_med / s_med:.2f} (median/median); "
              f"target ≥ 0.70")
        print(f"  peak memory of the server process during the uploads: {peaks['server'][1] / 2**20:.1f} MB")

    # 2. the grid and the summary for --grid communes
    from cdht_excel.commune.assess import assess
    from cdht_excel.service.returns import report_of
    report = report_of(assess([str(p) for p in sets[0]]), [], {})
    data = work / "grid"
    shutil.rmtree(data, ignore_errors=True)
    db_url = fresh_pg(args.db, "grid") if args.db else None
    tokens, checker = set_up(data, db_url, args.grid)
    store_results(data, db_url, report, args.grid)
    server = Server(data, db_url, args.threads)
    try:
        c = Client(server.port, checker)
        timed_get(c, f"/api/v1/communes?year={YEAR}", 1, errors)             # warm: connections, caches
        rows: dict[str, tuple] = {}
        for label, path in (("grid", f"/api/v1/communes?year={YEAR}"),
                            ("summary", f"/api/v1/provinces/current/years/{YEAR}/summary")):
            times, body = timed_get(c, path, args.repeat * 3, errors)
            copy = stored_copy(server.port, tokens["0000"], "0000", f"{label}.json", body, errors)
            file_times, file_body = timed_get(c, copy, args.repeat * 3, errors) if copy else ([float("nan")], b"")
            if copy and file_body != body:
                errors.append(f"{label}: the stored copy differs")
            rows[label] = (mm(times), mm(file_times), len(body), times[0])
    finally:
        server.stop()
    merge_peaks(peaks, server.peaks)
    grid_peak = max((p for name, p in server.peaks.values() if name == "server"), default=0)
    print(f"province: {args.grid} communes with stored results (server process peak {grid_peak / 2**20:.1f} MB)")
    for label, ((a_min, a_med), (f_min, f_med), size, first) in rows.items():
        print(f"  {label:8s} {a_min * 1000:8.1f} ms best, {a_med * 1000:8.1f} ms median, first {first * 1000:.0f} ms "
              f"({size / 1024:.0f} KiB); "
              f"same JSON from a file {f_min * 1000:.1f} / {f_med * 1000:.1f} ms; ratio {a_min / f_min:.1f} (best), "
              f"{a_med / f_med:.1f} (median); target ≤ 3")

    # 3., 4.
    print("peak memory per process (VmHWM):")
    for name, peak in sorted(peaks.values(), key=lambda x: -x[1])[:6]:
        print(f"  {peak / 2**20:7.1f} MB  {name}")
    worst = max((p for _, p in peaks.values()), default=0)
    print(f"  largest {worst / 2**20:.1f} MB; target ≤ 200 MB")
    print(f"errors: {len(errors)}")
    for e in errors[:20]:
        print("  " + e)


def merge_peaks(into: dict, new: dict) -> None:
    """The largest peak of the server process and of its children (the guarded reader's processes)."""
    for name, peak in new.values():
        key = "server" if name == "server" else "children"
        if peak > into.get(key, ("", 0))[1]:
            into[key] = ("server process" if key == "server" else "largest child process (reader)", peak)


def fresh_pg(url: str, suffix: str) -> str:
    """A new database on the server of `url` for one run (dropped and made again)."""
    import sqlalchemy as sa
    base = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"cdht_bench_{suffix}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"


if __name__ == "__main__":
    main()

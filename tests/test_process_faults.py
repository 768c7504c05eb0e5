"""Issue 10: process faults — links, special files, permissions, clashing outputs, write errors, signals,
and the JSON of a run that produced nothing."""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdht_excel.rules import findings as F
from support import TRACEBACK_RE, run_cli

ROOT = Path(__file__).resolve().parents[1]
CLEAN = ROOT / "samples" / "dong-thinh-2024"


def clean_copy(tmp_path, name="hop-thu") -> Path:
    return Path(shutil.copytree(CLEAN, tmp_path / name))


def merged(folder, tmp_path, *extra):
    out, report = tmp_path / "t.xlsx", tmp_path / "t.json"
    code, text = run_cli("merge", folder, "-o", out, "--json", report, *extra)
    data = json.loads(report.read_text("utf-8")) if report.exists() else {}
    return code, text, data


def by_file(data) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in data["findings"]:
        if f.get("file"):
            found.setdefault(f["file"].split("/")[-1], []).append(f["code"])
    return found


def test_symlink_loop_fifo_and_device_are_one_finding_each_and_the_run_goes_on(tmp_path):
    folder = clean_copy(tmp_path)
    (folder / "vòng.xlsx").symlink_to(folder / "vòng.xlsx")
    (folder / "gãy.xlsx").symlink_to(tmp_path / "không có.xlsx")
    os.mkfifo(folder / "ống.xlsx")                         # opening it would block the run forever
    (folder / "thiết bị.xls").symlink_to("/dev/zero")     # reading it would never end
    code, text, data = merged(folder, tmp_path)
    assert code == 1 and not TRACEBACK_RE.search(text)
    assert data["total"] == 87.5 and data["classification"]["label"] == "Tốt"
    found = by_file(data)
    assert found["vòng.xlsx"] == ["file-link-broken"] and found["gãy.xlsx"] == ["file-link-broken"]
    assert found["ống.xlsx"] == ["file-not-regular"] and found["thiết bị.xls"] == ["file-not-regular"]


def test_district_reads_summaries_in_process_but_never_opens_a_fifo_or_device(tmp_path):
    """Summaries with our result part are read in the district's own process (no guarded reader): a FIFO
    or a device named like a summary must not block that reading."""
    code, text, _ = merged(clean_copy(tmp_path), tmp_path)
    assert code in (0, 1), text
    inbox = tmp_path / "huyen"
    inbox.mkdir()
    shutil.copy(tmp_path / "t.xlsx", inbox / "tong-hop Đồng Thịnh.xlsx")
    os.mkfifo(inbox / "ống.xlsx")
    (inbox / "thiết bị.xlsx").symlink_to("/dev/zero")
    (inbox / "vòng.xlsx").symlink_to(inbox / "vòng.xlsx")
    out, report = tmp_path / "h.xlsx", tmp_path / "h.json"
    started = time.monotonic()
    code, text = run_cli("district", inbox, "-o", out, "--json", report)
    assert time.monotonic() - started < 60 and not TRACEBACK_RE.search(text)
    data = json.loads(report.read_text("utf-8"))
    assert [c["commune"] for c in data["communes"]] == ["Đồng Thịnh"] and data["communes"][0]["total"] == 87.5
    found = by_file(data)
    assert found["ống.xlsx"] == ["file-not-regular"] and found["thiết bị.xlsx"] == ["file-not-regular"]
    assert found["vòng.xlsx"] == ["file-link-broken"]


def test_a_fifo_given_directly_is_not_opened(tmp_path):
    fifo = tmp_path / "phieu.xlsx"
    os.mkfifo(fifo)
    code, text, data = merged(fifo, tmp_path)
    assert code == 2 and [f["code"] for f in data["findings"] if f.get("file")] == ["file-not-regular"]


def _unreadable_as_nobody(tmp_path) -> subprocess.CompletedProcess | None:
    """As root permission bits mean nothing: run the merge as `nobody` (setpriv) on a file only root reads."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv:
        return None
    import tempfile
    base = Path(tempfile.mkdtemp(prefix="cdht-quyen-", dir="/tmp"))     # pytest's tmp_path is root-only (0700)
    base.chmod(0o777)
    folder = Path(shutil.copytree(CLEAN, base / "hop-thu"))
    secret = folder / "khóa.xlsx"
    shutil.copy(sorted(CLEAN.glob("*.xlsx"))[0], secret)
    for p in [folder, *folder.iterdir()]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    secret.chmod(0o600)
    (base / "out").mkdir()
    (base / "out").chmod(0o777)
    env = {k: v for k, v in os.environ.items() if k != "CDHT_DEBUG"} | {"PYTHONIOENCODING": "utf-8", "HOME": "/tmp"}
    cmd = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-m", "cdht_excel",
           "merge", str(folder), "-o", str(base / "out" / "t.xlsx"), "--json", str(base / "out" / "t.json")]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", env=env, cwd="/tmp")
        if not (base / "out" / "t.json").exists() and "Permission denied" in result.stderr:
            return None       # nobody cannot even start this Python (e.g. a venv under /root)
        return result, json.loads((base / "out" / "t.json").read_text("utf-8"))
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_file_without_read_permission_is_the_unreadable_finding(tmp_path):
    ran = _unreadable_as_nobody(tmp_path)
    if ran is None:
        pytest.skip("needs root and setpriv to run as another user, and a Python that user can start")
    result, data = ran
    text = result.stdout + result.stderr
    assert not TRACEBACK_RE.search(text), text
    assert by_file(data)["khóa.xlsx"] == ["file-unreadable"]
    assert data["total"] == 87.5


@pytest.mark.parametrize("args", [["-o", "{d}/hs/x.xlsx", "--docs", "{d}/hs"],
                                  ["-o", "{d}/x.xlsx", "--json", "{d}/hs/x.json", "--docs", "{d}/hs"]])
def test_outputs_that_would_overwrite_each_other_are_refused(tmp_path, args):
    args = [a.format(d=tmp_path) for a in args]
    code, text = run_cli("merge", CLEAN, *args)
    assert code == 2 and F.CATALOGUE["output-clash"][1].split("{")[0] in text
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "hs").exists()


@pytest.mark.parametrize("command", ["merge", "district"])
def test_the_same_file_for_workbook_and_json_is_refused(tmp_path, command):
    for name in ("h.xlsx", "h.json"):
        code, text = run_cli(command, CLEAN, "-o", tmp_path / name, "--json", tmp_path / name)
        assert code == 2 and not (tmp_path / name).exists()
    code, text = run_cli(command, CLEAN, "-o", tmp_path / "h.xlsx", "--check-form" if command == "district"
                         else "--json", tmp_path / "h.xlsx")
    assert code == 2 and not (tmp_path / "h.xlsx").exists()
    if command == "district":
        assert F.CATALOGUE["output-clash"][1].split("{")[0] in text


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a write past the limit fails (EFBIG) instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_a_write_error_is_the_cannot_write_finding_and_keeps_the_previous_output(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "t.xlsx").write_bytes(b"previous")
    env = {k: v for k, v in os.environ.items() if k != "CDHT_DEBUG"} | {"PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "cdht_excel", "merge", str(CLEAN), "-o", str(out / "t.xlsx"),
                             "--json", str(out / "t.json")], capture_output=True, text=True, encoding="utf-8",
                            env=env, preexec_fn=_limit_file_size)
    text = result.stdout + result.stderr
    assert result.returncode == 2, text
    assert not TRACEBACK_RE.search(text) and "Lỗi không mong đợi" not in text
    assert F.CATALOGUE["output-unwritable"][1].split("{")[0].strip() in " ".join(text.split())   # lines wrapped
    assert (out / "t.xlsx").read_bytes() == b"previous"
    assert sorted(p.name for p in out.iterdir()) == ["t.xlsx"]        # no temporary file left


def test_nothing_mergeable_still_writes_the_json_with_every_finding(tmp_path):
    folder = tmp_path / "rac"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(b"")
    (folder / "b.xls").write_text("không phải bảng tính", "utf-8")
    code, text, data = merged(folder, tmp_path)
    assert code == 2
    assert not (tmp_path / "t.xlsx").exists()
    assert data["exit_code"] == 2 and data["complete"] is False
    assert {c for c in (f["code"] for f in data["findings"])} >= {"file-empty", "file-not-workbook",
                                                                  "no-readable-input"}


def test_status_prints_file_errors_and_exits_1(tmp_path):
    folder = clean_copy(tmp_path)
    (folder / "hỏng.xlsx").write_bytes(b"PK\x03\x04 cut")
    code, text = run_cli("status", folder)
    assert code == 1
    assert "hỏng.xlsx" in text and F.CATALOGUE["file-corrupt"][1].split("(")[0].strip() in text


def test_sigterm_and_sigint_during_district_stop_workers_cleanly(tmp_path):
    communes = tmp_path / "huyen"
    for n in range(60):                       # enough folders for worker processes (PARALLEL_FROM = 48)
        shutil.copytree(CLEAN, communes / f"xa-{n:02d}")
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CDHT_DEBUG"} | {"PYTHONIOENCODING": "utf-8"}
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc = subprocess.Popen([sys.executable, "-m", "cdht_excel", "district", str(communes), "-o",
                                 str(out / "h.xlsx"), "--json", str(out / "h.json"), "--workers", "2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                env=env, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_descendants(proc.pid)) < 2:
            time.sleep(0.05)
        workers = _descendants(proc.pid)
        assert workers, "the district run never started its workers"
        time.sleep(0.5)
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)          # Ctrl-C reaches the whole process group
        else:
            proc.send_signal(sig)             # `kill PID`: only the main process
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 2, (sig, stdout, stderr)
        assert not TRACEBACK_RE.search(stdout + stderr), stderr
        assert "Đã dừng." in stderr
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)], "workers or readers left behind"
        assert sorted(p.name for p in out.iterdir()) == [], "temporary or partial outputs left"


def _descendants(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            children = []
        found += children
        todo += children
    return found


def _alive(pid: int) -> bool:
    """Running or defunct (a zombie nobody reaped) both count as left behind."""
    try:
        return Path(f"/proc/{pid}/stat").exists()
    except OSError:
        return False

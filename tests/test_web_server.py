"""`cdht web` as a process: descriptors, signals, leftovers, idle connections (real server, real sockets).

Every test starts the server as a user does (tests/web_live.py) and speaks HTTP to it; limits are real
(RLIMIT_NOFILE set in the child before it starts), signals are real.
"""
from __future__ import annotations

import re
import signal
import sys

import pytest
from support import REPO
from web_live import Live

SAMPLE = REPO / "samples" / "dong-thinh-2024"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX limits and signals")


def sample_parts():
    return [("files", p.name, p.read_bytes()) for p in sorted(SAMPLE.iterdir()) if p.is_file()]


def many_parts(count: int):
    """The sample forms copied under distinct names three times, then small junk up to `count` parts."""
    parts = [("files", f"bản {n} - {name}", data) for n in range(1, 4) for _, name, data in sample_parts()]
    parts += [("files", f"ghi chú {n}.txt", f"không phải phiếu {n}".encode()) for n in range(count - len(parts))]
    return parts


def merged_total(page: str) -> tuple[str, str]:
    total = re.search(r"data-total>([^<]+)<", page)
    klass = re.search(r"data-class>([^<]+)<", page)
    return (total.group(1) if total else "", klass.group(1) if klass else "")


@pytest.fixture
def live_factory(tmp_path):
    started = []

    def start(**kw):
        live = Live.start(tmp_path, **kw)
        started.append(live)
        return live
    yield start
    for live in started:
        live.stop()


@pytest.mark.parametrize("nofile", [1024, 256])
def test_many_files_in_one_upload_under_a_desktop_descriptor_limit(live_factory, nofile):
    live = live_factory(nofile=nofile)
    big = live.post(live.page("merge"), many_parts(1100), action="merge")
    assert big.status == 303, big.text[:3000]
    assert live.follow(big).status == 200
    again = live.follow(live.post(live.page("merge"), sample_parts(), action="merge"))
    assert again.status == 200
    assert merged_total(again.text) == ("87,5", "TỐT")
    assert live.open_descriptors() < 64          # nothing of the big upload stays open


def test_the_reader_answers_when_its_socket_is_past_descriptor_1024():
    """A server with many files open: the reader's socket gets a number select() cannot watch."""
    import math
    import os
    import resource

    from cdht_excel.reading.guard import Guard
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"the hard limit of open files is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200) if soft != resource.RLIM_INFINITY else soft, hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        with Guard() as guard:
            assert guard.call(math.sqrt, 16.0) == 4.0
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_failed_or_empty_merge_leaves_the_home_page_working(live_factory):
    live = live_factory()
    junk = live.post(live.page("merge"), [("files", "ghi chú.txt", b"not a workbook")], action="merge")
    assert junk.status == 422
    assert live.get(live.page("")).status == 200
    empty = live.post(live.page("merge"), [("files", "", b"")], action="merge")
    assert empty.status == 400
    assert live.get(live.page("")).status == 200
    status_junk = live.post(live.page("merge"), [("files", "ghi chú.txt", b"x")], action="status")
    assert status_junk.status == 422
    assert live.get(live.page("")).status == 200
    assert merged_total(live.follow(live.post(live.page("merge"), sample_parts(), action="merge")).text) == \
        ("87,5", "TỐT")
    home = live.get(live.page(""))
    assert home.status == 200 and "Kết quả tổng hợp gần nhất" in home.text and "87,5" in home.text


def test_closing_the_terminal_removes_the_uploads(live_factory):
    live = live_factory()
    assert live.post(live.page("merge"), sample_parts(), action="merge").status == 303
    [private] = live.private_folders()
    assert list(private.rglob("*.xlsx"))
    out, err = live.signal(signal.SIGHUP)
    assert live.proc.returncode == 0 and "Traceback" not in err, err
    assert "Đã dừng" in out
    assert not private.exists()


def test_a_killed_servers_folder_is_removed_at_the_next_start_and_a_live_one_is_kept(live_factory):
    killed = live_factory()
    assert killed.post(killed.page("merge"), sample_parts(), action="merge").status == 303
    [left] = killed.private_folders()
    killed.signal(signal.SIGKILL)
    assert left.exists() and list(left.rglob("*.xlsx"))          # nothing could clean up
    running = live_factory()
    assert not left.exists()                                     # removed by the next start
    [alive] = running.private_folders()
    third = live_factory()
    assert alive.exists() and alive in third.private_folders()   # a live server's folder is left alone
    assert running.get(running.page("")).status == 200
    assert running.follow(running.post(running.page("merge"), sample_parts(), action="merge")).status == 200


def test_the_printed_address_has_a_random_root_that_scopes_the_cookie(live_factory):
    one, two = live_factory(), live_factory()
    assert one.root != two.root and re.fullmatch(r"/[A-Za-z0-9_-]{16}/", one.root)
    assert f"Path={one.root}" in one.set_cookie.split("; ")
    assert one.get("/", cookie=True).status == 404                 # nothing answers outside the root
    assert one.get("/merge").status == 404
    assert two.get(two.page("merge"), headers={"Cookie": one.cookie}, cookie=False).status == 403
    assert one.get(one.page("merge")).status == 200


def test_a_hundred_idle_connections_do_not_make_the_page_unreachable(live_factory):
    import socket
    import time
    live = live_factory()
    idle = []
    try:
        for n in range(100):
            sock = socket.create_connection(("127.0.0.1", live.port), timeout=5)
            if n % 2:                      # half say nothing, half start a request and stop
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            idle.append(sock)
        time.sleep(0.5)
        started = time.monotonic()
        reply = live.get(live.page(""), timeout=5)
        assert reply.status == 200 and time.monotonic() - started < 5
    finally:
        for sock in idle:
            sock.close()


def test_a_body_over_the_limit_gets_a_vietnamese_413_page_not_a_reset(live_factory):
    import socket

    from cdht_excel.rules import findings as F
    from cdht_excel.web import uploads
    live = live_factory()
    size = uploads.total_limit() + (3 << 20)
    head = (f"POST {live.page('merge')} HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\nCookie: {live.cookie}\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {size}\r\n\r\n").encode()
    chunk = b"\0" * (1 << 20)
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
        sock.sendall(head)
        sent = 0
        while sent < size:                 # a browser sends the whole body before it reads the answer
            piece = chunk[:size - sent]
            sock.sendall(piece)
            sent += len(piece)
        answer = b""
        while data := sock.recv(1 << 16):
            answer += data
    text = answer.decode("utf-8", "replace")
    assert text.startswith("HTTP/1.1 413"), text[:300]
    assert "text/html" in text.split("\r\n\r\n")[0]
    limit = F.make("upload-too-large", size="0", limit="0").message.split("(")[0]
    assert limit in text and "Tải lên quá lớn" in text
    assert live.get(live.page("")).status == 200


def test_the_soft_limit_of_open_files_is_raised_to_the_hard_one_at_start(live_factory):
    live = live_factory(nofile=(256, 4096))
    assert live.open_file_limit() == (4096, 4096)

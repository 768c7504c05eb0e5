"""`cdht web`: a private folder, a random token, waitress on 127.0.0.1, the browser opened on the page.

Ctrl-C, SIGTERM or closing the terminal (SIGHUP) stops the server, and the private folder with every
uploaded and written file is removed. Nothing is read or written outside it: uploads are spooled there,
and the temporary files of the library (and of LibreOffice for PDFs) are kept there too for the
server's lifetime. A server that was killed cannot clean up: each folder holds a lock file its server
keeps locked, and the next start removes the folders whose lock nobody holds any more.
"""
from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import stat
import sys
import tempfile
import threading
import webbrowser
from contextlib import contextmanager
from pathlib import Path

DEFAULT_PORT = 8765
THREADS = 4
# waitress stops accepting at 100 connections and drops an idle one after 120 s: 100 idle sockets of any
# local program made the page unreachable for two minutes. A browser keeps a few open per page.
CONNECTION_LIMIT = 1000
IDLE_SECONDS = 30
CLEANUP_SECONDS = 5
FOLDER_PREFIX = "cdht-web-"
OWNER_LOCK = "owner.lock"
STARTING_SECONDS = 60          # a folder without its lock yet may be a server starting right now
STOP_SIGNALS = ("SIGTERM", "SIGHUP")


class PortBusy(OSError):
    pass


def serve(port: int | None = None, open_browser: bool = True, echo=print) -> int:
    """Run until Ctrl-C; return the exit code. `port=None`: the default port, or a free one if busy."""
    try:
        return _serve(port, open_browser, echo)
    except KeyboardInterrupt:          # Ctrl-C while starting: the private folder is gone already
        echo("Đã dừng; đã xóa các tệp tạm.")
        return 0


def _serve(port: int | None, open_browser: bool, echo) -> int:
    import waitress.server

    from cdht_excel.web import uploads
    from cdht_excel.web.app import create_app, new_root
    logging.getLogger("waitress").setLevel(logging.ERROR)
    raise_open_file_limit()
    token = secrets.token_urlsafe(24)
    with private_folder() as workdir:
        root = new_root()
        app = create_app(workdir, token, port or 0, root)
        options = {"host": "127.0.0.1", "threads": THREADS, "ident": "cdht", "asyncore_use_poll": True,
                   "connection_limit": CONNECTION_LIMIT, "channel_timeout": IDLE_SECONDS,
                   "cleanup_interval": CLEANUP_SECONDS,
                   "max_request_body_size": uploads.total_limit() + (2 << 20), "expose_tracebacks": False}
        try:
            server = waitress.server.create_server(app, port=DEFAULT_PORT if port is None else port, **options)
        except OSError:
            if port is not None:
                raise PortBusy(port) from None
            server = waitress.server.create_server(app, port=0, **options)
        actual = server.effective_port
        app.extensions["cdht"].port = actual
        server.channel_class = _answering_channel(app)
        url = f"http://127.0.0.1:{actual}{root}/?token={token}"
        echo(f"Trang làm việc của cdht (nhấn Ctrl+C để dừng): {url}")
        sys.stdout.flush()
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        previous = _stop_on_signals()
        try:
            server.run()              # returns on Ctrl-C (waitress catches KeyboardInterrupt)
        finally:
            server.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    echo("Đã dừng; đã xóa các tệp tạm.")
    return 0


LINGER_SECONDS = 120     # at most this long spent reading (and dropping) a refused body


def _answering_channel(app):
    """waitress's connection, changed for a body over the limit: the answer is the page's own 413 page
    in Vietnamese, and what the client still sends is read and dropped after it (a lingering close), so
    that the browser gets to read the page instead of a reset connection."""
    import socket
    import time

    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser
    from waitress.utilities import Error, RequestEntityTooLarge

    from cdht_excel.web.app import SECURITY_HEADERS, too_large_page

    class TooLarge(Error):
        code, reason = 413, "Request Entity Too Large"

        def __init__(self, size: int):
            super().__init__("")
            self.size = size

        def to_response(self, ident=None):
            headers = [("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS.items()]
            return f"{self.code} {self.reason}", headers, too_large_page(app, self.size)

    class Parser(HTTPRequestParser):
        def received(self, data):
            used = super().received(data)
            if type(self.error) is RequestEntityTooLarge:
                self.error = TooLarge(self.content_length or self.body_bytes_received)
                return len(data)           # the rest of this piece is body: not another request
            return used

    class Channel(HTTPChannel):
        parser_class = Parser
        refused = False
        draining_until = 0.0

        def received(self, data):
            if self.refused:
                return True                # the refused body: dropped
            result = super().received(data)
            if any(isinstance(getattr(r, "error", None), TooLarge) for r in self.requests):
                self.refused = True
            return result

        def readable(self):
            return bool(self.draining_until) or super().readable()

        def handle_read(self):
            if not self.draining_until:
                return super().handle_read()
            try:
                data = self.recv(1 << 16)          # b"" when the client closed: recv has closed us then
            except OSError:
                return None
            if data:
                self.last_activity = time.time()
            if data and time.monotonic() > self.draining_until:
                self.handle_close()
            return None

        def handle_close(self):
            if self.refused and not self.draining_until and self.connected:
                self.draining_until = time.monotonic() + LINGER_SECONDS
                self.will_close = self.close_when_flushed = False
                try:
                    self.socket.shutdown(socket.SHUT_WR)      # the page is sent: say so, keep reading
                    return
                except OSError:
                    pass
            super().handle_close()
    return Channel


def raise_open_file_limit() -> None:
    """The soft limit of open files up to the hard one (a desktop's soft limit is 1,024, a Mac's 256)."""
    try:
        import resource
    except ImportError:          # Windows: no such limit per process
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):        # macOS refuses more than OPEN_MAX: keep what we have
            pass


def _stop_on_signals() -> dict:
    """SIGTERM and SIGHUP (the terminal closed) stop the server as Ctrl-C does; the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def stop(signum, frame):
        raise SystemExit(0)
    signals = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]
    return {signum: signal.signal(signum, stop) for signum in signals}


@contextmanager
def private_folder():
    """A folder only this user can open (0700), used as the temporary folder while it exists."""
    remove_leftovers(Path(tempfile.gettempdir()))
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
    os.chmod(folder, 0o700)
    owner = _hold_owner_lock(folder)
    tmp = folder / "tmp"
    tmp.mkdir(mode=0o700)
    saved_tempdir, saved_env = tempfile.tempdir, {k: os.environ.get(k) for k in ("TMPDIR", "TEMP", "TMP")}
    tempfile.tempdir = str(tmp)
    os.environ.update({k: str(tmp) for k in saved_env})
    try:
        yield folder
    finally:
        tempfile.tempdir = saved_tempdir
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(folder, ignore_errors=True)
        if owner is not None:
            owner.close()


def _hold_owner_lock(folder: Path):
    """The open, locked lock file that says this folder's server is alive (None where locks are absent).

    A POSIX record lock: the kernel drops it when the process dies, even by SIGKILL, and a forked reader
    does not inherit it. It is taken under another name and then renamed, so that no one ever sees the
    lock file unlocked."""
    try:
        import fcntl
    except ImportError:             # Windows: leftovers are not detected
        return None
    handle, name = tempfile.mkstemp(dir=folder, prefix="owner-")
    owner = os.fdopen(handle, "r+")
    fcntl.lockf(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
    owner.write(f"{os.getpid()}\n")
    owner.flush()
    os.replace(name, folder / OWNER_LOCK)
    return owner


def remove_leftovers(parent: Path) -> list[Path]:
    """Remove the private folders of servers that are no longer running (killed, or the machine lost
    power): this user's folders whose lock file nobody holds. A live server's folder is left alone."""
    removed: list[Path] = []
    try:
        candidates = sorted(parent.glob(FOLDER_PREFIX + "*"))
    except OSError:
        return removed
    for folder in candidates:
        if _is_leftover(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _is_leftover(folder: Path) -> bool:
    try:
        import fcntl
        import time
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return False
        lock = folder / OWNER_LOCK
        if not lock.exists():
            return time.time() - info.st_mtime > STARTING_SECONDS
        with open(lock, "r+") as probe:
            if probe.read().strip() == str(os.getpid()):    # ours: probing it would drop our own lock
                return False
            fcntl.lockf(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except (ImportError, OSError):       # locked by its live server, or not ours to judge
        return False

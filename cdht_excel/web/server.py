"""`cdht web`: a private folder, a random token, waitress on 127.0.0.1, the browser opened on the page.

Ctrl-C (or SIGTERM) stops the server, and the private folder with every uploaded and written file is
removed. Nothing is read or written outside it: uploads are spooled there, and the temporary files of
the library (and of LibreOffice for PDFs) are kept there too for the server's lifetime.
"""
from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import webbrowser
from contextlib import contextmanager
from pathlib import Path

DEFAULT_PORT = 8765
THREADS = 4


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
    from cdht_excel.web.app import create_app
    logging.getLogger("waitress").setLevel(logging.ERROR)
    raise_open_file_limit()
    token = secrets.token_urlsafe(24)
    with private_folder() as workdir:
        app = create_app(workdir, token, port or 0)
        options = {"host": "127.0.0.1", "threads": THREADS, "ident": "cdht",
                   "max_request_body_size": uploads.total_limit() + (2 << 20), "expose_tracebacks": False}
        try:
            server = waitress.server.create_server(app, port=DEFAULT_PORT if port is None else port, **options)
        except OSError:
            if port is not None:
                raise PortBusy(port) from None
            server = waitress.server.create_server(app, port=0, **options)
        actual = server.effective_port
        app.extensions["cdht"].port = actual
        url = f"http://127.0.0.1:{actual}/?token={token}"
        echo(f"Trang làm việc của cdht (nhấn Ctrl+C để dừng): {url}")
        sys.stdout.flush()
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        previous = _stop_on_sigterm()
        try:
            server.run()              # returns on Ctrl-C (waitress catches KeyboardInterrupt)
        finally:
            server.close()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    echo("Đã dừng; đã xóa các tệp tạm.")
    return 0


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


def _stop_on_sigterm():
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise SystemExit(0)
    return signal.signal(signal.SIGTERM, stop)


@contextmanager
def private_folder():
    """A folder only this user can open (0700), used as the temporary folder while it exists."""
    folder = Path(tempfile.mkdtemp(prefix="cdht-web-"))
    os.chmod(folder, 0o700)
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

"""`cdht serve`: open the service (schema migrated, stored files checked, a crash's leftovers removed), then
waitress on the given address. Several processes may serve one database and one data folder: nothing that
matters lives in a process's memory (sessions, login throttling, states and results are in the database)."""
from __future__ import annotations

import logging
import signal
import sys

DEFAULT_HOST, DEFAULT_PORT, DEFAULT_THREADS = "127.0.0.1", 8000, 8
CONNECTION_LIMIT = 1000
IDLE_SECONDS = 60


def serve(data_dir, db_url, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, threads: int = DEFAULT_THREADS,
          behind_proxy: bool = False, echo=print) -> int:
    """Run until Ctrl-C, SIGTERM or SIGHUP (at any moment, starting included): then stop cleanly, exit 0."""
    def stop(signum, frame):
        raise KeyboardInterrupt
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    try:
        _serve(data_dir, db_url, host, port, threads, behind_proxy, echo)
    except KeyboardInterrupt:
        pass
    echo("Đã dừng dịch vụ.")
    return 0


def _serve(data_dir, db_url, host: str, port: int, threads: int, behind_proxy: bool, echo) -> None:
    import waitress.server

    from cdht_excel.service.app import create_app
    from cdht_excel.service.context import open_service
    from cdht_excel.service.returns import MAX_BYTES
    logging.getLogger("waitress").setLevel(logging.ERROR)
    svc = open_service(data_dir, db_url, check=True)
    held = _hold_stop_signals()     # from the moment the port is open until the loop runs (see below)
    try:
        for note in svc.notes:
            echo(note)
        app = create_app(svc, behind_proxy=behind_proxy)
        server = waitress.server.create_server(
            app, host=host, port=port, threads=threads, ident="cdht", connection_limit=CONNECTION_LIMIT,
            channel_timeout=IDLE_SECONDS, max_request_body_size=MAX_BYTES + (1 << 20), expose_tracebacks=False,
            trusted_proxy=None, clear_untrusted_proxy_headers=True)
        try:
            province = svc.province()["name"]
            echo(f"Dịch vụ cấp tỉnh “{province}” đang chạy tại http://{host}:{server.effective_port}/ "
                 f"(nhấn Ctrl+C để dừng).")
            sys.stdout.flush()
            _release(held)          # a stop asked meanwhile arrives here, as KeyboardInterrupt
            server.run()            # returns on Ctrl-C, SIGTERM or SIGHUP (waitress ends its loop on KeyboardInterrupt)
        finally:
            server.close()
    finally:
        try:
            svc.close()
        finally:
            _release(held)


STOP_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")


def _hold_stop_signals() -> set:
    """Hold a stop signal while the listening socket is open but the loop does not run yet: a stop that lands
    inside a database call there (the province's name) could leave the connection half-used, and closing it
    then fails instead of stopping cleanly. The signal is only delayed, never lost."""
    wanted = {getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)}
    if not hasattr(signal, "pthread_sigmask") or not wanted:
        return set()
    signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    return wanted


def _release(held: set) -> None:
    if held:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)
        held.clear()

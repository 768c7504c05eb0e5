"""Untrusted files are read in a separate reader process with hard limits on memory and CPU time.

Why a process and not only checks: python-calamine (Rust) trusts counts written in
the file. A shared-strings count of four billion makes it allocate 96 GB, a damaged
.xls asks for 1.3 TB (measured, tests/hostile.py); Rust answers a failed allocation
by aborting the whole process, which no `except` can catch. In the reader process
that abort ends only the reader: the run goes on, and the file gets one finding.

Cost: one reader process per run (not per file), started with fork (about 5 ms),
fed one file at a time over a pipe; it is started again only after a crash. Where
fork does not exist (Windows) the reader is a spawned process; inside a daemonic
worker that cannot have children, files are read in the worker itself (the
streaming pre-check of cdht_excel.reading.precheck still bounds every sheet's size).

Limits in the reader (POSIX): data `DATA_ROOM` bytes more than it inherits (RLIMIT_DATA: its
heap and anonymous mappings, what a reader fills; so its resident memory stays about that far above
its parent's), address space `memory` bytes (RLIMIT_AS, a backstop for whatever else it maps), CPU
`cpu_seconds` per file (RLIMIT_CPU, raised before each file), and a wall-clock limit per file checked
by the parent.
"""
from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from typing import Any

MEMORY = 400 * 2**20       # the reader's whole address space, libraries included
# What the reader may add to the data it inherits. Measured in the reader (VmData, VmHWM): a unit's form
# adds 3 MB, a 240,000-cell sheet (half the pre-check's limit) 25 MB; a 42 KB .xlsx repeating one 30 KB
# shared string in 20,000 cells reached 390 MB of resident memory under the address-space limit alone.
DATA_ROOM = 160 * 2**20
CPU_SECONDS = 30
WALL_SECONDS = 60


@dataclass
class Crash:
    """The reader process ended while reading (a native abort, a memory or time limit) or hung."""
    reason: str       # 'signal', 'exit', 'timeout'
    detail: str


def is_panic(exc: BaseException) -> bool:
    """python-calamine's Rust panics arrive as pyo3_runtime.PanicException, a BaseException."""
    return type(exc).__name__ == "PanicException" and type(exc).__module__ in ("pyo3_runtime", "builtins")


def worker_signals() -> None:
    """For pool workers: Ctrl-C is the parent's to handle; SIGTERM (the parent stopping the pool, or a
    user stopping the run) ends the worker quietly with its `finally` blocks run (its reader process is
    reaped, its temporary files removed), never with a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _exit_quietly)


def _exit_quietly(signum, frame):
    raise SystemExit(128 + signum)


def _mapped_now() -> int:
    """Address space the process maps already (a forked reader inherits its parent's: a long-running
    parent such as `cdht web`, with its threads' malloc arenas, may map more than `memory` by itself)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def _data_now() -> int:
    """The data segment the process has already (VmData: heap and private anonymous mappings), 0 if unknown."""
    try:
        with open("/proc/self/status") as f:
            line = next((line for line in f if line.startswith("VmData:")), "")
        return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0


def _set_soft_limit(which: int, limit: int) -> None:
    import resource
    hard = resource.getrlimit(which)[1]
    resource.setrlimit(which, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def _limit_memory(memory: int, data_room: int = DATA_ROOM) -> None:
    try:
        import resource
        _set_soft_limit(resource.RLIMIT_AS, max(memory, _mapped_now() + memory // 2))   # whatever the parent mapped
        data = _data_now()
        if data:     # relative to what the parent had (a long-running `cdht web` has more), never absolute
            _set_soft_limit(resource.RLIMIT_DATA, data + data_room)
    except (ImportError, ValueError, OSError, AttributeError):
        pass


def _limit_cpu(seconds: int) -> None:
    try:
        import resource
        used = resource.getrusage(resource.RUSAGE_SELF)
        now = int(used.ru_utime + used.ru_stime) + 1
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        soft = now + seconds
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ImportError, ValueError, OSError):
        pass


def _serve(conn, memory: int, cpu_seconds: int, quiet: bool) -> None:
    """The reader process: calls (function, args) one at a time until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)          # Ctrl-C is the parent's to handle
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if quiet:   # Rust prints panics and failed allocations to stderr: the finding says it instead
        import faulthandler
        faulthandler.disable()
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            pass
    _limit_memory(memory)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        func, items = task
        for args in items:       # one reply per item, sent as soon as it is ready
            _limit_cpu(cpu_seconds)
            try:
                reply = ("ok", func(*args))
            except BaseException as exc:     # noqa: BLE001 - everything goes back to the parent as a value
                reply = ("raised", (type(exc).__name__, str(exc)[:300], is_panic(exc)))
            try:
                conn.send(reply)
            except (OSError, ValueError, MemoryError):
                return


class _Channel:
    """Pickled messages over one end of a socket pair (lighter to import than multiprocessing)."""

    def __init__(self, sock):
        self.sock = sock

    def send(self, obj) -> None:
        import pickle
        import struct
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        self.sock.sendall(struct.pack("<Q", len(data)) + data)

    def _exactly(self, n: int) -> bytes:
        parts, left = [], n
        while left:
            piece = self.sock.recv(min(left, 1 << 20))
            if not piece:
                raise EOFError
            parts.append(piece)
            left -= len(piece)
        return b"".join(parts)

    def recv(self):
        import pickle
        import struct
        (size,) = struct.unpack("<Q", self._exactly(8))
        return pickle.loads(self._exactly(size))

    def poll(self, timeout: float) -> bool:
        import selectors     # not select(): it fails for a descriptor numbered 1,024 or more
        with getattr(selectors, "PollSelector", selectors.DefaultSelector)() as selector:
            selector.register(self.sock, selectors.EVENT_READ)
            return bool(selector.select(timeout))

    def close(self) -> None:
        self.sock.close()


def _pair() -> tuple[_Channel, _Channel]:
    import socket
    a, b = socket.socketpair()
    return _Channel(a), _Channel(b)


class RaisedInReader(Exception):
    def __init__(self, name: str, text: str, panic: bool):
        super().__init__(f"{name}: {text}" if text else name)
        self.name, self.text, self.panic = name, text, panic


class Guard:
    """One reader process for a whole run: `map(func, [args, ...])` and `call(func, *args)` give func's
    results, or a `Crash`, or a `RaisedInReader` (func's exception, returned as a value, not raised).

    `func` must be a module-level function (it is pickled by name).
    """

    def __init__(self, memory: int = MEMORY, cpu_seconds: int = CPU_SECONDS, wall_seconds: float = WALL_SECONDS):
        self.memory, self.cpu_seconds, self.wall_seconds = memory, cpu_seconds, wall_seconds
        self.conn: Any = None
        self.pid: int | None = None
        self.process: Any = None
        self.inline = bool(os.environ.get("CDHT_INLINE"))   # benchmarks only: read in this process

    # -- life cycle
    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        quiet = not os.environ.get("CDHT_DEBUG")
        if hasattr(os, "fork"):
            parent, child = _pair()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:     # the reader
                code = 0
                try:
                    parent.close()
                    _serve(child, self.memory, self.cpu_seconds, quiet)
                except BaseException:   # noqa: BLE001
                    code = 1
                finally:
                    os._exit(code)
            child.close()
            self.conn, self.pid = parent, pid
            return
        import multiprocessing as mp
        if not mp.current_process().daemon:
            parent_end, child_end = mp.Pipe()
            self.process = mp.get_context("spawn").Process(
                target=_serve, args=(child_end, self.memory, self.cpu_seconds, quiet), daemon=True)
            self.process.start()
            child_end.close()
            self.conn = parent_end
        else:
            self.inline = True

    def _stop(self, kill: bool) -> str:
        """End the reader; the way it ended, in words."""
        how = ""
        if self.conn is not None:
            try:
                if not kill:
                    self.conn.send(None)
            except (OSError, ValueError):
                pass
            self.conn.close()
        if self.pid is not None:
            if kill:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _, status = os.waitpid(self.pid, 0)
            how = _status_text(status)
        elif self.process is not None:
            if kill:
                self.process.kill()
            self.process.join(5)
            how = f"mã thoát {self.process.exitcode}"
        self.conn, self.pid, self.process = None, None, None
        return how

    def close(self) -> None:
        if self.conn is not None:
            self._stop(kill=False)

    # -- work
    def call(self, func, *args):
        return next(self.map(func, [args]))

    def map(self, func, arg_tuples):
        """func(*args) for each args, in order, read one after the other by the reader process without
        waiting for the parent between files; each result is a value, a `Crash`, or `RaisedInReader`
        raised when reached. After a crash the reader is started again for the remaining items."""
        todo = list(arg_tuples)
        while todo:
            if self.conn is None and not self.inline:
                self._start()
            if self.inline:
                for args in todo:
                    yield _inline(func, args)
                return
            try:
                self.conn.send((func, todo))
            except (OSError, ValueError):
                yield Crash("died", self._stop(kill=True))
                todo = todo[1:]
                continue
            done = 0
            while done < len(todo):
                try:
                    if not self.conn.poll(self.wall_seconds):
                        self._stop(kill=True)
                        reply = Crash("timeout", f"quá {int(self.wall_seconds)} giây")
                    else:
                        kind, value = self.conn.recv()
                        reply = RaisedInReader(*value) if kind == "raised" else value
                except (EOFError, OSError):
                    reply = Crash("died", self._stop(kill=True))
                done += 1
                yield reply
                if isinstance(reply, Crash):
                    break
            todo = todo[done:]


def _inline(func, args):
    try:
        return func(*args)
    except Exception as exc:   # noqa: BLE001 - the same contract as the reader process
        return RaisedInReader(type(exc).__name__, str(exc)[:300], False)
    except BaseException as exc:
        if not is_panic(exc):
            raise
        return RaisedInReader(type(exc).__name__, str(exc)[:300], True)


def _status_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        what = {"SIGABRT": "dừng đột ngột, thường do xin quá nhiều bộ nhớ", "SIGXCPU": "quá thời gian xử lý",
                "SIGKILL": "bị dừng", "SIGSEGV": "lỗi truy cập bộ nhớ"}.get(name, "bị dừng")
        return f"{what} ({name})"
    if os.WIFEXITED(status):
        return f"mã thoát {os.WEXITSTATUS(status)}"
    return "không rõ"

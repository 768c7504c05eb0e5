"""The real `cdht web` server in a subprocess, spoken to over real sockets (no browser, no test client).

`Live.start()` runs `python -m cdht_excel web --port 0 --no-browser` as a user does, optionally under a
real RLIMIT_NOFILE, and reads the address from the line it prints. Requests go through http.client;
the cookie of the first visit is kept, and POSTs carry the form token, as the page's forms do.
"""
from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)(/\S*)\?token=([A-Za-z0-9_-]+)")


def _limit_files(count: int | tuple[int, int]):
    soft, hard = count if isinstance(count, tuple) else (count, count)

    def apply():
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return apply


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Live:
    proc: subprocess.Popen
    port: int
    root: str                      # the path the page is served under, ending with "/"
    token: str
    tmpdir: Path
    cookie: str = ""               # name=value, as a browser sends it back
    set_cookie: str = ""           # the Set-Cookie header of the first visit
    lines: list = field(default_factory=list)

    @classmethod
    def start(cls, tmpdir: Path, nofile: int | tuple[int, int] | None = None) -> Live:
        env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONIOENCODING": "utf-8"}
        env.pop("CDHT_DEBUG", None)
        proc = subprocess.Popen([sys.executable, "-m", "cdht_excel", "web", "--port", "0", "--no-browser"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                env=env, preexec_fn=_limit_files(nofile) if nofile else None)
        line = proc.stdout.readline()
        match = URL_RE.search(line)
        if not match:
            proc.kill()
            raise AssertionError(f"no address printed: {line!r} {proc.stderr.read()}")
        live = cls(proc, int(match.group(1)), match.group(2), match.group(3), Path(tmpdir), lines=[line])
        first = live.get(f"{live.root}?token={live.token}", cookie=False)
        assert first.status == 303, first.text[:500]
        live.set_cookie = first.headers["set-cookie"]
        live.cookie = live.set_cookie.split(";")[0]
        return live

    # -- requests
    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                cookie: bool = True, timeout: float = 600) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            if cookie and self.cookie:
                sent["Cookie"] = self.cookie
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, files=(), **fields) -> Reply:
        body, content_type = multipart({"token": self.token, **fields}, files)
        return self.request("POST", path, body, {"Content-Type": content_type})

    def follow(self, reply: Reply) -> Reply:
        assert reply.status == 303, reply.text[:3000]
        return self.get(urlsplit(reply.headers["location"]).path)

    def page(self, name: str) -> str:
        """A page's path below the root: page('merge') -> '/<root>/merge'."""
        return self.root + name

    # -- the process
    def private_folders(self) -> list[Path]:
        return sorted(self.tmpdir.glob("cdht-web-*"))

    def signal(self, signum: int, timeout: float = 30) -> tuple[str, str]:
        self.proc.send_signal(signum)
        out, err = self.proc.communicate(timeout=timeout)
        return out, err

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.signal(signal.SIGINT)

    def open_file_limit(self) -> tuple[int, int]:
        """(soft, hard) RLIMIT_NOFILE of the running server, as the kernel reports it."""
        for line in Path(f"/proc/{self.proc.pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return int(soft), int(hard)
        raise AssertionError("no open-files line")

    def open_descriptors(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))


def multipart(fields: dict, files) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it: `files` are (field, name, bytes) triples."""
    boundary = "----cdht" + secrets.token_hex(12)
    chunks = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field_name, filename, data in files:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="{filename}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n")
        chunks += [head.encode(), data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def wait_until(condition, timeout: float = 20) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()

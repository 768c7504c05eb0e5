"""Stored files, by content: `DIR/files/ab/abcdef…` named by their SHA-256.

A file is written to a temporary file in `DIR/tmp` (same file system), fsync'd, renamed to its name,
and its folder fsync'd; only then does the caller commit the database row that refers to it. So a
crash leaves at worst a file that no row names (an orphan, removed at the next start when no other
server uses the folder), never a row without its file. Stored files are never changed or deleted while
a row names them; a second copy of the same bytes is the same file.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

CHUNK = 1 << 20
ORPHAN_PREFIX = "up-"
SERVE_LOCK = "serve.lock"


@dataclass
class Stored:
    sha256: str
    size: int
    path: Path


class Store:
    def __init__(self, data_dir: Path | str):
        self.root = Path(data_dir)
        self.files = self.root / "files"
        self.tmp = self.root / "tmp"
        self.spool = self.root / "spool"

    def create(self) -> None:
        for folder in (self.root, self.files, self.tmp, self.spool):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.files / sha256[:2] / sha256[2:]

    def shown_as(self, sha256: str, name: str, folder: Path) -> Path:
        """The stored file under its name (the readers go by the suffix), in a new subfolder of `folder` (a
        private folder of DIR/tmp): a hard link, or a copy where links are not possible."""
        from cdht_excel.web.uploads import safe_parts
        target = Path(tempfile.mkdtemp(dir=folder)) / safe_parts(name)[-1]
        try:
            target.hardlink_to(self.path(sha256))
        except OSError:
            shutil.copyfile(self.path(sha256), target)
        return target

    def put_stream(self, chunks: Iterable[bytes]) -> Stored:
        """Write the bytes, synced, under their SHA-256; return where they are."""
        fd, tmp_name = tempfile.mkstemp(prefix=ORPHAN_PREFIX, dir=self.tmp)
        tmp = Path(tmp_name)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            if target.exists() and sha256_of(target) == sha:
                tmp.unlink()
            else:
                fresh_folder = not target.parent.exists()
                target.parent.mkdir(mode=0o700, exist_ok=True)
                os.chmod(tmp, 0o400)
                os.replace(tmp, target)
                sync_dir(target.parent)
                if fresh_folder:
                    sync_dir(self.files)
            return Stored(sha, size, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_bytes(self, data: bytes) -> Stored:
        return self.put_stream([data])

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def check(self, expected: dict[str, int]) -> list[str]:
        """The problems of the stored files the database names (sha256 → size): missing or altered."""
        problems = []
        for sha, size in expected.items():
            path = self.path(sha)
            if not path.is_file():
                problems.append(f"thiếu tệp {sha}")
            elif path.stat().st_size != size or sha256_of(path) != sha:
                problems.append(f"tệp {sha} bị thay đổi (mã băm không khớp)")
        return problems

    def orphans(self, referenced: set[str]) -> Iterator[Path]:
        """Stored files no row names, and what a crash left in DIR/tmp and DIR/spool (files and folders)."""
        for folder in (self.tmp, self.spool):
            yield from folder.iterdir() if folder.exists() else ()
        for folder in self.files.iterdir() if self.files.exists() else ():
            for path in folder.iterdir():
                if folder.name + path.name not in referenced:
                    yield path

    def remove_orphans(self, referenced: set[str]) -> list[Path]:
        removed = list(self.orphans(referenced))
        for path in removed:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        return removed


@dataclass
class ServeLock:
    """Every running server holds DIR/serve.lock shared; the orphan cleanup needs it alone (exclusive),
    so a server starting beside a running one never removes a file the other is about to commit."""
    path: Path
    fd: int = -1
    alone: bool = field(default=False)

    def acquire(self) -> ServeLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.alone = True
        except BlockingIOError:
            self.alone = False
        return self

    def share(self) -> None:
        """From exclusive (cleanup done) to shared, or wait for shared."""
        fcntl.flock(self.fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)




def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()

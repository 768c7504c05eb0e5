"""Uploaded files: safe names, a private folder, .zip archives unpacked within the reader's limits.

Everything a browser sends is untrusted. A name is only ever used as the last parts of a path below
the job's own folder (no drive, no `..`, no absolute path, no characters Windows refuses), while the
name people gave their file stays readable, Vietnamese included. Archives are checked against the
same limits the reader applies to a workbook's zip (`cdht_excel/read.py`, `Limits`) before anything
is written, and every byte written is counted.
"""
from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from cdht_excel.reading.read import LIMITS, Limits, is_lock_file
from cdht_excel.rules import findings as F
from cdht_excel.text import nfc, safe_filename

SMALL_PART = 256 << 10       # an uploaded part up to this size stays in memory …
PARTS_IN_MEMORY = 64 << 20   # … while one request's parts in memory stay below this
NAME_BYTES = 200              # of one name, below 255 with room for ' (12)' added when a name is taken
MAX_DEPTH = 6                 # folder levels kept from a dropped folder or an archive
ARCHIVE_SUFFIXES = (".zip",)
SKIPPED_ARCHIVE_DIRS = ("__MACOSX",)


def total_limit(limits: Limits = LIMITS) -> int:
    """All uploaded bytes of one request together: what every entry of one zip may hold together."""
    return limits.max_uncompressed


def file_limit(limits: Limits = LIMITS) -> int:
    """Files in one request (or one archive): as many as a zip may hold entries."""
    return limits.max_entries


def safe_parts(name: str) -> list[str]:
    """'../../etc/passwd' -> ['etc', 'passwd']; 'C:\\Phiếu\\TC 1.xlsx' -> ['C-', 'Phiếu', 'TC 1.xlsx']."""
    text = nfc(str(name or "")).replace("\\", "/")
    parts = [p for p in text.split("/") if p.strip() not in ("", ".", "..")]
    cleaned = [fit_name(safe_filename(p, max_length=len(p))) for p in parts][-MAX_DEPTH:]
    return cleaned or ["tep"]


def fit_name(name: str, limit: int = NAME_BYTES) -> str:
    """`name` cut to `limit` bytes of UTF-8 (file systems count bytes: 255, and Vietnamese letters take
    2–3 each), its suffix kept: 'Phiếu … rất dài.xlsx' -> 'Phiếu … rấ.xlsx'."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = name, ""
    suffix = f".{suffix}" if suffix else ""
    room = limit - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
    return (cut or "tep") + suffix


def is_inside(path: Path, folder: Path) -> bool:
    """`path` is an existing file below `folder`, links followed (a plan's rubric must be one it came with)."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return resolved.is_file() and folder.resolve() in resolved.parents


def unique_path(folder: Path, parts: list[str]) -> Path:
    """folder/parts…, with ' (2)', ' (3)' … before the suffix when that name is taken already."""
    target = folder.joinpath(*parts)
    stem, suffix, n = target.stem, target.suffix, 2
    while target.exists():
        target = target.with_name(f"{stem} ({n}){suffix}")
        n += 1
    resolved_root = folder.resolve()
    if resolved_root not in target.resolve().parents:      # cannot happen with safe_parts; never trust it
        raise ValueError("unsafe path")
    return target


class SpooledPart:
    """One uploaded part as werkzeug writes it: in memory while small, else in a file of the private
    spool that is opened only for each write or read, so that thousands of parts in one request hold
    no descriptor between two calls (a desktop allows 1,024 open files, a Mac 256)."""

    def __init__(self, spool: Path, budget: list[int]):
        self.spool, self.budget = spool, budget          # budget: [bytes of this request still allowed in memory]
        self.memory: io.BytesIO | None = io.BytesIO()
        self.path: Path | None = None
        self.position = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        if self.memory is not None and not self._fits(len(data)):
            self._move_to_disk()
        if self.memory is not None:
            self.memory.write(data)
            self.budget[0] -= len(data)
        else:
            with open(self._file(), "ab") as out:
                out.write(data)
        self.position += len(data)
        return len(data)

    def _fits(self, size: int) -> bool:
        assert self.memory is not None
        return self.memory.tell() + size <= SMALL_PART and size <= self.budget[0]

    def _move_to_disk(self) -> None:
        assert self.memory is not None
        handle, name = tempfile.mkstemp(dir=self.spool, prefix="part-")
        with os.fdopen(handle, "wb") as out:
            out.write(self.memory.getbuffer())
        self.budget[0] += self.memory.tell()
        self.memory, self.path = None, Path(name)

    def _file(self) -> Path:
        assert self.path is not None
        return self.path

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.memory is not None:
            self.position = self.memory.seek(offset, whence)
        elif whence == 0:
            self.position = offset
        elif whence == 1:
            self.position += offset
        else:
            self.position = self._file().stat().st_size + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        if self.memory is not None:
            self.memory.seek(self.position)
            data = self.memory.read(size)
        else:
            with open(self._file(), "rb") as source:
                source.seek(self.position)
                data = source.read(size)
        self.position += len(data)
        return data

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self.memory is not None:
            self.budget[0] += self.memory.tell()
            self.memory = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None
        self.closed = True


@dataclass
class Saved:
    folder: Path                       # the private folder holding this request's files
    inputs: list[Path] = field(default_factory=list)     # what to hand to the library, as a user would
    names: list[str] = field(default_factory=list)       # the files received, as their senders named them
    findings: list[F.Finding] = field(default_factory=list)   # archives refused, with the reason
    total: int = 0


def save_uploads(files, folder: Path, limits: Limits = LIMITS) -> Saved:
    """Write each uploaded file (werkzeug FileStorage) below `folder`; unpack .zip archives there.

    The inputs returned are the top-level entries of `folder`: a file given alone is read as a
    file (so a foreign file is named in the findings), a dropped folder or an archive as a folder.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    saved = Saved(folder)
    for storage in files:
        if not storage or not storage.filename:
            continue
        parts = safe_parts(storage.filename)
        if is_lock_file(parts[-1]):
            continue
        try:
            target = _write_part(storage, folder, parts)
        except OSError as exc:
            saved.findings.append(_unsaved(nfc(storage.filename), exc))
            continue
        finally:
            storage.stream.close()            # a spooled part is not needed twice
        saved.total += target.stat().st_size
        saved.names.append(nfc(storage.filename))
        if target.suffix.lower() in ARCHIVE_SUFFIXES:
            _unpack(target, saved, limits)
    saved.inputs = sorted(folder.iterdir(), key=lambda p: (p.name.casefold(), p.name))
    return saved


def _write_part(storage, folder: Path, parts: list[str]) -> Path:
    target = unique_path(folder, parts)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(target, "wb") as out:
        shutil.copyfileobj(storage.stream, out, 1 << 20)
    return target


def _unsaved(display: str, exc: OSError) -> F.Finding:
    """The file that could not be kept, named as sent; the reason without the private folder's path."""
    return F.make("upload-file-unsaved", file=display, detail=exc.strerror or type(exc).__name__)


def _unpack(archive: Path, saved: Saved, limits: Limits) -> None:
    """Unpack `archive` into a folder of the same name beside it, or add a finding and leave it."""
    display = archive.relative_to(saved.folder).as_posix()
    problem, entries = check_archive(archive, limits, already=saved.total)
    if problem:
        problem.file = display
        saved.findings.append(problem)
        archive.unlink()
        return
    destination = unique_path(archive.parent, [archive.stem])
    destination.mkdir(mode=0o700)
    try:
        with zipfile.ZipFile(archive) as zf:
            for info, parts in entries:
                saved.total += _unpack_entry(zf, info, destination, parts, display, saved)
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        shutil.rmtree(destination, ignore_errors=True)
        saved.findings.append(F.make("archive-unreadable", file=display, detail=str(exc) or type(exc).__name__))
    archive.unlink()


def _unpack_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path, parts: list[str], display: str,
                  saved: Saved) -> int:
    """One entry written (its bytes), or a finding for that entry alone (a name the disk refuses, a file
    where the archive also has a folder of that name …): the rest of the archive is still read."""
    target = None
    try:
        target = unique_path(destination, parts)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _copy_bounded(zf, info, target)
    except OSError as exc:
        if target is not None and target.is_file():
            target.unlink()
        saved.findings.append(_unsaved(f"{display}/{_entry_name(info)}", exc))
        return 0


def check_archive(path: Path, limits: Limits = LIMITS, already: int = 0):
    """(finding or None, [(entry, safe parts)]) — the reader's zip limits, before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except OSError as exc:
        return F.make("archive-unreadable", file=path.name, detail=exc.strerror or type(exc).__name__), []
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        return F.make("archive-unreadable", file=path.name, detail=str(exc) or type(exc).__name__), []
    entries = []
    total = 0
    for info in infos:
        mode = info.external_attr >> 16
        if info.is_dir() or stat.S_ISLNK(mode):
            continue
        name = _entry_name(info)
        parts = safe_parts(name)
        if parts[0] in SKIPPED_ARCHIVE_DIRS or is_lock_file(parts[-1]):
            continue
        total += info.file_size
        large = info.file_size > 1 << 20
        if large and info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
            return F.make("file-zip-bomb", file=path.name,
                          detail=f"tỷ lệ nén của “{name}” vượt {limits.max_ratio} lần"), []
        entries.append((info, parts))
    if len(entries) > file_limit(limits):
        return F.make("upload-too-many", file=path.name, count=len(entries), limit=file_limit(limits)), []
    if total + already > total_limit(limits):
        return F.make("file-zip-bomb", file=path.name,
                      detail=f"giải nén ra {_mb(total)} MB, tối đa {_mb(total_limit(limits))} MB"), []
    return None, entries


def _entry_name(info: zipfile.ZipInfo) -> str:
    """Entry name as its author typed it: Windows' zip tool writes UTF-8 without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return nfc(str(PurePosixPath(name.replace("\\", "/"))))


def _copy_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> int:
    """Copy one entry, never more bytes than its header declared (a lying header is refused)."""
    written = 0
    with zf.open(info) as source, open(target, "wb") as out:
        while chunk := source.read(1 << 20):
            written += len(chunk)
            if written > info.file_size:
                raise ValueError(f"“{info.filename}” lớn hơn kích thước khai báo")
            out.write(chunk)
    return written


def _mb(size: int) -> str:
    from cdht_excel.text import format_number
    return format_number(round(size / 2**20, 1))

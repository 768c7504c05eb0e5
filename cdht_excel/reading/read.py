"""One reader for every workbook a unit may send back: .xlsx, .xlsm, .xls, .ods.

Values come from python-calamine (Rust; reads all four formats, never runs macros,
an order of magnitude faster than openpyxl). Defined names are read from the
workbook XML (xlsx/xlsm: workbook.xml; ods: content.xml) with defusedxml, since
calamine does not expose them. Our workbooks are found by their stamp and each
unit sheet by its unit id, never by file or sheet name. Every file is untrusted:
size, zip and XML are checked before anything is parsed, and a bad file becomes
a finding, never an exception.
"""
from __future__ import annotations

import html
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cdht_excel.reading.book import (Input, UnitSheet, WorkbookRead, damage_text, os_error_text, technical_error,
                                     technical_text)
from cdht_excel.reading.book import short_error as _short
from cdht_excel.rules import findings as F
from cdht_excel.rules import stamp as S
from cdht_excel.rules.contract import COL, COLUMNS, KEY_COL_MARK, OTHER_SCHEMAS, SCHEMA, STAMP_PREFIX, col_index
from cdht_excel.text import format_number, nfc

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
# Names of spreadsheets we do not read: never skipped silently in a folder, each gets its finding.
SPREADSHEET_LIKE = EXTENSIONS + (".xlsb", ".xltx", ".xltm", ".xlt", ".xlam", ".xla", ".xlw", ".fods", ".ots",
                                 ".numbers", ".et", ".ett")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
KEY_RE = re.compile(r"^C\d+(_\d+)*(_[A-Z]+)?$")
REF_RE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")
# A formula element not followed by a non-empty value: the only cells `_scan_formula_parts` records.
VALUELESS_FORMULA_RE = re.compile(rb"</(?:\w+:)?f>(?!\s*<(?:\w+:)?v>\s*[^<\s])")
ODS_REF_RE = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^'.]+))\.\$?([A-Z]{1,3})\$?(\d+)$")


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 2**20            # a unit's file is ~30 KB
    max_uncompressed: int = 200 * 2**20    # all zip entries together
    max_entries: int = 5000
    max_ratio: int = 300                   # per large entry: uncompressed / compressed
    max_part: int = 16 * 2**20             # one part (a sheet's XML); ours are ~20 KB
    max_sheets: int = 300
    max_cells: int = 500_000               # cells in one sheet's used area; ours have ~400


LIMITS = Limits()


# --------------------------------------------------------------------------- inputs

def is_lock_file(name: str) -> bool:
    return name.startswith("~$") or name.startswith(".~lock.") or name.startswith(".~cdht-")


def would_collect(path, inputs) -> bool:
    """Whether `collect_inputs(inputs)` would read the existing file `path` (without walking folders)."""
    target = _resolved(Path(path))
    if not target.is_file() or is_lock_file(target.name):
        return False
    for raw in inputs:
        root = _resolved(Path(raw))
        if target == root:
            return True
        if root.is_dir() and root in target.parents and target.name.lower().endswith(SPREADSHEET_LIKE):
            hidden = [p for p in target.relative_to(root).parts[:-1] if p.startswith(".")]
            if not hidden:
                return True
    return False


def _resolved(path: Path) -> Path:
    """The real path; a symlink loop (RuntimeError or OSError) falls back to the absolute path."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(path))


def collect_inputs(inputs) -> tuple[list[Input], list[F.Finding]]:
    """Files and folders (searched recursively) -> workbook inputs, sorted; lock files skipped.

    Every file in a folder with a spreadsheet-like name is an input, even one we cannot read (.xlsb,
    .numbers, a FIFO, a broken link): it gets its finding instead of being skipped silently."""
    found: dict[Path, Input] = {}
    problems = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            def unreadable(exc: OSError, root=path) -> None:
                where = Path(exc.filename or root)
                problems.append(F.make("file-unreadable", file=_display(root, where),
                                       detail=os_error_text(exc), technical=exc.strerror or str(exc)))
            for dirpath, dirnames, filenames in os.walk(path, onerror=unreadable):
                bundles = [d for d in dirnames if d.lower().endswith(SPREADSHEET_LIKE)]
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in bundles)
                names = [n for n in bundles + filenames
                         if not is_lock_file(n) and n.lower().endswith(SPREADSHEET_LIKE)]
                if not names:
                    continue
                # resolved once per folder, not per file (a district folder holds thousands of files)
                folder, real_folder = Path(dirpath), _resolved(Path(dirpath))
                shown = _display(path, folder / "x")[:-1]       # how files of this folder are shown, up to "/"
                for name in names:
                    file = folder / name
                    real = _resolved(file) if os.path.islink(file) else real_folder / name
                    found.setdefault(real, Input(file, shown + nfc(name)))
        elif os.path.lexists(path):
            if not is_lock_file(path.name):
                found.setdefault(_resolved(path), Input(path, nfc(path.name)))
        else:
            problems.append(F.make("input-missing", path=str(raw)))
    ordered = sorted(found.values(), key=lambda i: (i.display.casefold(), i.display))
    return ordered, problems


def nothing_found(inputs, problems: list[F.Finding]) -> list[F.Finding]:
    """When no file was collected: 'no-input', unless every input path is missing (each already said
    once by 'input-missing': a missing path is one error, not two)."""
    missing = sum(1 for f in problems if f.code == "input-missing")
    if inputs and missing >= len(list(inputs)):
        return []
    return [F.make("no-input", inputs=", ".join(map(str, inputs)) or "(không có)")]


def _display(root: Path, file: Path) -> str:
    try:
        display = nfc(file.relative_to(root).as_posix())
    except ValueError:
        display = nfc(file.as_posix())
    return nfc(root.name) + "/" + display if root.name else display


# --------------------------------------------------------------------------- reading

def read_workbook(inp: Input, limits: Limits = LIMITS, keep_sheets: bool = False) -> WorkbookRead:
    """Everything our stages need from one file, read in this process; problems become findings.

    With `keep_sheets`, the rows of every sheet (within the limits) are kept in `book.sheets`,
    for our own non-unit workbooks such as the district's check form. Use `read_workbooks`
    for files from outside: it reads them in a guarded reader process.
    """
    book = inspect_file(inp, limits)
    if book.format:
        try:
            _read_cells(book, limits, keep_sheets)
        except Exception as exc:   # a damaged file of any kind must never stop the others
            _damaged(book, exc)
        except BaseException as exc:
            from cdht_excel.reading.guard import is_panic
            if not is_panic(exc):
                raise
            _damaged(book, exc)
        if book.units and book.format in ("xlsx", "xlsm"):
            _scan_formulas(book)
        _saved_time(book)
        _warn_wrong_extension(book)
    return book


# The names each format may carry; the first is the one to rename to. An .xlsx and an .xlsm are one family:
# the same reader, and Excel itself opens either name.
FORMAT_NAMES = {"xlsx": (".xlsx", ".xlsm"), "xlsm": (".xlsm", ".xlsx"), "xls": (".xls",), "ods": (".ods",)}
FORMAT_LABELS = {"xlsx": "Excel .xlsx", "xlsm": "Excel có macro .xlsm", "xls": "Excel 97–2003 .xls",
                 "ods": "OpenDocument .ods"}


def _name_fits_format(path: Path, fmt: str) -> bool:
    return path.suffix.lower() in FORMAT_NAMES.get(fmt, ())


def _warn_wrong_extension(book: WorkbookRead) -> None:
    """A workbook read by its content whose name says another format (“renamed to convert it”)."""
    if book.format and not _name_fits_format(book.input.path, book.format):
        book.findings.append(F.make("file-wrong-extension", file=book.display,
                                    extension=book.input.path.suffix or "(không có đuôi)",
                                    real=FORMAT_LABELS[book.format], fix=FORMAT_NAMES[book.format][0]))


def _damaged(book: WorkbookRead, exc: BaseException) -> None:
    book.units = []
    code = "file-xml-unsafe" if _is_unsafe_xml(exc) else "file-corrupt"
    book.findings.append(F.make(code, file=book.display, detail=_short(exc), technical=technical_error(exc)))


def read_workbooks(inputs: list[Input], limits: Limits = LIMITS, guard=None,
                   keep_sheets: bool = False) -> list[WorkbookRead]:
    """Every input read in one guarded reader process (cdht_excel.reading.guard): a native abort, a memory or
    CPU limit reached, or a hang while reading one file is that file's finding; the others are read."""
    from cdht_excel.reading.guard import Guard
    own = guard is None
    guard = guard or Guard()
    try:
        results = guard.map(read_workbook, [(inp, limits, keep_sheets) for inp in inputs])
        return [as_book(inp, result) for inp, result in zip(inputs, results)]
    finally:
        if own:
            guard.close()


def as_book(inp: Input, result) -> WorkbookRead:
    """A reader process's result as a WorkbookRead: a crash, a hang or an exception become the finding."""
    from cdht_excel.reading.guard import Crash, RaisedInReader
    if isinstance(result, WorkbookRead):
        return result
    book = WorkbookRead(input=inp)
    if isinstance(result, Crash):
        code = "file-reader-timeout" if result.reason == "timeout" else "file-reader-crashed"
        book.findings.append(F.make(code, file=inp.display, detail=result.detail))
    elif isinstance(result, RaisedInReader) and result.name == "MemoryError":
        book.findings.append(F.make("file-reader-crashed", file=inp.display, detail="vượt giới hạn bộ nhớ",
                                    technical="MemoryError"))
    elif isinstance(result, RaisedInReader):
        book.findings.append(F.make("file-corrupt", file=inp.display, detail=damage_text(result.name, result.text),
                                    technical=technical_text(result.name, result.text)))
    else:
        book.findings.append(F.make("file-corrupt", file=inp.display, detail="bộ đọc trả về kết quả lạ",
                                    technical=type(result).__name__))
    return book


# What a person reads (no file-format internals: xlsx/xlsm keep it in docProps/core.xml, ods in meta.xml,
# xls in SummaryInformation).
SAVED_SOURCES = {"xlsx": "thời điểm lưu ghi trong tệp",
                 "xlsm": "thời điểm lưu ghi trong tệp",
                 "ods": "thời điểm lưu ghi trong tệp",
                 "xls": "thời điểm lưu ghi trong tệp",
                 "": "thời gian sửa tệp trên máy (tệp không ghi thời điểm lưu)"}


def _saved_time(book: WorkbookRead) -> None:
    """The file's own last-saved time (xlsx/xlsm core.xml, ods meta.xml, xls SummaryInformation, all read
    into `book.modified` by `inspect_file`), else the file's modification time; `saved_source` says which."""
    when = _iso_utc(book.modified)
    source = book.format
    if not when:
        try:
            import datetime as dt
            stamp = book.input.path.stat().st_mtime
            when = dt.datetime.fromtimestamp(stamp, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        except (OSError, ValueError, OverflowError):
            when = ""
        source = ""
    book.saved_at, book.saved_source = when, SAVED_SOURCES[source]


# A saved time outside these years is a writer's placeholder (FILETIME 0 is 1601) or garbage, not a save.
PLAUSIBLE_YEARS = range(1980, 2101)


def _iso_utc(text: str) -> str:
    """'YYYY-MM-DDTHH:MM:SS' (UTC when the text gives a zone) from an ISO 8601 time; '' when it is none."""
    import datetime as dt
    text = (text or "").strip()
    if not text:
        return ""
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00")[:32])
    except ValueError:
        try:
            when = dt.datetime.fromisoformat(text[:19])
        except ValueError:
            return ""
    if when.tzinfo is not None:
        try:
            when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
        except OverflowError:
            return ""
    return when.strftime("%Y-%m-%dT%H:%M:%S") if when.year in PLAUSIBLE_YEARS else ""


def _xls_saved(path: Path) -> str:
    """Last-saved time from the OLE SummaryInformation stream of an .xls (olefile), as `book.modified` holds it:
    '…Z' for a FILETIME (UTC), the writer's own text for a date stored as a string (older Gnumeric and
    others; no zone, like .ods), '' when absent, of another type or not a plausible date."""
    try:
        import olefile
        with olefile.OleFileIO(str(path)) as ole:
            when = ole.get_metadata().last_saved_time
    except Exception:   # no stream, damaged container or property set: fall back to the file time
        return ""
    return _property_time(when)


def _property_time(value: object) -> str:
    import datetime as dt
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value.year in PLAUSIBLE_YEARS else ""
    if isinstance(value, (bytes, str)):
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        return _iso_utc(text.strip().replace(" ", "T", 1)) if text.isascii() else ""
    return ""


def inspect_file(inp: Input, limits: Limits = LIMITS, with_names: bool = True) -> WorkbookRead:
    """What kind of file this is, and size, container, zip and XML checks, before any cell is parsed.

    On success `format` is set ('xlsx', 'xlsm', 'xls', 'ods'); otherwise it stays
    empty and the findings say why. A FIFO, device or socket is never opened.
    """
    book = WorkbookRead(input=inp)

    def fail(code: str, **kw) -> WorkbookRead:
        book.findings.append(F.make(code, file=inp.display, **kw))
        return book

    try:
        problem = file_problem(inp.path)
        if problem:
            return fail(problem[0], detail=problem[1])
        size = inp.path.stat().st_size
        if size == 0:
            return fail("file-empty")
        if size > limits.max_bytes:
            return fail("file-too-large", size=format_number(round(size / 2**20, 1)), limit=limits.max_bytes // 2**20)
        with open(inp.path, "rb") as fh:
            head = fh.read(512)
        if head.startswith(b"PK"):
            if not _inspect_zip(book, limits, with_names):
                book.format = ""
        elif head.startswith(OLE_MAGIC):
            _inspect_ole(book)
        elif head[:2] in BIFF_OLD:
            return fail("file-unsupported", detail=f"Excel đời cũ ({BIFF_OLD[head[:2]]})")
        else:
            kind = _text_kind(head)
            if kind:
                return fail("file-unsupported", detail=kind)
            return fail("file-not-workbook", detail=_guess_kind(inp.path, head))
    except PermissionError as exc:
        book.format = ""
        book.findings.append(F.make("file-unreadable", file=inp.display, detail=os_error_text(exc),
                                    technical=exc.strerror or str(exc)))
    except Exception as exc:
        book.format = ""
        book.findings.append(F.make("file-corrupt", file=inp.display, detail=_short(exc), technical=technical_error(exc)))
    return book


BIFF_OLD = {b"\x09\x00": "Excel 2.x", b"\x09\x02": "Excel 3.0", b"\x09\x04": "Excel 4.0"}


def file_problem(path: Path) -> tuple[str, str] | None:
    """(code, detail) when `path` cannot be read as a file at all; None for a readable regular file.

    Uses stat only: a FIFO (which would block), a device or a socket is never opened."""
    import errno
    import stat as st
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "file-link-broken", "liên kết vòng"
        if os.path.islink(path):
            return "file-link-broken", f"trỏ tới “{os.readlink(path)}” không tồn tại"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "file-unreadable", os_error_text(exc)
        return "file-corrupt", os_error_text(exc)
    mode = info.st_mode
    if st.S_ISDIR(mode) and str(path).lower().endswith(".numbers"):
        return "file-unsupported", "Apple Numbers (.numbers)"
    if not st.S_ISREG(mode):
        kind = ("đường ống (FIFO)" if st.S_ISFIFO(mode) else "socket" if st.S_ISSOCK(mode)
                else "thiết bị" if st.S_ISCHR(mode) or st.S_ISBLK(mode) else "thư mục" if st.S_ISDIR(mode)
                else "không rõ loại")
        return "file-not-regular", kind
    if not os.access(path, os.R_OK):
        return "file-unreadable", "không có quyền đọc"
    return None


def _text_kind(head: bytes) -> str:
    """Spreadsheets saved as XML text: flat OpenDocument, Excel 2003 XML."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith(b"<"):
        return ""
    if b"office:document" in text and b"opendocument" in text:
        return "OpenDocument phẳng (.fods)"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in text or b"progid=\"excel.sheet\"" in text:
        return "Bảng tính XML 2003 (.xml)"
    return ""


OLE_OTHER = (("WordDocument", "tệp Word .doc bị đổi đuôi"), ("PowerPoint Document", "tệp PowerPoint .ppt bị đổi đuôi"),
             ("__substg1.0_", "thư Outlook .msg bị đổi đuôi"), ("__nameid_version1.0", "thư Outlook .msg bị đổi đuôi"),
             ("VisioDocument", "tệp Visio bị đổi đuôi"), ("Contents", "tệp Works/Publisher bị đổi đuôi"))


def _inspect_ole(book: WorkbookRead) -> None:
    """An OLE compound file: Excel 97–2003 (.xls), an encrypted Office file, or some other Office file."""
    import olefile
    display = book.display
    try:
        with olefile.OleFileIO(str(book.input.path)) as ole:
            streams = ["/".join(e) for e in ole.listdir(streams=True, storages=False)]
            top = {e.split("/")[0] for e in streams}
            if "EncryptionInfo" in top or "EncryptedPackage" in top:
                book.findings.append(F.make("file-encrypted", file=display, detail="Office 2007 trở lên, mã hóa"))
                return
            stream = "Workbook" if "Workbook" in top else "Book" if "Book" in top else ""
            if not stream:
                other = next((text for mark, text in OLE_OTHER if any(e.startswith(mark) for e in top)),
                             "tệp Office không phải bảng tính")
                book.findings.append(F.make("file-not-workbook", file=display, detail=other))
                return
            head = ole.openstream(stream).read(2048)
    except OSError as exc:
        if isinstance(exc, PermissionError):
            raise
        book.findings.append(F.make("file-corrupt", file=display, detail=_short(exc), technical=technical_error(exc)))
        return
    if len(head) < 8 or head[:2] != b"\x09\x08":
        book.findings.append(_excel95(display, head) if head[:2] == b"\x09\x08" or stream == "Book"
                             else F.make("file-corrupt", file=display, detail="không có bản ghi BOF"))
        return
    version = head[4] | head[5] << 8
    if version != 0x0600:
        book.findings.append(_excel95(display, head))
        return
    if _biff_filepass(head):
        book.findings.append(F.make("file-encrypted", file=display, detail="Excel 97–2003, " + _biff_filepass(head)))
        return
    book.format = "xls"
    book.modified = _xls_saved(book.input.path)


EXCEL95 = "Excel 5.0/95 (.xls rất cũ)"


def _excel95(display: str, head: bytes) -> F.Finding:
    """An Excel 5.0/95 workbook: a format we do not read, and with a password it says so too (Excel 95 can
    only obfuscate with XOR; its FILEPASS record has no type field)."""
    if _filepass_record(head) is not None:
        return F.make("file-encrypted-old", file=display, detail=EXCEL95)
    return F.make("file-unsupported", file=display, detail=EXCEL95)


def _filepass_record(data: bytes) -> bytes | None:
    """The payload of the FILEPASS record at the start of a BIFF globals substream, if there is one."""
    pos = 0
    while pos + 4 <= len(data):
        rtype, size = data[pos] | data[pos + 1] << 8, data[pos + 2] | data[pos + 3] << 8
        if rtype == 0x002F:
            return data[pos + 4: pos + 4 + size]
        if rtype in (0x0085, 0x000A, 0x00FC):     # BOUNDSHEET, EOF, SST: FILEPASS comes before these
            return None
        pos += 4 + size
    return None


def _biff_filepass(data: bytes) -> str:
    """'mã hóa XOR' or 'mã hóa RC4' when a BIFF8 globals substream starts with a FILEPASS record."""
    payload = _filepass_record(data)
    if payload is None:
        return ""
    kind = payload[0] | payload[1] << 8 if len(payload) >= 2 else 1
    return "mã hóa XOR" if kind == 0 else "mã hóa RC4"


def file_sha256(path) -> str | None:
    """The SHA-256 of a file's bytes (recorded in a summary for each unit file it was made from)."""
    import hashlib
    import stat as st
    try:
        if not st.S_ISREG(os.stat(path).st_mode):     # a FIFO or a device would block or never end
            return None
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest() if hasattr(hashlib, "file_digest") else \
                hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None



def _guess_kind(path: Path, head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "tệp PDF"
    if head[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1"):
        return "tệp ảnh"
    sample = path.read_bytes()[:512]
    try:
        sample.decode("utf-8")
        return "tệp văn bản"
    except UnicodeDecodeError:
        return "không rõ định dạng"


def _inspect_zip(book: WorkbookRead, limits: Limits, with_names: bool = True) -> bool:
    """Check a zip container before any parsing; fill format, names, flags. False = stop."""
    display = book.display
    try:
        zf = zipfile.ZipFile(book.input.path)
    except zipfile.BadZipFile as exc:
        book.findings.append(F.make("file-corrupt", file=display, detail=_short(exc), technical=technical_error(exc)))
        return False
    with zf:
        infos = zf.infolist()
        problem = zip_entries_problem(infos, limits)
        if problem:
            book.findings.append(F.make(problem[0], file=display, detail=problem[1]))
            return False
        names = {n.replace("\\", "/").lstrip("/") for n in zf.namelist()}
        kind = _zip_kind(zf, names)
        if kind[0] == "workbook":
            book.format = kind[1]
        else:
            book.findings.append(F.make(kind[0], file=display, detail=kind[1]))
            return False
        if "xl/vbaProject.bin" in names:
            book.findings.append(F.make("file-macros", file=display))
        external = sorted(n for n in names if n.startswith("xl/externalLinks/") and n.endswith(".xml"))
        if external:
            book.findings.append(F.make("file-external-links", file=display, detail=f"{len(external)} liên kết"))
        if not with_names:
            return True
        try:
            if book.format in ("xlsx", "xlsm"):
                _xlsx_names(book, zf)
            else:
                _ods_names(book, zf)
        except Exception as exc:
            if not _is_unsafe_xml(exc):
                raise
            book.findings.append(F.make("file-xml-unsafe", file=display, detail="khai báo DTD/ENTITY"))
            return False
    return True


ODF_KINDS = {b"application/vnd.oasis.opendocument.text": "tệp văn bản OpenDocument (.odt) bị đổi đuôi",
             b"application/vnd.oasis.opendocument.presentation": "tệp trình chiếu OpenDocument (.odp) bị đổi đuôi",
             b"application/vnd.oasis.opendocument.graphics": "tệp hình vẽ OpenDocument (.odg) bị đổi đuôi"}
TEMPLATE_CONTENT = (b"spreadsheetml.template.main+xml", b"template.macroEnabled.main+xml")


def _zip_kind(zf: zipfile.ZipFile, names: set[str]) -> tuple[str, str]:
    """('workbook', format) or (finding code, detail) for a zip container."""
    lower = {n.lower() for n in names}
    mimetype = _read_part(zf, "mimetype", 200).strip() if "mimetype" in names else b""
    if "xl/workbook.xml" in lower:
        types = _read_part(zf, _entry(zf, "[Content_Types].xml"), 64 * 1024)
        if any(t in types for t in TEMPLATE_CONTENT):
            return "file-unsupported", "mẫu Excel (.xltx/.xltm)"
        macro = "xl/vbaproject.bin" in lower or "xl/macrosheets/" in " ".join(lower)
        return "workbook", "xlsm" if macro else "xlsx"
    if "xl/workbook.bin" in lower:
        return "file-unsupported", "Excel nhị phân (.xlsb)"
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        if "template" in mimetype.decode("ascii", "replace"):
            return "file-unsupported", "mẫu OpenDocument (.ots)"
        manifest = _read_part(zf, _entry(zf, "META-INF/manifest.xml"), 256 * 1024)
        if b"encryption-data" in manifest:
            return "file-encrypted", "OpenDocument, mã hóa"
        if "content.xml" in lower:
            return "workbook", "ods"
        return "file-corrupt", "thiếu content.xml"
    if mimetype in ODF_KINDS:
        return "file-not-workbook", ODF_KINDS[mimetype]
    if "index/document.iwa" in lower or any(n.startswith("index/") and n.endswith(".iwa") for n in lower):
        return "file-unsupported", "Apple Numbers (.numbers)"
    if "word/document.xml" in lower:
        return "file-not-workbook", "tệp Word .docx bị đổi đuôi"
    if "ppt/presentation.xml" in lower:
        return "file-not-workbook", "tệp PowerPoint .pptx bị đổi đuôi"
    if "content.xml" in lower and mimetype == b"":
        return "file-corrupt", "gói OpenDocument thiếu mimetype"
    return "file-not-workbook", "tệp nén không phải bảng tính"


def _entry(zf: zipfile.ZipFile, name: str) -> str:
    """The zip entry for a part name, whatever its case and slashes."""
    want = name.lower()
    for entry in zf.namelist():
        if entry.replace("\\", "/").lstrip("/").lower() == want:
            return entry
    return name


def zip_entries_problem(infos, limits: Limits = LIMITS) -> tuple[str, str] | None:
    """(finding code, detail) when a zip's entries exceed the limits (zip bomb, huge part); else None.

    Works on `ZipFile.infolist()` of an already open file, so callers that go on reading the same
    opening (the district's summary reader) check the limits without a second pass."""
    total = sum(i.file_size for i in infos)
    if len(infos) > limits.max_entries:
        return "file-zip-bomb", f"{len(infos)} mục nén"
    if total > limits.max_uncompressed:
        return "file-zip-bomb", f"giải nén ra {total // 2**20} MB"
    for info in infos:
        if info.file_size > 2**20 and info.file_size > limits.max_ratio * max(1, info.compress_size):
            return "file-zip-bomb", f"“{info.filename}” nén {info.file_size // max(1, info.compress_size)} lần"
        if info.file_size > limits.max_part:
            return "file-too-big-content", f"“{info.filename}” {info.file_size // 2**20} MB"
    return None


def _is_unsafe_xml(exc: BaseException) -> bool:
    """defusedxml refuses DTDs and entities; calamine (quick-xml) never expands them and fails."""
    from defusedxml import DefusedXmlException
    return isinstance(exc, DefusedXmlException) or "entity" in str(exc).lower()


def _read_part(zf: zipfile.ZipFile, name: str, limit: int | None = None) -> bytes:
    """A part by name; a package written with backslashes or another case is found too."""
    for entry in (name, _entry(zf, name)):
        try:
            with zf.open(entry) as fh:
                return fh.read(limit) if limit else fh.read()
        except KeyError:
            continue
    return b""


def _parse_xml(data: bytes):
    from defusedxml import ElementTree as ET
    return ET.fromstring(data)


def _xlsx_names(book: WorkbookRead, zf: zipfile.ZipFile) -> None:
    root = _parse_xml(_read_part(zf, "xl/workbook.xml"))
    for el in root.iter():
        if el.tag.endswith("}definedName") and (el.get("name") or "").startswith("CDHT_"):
            ref = _parse_ref(el.text or "", REF_RE)
            if ref:
                book.names[el.get("name")] = ref
        if el.tag.endswith("}externalReference"):
            pass
    core = _read_part(zf, "docProps/core.xml")
    if core:
        props = _parse_xml(core)
        for el in props:
            if el.tag.endswith("}modified"):
                book.modified = (el.text or "").strip()
            elif el.tag.endswith("}lastModifiedBy"):
                book.modified_by = nfc((el.text or "").strip())


def _ods_names(book: WorkbookRead, zf: zipfile.ZipFile) -> None:
    root = _parse_xml(_read_part(zf, "content.xml"))
    for el in root.iter():
        if el.tag.endswith("}named-range"):
            name = next((v for k, v in el.attrib.items() if k.endswith("}name")), "")
            address = next((v for k, v in el.attrib.items() if k.endswith("}cell-range-address")), "")
            if name.startswith("CDHT_"):
                ref = _parse_ref(address.split(":")[0], ODS_REF_RE)
                if ref:
                    book.names[name] = ref
    meta = _read_part(zf, "meta.xml")
    if meta:
        for el in _parse_xml(meta).iter():
            if el.tag.endswith("}date") and "dc" in el.tag.lower() or el.tag == "{http://purl.org/dc/elements/1.1/}date":
                book.modified = (el.text or "").strip()
            elif el.tag == "{http://purl.org/dc/elements/1.1/}creator":
                book.modified_by = nfc((el.text or "").strip())



def _parse_ref(text: str, pattern) -> tuple[str, int, int] | None:
    m = pattern.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    return nfc(sheet), int(m.group(4)) - 1, col_index(m.group(3))


def _read_cells(book: WorkbookRead, limits: Limits, keep_sheets: bool = False) -> None:
    import python_calamine as pc

    from cdht_excel.reading import precheck
    try:
        shapes = precheck.shapes(book.input.path, book.format, max_cells=limits.max_cells)
    except precheck.Encrypted:
        book.findings.append(F.make("file-encrypted", file=book.display))
        return
    except precheck.UnsafeXml:
        book.findings.append(F.make("file-xml-unsafe", file=book.display, detail="khai báo DTD/ENTITY"))
        return
    huge = {html.unescape(s.sheet): s for s in precheck.too_big(shapes, limits.max_cells)}
    if huge and book.format in ("xls", "ods"):    # the reader builds every sheet of these at once
        book.findings += [_too_big(book, s) for s in huge.values()]
        return
    if len(shapes) > limits.max_sheets:
        book.findings.append(F.make("file-too-big-content", file=book.display, detail=f"{len(shapes)} trang tính"))
        return
    wb = _open_calamine(book)
    try:
        sheets = [m for m in wb.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
        if len(sheets) > limits.max_sheets:
            book.findings.append(F.make("file-too-big-content", file=book.display, detail=f"{len(sheets)} trang tính"))
            return
        for meta in sheets:
            name = meta.name
            if name in huge:
                book.findings.append(_too_big(book, huge[name]))
                continue   # a huge sheet is never ours: skipped, the rest of the file is read
            sheet = wb.get_sheet_by_name(name)
            if sheet.height * max(1, sheet.width) > limits.max_cells:
                book.findings.append(F.make("file-too-big-content", file=book.display,
                                            detail=f"trang “{nfc(name)}” có {_thousands(sheet.height * sheet.width)} ô"))
                continue
            if sheet.height == 0:
                continue
            rows = sheet.to_python(skip_empty_area=False)   # small: huge sheets were skipped above
            if keep_sheets:
                book.sheets[nfc(name)] = rows
            stamp_row = _find_stamp(rows[:40])
            if stamp_row is not None:
                stamp = S.parse_sheet_stamp(nfc(rows[stamp_row][0]))
                unit = _unit_sheet(nfc(name), stamp, rows, stamp_row)
                unit.merged = list(sheet.merged_cell_ranges or [])
                book.units.append(unit)
            elif rows and rows[0] and rows[0][0] == "schema" and len(rows[0]) > 1:
                if rows[0][1] == SCHEMA and book.meta is None:
                    book.meta = S.parse_meta([[nfc(c) for c in row[:2]] for row in rows])
                elif rows[0][1] in OTHER_SCHEMAS:
                    book.other_kind = str(rows[0][1])
    finally:
        wb.close()
    if not book.other_kind and not book.units and not F.has_errors(book.findings):
        code = "file-not-template" if book.meta is None else "file-no-units"
        book.findings.append(F.make(code, file=book.display))


def _open_calamine(book: WorkbookRead):
    """python-calamine's workbook for a file whose format `inspect_file` found from its bytes.

    `from_path` picks its reader from the file name, so a form renamed to another extension (an .xlsx
    saved as “.xls”) would be refused; such a file is handed over as bytes, which calamine sniffs."""
    import python_calamine as pc

    path = book.input.path
    cleaned = _without_macro_sheets(path) if book.format in ("xlsx", "xlsm") else None
    if cleaned is not None:
        return pc.CalamineWorkbook.from_filelike(cleaned)
    if _name_fits_format(path, book.format):
        return pc.CalamineWorkbook.from_path(str(path))
    import io
    return pc.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))   # within limits.max_bytes


def _without_macro_sheets(path: Path):
    """An in-memory copy of the package without its Excel 4 macro sheets and dialog sheets, or None.

    python-calamine refuses a whole workbook that lists one ("Unrecognized sheet type"), though such
    .xlsm files are valid and their worksheets are all we read. Parts stay as they are; only the
    <sheet> entries pointing at those parts leave xl/workbook.xml."""
    import io

    from cdht_excel.reading import precheck
    with zipfile.ZipFile(path) as zf:
        entries = zf.namelist()
        if not any(("macrosheets/" in e or "dialogsheets/" in e) for e in (n.replace("\\", "/") for n in entries)):
            return None
        workbook_entry = _entry(zf, "xl/workbook.xml")
        workbook, rels = _read_part(zf, "xl/workbook.xml"), _read_part(zf, "xl/_rels/workbook.xml.rels")
        targets = {}
        for m in precheck._REL_TAG.finditer(rels):
            rid, target = precheck._ID_ATTR.search(b" " + m.group(1)), precheck._TARGET_ATTR.search(b" " + m.group(1))
            if rid and target:
                targets[rid.group(1)] = target.group(1)

        def keep(m) -> bytes:
            rid = precheck._RID_ATTR.search(b" " + m.group(1))
            target = targets.get(rid.group(1), b"") if rid else b""
            return b"" if (b"macrosheets/" in target or b"dialogsheets/" in target) else m.group(0)
        cleaned = precheck._SHEET_TAG.sub(keep, workbook)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in zf.infolist():
                data = cleaned if info.filename == workbook_entry else zf.read(info.filename)
                dst.writestr(info.filename, data)
    out.seek(0)
    return out


def _too_big(book: WorkbookRead, shape) -> F.Finding:
    return F.make("file-too-big-content", file=book.display,
                  detail=f"trang “{nfc(html.unescape(shape.sheet))}” trải {_thousands(shape.rows)} dòng × "
                         f"{_thousands(shape.cols)} cột")


def _thousands(n: int) -> str:
    return format_number(n, grouped=True)


def _find_stamp(rows) -> int | None:
    for r, row in enumerate(rows):
        if row and isinstance(row[0], str) and row[0].startswith(STAMP_PREFIX):
            return r
    return None


def _unit_sheet(name: str, stamp: dict, rows: list[list], origin: int) -> UnitSheet:
    columns = dict(COL)
    key_rows: dict[str, int] = {}
    for r, row in enumerate(rows):
        first = row[0] if row else None
        if first == KEY_COL_MARK:
            columns = {key: c for c, key in enumerate(row) if key in COLUMNS} | {"KEY": 0}
        elif isinstance(first, str) and KEY_RE.match(first):
            key_rows.setdefault(first, r)
    return UnitSheet(unit_id=stamp["unit_id"], sheet=name, stamp=stamp, rows=rows, key_rows=key_rows,
                     columns=columns, origin=origin)


# --------------------------------------------------------------------------- formulas

def _scan_formulas(book: WorkbookRead) -> None:
    """Formulas saved without a value (written by a program), read once with the cells."""
    try:
        _scan_formula_parts(book)
    except Exception:   # a part calamine could read but XML cannot: no formula is evaluated from it
        book.formulas.clear()


def _scan_formula_parts(book: WorkbookRead) -> None:
    wanted = {u.sheet for u in book.units}
    with zipfile.ZipFile(book.input.path) as zf:
        workbook = _parse_xml(_read_part(zf, "xl/workbook.xml"))
        rels = _parse_xml(_read_part(zf, "xl/_rels/workbook.xml.rels"))
        targets = {el.get("Id"): el.get("Target") for el in rels}
        for el in workbook.iter():
            if not el.tag.endswith("}sheet"):
                continue
            name = nfc(el.get("name") or "")
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            if name not in wanted or rid not in targets:
                continue
            target = targets[rid].lstrip("/")
            part = target if target.startswith("xl/") else "xl/" + target
            data = _read_part(zf, part)
            if not VALUELESS_FORMULA_RE.search(data):
                continue   # most sheets: every formula has its value; no XML parse needed
            for c in _parse_xml(data).iter():
                if not c.tag.endswith("}c"):
                    continue
                f = next((x for x in c if x.tag.endswith("}f")), None)
                v = next((x for x in c if x.tag.endswith("}v")), None)
                if f is not None and (v is None or not (v.text or "").strip()) and f.text:
                    book.formulas[(name, c.get("r"))] = f.text

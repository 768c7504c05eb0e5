"""An Excel 5.0/95 workbook with a password is named as both: an old format and a password to remove.

Gnumeric still writes Excel 95 (BIFF7, `ssconvert -T Gnumeric_Excel:excel_biff7`); LibreOffice no longer
does. Excel 95 can only protect a workbook with XOR obfuscation: a FILEPASS record (0x002F, a 2-byte key
and a 2-byte password hash) right after the globals BOF, the other records' payloads obfuscated. The
password-protected file here is the project's own form written by Gnumeric as Excel 95, with that
FILEPASS record put after its BOF; so that the Book stream keeps its size (and every stream offset in
BOUNDSHEET stays right), the WRITEACCESS record (a user name padded with spaces to 31 bytes) gives up
the 8 bytes. Payloads are left as they are: what tells a password apart is that record.

A real Excel 95 file encrypted by Office 2010 (openwall/john-samples,
Office/Office_Secrets/Office_2010/2010-excel5.0-win95_myhovercraftisfullofeels_.xls) has the same
record layout (BOF, FILEPASS of 4 bytes, INTERFACEHDR, MMS, …) and gets the same finding; it is not kept
here because that repository states no licence.
"""
from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from support import REPO, message_of, run_cli

from cdht_excel.reading.book import Input
from cdht_excel.reading.read import EXCEL95, read_workbook

FORM = REPO / "samples" / "dong-thinh-2024" / "Trạm Y tế xã - TC 14.xlsx"
BOF, FILEPASS, WRITEACCESS = 0x0809, 0x002F, 0x005C


@pytest.fixture(scope="module")
def excel95(tmp_path_factory) -> Path:
    if shutil.which("ssconvert") is None:
        pytest.skip("Gnumeric (ssconvert) is not installed")
    out = tmp_path_factory.mktemp("excel95") / "phieu-excel95.xls"
    proc = subprocess.run(["ssconvert", "-T", "Gnumeric_Excel:excel_biff7", str(FORM), str(out)],
                          capture_output=True, text=True, timeout=120)
    assert out.exists(), proc.stderr
    return out


def records(stream: bytes, count: int) -> list[tuple[int, int, int]]:
    """(position, type, size) of the first `count` records."""
    out, pos = [], 0
    while len(out) < count and pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        out.append((pos, rtype, size))
        pos += 4 + size
    return out


def with_password(source: Path, target: Path) -> Path:
    import olefile
    shutil.copyfile(source, target)
    with olefile.OleFileIO(str(target)) as ole:
        book = ole.openstream("Book").read()
    first = records(book, 12)
    assert first[0][1:] == (BOF, 8) and struct.unpack_from("<H", book, 4)[0] == 0x0500     # BIFF5/7 globals
    pos, _, size = next(r for r in first if r[1] == WRITEACCESS)
    assert size >= 16
    filepass = struct.pack("<HH", FILEPASS, 4) + bytes.fromhex("beca05f7")     # key, hash (any values)
    shorter = struct.pack("<HH", WRITEACCESS, size - 8) + book[pos + 4: pos + 4 + size - 8]
    edited = book[:12] + filepass + book[12:pos] + shorter + book[pos + 4 + size:]
    assert len(edited) == len(book)
    with olefile.OleFileIO(str(target), write_mode=True) as ole:
        ole.write_stream("Book", edited)
    return target


def findings_of(path: Path):
    return read_workbook(Input(path, path.name)).findings


def test_an_excel95_file_without_a_password_is_an_old_format(excel95):
    (finding,) = findings_of(excel95)
    assert finding.code == "file-unsupported"
    assert finding.message == message_of("file-unsupported", detail=EXCEL95)


def test_an_excel95_file_with_a_password_says_both(excel95, tmp_path):
    locked = with_password(excel95, tmp_path / "phieu-mat-khau.xls")
    (finding,) = findings_of(locked)
    assert finding.code == "file-encrypted-old" and finding.severity == "error"
    assert finding.message == message_of("file-encrypted-old", detail=EXCEL95)
    assert "mật khẩu" in finding.message and "Excel 5.0/95" in finding.message
    assert "bỏ mật khẩu" in finding.hint and ".xlsx" in finding.hint
    code, text = run_cli("merge", locked, "-o", tmp_path / "t.xlsx")
    assert code == 2 and "phieu-mat-khau.xls" in text and finding.message in text

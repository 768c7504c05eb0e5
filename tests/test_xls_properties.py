"""An .xls whose “last saved” property is absent, of another type or nonsense is still read in full.

The files are the project's own form re-saved as .xls by LibreOffice, then one small byte-level edit of
its SummaryInformation property set (MS-OLEPS), the stream rewritten in place at the same size with
olefile. LibreOffice writes, among others, PIDSI_APPNAME (6) as VT_LPSTR "cdht-excel 0.1.0" and
PIDSI_LASTSAVE_DTM (13) as VT_FILETIME. A section is a table of (property id, offset) pairs followed by
the values, each a 4-byte type and the value; so:

- text date: the application name's 16 characters become "2024-12-13 11:36" and the ids 6 and 13 are
  swapped in the table, so the last-saved time is a VT_LPSTR, as older Gnumeric and other writers store it;
- text, not a date: only the ids swapped (the last-saved time reads "cdht-excel 0.1.0");
- absent: id 13 renamed to 0x7E, an id nobody defines;
- wrong type: the FILETIME's type changed to VT_I4;
- nonsense dates: the FILETIME set to 0 (1 January 1601) and to 2**64 - 1 (beyond any calendar).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import struct
from pathlib import Path

import pytest
from support import REPO, require, run_cli, soffice_convert_many

from cdht_excel.reading.book import Input
from cdht_excel.reading.read import SAVED_SOURCES, read_workbook
from cdht_excel.rules import findings as F

SAMPLE = REPO / "samples" / "dong-thinh-2024"
FORM = "Trạm Y tế xã - TC 14.xlsx"
STREAM = "\x05SummaryInformation"
APPNAME, LASTSAVE = 6, 13
VT_I4, VT_LPSTR, VT_FILETIME = 0x03, 0x1E, 0x40


@pytest.fixture(scope="module")
def lo_xls(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lo-xls")
    return require(soffice_convert_many([SAMPLE / FORM], "xls", out))[0]


def property_table(stream: bytes) -> tuple[int, dict[int, tuple[int, int]]]:
    """(section offset, {property id: (position of its table entry, position of its value)})."""
    section = struct.unpack_from("<I", stream, 44)[0]        # the first section's offset, after its FMTID
    count = struct.unpack_from("<I", stream, section + 4)[0]
    table = {}
    for i in range(count):
        entry = section + 8 + 8 * i
        pid, offset = struct.unpack_from("<II", stream, entry)
        table[pid] = (entry, section + offset)
    return section, table


def edited(source: Path, folder: Path, damage: str) -> Path:
    import olefile
    target = folder / f"{damage}.xls"
    shutil.copyfile(source, target)
    with olefile.OleFileIO(str(target)) as ole:
        data = bytearray(ole.openstream(STREAM).read())
    _, table = property_table(bytes(data))
    (app_entry, app_value), (save_entry, save_value) = table[APPNAME], table[LASTSAVE]
    assert struct.unpack_from("<II", data, app_value) == (VT_LPSTR, 17)      # what LibreOffice wrote
    assert struct.unpack_from("<I", data, save_value)[0] == VT_FILETIME

    def swap_ids() -> None:
        struct.pack_into("<I", data, app_entry, LASTSAVE)
        struct.pack_into("<I", data, save_entry, APPNAME)
    if damage == "text-date":
        data[app_value + 8: app_value + 24] = b"2024-12-13 11:36"
        swap_ids()
    elif damage == "text-not-date":
        swap_ids()
    elif damage == "absent":
        struct.pack_into("<I", data, save_entry, 0x7E)
    elif damage == "wrong-type":
        struct.pack_into("<I", data, save_value, VT_I4)
    elif damage == "filetime-zero":
        struct.pack_into("<Q", data, save_value + 4, 0)
    elif damage == "filetime-huge":
        struct.pack_into("<Q", data, save_value + 4, 2**64 - 1)
    with olefile.OleFileIO(str(target), write_mode=True) as ole:
        ole.write_stream(STREAM, bytes(data))
    return target


def read(path: Path):
    return read_workbook(Input(path, path.name))


def test_the_untouched_libreoffice_xls_gives_its_saved_time(lo_xls):
    book = read(lo_xls)
    assert book.format == "xls" and book.units
    assert book.modified.endswith("Z") and book.saved_source == SAVED_SOURCES["xls"]


def test_a_text_date_is_taken_as_written(lo_xls, tmp_path):
    book = read(edited(lo_xls, tmp_path, "text-date"))
    assert book.format == "xls" and [u.unit_id for u in book.units], book.findings
    assert not F.has_errors(book.findings), [f.message for f in book.findings]
    assert book.saved_at == "2024-12-13T11:36:00" and book.saved_source == SAVED_SOURCES["xls"]


@pytest.mark.parametrize("damage", ["text-not-date", "absent", "wrong-type", "filetime-zero", "filetime-huge"])
def test_a_missing_or_nonsense_saved_time_falls_back_to_the_file_time(damage, lo_xls, tmp_path):
    path = edited(lo_xls, tmp_path, damage)
    book = read(path)
    assert book.format == "xls" and book.units, [f.message for f in book.findings]
    assert not F.has_errors(book.findings), [f.message for f in book.findings]
    assert book.saved_source == SAVED_SOURCES[""]
    file_time = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    assert book.saved_at == file_time.strftime("%Y-%m-%dT%H:%M:%S")


def test_the_sample_set_with_a_text_dated_xls_is_still_good(lo_xls, tmp_path):
    folder = tmp_path / "phieu"
    shutil.copytree(SAMPLE, folder)
    (folder / FORM).unlink()
    shutil.copyfile(edited(lo_xls, tmp_path, "text-date"), folder / (Path(FORM).stem + ".xls"))
    code, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    report = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert code == 0 and report["total"] == 87.5 and report["classification"]["code"] == "tot", text

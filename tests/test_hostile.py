"""Hostile and broken inputs (issue 6): nothing crashes, nothing is lost, nothing runs, inputs never change."""
from __future__ import annotations

import hashlib
import io
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from cdht_excel.atomic import atomic_path
from cdht_excel.reading.book import Input
from cdht_excel.reading.read import Limits, read_workbook
from cdht_excel.text import safe_filename
from commune import codes, merge, returned_set, tt44_values
from support import TRACEBACK_RE, make_plan, make_template, message_of, run_cli

INTACT = Path(__file__).parent / "damaged" / "files" / "00-intact.xlsx"


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def rezip(src: Path, dst: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> Path:
    """A copy of a workbook zip with some parts replaced or added (how a hostile file is made)."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in add.items():
            zout.writestr(name, data)
    return dst


def bad_folder(tmp_path) -> Path:
    folder = returned_set(tmp_path, tt44_values(), folder="hop-thu")
    keep = sorted(folder.glob("*.xlsx"))[:2]           # two good unit files
    for extra in sorted(folder.glob("*.xlsx"))[2:]:
        extra.unlink()
    zeros = b"<?xml version='1.0'?><worksheet>" + b"0" * (80 * 2**20) + b"</worksheet>"
    rezip(keep[0], folder / "bom-zip.xlsx", replace={"xl/worksheets/sheet2.xml": zeros})
    laughs = ('<?xml version="1.0"?><!DOCTYPE z [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
              + ']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&i;</workbook>')
    rezip(keep[0], folder / "billion-laughs.xlsx", replace={"xl/workbook.xml": laughs.encode()})
    from msoffcrypto.format.ooxml import OOXMLFile
    with open(keep[1], "rb") as src, open(folder / "có mật khẩu.xlsx", "wb") as out:
        OOXMLFile(src).encrypt("matkhau", out)
    with zipfile.ZipFile(folder / "báo cáo.xlsx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    (folder / "rỗng.xlsx").write_bytes(b"")
    return folder


def test_hostile_folder_gives_one_finding_per_bad_file_and_never_changes_inputs(tmp_path):
    folder = bad_folder(tmp_path)
    before = hashes(folder)
    start = time.perf_counter()
    code, text, report = merge(folder)
    assert time.perf_counter() - start < 20
    assert code == 1
    assert not TRACEBACK_RE.search(text)
    per_file = {}
    for f in report["findings"]:
        if f["severity"] == "error" and f.get("file") and f["code"].startswith("file-"):
            per_file.setdefault(f["file"].split("/")[-1], []).append(f["code"])
    assert per_file == {"bom-zip.xlsx": ["file-zip-bomb"], "billion-laughs.xlsx": ["file-xml-unsafe"],
                        "có mật khẩu.xlsx": ["file-encrypted"], "báo cáo.xlsx": ["file-not-workbook"],
                        "rỗng.xlsx": ["file-empty"]}
    merged = {c["id"]: c["score"] for c in report["criteria"] if c["score"] is not None}
    assert merged == {"1": 6, "2": 7, "7": 6, "11": 5}               # the two good unit files
    assert hashes(folder) == before


def test_every_command_leaves_its_inputs_unchanged(tmp_path):
    plan = make_plan(tmp_path / "kh")
    folder = returned_set(tmp_path, tt44_values())
    summary = tmp_path / "tong" / "th.xlsx"
    run_cli("merge", folder, "-o", summary)
    watched = [tmp_path / "kh", folder, tmp_path / "tong"]
    before = {str(w): hashes(w) for w in watched}
    for args in (["template", "--plan", plan, "-o", tmp_path / "o" / "m.xlsx"],
                 ["status", folder, "--json", tmp_path / "o" / "s.json"],
                 ["merge", folder, "-o", tmp_path / "o" / "t.xlsx", "--json", tmp_path / "o" / "t.json"],
                 ["district", tmp_path / "tong", "-o", tmp_path / "o" / "h.xlsx"],
                 ["rubric", "check", plan]):
        run_cli(*args)
    assert {str(w): hashes(w) for w in watched} == before


@pytest.mark.parametrize("command", ["merge", "status", "district"])
def test_output_pointing_at_an_input_is_refused(tmp_path, command):
    folder = returned_set(tmp_path, tt44_values())
    target = sorted(folder.glob("*.xlsx"))[0]
    before = target.read_bytes()
    option = "--json" if command == "status" else "-o"
    code, text = run_cli(command, folder, option, target)
    assert code == 2 and message_of("output-is-input", file=target) in text
    assert target.read_bytes() == before


def test_atomic_output_keeps_the_previous_file_when_writing_fails(tmp_path):
    target = tmp_path / "ket-qua.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["ket-qua.xlsx"]


def test_killed_merge_never_leaves_a_half_written_output(tmp_path):
    folder = returned_set(tmp_path, tt44_values())
    out = tmp_path / "out" / "tong-hop.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"previous")
    cmd = [sys.executable, "-m", "cdht_excel", "merge", str(folder), "-o", str(out)]
    for delay in (0.05, 0.2, 0.4, 0.6, 0.9):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = out.read_bytes()
        if data != b"previous":                   # the run finished: the output is whole
            assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0] == "Kết quả"
    visible = [p.name for p in out.parent.iterdir() if not p.name.startswith(".~cdht-")]
    assert visible == ["tong-hop.xlsx"]


def test_thousands_of_sheets_and_huge_sheets_get_one_finding(tmp_path):
    wb = openpyxl.Workbook()
    for i in range(400):
        wb.create_sheet(f"S{i}")
    wb.save(tmp_path / "nhieu-trang.xlsx")
    book = read_workbook(Input(tmp_path / "nhieu-trang.xlsx", "nhieu-trang.xlsx"))
    assert [f.code for f in book.findings] == ["file-too-big-content"]
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 1_000_001))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>').encode()
    rezip(INTACT, tmp_path / "trieu-dong.xlsx", replace={"xl/worksheets/sheet1.xml": sheet})
    book = read_workbook(Input(tmp_path / "trieu-dong.xlsx", "trieu-dong.xlsx"))
    assert [f.code for f in book.findings] == ["file-too-big-content"]
    small = Limits(max_cells=100)                    # the cell limit, on a file of ordinary size
    book = read_workbook(Input(INTACT, "x.xlsx"), small)
    assert "file-too-big-content" in [f.code for f in book.findings]


def test_zip_with_too_many_entries(tmp_path):
    add = {f"xl/media/x{i}.bin": b"" for i in range(6000)}
    rezip(INTACT, tmp_path / "nhieu-muc.xlsx", add=add)
    book = read_workbook(Input(tmp_path / "nhieu-muc.xlsx", "nhieu-muc.xlsx"))
    assert [f.code for f in book.findings] == ["file-zip-bomb"]


def test_macros_are_never_run_and_external_links_are_reported(tmp_path):
    path = rezip(INTACT, tmp_path / "có macro.xlsm", add={
        "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not really vba",
        "xl/externalLinks/externalLink1.xml": b'<?xml version="1.0"?><externalLink '
                                              b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                              b'<ddeLink ddeService="cmd" ddeTopic="/c calc"/></externalLink>'})
    code, _, report = merge(path, out=tmp_path / "t.xlsx")
    assert report["total"] == 87.5
    assert "file-macros" in codes(report, "info")
    assert "file-external-links" in codes(report, "warning")


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "etc-passwd"), ("CON", "_CON"), ("a:b*c?d|e", "a-b-c-d-e"),
    ("Hội Khuyến học xã", "Hội Khuyến học xã"), ("x" * 300, "x" * 80), ("  .  ", "tep"),
])
def test_safe_file_names(name, expected):
    assert safe_filename(name) == expected


def test_split_files_stay_in_their_folder_whatever_the_unit_is_called(tmp_path):
    plan = make_plan(tmp_path)
    wb = openpyxl.load_workbook(plan)
    ws = wb["Phân công"]
    ws["A2"] = "../../Văn phòng/Đảng ủy: xã*"
    ws["A3"] = "CON"
    wb.save(plan)
    split = tmp_path / "tach"
    make_template(tmp_path / "m", plan=plan, split_dir=split)
    names = sorted(p.name for p in split.iterdir())
    assert len(names) == 10 and all((split / n).resolve().parent == split.resolve() for n in names)
    assert not any(set(n) & set('\\/:*?"<>|') for n in names)

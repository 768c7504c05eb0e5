"""Issue 10: untrusted files never take the run down, and reading stays within bounded memory and time."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdht_excel.reading import precheck
from cdht_excel.reading.book import Input
from cdht_excel.reading.guard import Crash, Guard, RaisedInReader
from cdht_excel.reading.read import read_workbooks
from cdht_excel.rules import findings as F
from support import TRACEBACK_RE, run_cli

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "hostile"))
import build as hostile  # noqa: E402

ROOT = HERE.parent
CLEAN = ROOT / "samples" / "dong-thinh-2024"
SINGLE_MB, RUN_MB = 400, 600
READER_MB = 250          # the reader's ceiling (guard.DATA_ROOM above what it inherits), well below SINGLE_MB


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    hostile.build(folder)
    return folder


def run_measured(args, timeout: float = 120) -> tuple[subprocess.CompletedProcess, float, float]:
    """`python -m cdht_excel ARGS` with (result, peak RSS of its largest process, peak RSS of its whole
    process tree sampled every 5 ms), in MB. The first is exact (getrusage of the children of a
    wrapper that runs only this command); the second samples /proc."""
    wrapper = ("import resource, subprocess, sys\n"
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True, encoding='utf-8')\n"
               "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr)\n"
               "print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
               "sys.exit(r.returncode)\n")
    env = {k: v for k, v in os.environ.items() if k != "CDHT_DEBUG"} | {"PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen([sys.executable, "-c", wrapper, sys.executable, "-m", "cdht_excel", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)
    tree_peak = 0
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        tree_peak = max(tree_peak, _tree_rss(proc.pid))
        time.sleep(0.005)
    out, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
    lines = err.splitlines()
    single = int(next(line.split()[1] for line in lines if line.startswith("MAXRSS"))) / 1024
    err = "\n".join(line for line in lines if not line.startswith("MAXRSS"))
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return result, single, tree_peak / 1024


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss(root: int) -> int:
    """Sum of the RSS of every descendant of `root` (not root itself: it is the measuring wrapper)."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        for child in map(int, children):
            total += _rss_kb(child)
            todo.append(child)
    return total


def file_codes(report: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in report["findings"]:
        if f["severity"] == F.ERROR and f.get("file"):
            found.setdefault(f["file"].split("/")[-1], []).append(f["code"])
    return found


# --------------------------------------------------------------------------- the pre-check

def test_precheck_measures_the_block_the_reader_would_build(hostile_dir):
    def shape(name, fmt):
        return max(precheck.shapes(hostile_dir / name, fmt), key=lambda s: s.cells)
    far = shape("far-cells-A1-XFD1048576.xlsx", "xlsx")
    assert (far.rows, far.cols) == (1048576, 16384)
    assert shape("range-99-million-cells.xlsx", "xlsx").cells == 99_000_000
    assert shape("dimension-only.xlsx", "xlsx").cells == 1            # the declared dimension is not cells
    assert shape("cells-without-refs.xlsx", "xlsx").rows == 900000
    assert shape("repeated-rows.ods", "ods").cells == 1048576 * 1024
    assert shape("dimensions-65536x256.xls", "xls").cells == 65536 * 256
    assert shape("far-cells-A1-XFD1048576.xlsx", "xlsx").sheet == "Trang 1"


def test_precheck_of_real_returns_matches_what_the_reader_builds():
    import python_calamine as pc
    for path in sorted((ROOT / "samples" / "dong-thinh-2024-co-loi").glob("[!~]*.*")):
        fmt = path.suffix.lstrip(".")
        found = {s.sheet: (s.rows, s.cols) for s in precheck.shapes(path, fmt)}
        wb = pc.CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            rows, cols = found[name]
            built = sheet.height * sheet.width
            assert (sheet.height, sheet.width) == (rows, cols) or built <= rows * cols, (path, name)


def test_empty_ods_rows_repeated_a_million_times_cost_nothing(tmp_path):
    path = hostile.ods(tmp_path / "x.ods", '<table:table table:name="T"><table:table-row><table:table-cell '
                       'office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
                       '<table:table-cell table:number-columns-repeated="16383"/></table:table-row>'
                       '<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
                       'table:number-columns-repeated="16384"/></table:table-row></table:table>')
    assert precheck.shapes(path, "ods")[0].cells == 1


# --------------------------------------------------------------------------- the reader process

def _abort():
    os.abort()


def _sleep(seconds):
    time.sleep(seconds)
    return seconds


def _allocate(megabytes):
    return len(bytearray(megabytes * 2**20))


def _raise():
    raise ValueError("hỏng")


def test_guard_turns_aborts_hangs_memory_and_exceptions_into_values_and_goes_on():
    with Guard(memory=300 * 2**20, wall_seconds=2) as guard:
        results = list(guard.map(_allocate, [(1,), (1000,), (2,)]))
        assert results[0] == 2**20 and results[2] == 2 * 2**20
        assert isinstance(results[1], RaisedInReader) and results[1].name == "MemoryError"   # over the limit
        crash = guard.call(_abort)
        assert isinstance(crash, Crash) and "SIGABRT" in crash.detail
        assert guard.call(_sleep, 0) == 0
        hang = guard.call(_sleep, 30)
        assert isinstance(hang, Crash) and hang.reason == "timeout"
        raised = guard.call(_raise)
        assert isinstance(raised, RaisedInReader) and "hỏng" in str(raised)
        assert guard.call(_sleep, 0) == 0
        pid = guard.pid
    assert pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)                # reaped: no defunct reader left behind


def test_a_crash_in_the_middle_of_many_files_costs_only_that_file(hostile_dir, tmp_path):
    good = sorted(CLEAN.glob("*.xlsx"))[:3]
    inputs = [Input(good[0], "a.xlsx"), Input(hostile_dir / "fuzzed-abort-1.xls", "b.xls"),
              Input(good[1], "c.xlsx"), Input(hostile_dir / "fuzzed-panic-1.xls", "d.xls"), Input(good[2], "e.xlsx")]
    books = read_workbooks(inputs)
    assert [len(b.units) for b in books] == [1, 0, 1, 0, 1]
    assert [f.code for f in books[1].findings] == ["file-reader-crashed"]
    assert [f.code for f in books[3].findings] == ["file-corrupt"]
    assert "PanicException" in books[3].findings[0].technical and "Panic" not in books[3].findings[0].message


# --------------------------------------------------------------------------- merge

@pytest.mark.parametrize("name", sorted(hostile.HOSTILE))
def test_each_hostile_file_alone_gets_its_finding(hostile_dir, tmp_path, name):
    out = tmp_path / "out.xlsx"
    result, single, _ = run_measured(["merge", hostile_dir / name, "-o", out, "--json", tmp_path / "r.json"])
    text = result.stdout + result.stderr
    assert result.returncode == 2, text
    assert not TRACEBACK_RE.search(text) and "panicked" not in text and "memory allocation" not in text
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert file_codes(report)[name] == [hostile.HOSTILE[name]]
    assert single < SINGLE_MB, f"{name}: {single:.0f} MB"


def test_hostile_files_mixed_into_a_clean_commune_change_nothing_and_stay_within_memory(hostile_dir, tmp_path):
    folder = tmp_path / "hop-thu"
    shutil.copytree(CLEAN, folder)
    for name in hostile.HOSTILE:
        shutil.copy(hostile_dir / name, folder / name)
    result, single, tree = run_measured(["merge", folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json"])
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    assert not TRACEBACK_RE.search(text) and "panicked" not in text
    report = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert report["total"] == 87.5 and report["classification"]["label"] == "Tốt"
    found = file_codes(report)
    assert {name: found.get(name) for name in hostile.HOSTILE} == {n: [c] for n, c in hostile.HOSTILE.items()}
    assert single < SINGLE_MB and tree < RUN_MB, (single, tree)


def test_a_file_that_fills_memory_stops_the_reader_well_below_the_budget(hostile_dir, tmp_path):
    name = "one-string-everywhere.xlsx"
    result, single, _ = run_measured(["merge", hostile_dir / name, "-o", tmp_path / "t.xlsx",
                                      "--json", tmp_path / "r.json"])
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert file_codes(report)[name] == ["file-reader-crashed"], result.stdout
    assert single < READER_MB, f"{name}: the reader reached {single:.0f} MB"


def test_the_ceiling_leaves_room_for_a_large_real_sheet(tmp_path):
    """240,000 cells (half the pre-check's limit, a 9 MB sheet part), written by XlsxWriter: read in full."""
    import xlsxwriter
    path = tmp_path / "bang-lon.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Số liệu")
    for r in range(480):
        for c in range(500):
            ws.write_number(r, c, r + c) if c % 2 else ws.write_string(r, c, "ô")
    wb.close()
    result, single, _ = run_measured(["merge", path, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "r.json"])
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert file_codes(report)[path.name] == ["file-not-template"], result.stdout     # read, and not ours
    assert single < READER_MB, single


@pytest.mark.parametrize("name", sorted(hostile.KINDS))
def test_each_kind_of_file_gets_its_own_finding(hostile_dir, tmp_path, name):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(hostile_dir / name, folder / name)
    code, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "r.json")
    assert not TRACEBACK_RE.search(text)
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    expected = hostile.KINDS[name]
    if expected == "ok":       # a valid unit return: read, its criteria merged, no file finding
        assert code == 1 and name not in file_codes(report)
        assert any(c["score"] is not None for c in report["criteria"])
    else:
        assert code == 2 and file_codes(report)[name] == [expected]
        finding = next(f for f in report["findings"] if f["code"] == expected)
        assert finding["hint"] == F.CATALOGUE[expected][2]


def test_a_folder_with_only_an_xlsb_says_why_not_no_spreadsheet_found(hostile_dir, tmp_path):
    folder = tmp_path / "chi-xlsb"
    folder.mkdir()
    shutil.copy(hostile_dir / "binary-workbook.xlsb", folder / "phieu.xlsb")
    code, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "r.json")
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    codes = [f["code"] for f in report["findings"]]
    assert code == 2 and "file-unsupported" in codes and "no-input" not in codes
    assert "lưu lại thành .xlsx" in text


def test_a_file_that_takes_too_long_is_the_timeout_finding_and_the_next_file_is_read():
    good = sorted(CLEAN.glob("*.xlsx"))[:2]
    slow = Guard(wall_seconds=0.000001)        # no file is read that fast: every read times out
    books = read_workbooks([Input(good[0], "a.xlsx")], guard=slow)
    slow.close()
    assert [f.code for f in books[0].findings] == ["file-reader-timeout"]
    with Guard() as guard:
        assert read_workbooks([Input(good[1], "b.xlsx")], guard=guard)[0].units

"""What a program said when a file could not be read never reaches a person: the message is Vietnamese, the
exception's class and text stay in the JSON finding's `technical` field (not in the terminal, the summary
workbook's findings or the web page, which show message and hint).

Files: the real damaged files (tests/damaged), the foreign corpus (tests/foreign), the hostile set
(tests/hostile/build.py: fuzzed .xls that make the Rust reader panic or abort), and returns cut short as
an interrupted download or copy leaves them (the first half of a real .xlsx, .xls and .ods), plus mutants
of the real .xlsx/.xls/.ods fixtures made by the project's fuzzer (fixed seed).
"""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from support import REPO, run_cli

from cdht_excel.fuzz import mutate

TESTS = Path(__file__).resolve().parent
DAMAGED = TESTS / "damaged" / "files"
FOREIGN = TESTS / "foreign"
INTERNAL = re.compile(r"[A-Z][a-z]+(?:Error|Exception)|panicked|Traceback|\bEOCD\b|Cfb error|BytesText")
SEEDS = [DAMAGED / "00-intact.xlsx", DAMAGED / "15-libreoffice.xls", DAMAGED / "16-libreoffice.ods"]


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("broken")
    subprocess.run([sys.executable, str(TESTS / "hostile" / "build.py"), str(folder / "hostile")], check=True,
                   capture_output=True)
    shutil.copytree(DAMAGED, folder / "damaged")
    shutil.copytree(FOREIGN / "files", folder / "foreign")
    cut = folder / "cut"
    cut.mkdir()
    for seed in SEEDS:
        data = seed.read_bytes()
        (cut / f"nửa-{seed.name}").write_bytes(data[: len(data) // 2])
    rnd = random.Random(19)
    mutants = folder / "mutants"
    mutants.mkdir()
    for seed in SEEDS:
        data = seed.read_bytes()
        for i in range(12):
            (mutants / f"{i:02d}-{seed.name}").write_bytes(mutate(data, rnd))
    return folder


def merged(folder: Path, tmp_path: Path) -> tuple[str, dict]:
    _, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    return text, json.loads((tmp_path / "t.json").read_text("utf-8"))


def test_no_exception_name_reaches_a_person(broken, tmp_path):
    text, report = merged(broken, tmp_path)
    reader = [f for f in report["findings"] if f["code"].startswith("file-")]
    assert len(reader) > 40, len(reader)
    said = [f["message"] + " → " + f["hint"] for f in report["findings"]]
    assert [s for s in said if INTERNAL.search(s)] == []
    assert INTERNAL.findall(text) == []
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True)
    cells = " ".join(str(c) for ws in sheet.worksheets if not ws.title.startswith("_")
                     for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert INTERNAL.findall(cells) == []


def test_the_technical_detail_stays_in_the_json(broken, tmp_path):
    _, report = merged(broken, tmp_path)
    technical = {f["file"]: f["technical"] for f in report["findings"] if f.get("technical")}
    panics = [t for name, t in technical.items() if "fuzzed-panic" in name]
    assert panics and all(t.startswith("PanicException: ") for t in panics), technical
    assert any("CalamineError" in t or "BadZipFile" in t for t in technical.values()), technical
    for finding in report["findings"]:
        if finding.get("technical"):
            assert finding["technical"] not in finding["message"] and finding["code"].startswith("file-")
    panic = next(f for f in report["findings"] if "fuzzed-panic-1" in (f["file"] or ""))
    assert panic["code"] == "file-corrupt" and "số liệu bên trong tệp không hợp lệ" in panic["message"]


def test_a_return_cut_short_says_so_in_words(broken, tmp_path):
    folder = tmp_path / "cut"
    shutil.copytree(broken / "cut", folder)
    _, report = merged(folder, tmp_path)
    by_file = {f["file"].rsplit("/", 1)[-1]: f for f in report["findings"] if f["code"] == "file-corrupt"}
    assert set(by_file) == {f"nửa-{s.name}" for s in SEEDS}, report["findings"]
    assert "phần nén của tệp bị hỏng" in by_file["nửa-00-intact.xlsx"]["message"]
    assert all(f["technical"] for f in by_file.values())


def test_a_web_merge_shows_no_exception_name(broken, tmp_path):
    import io
    from cdht_excel.web.app import create_app
    token, host, root = "test-token-0123456789", "http://127.0.0.1:5123", "/r-test"
    base = host + root
    app = create_app(tmp_path / "private", token, 5123, root)
    app.testing = True
    client = app.test_client()
    assert client.get(f"/?token={token}", base_url=base).status_code == 303
    sample = REPO / "samples" / "dong-thinh-2024"
    files = [(p.name, p.read_bytes()) for p in sorted(sample.iterdir())]
    files += [(p.name, p.read_bytes()) for p in sorted((broken / "hostile").glob("fuzzed-*.xls"))]
    files += [(p.name, p.read_bytes()) for p in sorted((broken / "cut").iterdir())]
    data = {"token": token, "action": "merge", "files": [(io.BytesIO(c), n) for n, c in files]}
    answer = client.post("/merge", base_url=base, data=data, content_type="multipart/form-data")
    assert answer.status_code == 303, answer.data.decode()[:2000]
    page = client.get(answer.headers["Location"], base_url=host).data.decode()
    assert "fuzzed-panic-1.xls" in page and "số liệu bên trong tệp không hợp lệ" in page
    assert INTERNAL.findall(page) == []

"""A short fuzz run over mutated real workbooks: every file gets a result or a finding, never a traceback.
The long run: python -m cdht_excel.fuzz --seconds 600 tests/damaged/files/00-intact.xlsx ..."""
from __future__ import annotations

from pathlib import Path

from cdht_excel.fuzz import run

FILES = Path(__file__).parent / "damaged" / "files"


def test_short_fuzz_run(tmp_path):
    seeds = [FILES / "00-intact.xlsx", FILES / "16-libreoffice.ods", FILES / "15-libreoffice.xls"]
    count = run(seeds, seconds=8, workdir=tmp_path, seed=1)
    assert count > 50

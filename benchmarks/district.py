"""Benchmark `cdht district` against the obvious baseline, in the same run.

    python benchmarks/district.py --n 1000            # 1,000 summaries (+ 100 folders of unit files)
    python benchmarks/district.py --n 100 --folders 100

Generates, with the project's own code, N commune summary workbooks (each made by
the real merge pipeline from 10 unit workbooks) and F commune folders of 10 unit
workbooks; then times, in the same run:
  - `cdht district` as a user runs it (a subprocess: start-up included), and its peak memory;
  - the baseline: a loop of `pandas.read_excel(f, sheet_name=None)` over the same files.
Prints both wall times, the ratio, files per second and peak memory (RSS).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from cdht_excel import plan as P
from cdht_excel import rubric as R
from cdht_excel.template import split_file_name, write_template

RUBRIC = R.load("tt44-2014")


def commune_values(i: int) -> dict:
    rng = random.Random(i)
    values = {}
    for c in RUBRIC.criteria:
        values[f"C{c.id}_SCORE"] = rng.choice([3, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5])
        values[f"C{c.id}_EVIDENCE"] = f"Báo cáo số {i}/BC-UBND ngày 10/12/2024 (tiêu chí {c.id})"
    return values


def make_commune(args) -> None:
    """One commune: 10 unit workbooks (pre-filled by the template writer), then `merge` -> summary."""
    i, root, keep_folder = args
    from cdht_excel.assess import assess
    from cdht_excel.report import report_dict, write_summary
    plan = P.default_plan(f"Thử Nghiệm {i:04d}", 2024, RUBRIC, district="Huyện Mẫu", province="Tỉnh Mẫu")
    folder = Path(root) / "folders" / f"xa-{i:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    values = commune_values(i)
    for n, unit in enumerate(plan.units, start=1):
        write_template(plan, RUBRIC, folder / split_file_name(n, unit, plan), only=unit, values=values)
    assessment = assess([folder])
    write_summary(assessment, report_dict(assessment), Path(root) / "summaries" / f"tong-hop-{i:04d}.xlsx")
    if not keep_folder:
        shutil.rmtree(folder)


def generate(root: Path, n: int, folders: int) -> None:
    (root / "summaries").mkdir(parents=True, exist_ok=True)
    tasks = [(i, str(root), i < folders) for i in range(n)]
    with mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn").Pool() as pool:
        for _ in pool.imap_unordered(make_commune, tasks, chunksize=8):
            pass


def run_tool(inputs: Path, out: Path) -> tuple[float, float, dict]:
    """Wall time and peak RSS (MB) of `cdht district` run as a user runs it."""
    code = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
            "wall = time.perf_counter() - t\n"
            "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)\n")
    cmd = [sys.executable, "-c", code, sys.executable, "-m", "cdht_excel", "district", str(inputs),
           "-o", str(out), "--json", str(out.with_suffix(".json"))]
    wall, rss_kb, rc = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert rc in ("0", "1"), f"cdht district exited {rc}"
    return float(wall), int(rss_kb) / 1024, data


def run_baseline(files: list[Path]) -> float:
    import pandas as pd
    warnings.simplefilter("ignore")
    t = time.perf_counter()
    for f in files:
        pd.read_excel(f, sheet_name=None)
    return time.perf_counter() - t


def report(label: str, files: list[Path], tool: tuple, baseline: float) -> None:
    wall, rss, data = tool
    print(f"{label}: {len(files)} files, {len(data['communes'])} communes")
    print(f"  cdht district     {wall:8.2f} s  ({len(files) / wall:8.0f} files/s), peak RSS {rss:6.0f} MB")
    print(f"  pandas baseline   {baseline:8.2f} s  ({len(files) / baseline:8.0f} files/s)")
    print(f"  ratio             {baseline / wall:8.1f} x faster")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="number of commune summary workbooks")
    ap.add_argument("--folders", type=int, default=None, help="number of commune folders (default: min(n, 100))")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the generated files here")
    args = ap.parse_args()
    folders = min(args.n, 100) if args.folders is None else min(args.folders, args.n)
    root = args.workdir or Path(tempfile.mkdtemp(prefix="cdht-bench-"))
    try:
        t = time.perf_counter()
        if not (root / "summaries").is_dir() or len(list((root / "summaries").glob("*.xlsx"))) != args.n:
            shutil.rmtree(root, ignore_errors=True)
            generate(root, args.n, folders)
        print(f"generated {args.n} summaries and {folders} folders in {time.perf_counter() - t:.1f} s ({root})")
        summaries = sorted((root / "summaries").glob("*.xlsx"))
        tool = run_tool(root / "summaries", root / "out-summaries.xlsx")
        report("summary workbooks", summaries, tool, run_baseline(summaries))
        if folders:
            unit_files = sorted((root / "folders").rglob("*.xlsx"))
            tool = run_tool(root / "folders", root / "out-folders.xlsx")
            report("folders of unit workbooks", unit_files, tool, run_baseline(unit_files))
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark `cdht district` against three baselines, all in the same run, honestly.

    python benchmarks/district.py                         # N=1000, small set 100, memory at 5,000
    python benchmarks/district.py --n 1000 --small 100 --repeat 5 --memory-n 5000
    python benchmarks/district.py --n 200 --small 50 --repeat 3 --memory-n 0   # quick

Files: `--variants` communes are made by the real pipeline (10 unit workbooks filled through the
template writer, then `merge`); the N summaries are those summaries written again under other commune
names (so generating 5,000 takes seconds, and every file is a real summary of the standard shape).

Measured, each `--repeat` times (min and median), on the N files and on a small set of S files:
  - cdht district   as a user runs it (a subprocess, start-up included), with its peak RSS (that of
                    its largest process: summaries are read in the tool's own process, so with summaries
                    only it is the whole tool);
  - pandas, all sheets            a loop of `pandas.read_excel(f, sheet_name=None)` (openpyxl) — the
                                  "obvious" baseline of PRODUCT §8;
  - pandas, result sheet          a loop of `pandas.read_excel(f, sheet_name="_cdht_result",
                                  engine="calamine")`;
  - bare calamine                 a loop opening each file with python-calamine and reading only that
                                  sheet (`get_sheet_by_name("_cdht_result").to_python()`): close to the floor
                                  for reading these files from Python, doing nothing with the values.
The marginal cost per commune is (time on N − time on S) / (N − S): start-up and fixed costs cancel.
Ratios compare marginal costs (min of runs). Peak memory is measured at `--memory-n` communes.
The slow all-sheets loop runs `--slow-repeat` times (default 1) on N and S.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

from cdht_excel.commune import plan as P
from cdht_excel.commune.template import split_file_name, write_template
from cdht_excel.rules import rubric as R

RUBRIC = R.load("tt44-2014")
RESULT_SHEET = "_cdht_result"


def commune_values(i: int) -> dict:
    rng = random.Random(i)
    values = {}
    for c in RUBRIC.criteria:
        values[f"C{c.id}_SCORE"] = rng.choice([3, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5])
        values[f"C{c.id}_EVIDENCE"] = f"Báo cáo số {i}/BC-UBND ngày 10/12/2024 (tiêu chí {c.id})"
    return values


def make_variant(args):
    """One real commune: 10 unit workbooks, merged; returns its folder."""
    i, root = args
    plan = P.default_plan(f"Mẫu {i:03d}", 2024, RUBRIC, district="Huyện Mẫu", province="Tỉnh Mẫu")
    folder = Path(root) / "variants" / f"xa-{i:03d}"
    folder.mkdir(parents=True, exist_ok=True)
    values = commune_values(i)
    for n, unit in enumerate(plan.units, start=1):
        write_template(plan, RUBRIC, folder / split_file_name(n, unit, plan), only=unit, values=values)
    return str(folder)


def write_copies(args):
    """Summaries of communes `start`..`stop`, each from one variant under its own commune name."""
    start, stop, root, variants = args
    from cdht_excel.commune.assess import assess
    from cdht_excel.commune.report import report_dict
    from cdht_excel.outputs.summary_xlsx import write_summary
    assessed = {}
    for i in range(start, stop):
        folder = variants[i % len(variants)]
        if folder not in assessed:
            assessed[folder] = assess([folder])
        a = assessed[folder]
        plan = replace(a.plan, commune=f"Thử Nghiệm {i:05d}")
        b = replace(a, merged=replace(a.merged, plan=plan))
        write_summary(b, report_dict(b), Path(root) / "summaries" / f"tong-hop-{i:05d}.xlsx")


def generate(root: Path, n: int, variants: int) -> None:
    (root / "summaries").mkdir(parents=True, exist_ok=True)
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ctx.Pool() as pool:
        folders = sorted(pool.map(make_variant, [(i, str(root)) for i in range(variants)]))
        step = 250
        list(pool.imap_unordered(write_copies, [(s, min(n, s + step), str(root), folders)
                                                for s in range(0, n, step)]))


def ensure(root: Path, n: int, variants: int) -> list[Path]:
    files = sorted((root / "summaries").glob("*.xlsx"))
    if len(files) < n:
        shutil.rmtree(root / "summaries", ignore_errors=True)
        t = time.perf_counter()
        generate(root, n, variants)
        print(f"generated {n} summaries from {variants} merged communes in {time.perf_counter() - t:.1f} s")
        files = sorted((root / "summaries").glob("*.xlsx"))
    return files[:n]


def subset(root: Path, files: list[Path], name: str) -> Path:
    """A folder holding exactly these files (hard links), for the tool's input."""
    folder = root / name
    if folder.is_dir() and len(list(folder.iterdir())) == len(files):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for f in files:
        try:
            (folder / f.name).hardlink_to(f)
        except OSError:
            shutil.copy(f, folder / f.name)
    return folder


# --------------------------------------------------------------------------- the runs

def run_tool(inputs: Path, out: Path) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of `cdht district` run as a user runs it."""
    code = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
            "wall = time.perf_counter() - t\n"
            "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)\n")
    cmd = [sys.executable, "-c", code, sys.executable, "-m", "cdht_excel", "district", str(inputs),
           "-o", str(out), "--json", str(out.with_suffix(".json"))]
    # as installed by pip, which byte-compiles the package: an environment that forbids .pyc files would
    # compile every module at each start (about 0.1 s here), which is not how users run it
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    wall, rss_kb, rc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout.split()
    assert rc in ("0", "1"), f"cdht district exited {rc}"
    return float(wall), int(rss_kb) / 1024


def pandas_all(files):
    import pandas as pd
    for f in files:
        pd.read_excel(f, sheet_name=None)


def pandas_result(files):
    import pandas as pd
    for f in files:
        pd.read_excel(f, sheet_name=RESULT_SHEET, engine="calamine", header=None)


def bare_calamine(files):
    import python_calamine as pc
    for f in files:
        wb = pc.CalamineWorkbook.from_path(str(f))
        wb.get_sheet_by_name(RESULT_SHEET).to_python()
        wb.close()


def timed(func, files, repeat: int) -> list[float]:
    warnings.simplefilter("ignore")
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        func(files)
        out.append(time.perf_counter() - t)
    return out


def stats(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="communes in the full set (default 1000)")
    ap.add_argument("--small", type=int, default=100, help="communes in the small set (default 100)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each measure (default 5)")
    ap.add_argument("--slow-repeat", type=int, default=1, help="runs of the all-sheets pandas loop (default 1)")
    ap.add_argument("--memory-n", type=int, default=5000, help="communes for the peak memory run (0: skip)")
    ap.add_argument("--variants", type=int, default=20, help="distinct merged communes behind the copies")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the generated files here (reused)")
    args = ap.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="cdht-bench-"))
    try:
        files = ensure(root, max(args.n, args.memory_n), args.variants)
        full, small = files[:args.n], files[:args.small]
        sets = {"N": subset(root, full, f"set-{args.n}"), "S": subset(root, small, f"set-{args.small}")}
        # Interleaved: every repeat runs each measure once on N and once on S, so a machine that speeds up
        # or slows down during the run (this shared 2-core one does) weighs on all of them alike.
        tool_label = "cdht district (subprocess)"
        fast = {"pandas calamine, result sheet": pandas_result, "bare calamine, result sheet": bare_calamine}
        rows: dict[str, dict[str, list[float]]] = {label: {"N": [], "S": []} for label in [tool_label, *fast]}
        rss: dict[str, float] = {"N": 0.0, "S": 0.0}
        for _ in range(args.repeat):
            for k, folder in sets.items():
                wall, peak_mb = run_tool(folder, root / f"out-{k}.xlsx")
                rows[tool_label][k].append(wall)
                rss[k] = max(rss[k], peak_mb)
                for label, func in fast.items():
                    rows[label][k] += timed(func, full if k == "N" else small, 1)
        if args.slow_repeat > 0:          # 0: the slow loop is skipped
            rows["pandas, all sheets"] = {"N": timed(pandas_all, full, args.slow_repeat),
                                          "S": timed(pandas_all, small, args.slow_repeat)}
        print(f"\n{args.n} communes (N) and {args.small} (S); min / median of runs; marginal = (N − S) / "
              f"{args.n - args.small} communes")
        print(f"{'':32} {'N min':>8} {'N med':>8} {'S min':>8} {'S med':>8} {'ms/commune':>11}")
        marginal = {}
        for label, v in rows.items():
            (n_min, n_med), (s_min, s_med) = stats(v["N"]), stats(v["S"])
            marginal[label] = (n_min - s_min) / (args.n - args.small)
            print(f"{label:32} {n_min:8.3f} {n_med:8.3f} {s_min:8.3f} {s_med:8.3f} {marginal[label] * 1000:11.3f}")
        ours = marginal[tool_label]
        print("\nmarginal cost per commune, relative to cdht district (>1: cdht is faster):")
        for label, value in marginal.items():
            if label != tool_label:
                print(f"  {label:32} {value / ours:6.2f}×")
        end_to_end = stats(rows[tool_label]["N"])[0]
        print(f"\ncdht district on {args.n} communes, end to end: {end_to_end:.3f} s "
              f"(min), peak RSS {rss['N']:.0f} MB; on {args.small}: peak RSS {rss['S']:.0f} MB")
        peak = None
        if args.memory_n:
            folder = subset(root, files[:args.memory_n], f"set-{args.memory_n}")
            run_tool(folder, root / "out-memory.xlsx")      # once to bring the files into the page cache
            wall, peak = run_tool(folder, root / "out-memory.xlsx")
            data = json.loads((root / "out-memory.json").read_text("utf-8"))
            print(f"cdht district on {args.memory_n} communes: {wall:.2f} s, peak RSS {peak:.0f} MB "
                  f"({len(data['communes'])} communes in the JSON)")
        pandas_ratio = marginal["pandas calamine, result sheet"] / ours
        floor_ratio = ours / marginal["bare calamine, result sheet"]
        # The same ratios per repeat (each repeat's measures ran within seconds of each other, so a drift of
        # the machine's speed cancels within a repeat), then their median and range.
        paired = {label: [(v["N"][r] - v["S"][r]) / (args.n - args.small) for r in range(args.repeat)]
                  for label, v in rows.items() if label in fast or label == tool_label}
        pandas_each = [p / o for p, o in zip(paired["pandas calamine, result sheet"], paired[tool_label])]
        floor_each = [o / b for o, b in zip(paired[tool_label], paired["bare calamine, result sheet"])]
        print(f"\nper repeat (paired): pandas calamine / cdht median {statistics.median(pandas_each):.2f}× "
              f"(range {min(pandas_each):.2f}–{max(pandas_each):.2f}); cdht / bare calamine median "
              f"{statistics.median(floor_each):.2f}× (range {min(floor_each):.2f}–{max(floor_each):.2f})")
        print("\nissue 12's targets (from the minima above; the paired medians in brackets):")
        print(f"  at least 2× faster than the pandas calamine loop: {pandas_ratio:.2f}× "
              f"[{statistics.median(pandas_each):.2f}×] — {'met' if pandas_ratio >= 2 else 'NOT met'}")
        print(f"  within 1.5× of the bare calamine loop: {floor_ratio:.2f}× its cost "
              f"[{statistics.median(floor_each):.2f}×] — {'met' if floor_ratio <= 1.5 else 'NOT met'}")
        if args.n == 1000:
            print(f"  1,000 communes in at most 1 s: {end_to_end:.2f} s — {'met' if end_to_end <= 1 else 'NOT met'}")
        if args.memory_n == 5000 and peak is not None:
            print(f"  at most 50 MB at 5,000 communes: {peak:.0f} MB — {'met' if peak <= 50 else 'NOT met'}")
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

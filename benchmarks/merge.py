"""Benchmark `cdht merge` on one commune's 10 returned files, against the obvious baseline, in one run.

    python benchmarks/merge.py [FOLDER]      # default: samples/dong-thinh-2024

Times `cdht merge` as a user runs it (a subprocess: start-up, reading, checks, summary workbook and
JSON) and the baseline, `pandas.read_excel(f, sheet_name=None)` over the same files (reading only),
both as a command (start-up and pandas import included, like cdht) and in process (reading only, the
baseline's best case), and prints the times, the ratios, and whether the 1 s target of PRODUCT §8 is
met. Best of 5 runs each.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best_of(runs: int, func) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "samples" / "dong-thinh-2024"
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xls", ".ods", ".xlsm"))
    out = Path(tempfile.mkdtemp(prefix="cdht-merge-bench-"))
    cmd = [sys.executable, "-m", "cdht_excel", "merge", str(folder), "-o", str(out / "t.xlsx"),
           "--json", str(out / "t.json")]
    tool = best_of(5, lambda: subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False))

    script = ("import sys, warnings; warnings.simplefilter('ignore'); import pandas as pd\n"
              "for f in sys.argv[1:]: pd.read_excel(f, sheet_name=None)")
    as_command = best_of(5, lambda: subprocess.run([sys.executable, "-c", script, *map(str, files)], check=True))
    import pandas as pd
    warnings.simplefilter("ignore")
    in_process = best_of(5, lambda: [pd.read_excel(f, sheet_name=None) for f in files])
    print(f"{len(files)} files in {folder}")
    print(f"  cdht merge (start-up included)        {tool:6.2f} s   target ≤ 1 s: {'met' if tool <= 1 else 'NOT met'}")
    print(f"  pandas baseline as a command          {as_command:6.2f} s   ratio {as_command / tool:5.1f} x")
    print(f"  pandas baseline in process (reading)  {in_process:6.2f} s   ratio {in_process / tool:5.1f} x")


if __name__ == "__main__":
    main()

"""Benchmark: what the analysts' frames add to `cdht_excel.district()` (issue 23: `communes_frame()` at most
20 % of `district()` at 5,000 communes), both measured in the same run.

    python benchmarks/api.py                           # 5,000 communes, 5 runs
    python benchmarks/api.py --n 1000 --repeat 3       # quick
    python benchmarks/api.py --workdir DIR             # keep (and reuse) the generated summaries

The summaries are made by benchmarks/district.py's own generator (real merges, real summary writer). Each run,
in this process, as a notebook would: `district(folder)`, then `communes_frame()` on its result, then
`criteria_frame()` (the long table, for information: it reads every commune's report back from disk). pandas
is imported before the runs (a notebook has it loaded already). Printed: min and median of the runs, and the
ratio frame / district from the minima, from the medians and per run (paired: both parts of a run ran
seconds apart, so a drift of the shared machine's speed cancels).
"""
from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.20


def benchmark_district():
    """benchmarks/district.py, for its generator (loaded by path: the benchmarks are not a package)."""
    spec = importlib.util.spec_from_file_location("benchmark_district", Path(__file__).with_name("district.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # its worker processes find their functions by this name
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000, help="communes (default 5000)")
    ap.add_argument("--repeat", type=int, default=5, help="runs (default 5)")
    ap.add_argument("--variants", type=int, default=20, help="distinct merged communes behind the copies")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the generated files here (reused)")
    args = ap.parse_args()
    import pandas  # noqa: F401  (loaded before timing, as in a notebook)

    import cdht_excel
    bench = benchmark_district()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="cdht-bench-api-"))
    try:
        files = bench.ensure(root, args.n, args.variants)
        folder = bench.subset(root, files, f"set-{args.n}")
        times: dict[str, list[float]] = {"district()": [], "communes_frame()": [], "criteria_frame()": []}
        rows = 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            d = cdht_excel.district(folder)
            times["district()"].append(time.perf_counter() - t)
            t = time.perf_counter()
            frame = d.communes_frame()
            times["communes_frame()"].append(time.perf_counter() - t)
            t = time.perf_counter()
            rows = len(d.criteria_frame())
            times["criteria_frame()"].append(time.perf_counter() - t)
            assert len(frame) == args.n, len(frame)
            del d, frame
        print(f"\n{args.n} communes, {args.repeat} runs in this process ({rows} rows in criteria_frame())")
        print(f"{'':20} {'min s':>8} {'median s':>9}")
        for label, values in times.items():
            print(f"{label:20} {min(values):8.3f} {statistics.median(values):9.3f}")
        base, frames = times["district()"], times["communes_frame()"]
        by_min = min(frames) / min(base)
        by_median = statistics.median(frames) / statistics.median(base)
        paired = [f / b for f, b in zip(frames, base)]
        long_form = statistics.median(times["criteria_frame()"]) / statistics.median(base)
        print(f"\ncommunes_frame() / district(): {by_min:.1%} (minima), {by_median:.1%} (medians), "
              f"per run {min(paired):.1%}–{max(paired):.1%}")
        print(f"criteria_frame() / district(): {long_form:.1%} (medians; no target)")
        verdict = "met" if max(by_min, by_median) <= TARGET else "NOT met"
        print(f"issue 23's target, communes_frame() adds at most {TARGET:.0%} to district(): {verdict}")
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

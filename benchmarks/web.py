"""Server time of a 10-file merge through `cdht web` (target: under 1 s), against the same merge in-process.

    python benchmarks/web.py [--runs 7] [FOLDER]

Posts the clean sample set (10 unit workbooks) to /merge through Flask's WSGI stack (multipart parsing,
upload saving, the merge, the summary workbook and JSON, the redirect) and reads the server's own time
from the Server-Timing header; the baseline is `jobs.run_merge` on the same files in the same run, i.e.
what `cdht merge` does without start-up. Prints min and median of each and their ratio.
"""
from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cdht_excel import jobs  # noqa: E402
from cdht_excel.web.app import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", default=str(REPO / "samples" / "dong-thinh-2024"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    files = [(p.name, p.read_bytes()) for p in sorted(Path(args.folder).iterdir()) if p.is_file()]
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        app = create_app(work / "private", "bench", 5000)
        client = app.test_client()
        base = "http://127.0.0.1:5000"
        client.get("/?token=bench", base_url=base)
        server, baseline = [], []
        for n in range(args.runs + 1):
            data = {"token": "bench", "action": "merge", "files": [(io.BytesIO(b), name) for name, b in files]}
            response = client.post("/merge", base_url=base, data=data, content_type="multipart/form-data")
            assert response.status_code == 303, response.status_code
            ms = float(re.search(r"dur=([\d.]+)", response.headers["Server-Timing"]).group(1))
            started = time.perf_counter()
            jobs.run_merge([Path(args.folder)], work / f"cli-{n}.xlsx", work / f"cli-{n}.json")
            if n:                                      # the first run warms imports and caches
                server.append(ms / 1000)
                baseline.append(time.perf_counter() - started)
    print(f"{len(files)} files, {args.runs} runs")
    print(f"cdht web POST /merge (server time): min {min(server):.3f} s, median {statistics.median(server):.3f} s "
          f"(target < 1 s)")
    print(f"jobs.run_merge in-process (baseline): min {min(baseline):.3f} s, "
          f"median {statistics.median(baseline):.3f} s")
    print(f"ratio web / baseline (median): {statistics.median(server) / statistics.median(baseline):.2f}")


if __name__ == "__main__":
    main()

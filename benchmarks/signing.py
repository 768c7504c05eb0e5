"""What making a dossier PDF signable costs next to the LibreOffice export it follows, measured in the same run.

    python benchmarks/signing.py [--repeat 5]

A TT 44 set is made and merged with the project's own command (`cdht merge … --docs --pdf`); then, `--repeat`
times each (min and median): LibreOffice's PDF/A export of the báo cáo (the baseline: what `--pdf` always
cost), and `signing.prepare.make_signable` on that PDF (text read with pdfminer, fields and the two
associated files added by pyHanko). Printed: both, and the ratio of the medians.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    from commune import merge, returned_set, tt44_values

    from cdht_excel.signing import pdfa, prepare
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = returned_set(work, tt44_values())
        code, text, _ = merge(folder, out=work / "tong-hop.xlsx", extra=["--docs", work / "ho-so", "--pdf"])
        if code != 0:
            raise SystemExit(text)
        docx = next((work / "ho-so").glob("Báo cáo*.docx"))
        exports, signables = [], []
        for n in range(repeat):
            out = work / f"lo-{n}"
            start = time.perf_counter()
            subprocess.run(["soffice", f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                            "--convert-to", pdfa.convert_to(), "--outdir", str(out), str(docx)],
                           capture_output=True, check=True)
            exports.append(time.perf_counter() - start)
        pdf = (work / "lo-0" / f"{docx.stem}.pdf").read_bytes()
        carried = prepare.summary_attachments(work / "tong-hop.xlsx")
        for _ in range(repeat):
            start = time.perf_counter()
            prepare.make_signable(pdf, carried)
            signables.append(time.perf_counter() - start)
    print(f"LibreOffice PDF/A export (baseline): min {min(exports):.3f} s, median {statistics.median(exports):.3f} s")
    print(f"make_signable:                      min {min(signables):.3f} s, median {statistics.median(signables):.3f} s")
    print(f"ratio (medians): {statistics.median(signables) / statistics.median(exports):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What making a dossier PDF signable costs next to the LibreOffice export it follows, measured in the same run.

    python benchmarks/signing.py [--repeat 5]
    python benchmarks/signing.py --verify [--repeat 7]     # what checking a signed dossier costs the service

A TT 44 set is made and merged with the project's own command (`cdht merge … --docs --pdf`); then, `--repeat`
times each (min and median): LibreOffice's PDF/A export of the báo cáo (the baseline: what `--pdf` always
cost), and `signing.prepare.make_signable` on that PDF (text read with pdfminer, fields and the two
associated files added by pyHanko). Printed: both, and the ratio of the medians.

`--verify`: the báo cáo of that set signed (`cdht sign --p12`, a throw-away CA from tests/pki.py), then timed:
pyHanko's validation in process (`signing.verify.verify_pdf`, the baseline a capable user writes), the whole
check the service makes in process (`above.signed.probe_signed`: signatures and the carried result recomputed),
that check in the guarded reader process as the service runs it (`service.signed._checked`), and a whole
upload through the service's API (SQLite in a temporary folder: store, check, record, audit).
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
    parser.add_argument("--verify", action="store_true", help="time the check of a signed dossier instead")
    args = parser.parse_args()
    repeat = args.repeat
    if args.verify:
        return verify(repeat)
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


def timed(func, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


def verify(repeat: int) -> int:
    import pki
    from commune import merge, returned_set, tt44_values
    from service_support import YEAR, Api, set_up_province

    from cdht_excel.above.signed import probe_signed
    from cdht_excel.reading.book import Input
    from cdht_excel.service import signed
    from cdht_excel.signing.verify import load_roots, verify_pdf
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = returned_set(work, tt44_values(), year=YEAR, commune="Tân Lập")
        code, text, _ = merge(folder, out=work / "tong-hop.xlsx", extra=["--docs", work / "ho-so", "--pdf"])
        if code != 0:
            raise SystemExit(text)
        ca = pki.make_ca()
        p12 = pki.write_p12(pki.make_signer(ca, "Hoàng Văn Thụ", "UBND xã Tân Lập"), ca, work / "ky.p12")
        roots_dir = pki.write_root(ca, work / "goc")
        pdf = work / "bao-cao-da-ky.pdf"
        done = subprocess.run([sys.executable, "-m", "cdht_excel", "sign", str(next((work / "ho-so").glob("Báo cáo*.pdf"))),
                               "-o", str(pdf), "--p12", str(p12), "--pin-stdin"], input=pki.P12_PASSWORD + "\n",
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stdout + done.stderr)
        roots = load_roots(roots_dir)
        rows = {"pyHanko verify_pdf in process (baseline)": timed(lambda: verify_pdf(pdf, roots), repeat),
                "the service's check, in process": timed(
                    lambda: probe_signed(Input(pdf, pdf.name), roots, explicit=True, need_result=False), repeat)}
        province = set_up_province(work / "tinh", None)
        svc = province.open()
        try:
            signed.add_roots(svc, [(p.name, p.read_bytes()) for p in roots_dir.iterdir()], "benchmark")
            with svc.database.read() as conn:
                der, _ = signed.roots_in_use(conn)
            stored = svc.store.put_bytes(pdf.read_bytes())
            rows["the service's check, guarded reader"] = timed(
                lambda: signed._checked(svc, [(stored.sha256, pdf.name)], der), repeat)
            api = Api(svc)
            api.login("thuky1")
            rows["a whole upload through the API"] = timed(
                lambda: api.upload(f"/api/v1/communes/001/years/{YEAR}/files", [pdf]), repeat)
        finally:
            svc.close()
        size = pdf.stat().st_size // 1024
    base = statistics.median(next(iter(rows.values())))
    print(f"one signed báo cáo ({size} KB), {repeat} runs each: min / median, ratio of medians")
    for label, values in rows.items():
        median = statistics.median(values)
        print(f"{label:44} {min(values) * 1000:7.1f} / {median * 1000:7.1f} ms   {median / base:5.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())

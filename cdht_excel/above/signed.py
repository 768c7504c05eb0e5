"""Signed dossiers among the district's inputs, and `cdht verify`: each signature checked (cdht_excel.signing),
the commune's result the PDF carries read and recomputed like a summary (`district.verify_summary`).

A signed dossier is worth more than a summary: a summary can be edited consistently, a signed one cannot be
changed without the signature breaking. So when both are given for a commune and they disagree, the signed one
wins and the difference is an error naming both (`district._prefer_signed`).
"""
from __future__ import annotations

import os
from pathlib import Path

from cdht_excel.reading.book import Input
from cdht_excel.rules import findings as F
from cdht_excel.text import nfc


def probe_pdfs(inputs, trust=None) -> list[dict]:
    """Every PDF among the inputs (given one by one, or inside a given folder) as `district.aggregate` takes it:
    signed dossiers, a result-carrying PDF given by name, or a finding. PDFs in folders that are not signed
    dossiers (the other documents) are left out. When PDFs were found or trust roots given, the last entry is
    of kind 'trust': how many roots were used (None: none configured) and the findings about unusable ones."""
    given = [Input(Path(raw), nfc(Path(raw).name)) for raw in inputs
             if Path(raw).is_file() and str(raw).lower().endswith(".pdf")]
    inside = folder_pdfs(inputs)
    if (given or inside or trust) and not verifier_available():
        # `pip install cdht-excel` without the extra: said once, the PDFs not read (never a crash)
        pdfs = len(given) + len(inside)
        what = f"kiểm tra chữ ký số và đọc kết quả trong {pdfs} tệp PDF" if pdfs else "đọc chứng thư gốc tin cậy"
        return [{"kind": "bad", "findings": [F.make("package-missing", package="pyHanko", purpose=what,
                                                    extra="sign")]}]
    roots, problems = trust_roots(trust)
    results = [probe_signed(inp, roots, explicit=True) for inp in given]
    results += [probe_signed(inp, roots, explicit=False) for inp in inside]
    results = [r for r in results if r["kind"] != "skip"]
    if results or trust:
        results.append({"kind": "trust", "roots": None if roots is None else len(roots), "findings": problems})
    return results


def trust_roots(trust) -> tuple[list | None, list[F.Finding]]:
    """The province's trust roots from the folder `trust` (None: none configured) and a finding for each file
    there that holds no usable certificate. A folder without one usable root configures none: its signatures are
    then said to be only technically valid, never checked against an empty list (which would call every
    issuer unknown)."""
    if not trust:
        return None, []
    from cdht_excel.signing.verify import ROOT_SUFFIXES
    from cdht_excel.signing.verify import load_roots as load
    bad: list[tuple[str, str]] = []
    roots = load(trust, bad)
    problems = [F.make("trust-root-unreadable", file=name, detail=why) for name, why in bad]
    if not roots and not bad:
        problems.append(F.make("trust-root-unreadable", file=nfc(Path(trust).name),
                               detail="thư mục không có tệp chứng thư số nào (" + ", ".join(ROOT_SUFFIXES) + ")"))
    return (roots or None), problems


def verifier_available() -> bool:
    """Whether pyHanko (the optional extra `cdht-excel[sign]`) is there to check signatures."""
    try:
        import pyhanko  # noqa: F401
        import pyhanko.sign.validation  # noqa: F401
    except ImportError:
        return False
    return True


def folder_pdfs(inputs) -> list[Input]:
    """The PDFs inside the given folders (the reader collects spreadsheets only). Given one by one, a PDF is
    already an input."""
    found = []
    for raw in inputs:
        root = Path(raw)
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.lower().endswith(".pdf") and not name.startswith((".", "~$")):
                    path = Path(dirpath) / name
                    found.append(Input(path, nfc(path.relative_to(root).as_posix())))
    return found


def probe_signed(inp: Input, roots: list | None, explicit: bool = True, need_result: bool = True) -> dict:
    """A PDF as a district input: kind 'signed' (every signature verified up to a configured root; 'summary' when
    it carries a result but its signatures are not all verified, or it has none),
    'bad' with its findings, or 'skip' (a PDF in a folder that carries no result: another document)."""
    import orjson

    from cdht_excel.above.district import _carried, compact, small_row, verify_summary
    from cdht_excel.reading.result_part import PART_SCHEMA
    from cdht_excel.signing.verify import verify_pdf
    from cdht_excel.reading.read import LIMITS
    from cdht_excel.text import format_number
    try:
        size = inp.path.stat().st_size
    except OSError:
        size = 0                  # verify_pdf says it cannot read the file
    if size > LIMITS.max_bytes:   # the reader's own limit: a dossier PDF is a few hundred KB
        return {"kind": "bad", "input": inp, "findings": [F.make(
            "file-too-large", file=inp.display, size=format_number(round(size / 2**20, 1)),
            limit=LIMITS.max_bytes // 2**20)]}
    check = verify_pdf(inp.path, roots)
    if not need_result and check.readable and check.signatures and check.result is None:
        # `cdht verify` on a signed document that carries no result (a tờ trình of TT 44, a biên bản)
        problems = signature_findings(check, inp.display)
        if check.carried_problem:
            problems.append(F.make("signed-no-result", file=inp.display, detail=check.carried_problem))
        return {"kind": "signed", "input": inp, "check": check, "problems": problems}
    if not check.readable or check.result is None or not (explicit or check.signatures):
        if not explicit:          # in a folder: another document of a dossier, or an unsigned copy
            return {"kind": "skip", "input": inp}
        detail = check.problem or ("không có tệp kết quả đính kèm" if not check.signatures else
                                   "đã ký nhưng không có tệp kết quả đính kèm: không phải báo cáo/tờ trình do cdht tạo")
        return {"kind": "bad", "input": inp, "findings": [F.make("signed-no-result", file=inp.display, detail=detail)],
                "check": check}
    try:
        head, _, body = check.result.partition(b"\n")
        header, report = orjson.loads(head), orjson.loads(body)
        if header.get("schema") != PART_SCHEMA or not isinstance(report, dict):
            raise ValueError("schema")
        small = small_row(report)
    except (ValueError, KeyError, TypeError, AttributeError):
        return {"kind": "bad", "input": inp, "check": check,
                "findings": [F.make("signed-no-result", file=inp.display, detail="kết quả đính kèm không đọc được")]}
    problems = signature_findings(check, inp.display)
    if check.carried_problem:
        problems.append(F.make("signed-no-result", file=inp.display, detail=check.carried_problem))
    problems += verify_summary(report, {}, inp.display, _carried(header.get("rubric")))
    _, text = compact(report)
    # only a dossier whose every signature chains to a configured root outranks a summary: a certificate anyone
    # can make proves nothing about who signed, so without --trust the PDF counts like a summary
    kind = "signed" if check.signatures and all(s.ok for s in check.signatures) else "summary"
    return {"kind": kind, "input": inp, "report": small, "text": text, "problems": problems, "check": check,
            "full_report": report}


def signature_findings(check, file: str) -> list[F.Finding]:
    """One finding per signature that is not fully verified; a PDF with none gets `signed-unsigned`."""
    if not check.signatures:
        return [F.make("signed-unsigned", file=file)]
    out = []
    for s in check.signatures:
        who = s.signer or "người ký"
        if not s.intact or s.changed_after:
            out.append(F.make("signed-invalid", file=file, field=s.field, signer=who, verdict=s.verdict()))
        elif s.trusted is None:
            out.append(F.make("signed-not-verified", file=file, field=s.field, signer=who))
        elif not s.trusted:
            out.append(F.make("signed-unknown-root", file=file, field=s.field, signer=who, issuer=s.issuer))
    return out


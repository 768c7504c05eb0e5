"""Mutate real workbooks and check that reading and merging them never raises.

Used by the short fuzz test (tests/test_fuzz.py) and the long run:
    python -m cdht_excel.fuzz --seconds 600 SEED_FILE...
"""
from __future__ import annotations

import random
import zipfile
from io import BytesIO
from pathlib import Path

from cdht_excel.rules import findings as F


def flip_bytes(original: bytes, rnd: random.Random) -> bytes:
    data = bytearray(original)
    for _ in range(rnd.randint(1, 20)):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    return bytes(data)


def mutate_xml(data: bytes, rnd: random.Random) -> bytes:
    """Rewrite one part of the zip with its XML damaged (cut, duplicated, injected markup)."""
    src = zipfile.ZipFile(BytesIO(data))
    names = [n for n in src.namelist() if n.endswith((".xml", ".rels"))]
    victim = rnd.choice(names)
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == victim and part:
                i, j = sorted(rnd.randrange(len(part)) for _ in range(2))
                choice = rnd.randrange(5)
                if choice == 0:
                    part = part[:i] + part[j:]
                elif choice == 1:
                    part = part[:j] + part[i:j] + part[j:]
                elif choice == 2:
                    part = part[:i] + rnd.choice([b"<", b">", b"&", b"\"", b"<x>", b"&lol;", b"\xff\xfe"]) + part[i:]
                elif choice == 3:
                    part = part.replace(b"<v>", b"<v>-", 1).replace(b'r="', b'r="Z', 1)
                else:
                    part = part[:i]
            dst.writestr(info, part)
    return out.getvalue()


def mutate(data: bytes, rnd: random.Random) -> bytes:
    if not data.startswith(b"PK") or rnd.random() < 0.4:
        return flip_bytes(data, rnd)
    return mutate_xml(data, rnd)


def check_one(path: Path, guard=None) -> None:
    """Read (in the guarded reader process, as every command reads a file from outside: a native abort
    is that file's finding) and merge one file: every outcome is a result or findings, never an exception."""
    from cdht_excel.commune.assess import assess_books
    from cdht_excel.commune.report import report_dict
    from cdht_excel.reading.book import Input
    from cdht_excel.reading.read import read_workbooks
    (book,) = read_workbooks([Input(path, path.name)], guard=guard)
    try:
        report_dict(assess_books([book]))
    except F.Failed as exc:
        assert exc.findings or book.findings


def run(seeds: list[Path], seconds: float, workdir: Path, seed: int = 0) -> int:
    """Mutants of the seeds, each named like its seed (.xlsx, .xls, .ods), read and merged for `seconds`."""
    import time

    from cdht_excel.reading.guard import Guard
    rnd = random.Random(seed)
    originals = [(p.suffix, p.read_bytes()) for p in seeds]
    deadline, count = time.monotonic() + seconds, 0
    with Guard() as guard:
        while time.monotonic() < deadline:
            suffix, original = rnd.choice(originals)
            path = workdir / f"mutant-{count % 50}{suffix}"
            path.write_bytes(mutate(original, rnd))
            try:
                check_one(path, guard)
            except Exception:
                keep = workdir / f"crash-{count}{suffix}"
                path.rename(keep)
                raise AssertionError(f"reading {keep} raised") from None
            count += 1
    return count


def main() -> None:
    import argparse
    import tempfile
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seeds", nargs="+", type=Path)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cdht-fuzz-"))
    count = run(args.seeds, args.seconds, work, args.seed)
    print(f"{count} mutated workbooks read and merged without an exception ({work})")


if __name__ == "__main__":
    main()

"""The province's settings: the commune list and each year's settings (rubric, deadline, recognising body,
signer). Nothing here guesses: a setting not entered stays empty and is shown as missing."""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from cdht_excel.service import audit, db
from cdht_excel.service.context import Refused, Service
from cdht_excel.text import clean_text
from cdht_excel.vietnamese import name_key

KINDS = ("xã", "phường", "đặc khu")
KIND_WORDS = ("xã", "phường", "đặc khu", "thị trấn")      # taken off a name before names are compared
PROVINCE_WORDS = ("tỉnh", "thành phố")
CODE = re.compile(r"^[0-9A-Za-z._-]{1,20}$")
HEADER_WORDS = {"code", "mã", "ma", "mã xã", "ma xa"}


def read_commune_rows(path: Path) -> list[list[str]]:
    """The rows of a .csv (UTF-8, comma or semicolon) or the first sheet of a workbook, as text."""
    from cdht_excel.reading.read import EXTENSIONS
    rows: list
    if path.suffix.lower() in EXTENSIONS:
        import python_calamine as pc
        wb = pc.CalamineWorkbook.from_path(str(path))
        try:
            rows = wb.get_sheet_by_index(0).to_python()
        finally:
            wb.close()
    else:
        text = path.read_text("utf-8-sig")
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
        rows = list(csv.reader(io.StringIO(text), dialect))
    out = []
    for row in rows:
        cells = [_cell_text(c) for c in row]
        if any(cells):
            out.append(cells)
    return out


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value)


def kind_of(text: str) -> str | None:
    key = name_key(text)
    return next((k for k in KINDS if name_key(k) == key), None)


def parse_communes(rows: list[list[str]], file: str) -> list[dict]:
    """[{code, name, kind}]; every bad row named (file, row number) in one refusal."""
    if rows and name_key(rows[0][0]) in {name_key(w) for w in HEADER_WORDS}:
        rows = rows[1:]
        first = 2
    else:
        first = 1
    problems, out, seen = [], [], set()
    for n, row in enumerate(rows, first):
        code, name, kind_text = (row + ["", "", ""])[:3]
        kind = kind_of(kind_text)
        if not CODE.match(code):
            problems.append(f"dòng {n}: mã “{code}” không hợp lệ (chữ số, chữ cái, tối đa 20 ký tự)")
        elif code in seen:
            problems.append(f"dòng {n}: mã “{code}” bị trùng")
        if not name:
            problems.append(f"dòng {n}: thiếu tên xã")
        if kind is None:
            problems.append(f"dòng {n}: loại “{kind_text}” không hợp lệ (ghi xã, phường hoặc đặc khu)")
        seen.add(code)
        out.append({"code": code, "name": name, "kind": kind})
    if not out:
        problems.append("không có dòng nào (cần ba cột: mã, tên, loại)")
    if problems:
        raise Refused(400, "bad-commune-list", f"Tệp “{file}”: " + "; ".join(problems[:20])
                      + (f" … và {len(problems) - 20} lỗi khác" if len(problems) > 20 else "") + ".")
    return out


def import_communes(service: Service, path: str | Path, by: str = "cdht service") -> tuple[int, int]:
    """Add the communes of the list and update the names/kinds of those already there: (added, updated)."""
    path = Path(path)
    from cdht_excel.reading.guard import Crash, Guard, RaisedInReader
    with Guard() as guard:            # a workbook from outside: read in the guarded reader process
        rows = guard.call(read_commune_rows, path)
    if isinstance(rows, (Crash, RaisedInReader)):
        raise Refused(400, "bad-commune-list", f"Không đọc được tệp “{path.name}”: tệp hỏng hoặc không phải bảng tính, "
                      "hoặc không phải văn bản UTF-8 (.csv). Lưu lại bằng Excel (.xlsx) hoặc CSV UTF-8 rồi nhập lại.")
    communes = parse_communes(rows, path.name)
    added = updated = 0
    with service.database.write() as conn:
        existing = {r.code: r for r in conn.execute(sa.select(db.communes))}
        for c in communes:
            if c["code"] not in existing:
                conn.execute(db.communes.insert().values(**c))
                added += 1
            elif (existing[c["code"]].name, existing[c["code"]].kind) != (c["name"], c["kind"]):
                conn.execute(db.communes.update().where(db.communes.c.code == c["code"])
                             .values(name=c["name"], kind=c["kind"]))
                updated += 1
        audit.append(conn, by, "communes-import", detail={"file": path.name, "added": added, "updated": updated})
    return added, updated


def import_communes_upload(service: Service, name: str, chunks, by: str) -> tuple[int, int]:
    """A list sent through the API: stored like every upload, read from the stored file under its name."""
    import shutil
    import tempfile

    from cdht_excel.web.uploads import safe_parts
    stored = service.store.put_stream(chunks)
    work = Path(tempfile.mkdtemp(prefix="xa-", dir=service.store.tmp))
    try:
        path = work / safe_parts(name)[-1]
        path.hardlink_to(stored.path)
        with service.database.write() as conn:
            file_row(conn, stored.sha256, stored.size)
        return import_communes(service, path, by=by)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def set_year(service: Service, year: int, rubric: str, deadline: str | None = None, authority: str | None = None,
             signer: str | None = None, by: str = "cdht service", address: str = "") -> dict:
    """Create or change a year's settings (the options not given keep their value)."""
    from cdht_excel import jobs
    from cdht_excel.rules import findings as F
    if not 2000 <= int(year) <= 2100:
        raise Refused(400, "bad-year", f"Năm “{year}” không hợp lệ.")
    if deadline:
        try:
            date.fromisoformat(deadline)
        except ValueError:
            raise Refused(400, "bad-deadline", f"Hạn nộp “{deadline}” không hợp lệ: ghi theo dạng NNNN-TT-NN, "
                          "ví dụ 2027-02-28.") from None
    rubric_ref, rubric_name = rubric, rubric
    try:
        loaded = jobs.load_rubric(rubric)
    except F.Failed as exc:
        raise Refused(400, "bad-rubric", " ".join(f.message for f in exc.findings)) from None
    if Path(rubric).is_file():          # a file: stored with the service, so every server process has it
        data = Path(rubric).read_bytes()
        stored = service.store.put_bytes(data)
        rubric_ref, rubric_name = f"sha256:{stored.sha256}{Path(rubric).suffix.lower()}", f"{loaded.id} ({Path(rubric).name})"
    else:
        stored = None
    values = {"rubric": rubric_ref, "rubric_name": rubric_name, "updated_at": db.now()}
    for key, value in (("deadline", deadline), ("authority", authority), ("signer", signer)):
        if value is not None:
            values[key] = clean_text(value)
    with service.database.write() as conn:
        if stored is not None:
            file_row(conn, stored.sha256, stored.size)
        if conn.execute(sa.select(db.years.c.year).where(db.years.c.year == int(year))).first() is None:
            conn.execute(db.years.insert().values(year=int(year), **values))
        else:
            conn.execute(db.years.update().where(db.years.c.year == int(year)).values(**values))
        audit.append(conn, by, "year-set", year=int(year),
                     detail={k: v for k, v in values.items() if k != "updated_at"}, address=address)
        return dict(conn.execute(sa.select(db.years).where(db.years.c.year == int(year))).mappings().one())


def file_row(conn, sha256: str, size: int) -> None:
    db.insert_missing(conn, db.files, {"sha256": sha256, "size": size, "created_at": db.now()})



def year_settings(conn, year: int) -> dict:
    row = conn.execute(sa.select(db.years).where(db.years.c.year == int(year))).mappings().first()
    if row is None:
        raise Refused(404, "no-year", f"Năm {year} chưa được thiết lập (cdht service year set {year} --rubric …).")
    return dict(row)


def rubric_ref_path(service: Service, settings: dict) -> str:
    """What jobs.load_rubric takes for a year's rubric: a built-in id, or the stored file's path."""
    ref = settings["rubric"]
    if not ref.startswith("sha256:"):
        return ref
    sha, _, suffix = ref.removeprefix("sha256:").partition(".")
    stored = service.store.path(sha)
    alias = service.store.root / "rubrics" / f"{sha}.{suffix}"     # the loader goes by the suffix
    if not alias.exists():
        alias.parent.mkdir(mode=0o700, exist_ok=True)
        try:
            alias.symlink_to(stored)
        except FileExistsError:
            pass
    return str(alias)


def missing_settings(settings: dict) -> list[str]:
    """The year's settings not entered: shown as missing, never filled in by a guess."""
    names = {"deadline": "hạn nộp", "authority": "cơ quan công nhận", "signer": "người ký"}
    return [label for key, label in names.items() if not settings.get(key)]


def bare_name(name: str, words: tuple[str, ...]) -> str:
    """A commune's or province's name as compared: folded, its kind word ("xã", "tỉnh" …) taken off once."""
    key = name_key(clean_text(name))
    for word in words:
        prefix = name_key(word) + " "
        if key.startswith(prefix):
            return key[len(prefix):]
    return key

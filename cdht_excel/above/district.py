"""District (or province): many communes in one table, fast (PRODUCT §4, §7, §8).

Inputs are summary workbooks from `cdht merge` (read back exactly from their
hidden machine-readable result) and folders of unit workbooks (one folder per
commune, merged on the fly with the same code as `cdht merge`). Files are read
one at a time per worker, over all cores, and only each commune's result (without
evidence) is kept, so memory stays flat as the number of communes grows.
"""
from __future__ import annotations

import functools
import os
from collections import Counter, defaultdict
from contextlib import contextmanager
from typing import Any
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cdht_excel.reading.book import Input
from cdht_excel.reading.read import collect_inputs, inspect_file, nothing_found
from cdht_excel.rules import findings as F
from cdht_excel.rules.contract import DISTRICT_SCHEMA
from cdht_excel.rules.model import rubric_hash
from cdht_excel.rules.schemes import DEFAULT_SCHEME, DISTRICT_THRESHOLD, class_pairs, scheme_named, scheme_of
from cdht_excel.text import clean_text, format_number
from cdht_excel.vietnamese import commune_label, name_key, split_commune_kind

RUBRIC_STATUS = ("rubric-repealed", "rubric-not-yet-in-force")   # the district says these once, from the reports
PARALLEL_FROM = 48          # fewer files: one process is faster than starting workers
THRESHOLD = DISTRICT_THRESHOLD


@dataclass
class Commune:
    report: dict            # what the district needs of the commune's report (see `compact`)
    text: Any               # where the whole report (no evidence, UTF-8 JSON) is kept: see TextStore
    sources: list[str]      # files or folder it came from
    kind: str               # 'summary', 'folder' or 'signed' (a signed dossier PDF, see above.signed)
    status: str = "ok"      # 'ok', or not counted: 'conflict', 'invalid' (summary edited), 'outside' (see `reason`)
    check: dict | None = None   # the level above's own check (--checked), see above.check
    previous: dict | None = None   # last year's class and the change (--previous), see above.previous
    reason: str = ""        # why a commune is not counted, as the tables say it ("Không tính: …")
    claimed: list[dict] | None = None   # not counted: what its file(s) state, never shown as its result
    recomputed: dict | None = None      # an edited summary: the figures its own criteria give
    signatures: list[dict] | None = None   # a commune from a PDF: its signatures (above.signatures.signature_facts)
    _key: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> tuple:
        if self._key is None:
            r = self.report
            self._key = tuple(_folded(x) for x in (r.get("province"), r.get("district"), r.get("commune_kind"),
                                                   r.get("commune"))) + (int(r.get("year") or 0),)
        return self._key

    @property
    def name(self) -> str:
        """'xã An Bình'."""
        return commune_label(self.report["commune"], self.report.get("commune_kind"))

    @property
    def label(self) -> str:
        r = self.report
        place = ", ".join(x for x in (r.get("district"), r.get("province")) if x)
        return self.name + (f" ({place})" if place else "")


@functools.lru_cache(maxsize=65536)
def _folded(value) -> str:
    """A name part as communes are matched (same name as Vietnamese reads it; names repeat: cached)."""
    return name_key(clean_text(value))


class TextStore:
    """Each commune's full JSON waits in a temporary file, not in memory, until --json is written:
    memory then holds only the small row of each commune and stays nearly flat as communes add up."""

    def __init__(self):
        import tempfile
        self.file = tempfile.TemporaryFile(buffering=1 << 20)   # one write call per ~100 communes
        self.size = 0
        self.writing = True          # the file's position is at its end, writes may wait in the buffer

    def put(self, data: bytes) -> tuple[int, int]:
        if not self.writing:
            self.file.seek(0, 2)
            self.writing = True
        offset = self.size
        self.file.write(data)
        self.size += len(data)
        return offset, len(data)

    def get(self, where: tuple[int, int]) -> bytes:
        if self.writing:             # what waits in the write buffer goes to the file first
            self.file.flush()
            self.writing = False
        if hasattr(os, "pread"):     # one call, the file's position untouched
            return os.pread(self.file.fileno(), where[1], where[0])
        return self._read(where)

    def _read(self, where: tuple[int, int]) -> bytes:
        self.file.seek(where[0])
        return self.file.read(where[1])


@dataclass
class DistrictResult:
    communes: list[Commune]
    store: TextStore | None = None
    findings: list[F.Finding] = field(default_factory=list)
    rubric: str | None = None
    year: int | None = None
    expected: list[str] | None = None
    check: dict | None = None   # with --checked: the form used and how many communes it covers
    previous: dict | None = None   # with --previous: the file, its year and rubric
    scheme: str | None = None                  # the reference communes' scheme (from their reports)
    area: dict = field(default_factory=dict)   # the run's province and district (see `run_area`)
    classes: list[dict] = field(default_factory=list)   # their classes, best first (from their reports)
    trust: dict | None = None   # PDFs among the inputs or trust roots given: {"roots": how many (None: none)}


# --------------------------------------------------------------------------- workers (top level: picklable)

def _without_evidence(report: dict) -> dict:
    report = dict(report)
    report["criteria"] = [{k: v for k, v in c.items() if k != "evidence"} for c in report["criteria"]]
    return report


COMPACT_KEYS = ("commune", "commune_kind", "district", "province", "year", "rubric", "rubric_hash", "total",
                "complete", "classification", "counts", "scheme", "classes")


def scheme_fields(report: dict) -> dict:
    """The scheme and classes a report states; for a report written before they were stated, those
    of the rubric it carries (a built-in rubric with the same hash), else what its criteria show."""
    if report.get("scheme"):
        return {"scheme": report["scheme"], "classes": report.get("classes") or []}
    from cdht_excel.rules import rubric as R
    try:
        rubric = R.load(report.get("rubric") or "") if report.get("rubric") in R.BUILTIN_IDS else None
    except F.Failed:
        rubric = None
    if rubric is not None and rubric.content_hash == report.get("rubric_hash"):
        return {"scheme": scheme_of(rubric).name, "classes": scheme_of(rubric).report_classes(rubric)}
    levels = any("items" in c for c in report.get("criteria") or [])
    return {"scheme": "levels" if levels else "points", "classes": []}


def kind_taken_off(report: dict) -> bool:
    """A commune entered with its kind word ("Xã Kiểm Hai"): the word moves to `commune_kind`, once, in the
    report itself (so every table, form and document says "xã Kiểm Hai"). True when the report changed."""
    name = report.get("commune")
    if not isinstance(name, str):
        return False
    kind, bare = split_commune_kind(name, report.get("commune_kind"))
    if (kind, bare) == (report.get("commune_kind"), name):
        return False
    report["commune"], report["commune_kind"] = bare, kind
    return True


def small_row(report: dict) -> dict:
    """What the table and the checks need of a commune's report (the rest waits on disk, see TextStore),
    its repeated parts shared with other communes' rows (see `shared_row`)."""
    kind_taken_off(report)
    small = {k: report.get(k) for k in COMPACT_KEYS}
    small.update(scheme_fields(report))
    small["criteria"] = _criterion_rows(report["criteria"])
    small["findings"] = [f for f in report["findings"] if f["severity"] != F.INFO]
    return _share_parts(small)


def _criterion_rows(criteria: list[dict]) -> list[dict]:
    """Each stored criterion as the row the district keeps: one dict object per distinct row (treated as
    read-only), as a district's criteria take few values, so memory does not grow with the communes. The
    key tells 1, 1.0 and true apart. Kept tight: it runs for every criterion of every commune."""
    rows, cache = [], _CRITERION_ROWS
    for c in criteria:
        score, level, status = c.get("score"), c.get("level"), c.get("status")
        key = (c["id"], score.__class__, score, level.__class__, level, status)
        try:
            row = cache.get(key)
        except TypeError:
            row = {"id": c["id"], "score": score, "level": level, "status": status}
        else:
            if row is None:
                row = _kept(cache, key, {"id": c["id"], "score": score, "level": level, "status": status})
        rows.append(row)
    return rows


REPEATED_TEXT = ("commune_kind", "district", "province", "rubric", "rubric_hash", "scheme")


def _share_parts(small: dict) -> dict:
    small["findings"] = [_one(f) for f in small["findings"]]
    for key in ("classification", "counts"):
        if isinstance(small.get(key), dict):
            small[key] = _one(small[key])
    for key in REPEATED_TEXT:
        value = small.get(key)
        if isinstance(value, str):
            small[key] = _kept(_TEXTS, value, value)
    if isinstance(small.get("classes"), list):
        small["classes"] = _one(small["classes"])
    return small


_SHARED: dict[bytes, Any] = {}
_CRITERION_ROWS: dict[tuple, dict] = {}
_TEXTS: dict[str, str] = {}


def _kept(cache: dict, key, value):
    """The value first kept under `key` (a cache of shared parts; emptied if it ever grows very large,
    as in a long-running `cdht web`)."""
    found = cache.get(key)
    if found is None:
        if len(cache) > 200_000:
            cache.clear()
        found = cache[key] = value
    return found


def _one(value):
    """One object for equal small values (a finding, the classification, the counts, the list of classes):
    treated as read-only. Keyed by their JSON text, which tells 1, 1.0 and true apart."""
    import orjson
    try:
        return _kept(_SHARED, orjson.dumps(value), value)
    except TypeError:
        return value


def shared_row(small: dict) -> dict:
    """A small row that came from another process (pickled, so nothing shared any more), shared again."""
    small["criteria"] = _criterion_rows(small.get("criteria") or [])
    small["findings"] = small.get("findings") or []
    return _share_parts(small)


def compact(report: dict) -> tuple[dict, bytes]:
    """(what the table and the checks need, the full report without evidence as JSON text).

    Keeping text rather than nested dicts keeps memory nearly flat as communes add up.
    """
    from cdht_excel.reading.result_part import json_bytes
    small = small_row(report)               # first: it takes a kind word off the name (kind_taken_off)
    return small, json_bytes(_without_evidence(report))


def probe_general(inp: Input) -> dict:
    """A file without our result part, in the guarded reader process: a summary's result, or 'unit' for a
    unit workbook, or the findings of a bad file."""
    from cdht_excel.reading.summary import read_summary
    book = inspect_file(inp, with_names=False)
    if not book.format:
        return {"kind": "bad", "input": inp, "findings": book.findings}
    try:
        found = read_summary(inp.path)
    except Exception as exc:   # one finding, never a traceback
        from cdht_excel.reading.book import short_error as _short
        from cdht_excel.reading.read import _is_unsafe_xml
        # broken result data inside a summary: ask the commune for a new one; a file the reader cannot open
        # may be anything, so it gets the finding `cdht merge` gives it (issue 10)
        code = "file-xml-unsafe" if _is_unsafe_xml(exc) else \
            "summary-unreadable" if isinstance(exc, ValueError) and "JSON" in type(exc).__name__ else "file-corrupt"
        return {"kind": "bad", "input": inp, "findings": [F.make(code, file=inp.display, detail=_short(exc))]}
    if found is None:
        return {"kind": "unit", "input": inp}
    report, shown = found
    figures: dict = {}
    carried = _carried(shown.pop("rubric", None))
    problems = verify_summary(report, shown, inp.display, carried, figures)
    small, text = compact(report)
    return {"kind": "summary", "input": inp, "report": small, "text": text, "problems": problems,
            "recomputed": figures}


def probe_summary_part(inp: Input, limits=None) -> dict | None:
    """A summary with our result part, read from one opening of the file (limits checked on that same
    opening): no shared strings, the report text kept as it is. None: use the general path."""
    import struct
    import zlib

    import orjson

    from cdht_excel.reading import result_part as RP
    from cdht_excel.reading.read import LIMITS, zip_entries_problem
    limits = limits or LIMITS
    if not inp.path.name.lower().endswith((".xlsx", ".xlsm")):
        return None
    try:
        data = _regular_file_bytes(inp.path, limits.max_bytes)
        if data is None or not data.startswith(b"PK"):
            return None
        zf = RP.ZipBytes.parse(data)
        if zf is None:
            return None
        infos = zf.infolist()
        if zip_entries_problem(infos, limits):
            return None          # the general path reports it
        names = set(zf.by_name)
        part = RP.find_part(zf, names)
        if part is None:
            return None
        head, _, body = part.partition(b"\n")
        header = orjson.loads(head)
        report = orjson.loads(body)
        if header.get("schema") != RP.PART_SCHEMA or not isinstance(report, dict):
            return None
        visible = header.get("visible") or {}
        shown = {} if RP.unchanged(infos, header) else \
            RP.cover_cells(zf, names, str(visible.get("sheet")), dict(visible.get("cells") or {}))
    except (OSError, ValueError, KeyError, TypeError, struct.error, zlib.error, RuntimeError):
        return None
    figures: dict = {}
    try:
        problems = verify_summary(report, shown, inp.display, _carried(header.get("rubric")), figures)
        named = (report.get("commune"), report.get("commune_kind"))
        small = small_row(report)
        renamed = named != (report.get("commune"), report.get("commune_kind"))
    except (KeyError, TypeError, AttributeError):
        return None
    if renamed:        # rare: the report's text is written again with the name as it now reads
        body = orjson.dumps(report)
    return {"kind": "summary", "input": inp, "report": small, "text": body, "problems": problems,
            "recomputed": figures}


def _regular_file_bytes(path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes, from one opening; None for anything else
    (a FIFO or device is opened without blocking and left to the guarded reader, which reports it)."""
    import stat
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        parts = [os.read(fd, info.st_size + 1)]
        total = len(parts[0])
        while total > info.st_size and total <= limit:       # the file grew while being read
            piece = os.read(fd, 1 << 20)
            if not piece:
                break
            parts.append(piece)
            total += len(piece)
        return None if total > limit else parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)


_CARRIED: dict[str, object] = {}
INVALID_RUBRIC = object()


def _carried(data):
    """The rubric a summary carries, built once per distinct rubric (None if absent, INVALID_RUBRIC)."""
    if data is None:
        return None
    if not isinstance(data, dict):
        return INVALID_RUBRIC
    from cdht_excel.rules import rubric as R
    key = rubric_hash(data)
    if key not in _CARRIED:
        try:
            _CARRIED[key] = R.from_data(data)
        except (R.RubricError, KeyError, TypeError, ValueError, AttributeError):
            _CARRIED[key] = INVALID_RUBRIC
    return _CARRIED[key]


def verify_summary(report: dict, shown: dict, file: str, carried=None, figures: dict | None = None
                   ) -> list[F.Finding]:
    """Recompute, never trust (above.verify): the findings that make the summary not counted; `figures`
    receives the total, class and completeness the summary's own criteria give (when they could be computed)."""
    from cdht_excel.above import verify as V
    from cdht_excel.above.check import builtin_rubric, commune_label

    def label() -> str:
        return commune_label(report) + _place_suffix(report)
    rubric = builtin_rubric(report.get("rubric"), report.get("rubric_hash"))
    if rubric is None and carried is not None:
        found = "không hợp lệ" if carried is INVALID_RUBRIC else carried.content_hash
        if found != report.get("rubric_hash"):
            return [F.make("summary-tampered", file=file, commune=label(), what="mã bộ tiêu chí mang theo",
                           stored=str(report.get("rubric_hash")), recomputed=found)]
        if _changed_builtin(carried):
            return [F.make("summary-rubric-changed", file=file, commune=label(), rubric=carried.id)]
        rubric = carried
    if rubric is None:
        return [F.make("summary-unverifiable", file=file, commune=label(), rubric=report.get("rubric"))]
    recomputed, cover = V.recompute(report, rubric, figures), V.cover_problems(report, shown, rubric)
    return V.findings_for(label(), file, recomputed, cover) if recomputed or cover else []


_CHANGED: dict[str, bool] = {}


def _changed_builtin(carried) -> bool:
    """verify.changed_builtin, once per distinct carried rubric (communes of a district share it)."""
    from cdht_excel.above import verify as V
    if carried.content_hash not in _CHANGED:
        _CHANGED[carried.content_hash] = V.changed_builtin(carried)
    return _CHANGED[carried.content_hash]


def _place_suffix(report: dict) -> str:
    place = ", ".join(x for x in (report.get("district"), report.get("province")) if x)
    return f" ({place})" if place else ""


def probe_guarded(results, inputs: list[Input]):
    """`probe_general` results from the guarded reader process (cdht_excel.reading.guard): a crash is a finding."""
    from cdht_excel.reading.guard import Crash, RaisedInReader
    for inp, result in zip(inputs, results):
        if isinstance(result, RaisedInReader):
            yield {"kind": "bad", "input": inp,
                   "findings": [F.make("file-corrupt", file=inp.display, detail=str(result)[:200])]}
        elif isinstance(result, Crash):
            code = "file-reader-timeout" if result.reason == "timeout" else "file-reader-crashed"
            yield {"kind": "bad", "input": inp, "findings": [F.make(code, file=inp.display, detail=result.detail)]}
        else:
            yield result


def merge_folder(task: tuple[str, list[Input]]) -> dict:
    """Worker: one commune's folder of unit workbooks, merged with the code of `cdht merge`."""
    from cdht_excel.commune.assess import assess_books
    from cdht_excel.commune.report import report_dict
    from cdht_excel.reading.read import read_workbooks
    display, inputs = task
    books = read_workbooks(inputs)
    try:
        assessment = assess_books(books)
    except F.Failed as exc:
        # each file's own finding, naming the file, as `cdht merge` gives it; then one line for the folder
        per_file = [f for f in exc.findings if f.file]
        names = ", ".join(f"“{i.display.rsplit('/', 1)[-1]}”" for i in inputs[:5]) + (" …" if len(inputs) > 5 else "")
        detail = f"không có phiếu đơn vị nào đọc được trong {len(inputs)} tệp ({names})"
        return {"kind": "bad", "display": display,
                "findings": per_file + [F.make("commune-not-merged", file=display, detail=detail)]}
    small, text = compact(report_dict(assessment, with_evidence=False))
    return {"kind": "folder", "display": display, "report": small, "text": text}


def _map(func, items, workers: int, progress=None):
    """Results in order; across processes when it pays off."""
    items = list(items)
    if workers <= 1 or len(items) < PARALLEL_FROM:
        for n, item in enumerate(items, 1):
            yield func(item)
            if progress:
                progress(n, len(items))
        return
    import multiprocessing as mp
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    from cdht_excel.reading.guard import worker_signals
    pool = mp.get_context(method).Pool(workers, initializer=worker_signals)
    # When all went well the workers are told to stop and end by themselves; they are killed only on an
    # error or an interruption. (`with Pool` kills them even after a good run, and one test-suite run hung
    # in that kill: one worker ended, the other waited for ever on the task queue's lock.)
    try:
        chunk = max(1, min(64, len(items) // (workers * 8)))
        for n, result in enumerate(pool.imap(func, items, chunksize=chunk), 1):
            yield result
            if progress:
                progress(n, len(items))
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


# --------------------------------------------------------------------------- aggregation

# Why a commune is not counted, as the tables say it (a status column; never its claimed figures there)
OK, CONFLICT, INVALID, OUTSIDE = "ok", "conflict", "invalid", "outside"
EDITED = "Không tính: tệp tổng hợp bị sửa"
REFUSED_BY = {"summary-rubric-changed": "Không tính: bộ tiêu chí trong tệp tổng hợp bị sửa"}
CONFLICT_REASON = "Không tính: hai bản kết quả khác nhau"


def refuse(commune: Commune, status: str, problems=(), recomputed: dict | None = None, reason: str = "") -> None:
    """Mark a commune not counted: its status, why (in words), what its file states (kept apart)."""
    commune.status = status
    codes = [f.code for f in problems if f.severity == F.ERROR]
    commune.reason = reason or next((REFUSED_BY[c] for c in codes if c in REFUSED_BY), EDITED)
    commune.claimed = [claimed(commune)]
    commune.recomputed = recomputed or None


def claimed(commune: Commune) -> dict:
    r = commune.report
    return {"source": commune.sources[0] if commune.sources else "", "total": r.get("total"),
            "classification": r.get("classification"), "complete": r.get("complete")}


def aggregate(inputs, expected: list[str] | None = None, workers: int | None = None,
              progress=None, area: tuple[str, str] | None = None, signed: list[dict] | None = None) -> DistrictResult:
    """`signed`: the PDFs among the inputs, already checked (above.signed.probe_pdfs); a PDF is never given
    to the workbook reader."""
    workers = workers or min(8, os.cpu_count() or 1)
    files, findings = collect_inputs(inputs)
    files = [f for f in files if not f.path.name.lower().endswith(".pdf")]
    trust = next((r for r in signed or [] if r["kind"] == "trust"), None)
    signed = [r for r in signed or [] if r["kind"] != "trust"]
    if trust is not None:
        findings += trust["findings"]
    if not files and not signed:
        findings += nothing_found(inputs, findings)
    communes: list[Commune] = []
    store = TextStore()
    unit_files: dict[Path, list[Input]] = defaultdict(list)
    # A summary carrying our result part is read here, in pure Python, within the size limits (no
    # native reader involved, nothing to abort the run); shipping it to another process would cost
    # more than reading it. Every other file goes to the guarded reader process (cdht_excel.reading.guard).
    # Merging folders of unit workbooks is heavy and runs on every core. Each result is kept as it
    # arrives (its JSON text goes to disk at once), so memory holds one at a time.
    def take(result: dict, here: bool = False) -> None:
        if result["kind"] in ("summary", "signed"):
            row = result["report"] if here else shared_row(result["report"])
            commune = Commune(row, store.put(result["text"]),
                              [result["input"].display], result["kind"])
            if "check" in result:       # from a PDF: its signatures, whether they count or not
                from cdht_excel.above.signatures import signature_facts
                commune.signatures = signature_facts(result["check"], result["input"].display)
            communes.append(commune)
            findings.extend(result["problems"])
            if F.has_errors(result["problems"]):
                refuse(commune, INVALID, result["problems"], result.get("recomputed"))
        elif result["kind"] == "unit":
            unit_files[result["input"].path.parent].append(result["input"])
        else:
            findings.extend(result["findings"])

    for result in signed:       # signed dossiers (cdht_excel.signing)
        take(result, here=True)
    others: list[Input] = []
    done = 0
    with collector_paused():
        for inp in files:
            fast = probe_summary_part(inp)
            if fast is None:
                others.append(inp)
                continue
            take(fast, here=True)
            done += 1
            if progress:
                progress(done, len(files))
    if others:
        from cdht_excel.reading.guard import Guard
        with Guard() as guard:
            for n, result in enumerate(probe_guarded(guard.map(probe_general, [(f,) for f in others]), others), 1):
                take(result)
                if progress:
                    progress(done + n, len(files))
    tasks = [(_folder_display(group), group) for _, group in sorted(unit_files.items(), key=lambda kv: str(kv[0]))]
    for result in _map(merge_folder, tasks, workers):
        if result["kind"] == "folder":
            communes.append(Commune(shared_row(result["report"]), store.put(result["text"]), [result["display"]],
                                    "folder"))
        else:
            findings += result["findings"]
    out = DistrictResult(communes=[], findings=findings, expected=expected, store=store,
                         trust=None if trust is None else {"roots": trust["roots"]})
    _reconcile(out, communes, area)
    return out


@contextmanager
def collector_paused():
    """Reading thousands of summaries allocates millions of short-lived objects; Python's cyclic garbage
    collector would traverse them again and again (a few per cent of a district run, measured; up to a third
    when the parsed reports are kept). What is read here forms no reference cycles, so the collector waits
    until the reading is done."""
    import gc
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _folder_display(group: list[Input]) -> str:
    display = group[0].display
    return display.rsplit("/", 1)[0] + "/" if "/" in display else "./"


def _signature(report: dict) -> tuple:
    return (report.get("rubric_hash"), report.get("total"), report["classification"]["code"], report.get("complete"),
            tuple((c["id"], c.get("score"), c.get("level"), c.get("status")) for c in report["criteria"]))


def _reconcile(out: DistrictResult, communes: list[Commune], area: tuple[str, str] | None = None) -> None:
    """Reference year and rubric; duplicates and conflicts; the run's area and communes outside it;
    missing and incomplete communes."""
    if not communes:
        return
    votes = Counter((c.report["year"], c.report["rubric"]) for c in communes)
    (year, rubric), _ = max(votes.items(), key=lambda kv: (kv[1], -kv[0][0]))
    out.year, out.rubric = year, rubric
    groups: dict[tuple, list[Commune]] = defaultdict(list)
    for c in sorted(communes, key=lambda c: (c.key, c.sources)):
        if c.report["year"] != year:
            out.findings.append(F.make("commune-other-year", file=c.sources[0], commune=c.label,
                                       other_year=c.report["year"], expected_year=year))
        elif c.report["rubric"] != rubric:
            out.findings.append(F.make("commune-other-rubric", file=c.sources[0], commune=c.label,
                                       other_rubric=c.report["rubric"], expected_rubric=rubric))
        else:
            groups[c.key].append(c)
    for copies in groups.values():
        folders = [c for c in copies if c.kind == "folder"]
        if not folders:      # a valid signed dossier wins over summaries of the same commune
            copies = _prefer_signed(out, copies)
        if folders:            # the raw returns win over any summary of the same commune
            for c in copies:
                if c.kind in ("summary", "signed"):
                    out.findings += _against_returns(out, c, folders[0])
            copies = folders
        elif all(c.status == INVALID for c in copies):
            copies[0].sources = [s for c in copies for s in c.sources]
            copies[0].claimed = [claimed(c) for c in copies]
            _gather_signatures(copies[0], copies)
            out.communes.append(copies[0])
            continue
        else:
            copies = [c for c in copies if c.status != INVALID]
        distinct: dict[tuple, list[Commune]] = {}
        for c in copies:
            distinct.setdefault(_signature(c.report), []).append(c)
        if len(distinct) == 1:
            chosen = copies[0]
            if len(copies) > 1:
                chosen.sources = [s for c in copies for s in c.sources]
                _gather_signatures(chosen, copies)
                out.findings.append(F.make("commune-duplicate", file=copies[1].sources[0], commune=chosen.label,
                                           count=len(copies), files=", ".join(f"“{s}”" for s in chosen.sources)))
            out.communes.append(chosen)
            if not chosen.report["complete"]:
                out.findings.append(F.make("commune-incomplete", file=chosen.sources[0], commune=chosen.label,
                                           errors=chosen.report["counts"]["error"]))
        else:
            a, b = [group[0] for group in list(distinct.values())[:2]]
            out.findings.append(F.make("commune-conflict", file=a.sources[0], commune=a.label,
                                       file_a=a.sources[0], file_b=b.sources[0], a=_short(a.report),
                                       b=_short(b.report)))
            refuse(a, CONFLICT, reason=CONFLICT_REASON)
            a.claimed = [claimed(group[0]) for group in distinct.values()]
            a.sources = [s for c in copies for s in c.sources]
            _gather_signatures(a, copies)
            out.communes.append(a)
    out.communes.sort(key=lambda c: c.key)
    _outside_area(out, area)
    reference = [c for c in out.communes if c.status == OK] or out.communes
    if reference:
        out.scheme = reference[0].report["scheme"]
        out.classes = reference[0].report["classes"] or _classes_seen(out.communes)
    out.findings += _rubric_status(out.communes)
    _diacritic_twins(out)
    if out.expected:
        wanted = {_fold(name): name for name in out.expected}
        have = {_fold(c.report["commune"]) for c in out.communes}
        for folded, name in sorted(wanted.items()):
            if folded not in have:
                out.findings.append(F.make("commune-missing", commune=name))
        for c in out.communes:
            if _fold(c.report["commune"]) not in wanted:
                out.findings.append(F.make("commune-unexpected", file=c.sources[0], commune=c.label))
                if c.status == OK:
                    refuse(c, OUTSIDE, reason="Không tính: không có trong danh sách xã")


@functools.lru_cache(maxsize=4096)
def _place_name(value) -> str:
    """A district's or province's name as compared: without its kind word ("huyện", "tỉnh" …), folded."""
    text = _folded(value)
    for kind in ("huyện", "quận", "thị xã", "thành phố", "tỉnh"):
        prefix = _folded(kind) + " "
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix):]
    return text


def run_area(communes: list[Commune], area: tuple[str, str] | None = None) -> tuple[dict, dict]:
    """The run's province and district ({"name", "how"} or {}): as the district's settings give them, else
    the one most communes state when more than half of them state it (a province's run over many districts
    has none, and nothing is left out by district)."""
    given = dict(zip(("province", "district"), area or ("", "")))
    found: list[dict] = []
    for key in ("province", "district"):
        if clean_text(given.get(key)):
            found.append({"name": clean_text(given[key]), "how": "theo tệp thiết lập hồ sơ"})
            continue
        names = Counter(_place_name(c.report.get(key)) for c in communes)
        names.pop("", None)
        top = names.most_common(1)
        if top and top[0][1] * 2 > len(communes):
            shown = next(clean_text(c.report.get(key)) for c in communes if _place_name(c.report.get(key)) == top[0][0])
            found.append({"name": shown, "how": f"theo đa số: {top[0][1]}/{len(communes)} xã"})
        else:
            found.append({})
    return found[0], found[1]


def _outside_area(out: DistrictResult, area: tuple[str, str] | None) -> None:
    """Communes of another province or district than the run's (or stating none) are named in a finding and
    not counted; they never reach the documents. The run's area is said once (info), with how it was known."""
    counted = [c for c in out.communes if c.status == OK]
    province, district = run_area(counted, area)
    out.area = {"province": province.get("name", ""), "district": district.get("name", "")}
    said = [(what, place) for what, place in (("tỉnh", province), ("huyện", district)) if place]
    if said:
        out.findings.append(F.make("district-area", area="; ".join(f"{what} {p['name']} ({p['how']})"
                                                                       for what, p in said)))
    for c in counted:
        for key, what, place in (("province", "tỉnh", province), ("district", "huyện", district)):
            if not place:
                continue
            stated = clean_text(c.report.get(key))
            if not stated:
                out.findings.append(F.make("commune-no-area", file=c.sources[0], commune=c.label, what=what,
                                           expected=place["name"]))
                refuse(c, OUTSIDE, reason=f"Không tính: tệp không ghi {what}")
                break
            if _place_name(stated) != _place_name(place["name"]):
                out.findings.append(F.make("commune-other-area", file=c.sources[0], commune=c.label, what=what,
                                           other=stated, expected=place["name"]))
                refuse(c, OUTSIDE, reason=f"Không tính: {what} {stated}, ngoài {what} {place['name']}")
                break


def _prefer_signed(out: DistrictResult, copies: list[Commune]) -> list[Commune]:
    """A commune's copies (summaries and signed dossiers, see above.signed): when a valid signed one is among
    them, it is the one kept, and every summary that differs from it is an error naming both."""
    signed = [c for c in copies if c.kind == "signed" and c.status != "invalid"]
    if not signed:
        return copies
    for c in copies:
        if c.kind == "summary" and _signature(c.report) != _signature(signed[0].report):
            out.findings.append(F.make("signed-differs-from-summary", file=c.sources[0], commune=signed[0].label,
                                       signed=signed[0].sources[0], signed_value=_short(signed[0].report),
                                       summary=c.sources[0], summary_value=_short(c.report)))
        elif c.kind == "summary":       # the same result: one commune, shown with both files
            signed[0].sources = signed[0].sources + c.sources
    return [c for c in copies if c.kind == "signed" and c.status != "invalid"]


def _gather_signatures(row: Commune, copies: list[Commune]) -> None:
    """A row made of several copies shows the signatures of every signed dossier among them."""
    found = [c.signatures for c in copies if c.signatures is not None]
    if found:
        row.signatures = [s for signatures in found for s in signatures]


def _classes_seen(communes: list[Commune]) -> list[dict]:
    """Classes of reports that do not state them: those the communes received, in order seen."""
    seen: dict[str, dict] = {}
    for c in communes:
        cls = c.report["classification"]
        seen.setdefault(cls["code"], {"code": cls["code"], "label": cls["label"]})
    return list(seen.values())


def _rubric_status(communes: list[Commune]) -> list[F.Finding]:
    """The rubric's repealed / not-yet-in-force warnings, once for the district (from the reports)."""
    found: dict[str, F.Finding] = {}
    for c in communes:
        for f in c.report["findings"]:
            if f["code"] in RUBRIC_STATUS and f["message"] not in found:
                found[f["message"]] = F.Finding(**{k: f.get(k) for k in F.FINDING_FIELDS})
    return list(found.values())


def _against_returns(out: DistrictResult, summary: Commune, folder: Commune) -> list[F.Finding]:
    import json

    from cdht_excel.above.verify import against_returns
    return against_returns(json.loads(out.store.get(summary.text)), summary.sources[0],
                           json.loads(out.store.get(folder.text)), folder.sources[0], summary.label)


def _fold(name: str) -> str:
    """A commune's name as the --communes list may write it: with or without 'xã', any tone placement."""
    return _folded(split_commune_kind(clean_text(name))[1])


def _diacritic_twins(out: DistrictResult) -> None:
    """Two communes (or a listed and a found one) whose names differ only by diacritics: a likely typo.

    Names are grouped by their form without any mark, so this stays linear in the number of communes."""
    from cdht_excel.vietnamese import plain_key
    names = sorted({c.report["commune"] for c in out.communes} | set(out.expected or []))
    groups: dict[str, dict[str, int]] = defaultdict(dict)     # plain form -> {folded name: first index}
    for i, name in enumerate(names):
        folded = _fold(name)
        groups[plain_key(folded)].setdefault(folded, i)
    pairs = []
    for variants in groups.values():
        firsts = sorted(variants.values())
        pairs += [(a, b) for n, a in enumerate(firsts) for b in firsts[n + 1:]]
    for a, b in sorted(pairs):
        out.findings.append(F.make("name-diacritics", a=names[a], b=names[b], what="xã"))


def _short(report: dict) -> str:
    total = report.get("total")
    cls = report["classification"]["label"]
    return f"{format_number(total)} điểm, {cls}" if total is not None else cls


# --------------------------------------------------------------------------- results

def class_code(c: Commune) -> str:
    """The class that counts: the level above's check when it was given, else the self-assessment."""
    if c.check is not None:
        return c.check["classification"]["code"] if c.check["status"] == "checked" else UNCHECKED_CODE
    return c.report["classification"]["code"]


UNCHECKED_CODE = "chua-kiem-tra"


def class_codes(classes: list[dict] | None, checked: bool = False) -> list[tuple[str, str]]:
    """(code, label) of every class the reports state, best first, then "chưa xếp loại" (and, with
    --checked, "chưa kiểm tra xong"): from the reports, never from a rubric id."""
    return class_pairs(classes) + ([(UNCHECKED_CODE, "Chưa kiểm tra xong")] if checked else [])


def counts(result: DistrictResult, self_assessed: bool = False) -> dict[str, int]:
    """Communes per class: by the check when --checked was given (unless `self_assessed`)."""
    checked = result.check is not None and not self_assessed
    out = {code: 0 for code, _ in class_codes(result.classes, checked)}
    for c in result.communes:
        if c.status == "ok":
            code = class_code(c) if checked else c.report["classification"]["code"]
            out[code] = out.get(code, 0) + 1
    return out


def district_indicator(result: DistrictResult) -> dict | None:
    """The scheme's district indicator (levels: ≥ 90 % of communes at level L), or None."""
    if result.scheme is None:
        return None
    total = len(result.expected) if result.expected else sum(1 for c in result.communes if c.status == "ok")
    return scheme_named(result.scheme).indicator(result.classes, counts(result), total, bool(result.expected))


REPORT_FIGURES = ("total", "classification", "complete")   # what a row's own fields may replace


def row_fields(c: Commune) -> dict:
    """What the district adds to a commune's report for its row (JSON, workbook, CSV, page), and the figures
    it replaces there: a row's `total`, `classification` and `complete` are the result that counts, so
    - a commune not counted has them null, `status_label` says why and `claimed` holds what its file(s)
      state (with `recomputed`: what an edited summary's own criteria give), labelled as such;
    - after --checked they are the check's (`counted_by`: "check"), the self-assessment beside them in `self`;
    - otherwise they are the commune's own (`counted_by`: "self")."""
    out: dict[str, Any] = {"source": c.sources, "source_kind": c.kind, "status": c.status,
                           "status_label": status_label(c)}
    if c.check is not None:
        out["check"] = c.check
    if c.previous is not None:
        out["previous"] = c.previous
    if c.signatures is not None:
        out["signatures"] = c.signatures
    if c.status != OK:
        out.update(total=None, classification=None, complete=None, counted_by=None, claimed=c.claimed or [])
        if c.recomputed:
            out["recomputed"] = c.recomputed
    elif c.check is not None:
        checked = c.check["status"] == "checked"
        out["self"] = {k: c.report.get(k) for k in REPORT_FIGURES}
        out.update(total=c.check["total"] if checked else None, counted_by="check",
                   classification=c.check["classification"] if checked else
                   {"code": UNCHECKED_CODE, "label": UNCHECKED_LABEL},
                   complete=c.report.get("complete"))      # the commune's data: the check does not change it
    else:
        out["counted_by"] = "self"
    return out


UNCHECKED_LABEL = "Chưa kiểm tra xong"


def status_label(c: Commune) -> str:
    """The row's "Tình trạng": why it is not counted, or how far the level above's check went."""
    if c.status != OK:
        return c.reason
    if c.check is not None:
        from cdht_excel.above.check import STATUS_LABEL
        return STATUS_LABEL[c.check["status"]]
    return ""


def not_counted(result: DistrictResult) -> dict[str, int]:
    """Communes listed but not counted, by why: conflicting copies, edited summaries, outside the run."""
    found = Counter(c.status for c in result.communes if c.status != OK)
    return {key: found[key] for key in (CONFLICT, INVALID, OUTSIDE)}


def district_dict(result: DistrictResult) -> dict:
    communes = []
    for c in result.communes:
        entry = dict(c.report)
        entry.update(row_fields(c))
        communes.append(entry)
    findings = sorted(result.findings, key=F.sort_key)
    data = {"schema": DISTRICT_SCHEMA, "rubric": result.rubric, "year": result.year, "scheme": result.scheme,
            "classes": result.classes, "communes": communes, "counts": counts(result),
            "not_counted": not_counted(result), "area": result.area,
            "indicator": district_indicator(result), "findings": [finding_dict(f) for f in findings]}
    if result.check is not None:
        data["check"] = result.check
        data["counts_self"] = counts(result, self_assessed=True)
    if result.previous is not None:
        data["previous"] = result.previous
    if result.trust is not None:
        data["trust_roots"] = result.trust["roots"]
    return data


def finding_dict(f: F.Finding) -> dict:
    """A district finding as data; one about a commune names it (`commune`, as the tables write it)."""
    out = f.to_dict()
    commune = f.extra.get("commune") if f.extra else None
    if commune:
        out["commune"] = commune.split(" (", 1)[0]
    return out


def district_table(data: dict) -> tuple[list[str], Iterator[list], int]:
    """The communes sheet as headers, rows (made one at a time, as they are written) and their number:
    what the workbook and the CSV both write. Total and class are the result that counts (the check's after
    --checked, the self-assessment labelled beside it); a commune not counted has none there, its status says
    why and what its file states stands apart, in a column labelled so."""
    criteria_ids: list[str] = []
    for c in data["communes"]:
        for crit in c["criteria"]:
            if crit["id"] not in criteria_ids:
                criteria_ids.append(crit["id"])
    scheme = scheme_named(data["scheme"] or DEFAULT_SCHEME)
    checked = "check" in data
    by = " (kết quả kiểm tra)" if checked else ""
    heads = ["STT", "Tỉnh", "Huyện", "Xã / phường / thị trấn", "Năm"]
    heads += [scheme.district_total_header + by] if scheme.scored else []
    heads += [scheme.class_label + by, "Tình trạng"]
    if checked:
        heads += (["Tự đánh giá: " + scheme.district_total_header.lower()] if scheme.scored else []) + \
            ["Tự đánh giá: " + scheme.class_label.lower()]
    heads += ["Đầy đủ"]
    heads += [f"TC {cid}" + (" (tự đánh giá)" if checked else "") for cid in criteria_ids]
    heads += ["Lỗi", "Cảnh báo", CLAIMED_HEADER]
    signed = any(c.get("signatures") is not None for c in data["communes"])
    heads += [SIGNATURES_HEADER] if signed else []
    heads += ["Nguồn"]
    return heads, _table_rows(data["communes"], criteria_ids, scheme, checked, signed), len(data["communes"])


SIGNATURES_HEADER = "Chữ ký số"


CLAIMED_HEADER = "Số liệu ghi trong tệp của xã không tính (để đối chiếu)"


def _table_rows(communes: list[dict], criteria_ids: list[str], scheme, checked: bool, signed: bool = False
                ) -> Iterator[list]:
    from cdht_excel.above.signatures import signatures_text
    number = lambda v: v if v is not None else ""
    for r, c in enumerate(communes, start=1):
        counted = c["status"] == OK
        cls = c.get("classification")
        values = [r, c.get("province") or "", c.get("district") or "", commune_label(c["commune"], c.get("commune_kind")),
                  c["year"]]
        values += [number(c.get("total"))] if scheme.scored else []
        values += [cls["label"] if cls else "", c.get("status_label") or ""]
        if checked:
            own = c.get("self") or {}
            values += [number(own.get("total"))] if scheme.scored else []
            values += [(own.get("classification") or {}).get("label", "")]
        values += [("Có" if c["complete"] else "Không") if counted else ""]
        by_id = {crit["id"]: crit for crit in c["criteria"]}
        values += [scheme.district_cell(by_id.get(cid, {})) if counted else "" for cid in criteria_ids]
        values += [c["counts"]["error"], c["counts"]["warning"], claimed_text(c)]
        values += [signatures_text(c.get("signatures"))] if signed else []
        values += ["; ".join(c["source"])]
        yield values


def _figures(entry: dict) -> str:
    cls = (entry.get("classification") or {}).get("label") or "chưa xếp loại"
    total = entry.get("total")
    return f"{format_number(total)} điểm, {cls}" if total is not None else cls


def claimed_text(c: dict) -> str:
    """What a commune not counted states, and (an edited summary) what its own criteria give."""
    if c["status"] == OK:
        return ""
    copies = c.get("claimed") or []
    if len(copies) > 1:
        text = "; ".join(f"“{x['source']}” ghi: {_figures(x)}" for x in copies)
    else:
        text = "; ".join(f"tệp ghi: {_figures(x)}" for x in copies)
    if c.get("recomputed"):
        text += f"; tính lại từ điểm các tiêu chí trong tệp: {_figures(c['recomputed'])}"
    return text


def from_reports(reports: list[tuple[str, dict]], expected: list[str] | None = None,
                 signed: Iterable[tuple[str, dict, str, list[F.Finding]]] = ()) -> DistrictResult:
    """Communes already merged from their own returns by the code of `cdht merge` (the province service
    keeps each commune's report, recomputed from the returns at every upload): the same reconciling,
    counts and indicator as `aggregate`, without reading the files again. `signed`: (source, carried report,
    kind 'signed' or 'summary', the PDF's findings) of signed dossiers already checked (service.signed), taken
    as `aggregate` takes a PDF."""
    store = TextStore()
    communes = []
    for source, report in reports:
        small, text = compact(report)
        communes.append(Commune(small, store.put(text), [source], "folder"))
    findings: list[F.Finding] = []
    for source, report, kind, problems in signed:
        small, text = compact(report)
        commune = Commune(small, store.put(text), [source], kind)
        communes.append(commune)
        findings.extend(problems)
        if F.has_errors(problems):
            refuse(commune, INVALID, problems)
    out = DistrictResult(communes=[], findings=findings, expected=expected, store=store)
    _reconcile(out, communes)
    return out

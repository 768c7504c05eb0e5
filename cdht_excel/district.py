"""District (or province): many communes in one table, fast (PRODUCT §4, §7, §8).

Inputs are summary workbooks from `cdht merge` (read back exactly from their
hidden machine-readable result) and folders of unit workbooks (one folder per
commune, merged on the fly with the same code as `cdht merge`). Files are read
one at a time per worker, over all cores, and only each commune's result (without
evidence) is kept, so memory stays flat as the number of communes grows.
"""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from cdht_excel import findings as F
from cdht_excel.contract import DISTRICT_SCHEMA  # noqa: F401
from cdht_excel.outputs.csv_out import write_table_csv
from cdht_excel.outputs.district_xlsx import RUBRIC_WIDE, write_district_workbook  # noqa: F401
from cdht_excel.outputs.json_out import write_district_json  # noqa: F401
from cdht_excel.outputs.terminal import summary_lines  # noqa: F401
from cdht_excel.read import Input, collect_inputs, inspect_file
from cdht_excel.schemes import DEFAULT_SCHEME, DISTRICT_THRESHOLD, class_pairs, scheme_named
from cdht_excel.text import clean_text, differ_only_by_diacritics, format_number, name_key

RUBRIC_STATUS = ("rubric-repealed", "rubric-not-yet-in-force")   # the district says these once, from the reports
PARALLEL_FROM = 48          # fewer files: one process is faster than starting workers
THRESHOLD = DISTRICT_THRESHOLD


@dataclass
class Commune:
    report: dict            # what the district needs of the commune's report (see `compact`)
    text: object            # where the whole report (no evidence, UTF-8 JSON) is kept: see TextStore
    sources: list[str]      # files or folder it came from
    kind: str               # 'summary' or 'folder'
    status: str = "ok"      # 'ok' or 'conflict'
    check: dict | None = None   # the level above's own check (--checked), see district_check
    previous: dict | None = None   # last year's class and the change (--previous), see district_previous

    @property
    def key(self) -> tuple:
        r = self.report
        return tuple(name_key(clean_text(x))       # same name as Vietnamese reads it; diacritics count
                     for x in (r.get("province"), r.get("district"), r.get("commune_kind"), r.get("commune"))) \
            + (int(r.get("year") or 0),)

    @property
    def label(self) -> str:
        r = self.report
        place = ", ".join(x for x in (r.get("district"), r.get("province")) if x)
        return f"{r.get('commune_kind') or 'xã'} {r['commune']}" + (f" ({place})" if place else "")


class TextStore:
    """Each commune's full JSON waits in a temporary file, not in memory, until --json is written:
    memory then holds only the small row of each commune and stays nearly flat as communes add up."""

    def __init__(self):
        import tempfile
        self.file = tempfile.TemporaryFile()

    def put(self, data: bytes) -> tuple[int, int]:
        self.file.seek(0, 2)
        offset = self.file.tell()
        self.file.write(data)
        return offset, len(data)

    def get(self, where: tuple[int, int]) -> bytes:
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
    classes: list[dict] = field(default_factory=list)   # their classes, best first (from their reports)


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
    from cdht_excel import rubric as R
    try:
        rubric = R.load(report.get("rubric") or "") if report.get("rubric") in R.BUILTIN_IDS else None
    except F.Failed:
        rubric = None
    if rubric is not None and rubric.content_hash == report.get("rubric_hash"):
        return {"scheme": rubric.scheme_obj.name, "classes": rubric.scheme_obj.report_classes(rubric)}
    levels = any("items" in c for c in report.get("criteria") or [])
    return {"scheme": "levels" if levels else "points", "classes": []}


def compact(report: dict) -> tuple[dict, bytes]:
    """(what the table and the checks need, the full report without evidence as JSON text).

    Keeping text rather than nested dicts keeps memory nearly flat as communes add up.
    """
    import json
    small = {k: report.get(k) for k in COMPACT_KEYS}
    small.update(scheme_fields(report))
    small["criteria"] = [{"id": c["id"], "score": c.get("score"), "level": c.get("level"),
                          "status": c.get("status")} for c in report["criteria"]]
    small["findings"] = [f for f in report["findings"] if f["severity"] != F.INFO]
    text = json.dumps(_without_evidence(report), ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")
    return small, text


def probe_file(inp: Input) -> dict:
    """Worker: a summary's result, or 'unit' for a unit workbook, or the findings of a bad file."""
    from cdht_excel.report import read_summary
    book = inspect_file(inp, with_names=False)
    if not book.format:
        return {"kind": "bad", "input": inp, "findings": book.findings}
    try:
        found = read_summary(inp.path)
    except Exception as exc:   # one finding, never a traceback
        from cdht_excel.read import _is_unsafe_xml, _short
        # broken result data inside a summary: ask the commune for a new one; a file the reader cannot open
        # may be anything, so it gets the finding `cdht merge` gives it (issue 10)
        code = "file-xml-unsafe" if _is_unsafe_xml(exc) else \
            "summary-unreadable" if isinstance(exc, ValueError) and "JSON" in type(exc).__name__ else "file-corrupt"
        return {"kind": "bad", "input": inp, "findings": [F.make(code, file=inp.display, detail=_short(exc))]}
    if found is None:
        return {"kind": "unit", "input": inp}
    report, shown = found
    small, text = compact(report)
    return {"kind": "summary", "input": inp, "report": small, "text": text, "shown": shown}


def probe_guarded(results, inputs: list[Input]):
    """`probe_file` results from the guarded reader process (cdht_excel.guard): a crash is a finding."""
    from cdht_excel.guard import Crash, RaisedInReader
    for inp, result in zip(inputs, results):
        if isinstance(result, RaisedInReader):
            yield {"kind": "bad", "input": inp,
                   "findings": [F.make("file-corrupt", file=inp.display, detail=str(result)[:200])]}
        elif isinstance(result, Crash):
            code = "file-reader-timeout" if result.reason == "timeout" else "file-reader-crashed"
            yield {"kind": "bad", "input": inp, "findings": [F.make(code, file=inp.display, detail=result.detail)]}
        else:
            yield result


def _progress(items, progress):
    for n, item in enumerate(items, 1):
        yield item
        if progress:
            progress(n, len(items))


def merge_folder(task: tuple[str, list[Input]]) -> dict:
    """Worker: one commune's folder of unit workbooks, merged with the code of `cdht merge`."""
    from cdht_excel.assess import assess_books
    from cdht_excel.read import read_workbooks
    from cdht_excel.report import report_dict
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
    from cdht_excel.guard import worker_signals
    with mp.get_context(method).Pool(workers, initializer=worker_signals) as pool:
        chunk = max(1, min(64, len(items) // (workers * 8)))
        for n, result in enumerate(pool.imap(func, items, chunksize=chunk), 1):
            yield result
            if progress:
                progress(n, len(items))


# --------------------------------------------------------------------------- aggregation

def aggregate(inputs, expected: list[str] | None = None, workers: int | None = None,
              progress=None) -> DistrictResult:
    workers = workers or min(8, os.cpu_count() or 1)
    files, findings = collect_inputs(inputs)
    if not files:
        findings.append(F.make("no-input", inputs=", ".join(map(str, inputs)) or "(không có)"))
    communes: list[Commune] = []
    store = TextStore()
    unit_files: dict[Path, list[Input]] = defaultdict(list)
    # Probing runs in this process: a summary reads in under a millisecond and shipping its result
    # back from a worker costs more than reading it (measured: 0.9 s in one process, 1.3 s in two,
    # for 1,000 summaries). Merging folders of unit workbooks is heavy and runs on every core.
    from cdht_excel.guard import Guard
    with Guard() as guard:
        probes = list(_progress(probe_guarded(guard.map(probe_file, [(f,) for f in files]), files), progress))
    for result in probes:
        if result["kind"] == "summary":
            commune = Commune(result["report"], store.put(result["text"]), [result["input"].display], "summary")
            communes.append(commune)
            findings += _edited(commune, result["shown"])
        elif result["kind"] == "unit":
            unit_files[result["input"].path.parent].append(result["input"])
        else:
            findings += result["findings"]
    tasks = [(_folder_display(group), group) for _, group in sorted(unit_files.items(), key=lambda kv: str(kv[0]))]
    for result in _map(merge_folder, tasks, workers):
        if result["kind"] == "folder":
            communes.append(Commune(result["report"], store.put(result["text"]), [result["display"]], "folder"))
        else:
            findings += result["findings"]
    out = DistrictResult(communes=[], findings=findings, expected=expected, store=store)
    _reconcile(out, communes)
    return out


def _folder_display(group: list[Input]) -> str:
    display = group[0].display
    return display.rsplit("/", 1)[0] + "/" if "/" in display else "./"


def _edited(commune: Commune, shown: dict) -> list[F.Finding]:
    r = commune.report
    problems = []
    if "visible_total" in shown and r.get("total") is not None:
        try:
            differs = abs(float(shown["visible_total"]) - float(r["total"])) > 1e-6
        except (TypeError, ValueError):
            differs = True
        if differs:
            problems.append(("tổng điểm " + clean_text(shown["visible_total"]), format_number(r["total"])))
    label = r["classification"]["label"].upper()
    if "visible_class" in shown and clean_text(shown["visible_class"]).upper() != label:
        problems.append(("xếp loại " + clean_text(shown["visible_class"]), label))
    return [F.make("summary-edited", file=commune.sources[0], commune=commune.label, shown=a, stored=b)
            for a, b in problems]


def _signature(report: dict) -> tuple:
    return (report.get("rubric_hash"), report.get("total"), report["classification"]["code"], report.get("complete"),
            tuple((c["id"], c.get("score"), c.get("level"), c.get("status")) for c in report["criteria"]))


def _reconcile(out: DistrictResult, communes: list[Commune]) -> None:
    """Reference year and rubric; duplicates and conflicts; missing and incomplete communes."""
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
        distinct: dict[tuple, list[Commune]] = {}
        for c in copies:
            distinct.setdefault(_signature(c.report), []).append(c)
        if len(distinct) == 1:
            chosen = copies[0]
            if len(copies) > 1:
                chosen.sources = [s for c in copies for s in c.sources]
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
            a.status = "conflict"
            a.sources = [s for c in copies for s in c.sources]
            out.communes.append(a)
    out.communes.sort(key=lambda c: c.key)
    reference = [c for c in out.communes if c.status == "ok"] or out.communes
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


def _fold(name: str) -> str:
    """A commune's name as the --communes list may write it: with or without 'xã', any tone placement."""
    text = name_key(clean_text(name))
    for prefix in ("xã", "phường", "thị trấn"):
        text = text.removeprefix(name_key(prefix) + " ")
    return text


def _diacritic_twins(out: DistrictResult) -> None:
    """Two communes (or a listed and a found one) whose names differ only by diacritics: a likely typo."""
    names = sorted({c.report["commune"] for c in out.communes} | set(out.expected or []))
    seen = set()
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            pair = (_fold(a), _fold(b))
            if pair[0] != pair[1] and pair not in seen and differ_only_by_diacritics(pair[0], pair[1]):
                seen.add(pair)
                out.findings.append(F.make("name-diacritics", a=a, b=b, what="xã"))


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


def district_dict(result: DistrictResult) -> dict:
    communes = []
    for c in result.communes:
        entry = dict(c.report)
        entry["source"] = c.sources
        entry["source_kind"] = c.kind
        entry["status"] = c.status
        if c.check is not None:
            entry["check"] = c.check
        if c.previous is not None:
            entry["previous"] = c.previous
        communes.append(entry)
    findings = sorted(result.findings, key=F.sort_key)
    data = {"schema": DISTRICT_SCHEMA, "rubric": result.rubric, "year": result.year, "scheme": result.scheme,
            "classes": result.classes, "communes": communes, "counts": counts(result),
            "indicator": district_indicator(result), "findings": [f.to_dict() for f in findings]}
    if result.check is not None:
        data["check"] = result.check
        data["counts_self"] = counts(result, self_assessed=True)
    if result.previous is not None:
        data["previous"] = result.previous
    return data


def district_table(data: dict) -> tuple[list[str], list[list]]:
    """The communes sheet as headers and rows: what the workbook and the CSV both write."""
    criteria_ids: list[str] = []
    for c in data["communes"]:
        for crit in c["criteria"]:
            if crit["id"] not in criteria_ids:
                criteria_ids.append(crit["id"])
    scheme = scheme_named(data["scheme"] or DEFAULT_SCHEME)
    heads = ["STT", "Tỉnh", "Huyện", "Xã / phường / thị trấn", "Năm", scheme.district_total_header,
             scheme.class_label, "Đầy đủ"]
    heads += [f"TC {cid}" for cid in criteria_ids]
    heads += ["Lỗi", "Cảnh báo", "Tình trạng", "Nguồn"]
    status_label = {"ok": "", "conflict": "Xung đột"}
    rows = []
    for r, c in enumerate(data["communes"], start=1):
        values = [r, c.get("province") or "", c.get("district") or "",
                  f"{c.get('commune_kind') or 'xã'} {c['commune']}", c["year"],
                  c["total"] if c.get("total") is not None else "",
                  c["classification"]["label"], "Có" if c["complete"] else "Không"]
        by_id = {crit["id"]: crit for crit in c["criteria"]}
        values += [scheme.district_cell(by_id.get(cid, {})) for cid in criteria_ids]
        values += [c["counts"]["error"], c["counts"]["warning"], status_label.get(c["status"], c["status"]),
                   "; ".join(c["source"])]
        rows.append(values)
    return heads, rows


# --------------------------------------------------------------------------- writers

def write_district(data: dict, path) -> None:
    write_district_workbook(data, district_table(data), path)


def write_district_csv(data: dict, path) -> None:
    write_table_csv(*district_table(data), path)

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
from cdht_excel.read import Input, collect_inputs, inspect_file
from cdht_excel.text import ascii_fold, clean_text, format_number

DISTRICT_SCHEMA = "cdht-district/1"
RUBRIC_WIDE = {"rubric-repealed", "maxima-unknown"}   # said once for the district, not once per commune
PARALLEL_FROM = 48          # fewer files: one process is faster than starting workers
THRESHOLD = 90              # TT 25/2023 Điều 11.4.a / 12.4.a: ≥ 90% of communes recognised


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
        return tuple(" ".join(ascii_fold(clean_text(x)).lower().split())
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


# --------------------------------------------------------------------------- workers (top level: picklable)

def _without_evidence(report: dict) -> dict:
    report = dict(report)
    report["criteria"] = [{k: v for k, v in c.items() if k != "evidence"} for c in report["criteria"]]
    return report


COMPACT_KEYS = ("commune", "commune_kind", "district", "province", "year", "rubric", "rubric_hash", "total",
                "complete", "classification", "counts")


def compact(report: dict) -> tuple[dict, bytes]:
    """(what the table and the checks need, the full report without evidence as JSON text).

    Keeping text rather than nested dicts keeps memory nearly flat as communes add up.
    """
    import json
    small = {k: report.get(k) for k in COMPACT_KEYS}
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
    from cdht_excel.assess import NoResult, assess_books
    from cdht_excel.read import read_workbooks
    from cdht_excel.report import report_dict
    display, inputs = task
    books = read_workbooks(inputs)
    try:
        assessment = assess_books(books)
    except NoResult as exc:
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
    for key, copies in groups.items():
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
    if rubric in ("tt44-2014", "tt25-2023"):
        from cdht_excel import rubric as R
        out.findings += R.load(rubric).status_for_year(int(year))
    if out.expected:
        wanted = {_fold(name): name for name in out.expected}
        have = {_fold(c.report["commune"]) for c in out.communes}
        for folded, name in sorted(wanted.items()):
            if folded not in have:
                out.findings.append(F.make("commune-missing", commune=name))
        for c in out.communes:
            if _fold(c.report["commune"]) not in wanted:
                out.findings.append(F.make("commune-unexpected", file=c.sources[0], commune=c.label))


def _fold(name: str) -> str:
    text = " ".join(ascii_fold(clean_text(name)).lower().split())
    for prefix in ("xa ", "phuong ", "thi tran "):
        text = text.removeprefix(prefix)
    return text


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


def class_codes(rubric_id: str | None, checked: bool = False) -> list[tuple[str, str]]:
    from cdht_excel import rubric as R
    if rubric_id in R.BUILTIN_IDS:
        r = R.load(rubric_id)
        entries = r.data.get("classes", []) + sorted(r.data.get("levels", []), key=lambda e: -e["level"])
        pairs = [(e["code"], e["label"]) for e in entries] + [(r.fallback_class["code"], r.fallback_class["label"])]
    else:
        pairs = []
    return pairs + [("chua-xep-loai", "Chưa xếp loại")] + ([(UNCHECKED_CODE, "Chưa kiểm tra xong")] if checked else [])


def counts(result: DistrictResult, self_assessed: bool = False) -> dict[str, int]:
    """Communes per class: by the check when --checked was given (unless `self_assessed`)."""
    checked = result.check is not None and not self_assessed
    out = {code: 0 for code, _ in class_codes(result.rubric, checked)}
    for c in result.communes:
        if c.status == "ok":
            code = class_code(c) if checked else c.report["classification"]["code"]
            out[code] = out.get(code, 0) + 1
    return out


def district_indicator(result: DistrictResult) -> dict | None:
    """TT 25/2023 Điều 11.4.a / 12.4.a: share of communes recognised at level 1 and at level 2.

    Level 2 communes count for level 1 too (level 2 contains every level-1 requirement at higher
    thresholds); the denominator is the list given with --communes, else the communes received.
    """
    if result.rubric != "tt25-2023":
        return None
    n = counts(result)
    total = len(result.expected) if result.expected else sum(1 for c in result.communes if c.status == "ok")
    level2 = n.get("muc-do-2", 0)
    level1 = level2 + n.get("muc-do-1", 0)

    def share(count):
        percent = round(100.0 * count / total, 2) if total else 0.0
        return {"count": count, "total": total, "percent": percent, "passed": bool(total) and percent >= THRESHOLD}
    return {"threshold": THRESHOLD, "level_1": share(level1), "level_2": share(level2),
            "denominator": "danh sách xã (--communes)" if result.expected else "số xã có kết quả",
            "citation": "TT 25/2023/TT-BGDĐT, Điều 11 khoản 4 điểm a; Điều 12 khoản 4 điểm a"}


def write_district_json(result: DistrictResult, data: dict, path) -> None:
    """The --json output, streamed: one commune per line, each the commune's report without
    evidence plus where it came from, from the text kept per commune (see `compact`)."""
    import json

    from cdht_excel.atomic import atomic_path
    dump = lambda value: json.dumps(value, ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")
    head = {k: v for k, v in data.items() if k not in ("communes", "findings")}
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        out.write(b"{" + dump(head)[1:-1] + b', "communes": [\n')
        for n, c in enumerate(result.communes):
            head_fields = {"source": c.sources, "source_kind": c.kind, "status": c.status}
            if c.check is not None:
                head_fields["check"] = c.check
            if c.previous is not None:
                head_fields["previous"] = c.previous
            out.write((b",\n" if n else b"") + b"{" + dump(head_fields)[1:-1] + b", "
                      + result.store.get(c.text)[1:])
        out.write(b'\n], "findings": [\n' + b",\n".join(dump(f) for f in data["findings"]) + b"\n]}\n")


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
    data = {"schema": DISTRICT_SCHEMA, "rubric": result.rubric, "year": result.year,
            "communes": communes, "counts": counts(result), "indicator": district_indicator(result),
            "findings": [f.to_dict() for f in findings]}
    if result.check is not None:
        data["check"] = result.check
        data["counts_self"] = counts(result, self_assessed=True)
    if result.previous is not None:
        data["previous"] = result.previous
    return data


# --------------------------------------------------------------------------- workbook

def write_district(data: dict, path) -> None:
    import xlsxwriter

    from cdht_excel.atomic import atomic_path
    labels = dict(class_codes(data["rubric"], "check" in data))
    with atomic_path(path) as tmp:
        # constant_memory: rows go to disk as they are written, so memory does not grow with communes
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False, "constant_memory": True,
                                            "default_format_properties": {"font_name": "Times New Roman",
                                                                          "font_size": 12}})
        wb.set_properties({"title": "Tổng hợp Cộng đồng học tập các xã", "author": "cdht-excel",
                           "created": fixed_time(data)})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                              "align": "center", "valign": "vcenter"})
        cell = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
        numf = wb.add_format({"border": 1, "valign": "top", "num_format": "0.##", "align": "center"})
        title = wb.add_format({"bold": True, "font_size": 14})
        _communes_sheet(wb, data, labels, head, cell, numf, title)
        _stats_sheet(wb, data, labels, head, cell, numf, title)
        if "check" in data:
            from cdht_excel.check_form import check_sheet
            check_sheet(wb, data, labels, head, cell, numf)
        if "previous" in data:
            from cdht_excel.check_form import previous_sheet
            previous_sheet(wb, data, labels, head, cell)
        _district_findings(wb, data, head, cell)
        wb.close()


def fixed_time(data: dict):
    """The workbook's creation time, from the inputs (their year): same inputs, same bytes."""
    import datetime as dt
    return dt.datetime(int(data.get("year") or 2000), 12, 31)


def _communes_sheet(wb, data, labels, head, cell, numf, title) -> None:
    ws = wb.add_worksheet("Các xã")
    criteria_ids = []
    for c in data["communes"]:
        for crit in c["criteria"]:
            if crit["id"] not in criteria_ids:
                criteria_ids.append(crit["id"])
    points = data["rubric"] != "tt25-2023"
    heads = ["STT", "Tỉnh", "Huyện", "Xã / phường / thị trấn", "Năm", "Tổng điểm" if points else "—",
             "Xếp loại" if points else "Mức độ", "Đầy đủ"]
    heads += [f"TC {cid}" for cid in criteria_ids]
    heads += ["Lỗi", "Cảnh báo", "Tình trạng", "Nguồn"]
    widths = [5, 14, 14, 24, 6, 9, 14, 8] + [6] * len(criteria_ids) + [6, 8, 10, 40]
    for col, (text, width) in enumerate(zip(heads, widths)):
        ws.set_column(col, col, width)
        ws.write_string(0, col, text, head)
    status_label = {"ok": "", "conflict": "Xung đột"}
    for r, c in enumerate(data["communes"], start=1):
        values = [r, c.get("province") or "", c.get("district") or "",
                  f"{c.get('commune_kind') or 'xã'} {c['commune']}", c["year"],
                  c["total"] if c.get("total") is not None else "",
                  c["classification"]["label"], "Có" if c["complete"] else "Không"]
        by_id = {crit["id"]: crit for crit in c["criteria"]}
        for cid in criteria_ids:
            crit = by_id.get(cid, {})
            if points:
                values.append(crit.get("score") if crit.get("score") is not None else "")
            else:
                level = crit.get("level")
                values.append("" if level is None else ("MĐ2" if level == 2 else "MĐ1" if level == 1 else "KĐ"))
        values += [c["counts"]["error"], c["counts"]["warning"], status_label.get(c["status"], c["status"]),
                   "; ".join(c["source"])]
        for col, value in enumerate(values):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, col, value, numf)
            else:
                ws.write_string(r, col, str(value), cell)
    ws.autofilter(0, 0, max(1, len(data["communes"])), len(heads) - 1)
    ws.freeze_panes(1, 4)
    _print_wide(ws)


def _stats_sheet(wb, data, labels, head, cell, numf, title) -> None:
    ws = wb.add_worksheet("Thống kê")
    ws.set_column(0, 0, 30)
    ws.set_column(1, 2, 14)
    ws.write_string(0, 0, f"Số xã theo xếp loại – năm {data['year']} – {data['rubric']}", title)
    ws.write_string(2, 0, "Xếp loại", head)
    ws.write_string(2, 1, "Số xã", head)
    rows = list(data["counts"].items())
    for r, (code, count) in enumerate(rows, start=3):
        ws.write_string(r, 0, labels.get(code, code), cell)
        ws.write_number(r, 1, count, numf)
    last = 2 + len(rows)
    ws.write_string(last + 1, 0, "Tổng số xã có kết quả", cell)
    ws.write_number(last + 1, 1, sum(data["counts"].values()), numf)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "Số xã", "categories": ["Thống kê", 3, 0, last, 0],
                      "values": ["Thống kê", 3, 1, last, 1], "data_labels": {"value": True}})
    chart.set_title({"name": "Số xã theo xếp loại"})
    chart.set_legend({"none": True})
    ws.insert_chart(2, 4, chart)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)
    indicator = data.get("indicator")
    if indicator:
        r = last + 4
        ws.write_string(r, 0, "Chỉ tiêu của huyện (" + indicator["citation"] + ")", title)
        for col, text in enumerate(["Mức", "Số xã đạt", "Tổng số xã", "Tỷ lệ (%)", f"Đạt ≥ {indicator['threshold']}%"]):
            ws.write_string(r + 1, col, text, head)
        for i, (key, label) in enumerate((("level_1", "Mức độ 1 (kể cả mức độ 2)"), ("level_2", "Mức độ 2")),
                                         start=r + 2):
            share = indicator[key]
            ws.write_string(i, 0, label, cell)
            ws.write_number(i, 1, share["count"], numf)
            ws.write_number(i, 2, share["total"], numf)
            ws.write_number(i, 3, share["percent"], numf)
            ws.write_string(i, 4, "Đạt" if share["passed"] else "Chưa đạt", cell)
        ws.write_string(r + 4, 0, "Mẫu số: " + indicator["denominator"] + ".", cell)


def _district_findings(wb, data, head, cell) -> None:
    ws = wb.add_worksheet("Phát hiện")
    heads = ["Mức", "Mã", "Xã", "Nội dung", "Cách sửa", "Tệp", "Trang", "Ô"]
    for col, (text, width) in enumerate(zip(heads, [10, 20, 22, 60, 40, 36, 16, 6])):
        ws.set_column(col, col, width)
        ws.write_string(0, col, text, head)
    rows = [("", f) for f in data["findings"]]
    for c in data["communes"]:
        rows += [(c["commune"], f) for f in c["findings"] if f["severity"] != F.INFO and f["code"] not in RUBRIC_WIDE]
    for r, (commune, f) in enumerate(rows, start=1):
        values = [F.SEVERITY_LABEL[f["severity"]], f["code"], commune, f["message"], f["hint"], f.get("file") or "",
                  f.get("sheet") or "", f.get("cell") or ""]
        for col, value in enumerate(values):
            ws.write_string(r, col, str(value), cell)
    ws.autofilter(0, 0, max(1, len(rows)), len(heads) - 1)
    ws.freeze_panes(1, 0)
    _print_wide(ws)


def _print_wide(ws) -> None:
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def summary_lines(data: dict) -> list[str]:
    labels = dict(class_codes(data["rubric"], "check" in data))
    lines = [f"Tổng hợp {len(data['communes'])} xã – năm {data['year']} – bộ tiêu chí {data['rubric']}"]
    if "check" in data:
        chk = data["check"]
        lines.append(f"Kết quả kiểm tra (phiếu “{chk['file']}”): {chk['checked']} xã đã kiểm tra, "
                     f"{chk['unchecked']} xã chưa kiểm tra xong, {chk['differences']} nội dung khác tự đánh giá.")
        lines.append("Xếp loại theo kết quả kiểm tra: " + "; ".join(f"{labels.get(k, k)}: {v}"
                                                             for k, v in data["counts"].items()))
        lines.append("Theo tự đánh giá: " + "; ".join(f"{labels.get(k, k)}: {v}"
                                                       for k, v in data["counts_self"].items()))
    else:
        lines.append("Xếp loại: " + "; ".join(f"{labels.get(k, k)}: {v}" for k, v in data["counts"].items()))
    ind = data.get("indicator")
    if ind:
        for key, label in (("level_1", "mức độ 1"), ("level_2", "mức độ 2")):
            s = ind[key]
            lines.append(f"Tỷ lệ xã đạt {label}: {s['count']}/{s['total']} = {format_number(s['percent'])}% "
                         f"({'đạt' if s['passed'] else 'chưa đạt'} chỉ tiêu ≥ {ind['threshold']}%)")
    errors = [f for f in data["findings"] if f["severity"] == F.ERROR]
    warnings = [f for f in data["findings"] if f["severity"] == F.WARNING]
    lines.append(f"Vấn đề: {len(errors)} lỗi, {len(warnings)} cảnh báo.")
    for f in errors[:10]:
        lines.append(f"  - {('“' + f['file'] + '”: ') if f.get('file') else ''}{f['message']}")
    if len(errors) > 10:
        lines.append(f"  … và {len(errors) - 10} lỗi khác (xem trang “Phát hiện”).")
    return lines

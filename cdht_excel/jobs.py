"""What each command does, without a face: the terminal (`cli.py`) and the web page (`web/`) call these.

Every function takes paths and returns plain results (the report dict, the paths written, the exit
code); nothing here prints or knows about click or HTTP. A job that can produce nothing raises
`Failed` with the findings that say why (exit 2).
"""
from __future__ import annotations

import errno
from dataclasses import dataclass, field, replace
from pathlib import Path

from cdht_excel.rules import findings as F

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


Failed = F.Failed   # the package's one exception: nothing could be produced, the findings say why (exit 2)


class NothingRead(Failed):
    """Failed before any output: no input could be read (the CLI still writes a --json of the findings)."""


def write_output(action, path: Path) -> None:
    """Write one output; any write error (full disk, no permission, file too big) is a "cannot write"
    finding (exit 2): the temporary file is removed and a previous output stays as it was."""
    try:
        action(path)
    except OSError as exc:
        raise Failed([write_error(path, exc)]) from None
    except Exception as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError):
            raise Failed([write_error(path, cause)]) from None
        if type(exc).__module__.startswith("xlsxwriter"):
            raise Failed([F.make("output-unwritable", file=str(path), detail=str(exc) or type(exc).__name__)]) from None
        raise


DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}     # no space, or the user's quota reached
OS_ERROR_TEXT = {      # what the system says, in Vietnamese (its own text is English, or the system's language)
    errno.EACCES: "không có quyền ghi vào đó (hoặc tệp đang mở trong chương trình khác)",
    errno.EPERM: "không có quyền ghi vào đó",
    errno.EROFS: "ổ đĩa hoặc thư mục chỉ cho phép đọc",
    errno.ENOENT: "thư mục không tồn tại",
    errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
    errno.EISDIR: "đây là một thư mục",
    errno.ENAMETOOLONG: "tên tệp hoặc đường dẫn quá dài",
    errno.EBUSY: "tệp đang được chương trình khác dùng",
    errno.EIO: "lỗi đọc ghi của ổ đĩa",
}


def write_error(path, exc: OSError) -> F.Finding:
    """The finding for an output that could not be written: a full disk and a file too big are said as such."""
    if exc.errno in DISK_FULL:
        return F.make("output-disk-full", file=str(path))
    if exc.errno == errno.EFBIG:
        return F.make("output-too-large", file=str(path))
    if exc.errno in OS_ERROR_TEXT:
        detail = OS_ERROR_TEXT[exc.errno]
    elif exc.errno is not None:
        detail = f"lỗi hệ điều hành {errno.errorcode.get(exc.errno, exc.errno)}"
    else:
        detail = str(exc) or type(exc).__name__
    return F.make("output-unwritable", file=str(path), detail=detail)


def load_rubric(ref: str):
    from cdht_excel.rules import rubric_sheet
    try:
        return rubric_sheet.load(ref)
    except F.Failed as exc:
        raise Failed(exc.findings) from None


# --------------------------------------------------------------------------- plan, template

def plan_from_fields(commune: str, year: int, district: str = "", province: str = "",
                     rubric_ref: str = "tt44-2014", commune_kind: str = "xã", hard_area: bool | None = None,
                     assessing_body: str = "", report_by: str = "hoi-khuyen-hoc"):
    """(plan, rubric) with the default assignment of units, from what the secretary typed."""
    from cdht_excel.commune import plan as P
    from cdht_excel.text import clean_text
    rubric = load_rubric(rubric_ref)
    the_plan = P.default_plan(clean_text(commune), year, rubric, rubric_ref=rubric_ref, district=district,
                              province=province, hard_area=hard_area, assessing_body=assessing_body,
                              report_by_ubnd=report_by == P.REPORT_BY_UBND)
    from cdht_excel.vietnamese import split_commune_kind
    return replace(the_plan, commune_kind=split_commune_kind(clean_text(commune), commune_kind)[0]), rubric


def resolve_plan(plan_path):
    """(plan, rubric) from a plan workbook made by `cdht plan init` (and edited by the secretary)."""
    from cdht_excel.commune.plan_sheet import read_plan
    the_plan, problems = read_plan(plan_path)
    if the_plan is None or F.has_errors(problems):
        raise Failed(problems)
    return the_plan, plan_rubric(the_plan, plan_path)


def write_plan(the_plan, rubric, output) -> list[F.Finding]:
    """`cdht plan init`'s workbook for a plan (Failed when the plan has errors); returns the notes to show:
    the rubric's status for the year and what the dossier will lack."""
    from cdht_excel.commune import plan as P
    from cdht_excel.commune.dossier import plan_findings
    from cdht_excel.commune.plan_sheet import write_plan as write
    problems = P.validate(the_plan, rubric)
    if F.has_errors(problems):
        raise Failed(problems)
    write_output(lambda p: write(the_plan, rubric, p), Path(output))
    return list(rubric.status_for_year(int(the_plan.year))) + plan_findings(the_plan, rubric)


def plan_rubric(the_plan, plan_path=None):
    from cdht_excel.commune import plan as P
    from cdht_excel.rules.rubric import RubricError
    try:
        rubric, problems = P.resolve(the_plan)
    except RubricError as exc:
        raise Failed(exc.findings) from None
    if problems:
        raise Failed([_in_file(f, plan_path) for f in problems])
    return rubric


def _in_file(finding: F.Finding, path) -> F.Finding:
    if path and not finding.file:
        finding.file = Path(path).name
    return finding


@dataclass
class TemplateJob:
    template: Path
    split: list[Path] = field(default_factory=list)
    notes: list[F.Finding] = field(default_factory=list)     # e.g. the rubric is repealed for this year


def make_template(the_plan, rubric, output, split_dir=None) -> TemplateJob:
    from cdht_excel.commune import template as T
    out = Path(output)
    write_output(lambda p: T.write_template(the_plan, rubric, p), out)
    files: list[Path] = []
    if split_dir:
        try:
            files = T.write_split(the_plan, rubric, split_dir)
        except OSError as exc:
            raise Failed([write_error(split_dir, exc)]) from None
    return TemplateJob(out, files, list(rubric.status_for_year(int(the_plan.year))))


# --------------------------------------------------------------------------- merge, status

def assess_inputs(inputs, prefer_newer: bool = False, leave_out=()):
    """read → merge → check → classify; Failed when no unit workbook could be read at all.

    `prefer_newer`: of two differing copies of a unit's item, the one saved later counts (with a warning).
    `leave_out`: files not read although the inputs hold them (see `own_outputs_among_inputs`)."""
    from cdht_excel.commune.assess import NoResult, assess
    try:
        return assess(inputs, prefer_newer=prefer_newer, leave_out=leave_out)
    except NoResult as exc:
        findings = list(exc.findings)
        if not any(f.code in ("no-input", "input-missing") for f in findings):
            count = len({f.file for f in findings if f.file})
            findings.append(F.make("no-readable-input", count=count))
        raise NothingRead(findings) from None


SUMMARY, REPORT_JSON, STATUS_JSON = "summary", "report", "status"     # what an output of ours is
OWN_JSON_LIMIT = 64 * 1024 * 1024      # far above any report of ours; a bigger file is not read to find out


def own_outputs_among_inputs(inputs, outputs) -> list[Path]:
    """The outputs (path, kind) that the run would also read as inputs, to be left out of them.

    Only this command's own earlier output is that: a summary workbook of `cdht merge` (recognised by its
    hidden result sheet, read in the guarded reader) or our JSON of the same kind; it is replaced, and not
    read, so a second run gives the result of the first. Anything else is refused: inputs are never changed."""
    from cdht_excel.reading.read import would_collect
    left_out = []
    for path, kind in outputs:
        if not path or not would_collect(path, inputs):
            continue
        if not _is_own_output(Path(path), kind):
            raise Failed([F.make("output-is-input", file=str(path))])
        left_out.append(Path(path))
    return left_out


def _is_own_output(path: Path, kind: str) -> bool:
    if kind == SUMMARY:
        return _is_own_summary(path)
    return _is_own_json(path, kind)


def _is_own_summary(path: Path) -> bool:
    from cdht_excel.reading.book import Input
    from cdht_excel.reading.read import read_workbooks
    from cdht_excel.rules.contract import SUMMARY_SCHEMA
    book, = read_workbooks([Input(path, path.name)])
    return book.other_kind == SUMMARY_SCHEMA and not book.units


def _is_own_json(path: Path, kind: str) -> bool:
    import json

    from cdht_excel.commune.report import REPORT_SCHEMA, STATUS_SCHEMA
    try:
        if path.stat().st_size > OWN_JSON_LIMIT:
            return False
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    if kind == REPORT_JSON:
        return data.get("schema") == REPORT_SCHEMA and str(data.get("generator", "")).startswith("cdht-excel ")
    return data.get("schema") == STATUS_SCHEMA and isinstance(data.get("units"), list)


@dataclass
class MergeJob:
    assessment: object
    report: dict
    summary: Path
    json: Path | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.report["counts"]["error"] else EXIT_OK


def run_merge(inputs, output, json_path=None, with_docs: bool = False, assessing_body=None,
              prefer_newer: bool = False) -> MergeJob:
    """`cdht merge`: the summary workbook (and the JSON report) from the returned workbooks.

    `with_docs`: a dossier will be made, so what the plan lacks for it is reported too."""
    return merge_outputs(assess_inputs(inputs, prefer_newer), output, json_path, with_docs, assessing_body)


def merge_report(assessment, with_docs: bool = False, assessing_body=None) -> dict:
    """The report of `cdht merge` (its --json); `with_docs`: what the plan lacks for a dossier is reported too."""
    from cdht_excel.commune.report import report_dict
    if with_docs:
        from cdht_excel.commune.dossier import plan_findings
        assessment.findings.extend(plan_findings(assessment.plan, assessment.rubric, assessing_body))
    return report_dict(assessment)


def merge_outputs(assessment, output, json_path=None, with_docs: bool = False, assessing_body=None) -> MergeJob:
    from cdht_excel.atomic import write_json
    from cdht_excel.outputs.summary_xlsx import write_summary
    report = merge_report(assessment, with_docs, assessing_body)
    out = Path(output)
    write_output(lambda p: write_summary(assessment, report, p), out)
    if json_path:
        write_output(lambda p: write_json(p, report), Path(json_path))
    return MergeJob(assessment, report, out, Path(json_path) if json_path else None)


@dataclass
class DocsJob:
    written: list[Path]
    pdfs: list[Path] = field(default_factory=list)
    pdf_message: str = ""


def write_docs(assessment, report: dict, docs_dir, templates_dir=None, pdf: bool = False,
               assessing_body=None, summary=None) -> DocsJob:
    """The dossier (.docx, and PDF through LibreOffice when asked): see cdht_excel/dossier.py."""
    from cdht_excel.commune import dossier
    try:
        written = dossier.write_dossier(assessment, report, Path(docs_dir), templates_dir=templates_dir,
                                        assessing_body=assessing_body)
    except dossier.DossierError as exc:     # a commune's template that cannot be used
        raise Failed(exc.findings) from None
    except OSError as exc:
        raise Failed([write_error(docs_dir, exc)]) from None
    job = DocsJob(written)
    if pdf:
        job.pdfs, job.pdf_message = dossier.to_pdf(written, summary=summary,
                                                   carrier=dossier.result_carrier(written, assessment.rubric.scheme))
    return job


FILE_PROBLEMS = ("file-", "input-", "other-", "unit-conflict")


@dataclass
class StatusJob:
    data: dict
    file_errors: list[F.Finding]      # files that could not be used: said even in a progress view

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.file_errors or any(u["status"] != "ok" for u in self.data["units"]) else EXIT_OK


def run_status(inputs) -> StatusJob:
    """`cdht status`: progress per unit for the mid-year meetings."""
    return status_of(assess_inputs(inputs))


def status_of(assessment) -> StatusJob:
    from cdht_excel.commune.report import status_dict
    file_errors = [f for f in assessment.findings if f.severity == F.ERROR and f.code.startswith(FILE_PROBLEMS)]
    return StatusJob(status_dict(assessment), file_errors)


# --------------------------------------------------------------------------- district

@dataclass
class DistrictJob:
    result: object
    data: dict
    output: Path | None                            # the district workbook (None: not written, the Python API)
    json: Path | None = None
    form: Path | None = None                       # the check form written (--check-form)
    form_counts: tuple[int, int] | None = None     # (communes, rows) in it
    docs: list[Path] = field(default_factory=list)  # the district dossier written (--docs)
    pdfs: list[Path] = field(default_factory=list)  # its PDF/A (--docs --pdf)
    pdf_message: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if any(f["severity"] == F.ERROR for f in self.data["findings"]) else EXIT_OK


def run_district(inputs, output, json_path=None, csv_path=None, expected=None, workers=None, progress=None, *,
                 checked_form=None, previous_path=None, check_form=None, docs_dir=None, docs_settings=None,
                 authority: str = "", signer: str = "", parquet_path=None, trust=None,
                 pdf: bool = False) -> DistrictJob:
    """`cdht district`: many communes (summaries or folders of unit workbooks) in one table; with the level
    above's check form (written, or filled and used), last year's results and the district dossier;
    `parquet_path`: the long criteria table for analysts (needs pyarrow: checked before any work)."""
    from cdht_excel.above import check as K
    from cdht_excel.above import district as D
    from cdht_excel.above.check_form import write_form_for
    from cdht_excel.outputs.csv_out import write_table_csv
    from cdht_excel.outputs.district_xlsx import write_district_workbook
    from cdht_excel.outputs.json_out import write_district_json
    from cdht_excel.above.signed import probe_pdfs
    if parquet_path:
        from cdht_excel.outputs.parquet_out import require_pyarrow
        require_pyarrow(parquet_path)
    settings = docs_settings_of(docs_settings, authority, signer)
    result = D.aggregate(inputs, expected=expected, workers=workers, progress=progress,
                         area=(settings.province, settings.district), signed=probe_pdfs(inputs, trust))
    if not result.communes:
        raise NothingRead(result.findings or [F.make("no-input", inputs=", ".join(map(str, inputs)))])
    if checked_form:
        K.use_form(result, checked_form)
    if previous_path:
        from cdht_excel.above import previous as Y
        previous, problems = Y.load_previous(previous_path)
        result.findings += problems
        if previous is not None:
            order = [code for code, _ in D.class_codes(result.classes)]
            Y.compare(result, previous, Path(previous_path).name, order, D.class_code)
    job = DistrictJob(result, {}, Path(output) if output else None, Path(json_path) if json_path else None)
    if check_form:
        made: list[tuple[int, int]] = []
        write_output(lambda p: made.append(write_form_for(result, p)), Path(check_form))
        job.form, job.form_counts = Path(check_form), made[0]
    if docs_dir:
        job.docs = district_docs(result, docs_dir, settings)
        if pdf:         # PDF/A with the NĐ 30 signature fields, as the commune's (cdht_excel/signing)
            from cdht_excel.commune.dossier import to_pdf
            job.pdfs, job.pdf_message = to_pdf([p for p in job.docs if p.suffix == ".docx"])
    data = D.district_dict(result)
    if job.output:
        write_output(lambda p: write_district_workbook(data, D.district_table(data), p), job.output)
    if job.json:
        write_output(lambda p: write_district_json(result, data, p), job.json)
    if csv_path:
        write_output(lambda p: write_table_csv(*D.district_table(data)[:2], p), Path(csv_path))
    if parquet_path:
        from cdht_excel.outputs.parquet_out import write_table_parquet
        from cdht_excel.outputs.tables import criteria_table, district_reports, indicator_titles
        table = criteria_table(district_reports(result, data), indicator_titles)
        write_output(lambda p: write_table_parquet(table, p), Path(parquet_path))
    job.data = data
    return job


def load_docs_settings(settings_path=None):
    """The district's documents settings (`--docs-settings`): empty without a file; Failed when unreadable."""
    from cdht_excel.above import docs as DD
    if not settings_path:
        return DD.DocsSettings()
    try:
        return DD.DocsSettings.load(settings_path)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise Failed([F.make("docs-settings-unreadable", file=Path(settings_path).name,
                             detail=type(exc).__name__)]) from None


def write_docs_settings(output, typed: dict, base=None) -> Path:
    """A documents settings file (`--docs-settings`): the one given as `base` (if any) with the non-empty
    fields of `typed` (names of DocsSettings) over it; what a page's fields stand for, and can be kept."""
    from dataclasses import asdict, fields

    from cdht_excel.atomic import write_json
    settings = load_docs_settings(base)
    known = {f.name for f in fields(settings)}
    settings = replace(settings, **{k: v.strip() for k, v in typed.items() if k in known and v and v.strip()})
    data = {k: v for k, v in asdict(settings).items() if v}
    write_output(lambda p: write_json(p, data), Path(output))
    return Path(output)


def docs_settings_of(settings_path=None, authority: str = "", signer: str = ""):
    """The district's documents settings (`above.docs.DocsSettings`): the file, then --authority, --signer."""
    settings = load_docs_settings(settings_path)
    settings = replace(settings, authority=authority or settings.authority, signer=signer or settings.signer)
    if authority and not settings.authority_head:
        settings = replace(settings, authority_head=authority)
    return settings


def district_docs(result, docs_dir, settings) -> list[Path]:
    """The level above's dossier (cdht_excel/above/docs.py); its findings join the district's."""
    from cdht_excel.above import district as D
    from cdht_excel.above import docs as DD
    labels = dict(D.class_codes(result.classes, result.check is not None))
    written: list = []
    write_output(lambda p: written.append(DD.write_docs(result, p, settings, D.class_code, labels)), Path(docs_dir))
    paths, findings = written[0]
    result.findings += findings
    return paths


def read_commune_list(path) -> list[str]:
    """The district's communes: a .txt with one per line, or the first column of a workbook."""
    from cdht_excel.above.commune_list import read_commune_list as read
    return read(path)


# --------------------------------------------------------------------------- signed dossiers (cdht_excel.signing)

@dataclass
class VerifyJob:
    data: dict
    exit_code: int


def run_verify(paths, trust=None) -> VerifyJob:
    """`cdht verify`: each PDF's signatures and the result it carries, recomputed like a summary (above.signed).
    Exit 0 only when every signature is intact, unchanged after signing and chains to a configured root, and
    every carried result recomputes; 2 when no file could be read."""
    from cdht_excel.above import signed as S
    from cdht_excel.above.signatures import signature_facts
    from cdht_excel.reading.book import Input
    from cdht_excel.text import nfc
    roots, root_problems = S.trust_roots(trust)
    files = []
    for raw in paths:
        path = Path(raw)
        result = S.probe_signed(Input(path, nfc(str(raw))), roots, explicit=True, need_result=False)
        check = result.get("check")
        report = result.get("full_report") or {}
        findings = result.get("problems", result.get("findings", []))
        signatures = signature_facts(check, str(raw))
        readable = check is not None and check.readable
        ok = readable and bool(signatures) and all(s["ok"] for s in signatures) and not F.has_errors(findings) \
            and result["kind"] == "signed"
        files.append({"file": str(raw), "readable": readable, "ok": ok, "signatures": signatures,
                      "result": {k: report.get(k) for k in ("commune_kind", "commune", "district", "province", "year",
                                                            "rubric", "total", "classification")} if report else None,
                      "findings": [f.to_dict() for f in findings]})
    data = {"trust_roots": None if roots is None else len(roots), "files": files,
            "findings": [f.to_dict() for f in root_problems]}
    if not any(f["readable"] for f in files):
        return VerifyJob(data, EXIT_FAILED)
    return VerifyJob(data, EXIT_OK if all(f["ok"] for f in files) else EXIT_FINDINGS)

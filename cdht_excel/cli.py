"""The `cdht` command: thin click commands over the pure stages. Messages in Vietnamese.

Exit codes (PRODUCT §4): 0 complete and no errors; 1 output written but errors
found; 2 nothing could be produced (bad usage, no readable input, unwritable output).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cdht_excel import jobs as J
from cdht_excel import __version__
from cdht_excel.cli_vn import VnArgument, VnGroup, usage_error_text
from cdht_excel.rules import findings as F

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())   # click ≥ 8.2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


Failed = F.Failed   # nothing could be produced; the findings say why (exit 2)


def say(*lines: str, err: bool = False) -> None:
    """Lines for a person, wrapped at words to the terminal's width (hanging indent)."""
    from cdht_excel.outputs.terminal import wrapped
    for line in wrapped(list(lines)):
        click.echo(line, err=err)


def echo_findings(findings, limit: int | None = None) -> None:
    shown = sorted(findings, key=F.sort_key)
    for finding in shown[:limit]:
        message, hint = F.said(finding, F.TERMINAL)
        where = finding.where()
        head = f"[{F.SEVERITY_LABEL[finding.severity]}] " + (f"{where}: " if where else "") + message
        say(head, *([f"  → {hint}"] if hint else []), err=finding.severity == F.ERROR)
    if limit is not None and len(shown) > limit:
        say(f"… và {len(shown) - limit} vấn đề khác (xem báo cáo).")


def _output_path(path: str, *suffixes: str) -> Path:
    """The output file, refused (exit 2) if its name promises another format than the one written."""
    out = Path(path)
    if suffixes and out.suffix.lower() not in suffixes:
        expected = " hoặc ".join(suffixes)
        example = (out.stem if out.suffix else out.name) + suffixes[0]
        raise Failed([F.make("output-wrong-type", file=str(out), expected=expected, example=example)])
    if out.exists() and out.is_dir():
        raise Failed([F.make("output-unwritable", file=str(out), detail="đây là một thư mục")])
    return out


_write = J.write_output      # one output written atomically; a write error is `output-unwritable` (exit 2)


def _refuse_clashing_outputs(files, docs_dir=None) -> None:
    """-o and --json must be two different files, and neither inside the --docs folder."""
    named = [(opt, Path(p)) for opt, p in files if p]
    for i, (opt_a, a) in enumerate(named):
        for opt_b, b in named[i + 1:]:
            if os.path.abspath(a) == os.path.abspath(b):
                raise Failed([F.make("output-clash", file=str(a), a=opt_a, b=opt_b)])
    if docs_dir:
        docs = Path(os.path.abspath(docs_dir))
        for opt, path in named:
            full = Path(os.path.abspath(path))
            if full == docs or docs in full.parents:
                raise Failed([F.make("output-clash", file=str(path), a=opt, b="--docs")])


def _failure_json(findings: list[F.Finding]) -> bytes:
    """The --json of a run that produced nothing (exit 2): every finding, so scripts still get the codes."""
    from cdht_excel import __version__ as version
    from cdht_excel.atomic import json_bytes
    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in (F.ERROR, F.WARNING, F.INFO)}
    data = {"schema": "cdht-report/1", "generator": f"cdht-excel {version}", "complete": False,
            "result": None, "exit_code": EXIT_FAILED, "counts": counts,
            "findings": [f.to_dict() for f in sorted(findings, key=F.sort_key)]}
    return json_bytes(data)


def _json_on_failure(json_path, failed: Failed) -> None:
    if not json_path:
        return
    from cdht_excel.atomic import write_bytes
    try:
        _write(lambda p: write_bytes(p, _failure_json(failed.findings)), Path(json_path))
    except Failed as exc:
        failed.findings += exc.findings




@click.group(cls=VnGroup, context_settings=CONTEXT, help="cdht-excel: đánh giá “Cộng đồng học tập” cấp xã bằng Excel.\n\n"
                                            "Tạo mẫu phiếu cho các đơn vị, tổng hợp phiếu đã điền, kiểm tra, "
                                            "xếp loại và lập hồ sơ.")
@click.version_option(__version__, "--version", message="cdht-excel %(version)s", help="Xem phiên bản.")
def cli():
    pass


# --------------------------------------------------------------------------- plan

@cli.group(help="Kế hoạch tự đánh giá: xã, năm, bộ tiêu chí và phân công tiêu chí cho các đơn vị.")
def plan():
    pass


def plan_options(func):
    options = [
        click.option("--commune", metavar="TÊN", help="Tên xã, phường, thị trấn, ví dụ “Đồng Thịnh”."),
        click.option("--year", type=int, metavar="NĂM", help="Năm đánh giá, ví dụ 2024."),
        click.option("--district", default="", metavar="TÊN", help="Huyện (quận, thị xã, thành phố)."),
        click.option("--province", default="", metavar="TÊN", help="Tỉnh (thành phố)."),
        click.option("--rubric", "rubric_ref", default="tt44-2014", show_default=True, metavar="MÃ_HOẶC_TỆP",
                     help="Bộ tiêu chí: tt44-2014, tt25-2023 hoặc tệp bộ tiêu chí riêng (.xlsx/.json)."),
        click.option("--kind", "commune_kind", type=click.Choice(["xã", "phường", "thị trấn"]), default="xã",
                     show_default=True, help="Cấp hành chính."),
        click.option("--hard-area/--no-hard-area", default=None,
                     help="Xã thuộc vùng khó khăn (ngưỡng chỉ tiêu 5.2 của TT 25/2023)."),
        click.option("--assessing-body", default="",
                     help="Cơ quan đánh giá, công nhận (nhận tờ trình), ví dụ “Ủy ban nhân dân huyện Định Hóa”; "
                          "bắt buộc với hồ sơ lập sau 01/07/2025 (không còn cấp huyện)."),
        click.option("--report-by", type=click.Choice(["hoi-khuyen-hoc", "ubnd"]), default="hoi-khuyen-hoc",
                     show_default=True,
                     help="Cơ quan ban hành báo cáo (TT 44/2014): Hội Khuyến học xã, có xác nhận của Chủ tịch "
                          "UBND xã; hoặc UBND xã."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _plan_from_options(commune, year, district, province, rubric_ref, commune_kind, hard_area,
                       assessing_body="", report_by="hoi-khuyen-hoc"):
    if not commune or year is None:
        missing = [name for name, value in (("--commune", commune), ("--year", year)) if not value]
        raise click.UsageError("Thiếu " + ", ".join(missing) + " (hoặc dùng --plan).")
    return J.plan_from_fields(commune, year, district, province, rubric_ref, commune_kind, hard_area,
                              assessing_body, report_by)


@plan.command("init", help="Tạo tệp kế hoạch (.xlsx) với phân công mặc định để thư ký sửa.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="TỆP.xlsx", help="Tệp kế hoạch sẽ tạo.")
@plan_options
def plan_init(output, **options):
    from cdht_excel.commune import plan as P
    from cdht_excel.commune.plan_sheet import write_plan
    out = _output_path(output, ".xlsx")
    the_plan, rubric = _plan_from_options(**options)
    problems = P.validate(the_plan, rubric)
    if F.has_errors(problems):
        raise Failed(problems)
    _write(lambda p: write_plan(the_plan, rubric, p), out)
    say(f"Đã tạo kế hoạch: {out}")
    say(f"{the_plan.commune_title} – năm {the_plan.year} – bộ tiêu chí {rubric.id}, "
               f"{len(the_plan.units)} đơn vị.")
    say(f"Tiếp theo: sửa tệp nếu cần, rồi chạy: cdht template --plan \"{out}\" -o mau-phieu.xlsx")
    from cdht_excel.commune.dossier import plan_findings
    echo_findings(rubric.status_for_year(the_plan.year) + plan_findings(the_plan, rubric))


# --------------------------------------------------------------------------- template

@cli.command(help="Tạo mẫu phiếu chuẩn: trang Hướng dẫn, mỗi đơn vị một trang, dấu nhận dạng ẩn.")
@click.option("--plan", "plan_path", type=click.Path(exists=True, dir_okay=False),
              help="Tệp kế hoạch (tạo bằng “cdht plan init”).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="TỆP.xlsx",
              help="Tệp mẫu sẽ tạo (.xlsx).")
@click.option("--split-dir", type=click.Path(file_okay=False),
              help="Thư mục ghi thêm mỗi đơn vị một tệp riêng.")
@plan_options
def template(plan_path, output, split_dir, **options):
    out = _output_path(output, ".xlsx")
    the_plan, rubric = _resolve_plan(plan_path, options)
    made = J.make_template(the_plan, rubric, out, split_dir)
    say(f"Đã tạo mẫu phiếu: {out}")
    say(f"{the_plan.commune_title} – năm {the_plan.year} – {rubric.legal_basis}; "
               f"{len(the_plan.units)} trang đơn vị.")
    if split_dir:
        say(f"Đã tạo {len(made.split)} tệp riêng cho từng đơn vị trong {split_dir}")
    echo_findings(made.notes)


def _resolve_plan(plan_path, options):
    if plan_path:
        return J.resolve_plan(plan_path)
    the_plan, _ = _plan_from_options(**options)
    return the_plan, J.plan_rubric(the_plan)    # an unusable rubric raises Failed, shown by main()


# --------------------------------------------------------------------------- merge, status

INPUTS_HELP = ("Các tệp phiếu (.xlsx, .xlsm, .xls, .ods) hoặc thư mục chứa chúng (tìm cả thư mục con; "
               "bỏ qua tệp khóa ~$…, tệp kế hoạch và tệp tổng hợp).")


DISTRICT_INPUTS_HELP = ("Tệp tổng hợp của từng xã (do “cdht merge” tạo) và/hoặc thư mục phiếu đơn vị, "
                        "mỗi xã một thư mục; có thể đưa cả một thư mục chứa tất cả.")


def _refuse_input_outputs(inputs, outputs) -> None:
    """An output path that is one of the inputs is refused: inputs are never changed."""
    from cdht_excel.reading.read import would_collect
    for out in outputs:
        if out and would_collect(out, inputs):
            raise Failed([F.make("output-is-input", file=str(out))])


@cli.command(help="Tổng hợp các phiếu đã điền: đọc, gộp, kiểm tra, xếp loại; ghi tệp tổng hợp.")
@click.argument("inputs", nargs=-1, required=True, metavar="ĐẦU_VÀO...", cls=VnArgument, description=INPUTS_HELP)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="TỆP.xlsx", help="Tệp tổng hợp (.xlsx).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), metavar="TỆP.json", help="Ghi thêm báo cáo JSON.")
@click.option("--docs", "docs_dir", type=click.Path(file_okay=False),
              help="Thư mục ghi hồ sơ: tờ trình, báo cáo, biên bản (.docx).")
@click.option("--docs-templates", "docs_templates", type=click.Path(exists=True, file_okay=False),
              help="Thư mục mẫu văn bản riêng của xã (thay mẫu có sẵn).")
@click.option("--pdf", is_flag=True, help="Chuyển hồ sơ sang PDF bằng LibreOffice (nếu máy có).")
@click.option("--assessing-body", default=None,
              help="Cơ quan đánh giá, công nhận ghi trong hồ sơ (thay cho dòng cùng tên của kế hoạch).")
@click.option("--prefer-newer", is_flag=True,
              help="Khi hai bản của một đơn vị khác nhau ở một nội dung, lấy bản lưu sau (có cảnh báo).")
def merge(inputs, output, json_path, docs_dir, docs_templates, pdf, assessing_body, prefer_newer):
    from cdht_excel.outputs.terminal import terminal_summary
    own = J.own_outputs_among_inputs(inputs, [(Path(output), J.SUMMARY), (json_path, J.REPORT_JSON)])
    out = _output_path(output, ".xlsx")
    if json_path:
        _output_path(json_path, ".json")
    _refuse_clashing_outputs([("-o", out), ("--json", json_path)], docs_dir)
    try:
        assessment = J.assess_inputs(inputs, prefer_newer, leave_out=own)
    except Failed as exc:
        _json_on_failure(json_path, exc)
        raise
    job = J.merge_outputs(assessment, out, json_path, with_docs=bool(docs_dir or pdf), assessing_body=assessing_body)
    say(*terminal_summary(job.report))
    say(f"Đã ghi tệp tổng hợp: {out}" + (f"; báo cáo JSON: {json_path}" if json_path else ""))
    if docs_dir or pdf:
        docs = J.write_docs(assessment, job.report, docs_dir or str(out.parent / "ho-so"), docs_templates, pdf,
                            assessing_body, summary=out)
        for path in docs.written:
            say(f"Đã ghi hồ sơ: {path}")
        for path in docs.pdfs:
            say(f"Đã ghi PDF: {path}")
        if docs.pdf_message:
            say(docs.pdf_message)
    return job.exit_code


@cli.command(help="Tiến độ cho cuộc họp giữa kỳ/cuối kỳ: mỗi đơn vị đã điền bao nhiêu, thiếu minh chứng gì.")
@click.argument("inputs", nargs=-1, required=True, metavar="ĐẦU_VÀO...", cls=VnArgument, description=INPUTS_HELP)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), metavar="TỆP.json", help="Ghi thêm tiến độ dạng JSON.")
def status(inputs, json_path):
    from cdht_excel.atomic import write_json
    from cdht_excel.outputs.terminal import status_lines
    own = J.own_outputs_among_inputs(inputs, [(json_path, J.STATUS_JSON)])
    if json_path:
        _output_path(json_path, ".json")
    try:
        job = J.status_of(J.assess_inputs(inputs, leave_out=own))
    except Failed as exc:
        _json_on_failure(json_path, exc)
        raise
    say(*status_lines(job.data))
    if json_path:
        _write(lambda p: write_json(p, job.data), Path(json_path))
    return job.exit_code


@cli.command("docs-templates", help="Chép các mẫu văn bản hồ sơ (.docx) ra một thư mục để xã sửa lời văn bằng Word; "
                                    "sau đó dùng: cdht merge ... --docs HỒ_SƠ --docs-templates THƯ_MỤC.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Thư mục sẽ chứa các mẫu.")
def docs_templates(output):
    from importlib import resources

    from cdht_excel.atomic import write_bytes
    folder = Path(output)
    written = []
    for entry in sorted(resources.files("cdht_excel.commune").joinpath("doc_templates").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".docx"):
            target = folder / entry.name
            if target.exists():
                say(f"Giữ nguyên (đã có): {target}")
                continue
            data = entry.read_bytes()
            _write(lambda p, data=data: write_bytes(p, data), target)
            written.append(target)
    for path in written:
        say(f"Đã chép mẫu: {path}")
    say("Sửa lời văn bằng Word, giữ nguyên các thẻ {{ … }} và {% … %}.")


# --------------------------------------------------------------------------- district

@cli.command(help="Tổng hợp nhiều xã (cấp huyện/tỉnh): tệp tổng hợp của từng xã (từ “cdht merge”) "
                  "hoặc thư mục phiếu đơn vị, mỗi xã một thư mục.")
@click.argument("inputs", nargs=-1, required=True, metavar="ĐẦU_VÀO...", cls=VnArgument, description=DISTRICT_INPUTS_HELP)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="TỆP.xlsx",
              help="Tệp tổng hợp huyện (.xlsx).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), metavar="TỆP.json", help="Ghi thêm kết quả JSON.")
@click.option("--communes", "communes_path", type=click.Path(exists=True, dir_okay=False),
              help="Danh sách các xã của huyện (.txt mỗi dòng một xã, hoặc .xlsx cột đầu) để báo xã chưa có "
                   "kết quả và làm mẫu số chỉ tiêu 90%.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Ghi thêm bảng các xã dạng CSV (UTF-8, mở được bằng Excel).")
@click.option("--parquet", "parquet_path", type=click.Path(dir_okay=False), metavar="TỆP.parquet",
              help="Ghi thêm bảng dài các tiêu chí (chỉ tiêu) của từng xã dạng Parquet, cho phân tích số liệu "
                   "(cần pyarrow: pip install \"cdht-excel[parquet]\").")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Số tiến trình (mặc định: số lõi CPU).")
@click.option("--check-form", "check_form", type=click.Path(dir_okay=False), metavar="TỆP.xlsx",
              help="Ghi phiếu kiểm tra của cấp trên (.xlsx): mỗi dòng một tiêu chí (chỉ tiêu) của một xã, "
                   "cột “Điểm kiểm tra” / “Kết quả kiểm tra” để ghi kết quả kiểm tra.")
@click.option("--checked", "checked_form", type=click.Path(exists=True, dir_okay=False),
              help="Phiếu kiểm tra đã ghi kết quả: xếp loại từng xã theo kết quả kiểm tra và báo mọi chênh lệch "
                   "với tự đánh giá.")
@click.option("--previous", "previous_path", type=click.Path(exists=True, dir_okay=False),
              help="Kết quả JSON năm trước (cdht district --json): xếp loại năm trước và thay đổi của từng xã.")
@click.option("--docs", "docs_dir", type=click.Path(file_okay=False),
              help="Thư mục ghi hồ sơ của cấp trên (.docx): tờ trình, biên bản kiểm tra (báo cáo thẩm định), "
                   "dự thảo quyết định công nhận kèm danh sách.")
@click.option("--docs-settings", "docs_settings", type=click.Path(exists=True, dir_okay=False),
              help="Tệp thiết lập hồ sơ (.json): authority, authority_head, signer, proposer, proposer_signer, place.")
@click.option("--authority", default="", help="Cơ quan có thẩm quyền công nhận (ghi trên hồ sơ).")
@click.option("--signer", default="", help="Họ tên người ký quyết định công nhận.")
@click.option("--trust", type=click.Path(exists=True, file_okay=False), metavar="THƯ_MỤC",
              help="Thư mục chứng thư gốc tin cậy (.pem/.crt/.cer) để kiểm tra hồ sơ PDF đã ký số của các xã.")
@click.option("--pdf", is_flag=True, help="Chuyển hồ sơ của cấp trên (--docs) sang PDF/A có ô chữ ký số, bằng "
                                          "LibreOffice (nếu máy có).")
def district(inputs, output, json_path, csv_path, communes_path, workers, check_form, checked_form, previous_path,
             docs_dir, docs_settings, authority, signer, trust, pdf, parquet_path=None):
    from cdht_excel.outputs.terminal import summary_lines
    _refuse_input_outputs(inputs, [Path(output), json_path, csv_path, check_form, parquet_path])
    out = _output_path(output, ".xlsx")
    if json_path:
        _output_path(json_path, ".json")
    if csv_path:
        _output_path(csv_path, ".csv")
    if parquet_path:
        _output_path(parquet_path, ".parquet")
    form_out = _output_path(check_form, ".xlsx") if check_form else None
    _refuse_clashing_outputs([("-o", out), ("--json", json_path), ("--csv", csv_path), ("--check-form", form_out),
                              ("--parquet", parquet_path)], docs_dir)
    expected = J.read_commune_list(communes_path) if communes_path else None
    try:
        job = J.run_district(inputs, out, json_path, csv_path, expected, workers, _progress_bar(),
                             checked_form=checked_form, previous_path=previous_path, check_form=form_out,
                             docs_dir=docs_dir, docs_settings=docs_settings, authority=authority, signer=signer,
                             parquet_path=parquet_path, trust=trust, pdf=pdf)
    except J.NothingRead as exc:
        _json_on_failure(json_path, exc)
        raise
    if job.form is not None and job.form_counts is not None:
        n_communes, n_rows = job.form_counts
        say(f"Đã ghi phiếu kiểm tra: {job.form} ({n_communes} xã, {n_rows} dòng).")
    if docs_dir:
        say(f"Đã ghi hồ sơ ({len(job.docs)} văn bản) vào {docs_dir}")
    for path in job.pdfs:
        say(f"Đã ghi PDF: {path}")
    if job.pdf_message:
        say(job.pdf_message)
    say(*summary_lines(job.data))
    say(f"Đã ghi: {out}" + (f"; JSON: {json_path}" if json_path else "") + (f"; CSV: {csv_path}" if csv_path else "")
        + (f"; Parquet: {parquet_path}" if parquet_path else ""))
    return job.exit_code


def _progress_bar():
    """A one-line progress bar on a terminal (stderr); nothing when output is redirected."""
    if not sys.stderr.isatty():
        return None

    def show(done, total):
        width = 30
        filled = int(width * done / max(1, total))
        sys.stderr.write(f"\rĐang đọc [{'#' * filled}{'.' * (width - filled)}] {done}/{total} tệp")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


# --------------------------------------------------------------------------- rubric

@cli.group(help="Bộ tiêu chí: xem, xuất ra Excel để sửa, kiểm tra.")
def rubric():
    pass


@rubric.command("list", help="Liệt kê các bộ tiêu chí có sẵn.")
def rubric_list():
    from cdht_excel.rules import rubric as R
    from cdht_excel.rules.model import vn_date
    from cdht_excel.rules.schemes import scheme_of
    for rid in R.BUILTIN_IDS:
        r = R.load(rid)
        status = f"hết hiệu lực từ {vn_date(r.repealed_from)}" if r.data.get("repealed_from") else \
            f"hiệu lực từ {vn_date(r.in_force_from)}"
        kind = scheme_of(r).describe(r)
        default = " (mặc định)" if rid == R.DEFAULT_RUBRIC else ""
        say(f"{rid}{default}: {r.legal_basis} – {kind}; {status}.")


@rubric.command("export", help="Ghi bộ tiêu chí ra tệp Excel để sửa (điểm tối đa, ngưỡng, căn cứ).")
@click.argument("rubric_ref", metavar="MÃ_HOẶC_TỆP", cls=VnArgument,
                description="Mã bộ tiêu chí có sẵn (tt44-2014, tt25-2023) hoặc tệp bộ tiêu chí riêng (.xlsx/.json).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="TỆP.xlsx|TỆP.json",
              help="Tệp sẽ ghi: .xlsx để sửa bằng Excel, hoặc .json.")
def rubric_export(rubric_ref, output):
    from cdht_excel.rules.rubric_sheet import write_rubric_workbook
    out = _output_path(output, ".xlsx", ".json")
    r = J.load_rubric(rubric_ref)
    if out.suffix.lower() == ".json":
        from cdht_excel.atomic import write_json
        _write(lambda p: write_json(p, r.data), out)
    else:
        _write(lambda p: write_rubric_workbook(r, p), out)
    say(f"Đã ghi bộ tiêu chí {r.id} (phiên bản {r.version}) ra {out}.")
    say(f"Sửa xong, kiểm tra bằng: cdht rubric check \"{out}\"")


@rubric.command("check", help="Kiểm tra một tệp bộ tiêu chí; liệt kê mọi lỗi (mã thoát 2 nếu có lỗi).")
@click.argument("path", metavar="TỆP", type=click.Path(dir_okay=False), cls=VnArgument,
                description="Tệp bộ tiêu chí (.xlsx hoặc .json) cần kiểm tra.")
def rubric_check(path):
    from cdht_excel.rules import rubric as R
    from cdht_excel.rules.schemes import scheme_of
    if not Path(path).is_file():
        raise Failed([F.make("rubric-unknown", rubric=path, known=", ".join(R.BUILTIN_IDS))])
    r = J.load_rubric(path)
    say(f"Bộ tiêu chí hợp lệ: {r.id} (phiên bản {r.version}), {len(r.criteria)} tiêu chí, "
               f"{len(r.items)} nội dung, mã băm {r.content_hash}.")
    line, notes = scheme_of(r).check_summary(r)
    if line:
        say(line)
    echo_findings(notes)


# --------------------------------------------------------------------------- web

@cli.command(help="Mở trang làm việc trong trình duyệt (chỉ trên máy này): tạo mẫu phiếu, tổng hợp, "
                  "xem tiến độ, tổng hợp nhiều xã, không cần gõ lệnh. Nhấn Ctrl+C để dừng.")
@click.option("--port", type=click.IntRange(0, 65535), default=None, metavar="CỔNG",
              help="Cổng (mặc định 8765, bận thì tự chọn cổng khác); 0 = tự chọn cổng trống.")
@click.option("--no-browser", is_flag=True, help="Không tự mở trình duyệt (chỉ in địa chỉ).")
def web(port, no_browser):
    from cdht_excel.web.server import PortBusy, serve
    try:
        return serve(port, open_browser=not no_browser, echo=click.echo)
    except PortBusy:
        raise Failed([F.make("web-port-busy", port=port)]) from None


# --------------------------------------------------------------------------- the province service
# (`cdht service …` and `cdht serve`: thin commands over cdht_excel/service; SERVICE.md §3)

def _data_options(func):
    func = click.option("--db", "db_url", metavar="URL", default=None,
                        help="Cơ sở dữ liệu PostgreSQL (postgresql://…); mặc định SQLite trong thư mục dữ liệu.")(func)
    return click.option("--data", "data_dir", type=click.Path(file_okay=False), metavar="THƯ_MỤC", default=None,
                        help="Thư mục dữ liệu của dịch vụ (tệp đã gửi, và cơ sở dữ liệu SQLite nếu không có --db).")(func)


def _service_call(action):
    """Run one service action; its refusal is printed in Vietnamese (exit 2), never a traceback."""
    from cdht_excel.service.context import Refused
    try:
        return action()
    except Refused as exc:
        raise click.ClickException(exc.message) from None


def _open_service(data_dir, db_url):
    from cdht_excel.service.context import open_service
    return _service_call(lambda: open_service(data_dir, db_url))


@cli.group("service", help="Dịch vụ cấp tỉnh: khởi tạo, danh sách xã, thiết lập năm, tài khoản, sao lưu, nhật ký.")
def service_group():
    pass


@service_group.command("init", help="Khởi tạo dịch vụ cho một tỉnh trong THƯ_MỤC (và cơ sở dữ liệu --db nếu có).")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), metavar="THƯ_MỤC", required=True,
              help="Thư mục dữ liệu của dịch vụ (tạo mới nếu chưa có).")
@click.option("--db", "db_url", metavar="URL", default=None, help="PostgreSQL (postgresql://…); mặc định SQLite.")
@click.option("--province", required=True, metavar="TÊN", help="Tên tỉnh/thành phố, ví dụ “Tỉnh Lào Cai”.")
@click.option("--province-code", default="", metavar="MÃ", help="Mã tỉnh (nếu có).")
def service_init(data_dir, db_url, province, province_code):
    from cdht_excel.service.context import init
    svc = _service_call(lambda: init(data_dir, db_url, province, province_code))
    svc.close()
    click.echo(f"Đã khởi tạo dịch vụ của “{province}” trong “{data_dir}”. Tiếp theo: cdht service communes import …")


@service_group.group("communes", help="Danh sách xã, phường, đặc khu của tỉnh.")
def service_communes():
    pass


@service_communes.command("import", help="Nhập danh sách xã từ tệp .xlsx/.csv (ba cột: mã, tên, loại xã/phường/đặc khu).")
@click.argument("file", metavar="TỆP", type=click.Path(dir_okay=False, exists=True), cls=VnArgument,
                description="Danh sách xã: .xlsx hoặc .csv, mỗi dòng mã, tên, loại (xã/phường/đặc khu).")
@_data_options
def service_communes_import(file, data_dir, db_url):
    from cdht_excel.service.admin import import_communes
    svc = _open_service(data_dir, db_url)
    try:
        added, updated = _service_call(lambda: import_communes(svc, file))
    finally:
        svc.close()
    click.echo(f"Đã nhập danh sách xã: thêm {added}, cập nhật {updated}.")


@service_group.group("year", help="Thiết lập từng năm đánh giá.")
def service_year():
    pass


@service_year.command("set", help="Thiết lập một năm: bộ tiêu chí, hạn nộp, cơ quan công nhận, người ký.")
@click.argument("year", metavar="NĂM", type=click.IntRange(2000, 2100), cls=VnArgument,
                description="Năm đánh giá, ví dụ 2026.")
@click.option("--rubric", required=True, metavar="MÃ_HOẶC_TỆP", help="Bộ tiêu chí: mã có sẵn (vd. tt44-2014) hoặc tệp.")
@click.option("--deadline", default=None, metavar="NNNN-TT-NN", help="Hạn nộp hồ sơ (TT 25/2023 Điều 9: trước 28/02 năm sau).")
@click.option("--authority", default=None, metavar="TÊN",
              help="Cơ quan công nhận (không có thì để trống: hồ sơ ghi là còn thiếu).")
@click.option("--signer", default=None, metavar="TÊN", help="Người ký quyết định công nhận.")
@_data_options
def service_year_set(year, rubric, deadline, authority, signer, data_dir, db_url):
    from cdht_excel.service.admin import missing_settings, set_year
    svc = _open_service(data_dir, db_url)
    try:
        row = _service_call(lambda: set_year(svc, year, rubric, deadline, authority, signer))
    finally:
        svc.close()
    click.echo(f"Đã thiết lập năm {year}: bộ tiêu chí {row['rubric_name']}, hạn nộp {row['deadline'] or '(chưa có)'}.")
    missing = missing_settings(row)
    if missing:
        click.echo(f"Còn thiếu: {', '.join(missing)} (hồ sơ sẽ ghi là còn thiếu, không tự điền).")


@service_group.group("user", help="Tài khoản: admin, checker, viewer, secretary (thư ký một xã).")
def service_user():
    pass


@service_user.command("add", help="Thêm tài khoản; mật khẩu đọc từ đầu vào (--password-stdin) hoặc tạo ngẫu nhiên và in một lần.")
@click.argument("login", metavar="TÊN_ĐĂNG_NHẬP", cls=VnArgument,
                description="Tên đăng nhập của tài khoản mới (không dấu cách).")
@click.option("--role", required=True, type=click.Choice(["admin", "checker", "viewer", "secretary"]), help="Vai trò.")
@click.option("--commune", default=None, metavar="MÃ_XÃ", help="Xã của thư ký (bắt buộc với secretary).")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ đầu vào chuẩn (một dòng).")
@_data_options
def service_user_add(login, role, commune, password_stdin, data_dir, db_url):
    from cdht_excel.service.accounts import add_user
    _with_password(password_stdin, data_dir, db_url, lambda svc, password: add_user(svc, login, role, commune, password),
                   f"Đã thêm tài khoản “{login}” ({role}{', xã ' + commune if commune else ''}).", "Mật khẩu")


def _with_password(password_stdin: bool, data_dir, db_url, action, done: str, shown: str) -> None:
    """A password read from standard input (--password-stdin) or generated, given to `action(service, password)`;
    a generated one is printed once, after `done`."""
    from cdht_excel.service.security import new_password
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else new_password()
    svc = _open_service(data_dir, db_url)
    try:
        _service_call(lambda: action(svc, password))
    finally:
        svc.close()
    click.echo(done)
    if not password_stdin:
        click.echo(f"{shown} (chỉ in một lần, hãy gửi riêng cho người dùng): {password}")


@service_user.command("reset-password", help="Đặt lại mật khẩu của một tài khoản (mật khẩu mới đọc từ đầu vào "
                      "với --password-stdin, hoặc tạo ngẫu nhiên và in một lần); các phiên đăng nhập của tài khoản đó kết thúc.")
@click.argument("login", metavar="TÊN_ĐĂNG_NHẬP", cls=VnArgument, description="Tài khoản cần đặt lại mật khẩu.")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu mới từ đầu vào chuẩn (một dòng).")
@_data_options
def service_user_reset_password(login, password_stdin, data_dir, db_url):
    from cdht_excel.service.accounts import reset_password
    _with_password(password_stdin, data_dir, db_url, lambda svc, password: reset_password(svc, login, password),
                   f"Đã đặt lại mật khẩu của “{login}”; các phiên đăng nhập cũ đã kết thúc.", "Mật khẩu mới")


@service_user.command("lock", help="Khóa một tài khoản (người đã chuyển công tác): không đăng nhập được, phiên và mã "
                      "API của tài khoản thôi dùng được ngay; những gì tài khoản đã làm vẫn giữ nguyên.")
@click.argument("login", metavar="TÊN_ĐĂNG_NHẬP", cls=VnArgument, description="Tài khoản cần khóa.")
@_data_options
def service_user_lock(login, data_dir, db_url):
    _set_active(login, False, data_dir, db_url)


@service_user.command("unlock", help="Mở khóa một tài khoản đã khóa.")
@click.argument("login", metavar="TÊN_ĐĂNG_NHẬP", cls=VnArgument, description="Tài khoản cần mở khóa.")
@_data_options
def service_user_unlock(login, data_dir, db_url):
    _set_active(login, True, data_dir, db_url)


def _set_active(login: str, active: bool, data_dir, db_url) -> None:
    from cdht_excel.service.accounts import set_active
    svc = _open_service(data_dir, db_url)
    try:
        _service_call(lambda: set_active(svc, login, active))
    finally:
        svc.close()
    click.echo(f"Đã {'mở khóa' if active else 'khóa'} tài khoản “{login}”.")


@service_group.group("token", help="Mã API cho các chương trình (tiêu đề Authorization: Bearer …).")
def service_token():
    pass


@service_token.command("add", help="Tạo một mã API cho tài khoản (in một lần; chỉ lưu mã băm).")
@click.argument("login", metavar="TÊN_ĐĂNG_NHẬP", cls=VnArgument,
                description="Tài khoản mà mã API thay mặt.")
@click.option("--label", default="", metavar="GHI_CHÚ", help="Dùng cho việc gì (ghi vào nhật ký).")
@_data_options
def service_token_add(login, label, data_dir, db_url):
    from cdht_excel.service.accounts import add_token
    svc = _open_service(data_dir, db_url)
    try:
        token = _service_call(lambda: add_token(svc, login, label))
    finally:
        svc.close()
    click.echo(token)


@service_group.group("trust", help="Chứng thư gốc tin cậy của các tổ chức cung cấp dịch vụ chứng thực chữ ký số: "
                     "hồ sơ đã ký số của xã được xác minh theo các chứng thư này.")
def service_trust():
    pass


@service_trust.command("add", help="Thêm chứng thư gốc (.pem, .crt, .cer, .der; một tệp PEM có thể chứa nhiều chứng thư).")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False), metavar="TỆP...",
                cls=VnArgument, description="Tệp chứng thư gốc do tổ chức cung cấp dịch vụ chứng thực công bố.")
@_data_options
def service_trust_add(files, data_dir, db_url):
    from cdht_excel.service.signed import add_roots
    svc = _open_service(data_dir, db_url)
    try:
        from cdht_excel.text import nfc
        added = _service_call(lambda: add_roots(svc, [(nfc(Path(f).name), Path(f).read_bytes()) for f in files],
                                                "cdht service"))
    finally:
        svc.close()
    for root in added:
        click.echo(f"Đã thêm: {root['subject']} (hết hạn {root['not_after']}; mã {root['sha256'][:16]}…)")
    if not added:
        click.echo("Các chứng thư này đã có trong danh sách tin cậy.")


@service_trust.command("list", help="Liệt kê các chứng thư gốc đang tin cậy.")
@_data_options
def service_trust_list(data_dir, db_url):
    from cdht_excel.service.signed import list_roots
    svc = _open_service(data_dir, db_url)
    try:
        with svc.database.read() as conn:
            roots = list_roots(conn)
    finally:
        svc.close()
    if not roots:
        click.echo("Chưa có chứng thư gốc nào: chữ ký trên hồ sơ chỉ xác định được là hợp lệ về kỹ thuật, "
                   "chưa xác minh được cơ quan cấp.")
    for root in roots:
        click.echo(f"{root['sha256']}  {root['subject']} (hết hạn {root['not_after']}; thêm bởi {root['added_by']})")


@service_trust.command("remove", help="Thôi tin cậy một chứng thư gốc (mã SHA-256 như “cdht service trust list” in ra).")
@click.argument("sha256", metavar="MÃ", cls=VnArgument, description="Mã SHA-256 của chứng thư.")
@_data_options
def service_trust_remove(sha256, data_dir, db_url):
    from cdht_excel.service.signed import remove_root
    svc = _open_service(data_dir, db_url)
    try:
        root = _service_call(lambda: remove_root(svc, sha256, "cdht service"))
    finally:
        svc.close()
    click.echo(f"Đã thôi tin cậy: {root['subject']}.")


@service_group.command("backup", help="Sao lưu toàn bộ dịch vụ (dữ liệu và tệp) vào một tệp .zip, kể cả khi đang chạy.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="TỆP", help="Tệp sao lưu (.zip).")
@_data_options
def service_backup(output, data_dir, db_url):
    from cdht_excel.service.backup import backup
    svc = _open_service(data_dir, db_url)
    try:
        counts = _service_call(lambda: backup(svc, output))
    finally:
        svc.close()
    click.echo(f"Đã sao lưu vào “{output}”: {counts['communes']} xã, {counts['uploads']} phiếu đã gửi, "
               f"{counts['files']} tệp, {counts['audit']} mục nhật ký.")


@service_group.command("restore", help="Khôi phục một bản sao lưu vào thư mục dữ liệu MỚI (và cơ sở dữ liệu trống).")
@click.argument("file", metavar="TỆP", type=click.Path(dir_okay=False, exists=True), cls=VnArgument,
                description="Tệp sao lưu (.zip) do “cdht service backup” tạo.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), metavar="THƯ_MỤC", required=True,
              help="Thư mục dữ liệu mới (phải trống).")
@click.option("--db", "db_url", metavar="URL", default=None, help="PostgreSQL trống (postgresql://…); mặc định SQLite.")
def service_restore(file, data_dir, db_url):
    from cdht_excel.service.backup import restore
    counts = _service_call(lambda: restore(file, data_dir, db_url))
    click.echo(f"Đã khôi phục vào “{data_dir}”: {counts['communes']} xã, {counts['uploads']} phiếu, {counts['files']} tệp.")


@service_group.group("audit", help="Nhật ký thao tác (chỉ thêm, nối chuỗi mã băm).")
def service_audit():
    pass


@service_audit.command("verify", help="Kiểm tra chuỗi mã băm của nhật ký: phát hiện mục bị sửa hoặc bị xóa (mã thoát 1).")
@_data_options
def service_audit_verify(data_dir, db_url):
    from cdht_excel.service.audit import verify
    svc = _open_service(data_dir, db_url)
    try:
        with svc.database.read() as conn:
            verdict = verify(conn)
    finally:
        svc.close()
    if verdict.ok:
        click.echo(f"Nhật ký nguyên vẹn: {verdict.count} mục, chuỗi mã băm khớp.")
        return EXIT_OK
    for problem in verdict.problems:
        click.echo(f"[Lỗi] {problem}", err=True)
    click.echo(f"Nhật ký đã bị thay đổi: {len(verdict.problems)} chỗ không khớp trong {verdict.count} mục.", err=True)
    return EXIT_FINDINGS


@cli.command("serve", help="Chạy dịch vụ cấp tỉnh (trang web và API) cho mọi xã của tỉnh. Nhấn Ctrl+C để dừng.")
@_data_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ lắng nghe.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Cổng.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="Số luồng phục vụ.")
@click.option("--behind-proxy", is_flag=True,
              help="Chạy sau máy chủ HTTPS (nginx…): tin tiêu đề X-Forwarded-*, cookie chỉ gửi qua HTTPS.")
def serve_command(data_dir, db_url, host, port, threads, behind_proxy):
    from cdht_excel.service.server import serve
    return _service_call(lambda: serve(data_dir, db_url, host, port, threads, behind_proxy, echo=click.echo))


# --------------------------------------------------------------------------- entry point

# --------------------------------------------------------------------------- signing (cdht_excel.signing)

SIGN_EXTRA_MISSING = "Máy chưa có thư viện ký số: cài bằng lệnh pip install \"cdht-excel[sign]\" rồi chạy lại."


def _signing_available() -> None:
    from cdht_excel.signing.prepare import available
    if not available():
        raise click.ClickException(SIGN_EXTRA_MISSING)


@cli.command(help="Ký số hồ sơ PDF (do “cdht merge … --pdf” tạo) vào ô chữ ký theo Nghị định 30/2020: bằng tệp "
                  "chứng thư .p12/.pfx hoặc token USB (thư viện PKCS#11 của nhà cung cấp). Mật khẩu/PIN được hỏi "
                  "khi chạy, không ghi trên dòng lệnh.")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False), metavar="TỆP.pdf", cls=VnArgument,
                description="Hồ sơ PDF cần ký (tệp gốc không bị sửa).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="TỆP_ĐÃ_KÝ.pdf",
              help="Tệp PDF đã ký (tệp gốc giữ nguyên).")
@click.option("--p12", "p12", type=click.Path(exists=True, dir_okay=False), metavar="TỆP.p12",
              help="Tệp chứng thư số .p12/.pfx.")
@click.option("--pkcs11-lib", "pkcs11_lib", type=click.Path(exists=True, dir_okay=False), metavar="THƯ_VIỆN",
              help="Thư viện PKCS#11 của token (.dll/.so của nhà cung cấp).")
@click.option("--token-label", default=None, help="Nhãn token (khi cắm nhiều token).")
@click.option("--key-label", default=None, help="Nhãn khóa/chứng thư trên token (khi token có nhiều chứng thư).")
@click.option("--field", default=None, help="Tên ô chữ ký (mặc định: ô chữ ký còn trống đầu tiên của người ký; "
                                            "ô dấu của cơ quan tên “dau-1”…).")
@click.option("--signature-image", type=click.Path(exists=True, dir_okay=False), metavar="ẢNH.png",
              help="Ảnh chữ ký (màu xanh) hiện trong ô chữ ký của người ký.")
@click.option("--seal-image", type=click.Path(exists=True, dir_okay=False), metavar="ẢNH.png",
              help="Ảnh con dấu (màu đỏ) hiện trong ô dấu của cơ quan.")
@click.option("--pin-stdin", is_flag=True, help="Đọc mật khẩu/PIN từ dòng đầu của đầu vào chuẩn (cho tập lệnh).")
def sign(pdf, output, p12, pkcs11_lib, token_label, key_label, field, signature_image, seal_image, pin_stdin):
    _signing_available()
    from cdht_excel.signing import sign as G
    if bool(p12) == bool(pkcs11_lib):
        raise click.UsageError("Chọn đúng một nguồn khóa: --p12 TỆP hoặc --pkcs11-lib THƯ_VIỆN.")
    _refuse_input_outputs([pdf], [Path(output)])
    target = _output_path(output, ".pdf")
    session = None
    try:
        data = Path(pdf).read_bytes()
        chosen = G.choose_field(data, field)
        image = seal_image if chosen.startswith("dau") else signature_image
        if p12:
            signer = G.p12_signer(p12, G.read_pin("Mật khẩu tệp chứng thư: ", pin_stdin).encode("utf-8"))
        else:
            if not pin_stdin and G.uses_pin_pad(pkcs11_lib, token_label):
                click.echo("Nhập mã PIN trên bàn phím của token.")
                pin = G.pin_pad()
            else:
                pin = G.read_pin("Mã PIN của token: ", pin_stdin)
            session, signer = G.pkcs11_signer(pkcs11_lib, pin, token_label, key_label)
        G.sign_file(pdf, target, signer, chosen, image)
    except G.SignError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        return EXIT_FAILED
    finally:
        if session is not None:
            session.close()
    click.echo(f"Đã ký vào ô “{chosen}”: {target}")
    return EXIT_OK


@cli.command(help="Kiểm tra hồ sơ PDF đã ký số: chữ ký còn nguyên vẹn, không bị sửa sau khi ký, chứng thư do cơ "
                  "quan cấp tin cậy cấp, và kết quả đánh giá mang trong hồ sơ được tính lại. Mã thoát 0 khi mọi "
                  "tệp đều hợp lệ, 1 khi có vấn đề, 2 khi không đọc được tệp nào.")
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(dir_okay=False), metavar="TỆP.pdf...",
                cls=VnArgument, description="Một hoặc nhiều hồ sơ PDF đã ký số cần kiểm tra.")
@click.option("--trust", type=click.Path(exists=True, file_okay=False), metavar="THƯ_MỤC",
              help="Thư mục chứng thư gốc tin cậy (.pem/.crt/.cer/.der).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), metavar="TỆP.json", help="Ghi kết quả JSON.")
def verify(pdfs, trust, json_path):
    _signing_available()
    from cdht_excel.atomic import write_json
    from cdht_excel.outputs.terminal import verify_lines
    job = J.run_verify(pdfs, trust)
    for line in verify_lines(job.data):
        click.echo(line)
    if json_path:
        _write(lambda p: write_json(p, job.data), _output_path(json_path, ".json"))
        click.echo(f"Đã ghi: {json_path}")
    return job.exit_code


def _stop_on_sigterm() -> None:
    """SIGTERM ends a run like Ctrl-C: temporary files removed, workers stopped, "Đã dừng.", no traceback."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt
    try:
        signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError, AttributeError):   # not the main thread, or no SIGTERM here
        pass


def main(argv=None) -> None:
    _stop_on_sigterm()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    try:
        code = cli.main(args=argv, prog_name="cdht", standalone_mode=False)
    except Failed as exc:
        echo_findings(exc.findings)
        code = EXIT_FAILED
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Đã dừng.", err=True)
        code = EXIT_FAILED
    except NO_ARGS_IS_HELP as exc:   # `cdht` or `cdht plan` alone: the help, no error
        click.echo(exc.ctx.get_help())
        code = EXIT_OK
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        say(f"Lỗi: {usage_error_text(exc)}", err=True)
        if ctx is not None:
            click.echo(f"Xem hướng dẫn: {ctx.command_path} --help", err=True)
        code = EXIT_FAILED
    except Exception as exc:   # never a traceback for users; CDHT_DEBUG=1 shows it
        if os.environ.get("CDHT_DEBUG"):
            raise
        say(f"Lỗi không mong đợi ({type(exc).__name__}): {exc}. Vui lòng gửi lệnh đã chạy và tệp đầu vào "
            "cho người hỗ trợ; đặt CDHT_DEBUG=1 để xem chi tiết.", err=True)
        code = EXIT_FAILED
    sys.exit(code if isinstance(code, int) else EXIT_OK)

"""The dossier (hồ sơ): tờ trình, báo cáo and biên bản / bản tổng hợp as .docx, and PDF via LibreOffice.

`write_dossier(assessment, report, out_dir)` fills the templates of `doc_templates/` (docxtpl: Jinja in
.docx, built by `doc_templates/build_templates.py`) with the merge result and the plan, and returns the
paths written. A commune's own templates (`--docs-templates DIR`, same file names) replace the built-in
ones; a missing one falls back to the built-in one.

Which documents (the rubric's scheme decides; custom rubrics follow their scheme):
- points (TT 44/2014 Điều 5.1): tờ trình to UBND huyện asking to "kiểm tra, đánh giá, xếp loại" at the
  class reached; báo cáo with the chairman's confirmation (Điều 5.1.b); biên bản tự kiểm tra.
- levels (TT 25/2023 Điều 9.1.d): tờ trình to Phòng GD&ĐT asking to recognise the level reached (the
  level requested is the level met); báo cáo tự đánh giá; bản tổng hợp kết quả đánh giá các tiêu chí,
  chỉ tiêu (đạt / không đạt per indicator at level 1 and 2). Also the biên bản of the meeting of
  Điều 9.1.c, which the commune keeps (it is not one of the three components of Điều 9.1.d).

Dates: day and month are left blank for the secretary. The year is the assessment year for points
rubrics (TT 44 Điều 4.4: the assessment and its meeting are in December of that year) and the year after
for levels rubrics (TT 25 Điều 9.1.b, d: the data run to 31/12 and the dossier is filed before 28/02 of
the following year).

A result that is incomplete, unclassified, has errors, or (levels) reaches no level is never written as
a clean dossier: every document carries a red "DỰ THẢO — chưa đủ điều kiện" notice listing what is
missing, and its file name starts with "DỰ THẢO - ".

Text from the inputs is inserted as text (docxtpl autoescape on; control characters removed), never as
fields: an evidence "=HYPERLINK(…)" is printed as typed.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from cdht_excel.atomic import atomic_path
from cdht_excel.rules import findings as F
from cdht_excel.rules.schemes import UNCLASSIFIED, scheme_of
from cdht_excel.signing import pdfa
from cdht_excel.text import ascii_fold, format_number, nfc, safe_filename

TEMPLATE_PACKAGE_DIR = "doc_templates"
DRAFT_PREFIX = "DỰ THẢO - "
SOFFICE_TIMEOUT = 180
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_MISSING_LINES = 25
DOTS = "……………………………"

NO_SOFFICE_MESSAGE = ("Không tìm thấy LibreOffice (soffice) nên chưa chuyển được hồ sơ sang PDF: cài LibreOffice "
                      "hoặc mở tệp .docx bằng Word rồi Lưu thành PDF (Save As → PDF).")


@dataclass(frozen=True)
class DocSpec:
    template: str      # file name in doc_templates/ (and in --docs-templates)
    name: str          # start of the output file name


DOCS = {
    "points": (DocSpec("to-trinh.docx", "Tờ trình"),
               DocSpec("bao-cao.docx", "Báo cáo"),
               DocSpec("bien-ban.docx", "Biên bản tự kiểm tra")),
    "levels": (DocSpec("to-trinh-tt25.docx", "Tờ trình"),
               DocSpec("bao-cao-tt25.docx", "Báo cáo tự đánh giá"),
               DocSpec("ban-tong-hop-tt25.docx", "Bản tổng hợp tiêu chí, chỉ tiêu"),
               DocSpec("bien-ban-tt25.docx", "Biên bản họp tự đánh giá")),
}

STATUS_TEXT = {"missing": "Chưa có", "invalid": "Dữ liệu sai", "conflict": "Xung đột"}


DossierError = F.Failed   # a template of the commune that cannot be used; findings say why


# --------------------------------------------------------------------------- writing

def specs_for(scheme: str) -> tuple[DocSpec, ...]:
    return DOCS[scheme]


def builtin_template(name: str) -> bytes:
    return resources.files("cdht_excel.commune").joinpath(TEMPLATE_PACKAGE_DIR).joinpath(name).read_bytes()


def file_names(report: dict, scheme: str, draft: bool) -> list[str]:
    """The .docx names of the dossier, e.g. 'Tờ trình - xã Đồng Thịnh - 2024.docx'."""
    commune = f"{report.get('commune_kind') or 'xã'} {report['commune']}".strip()
    prefix = DRAFT_PREFIX if draft else ""
    return [safe_filename(f"{prefix}{spec.name} - {commune} - {report['year']}", max_length=120) + ".docx"
            for spec in specs_for(scheme)]


def write_dossier(assessment, report: dict, out_dir, templates_dir=None, assessing_body: str | None = None) -> list[Path]:
    """Render every document of the dossier into `out_dir`; return the paths written.

    Every template is rendered before anything is written: a broken template of the commune raises
    F.Failed and leaves the folder as it was. Files of an earlier run under this dossier's names
    (the draft or clean counterpart, and same-named PDFs) are removed, so an outdated document never
    sits beside the current one.
    """
    out_dir = Path(out_dir)
    scheme = assessment.rubric.scheme
    context = build_context(assessment, report, assessing_body)
    rendered, problems = [], []
    for spec in specs_for(scheme):
        source, data = _template(spec.template, templates_dir)
        try:
            rendered.append(render(data, context, title=f"{spec.name} – {context['commune_label']} – "
                                                        f"{context['year']}"))
        except Exception as exc:  # a commune's template: any failure is reported, never a traceback
            if source is None:
                raise
            problems.append(F.make("docs-template-invalid", file=str(source), detail=template_error(exc)))
    if problems:
        raise F.Failed(problems)
    names = file_names(report, scheme, context["draft"])
    stale = file_names(report, scheme, not context["draft"])
    targets = [out_dir / name for name in names]
    _write_all(out_dir, targets, rendered)
    for target, old in zip(targets, stale):
        # a dossier of an earlier run must not sit beside this one looking current
        for leftover in (out_dir / old, (out_dir / old).with_suffix(".pdf"), target.with_suffix(".pdf")):
            if leftover.is_file():
                leftover.unlink()
    return targets


def _write_all(out_dir: Path, targets: list[Path], contents: list[bytes]) -> None:
    """Every document written, or none: each goes to a temporary file first, and only when all are
    written (a full disk fails one of them) are they moved into place. A folder made for them and
    left empty is removed."""
    made = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with contextlib.ExitStack() as stack:
            for target, data in zip(targets, contents):
                stack.enter_context(atomic_path(target)).write_bytes(data)
    except BaseException:
        if made and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise


def _template(name: str, templates_dir) -> tuple[Path | None, bytes]:
    """(the commune's file or None for the built-in one, its bytes)."""
    if templates_dir:
        candidate = Path(templates_dir) / name
        if candidate.is_file():
            return candidate, candidate.read_bytes()
    return None, builtin_template(name)


def render(template: bytes, context: dict, title: str = "") -> bytes:
    """One filled document as .docx bytes (docxtpl, autoescape, unknown variables are errors)."""
    from docxtpl import DocxTemplate
    from jinja2 import Environment, StrictUndefined

    tpl = DocxTemplate(io.BytesIO(template))
    tpl.render(context, jinja_env=Environment(undefined=StrictUndefined, autoescape=True), autoescape=True)
    props = tpl.docx.core_properties
    if title:
        props.title = title
    props.author = props.last_modified_by = "cdht-excel"
    stamp = datetime(int(context["year"]), 12, 31)
    props.created = props.modified = stamp
    raw = io.BytesIO()
    tpl.save(raw)
    return fixed_zip(raw.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """The same .docx with fixed zip timestamps (same inputs, same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def template_error(exc: Exception) -> str:
    """A Vietnamese one-liner for what is wrong in a commune's template."""
    from jinja2 import TemplateSyntaxError, UndefinedError
    if isinstance(exc, UndefinedError):
        m = re.search(r"'([^']+)' (?:is undefined|has no attribute '([^']+)')", str(exc))
        if m and m.group(2):
            return f"thẻ dùng thuộc tính “{m.group(2)}” không có trong dữ liệu hồ sơ (gõ sai tên?)"
        name = m.group(1) if m else str(exc)
        return f"thẻ dùng biến “{name}” không có trong dữ liệu hồ sơ (gõ sai tên?)"
    if isinstance(exc, TemplateSyntaxError):
        near = " ".join(line.strip() for line in getattr(exc, "docx_context", []) if line.strip())
        where = f", gần đoạn “{near[:120]}”" if near else ""
        message = exc.message or ""
        if message.startswith("Unexpected end of template"):
            what = "thiếu thẻ đóng như {% endif %} hoặc {% endfor %}"
        elif "unknown tag" in message:
            tag = re.search(r"tag '([^']+)'", message)
            what = f"thẻ “{tag.group(1) if tag else '?'}” không có hoặc không đúng chỗ"
        else:
            what = "cú pháp thẻ sai"
        return f"thẻ {{% … %}} hoặc {{{{ … }}}} viết sai: {what}{where}"
    if isinstance(exc, (zipfile.BadZipFile, KeyError, ValueError)) or type(exc).__name__ == "PackageNotFoundError":
        return "không phải tệp Word .docx"
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- the context

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def text(value) -> str:
    """Input text as one safe line: NFC, no control characters (docxtpl would turn \\a, \\f into breaks)."""
    if value is None:
        return ""
    value = nfc(str(value)).replace("\r\n", "\n").replace("\t", " ").replace("\n", " ")
    return re.sub(r" {2,}", " ", _CONTROL.sub("", value)).strip()


def split_district(district: str) -> tuple[str, str]:
    """'Đồng Hỷ' -> ('huyện', 'Đồng Hỷ'); 'thị xã Sơn Tây' -> ('thị xã', 'Sơn Tây')."""
    district = text(district)
    folded = ascii_fold(district).lower()
    for kind in ("huyện", "quận", "thị xã", "thành phố"):
        if folded.startswith(ascii_fold(kind) + " "):
            return kind, district[len(kind) + 1:].strip()
    return "huyện", district


def formal_document(short: str) -> str:
    """'TT 44/2014/TT-BGDĐT' -> 'Thông tư số 44/2014/TT-BGDĐT'."""
    short = text(short)
    m = re.match(r"^(?:TT|Thông tư)\s+(?:số\s+)?(\S+)$", short)
    if m:
        return f"Thông tư số {m.group(1)}"
    m = re.match(r"^(?:NĐ|Nghị định)\s+(?:số\s+)?(\S+)$", short)
    if m:
        return f"Nghị định số {m.group(1)}"
    return short


def vn_citation(citation: str) -> str:
    """'TT 44/2014/TT-BGDĐT, Điều 4 khoản 3 điểm a (85–100, …)' -> 'điểm a khoản 3 Điều 4 Thông tư số 44/2014/TT-BGDĐT'.

    Vietnamese legal style names the smallest part first. Anything not in that shape is kept as it is.
    """
    citation = re.sub(r"\s*\([^()]*\)\s*$", "", text(citation))
    if ", " not in citation:
        return citation
    document, where = citation.split(", ", 1)
    parts = []
    for part in where.split(";"):
        m = re.match(r"^\s*Điều (\d+)(?: khoản (\d+))?(?: điểm (\w))?\s*$", part)
        if not m:
            return f"{where} {formal_document(document)}"
        bits = [f"điểm {m.group(3)}"] if m.group(3) else []
        bits += [f"khoản {m.group(2)}"] if m.group(2) else []
        bits.append(f"Điều {m.group(1)}")
        parts.append(" ".join(bits))
    return f"{', '.join(parts)} {formal_document(document)}"


def _legal_basis(rubric) -> tuple[str, str]:
    """(‘Thông tư số 44/2014/TT-BGDĐT ngày … của Bộ …’, 'Thông tư số 44/2014/TT-BGDĐT')."""
    basis = text(rubric.data.get("legal_basis") or rubric.id)
    m = re.match(r"^(Thông tư|Nghị định|Quyết định)\s+(?:số\s+)?(\S+)(.*)$", basis)
    if m:
        return f"{m.group(1)} số {m.group(2)}{m.group(3)}", f"{m.group(1)} số {m.group(2)}"
    return basis, basis


def _count(value) -> str:
    """10000 -> '10.000' (Vietnamese thousands separator)."""
    return format_number(int(round(value)), grouped=True)


def _person(name: str) -> str:
    return f"Ông (bà) {name}" if name else f"Ông (bà) {DOTS}"


def _ids(ids) -> str:
    return ", ".join(ids)


def build_context(a, report: dict, assessing_body: str | None = None) -> dict:
    """Everything the templates use, from the JSON report (the contract) and the plan."""
    plan, rubric = a.plan, a.rubric
    points = scheme_of(rubric).scored
    year = int(report["year"])
    kind = text(report.get("commune_kind")) or "xã"
    commune = text(report["commune"])
    commune_label = f"{kind} {commune}"
    district_kind, district_name = split_district(report.get("district") or "")
    district_label = f"{district_kind} {district_name}" if district_name else ""
    legal_full, circular = _legal_basis(rubric)
    title = text(rubric.data.get("title") or "")
    cls = report["classification"]
    citation = text(a.classification.citation)
    ctx = {
        "commune": commune, "commune_kind": kind, "commune_kind_upper": kind.upper(),
        "commune_label": commune_label, "commune_title": commune_label[:1].upper() + commune_label[1:],
        "body_line": commune_label.upper(), "place": commune,
        "district": district_name, "district_label": district_label,
        # UBND xã heads its documents with its own name only: it has no "cơ quan chủ quản" line
        # (NĐ 30/2020, Phụ lục I). A commune that wants one can fill this tag in its own template.
        "district_line": "",
        "district_short": district_label or district_kind,
        "province": text(report.get("province")),
        "year": year, "doc_year": year if points else year + 1,
        "rubric": text(report["rubric"]), "circular": circular,
        "legal_ref": f"{legal_full} quy định về {title[:1].lower()}{title[1:]}" if title else legal_full,
        "dossier_citation": vn_citation(rubric.data.get("dossier_citation") or ""),
        "chair": text(plan.chair), "chair_person": _person(text(plan.chair)),
        # who chairs the meeting: the Chủ tịch (TT 44, the seed's plan) or a leader of the UBND (TT 25 Điều 9.1.c)
        "chair_role": f"Chủ tịch Ủy ban nhân dân {kind}" if points else f"đại diện lãnh đạo Ủy ban nhân dân {kind}",
        "promotion_chair": text(plan.promotion_chair),
        "secretary": "",
        "class_code": cls["code"], "class_label": _class_label(cls), "class_label_upper": _class_label(cls).upper(),
        **_class_parts(cls),
        "class_citation_note": f" (theo {vn_citation(citation)})" if citation else "",
        "units": [{"name": text(u["name"]), "criteria": list(u["criteria"]), "person": text(u.get("person"))}
                  for u in report["units"]],
    }
    ctx.update(recipient_context(plan, points, year, district_kind, district_label, assessing_body))
    ctx.update(_issuer_context(plan, points, ctx))
    ctx.update(_points_context(report) if points else _levels_context(a, report, ctx))
    ctx["participants"] = _participants(plan, report, points, ctx)
    ctx.update(_draft(report, points, ctx))
    return ctx


REFORM_DATE = date(2025, 7, 1)       # two-tier local government: no districts from 01/07/2025
PLACEHOLDER_BODY = "[Cơ quan đánh giá, công nhận]"


def dossier_date(year: int, points: bool) -> date:
    """When the dossier is made: December of the year (TT 44 Điều 4.4), or from 01/01 of the next year,
    before 28/02 (TT 25 Điều 9.1.b, d)."""
    return date(year, 12, 1) if points else date(year + 1, 1, 1)


def after_reform(year: int, points: bool) -> bool:
    return dossier_date(year, points) >= REFORM_DATE


def body_missing(plan, rubric, assessing_body: str | None = None) -> bool:
    """A dossier dated after the reform with no assessing body: it must stay a placeholder."""
    body = text(assessing_body if assessing_body is not None else plan.assessing_body)
    return not body and plan.year is not None and after_reform(int(plan.year), scheme_of(rubric).scored)


def plan_findings(plan, rubric, assessing_body: str | None = None) -> list[F.Finding]:
    """What the dossier cannot know from the plan (a warning; the documents keep a placeholder)."""
    if body_missing(plan, rubric, assessing_body):
        return [F.make("assessing-body-missing", year=plan.year, placeholder=PLACEHOLDER_BODY)]
    return []


def recipient_context(plan, points: bool, year: int, district_kind: str, district_label: str,
                      assessing_body: str | None = None) -> dict:
    """Who receives the tờ trình ("Kính gửi", the nơi nhận and the sentences that name it).

    The plan's "Cơ quan đánh giá, công nhận" when given. Otherwise, before the 07/2025 reform, the body the
    circular names: UBND cấp huyện (TT 44 Điều 5.1) or Phòng GD&ĐT (TT 25 Điều 9.1.d), with dots when the
    plan names no district. After the reform a visible placeholder: no successor is ever guessed.
    `recipient_known` false makes the built-in templates highlight the recipient as a place to write in.
    """
    body = text(assessing_body if assessing_body is not None else plan.assessing_body)
    reform = after_reform(year, points)
    promotion = f"Hội Khuyến học {district_label}" if district_label and not reform else ""
    if body:
        return {"recipient": body, "recipient_plain": body, "recipient_short": body, "recipient_known": True,
                "district_promotion": promotion}
    if reform:
        return {"recipient": PLACEHOLDER_BODY, "recipient_plain": PLACEHOLDER_BODY,
                "recipient_short": PLACEHOLDER_BODY, "recipient_known": False, "district_promotion": ""}
    full, short = ("Ủy ban nhân dân", "UBND") if points else ("Phòng Giáo dục và Đào tạo", "Phòng GD&ĐT")
    if district_label:
        return {"recipient": f"{full} {district_label}", "recipient_plain": f"{full} {district_label}",
                "recipient_short": f"{short} {district_label}", "recipient_known": True,
                "district_promotion": promotion}
    return {"recipient": f"{full} {district_kind} {DOTS}" if points else f"{full} {DOTS}",
            "recipient_plain": f"{full} {district_kind}" if points else full,
            "recipient_short": f"{short} {district_kind}" if points else short,
            "recipient_known": False, "district_promotion": ""}


def _issuer_context(plan, points: bool, ctx: dict) -> dict:
    """Who issues the báo cáo: the Hội Khuyến học xã with the Chủ tịch UBND xã's confirmation (TT 44 Điều 5.1.b,
    6.2), or the UBND xã when the plan says so (then the Chủ tịch signs it and no confirmation is added). Under
    TT 25 the UBND xã makes the báo cáo (Điều 9.1.b)."""
    by_ubnd = plan.report_by_ubnd or not points
    if by_ubnd:
        return {"report_issuer": "ỦY BAN NHÂN DÂN", "report_symbol": "BC-UBND",
                "report_signer_role": "TM. ỦY BAN NHÂN DÂN", "report_signer": ctx["chair"],
                "report_confirmed": False, "report_issuer_plain": f"Ủy ban nhân dân {ctx['commune_label']}"}
    return {"report_issuer": "HỘI KHUYẾN HỌC", "report_symbol": "BC-HKH",
            "report_signer_role": "TM. BAN CHẤP HÀNH", "report_signer": ctx["promotion_chair"],
            "report_confirmed": True, "report_issuer_plain": f"Hội Khuyến học {ctx['commune_label']}"}


def _class_label(cls: dict) -> str:
    """The class a document proposes; an undecided result is said to be undecided, with why:
    "Chưa xếp loại" is never proposed as a class."""
    if cls["code"] != UNCLASSIFIED["code"]:
        return text(cls["label"])
    reason = text(cls.get("reason") or "")
    return "chưa xác định được" + (f" ({reason})" if reason else "")


def _class_parts(cls: dict) -> dict:
    """The class in a few words (for a table cell, a headline) and, apart, why it is undecided."""
    undecided = cls["code"] == UNCLASSIFIED["code"]
    short = "Chưa xác định được" if undecided else text(cls["label"])
    reason = text(cls.get("reason") or "").rstrip(".") if undecided else ""
    return {"class_short": short, "class_short_upper": short.upper(), "class_reason": reason}


def _points_context(report: dict) -> dict:
    criteria = []
    for c in report["criteria"]:
        score, top = c.get("score"), c.get("max")
        if score is None:
            score_text = STATUS_TEXT.get(c.get("status"), "Chưa có")
            result = f"{score_text.lower()} (chưa có kết quả)" if c.get("status") != "missing" else \
                "chưa có kết quả (đơn vị chưa nộp phiếu hoặc chưa điền)"
        else:
            score_text = format_number(score) + (f"/{format_number(top)}" if top is not None else "")
            result = f"{score_text} điểm"
        criteria.append({"id": text(c["id"]), "title": text(c["title"]), "unit": text(c["unit"]),
                         "score": score, "max": top, "score_text": score_text, "result": result,
                         "passed": bool(c.get("passed")),
                         "evidence": [t for t in (text(e) for e in c.get("evidence") or []) if t]})
    pending = [c["id"] for c in criteria if c["score"] is None]
    zeros = [c["id"] for c in criteria if c["score"] == 0]
    phrases = []
    if pending:
        phrases.append(f"còn {len(pending)} tiêu chí chưa có kết quả (tiêu chí {_ids(pending)})")
    if zeros:
        phrases.append(f"có {len(zeros)} tiêu chí bị điểm 0 (tiêu chí {_ids(zeros)})")
    if not phrases:
        phrases.append("không có tiêu chí bị điểm 0")
    return {"criteria": criteria, "total": format_number(report["total"] or 0),
            "max_total": format_number(report["max_total"]), "zero_phrase": "; ".join(phrases),
            "pending": pending, "zeros": zeros}


def _yes(value) -> str:
    return "—" if value is None else ("Đạt" if value else "Không đạt")


def _levels_context(a, report: dict, ctx: dict) -> dict:
    rubric, plan = a.rubric, a.plan
    level = {"muc-do-2": 2, "muc-do-1": 1}.get(report["classification"]["code"])
    criteria, rows, indicators = [], [], []
    for c in report["criteria"]:
        rc = rubric.criterion(c["id"])
        complete = c.get("status") == "ok"
        items = []
        for item, rubric_item in zip(c.get("items") or [], rc.items):
            ok = item.get("status") == "ok"
            compact, detail = _shown(item, rubric_item) if ok else (STATUS_TEXT.get(item.get("status"), "Chưa có"),) * 2
            label = re.sub(r"^Chỉ tiêu \d+:\s*", "", text(rubric_item.title))
            entry = {"id": text(item["id"]), "text": label, "title": text(rubric_item.title), "shown": compact,
                     "detail": detail, "ok": ok, "level_1": _yes(item.get("level_1") if ok else None),
                     "level_2": _yes(item.get("level_2") if ok else None),
                     "requirement": _requirement(rubric_item, plan.hard_area),
                     "evidence": [t for t in (text(e) for e in _item_evidence(a, c["id"], item["id"])) if t]}
            items.append(entry)
            indicators.append(entry)
        l1 = all(i["level_1"] == "Đạt" for i in items) if complete else None
        l2 = all(i["level_2"] == "Đạt" for i in items) if complete else None
        result = ("Đạt mức độ 2" if l2 else "Đạt mức độ 1" if l1 else "Không đạt") if complete else \
            "chưa đủ dữ liệu để đánh giá"
        entry = {"id": text(c["id"]), "title": text(c["title"]), "unit": text(c["unit"]), "indicators": items,
                 "level_1": _yes(l1), "level_2": _yes(l2), "result": result, "complete": complete}
        criteria.append(entry)
        rows.append({"criterion": True, "id": entry["id"], "title": entry["title"], "shown": "",
                     "level_1": entry["level_1"], "level_2": entry["level_2"], "requirement": ""})
        for i in items:
            rows.append({"criterion": False, "id": i["id"], "title": i["title"], "shown": i["shown"],
                         "level_1": i["level_1"], "level_2": i["level_2"], "requirement": i["requirement"]})
    n = len(indicators)
    n1 = sum(i["level_1"] == "Đạt" for i in indicators)
    n2 = sum(i["level_2"] == "Đạt" for i in indicators)
    c1 = sum(c["level_1"] == "Đạt" for c in criteria)
    c2 = sum(c["level_2"] == "Đạt" for c in criteria)
    pending = [i["id"] for i in indicators if not i["ok"]]
    # the higher level first, as classes are listed everywhere (Mức độ 2, Mức độ 1, Chưa đạt)
    summary = f"đạt {n2}/{n} chỉ tiêu mức độ 2 và {n1}/{n} chỉ tiêu mức độ 1"
    sentence = (f"Số chỉ tiêu đạt mức độ 2: {n2}/{n}, đạt mức độ 1: {n1}/{n}; số tiêu chí đạt mức độ 2: "
                f"{c2}/{len(criteria)}, đạt mức độ 1: {c1}/{len(criteria)}.")
    if pending:
        summary += f" (còn {len(pending)} chỉ tiêu chưa có kết quả: {_ids(pending)})"
        sentence += f" Còn {len(pending)} chỉ tiêu chưa có kết quả: {_ids(pending)}."
    meeting = vn_citation((rubric.data.get("dossier_citation") or "").replace("điểm d", "điểm c"))
    if level:
        next_step = (f"Cuộc họp thống nhất Ủy ban nhân dân {ctx['commune_kind']} gửi hồ sơ đề nghị công nhận "
                     f"“Cộng đồng học tập” cấp xã mức độ {level} đến {ctx['recipient_plain']} trước ngày 28 tháng 02 năm "
                     f"{ctx['year'] + 1} (theo {ctx['dossier_citation']}).")
    else:
        next_step = (f"{ctx['commune_title']} chưa đáp ứng đủ điều kiện công nhận “Cộng đồng học tập” cấp xã; chưa "
                     f"gửi hồ sơ đề nghị công nhận (theo {ctx['dossier_citation']}).")
    return {"criteria": criteria, "rows": rows, "indicator_count": n, "level": level or "",
            "level_text": f"mức độ {level}" if level else "mức độ …", "level_summary": summary,
            "level_summary_sentence": sentence, "meeting_citation": meeting, "next_step": next_step,
            "pending": pending, "failing": [i for i in indicators if i["ok"] and i["level_1"] != "Đạt"]}


def _item_evidence(a, criterion_id: str, item_id: str) -> list[str]:
    for c in a.criteria:
        if c.id == criterion_id:
            for item in c.items:
                if item.id == item_id:
                    return item.evidence
    return []


def _shown(item: dict, rubric_item) -> tuple[str, str]:
    """(compact result for a table cell, the result with its labels for the báo cáo)."""
    if rubric_item.kind == "passfail" or rubric_item.kind == "level":
        value = text(item.get("entered"))
        return value, value
    base_field, base_label = rubric_item.base
    base = item["values"].get(base_field)
    compact, detail = [], []
    for count in rubric_item.counts:
        value = item["values"].get(count.field)
        pct = item["percents"].get(count.field)
        share = f"{_count(value)}/{_count(base)} ({format_number(round(pct, 2))}%)"
        compact.append(share)
        detail.append(f"{text(count.label).lower()}: {share}")
    return "; ".join(compact), f"{text(base_label).lower()}: {_count(base)}; " + "; ".join(detail)


def _requirement(rubric_item, hard_area) -> str:
    if rubric_item.kind == "level":
        req = rubric_item.required
        return f"Yêu cầu: mức độ 2 – {req.get(2, '')}; mức độ 1 – {req.get(1, '')}"
    if rubric_item.kind == "ratio":
        bits = []
        for count in rubric_item.counts:
            l1, l2 = count.threshold(1, bool(hard_area)), count.threshold(2, bool(hard_area))
            bits.append(f"{text(count.label)}: mức độ 2 ≥ {format_number(l2)}%, mức độ 1 ≥ {format_number(l1)}%")
        suffix = " (xã thuộc vùng khó khăn)" if hard_area and any(c.min_percent_hard_area for c in rubric_item.counts) \
            else ""
        return "Ngưỡng" + suffix + ": " + "; ".join(bits)
    return ""


def _participants(plan, report: dict, points: bool, ctx: dict) -> list[dict]:
    """Who attends the meeting: the plan's units with their contact (else the person named in the
    returned sheet); for levels, the members Điều 9.1.c requires come first."""
    person_in_sheet = {text(u["name"]): text(u.get("person")) for u in report["units"]}
    kind = ctx["commune_kind"]
    rows = []
    units = list(plan.units)
    if not points:
        def take(words):
            for u in units:
                if any(w in ascii_fold(u.name).lower() for w in words):
                    units.remove(u)
                    return u
            return None
        promotion = take(("khuyen hoc",))
        front = take(("mttq", "mat tran"))
        rows.append((f"Đại diện lãnh đạo Hội Khuyến học {kind}" + _criteria_note(promotion),
                     text(plan.promotion_chair) or _contact(promotion, person_in_sheet)))
        rows.append((f"Đại diện lãnh đạo Ủy ban Mặt trận Tổ quốc Việt Nam {kind}" + _criteria_note(front),
                     _contact(front, person_in_sheet)))
        rows.append((f"Đại diện lãnh đạo các tổ chức chính trị - xã hội {kind}", ""))
    for u in units:
        rows.append((f"Đại diện {text(u.name)}" + _criteria_note(u), _contact(u, person_in_sheet)))
    out = []
    for i, (role, person) in enumerate(rows):
        out.append({"role": role, "person": _person(person), "sep": "." if i == len(rows) - 1 else ";"})
    return out


def _criteria_note(unit) -> str:
    if unit is None or not unit.criteria:
        return ""
    return f" (tiêu chí {_ids(unit.criteria)})"


def _contact(unit, person_in_sheet: dict) -> str:
    if unit is None:
        return ""
    return text(unit.contact) or person_in_sheet.get(text(unit.name), "")


def _draft(report: dict, points: bool, ctx: dict) -> dict:
    """Whether the documents are a draft, why, and what is missing."""
    cls = report["classification"]
    errors = [f for f in report["findings"] if f["severity"] == F.ERROR and f["code"] != "incomplete"]
    lines = [_finding_line(f) for f in errors]
    reasons = []
    if not report["complete"] or cls["code"] == "chua-xep-loai":
        reasons.append("kết quả chưa đủ để xếp loại" + (f": {text(cls['reason'])}" if cls.get("reason") else ""))
    elif errors:
        reasons.append(f"còn {len(errors)} lỗi phải sửa trong phiếu của các đơn vị")
    if not points and not ctx["level"] and report["complete"]:
        reasons.append(f"xã chưa đạt mức độ 1 nên chưa đủ điều kiện đề nghị công nhận (theo {ctx['dossier_citation']})")
        lines += [f"Chỉ tiêu {i['id']}: {i['shown']} – chưa đạt mức độ 1" + (f" ({i['requirement']})"
                                                                               if i["requirement"] else "")
                  for i in ctx["failing"]]
    if not reasons:
        return {"draft": False, "draft_title": "", "draft_reason": "", "missing": [], "draft_hint": ""}
    if len(lines) > MAX_MISSING_LINES:
        extra = len(lines) - MAX_MISSING_LINES
        lines = lines[:MAX_MISSING_LINES] + [f"… và {extra} mục khác (xem trang “Phát hiện” của tệp tổng hợp)."]
    reason = "; ".join(reasons)
    return {"draft": True, "draft_title": "DỰ THẢO — chưa đủ điều kiện ký, gửi",
            "draft_reason": f"Lý do: {reason[:1].lower()}{reason[1:]}." + (" Cần sửa, bổ sung:" if lines else ""),
            "missing": lines,
            "draft_hint": "Không ký, không gửi bản này. Sửa, bổ sung phiếu của các đơn vị rồi tổng hợp lại "
                          "để có hồ sơ chính thức."}


def _finding_line(f: dict) -> str:
    where = F.location(*(text(f[k]) if f.get(k) else None for k in ("file", "sheet", "cell")))
    message = text(f["message"])
    return f"{message} ({where})" if where else message


# --------------------------------------------------------------------------- PDF

def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    candidates: list[Path] = []
    if sys.platform == "win32":
        for var in ("PROGRAMFILES", "PROGRAMFILES(X86)"):
            if os.environ.get(var):
                candidates.append(Path(os.environ[var]) / "LibreOffice" / "program" / "soffice.exe")
    elif sys.platform == "darwin":
        candidates.append(Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"))
    return next((str(c) for c in candidates if c.is_file()), None)


def to_pdf(paths, timeout: float = SOFFICE_TIMEOUT, summary=None, carrier=None) -> tuple[list[Path], str]:
    """Convert the .docx to PDF/A beside them with LibreOffice: (PDFs written, message or '').

    One LibreOffice start for all files, with a private profile (parallel runs and an open
    LibreOffice window do not clash) and a timeout. Each PDF is moved into place atomically, then made
    signable (see `_signable`): `carrier` is the .docx whose PDF carries the `summary` workbook's result.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        return [], ""
    soffice = find_soffice()
    if soffice is None:
        return [], NO_SOFFICE_MESSAGE
    with tempfile.TemporaryDirectory(prefix="cdht-pdf-") as work_dir:
        work = Path(work_dir)
        profile, outdir = work / "profile", work / "out"
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", pdfa.convert_to(), "--outdir", str(outdir), *map(str, paths)]
        problem = _run(cmd, timeout)
        written, failed = [], []
        for path in paths:
            produced = outdir / f"{path.stem}.pdf"
            if not produced.is_file():
                failed.append(path.name)
                continue
            target = path.with_suffix(".pdf")
            with atomic_path(target) as tmp:
                shutil.copyfile(produced, tmp)
            written.append(target)
    note = _signable(written, summary, Path(carrier).with_suffix(".pdf") if carrier else None)
    if failed:
        detail = f" ({problem})" if problem else ""
        return written, (f"LibreOffice chưa chuyển được sang PDF{detail}: {', '.join(failed)}. Mở tệp .docx bằng "
                         "Word rồi Lưu thành PDF (Save As → PDF).")
    return written, note


def _run(cmd, timeout: float) -> str:
    """Run LibreOffice; '' when it ended normally, else what went wrong (in Vietnamese)."""
    kwargs: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    if os.name == "posix":
        kwargs["start_new_session"] = True        # so a timeout can stop soffice.bin too
    try:
        proc = subprocess.Popen(cmd, **kwargs)
    except OSError as exc:
        return f"không chạy được LibreOffice: {exc.strerror or exc}"
    try:
        proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.name == "posix":
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        else:
            proc.kill()
        proc.communicate()
        return f"LibreOffice chạy quá {int(timeout)} giây nên đã dừng"
    return "" if proc.returncode == 0 else f"LibreOffice kết thúc với mã {proc.returncode}"


# --------------------------------------------------------------------------- signable PDF (cdht_excel/signing)

RESULT_CARRIER = {"points": "bao-cao.docx", "levels": "to-trinh-tt25.docx"}   # báo cáo (TT 44), tờ trình (TT 25)


def result_carrier(written, scheme: str) -> Path | None:
    """The document whose PDF carries the commune's result and summary workbook."""
    for spec, path in zip(specs_for(scheme), written):
        if spec.template == RESULT_CARRIER.get(scheme):
            return Path(path)
    return None


def _signable(pdfs: list[Path], summary, carrier: Path | None) -> str:
    """Empty NĐ 30 signature fields in each PDF (none in a draft: it must not be signed), the result and the
    summary workbook attached to the carrier's PDF; '' or what could not be done, in Vietnamese."""
    from cdht_excel.signing import prepare
    if not pdfs:
        return ""
    if not prepare.available():
        return prepare.INSTALL_HINT
    failed = []
    for pdf in pdfs:
        if pdf.name.startswith(DRAFT_PREFIX):
            continue
        try:
            carried = prepare.summary_attachments(summary) if summary and carrier and pdf == carrier else []
            prepare.signable(pdf, carried)
        except Exception as exc:  # noqa: BLE001 - the PDF stays as LibreOffice wrote it; said, never a traceback
            failed.append(f"{pdf.name} ({type(exc).__name__})")
    if failed:
        return (f"Chưa thêm được ô chữ ký số vào: {', '.join(failed)}; tệp PDF vẫn dùng được để in, hoặc ký bằng "
                "phần mềm ký số của cơ quan.")
    return ""

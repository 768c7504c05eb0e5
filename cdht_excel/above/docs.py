"""The level above's dossier (`cdht district … --docs DIR`), laid out like the commune dossier (NĐ 30/2020).

- points (TT 44/2014): the district Hội khuyến học's tờ trình (Điều 5.2.a), one biên bản kiểm tra covering
  every commune (Điều 5.2.b) and a draft quyết định công nhận with its annex (commune, total, class), for the
  chairman of the district to decide (Điều 6.5);
- levels (TT 25/2023 Điều 9.2.đ): tờ trình of the Hội đồng đánh giá cấp huyện, its báo cáo thẩm định, the
  bản tổng hợp of every commune's indicators as checked, and a draft quyết định công nhận with its annex.

Who proposes, who recognises and who signs are the district's own settings (`DocsSettings`: a small JSON
file and/or --authority, --signer), never fixed here. The defaults are the bodies the circulars name; for an
assessment year of 2025 or later there are no districts (two-tier local government from 01/07/2025) and the
successor authority is not verified, so without settings the documents carry a visible placeholder and a
warning says why. The results are the level above's check when --checked was given; without it, or with a
commune not fully checked, every document is a marked draft.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from cdht_excel.atomic import atomic_path
from cdht_excel.commune import dossier as D
from cdht_excel.rules import findings as F
from cdht_excel.rules.schemes import DEFAULT_SCHEME, scheme_named
from cdht_excel.text import format_number, safe_filename

TEMPLATE_DIR = "huyen"
REFORM_YEAR = 2025   # no districts from 01/07/2025; the successor recognising body is not verified
PLACEHOLDER_AUTHORITY = "[Cơ quan có thẩm quyền công nhận – chưa xác định]"
PLACEHOLDER_HEAD = "[Người đứng đầu cơ quan có thẩm quyền công nhận – chưa xác định]"
PLACEHOLDER_PROPOSER = "[Cơ quan, tổ chức trình công nhận – chưa xác định]"

# per scheme: the documents, and the procedure's articles (TT 44/2014 Điều 5–6; TT 25/2023 Điều 5, 9)
PROCEDURE: dict[str, dict[str, Any]] = {
    "points": {
        "docs": (("huyen-to-trinh.docx", "Tờ trình đề nghị công nhận", "proposer"),
                 ("huyen-bien-ban.docx", "Biên bản kiểm tra, đánh giá, xếp loại", "proposer"),
                 ("huyen-quyet-dinh.docx", "Dự thảo quyết định công nhận", "authority")),
        "authority": "Ủy ban nhân dân {district}", "authority_head": "Chủ tịch Ủy ban nhân dân {district}",
        "sign_for": "", "sign_title": "CHỦ TỊCH", "authority_parent": "",
        "proposer": "Hội Khuyến học {district}", "proposer_parent": "",
        "proposer_sign_for": "TM. HỘI KHUYẾN HỌC", "proposer_sign_title": "CHỦ TỊCH",
        "proposal_code": "TTr-HKH", "minutes_code": "BB-HKH", "report_code": "BC-HKH", "decision_code": "QĐ-UBND",
        "dossier_citation": "TT 44/2014/TT-BGDĐT, Điều 5 khoản 2",
        "check_citation": "TT 44/2014/TT-BGDĐT, Điều 6 khoản 4",
        "reply_citation": "", "validity_citation": "", "doc_year_offset": 0},
    "levels": {
        "docs": (("huyen-to-trinh-tt25.docx", "Tờ trình đề nghị công nhận", "proposer"),
                 ("huyen-bao-cao-tham-dinh-tt25.docx", "Báo cáo thẩm định", "proposer"),
                 ("huyen-ban-tong-hop-tt25.docx", "Bản tổng hợp tiêu chí, chỉ tiêu đã thẩm định", "proposer"),
                 ("huyen-quyet-dinh-tt25.docx", "Dự thảo quyết định công nhận", "authority")),
        "authority": "Phòng Giáo dục và Đào tạo {district}",
        "authority_head": "Trưởng phòng Giáo dục và Đào tạo {district}",
        "sign_for": "", "sign_title": "TRƯỞNG PHÒNG", "authority_parent": "Ủy ban nhân dân {district}",
        "proposer": "Hội đồng đánh giá, công nhận “Cộng đồng học tập” cấp xã",
        "proposer_parent": "Phòng Giáo dục và Đào tạo {district}",
        "proposer_sign_for": "TM. HỘI ĐỒNG", "proposer_sign_title": "CHỦ TỊCH",
        "proposal_code": "TTr-HĐĐG", "minutes_code": "BB-HĐĐG", "report_code": "BC-HĐĐG",
        "decision_code": "QĐ-PGDĐT",
        "dossier_citation": "TT 25/2023/TT-BGDĐT, Điều 9 khoản 2 điểm đ",
        "check_citation": "TT 25/2023/TT-BGDĐT, Điều 9 khoản 2 điểm c",
        "reply_citation": "TT 25/2023/TT-BGDĐT, Điều 9 khoản 2 điểm d",
        "validity_citation": "TT 25/2023/TT-BGDĐT, Điều 5 khoản 4", "doc_year_offset": 1},
}


@dataclass
class DocsSettings:
    """The district's own settings for its documents (all optional; JSON keys are these names)."""
    authority: str = ""          # the body that recognises, e.g. "Ủy ban nhân dân huyện Đồng Hỷ"
    authority_head: str = ""     # who decides, e.g. "Chủ tịch Ủy ban nhân dân huyện Đồng Hỷ"
    signer: str = ""             # the name of who decides
    sign_title: str = ""         # e.g. "CHỦ TỊCH"
    authority_parent: str = ""   # the authority's parent body, on the line above its name
    proposer: str = ""           # who proposes (Hội khuyến học huyện; Hội đồng đánh giá)
    proposer_parent: str = ""
    proposer_signer: str = ""
    place: str = ""              # địa danh of the date line

    @classmethod
    def load(cls, path) -> DocsSettings:
        data = json.loads(Path(path).read_text("utf-8-sig"))
        known = {f.name for f in fields(cls)}
        return cls(**{k: D.text(v) for k, v in data.items() if k in known and v})


def _scheme(result) -> str:
    """The communes' scheme, as their reports state it (district.DistrictResult.scheme)."""
    return result.scheme or DEFAULT_SCHEME


def build_context(result, settings: DocsSettings, class_code, labels: dict) -> tuple[dict, list[F.Finding]]:
    """Everything the district templates use; and the warnings (unknown authority)."""
    from cdht_excel.above.check import LEVEL_CHOICES, builtin_rubric
    from cdht_excel.rules import rubric as R
    scheme = _scheme(result)
    scored = scheme_named(scheme).scored
    proc = PROCEDURE[scheme]
    year = int(result.year or 0)
    communes = [c for c in result.communes if c.status == "ok"]
    district_names = Counter(D.text(c.report.get("district")) for c in communes if c.report.get("district"))
    kind, name = D.split_district(district_names.most_common(1)[0][0]) if district_names else ("huyện", "")
    district = f"{kind} {name}" if name else ""
    findings = []
    fill = lambda key: proc[key].format(district=district).strip() if district or "{district}" not in proc[key] \
        else proc[key].replace(" {district}", "").strip()
    unknown = year >= REFORM_YEAR and not settings.authority
    authority = settings.authority or (PLACEHOLDER_AUTHORITY if unknown else fill("authority"))
    head = settings.authority_head or (PLACEHOLDER_HEAD if unknown else fill("authority_head"))
    proposer = settings.proposer or (PLACEHOLDER_PROPOSER if unknown else fill("proposer"))
    if unknown:
        findings.append(F.make("docs-authority-unknown", year=year, default=fill("authority_head") or "—"))
    rubric = R.load(result.rubric) if result.rubric in R.BUILTIN_IDS else None
    legal_full, _ = D._legal_basis(rubric) if rubric is not None else (D.text(result.rubric), "")
    title = D.text(rubric.data.get("title") or "") if rubric is not None else ""
    rows: list[dict[str, Any]] = []
    recognised: list[dict[str, Any]] = []
    not_recognised: list[dict[str, Any]] = []
    differences: list[Any] = []
    levels = {e["code"] for e in (rubric.data.get("levels", []) if rubric is not None else [])}
    first_full = json.loads(result.store.get(communes[0].text)) if communes else {}
    titles_rubric = builtin_rubric(result.rubric, first_full.get("rubric_hash"))
    for n, c in enumerate(communes, start=1):
        chk = c.check
        label = f"{D.text(c.report.get('commune_kind')) or 'xã'} {D.text(c.report['commune'])}"
        code = class_code(c)
        checked = chk is not None and chk["status"] == "checked"
        total = chk["total"] if checked else c.report.get("total")
        row = {"n": n, "name": label, "name_title": label[:1].upper() + label[1:],
               "self_total": format_number(c.report.get("total")),
               "self_class": D.text(c.report["classification"]["label"]),
               "check_total": format_number(chk["total"]) if checked else "",
               "check_class": (D.text(chk["classification"]["label"]) if checked else
                               "Chưa kiểm tra xong" if chk is not None else "Chưa kiểm tra"),
               "total": format_number(total), "class_label": D.text(labels.get(code, code)), "indicators": []}
        if chk is not None:
            what = "tiêu chí" if scored else "chỉ tiêu"
            for x in chk["criteria"]:
                if x["differs"]:
                    shown = (lambda v: format_number(v)) if scored else \
                        (lambda v: LEVEL_CHOICES[int(v)].lower() if v is not None else "chưa có")
                    differences.append(f"{label}, {what} {x['id']}: tự đánh giá {shown(x['self'])}; kiểm tra "
                                       f"{shown(x['check'])}" + (f" ({D.text(x['note'])})" if x.get("note") else ""))
        if not scored:
            row["indicators"] = _indicators(result, c, titles_rubric, LEVEL_CHOICES)
        rows.append(row)
        classified = code in levels if not scored else code not in ("chua-xep-loai", "chua-kiem-tra")
        (recognised if classified else not_recognised).append(row)
    counts = Counter(r["class_label"] for r in recognised)
    summary = "; ".join(f"{label}: {count} xã" for label, count in counts.items()) or "chưa có xã nào"
    draft_lines = []
    if result.check is None:
        draft_lines.append("Chưa có kết quả kiểm tra của cấp trên (đưa phiếu kiểm tra đã ghi vào khi tổng hợp lại): các bảng "
                           "dưới đây là kết quả tự đánh giá của các xã.")
    else:
        unchecked = [r["name"] for r, c in zip(rows, communes) if c.check and c.check["status"] != "checked"]
        if unchecked:
            draft_lines.append(f"Còn {len(unchecked)} xã chưa kiểm tra xong: {', '.join(unchecked)}.")
    if unknown:
        draft_lines.append("Chưa ghi cơ quan có thẩm quyền công nhận và người ký (phần thiết lập hồ sơ).")
    upper = lambda s: s.upper()
    ctx = {
        "year": year, "doc_year": year + proc["doc_year_offset"], "place": settings.place or D.DOTS,
        "district_label": district, "commune_count": len(communes), "communes": rows,
        "recognised": [dict(r, n=i) for i, r in enumerate(recognised, start=1)],
        "not_recognised": not_recognised, "not_recognised_names": ", ".join(r["name"] for r in not_recognised),
        "differences": differences, "class_summary": summary,
        "legal_ref": f"{legal_full} quy định về {title[:1].lower()}{title[1:]}" if title else legal_full,
        "authority": authority, "authority_head": head, "authority_head_upper": upper(head),
        "authority_short": authority, "authority_unknown": unknown,
        "authority_note": ("Chưa ghi cơ quan có thẩm quyền công nhận: từ ngày 01/07/2025 không còn cấp huyện và cơ "
                           f"quan thay cho {fill('authority_head') or 'cấp huyện'} chưa được xác minh. Ghi tên cơ quan, "
                           "người ký trong phần thiết lập hồ sơ trước khi ký, ban hành."
                           if unknown else ""),
        "signer": settings.signer, "sign_for": proc["sign_for"], "sign_title": settings.sign_title or proc["sign_title"],
        "proposer": proposer, "proposer_signer": settings.proposer_signer, "secretary": "",
        "proposer_sign_for": proc["proposer_sign_for"], "proposer_sign_title": proc["proposer_sign_title"],
        "executors": f"Chánh Văn phòng, thủ trưởng các cơ quan, đơn vị liên quan của {authority}",
        **{key: proc[key] for key in ("proposal_code", "minutes_code", "report_code", "decision_code")},
        **{key: D.vn_citation(proc[key]) for key in ("dossier_citation", "check_citation", "reply_citation",
                                                      "validity_citation")},
        "issuers": {"authority": (settings.authority_parent or ("" if unknown else fill("authority_parent")),
                                  authority),
                    "proposer": (settings.proposer_parent or ("" if unknown else fill("proposer_parent")), proposer)},
    }
    ctx.update(_draft(draft_lines))
    return ctx, findings


def _indicators(result, c, rubric, choices) -> list[dict]:
    full = json.loads(result.store.get(c.text))
    checks = {x["id"]: x for x in (c.check or {}).get("criteria", [])}
    out = []
    for crit in full["criteria"]:
        rc = rubric.criterion(str(crit["id"])) if rubric is not None else None
        titles = {i.id: i.title for i in rc.items} if rc is not None else {}
        for item in crit.get("items") or []:
            level = None if item.get("status") != "ok" else 2 if item.get("level_2") else 1 if item.get("level_1") else 0
            check = checks.get(item["id"], {}).get("check")
            out.append({"id": D.text(item["id"]), "title": D.text(titles.get(item["id"]) or f"Chỉ tiêu {item['id']}"),
                        "self": choices[level] if level is not None else "Chưa có",
                        "check": choices[int(check)] if check is not None else "—"})
    return out


def _draft(lines: list[str]) -> dict:
    if not lines:
        return {"draft": False, "draft_title": "", "draft_reason": "", "missing": [], "draft_hint": ""}
    return {"draft": True, "draft_title": "DỰ THẢO — chưa đủ điều kiện ký, ban hành",
            "draft_reason": "Lý do:", "missing": lines,
            "draft_hint": "Không ký, không ban hành bản này. Bổ sung rồi tổng hợp lại các xã để có hồ sơ chính thức."}


def file_names(ctx: dict, scheme: str) -> list[str]:
    prefix = D.DRAFT_PREFIX if ctx["draft"] else ""
    place = ctx["district_label"] or "cap tren"
    return [safe_filename(f"{prefix}{name} - {place} - {ctx['year']}", max_length=120) + ".docx"
            for _, name, _ in PROCEDURE[scheme]["docs"]]


def write_docs(result, out_dir, settings: DocsSettings, class_code, labels: dict) -> tuple[list[Path], list[F.Finding]]:
    """Render every district document into `out_dir`: (paths written, warnings)."""
    scheme = _scheme(result)
    ctx, findings = build_context(result, settings, class_code, labels)
    rendered = []
    for template, name, issuer in PROCEDURE[scheme]["docs"]:
        parent, body = ctx["issuers"][issuer]
        folder = resources.files("cdht_excel.commune").joinpath(D.TEMPLATE_PACKAGE_DIR).joinpath(TEMPLATE_DIR)
        data = folder.joinpath(template).read_bytes()
        doc_ctx = dict(ctx, parent_line=parent.upper(), issuer_line=body.upper())
        rendered.append(D.render(data, doc_ctx, title=f"{name} – {ctx['district_label']} – {ctx['year']}"))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = file_names(ctx, scheme)
    stale = file_names(dict(ctx, draft=not ctx["draft"]), scheme)
    written = []
    for name, old, data in zip(names, stale, rendered):
        if (out_dir / old).is_file():
            (out_dir / old).unlink()
        with atomic_path(out_dir / name) as tmp:
            tmp.write_bytes(data)
        written.append(out_dir / name)
    return written, findings

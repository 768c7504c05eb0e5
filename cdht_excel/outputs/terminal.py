"""Terminal text: the lines `cdht merge`, `cdht status` and `cdht district` print (from data only).

The functions here return logical lines; `wrapped` breaks them at words to the terminal's width with a
hanging indent (a line's continuation starts two columns right of where the line starts).
"""
from __future__ import annotations

import re
import shutil
import textwrap

from cdht_excel.outputs.district_xlsx import district_labels
from cdht_excel.rules import findings as F
from cdht_excel.rules.rubric import display_name as rubric_name
from cdht_excel.text import format_number

DEFAULT_WIDTH = 80
NARROWEST = 40       # below this a line of Vietnamese words cannot be laid out usefully
# a number stays on the line of the word that names it: "TT 25/2023", "Điều 4", "tiêu chí 12", "ô E12"
GLUED = re.compile(r"\b(TT|Điều|khoản|chí|tiêu|ô|năm|độ) (?=[A-Z]{0,3}\d)")
NBSP = "\u00a0"


def screen_width() -> int:
    """The terminal's width ($COLUMNS first, then the terminal itself; 80 when output is not a terminal)."""
    return max(NARROWEST, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def wrapped(lines: list[str], width: int | None = None) -> list[str]:
    """Each line broken at spaces to `width`, continuations indented two columns more than the line.

    A word longer than a whole line (a long path without spaces) stays whole on its own line: a person
    copies it."""
    width = width or screen_width()
    out: list[str] = []
    for logical in lines:
        for line in logical.split("\n"):
            if len(line) <= width:
                out.append(line)
                continue
            indent = line[:len(line) - len(line.lstrip(" "))]
            hang = indent + "  "
            if len(hang) > width // 2:
                indent = hang = "  "
            glued = GLUED.sub(lambda m: m.group(1) + NBSP, line.strip())
            out += [piece.replace(NBSP, " ") for piece in
                    textwrap.wrap(glued, width=width, initial_indent=indent, subsequent_indent=hang,
                                  break_on_hyphens=False, break_long_words=False)]
    return out


def terminal_summary(report: dict) -> list[str]:
    kind = report.get("commune_kind") or "xã"
    title = f"{kind} {report['commune']}".strip()
    lines = [f"{title[:1].upper()}{title[1:]} – năm {report['year']} – {rubric_name(report['rubric'])}"]
    cls = report["classification"]
    if report["total"] is not None:
        lines.append(f"Tổng điểm: {format_number(report['total'])}/{format_number(report['max_total'])}"
                     f" – Xếp loại: {cls['label'].upper()}")
    else:
        lines.append(f"Kết quả: {cls['label'].upper()}")
    if cls.get("reason"):
        lines.append(f"Lý do: {cls['reason']}.")
    units = report["units"]
    done = sum(1 for u in units if u["status"] == "ok")
    lines.append(f"Đơn vị đã nộp đủ: {done}/{len(units)}; {counts_text(report['findings'])}.")
    return lines + findings_lines(report["findings"], sheet="Phát hiện", reason_above=bool(cls.get("reason")))


def counts_text(findings: list[dict]) -> str:
    """'lỗi: 8, cảnh báo: 1, thông tin: 2' of exactly the findings `findings_lines` lists."""
    n = {sev: sum(1 for f in findings if f["severity"] == sev) for sev in (F.ERROR, F.WARNING, F.INFO)}
    return f"lỗi: {n[F.ERROR]}, cảnh báo: {n[F.WARNING]}, thông tin: {n[F.INFO]}"


SCREEN_FINDINGS = 12   # findings shown at most, so the totals above stay near one screen
BLOCKS = ((F.ERROR, "Cần sửa trước:"), (F.WARNING, "Cảnh báo:"), (F.INFO, "Thông tin:"))


def findings_lines(findings: list[dict], limit: int = SCREEN_FINDINGS, sheet: str = "Phát hiện",
                   group_by: str = "unit", reason_above: bool = False) -> list[str]:
    """Every finding counted above, in that order: errors grouped by unit (or commune) and file, then
    warnings, then information, each with its hint. At most `limit` findings, then how many more there
    are and where to read them. `reason_above`: "chưa đủ để xếp loại" is only named (its reason is above)."""
    lines: list[str] = []
    shown = 0
    for severity, title in BLOCKS:
        items = [f for f in findings if f["severity"] == severity]
        if not items or shown >= limit:
            continue
        lines.append(title)
        if severity == F.ERROR:
            first = [f for f in items if f["code"] == "incomplete"]
            for f in first:
                lines += _entry(f, "  ", with_file=True, short=reason_above)
                shown += 1
            items = [f for f in items if f["code"] != "incomplete"]
            groups: dict[tuple[str, str], list[dict]] = {}
            for f in items:
                groups.setdefault((f.get(group_by) or "", f.get("file") or ""), []).append(f)
            for (who, file), group in groups.items():
                if shown >= limit:
                    break
                heading = " – ".join(x for x in (who, file and f"tệp “{file}”") if x)
                if heading:
                    lines.append(f"  {heading}:")
                for f in group:
                    if shown >= limit:
                        break
                    indent = "    " if heading else "  "
                    lines += _entry(f, indent, with_file=not file)
                    shown += 1
        else:
            for f in items[:limit - shown]:
                lines += _entry(f, "  ", with_file=True)
                shown += 1
    if shown < len(findings):
        lines.append(f"… và {len(findings) - shown} phát hiện khác — xem trang “{sheet}”.")
    return lines


def _entry(f: dict, indent: str, with_file: bool, short: bool = False) -> list[str]:
    """One finding: '- where: message', its further lines (a conflict's copies), '→ hint'."""
    message, hint = F.said(f, F.TERMINAL)
    if short:
        return [f"{indent}- {F.title(f['code'])} (lý do ở trên); sửa các lỗi dưới đây rồi tổng hợp lại."]
    first, *more = message.split("\n")
    # a message with a list (a conflict's copies) says where each value is: no location before it
    where = "" if more else F.location(f.get("file") if with_file else None, f.get("sheet"), f.get("cell"))
    lines = [f"{indent}- {where}: {first}" if where else f"{indent}- {first}"]
    lines += [f"{indent}    • {line}" for line in more]
    if hint:
        lines.append(f"{indent}  → {hint}")
    return lines


UNIT_STATUS_LABEL = {"ok": "đủ", "missing": "chưa nộp", "incomplete": "chưa đủ", "conflict": "xung đột"}


def status_lines(data: dict, width: int | None = None) -> list[str]:
    """The progress table (unit, filled, state, evidence missing) fitted to the width; each unit's files
    below it."""
    width = width or screen_width()
    labels = UNIT_STATUS_LABEL
    lines = [f"Tiến độ – {data['commune']} – năm {data['year']} – {data['rubric']}: "
             f"đã điền {data['filled']}/{data['total']} nội dung."]
    heads = ("Đơn vị", "Đã điền", "Tình trạng", "Thiếu minh chứng")
    cells = []
    for u in data["units"]:
        label = f"{u['conflicts']} xung đột" if u["status"] == "conflict" else labels[u["status"]]
        cells.append((u["name"], f"{u['filled']}/{u['total']}", label, str(u["evidence_missing"] or "")))
    rest = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads) if i]
    name_width = max(10, min(max(len(heads[0]), *(len(c[0]) for c in cells)), width - 2 - sum(rest) - 2 * len(rest)))
    widths = [name_width, *rest]
    lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip())
    for u, row in zip(data["units"], cells):
        name_lines = textwrap.wrap(row[0], name_width, subsequent_indent="  ", break_on_hyphens=False) or [""]
        first = [name_lines[0], row[1].rjust(widths[1]), row[2], row[3].rjust(widths[3])]
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(first, widths)).rstrip())
        lines += [f"  {more}" for more in name_lines[1:]]
        if u["files"]:
            lines.append("      tệp: " + ", ".join(f"“{name}”" for name in u["files"]))
    return lines + findings_lines(data.get("findings", []), sheet="Phát hiện” của tệp tổng hợp (cdht merge")


def summary_lines(data: dict) -> list[str]:
    labels = dict(district_labels(data))
    lines = [f"Tổng hợp {len(data['communes'])} xã – năm {data['year']} – {rubric_name(data['rubric'])}"]
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
    skipped = {k: n for k, n in (data.get("not_counted") or {}).items() if n}
    if skipped:      # so that the classes and these add up to the communes of the first line
        names = {"conflict": "hai bản kết quả khác nhau", "invalid": "tệp tổng hợp bị sửa",
                 "outside": "ngoài huyện (tỉnh) hoặc ngoài danh sách"}
        lines.append(f"Không tính {sum(skipped.values())} xã: " + "; ".join(f"{names[k]}: {n}" for k, n in skipped.items()))
    ind = data.get("indicator")
    if ind:
        for key, label in (("level_1", "mức độ 1"), ("level_2", "mức độ 2")):
            s = ind[key]
            lines.append(f"Tỷ lệ xã đạt {label}: {s['count']}/{s['total']} = {format_number(s['percent'])}% "
                         f"({'đạt' if s['passed'] else 'chưa đạt'} chỉ tiêu ≥ {ind['threshold']}%)")
    lines += signed_lines(data)
    lines.append(f"Vấn đề: {counts_text(data['findings'])}.")
    return lines + findings_lines(data["findings"], group_by="commune")


def signed_lines(data: dict) -> list[str]:
    """Communes counted from signed dossiers: who signed, when, the verdict (the "Chữ ký số" column)."""
    from cdht_excel.above.signatures import signatures_text
    from cdht_excel.signing.verify import UNTRUSTED_NO_ROOTS
    from cdht_excel.vietnamese import commune_label
    signed = [c for c in data["communes"] if c.get("signatures") is not None]
    if not signed:
        return []
    lines = ["Hồ sơ PDF của xã (chữ ký số):"]
    if data.get("trust_roots") is None:
        lines.append(f"  Chưa chỉ định chứng thư gốc tin cậy (--trust): {UNTRUSTED_NO_ROOTS}.")
    for c in signed:
        name, text = commune_label(c["commune"], c.get("commune_kind")), signatures_text(c["signatures"]).split("\n")
        lines += [f"  {name}: {text[0]}"] if len(text) == 1 else [f"  {name}:"] + [f"    {line}" for line in text]
    return lines


def verify_lines(data: dict) -> list[str]:
    """`cdht verify`: per file, each signature (valid or not, who, when, changed after signing, trust) and the
    result the document carries."""
    from cdht_excel.signing.verify import UNTRUSTED_NO_ROOTS
    lines = []
    for finding in data.get("findings") or []:             # trust root files that could not be used
        lines.append(f"{F.SEVERITY_LABEL.get(finding['severity'], '')}: {finding['message']}")
    if data.get("trust_roots") is None:
        lines.append(f"Chưa chỉ định chứng thư gốc tin cậy dùng được (--trust): {UNTRUSTED_NO_ROOTS}.")
    for f in data["files"]:
        lines.append(f"Tệp: {f['file']} – {'HỢP LỆ' if f['ok'] else 'CÓ VẤN ĐỀ'}")
        if f["readable"] and not f["signatures"]:
            lines.append("  Không có chữ ký số.")
        for s in f["signatures"]:
            organisation = f", {s['organisation']}" if s["organisation"] else ""
            when = _when(s["signed_at"])
            lines.append(f"  Chữ ký ô “{s['field']}”: {s['signer'] or '(không rõ tên)'}{organisation}"
                         f"{f' – ký lúc {when} (giờ do máy người ký ghi)' if when else ''}")
            lines.append(f"    {s['verdict']}; "
                         f"{'bị thay đổi sau khi ký' if s['changed_after_signing'] else 'không thay đổi sau khi ký'}; "
                         f"chứng thư do “{s['issuer']}” cấp"
                         + ("" if s["trusted"] is None else
                            ", thuộc cơ quan cấp tin cậy" if s["trusted"] else ", KHÔNG thuộc cơ quan cấp tin cậy"))
        r = f["result"]
        if r:
            cls = (r.get("classification") or {}).get("label") or ""
            total = f"tổng điểm {format_number(r['total'])}, " if r.get("total") is not None else ""
            lines.append(f"  Kết quả mang trong hồ sơ: {r.get('commune_kind') or 'xã'} {r.get('commune')} – năm "
                         f"{r.get('year')} – {total}{cls}")
        for finding in f["findings"]:
            lines.append(f"  {F.SEVERITY_LABEL.get(finding['severity'], '')}: {finding['message']}")
    return lines


def _when(iso: str | None) -> str:
    if not iso:
        return ""
    from datetime import datetime
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M:%S %z")

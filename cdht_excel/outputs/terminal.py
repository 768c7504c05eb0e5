"""Terminal text: the lines `cdht merge`, `cdht status` and `cdht district` print (from data only)."""
from __future__ import annotations

from cdht_excel.outputs.district_xlsx import district_labels
from cdht_excel.rules import findings as F
from cdht_excel.text import format_number


def terminal_summary(report: dict, limit: int = 12) -> list[str]:
    kind = report.get("commune_kind") or "xã"
    title = f"{kind} {report['commune']}".strip()
    lines = [f"{title[:1].upper()}{title[1:]} – năm {report['year']} – bộ tiêu chí {report['rubric']}"]
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
    c = report["counts"]
    lines.append(f"Đơn vị đã nộp đủ: {done}/{len(units)}; lỗi: {c['error']}, cảnh báo: {c['warning']}, "
                 f"thông tin: {c['info']}.")
    return lines + findings_lines(report["findings"], sheet="Phát hiện")


SCREEN_LINES = 20   # findings shown at most, so the totals above stay on one screen


def findings_lines(findings: list[dict], limit: int = SCREEN_LINES, sheet: str = "Phát hiện",
                   group_by: str = "unit") -> list[str]:
    """Errors first, grouped by unit (or commune) and file, each with its hint; then warnings with
    theirs. At most `limit` lines, then how many more there are and where to read them."""
    errors = [f for f in findings if f["severity"] == F.ERROR and f["code"] != "incomplete"]
    warnings = [f for f in findings if f["severity"] == F.WARNING]
    blocks: list[tuple[str, list[tuple[str, dict]]]] = []
    if errors:
        groups: dict[tuple[str, str], list[dict]] = {}
        for f in errors:
            groups.setdefault((f.get(group_by) or "", f.get("file") or ""), []).append(f)
        entries: list[tuple[str, dict]] = []
        for (who, file), items in groups.items():
            heading = " – ".join(x for x in (who, file and f"tệp “{file}”") if x)
            if heading:
                entries.append((f"  {heading}:", {}))
            entries += [(f"    - {_finding_text(f, with_file=not file)}", f) for f in items]
        blocks.append(("Cần sửa trước:", entries))
    if warnings:
        blocks.append(("Cảnh báo:", [(f"  - {_finding_text(f, with_file=True)}", f) for f in warnings]))
    lines: list[str] = []
    shown = 0
    total = len(errors) + len(warnings)
    for title, entries in blocks:
        if len(lines) >= limit:
            break
        lines.append(title)
        for text, f in entries:
            if len(lines) >= limit:
                break
            lines.append(text)
            shown += bool(f)
    if shown < total:
        lines.append(f"… và {total - shown} phát hiện khác — xem trang “{sheet}”.")
    return lines


def _finding_text(f: dict, with_file: bool) -> str:
    where = F.location(f.get("file") if with_file else None, f.get("sheet"), f.get("cell"))
    text = f"{where}: {f['message']}" if where else f["message"]
    return f"{text} → {f['hint']}" if f.get("hint") else text


UNIT_STATUS_LABEL = {"ok": "đủ", "missing": "chưa nộp", "incomplete": "chưa đủ", "conflict": "xung đột"}


def status_lines(data: dict) -> list[str]:
    labels = UNIT_STATUS_LABEL
    lines = [f"Tiến độ – {data['commune']} – năm {data['year']} – {data['rubric']}: "
             f"đã điền {data['filled']}/{data['total']} nội dung."]
    width = max(len(u["name"]) for u in data["units"])
    for u in data["units"]:
        extra = f"; thiếu minh chứng: {u['evidence_missing']}" if u["evidence_missing"] else ""
        files = f"; tệp: {', '.join(u['files'])}" if u["files"] else ""
        label = f"{u['conflicts']} xung đột" if u["status"] == "conflict" else labels[u["status"]]
        lines.append(f"  {u['name']:<{width}}  {u['filled']}/{u['total']} ({label}){extra}{files}")
    return lines + findings_lines(data.get("findings", []), sheet="Phát hiện” của tệp tổng hợp (cdht merge")


def summary_lines(data: dict) -> list[str]:
    labels = dict(district_labels(data))
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
    return lines + findings_lines(data["findings"], group_by="commune")


def verify_lines(data: dict) -> list[str]:
    """`cdht verify`: per file, each signature (valid or not, who, when, changed after signing, trust) and the
    result the document carries."""
    from cdht_excel.signing.verify import UNTRUSTED_NO_ROOTS
    lines = []
    if data.get("trust_roots") is None:
        lines.append(f"Chưa chỉ định chứng thư gốc tin cậy (--trust): {UNTRUSTED_NO_ROOTS}.")
    for f in data["files"]:
        lines.append(f"Tệp: {f['file']} – {'HỢP LỆ' if f['ok'] else 'CÓ VẤN ĐỀ'}")
        if f["readable"] and not f["signatures"]:
            lines.append("  Không có chữ ký số.")
        for s in f["signatures"]:
            organisation = f", {s['organisation']}" if s["organisation"] else ""
            when = _when(s["time"])
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

"""Terminal text: the lines `cdht merge`, `cdht status` and `cdht district` print (from data only)."""
from __future__ import annotations

from cdht_excel import findings as F
from cdht_excel.outputs.district_xlsx import district_labels
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
    errors = [f for f in report["findings"] if f["severity"] == F.ERROR and f["code"] != "incomplete"]
    if errors:
        lines.append("Cần sửa trước:")
        for f in errors[:limit]:
            where = F.location(f.get("file"), f.get("sheet"), f.get("cell"), file_word=False)
            lines.append(f"  - {where + ': ' if where else ''}{f['message']}")
        if len(errors) > limit:
            lines.append(f"  … và {len(errors) - limit} lỗi khác (xem trang “Phát hiện” của tệp tổng hợp).")
    return lines


def status_lines(data: dict) -> list[str]:
    labels = {"ok": "đủ", "missing": "chưa nộp", "incomplete": "chưa đủ", "conflict": "xung đột"}
    lines = [f"Tiến độ – {data['commune']} – năm {data['year']} – {data['rubric']}: "
             f"đã điền {data['filled']}/{data['total']} nội dung."]
    width = max(len(u["name"]) for u in data["units"])
    for u in data["units"]:
        extra = f"; thiếu minh chứng: {u['evidence_missing']}" if u["evidence_missing"] else ""
        files = f"; tệp: {', '.join(u['files'])}" if u["files"] else ""
        label = f"{u['conflicts']} xung đột" if u["status"] == "conflict" else labels[u["status"]]
        lines.append(f"  {u['name']:<{width}}  {u['filled']}/{u['total']} ({label}){extra}{files}")
    return lines


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
    for f in errors[:10]:
        lines.append(f"  - {('“' + f['file'] + '”: ') if f.get('file') else ''}{f['message']}")
    if len(errors) > 10:
        lines.append(f"  … và {len(errors) - 10} lỗi khác (xem trang “Phát hiện”).")
    return lines

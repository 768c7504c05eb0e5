"""Recompute, never trust: hand-edited summaries are not counted; the raw returns win over a summary."""
from __future__ import annotations

import json
import shutil

import openpyxl

from cdht_excel.rules import findings as F
from cdht_excel.rules.model import canonical_json, rubric_hash
from commune import TT44_SCORES, tt25_values, tt44_values, with_total
from test_district import codes, commune_folder, district, summary

CHUNK = 4000


def tamper(path, change=None, cover: dict | None = None) -> None:
    """Edit a summary as someone with openpyxl (or Excel) would: the hidden result's JSON and/or the cover."""
    wb = openpyxl.load_workbook(path)
    if change is not None:
        ws = wb["_cdht_result"]
        rows = [r for r in ws.iter_rows(max_col=2) if str(r[0].value or "").startswith("report_json.")]
        report = json.loads("".join(r[1].value for r in rows))
        change(report)
        text = canonical_json(report)
        chunks = [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)]
        first = rows[0][0].row
        for r in rows:
            r[0].value = r[1].value = None
        for n, chunk in enumerate(chunks):
            ws.cell(first + n, 1).value = f"report_json.{n + 1}"
            ws.cell(first + n, 2).value = chunk
    for old, new in (cover or {}).items():
        for row in wb["Kết quả"].iter_rows():
            for cell in row:
                if cell.value == old:
                    cell.value = new
    wb.save(path)


def _commune(tmp_path, name="An Bình", values=None, **kw):
    src = tmp_path / "src"
    folder = commune_folder(src, name, values or tt44_values(), **kw)
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    return folder, summary(inbox, folder)


def _raise_total(report):
    report["total"] = 97


def test_total_raised_in_cover_and_hidden_result_is_an_error_and_not_counted(tmp_path):
    folder, path = _commune(tmp_path)
    tamper(path, _raise_total, cover={92.5: 97})
    code, text, data = district(path, tmp_path=tmp_path)
    assert code == 1
    [f] = [f for f in data["findings"] if f["code"] == "summary-tampered"]
    assert f["severity"] == F.ERROR and "tổng điểm" in f["message"] and "97" in f["message"] and "92,5" in f["message"]
    assert "cdht merge" in F.said(f, F.TERMINAL)[1] and "tổng hợp lại" in f["hint"]
    assert data["communes"][0]["status"] == "invalid"
    assert sum(data["counts"].values()) == 0


def test_only_the_stored_class_changed_is_an_error(tmp_path):
    folder, path = _commune(tmp_path, values=tt44_values(with_total(80)))

    def promote(report):
        report["classification"] = {"code": "tot", "label": "Tốt"}
    tamper(path, promote)
    code, text, data = district(path, tmp_path=tmp_path)
    tampered = [f for f in data["findings"] if f["code"] == "summary-tampered"]
    assert len(tampered) == 1 and "xếp loại" in tampered[0]["message"] and "Khá" in tampered[0]["message"]
    edited = [f for f in data["findings"] if f["code"] == "summary-edited"]      # the cover still says KHÁ
    assert len(edited) == 1 and edited[0]["severity"] == F.ERROR
    assert data["counts"]["tot"] == 0 and data["counts"]["kha"] == 0


def test_only_the_cover_changed_is_an_error(tmp_path):
    folder, path = _commune(tmp_path)
    tamper(path, cover={"TỐT": "KHÁ"})
    code, text, data = district(path, tmp_path=tmp_path)
    assert codes(data).count("summary-edited") == 1 and "summary-tampered" not in codes(data)
    assert data["communes"][0]["status"] == "invalid"


def test_a_score_outside_the_rubric_is_caught_even_when_the_total_agrees(tmp_path):
    folder, path = _commune(tmp_path)

    def off_step(report):
        c3 = next(c for c in report["criteria"] if c["id"] == "3")
        c3["score"] = 5.7
        report["total"] = round(report["total"] + 0.2, 4)
    tamper(path, off_step, cover={92.5: 92.7})
    code, text, data = district(path, tmp_path=tmp_path)
    assert any(f["code"] == "summary-tampered" and "tiêu chí 3" in f["message"] for f in data["findings"])


def test_tt25_level_raised_without_the_data_is_an_error(tmp_path):
    folder, path = _commune(tmp_path, values=tt25_values(), rubric="tt25-2023", year=2025)

    def to_level_2(report):
        report["classification"] = {"code": "muc-do-2", "label": "Mức độ 2"}
        for c in report["criteria"]:
            c["level"] = 2
            for i in c["items"]:
                i["level_2"] = True
    tamper(path, to_level_2, cover={"MỨC ĐỘ 1": "MỨC ĐỘ 2"})
    code, text, data = district(path, tmp_path=tmp_path)
    tampered = [f["message"] for f in data["findings"] if f["code"] == "summary-tampered"]
    assert any("chỉ tiêu 5.2, mức độ 2" in m for m in tampered)
    assert any("xếp loại" in m and "Mức độ 1" in m for m in tampered)
    assert data["indicator"]["level_2"]["count"] == 0 and data["indicator"]["level_1"]["count"] == 0


def test_consistent_raise_is_caught_by_the_raw_returns_given_in_the_same_run(tmp_path):
    folder, path = _commune(tmp_path)

    def consistent(report):
        c3 = next(c for c in report["criteria"] if c["id"] == "3")
        c3["score"] = 7.5
        report["total"] = 94.5
    tamper(path, consistent, cover={92.5: 94.5})
    code, text, data = district(path, tmp_path=tmp_path)
    assert "summary-tampered" not in codes(data)           # the figures add up: a summary alone cannot show it
    code, text, data = district(path, folder, tmp_path=tmp_path)
    [c] = data["communes"]
    assert c["source_kind"] == "folder" and c["total"] == 92.5 and c["status"] == "ok"
    [diff] = [f for f in data["findings"] if f["code"] == "summary-differs-from-returns"]
    assert "7,5 điểm" in diff["message"] and "5,5 điểm" in diff["message"] and diff["criterion"] == "3"
    # the summary records the digests of the very files it was made from: same files, other figures
    assert "summary-altered" in codes(data)
    assert data["counts"]["tot"] == 1


def test_a_summary_of_other_files_is_told_apart_from_the_folder(tmp_path):
    folder, path = _commune(tmp_path)
    changed = tmp_path / "changed"
    shutil.copytree(folder, changed)
    victim = sorted(changed.glob("*.xlsx"))[0]
    victim.write_bytes(victim.read_bytes() + b"\0")            # another copy of one unit's file
    code, text, data = district(path, changed, tmp_path=tmp_path)
    assert "summary-other-files" in codes(data) and "summary-differs-from-returns" not in codes(data)
    code, text, data = district(path, folder, tmp_path=tmp_path)
    assert "summary-same-files" in codes(data) and "summary-other-files" not in codes(data)


def test_untouched_summaries_pass(tmp_path):
    _, a = _commune(tmp_path, "An Bình")
    _, b = _commune(tmp_path, "Bình Minh", values=tt44_values({**TT44_SCORES, 3: 0}))
    code, text, data = district(a, b, tmp_path=tmp_path)
    assert not [f for f in data["findings"] if f["code"].startswith("summary-")]
    assert data["counts"]["tot"] == 1 and data["counts"]["chua-dat"] == 1


def _rewrite_zip(path, edit) -> None:
    """Edit parts of a summary's zip directly (what a tool other than a spreadsheet program could do)."""
    import zipfile
    entries = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            entries.append((info, edit(info.filename, zf.read(info.filename))))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)


def test_the_fast_result_part_is_verified_too(tmp_path):
    folder, path = _commune(tmp_path)

    def raise_in_part(name, data):
        if name == "customXml/item1.xml":
            return data.replace(b'"total":92.5', b'"total":97')
        return data
    _rewrite_zip(path, raise_in_part)
    code, text, data = district(path, tmp_path=tmp_path)
    assert any(f["code"] == "summary-tampered" and "97" in f["message"] for f in data["findings"])
    # the cover as shown, read from the sheet's XML on the same opening
    _, clean = _commune(tmp_path / "b")

    def edit_cover(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"<v>92.5</v>", b"<v>97</v>")
        return data
    _rewrite_zip(clean, edit_cover)
    code, text, data = district(clean, tmp_path=tmp_path)
    [f] = [f for f in data["findings"] if f["code"] == "summary-edited"]
    assert "97" in f["message"] and "92,5" in f["message"]


def test_summary_with_the_result_part_opens_in_libreoffice(tmp_path):
    from support import require, soffice_convert
    folder, path = _commune(tmp_path)
    resaved = require(soffice_convert(path, "xlsx", tmp_path / "lo"))
    code, text, data = district(resaved, tmp_path=tmp_path)
    assert code == 0, text
    assert data["communes"][0]["total"] == 92.5 and not [f for f in data["findings"] if f["code"].startswith("summary-")]


def test_a_rubric_with_the_plans_maxima_is_carried_and_cannot_be_loosened(tmp_path):
    """Maxima typed into the plan change the rubric: the summary carries it, so the district still recomputes
    (a score above its maximum is caught), and classes loosened in the carried rubric are refused."""
    from support import fill, plan_with_maxima
    plan, split = plan_with_maxima(tmp_path)
    scores = {1: 9, 2: 4, 3: 5, 4: 9, 5: 9, 6: 4, 7: 5, 8: 4, 9: 9, 10: 4, 11: 4, 12: 5, 13: 4, 14: 4, 15: 9}
    folder = tmp_path / "ve"
    folder.mkdir()
    for path in sorted(split.glob("*.xlsx")):
        fill(path, folder / path.name, tt44_values(scores), only_existing=True)
    path = summary(tmp_path, folder)
    code, text, data = district(path, tmp_path=tmp_path)
    assert code == 0 and not [f for f in data["findings"] if f["code"].startswith("summary-")], text
    over = tmp_path / "over.xlsx"
    shutil.copy(path, over)

    def above_max(report):                      # 2 is worth 5 at most; total kept consistent
        c2 = next(c for c in report["criteria"] if c["id"] == "2")
        c2["score"], report["total"] = 6, report["total"] + 2
    tamper(over, above_max, cover={report_total(path): report_total(path) + 2})
    code, text, data = district(over, tmp_path=tmp_path)
    assert any(f["code"] == "summary-tampered" and "tiêu chí 2" in f["message"] for f in data["findings"])
    loose = tmp_path / "loose.xlsx"
    shutil.copy(path, loose)

    def loosen(name, data, rehash=False):
        if name != "customXml/item1.xml":
            return data
        text = data.decode("utf-8")
        start, end = text.index("<![CDATA[") + 9, text.rindex("]]>")
        head, body = text[start:end].split("\n", 1)
        header, report = json.loads(head), json.loads(body)
        for entry in header["rubric"]["classes"]:
            entry["min_total"] = 40                     # everyone is Tốt
        if rehash:
            report["rubric_hash"] = rubric_hash(header["rubric"])
        payload = json.dumps(header, ensure_ascii=False) + "\n" + json.dumps(report, ensure_ascii=False)
        return (text[:start] + payload + text[end:]).encode("utf-8")
    _rewrite_zip(loose, loosen)
    code, text, data = district(loose, tmp_path=tmp_path)
    assert any(f["code"] == "summary-tampered" and "mã bộ tiêu chí" in f["message"] for f in data["findings"])
    shutil.copy(path, loose)
    _rewrite_zip(loose, lambda name, data: loosen(name, data, rehash=True))
    code, text, data = district(loose, tmp_path=tmp_path)
    assert "summary-rubric-changed" in codes(data) and data["communes"][0]["status"] == "invalid"


def report_total(path) -> float:
    wb = openpyxl.load_workbook(path, read_only=True)
    for row in wb["Kết quả"].iter_rows(values_only=True):
        if row and row[0] == "Tổng điểm":
            return row[1]
    raise AssertionError("no total on the cover")


def _drop_rows(path, prefix: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["_cdht_result"]
    for row in ws.iter_rows(max_col=2):
        if str(row[0].value or "").startswith(prefix):
            row[0].value = row[1].value = None
    wb.save(path)


def test_a_summary_without_file_digests_is_said_and_the_returns_win(tmp_path):
    folder, path = _commune(tmp_path)

    def old_version(report):
        for f in report.get("files") or []:
            f.pop("sha256", None)
    tamper(path, old_version)
    code, text, data = district(path, folder, tmp_path=tmp_path)
    [f] = [f for f in data["findings"] if f["code"] == "summary-no-digests"]
    assert f["severity"] == F.INFO
    assert len(data["communes"]) == 1 and data["communes"][0]["total"] == 92.5


def test_a_summary_of_an_unknown_rubric_that_carries_none_is_unverifiable(tmp_path):
    folder, path = _commune(tmp_path)

    def foreign_rubric(report):
        report["rubric"], report["rubric_hash"] = "bo-tieu-chi-tinh", "0" * 64
    tamper(path, foreign_rubric)
    _drop_rows(path, "rubric_json.")
    code, text, data = district(path, tmp_path=tmp_path)
    [f] = [f for f in data["findings"] if f["code"] == "summary-unverifiable"]
    assert f["severity"] == F.WARNING and "bo-tieu-chi-tinh" in f["message"]


def test_a_score_of_true_does_not_pass_because_a_score_of_1_did(tmp_path):
    """Python takes true for 1 (equal, same hash): the recomputation's memo must not, or a summary whose score
    is `true` would be accepted after another commune's score of 1 was checked."""
    import re
    _, honest = _commune(tmp_path, "An Bình", values=tt44_values({**TT44_SCORES, 3: 1}))
    forged = tmp_path / "inbox" / "z-gửi lại.xlsx"
    shutil.copy(honest, forged)

    def score_true(name, data):
        if name != "customXml/item1.xml":
            return data
        return re.sub(rb'("id":"3"[^{}]*?"score":)1([,}])', rb"\1true\2", data, count=1)
    _rewrite_zip(forged, score_true)
    assert b'"score":true' in __import__("zipfile").ZipFile(forged).read("customXml/item1.xml")
    code, text, data = district(honest, forged, tmp_path=tmp_path)
    tampered = [f for f in data["findings"] if f["code"] == "summary-tampered"]
    assert tampered and all(f["file"].endswith("z-gửi lại.xlsx") for f in tampered)
    assert any("tiêu chí 3" in f["message"] for f in tampered)
    assert "commune-duplicate" not in codes(data)

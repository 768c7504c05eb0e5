"""cdht district: many communes, duplicates, conflicts, foreign years, hand edits, TT 25 district indicator."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl

from cdht_excel.commune import plan as P
from cdht_excel.commune.assess import assess
from cdht_excel.commune.report import report_dict
from cdht_excel.commune.template import split_file_name, write_template
from cdht_excel.outputs.summary_xlsx import write_summary
from cdht_excel.rules import rubric as R
from commune import TT44_SCORES, tt25_values, tt44_values
from support import run_cli


def commune_folder(root: Path, name: str, values: dict, rubric: str = "tt44-2014", year: int = 2024,
                   skip: tuple = ()) -> Path:
    """A commune's folder of 10 (or 4) unit workbooks, pre-filled by the template writer."""
    r = R.load(rubric)
    plan = P.default_plan(name, year, r, district="Đồng Hỷ", province="Thái Nguyên")
    folder = root / f"phieu-{name}"
    folder.mkdir(parents=True)
    for n, unit in enumerate(plan.units, start=1):
        if n not in skip:
            write_template(plan, r, folder / split_file_name(n, unit, plan), only=unit, values=values)
    return folder


def summary(root: Path, folder: Path) -> Path:
    a = assess([folder])
    out = root / f"tong-hop-{folder.name}.xlsx"
    write_summary(a, report_dict(a), out)
    return out


def district(*inputs, tmp_path, extra=()):
    out = tmp_path / "huyen.xlsx"
    code, text = run_cli("district", *inputs, "-o", out, "--json", tmp_path / "huyen.json", *extra)
    data = json.loads((tmp_path / "huyen.json").read_text("utf-8")) if (tmp_path / "huyen.json").exists() else {}
    return code, text, data


def codes(data):
    return [f["code"] for f in data["findings"]]


def test_folders_give_the_same_results_as_merge_on_each_folder(tmp_path):
    src = tmp_path / "src"
    folders = []
    for i in range(50):
        scores = {k: (v if (i + k) % 7 else max(0.5, v - 2.5)) for k, v in TT44_SCORES.items()}
        skip = (9,) if i % 17 == 5 else ()
        folders.append(commune_folder(src, f"Xã Thử {i:02d}", tt44_values(scores), skip=skip))
    code, text, data = district(src, tmp_path=tmp_path)
    assert len(data["communes"]) == 50
    by_name = {c["commune"]: c for c in data["communes"]}
    for folder in folders[::7]:      # a sample, through the real merge command
        out = tmp_path / "m" / f"{folder.name}.json"
        run_cli("merge", folder, "-o", out.with_suffix(".xlsx"), "--json", out)
        expected = json.loads(out.read_text("utf-8"))
        got = by_name[expected["commune"]]
        assert (got["total"], got["classification"], got["complete"]) == \
            (expected["total"], expected["classification"], expected["complete"])
    assert sum(data["counts"].values()) == 50
    incomplete = [c for c in data["communes"] if not c["complete"]]
    assert len(incomplete) == codes(data).count("commune-incomplete") == 3


def test_summaries_duplicates_conflicts_foreign_year_and_bad_files(tmp_path):
    src, inbox = tmp_path / "src", tmp_path / "inbox"
    inbox.mkdir()
    a = summary(inbox, commune_folder(src, "An Bình", tt44_values()))
    shutil.copy(a, inbox / "An Bình (gửi lại).xlsx")                       # identical copy: once
    b = summary(src, commune_folder(src, "Bình Minh", tt44_values()))
    shutil.copy(b, inbox / "Bình Minh.xlsx")
    changed = summary(src, commune_folder(src / "v2", "Bình Minh", tt44_values({**TT44_SCORES, 15: 2})))
    shutil.copy(changed, inbox / "Bình Minh - bản khác.xlsx")              # different: conflict
    summary(inbox, commune_folder(src, "Cao Sơn", tt44_values(), year=2023))  # another year
    summary(inbox, commune_folder(src, "Đông Hà", tt44_values()))
    (inbox / "hỏng.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (inbox / "rỗng.xlsx").write_bytes(b"")
    code, text, data = district(inbox, tmp_path=tmp_path)
    assert code == 1
    names = sorted(c["commune"] for c in data["communes"])
    assert names == ["An Bình", "Bình Minh", "Đông Hà"]
    assert "commune-duplicate" in codes(data)
    conflict = next(f for f in data["findings"] if f["code"] == "commune-conflict")
    assert "Bình Minh.xlsx" in conflict["message"] and "Bình Minh - bản khác.xlsx" in conflict["message"]
    assert next(c for c in data["communes"] if c["commune"] == "Bình Minh")["status"] == "conflict"
    assert "commune-other-year" in codes(data)
    bad = {f["file"].split("/")[-1]: f["code"] for f in data["findings"] if f.get("file")}
    assert bad["hỏng.xlsx"] == "file-corrupt" and bad["rỗng.xlsx"] == "file-empty"
    assert data["counts"]["tot"] == 2 and sum(data["counts"].values()) == 2
    assert all("evidence" not in crit for c in data["communes"] for crit in c["criteria"])


def test_counts_equal_the_rows_of_the_workbook(tmp_path):
    src = tmp_path / "src"
    for i, total in enumerate([92.5, 80, 60, 45]):
        scores = {k: 3 for k in range(1, 15)} | {15: total - 42}
        summary(src, commune_folder(src / "f", f"Xã {i}", tt44_values(scores)))
    code, _, data = district(src, tmp_path=tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "huyen.xlsx")
    rows = list(wb["Các xã"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(data["communes"]) == 4
    classes = [row[6] for row in rows]
    assert sorted(classes) == sorted(["Tốt", "Khá", "Trung bình", "Chưa đạt"])
    assert data["counts"] == {"tot": 1, "kha": 1, "trung-binh": 1, "chua-dat": 1, "chua-xep-loai": 0}
    stats = {row[0]: row[1] for row in wb["Thống kê"].iter_rows(min_row=4, values_only=True) if row[0]}
    assert stats["Tốt"] == 1 and stats["Chưa đạt"] == 1
    assert wb["Thống kê"]._charts, "the counts chart is missing"


def test_hand_edited_summary_is_reported(tmp_path):
    src = tmp_path / "src"
    path = summary(src, commune_folder(src / "f", "An Bình", tt44_values()))
    wb = openpyxl.load_workbook(path)
    ws = wb["Kết quả"]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == 92.5:
                cell.value = 97
    wb.save(path)
    code, _, data = district(src, tmp_path=tmp_path)
    f = next(f for f in data["findings"] if f["code"] == "summary-edited")
    assert "97" in f["message"] and "92,5" in f["message"]
    assert data["communes"][0]["total"] == 92.5


def test_tt25_district_indicator(tmp_path):
    src = tmp_path / "src"
    for i in range(9):
        commune_folder(src, f"Xã {i}", tt25_values(), rubric="tt25-2023", year=2025)
    commune_folder(src, "Xã 9", tt25_values({"C2_1_RESULT": "Không đạt"}), rubric="tt25-2023", year=2025)
    code, text, data = district(src, tmp_path=tmp_path)
    ind = data["indicator"]
    assert ind["level_1"] == {"count": 9, "total": 10, "percent": 90.0, "passed": True}
    assert ind["level_2"]["count"] == 0 and ind["level_2"]["passed"] is False
    (tmp_path / "ds.txt").write_text("Xã 0\nXã 1\nXã 2\nXã 3\nXã 4\nXã 5\nXã 6\nXã 7\nXã 8\nXã 9\nXã Mười\n",
                                     encoding="utf-8")
    code, text, data = district(src, tmp_path=tmp_path, extra=("--communes", tmp_path / "ds.txt"))
    assert data["indicator"]["level_1"]["total"] == 11 and data["indicator"]["level_1"]["passed"] is False
    assert any(f["code"] == "commune-missing" and "Xã Mười" in f["message"] for f in data["findings"])
    assert code == 1


def test_no_commune_at_all_exits_2(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"")
    code, text = run_cli("district", tmp_path, "-o", tmp_path / "out.xlsx")
    assert code == 2
    assert not (tmp_path / "out.xlsx").exists()

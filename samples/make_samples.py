"""Regenerate samples/: a realistic set of returned unit workbooks (issue 3 item 7).

    /tmp/venv/bin/python samples/make_samples.py        (or any Python with cdht-excel installed)

Everything is made with the project's own commands (`cdht plan init`, `cdht template
--split-dir`), filled through `cdht_excel.commune.fill.fill_workbook`, then edited with openpyxl
or re-saved with LibreOffice the way people really do it. No workbook XML is written by hand.

Output (all under samples/):
  ke-hoach-dong-thinh-2024.xlsx, mau-phieu-dong-thinh-2024.xlsx     the plan and the full template
  dong-thinh-2024/           the clean returned set (10 unit files, total 87,5 → Tốt)
  dong-thinh-2024-co-loi/    the same set with the usual problems (see expected.json)
  ke-hoach-dong-thinh-2025-tt25.xlsx, mau-phieu-dong-thinh-2025-tt25.xlsx
  dong-thinh-2025-tt25/      a clean TT 25/2023 set for 2025 (4 unit files, Mức độ 1)
  expected.json              what a correct merge must find, per folder
  README.md is written by hand (it describes the above).

Deterministic: openpyxl outputs are byte-identical from run to run (the save clock and the
zip timestamps are fixed per file); files re-saved by LibreOffice (.xls, .ods) and the plan
files (`cdht plan init` stamps the current time) differ only in their timestamps, never in
cell contents. tests/damaged/make_damaged.py imports the values and helpers below.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:           # run from a clone without installing
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from cdht_excel.commune import plan as P  # noqa: E402
from cdht_excel.rules import rubric as R  # noqa: E402
from cdht_excel.commune.fill import fill_workbook  # noqa: E402
from cdht_excel.sheets.printing import free_rows, keep_rows_free  # noqa: E402
from cdht_excel.commune.template import split_file_name  # noqa: E402
from cdht_excel.text import parse_number  # noqa: E402
from cdht_excel.rules.model import PASS  # noqa: E402

COMMUNE = "Đồng Thịnh"          # the seed names no district and no province: they stay empty
YEAR = 2024
YEAR_TT25 = 2025
ANOTHER_COMMUNE = "Đồng Tâm"

# --------------------------------------------------------------------------- the clean values (TT 44/2014)
# Keyed by criterion id. "score" is what the unit typed: a number, or text typed in a
# Vietnamese-locale way ("7,5"). All on the 0,5 step, all > 0, total 87,5 (→ Tốt).

TT44 = {
    "1": {"score": "7,5",
          "evidence": "Nghị quyết số 05-NQ/ĐU ngày 15/01/2024 của Đảng ủy xã về công tác khuyến học, khuyến tài, "
                      "xây dựng xã hội học tập năm 2024\n"
                      "Kế hoạch số 12/KH-UBND ngày 22/01/2024 của UBND xã về xây dựng xã hội học tập năm 2024\n"
                      "Nghị quyết số 18/NQ-HĐND ngày 20/12/2023 của HĐND xã về dự toán ngân sách năm 2024 "
                      "(có kinh phí cho công tác khuyến học)",
          "note": ""},
    "2": {"score": 6,
          "evidence": "Quyết định số 25/QĐ-UBND ngày 29/01/2024 của UBND xã về việc kiện toàn Ban Chỉ đạo xây dựng "
                      "xã hội học tập xã; biên bản họp Ban Chỉ đạo ngày 05/7/2024 và ngày 13/12/2024",
          "note": "Ban Chỉ đạo họp 2 lần trong năm"},
    "3": {"score": "6,5",
          "evidence": "Chương trình phối hợp số 02/CTPH-MTTQ-KH ngày 20/02/2024 giữa Ủy ban MTTQ xã và Hội Khuyến "
                      "học xã về vận động xây dựng xã hội học tập; Báo cáo số 21/BC-MTTQ ngày 06/12/2024 của Ban "
                      "Thường trực Ủy ban MTTQ xã",
          "note": ""},
    "4": {"score": 7,
          "evidence": "Báo cáo số 35/BC-TTHTCĐ ngày 09/12/2024 của Trung tâm học tập cộng đồng xã về kết quả hoạt "
                      "động năm 2024; sổ theo dõi hoạt động Nhà văn hóa và tủ sách xã năm 2024",
          "note": ""},
    "5": {"score": 8,
          "evidence": "Quyết định số 2150/QĐ-UBND ngày 28/11/2024 của UBND huyện về việc công nhận xã đạt chuẩn phổ "
                      "cập giáo dục, xóa mù chữ năm 2024\n"
                      "Hồ sơ phổ cập giáo dục – xóa mù chữ năm 2024 của xã (lưu tại Trường THCS)",
          "note": "Duy trì PCGD tiểu học mức độ 3, PCGD THCS mức độ 2, xóa mù chữ mức độ 2"},
    "6": {"score": 6,
          "evidence": "Báo cáo số 40/BC-THCS ngày 11/12/2024 của Trường THCS về thực hiện chế độ, chính sách cho "
                      "học sinh thuộc hộ nghèo, học sinh khuyết tật; danh sách học sinh được miễn, giảm học phí "
                      "năm học 2024-2025",
          "note": ""},
    "7": {"score": 5.5,
          "evidence": "Báo cáo số 148/BC-UBND ngày 10/12/2024 của UBND xã về kết quả bồi dưỡng cán bộ, công chức "
                      "năm 2024 (21/22 cán bộ, công chức tham gia bồi dưỡng)",
          "note": ""},
    "8": {"score": 5.5,
          "evidence": "Báo cáo số 15/BC-HND ngày 05/12/2024 của Hội Nông dân xã về kết quả tổ chức các lớp chuyển "
                      "giao khoa học kỹ thuật năm 2024 (12 lớp, 860 lượt hội viên tham gia)",
          "note": ""},
    "9": {"score": 6.5,
          "evidence": "Quyết định số 08/QĐ-KH ngày 10/12/2024 của Hội Khuyến học xã công nhận danh hiệu “Gia đình "
                      "học tập”, “Dòng họ học tập”, “Cộng đồng học tập” năm 2024; Báo cáo số 12/BC-KH ngày "
                      "12/12/2024 tổng kết công tác khuyến học, khuyến tài",
          "note": "Còn 1 xóm chưa đạt “Cộng đồng học tập”"},
    "10": {"score": 5,
           "evidence": "Quyết định số 1350/QĐ-UBND ngày 05/12/2024 của UBND huyện về việc công nhận danh hiệu "
                       "“Thôn, tổ dân phố văn hóa” năm 2024 (xã có 11/12 xóm đạt)",
           "note": ""},
    "11": {"score": 4.5,
           "evidence": "Quyết định số 312/QĐ-UBND ngày 18/12/2024 của UBND xã phê duyệt kết quả rà soát hộ nghèo, "
                       "hộ cận nghèo cuối năm 2024 (tỷ lệ hộ nghèo giảm từ 3,12% xuống 2,05%)",
           "note": "Số liệu theo kết quả rà soát hộ nghèo cuối năm 2024"},
    "12": {"score": 5,
           "evidence": "Báo cáo số 09/BC-HPN ngày 04/12/2024 của Hội Liên hiệp Phụ nữ xã về thực hiện công tác "
                       "bình đẳng giới và vì sự tiến bộ của phụ nữ năm 2024",
           "note": ""},
    "13": {"score": 4.5,
           "evidence": "Kế hoạch số 05/KH-ĐTN ngày 01/3/2024 của Đoàn Thanh niên xã ra quân “Ngày Chủ nhật xanh”; "
                       "Báo cáo số 20/BC-ĐTN ngày 10/12/2024 về kết quả công tác bảo vệ môi trường năm 2024",
           "note": ""},
    "14": {"score": 5,
           "evidence": "Báo cáo số 52/BC-TYT ngày 13/12/2024 của Trạm Y tế xã về kết quả thực hiện công tác y tế "
                       "năm 2024 (tỷ lệ trẻ em dưới 1 tuổi được tiêm chủng đầy đủ đạt 98,6%)",
           "note": "Đã thống nhất tại cuộc họp cuối kỳ ngày 17/12/2024"},
    "15": {"score": 5,
           "evidence": "Báo cáo số 105/BC-CAX ngày 12/12/2024 của Công an xã về công tác bảo đảm an ninh trật tự "
                       "năm 2024; Quyết định công nhận xã đạt tiêu chuẩn “An toàn về an ninh, trật tự” năm 2024",
           "note": ""},
}
TT44_TOTAL = 87.5
# What every tt44-2014 set of 2024 gets, clean or not (PRODUCT §2).
TT44_COMMON_FINDINGS = [
    {"code": "rubric-repealed", "severity": "warning",
     "what": "TT 44/2014 hết hiệu lực từ 12/02/2024 (thay bằng TT 25/2023); năm đánh giá 2024"},
    {"code": "maxima-unknown", "severity": "info", "what": "bộ tiêu chí tt44-2014 chưa có điểm tối đa từng tiêu chí"},
]

# Person in charge, the date the unit last saved its file, and the name the file came back under.
UNITS = {
    "van-phong-dang-uy-xa": ("Hoàng Văn Thắng – Chánh Văn phòng Đảng ủy", dt.datetime(2024, 12, 10, 8, 42),
                             "Phiếu TC1 - VP Đảng ủy xã.xlsx"),
    "van-phong-ubnd-xa": ("Nguyễn Thị Thu Hà – Công chức Văn phòng – Thống kê", dt.datetime(2024, 12, 13, 16, 5),
                          "Phiếu đánh giá TC 2, 7, 11 - VP UBND xã.xlsx"),
    "uy-ban-mttq-xa": ("Ma Văn Quang – Phó Chủ tịch Ủy ban MTTQ xã", dt.datetime(2024, 12, 11, 10, 17),
                       "MTTQ xa - TC 3 va 10.xlsx"),
    "nha-truong-truong-thcs-truong-tieu-hoc": ("Lưu Thị Hạnh – Phó Hiệu trưởng Trường THCS",
                                               dt.datetime(2024, 12, 12, 14, 30),
                                               "Nhà trường - TC 4, 5, 6 (THCS+TH).xlsx"),
    "hoi-nong-dan-xa": ("Đinh Văn Cường – Chủ tịch Hội Nông dân xã", dt.datetime(2024, 12, 9, 9, 55),
                        "Hội ND - tiêu chí 8.xlsx"),
    "hoi-khuyen-hoc-xa": ("Trần Văn Bình – Chủ tịch Hội Khuyến học xã", dt.datetime(2024, 12, 16, 7, 48),
                          "Khuyen hoc TC9_2024.xlsx"),
    "hoi-phu-nu-xa": ("Hà Thị Mai – Chủ tịch Hội Liên hiệp Phụ nữ xã", dt.datetime(2024, 12, 10, 15, 21),
                      "Hội Phụ nữ xã - TC12.xlsx"),
    "doan-thanh-nien-xa": ("Nông Văn Tú – Bí thư Đoàn Thanh niên xã", dt.datetime(2024, 12, 14, 21, 3),
                           "ĐTN - tieu chi 13.xlsx"),
    "tram-y-te-xa": ("Lý Thị Hoa – Trạm trưởng Trạm Y tế xã", dt.datetime(2024, 12, 13, 11, 36),
                     "Trạm Y tế xã - TC 14.xlsx"),
    "cong-an-xa": ("Đặng Văn Nam – Trưởng Công an xã", dt.datetime(2024, 12, 12, 17, 12),
                   "Công an xã - tiêu chí 15.xlsx"),
}

# --------------------------------------------------------------------------- the clean values (TT 25/2023, 2025)
# Reaches mức độ 1, not mức độ 2: PCGD tiểu học and THCS at "Mức độ 2" (MĐ2 needs "Mức độ 3"),
# 65 % "Công dân học tập" (MĐ2 needs 80 %), 54 % trained and 13,3 % university (MĐ2: 60 %, 15 %).

TT25 = {
    "C1_1_RESULT": "Đạt",
    "C1_1_EVIDENCE": "Kế hoạch số 08-KH/ĐU ngày 20/01/2025 của Đảng ủy xã về tuyên truyền học tập suốt đời, "
                     "xây dựng xã hội học tập năm 2025\n"
                     "Báo cáo số 31/BC-UBND ngày 15/10/2025 về kết quả tuyên truyền trên Đài truyền thanh xã "
                     "(36 tin, bài)",
    "C1_2_RESULT": "Đạt",
    "C1_2_EVIDENCE": "Kế hoạch số 15/KH-UBND ngày 24/01/2025 của UBND xã về xây dựng xã hội học tập năm 2025; "
                     "Báo cáo số 162/BC-UBND ngày 12/12/2025 về kết quả thực hiện",
    "C1_3_RESULT": "Đạt",
    "C1_3_EVIDENCE": "Kế hoạch số 98/KH-UBND ngày 12/9/2025 tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2025; "
                     "Báo cáo số 120/BC-UBND ngày 20/10/2025 về kết quả Tuần lễ",
    "C2_1_RESULT": "Đạt",
    "C2_1_EVIDENCE": "Quyết định số 420/QĐ-UBND ngày 25/12/2024 của UBND xã giao dự toán ngân sách năm 2025 "
                     "(bố trí 45 triệu đồng cho xây dựng xã hội học tập)",
    "C2_2_RESULT": "Đạt",
    "C2_2_EVIDENCE": "Báo cáo số 14/BC-KH ngày 10/12/2025 của Hội Khuyến học xã: vận động Quỹ khuyến học được "
                     "186,5 triệu đồng",
    "C2_3_RESULT": "Đạt",
    "C2_3_EVIDENCE": "Quy chế phối hợp số 01/QCPH ngày 10/02/2025 giữa Hội Khuyến học xã, Ủy ban MTTQ xã, các "
                     "đoàn thể và các trường học trên địa bàn xã",
    "C3_1_RESULT": "Đạt",
    "C3_1_EVIDENCE": "Biên bản kiểm tra cơ sở vật chất Trung tâm học tập cộng đồng xã ngày 15/11/2025",
    "C3_2_RESULT": "Đạt",
    "C3_2_EVIDENCE": "Báo cáo số 05/BC-TV ngày 01/12/2025 về ứng dụng phần mềm quản lý thư viện và thư viện số "
                     "tại thư viện xã",
    "C3_3_RESULT": "Đạt",
    "C3_3_EVIDENCE": "Quyết định thành lập 06 câu lạc bộ văn nghệ, thể thao tại Trung tâm văn hóa, thể thao xã; "
                     "sổ theo dõi hoạt động năm 2025",
    "C4_1_LEVEL": "Đạt chuẩn",
    "C4_1_EVIDENCE": "Quyết định số 2310/QĐ-UBND ngày 05/12/2025 của UBND tỉnh về việc công nhận đạt chuẩn phổ "
                     "cập giáo dục, xóa mù chữ năm 2025",
    "C4_2_LEVEL": "Mức độ 2",
    "C4_2_EVIDENCE": "Quyết định số 2310/QĐ-UBND ngày 05/12/2025 của UBND tỉnh (PCGD tiểu học mức độ 2)",
    "C4_2_NOTE": "Chưa đạt mức độ 3: tỷ lệ trẻ 11 tuổi hoàn thành chương trình tiểu học 94,2%",
    "C4_3_LEVEL": "Mức độ 2",
    "C4_3_EVIDENCE": "Quyết định số 2310/QĐ-UBND ngày 05/12/2025 của UBND tỉnh (PCGD THCS mức độ 2)",
    "C4_4_LEVEL": "Mức độ 2",
    "C4_4_EVIDENCE": "Quyết định số 2310/QĐ-UBND ngày 05/12/2025 của UBND tỉnh (xóa mù chữ mức độ 2)",
    "C5_1_BASE": 6240,
    "C5_1_CITIZENS": 4056,
    "C5_1_EVIDENCE": "Quyết định số 09/QĐ-KH ngày 15/12/2025 của Hội Khuyến học xã công nhận 4.056 công dân đạt "
                     "danh hiệu “Công dân học tập” năm 2025",
    "C5_1_NOTE": "Số công dân theo số liệu của Công an xã ngày 30/11/2025",
    "C5_2_BASE": 6240,
    "C5_2_TRAINED": 3370,
    "C5_2_UNIVERSITY": 830,
    "C5_2_EVIDENCE": "Báo cáo số 170/BC-UBND ngày 16/12/2025 về số liệu lao động qua đào tạo (3.370 người được "
                     "đào tạo trình độ chuyên môn kỹ thuật, 830 người có trình độ đại học trở lên)",
}

UNITS_TT25 = {
    "van-phong-dang-uy-xa": ("Hoàng Văn Thắng – Chánh Văn phòng Đảng ủy", dt.datetime(2025, 12, 9, 10, 2),
                             "TC1 - VP Đảng ủy - 2025.xlsx"),
    "van-phong-ubnd-xa": ("Nguyễn Thị Thu Hà – Công chức Văn phòng – Thống kê", dt.datetime(2025, 12, 12, 15, 40),
                          "Văn phòng UBND - tiêu chí 2.xlsx"),
    "nha-truong-truong-thcs-truong-tieu-hoc": ("Lưu Thị Hạnh – Phó Hiệu trưởng Trường THCS",
                                               dt.datetime(2025, 12, 11, 9, 14),
                                               "Nhà trường - TC3, TC4 năm 2025.xlsx"),
    "hoi-khuyen-hoc-xa": ("Trần Văn Bình – Chủ tịch Hội Khuyến học xã", dt.datetime(2025, 12, 17, 8, 25),
                          "Hội Khuyến học - TC5 (Công dân học tập).xlsx"),
}


# --------------------------------------------------------------------------- helpers (also used by make_damaged)

def tt44_values(scores: dict | None = None, evidence: dict | None = None, notes: dict | None = None,
                persons: bool = True) -> dict:
    """The fill_workbook dictionary for the whole commune (optionally with some values changed)."""
    plan = tt44_plan()
    values: dict[str, object] = {}
    for cid, entry in TT44.items():
        values[f"C{cid}_SCORE"] = (scores or {}).get(cid, entry["score"])
        values[f"C{cid}_EVIDENCE"] = (evidence or {}).get(cid, entry["evidence"])
        note = (notes or {}).get(cid, entry["note"])
        if note:
            values[f"C{cid}_NOTE"] = note
    if persons:
        for unit in plan.units:
            values[f"UNIT_{unit.key}_PERSON"] = UNITS[unit.id][0]
    return {k: v for k, v in values.items() if v is not None}


def tt25_values(overrides: dict | None = None, plan=None) -> dict:
    plan = plan or tt25_plan(YEAR_TT25)
    values = dict(TT25)
    values.update(overrides or {})
    for unit in plan.units:
        values[f"UNIT_{unit.key}_PERSON"] = UNITS_TT25[unit.id][0]
    return values


def tt44_plan(commune: str = COMMUNE, year: int = YEAR):
    return P.default_plan(commune, year, R.load("tt44-2014"))


def tt25_plan(year: int = YEAR_TT25, commune: str = COMMUNE):
    return P.default_plan(commune, year, R.load("tt25-2023"))


def number(value):
    """The score as a number (what a correct reader must get), or None."""
    return parse_number(value)


def cdht(*args: str) -> str:
    """Run the project's own command line; fail loudly on any error."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "cdht_excel", *map(str, args)], capture_output=True,
                          text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"cdht {' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def openpyxl_clock(when: dt.datetime):
    """openpyxl stamps `modified` with the current time on save; make it `when` (reproducible, realistic)."""
    import openpyxl.writer.excel as writer

    class _Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return when.replace(tzinfo=tz)

    real = writer.datetime
    writer.datetime = types.SimpleNamespace(datetime=_Clock, timezone=dt.timezone)
    try:
        yield
    finally:
        writer.datetime = real


def fix_zip_times(path: Path, when: dt.datetime) -> None:
    """Rewrite the zip container with fixed member timestamps; member bytes are unchanged."""
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            out.writestr(fixed, data)
    os.replace(tmp, path)


def save(wb, path: Path, when: dt.datetime, who: str | None = None, free_rows=None) -> Path:
    """Save an openpyxl workbook as the unit's Excel would: last modified at `when` by `who`; the rows
    in `free_rows` ({sheet: rows}) keep no fixed height (Excel fits them; openpyxl fixes every height)."""
    if who is not None:
        wb.properties.lastModifiedBy = who.split(" – ")[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    with openpyxl_clock(when):
        wb.save(path)
    if free_rows:
        keep_rows_free(path, free_rows)
    fix_zip_times(path, when)
    return path


def fill(template: Path, output: Path, values: dict, when: dt.datetime, who: str | None = None,
         edit=None, expect_keys=None) -> Path:
    """fill_workbook (the project's filler), then what the unit did by hand (`edit(wb)`), then save."""
    with tempfile.TemporaryDirectory() as tmp:
        filled = Path(tmp) / "filled.xlsx"
        with openpyxl_clock(when):
            written = fill_workbook(template, filled, values, only_existing=True)
        if expect_keys is not None:
            missing = sorted(set(expect_keys) - set(written))
            assert not missing, f"{template.name}: not written {missing}"
        free = free_rows(filled)
        wb = openpyxl.load_workbook(filled)
    if edit is not None:
        edit(wb)
    return save(wb, output, when, who, free)


def libreoffice_convert(sources: list[Path], fmt: str, outdir: Path) -> list[Path]:
    """Re-save with LibreOffice headless (private profile per call): fmt 'xls', 'ods' or 'xlsx'."""
    outdir.mkdir(parents=True, exist_ok=True)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("LibreOffice (soffice) is needed to make the .xls/.ods re-saves.")
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-cdht-"))
    try:
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", fmt, "--outdir", str(outdir), *map(str, sources)],
                       check=True, timeout=600, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = [outdir / (src.stem + "." + fmt) for src in sources]
    for path in out:
        if not path.is_file():
            raise SystemExit(f"LibreOffice did not write {path}")
    return out


def resave_with_libreoffice(source: Path, target: Path) -> Path:
    """The user opens `source` and does File → Save As with the extension of `target`."""
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / ("in" + source.suffix)        # LibreOffice names its output after the input
        shutil.copyfile(source, plain)
        [converted] = libreoffice_convert([plain], target.suffix.lstrip("."), Path(tmp) / "out")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(converted), target)
    return target


def make_templates(plan_file: Path, template_file: Path, split_dir: Path, *plan_args: str) -> list[Path]:
    """`cdht plan init` then `cdht template --plan … --split-dir …`; return the split files in plan order."""
    cdht("plan", "init", "-o", plan_file, *plan_args)
    cdht("template", "--plan", plan_file, "-o", template_file, "--split-dir", split_dir)
    return sorted(split_dir.glob("*.xlsx"))


def split_files(plan, split_dir: Path) -> dict[str, Path]:
    """unit id -> its split template (file names as `cdht template --split-dir` writes them)."""
    out = {}
    for index, unit in enumerate(plan.units, start=1):
        path = split_dir / split_file_name(index, unit, plan)
        assert path.is_file(), path
        out[unit.id] = path
    return out


def unit_keys(unit, rubric) -> list[str]:
    """Every fill key of a unit (what fill_workbook must have written for a complete sheet)."""
    keys = [f"UNIT_{unit.key}_PERSON"]
    for cid in unit.criteria:
        for item in rubric.criterion(cid).items:
            keys += [f"{item.key}_{f}" for f in item.fields()]
    return keys


def clean_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


# --------------------------------------------------------------------------- the sets

def criterion_table(values: dict) -> dict:
    out = {}
    for cid in TT44:
        raw = values.get(f"C{cid}_SCORE")
        out[cid] = {"score_as_filled": raw, "score": number(raw), "evidence": values.get(f"C{cid}_EVIDENCE", ""),
                    "note": values.get(f"C{cid}_NOTE", "")}
    return out


def make_clean_tt44(work: Path) -> dict:
    plan = tt44_plan()
    rubric = R.load("tt44-2014")
    split = work / "split-2024"
    make_templates(HERE / "ke-hoach-dong-thinh-2024.xlsx", HERE / "mau-phieu-dong-thinh-2024.xlsx", split,
                   "--commune", COMMUNE, "--year", str(YEAR))
    templates = split_files(plan, split)
    folder = clean_dir(HERE / "dong-thinh-2024")
    values = tt44_values()
    files = {}
    for unit in plan.units:
        person, when, name = UNITS[unit.id]
        fill(templates[unit.id], folder / name, values, when, person, expect_keys=[
            k for k in unit_keys(unit, rubric) if k in values])
        files[name] = {"unit": unit.name, "unit_id": unit.id, "criteria": list(unit.criteria),
                       "person": person, "saved": when.isoformat(timespec="minutes")}
    criteria = criterion_table(values)
    for cid, entry in criteria.items():
        unit = plan.unit_for(cid)
        entry.update(unit=unit.name, file=UNITS[unit.id][2], cell=_score_cell(templates[unit.id], cid))
    total = sum(entry["score"] for entry in criteria.values())
    assert abs(total - TT44_TOTAL) < 1e-9, total
    return {
        "rubric": "tt44-2014", "commune": COMMUNE, "district": "", "province": "", "year": YEAR,
        "template": "mau-phieu-dong-thinh-2024.xlsx", "plan": "ke-hoach-dong-thinh-2024.xlsx",
        "files": files, "criteria": criteria,
        "complete": True, "total": TT44_TOTAL, "max_total": 100,
        "classification": {"code": "tot", "label": "Tốt"},
        "errors": 0, "exit_code": 0,
        "expected_findings": TT44_COMMON_FINDINGS,
        "text_scores": [cid for cid, e in criteria.items() if isinstance(e["score_as_filled"], str)],
        "multiline_evidence": [cid for cid, e in criteria.items() if "\n" in e["evidence"]],
    }


def _score_cell(template: Path, cid: str) -> str:
    wb = openpyxl.load_workbook(template)
    [(sheet, coord)] = list(wb.defined_names[f"CDHT_C{cid}_SCORE"].destinations)
    return coord.replace("$", "")


def make_broken_tt44(work: Path) -> dict:
    """The same returned set with the problems secretaries really get."""
    plan = tt44_plan()
    templates = split_files(plan, work / "split-2024")
    clean_folder = HERE / "dong-thinh-2024"
    folder = clean_dir(HERE / "dong-thinh-2024-co-loi")
    by_id = {u.id: u for u in plan.units}
    problems = []
    files = {}

    def problem(kind, code, severity, file, unit_id, criterion, cell, what, **extra):
        unit = by_id[unit_id].name if unit_id else None
        entry = {"kind": kind, "code": code, "severity": severity, "file": file, "unit": unit,
                 "criterion": criterion, "cell": cell, "what": what, **extra}
        if isinstance(file, list):
            entry.update(file=file[0], files=file)
        problems.append(entry)

    def refill(unit_id, name, scores=None, evidence=None, notes=None, when=None):
        person, saved, _ = UNITS[unit_id]
        fill(templates[unit_id], folder / name, tt44_values(scores, evidence, notes), when or saved, person)
        files[name] = {"unit": by_id[unit_id].name, "unit_id": unit_id, "criteria": list(by_id[unit_id].criteria)}
        return folder / name

    def copy_clean(unit_id, name=None):
        name = name or UNITS[unit_id][2]
        shutil.copyfile(clean_folder / UNITS[unit_id][2], folder / name)
        files[name] = {"unit": by_id[unit_id].name, "unit_id": unit_id, "criteria": list(by_id[unit_id].criteria)}
        return folder / name

    # Văn phòng Đảng ủy xã: returned clean ("7,5" typed as text is a valid score).
    copy_clean("van-phong-dang-uy-xa")

    # Văn phòng UBND xã: 6,3 for criterion 7 (Excel's decimal validation accepts it: it checks 0–100, not the step).
    name = UNITS["van-phong-ubnd-xa"][2]
    refill("van-phong-ubnd-xa", name, scores={"7": 6.3})
    problem("score-off-step", "score-off-step", "error", name, "van-phong-ubnd-xa", "7", "E12",
            "điểm 6,3 không theo bước 0,5", value=6.3)

    # Ủy ban MTTQ xã: sent twice; the second copy, after the final meeting, gives criterion 10 a 6 instead of 5.
    name_a = UNITS["uy-ban-mttq-xa"][2]
    name_b = "MTTQ xa - TC 3 va 10 (ban sua 16-12).xlsx"
    copy_clean("uy-ban-mttq-xa", name_a)
    refill("uy-ban-mttq-xa", name_b, scores={"10": 6}, notes={"10": "Sửa theo ý kiến cuộc họp cuối kỳ"},
           when=dt.datetime(2024, 12, 16, 15, 2))
    problem("unit-conflict", "unit-conflict", "error", [name_a, name_b], "uy-ban-mttq-xa", "10", "E12",
            "hai tệp của cùng đơn vị khác nhau: tiêu chí 10 được 5 điểm ở tệp thứ nhất, 6 điểm ở tệp thứ hai "
            "(ghi chú cũng khác); không được tự chọn", values={name_a: 5, name_b: 6})

    # Nhà trường: opened in LibreOffice and saved as Excel 97–2003 (.xls). Values intact.
    xls = folder / (Path(UNITS["nha-truong-truong-thcs-truong-tieu-hoc"][2]).stem + ".xls")
    resave_with_libreoffice(clean_folder / UNITS["nha-truong-truong-thcs-truong-tieu-hoc"][2], xls)
    files[xls.name] = {"unit": by_id["nha-truong-truong-thcs-truong-tieu-hoc"].name,
                       "unit_id": "nha-truong-truong-thcs-truong-tieu-hoc", "criteria": ["4", "5", "6"]}
    problem("resaved-xls", None, None, xls.name, "nha-truong-truong-thcs-truong-tieu-hoc", None, None,
            "lưu lại thành .xls bằng LibreOffice; phải đọc được đủ giá trị, không có lỗi")

    # Hội Nông dân xã: "bảy" typed (pasted) over the validated cell.
    name = UNITS["hoi-nong-dan-xa"][2]
    refill("hoi-nong-dan-xa", name, scores={"8": "bảy"})
    problem("score-not-number", "score-not-number", "error", name, "hoi-nong-dan-xa", "8", "E11",
            "điểm ghi bằng chữ “bảy”, không phải số", value="bảy")

    # Hội Khuyến học xã: opened in LibreOffice and saved as .ods. Values intact.
    ods = folder / (Path(UNITS["hoi-khuyen-hoc-xa"][2]).stem + ".ods")
    resave_with_libreoffice(clean_folder / UNITS["hoi-khuyen-hoc-xa"][2], ods)
    files[ods.name] = {"unit": by_id["hoi-khuyen-hoc-xa"].name, "unit_id": "hoi-khuyen-hoc-xa", "criteria": ["9"]}
    problem("resaved-ods", None, None, ods.name, "hoi-khuyen-hoc-xa", None, None,
            "lưu lại thành .ods bằng LibreOffice; phải đọc được đủ giá trị, không có lỗi")

    # Hội Phụ nữ xã: a score but the evidence cell left empty.
    name = UNITS["hoi-phu-nu-xa"][2]
    refill("hoi-phu-nu-xa", name, evidence={"12": None})
    problem("score-without-evidence", "score-without-evidence", "error", name, "hoi-phu-nu-xa", "12", "F11",
            "tiêu chí 12 được 5 điểm nhưng ô minh chứng trống; theo TT 44/2014 Điều 4.2 tiêu chí được tính 0 điểm",
            value=5, counts_as=0, score_cell="E11")

    # Đoàn Thanh niên xã: a negative score (pasted from another sheet, which bypasses the validation).
    name = UNITS["doan-thanh-nien-xa"][2]
    refill("doan-thanh-nien-xa", name, scores={"13": -4.5})
    problem("score-negative", "score-negative", "error", name, "doan-thanh-nien-xa", "13", "E11",
            "điểm âm -4,5", value=-4.5)

    # Trạm Y tế xã: never sent.
    problem("unit-missing", "unit-missing", "error", None, "tram-y-te-xa", "14", None,
            "không có tệp của Trạm Y tế xã (tiêu chí 14)")
    problem("incomplete", "incomplete", "error", None, None, None, None,
            "chưa đủ dữ liệu để xếp loại (thiếu tiêu chí 14, có tiêu chí lỗi): classification chua-xep-loai")

    # Công an xã: the same attachment saved twice, plus the lock file Excel leaves while it is open.
    name = UNITS["cong-an-xa"][2]
    dup = "Công an xã - tiêu chí 15 (1).xlsx"
    copy_clean("cong-an-xa")
    copy_clean("cong-an-xa", dup)
    problem("unit-duplicate", "unit-duplicate", "info", [name, dup], "cong-an-xa", "15", None,
            "hai bản giống hệt nhau (từng byte); phải gộp làm một, không báo lỗi")
    lock = folder / ("~$" + name)
    # What Excel leaves: 165 bytes, the user name padded; not a workbook.
    owner = "Dang Van Nam".encode("ascii")
    lock.write_bytes(bytes([len(owner)]) + owner + b"\x00" * (54 - len(owner)) + b"\x20\x00" * 55)
    problem("lock-file", None, None, lock.name, None, None, None,
            "tệp khóa tạm của Excel (~$…); phải bỏ qua, không đọc, không báo lỗi")

    # A file from the neighbouring commune (Đồng Tâm) sent to the wrong address.
    other_plan = tt44_plan(ANOTHER_COMMUNE)
    other_split = work / "split-dong-tam"
    cdht("template", "--commune", ANOTHER_COMMUNE, "--year", str(YEAR), "-o", work / "mau-dong-tam.xlsx",
         "--split-dir", other_split)
    other_templates = split_files(other_plan, other_split)
    name = "Phieu TC9 - Hoi Khuyen hoc xa Dong Tam.xlsx"
    fill(other_templates["hoi-khuyen-hoc-xa"], folder / name,
         {"C9_SCORE": 7, "C9_EVIDENCE": "Quyết định số 11/QĐ-KH ngày 09/12/2024 của Hội Khuyến học xã Đồng Tâm "
                                        "công nhận danh hiệu “Gia đình học tập” năm 2024",
          "UNIT_HOI_KHUYEN_HOC_XA_PERSON": "Phạm Thị Nga – Chủ tịch Hội Khuyến học xã Đồng Tâm"},
         dt.datetime(2024, 12, 11, 9, 0), "Phạm Thị Nga")
    files[name] = {"unit": "Hội Khuyến học xã", "unit_id": "hoi-khuyen-hoc-xa", "criteria": ["9"],
                   "commune": ANOTHER_COMMUNE}
    problem("other-commune", "other-commune", "error", name, "hoi-khuyen-hoc-xa", "9", None,
            "phiếu của xã Đồng Tâm (năm 2024), không phải xã Đồng Thịnh; phải bỏ qua, không gộp điểm 7 vào "
            "tiêu chí 9", commune=ANOTHER_COMMUNE)

    # Per criterion: what the files say (the values as filled, before any judgement).
    filled = criterion_table(tt44_values({"7": 6.3, "8": "bảy", "13": -4.5}, {"12": ""}))
    for cid, entry in filled.items():
        unit = plan.unit_for(cid)
        entry["unit"] = unit.name
    filled["10"]["score_as_filled"] = {name_a: 5, name_b: 6}
    filled["10"]["score"] = None
    filled["14"] = {"score_as_filled": None, "score": None, "evidence": "", "note": "", "unit": "Trạm Y tế xã"}
    # Criterion 3 is the same in both MTTQ copies, but it belongs to the conflicting unit: until the
    # secretary keeps one file, nothing of that unit is chosen (PRODUCT §6), so it is not "clean".
    unproblematic = [cid for cid in TT44 if cid not in {"3", "7", "8", "10", "12", "13", "14"}]
    return {
        "rubric": "tt44-2014", "commune": COMMUNE, "district": "", "province": "", "year": YEAR,
        "files": files, "criteria": filled,
        "problems": [p for p in problems if p["severity"]],
        "handled_quietly": [p for p in problems if not p["severity"]],
        "expected_findings": TT44_COMMON_FINDINGS,
        "complete": False, "classification": {"code": "chua-xep-loai"}, "exit_code": 1,
        "criteria_with_errors": ["7", "8", "10", "12", "13", "14"],
        "criteria_of_conflicting_unit": ["3", "10"],
        "criteria_clean": unproblematic,
        "sum_of_clean_criteria": sum(number(TT44[c]["score"]) for c in unproblematic),
        "note": "problems: mỗi vấn đề merge phải báo (code theo cdht_excel/findings.py). handled_quietly: những thứ "
                "phải xử lý êm, không lỗi (.xls, .ods, tệp khóa ~$). Tổng điểm của bộ lỗi phụ thuộc cách merge tính "
                "các tiêu chí lỗi (0 hay bỏ qua); chỉ khẳng định: chưa xếp loại (chua-xep-loai), có lỗi (mã thoát "
                "1), và tổng các tiêu chí không lỗi (sum_of_clean_criteria).",
    }


def make_clean_tt25(work: Path) -> dict:
    plan = tt25_plan()
    rubric = R.load("tt25-2023")
    split = work / "split-2025"
    make_templates(HERE / "ke-hoach-dong-thinh-2025-tt25.xlsx", HERE / "mau-phieu-dong-thinh-2025-tt25.xlsx", split,
                   "--commune", COMMUNE, "--year", str(YEAR_TT25), "--rubric", "tt25-2023")
    templates = split_files(plan, split)
    folder = clean_dir(HERE / "dong-thinh-2025-tt25")
    values = tt25_values()
    files = {}
    for unit in plan.units:
        person, when, name = UNITS_TT25[unit.id]
        fill(templates[unit.id], folder / name, values, when, person,
             expect_keys=[k for k in unit_keys(unit, rubric) if k in values])
        files[name] = {"unit": unit.name, "unit_id": unit.id, "criteria": list(unit.criteria), "person": person,
                       "saved": when.isoformat(timespec="minutes")}
    indicators = {}
    for item in rubric.items:
        entry = {"unit": plan.unit_for(item.criterion).name, "kind": item.kind,
                 "evidence": values.get(f"{item.key}_EVIDENCE", ""), "note": values.get(f"{item.key}_NOTE", "")}
        if item.kind == "passfail":
            entry["value"] = values[f"{item.key}_RESULT"]
            entry["passes"] = {"1": entry["value"] == PASS, "2": entry["value"] == PASS}
        elif item.kind == "level":
            value = values[f"{item.key}_LEVEL"]
            entry["value"] = value
            entry["passes"] = {str(lv): item.options.index(value) >= item.options.index(item.required[lv])
                               for lv in (1, 2)}
        else:
            base = values[f"{item.key}_{item.base[0]}"]
            entry["counts"] = {item.base[0]: base}
            entry["percent"] = {}
            passes = {"1": True, "2": True}
            for count in item.counts:
                n = values[f"{item.key}_{count.field}"]
                entry["counts"][count.field] = n
                pct = round(100 * n / base, 2)
                entry["percent"][count.field] = pct
                for lv in (1, 2):
                    passes[str(lv)] &= pct >= count.threshold(lv, False)
            entry["passes"] = passes
        indicators[item.id] = entry
    level1 = all(e["passes"]["1"] for e in indicators.values())
    level2 = all(e["passes"]["2"] for e in indicators.values())
    assert level1 and not level2
    return {
        "rubric": "tt25-2023", "commune": COMMUNE, "district": "", "province": "", "year": YEAR_TT25,
        "hard_area": False,
        "template": "mau-phieu-dong-thinh-2025-tt25.xlsx", "plan": "ke-hoach-dong-thinh-2025-tt25.xlsx",
        "files": files, "indicators": indicators,
        "criteria_passed": {c.id: {"1": all(indicators[i.id]["passes"]["1"] for i in c.items),
                                   "2": all(indicators[i.id]["passes"]["2"] for i in c.items)}
                            for c in rubric.criteria},
        "not_level_2": sorted(i for i, e in indicators.items() if not e["passes"]["2"]),
        "complete": True, "classification": {"code": "muc-do-1", "label": "Mức độ 1"}, "errors": 0, "exit_code": 0,
        "expected_findings": [],
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cdht-samples-") as tmp:
        work = Path(tmp)
        clean = make_clean_tt44(work)
        broken = make_broken_tt44(work)
        tt25 = make_clean_tt25(work)
    expected = {"schema": "cdht-samples/1",
                "note": "Sinh bởi samples/make_samples.py; giá trị “score_as_filled” là đúng nội dung ô "
                        "(số hoặc chữ như người dùng gõ), “score” là số mà bộ đọc phải hiểu được.",
                "sets": {"dong-thinh-2024": clean, "dong-thinh-2024-co-loi": broken,
                         "dong-thinh-2025-tt25": tt25}}
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", "utf-8")
    for folder in ("dong-thinh-2024", "dong-thinh-2024-co-loi", "dong-thinh-2025-tt25"):
        names = sorted(p.name for p in (HERE / folder).iterdir())
        print(f"{folder}/: {len(names)} tệp")
    print("expected.json đã ghi.")


if __name__ == "__main__":
    main()

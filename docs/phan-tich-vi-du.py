"""Ví dụ phân tích số liệu bằng Python: ba năm “Cộng đồng học tập” của các xã một tỉnh (TT 25/2023).

    pip install "cdht-excel[pandas]"
    python docs/phan-tich-vi-du.py [THƯ_MỤC]        # mặc định: một thư mục tạm

1. Tạo số liệu bằng chính công cụ, như ở xã: mỗi xã, mỗi năm một mẫu phiếu (`cdht template --rubric
   tt25-2023`), điền phiếu như các đơn vị điền (`fill_workbook`), tổng hợp (`cdht_excel.merge`, tức là
   `cdht merge`) thành tệp tổng hợp của xã trong THƯ_MỤC/nam-NĂM/. Số liệu là giả định.
2. Đọc các tệp tổng hợp của từng năm bằng `cdht_excel.district` (tức là `cdht district`), lấy bảng pandas.
3. Tỷ lệ xã đạt mức độ 2 theo năm; năm chỉ tiêu có nhiều lượt chưa đạt mức độ 2 nhất trong ba năm.

Bài kiểm tra tests/test_api.py chạy tệp này và đối chiếu tỷ lệ với `cdht district --json`.
"""
from __future__ import annotations

import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

import cdht_excel
from cdht_excel.commune.fill import fill_workbook

PROVINCE = "Tỉnh Mẫu"
COMMUNES = ("An Bình", "Phú Lộc", "Tân Hòa", "Đồng Tiến", "Hưng Thịnh", "Xuân Sơn")
YEARS = (2024, 2025, 2026)


# The year each commune first meets every level-2 requirement (giả định); None: not within the three years.
LEVEL_2_FROM = {"An Bình": 2024, "Phú Lộc": 2025, "Tân Hòa": 2025, "Đồng Tiến": 2026, "Hưng Thịnh": 2026,
                "Xuân Sơn": None}
SHORT_OF_LEVEL_2 = {          # an entry below level 2 (still level 1) for each requirement a commune may miss
    "C4_2_LEVEL": "Mức độ 2", "C4_3_LEVEL": "Mức độ 2", "C4_4_LEVEL": "Mức độ 1",
    "C5_1_CITIZENS": 0.7, "C5_2_TRAINED": 0.55, "C5_2_UNIVERSITY": 0.13,
}


def values(commune: str, year: int) -> dict[str, object]:
    """What the units of one commune enter in one year: every level-2 requirement met from the commune's year
    in LEVEL_2_FROM, one to three of them missed before (picked at random, the same at every run)."""
    rng = random.Random(f"{commune}-{year}")
    base = rng.randrange(5000, 12000)
    cells: dict[str, object] = {f"C{c}_{i}_RESULT": "Đạt" for c in (1, 2, 3) for i in (1, 2, 3)}
    cells.update({"C4_1_LEVEL": "Đạt chuẩn", "C4_2_LEVEL": "Mức độ 3", "C4_3_LEVEL": "Mức độ 3",
                  "C4_4_LEVEL": "Mức độ 2", "C5_1_CITIZENS": 0.82, "C5_2_TRAINED": 0.63, "C5_2_UNIVERSITY": 0.16})
    since = LEVEL_2_FROM[commune]
    if since is None or year < since:
        for key in rng.sample(sorted(SHORT_OF_LEVEL_2), rng.randint(1, 3)):
            cells[key] = SHORT_OF_LEVEL_2[key]
    for key in ("C5_1_CITIZENS", "C5_2_TRAINED", "C5_2_UNIVERSITY"):
        cells[key] = int(base * float(cells[key]))          # the units enter numbers of people
    cells.update({"C5_1_BASE": base, "C5_2_BASE": base})
    for key in list(cells):
        item = key.rsplit("_", 1)[0]
        cells[f"{item}_EVIDENCE"] = f"Báo cáo số {rng.randrange(10, 200)}/BC-UBND ngày 10/12/{year} ({item})"
    return cells


def make_files(root: Path) -> None:
    """THƯ_MỤC/nam-NĂM/<xã>.xlsx: the summary of each commune, made by template → fill → merge."""
    for year in YEARS:
        for commune in COMMUNES:
            work = root / "phieu" / str(year) / commune
            work.mkdir(parents=True, exist_ok=True)
            template = work / "mau-phieu.xlsx"
            subprocess.run([sys.executable, "-m", "cdht_excel", "template", "--rubric", "tt25-2023",
                            "--commune", commune, "--year", str(year), "--province", PROVINCE, "--no-hard-area",
                            "-o", str(template)], check=True, stdout=subprocess.DEVNULL)
            returned = work / "tra-ve"
            returned.mkdir(exist_ok=True)
            fill_workbook(template, returned / "phieu-da-dien.xlsx", values(commune, year), only_existing=True)
            cdht_excel.merge(returned, output=root / f"nam-{year}" / f"{commune}.xlsx")


def main(root: Path) -> tuple[pd.Series, pd.DataFrame]:
    make_files(root)
    districts = [cdht_excel.district(root / f"nam-{year}") for year in YEARS]
    communes = pd.concat([d.communes_frame() for d in districts], ignore_index=True)
    criteria = pd.concat([d.criteria_frame() for d in districts], ignore_index=True)

    counted = communes[communes["status"] == "ok"]          # conflicting or altered summaries are not counted
    share = counted.groupby("year")["level"].apply(lambda level: round(100 * (level == 2).mean(), 1))
    print("Tỷ lệ xã đạt mức độ 2 (%):")
    print(share.to_string())

    indicators = criteria[(criteria["row_type"] == "indicator") & (criteria["commune_status"] == "ok")]
    below = indicators[indicators["level"] < 2]
    failed = (below.groupby("id").agg(so_lan=("commune", "size"), noi_dung=("title", "first"))
              .sort_values(["so_lan"], ascending=False, kind="stable").head(5))
    print("\nNăm chỉ tiêu chưa đạt mức độ 2 nhiều lượt nhất (ba năm):")
    for item, row in failed.iterrows():
        print(f"  {item}: {row['so_lan']} lượt — {row['noi_dung'][:90]}")
    return share, failed


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory(prefix="cdht-vi-du-") as folder:
            main(Path(folder))

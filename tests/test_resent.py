"""Re-sent copies: per-item conflicts, which copy was saved later, `cdht merge --prefer-newer`."""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
from commune import TT44_SCORES, codes, finding, merge, returned_set, tt44_values
from support import run_cli, soffice_available, soffice_convert_many

from cdht_excel.rules import findings as F

OFFICE = 2                                   # Văn phòng UBND xã: criteria 2, 7, 11


def office_file(folder: Path) -> Path:
    return sorted(folder.glob("*.xlsx"))[OFFICE - 1]


def set_saved(path: Path, when: str | None) -> None:
    """Rewrite docProps/core.xml's dcterms:modified (None: remove it), as another program would."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", "", text)
                if when:
                    text = text.replace("</cp:coreProperties>",
                                        f"<dcterms:modified xmlns:dcterms=\"http://purl.org/dc/terms/\" "
                                        f"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                                        f"xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:modified>"
                                        "</cp:coreProperties>")
                data = text.encode("utf-8")
            dst.writestr(info, data)
    tmp.replace(path)


def resent_set(tmp_path, change: dict, name: str = "Văn phòng UBND xã (gửi lại).xlsx"):
    """Ten returns, and a re-sent copy of Văn phòng UBND xã saved a week later with `change`."""
    folder = returned_set(tmp_path, tt44_values())
    original = office_file(folder)
    set_saved(original, "2024-12-09T09:55:00Z")
    from support import fill
    resent = fill(original, folder / name, dict(tt44_values(), **change), only_existing=True)
    set_saved(resent, "2024-12-16T14:20:00Z")
    return folder, original, resent


def test_resent_copy_differing_in_one_criterion_is_one_conflict(tmp_path):
    folder, original, resent = resent_set(tmp_path, {"C7_SCORE": 5.5})
    code, _, report = merge(folder)
    assert code == 1
    conflicts = [f for f in report["findings"] if f["code"] == "unit-conflict"]
    assert len(conflicts) == 1
    f = conflicts[0]
    assert (f["criterion"], f["cell"], f["unit"]) == ("7", "E12", "Văn phòng UBND xã")
    assert original.name in f["message"] and resent.name in f["message"]
    assert "= 6" in f["message"] and "= 5,5" in f["message"] and "5.5" not in f["message"]
    assert f"bản lưu sau là “phieu/{resent.name}”" in f["message"] and "thời điểm lưu ghi trong tệp" in f["message"]
    assert "docProps" not in f["message"] and ".xml" not in f["message"]     # no file-format internals
    criteria = {c["id"]: c for c in report["criteria"]}
    assert criteria["7"]["status"] == "conflict" and criteria["7"]["score"] is None
    assert (criteria["2"]["score"], criteria["11"]["score"]) == (TT44_SCORES[2], TT44_SCORES[11])
    assert criteria["2"]["status"] == criteria["11"]["status"] == "ok"
    assert report["classification"]["code"] == "chua-xep-loai"
    assert "tiêu chí 7" in report["classification"]["reason"]


def test_status_shows_the_unit_filled_with_its_conflicts(tmp_path):
    folder, _, _ = resent_set(tmp_path, {"C7_SCORE": 5.5})
    code, text = run_cli("status", folder)
    line = next(x for x in text.splitlines() if "Văn phòng UBND xã" in x)
    assert re.search(r"Văn phòng UBND xã +3/3 +1 xung đột$", line), text


def test_prefer_newer_takes_the_later_copy_with_one_warning(tmp_path):
    folder, original, resent = resent_set(tmp_path, {"C7_SCORE": 5.5})
    code, _, report = merge(folder, extra=["--prefer-newer"])
    assert code == 0, codes(report)
    assert report["complete"] and report["total"] == 92.5 - 6 + 5.5
    assert "unit-conflict" not in codes(report)
    warnings = [f for f in report["findings"] if f["code"] == "conflicts-newer-chosen"]
    assert len(warnings) == 1 and warnings[0]["severity"] == F.WARNING
    assert "tiêu chí 7" in warnings[0]["message"] and resent.name in warnings[0]["message"]
    assert original.name in warnings[0]["message"]


def test_two_differing_items_are_two_conflicts_and_blank_cells_do_not_conflict(tmp_path):
    folder, _, resent = resent_set(tmp_path, {"C2_SCORE": 6, "C11_EVIDENCE": "Kế hoạch số 3/KH-UBND",
                                              "C7_EVIDENCE": None})
    code, _, report = merge(folder)
    conflicts = sorted((f["criterion"], f["cell"]) for f in report["findings"] if f["code"] == "unit-conflict")
    assert conflicts == [("11", "F13"), ("2", "E11")]
    criteria = {c["id"]: c for c in report["criteria"]}
    assert criteria["7"]["score"] == TT44_SCORES[7] and criteria["7"]["evidence"]


def test_saved_time_falls_back_to_the_file_time_and_says_so(tmp_path):
    folder, original, resent = resent_set(tmp_path, {"C7_SCORE": 5.5})
    set_saved(original, None)
    set_saved(resent, None)
    os.utime(original, (1_700_000_000, 1_700_000_000))
    os.utime(resent, (1_700_100_000, 1_700_100_000))
    _, _, report = merge(folder)
    f = finding(report, "unit-conflict")
    assert f"bản lưu sau là “phieu/{resent.name}”" in f["message"] and "thời gian sửa tệp trên máy" in f["message"]


@pytest.mark.skipif(not soffice_available(), reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("fmt,source", [("ods", "meta.xml"), ("xls", "SummaryInformation")])
def test_saved_time_of_libreoffice_copies(tmp_path, fmt, source):
    folder, original, resent = resent_set(tmp_path, {"C7_SCORE": 5.5}, name="VP UBND gửi lại.xlsx")
    converted = soffice_convert_many([resent], fmt, tmp_path / fmt)[0]
    resent.unlink()
    moved = converted.rename(folder / converted.name)
    _, _, report = merge(folder)
    conflicts = [f for f in report["findings"] if f["code"] == "unit-conflict"]
    assert [f["criterion"] for f in conflicts] == ["7"]
    message = conflicts[0]["message"]          # the file's own saved time, said without its format's internals
    assert f"bản lưu sau là “phieu/{moved.name}”" in message and "thời điểm lưu ghi trong tệp" in message
    assert source not in message and "thời gian sửa tệp trên máy" not in message
    _, _, resolved = merge(folder, extra=["--prefer-newer"])
    assert resolved["total"] == 92.5 - 6 + 5.5 and resolved["complete"]

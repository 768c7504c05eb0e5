"""Done-when (issue 11): the same ten returns give the same result whatever mix of NFC/NFD, old/new tone
placement and TCVN3/VNI/Unicode text the units used."""
from __future__ import annotations

import unicodedata
from pathlib import Path

from cdht_excel.reading import legacy as L
from cdht_excel.vietnamese import name_key
from commune import merge, tt44_values
from support import fill, make_template

EVIDENCE = {cid: f"Báo cáo số {cid}/BC-UBND ngày 10/12/2024 về kết quả xây dựng cộng đồng học tập, tiêu chí {cid}"
            for cid in range(1, 16)}
NOTES = {cid: "Đã thống nhất tại cuộc họp cuối kỳ của Ban chỉ đạo" for cid in range(1, 16)}


def values(transform) -> dict:
    out = tt44_values()
    for cid in range(1, 16):
        out[f"C{cid}_EVIDENCE"] = transform(cid, EVIDENCE[cid])
        out[f"C{cid}_NOTE"] = transform(cid, NOTES[cid])
    return out


def unicode_nfc(cid, text):
    return text


def mixed(cid, text):
    """Each unit its own habit: NFD, TCVN3, VNI, or NFC."""
    habit = cid % 4
    if habit == 0:
        return unicodedata.normalize("NFD", text)
    if habit == 1:
        return L.encode(text, L.TCVN3)
    if habit == 2:
        return L.encode(text, L.VNI)
    return text


def returns(tmp_path: Path, transform, communes: tuple[str, ...]) -> Path:
    """Ten unit files; unit n's file comes from the template of communes[n % len(communes)]."""
    out = tmp_path / "phieu"
    out.mkdir(parents=True)
    splits = []
    for i, name in enumerate(communes):
        work = tmp_path / f"mau-{i}"
        make_template(work, commune=name, split_dir=work / "split")
        splits.append(sorted((work / "split").glob("*.xlsx")))
    for n in range(10):
        src = splits[n % len(splits)][n]
        fill(src, out / f"Phiếu {n + 1:02d}.xlsx", values(transform), only_existing=True)
    return out


def outcome(report: dict) -> dict:
    return {"commune": name_key(report["commune"]), "total": report["total"], "complete": report["complete"],
            "classification": report["classification"],
            "criteria": [(c["id"], c["score"], c["status"], c["evidence"]) for c in report["criteria"]]}


def test_same_result_whatever_the_units_typed_with(tmp_path):
    _, _, plain = merge(returns(tmp_path / "a", unicode_nfc, ("Đồng Hòa",)))
    nfd_name = unicodedata.normalize("NFD", "Đồng Hoà")
    _, _, varied = merge(returns(tmp_path / "b", mixed, ("Đồng Hòa", "Đồng Hoà", nfd_name)))
    assert plain["complete"] and plain["total"] == 92.5
    assert outcome(varied) == outcome(plain)
    assert "other-commune" not in [f["code"] for f in varied["findings"]]
    legacy_cells = [f for f in varied["findings"] if f["code"] == "text-legacy-encoding"]
    assert len(legacy_cells) == 2 * sum(1 for cid in range(1, 16) if cid % 4 in (1, 2))

"""The analysts' API (`cdht_excel.api`) and `cdht district --parquet`: the same engine as the commands, frames that
agree cell for cell with `--json` and `--csv` (on the samples and on 1,000 benchmark communes), the dtypes, the
optional packages said in Vietnamese when missing, and `import cdht_excel` staying cheap."""
from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from support import message_of, run_cli

import cdht_excel
from cdht_excel import api
from cdht_excel.above.district import CLAIMED_HEADER
from cdht_excel.outputs import tables as T
from cdht_excel.rules import findings as F

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
KINDS = {"category", "string", "Float64", "Int64", "boolean"}


def value(v):
    """A frame cell as plain Python: <NA> / NaN → None."""
    return None if pd.isna(v) else v


def records(frame: pd.DataFrame) -> list[dict]:
    return [{k: value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def run_district(tmp_path, *inputs, extra=()) -> tuple[int, dict, list[list[str]], Path]:
    """`cdht district` as a user runs it, with --json, --csv and --parquet: (code, JSON, CSV rows, parquet)."""
    out = tmp_path / "cli"
    out.mkdir(parents=True, exist_ok=True)
    code, text = run_cli("district", *inputs, "-o", out / "huyen.xlsx", "--json", out / "huyen.json",
                         "--csv", out / "huyen.csv", "--parquet", out / "huyen.parquet", *extra)
    assert code in (0, 1), text
    data = json.loads((out / "huyen.json").read_text("utf-8"))
    with open(out / "huyen.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return code, data, rows, out / "huyen.parquet"


# --------------------------------------------------------------------------- agreement with the outputs

def communes_agree_with_json(frame: pd.DataFrame, data: dict) -> None:
    """Every column of every row against the JSON row: the result that counts (null when not counted, the
    check's after --checked), the self-assessment beside it, the status and why."""
    assert len(frame) == len(data["communes"])
    level_of = {c["code"]: c.get("level") for c in data["classes"]}
    for row, j in zip(records(frame), data["communes"]):
        cls, own = j["classification"] or {}, j.get("self") or {}
        own_cls = own.get("classification") or {}
        expected = {"province": j["province"], "district": j["district"], "commune_kind": j["commune_kind"],
                    "commune": j["commune"], "year": j["year"], "commune_code": j.get("commune_code"),
                    "rubric": j["rubric"], "scheme": j["scheme"],
                    "total": j["total"], "level": level_of.get(cls.get("code")),
                    "class_code": cls.get("code"), "class_label": cls.get("label"),
                    "complete": j["complete"], "errors": j["counts"]["error"], "warnings": j["counts"]["warning"],
                    "status": j["status"], "status_label": j["status_label"] or None, "counted_by": j["counted_by"],
                    "self_total": own.get("total"), "self_level": level_of.get(own_cls.get("code")),
                    "self_class_code": own_cls.get("code"), "self_class_label": own_cls.get("label"),
                    "source_kind": j["source_kind"], "source": "; ".join(j["source"]),
                    "check_status": (j.get("check") or {}).get("status"),
                    "previous_class_code": ((j.get("previous") or {}).get("classification") or {}).get("code"),
                    "previous_class_label": ((j.get("previous") or {}).get("classification") or {}).get("label"),
                    "change": (j.get("previous") or {}).get("change")}
        assert set(row) == set(expected) | {"claimed"}
        assert {k: row[k] for k in expected} == expected, j["commune"]
        counted = j["status"] == "ok"
        assert (row["claimed"] is None) == counted and (row["counted_by"] is None) == (not counted)
        if not counted:           # what the file states is never the row's result
            assert (row["total"], row["class_code"], row["complete"]) == (None, None, None)
            for copy in j["claimed"]:
                assert f"{copy['classification']['label']}" in row["claimed"] and copy["source"] in row["source"]


def criteria_agree_with_json(frame: pd.DataFrame, data: dict) -> None:
    rows = iter(records(frame))
    n = 0
    for j in data["communes"]:
        for c in j["criteria"]:
            row = next(rows)
            n += 1
            assert (row["commune"], row["year"], row["commune_status"]) == (j["commune"], j["year"], j["status"])
            assert row["row_type"] == "criterion" and row["id"] == row["criterion_id"] == c["id"]
            assert (row["title"], row["unit"], row["score"], row["max"], row["level"], row["passed"], row["status"]) \
                == (c["title"], c["unit"], c["score"], c["max"], c.get("level"), c["passed"], c["status"])
            source = c["source"] or {}
            assert (row["source_file"], row["source_sheet"]) == (source.get("file"), source.get("sheet"))
            for item in c.get("items") or []:
                row = next(rows)
                n += 1
                level = None if item["status"] != "ok" else 2 if item["level_2"] else 1 if item["level_1"] else 0
                assert (row["row_type"], row["criterion_id"], row["id"], row["level"], row["status"]) \
                    == ("indicator", c["id"], item["id"], level, item["status"])
                assert row["passed"] == (None if level is None else item["level_1"])
                assert row["entered"] == (None if item["entered"] is None else str(item["entered"]))
                assert row["title"] and row["title"].startswith("Chỉ tiêu")
    assert next(rows, None) is None and n == len(frame)


def number_cell(text: str):
    return None if text == "" else float(text.replace(",", "."))


SELF = "Tự đánh giá: "


def agree_with_csv(communes: pd.DataFrame, data: dict, rows: list[list[str]]) -> None:
    """The CSV (the "Các xã" sheet) against the frame, cell by cell, found by header: the result that counts
    (labelled "(kết quả kiểm tra)" after --checked), "Tình trạng", the self-assessment, "Đầy đủ", the criteria
    (the self-assessment's; blank for a commune not counted), the claimed figures apart."""
    head, body = rows[0], rows[1:]
    assert len(body) == len(communes)
    checked = "check" in data
    by = " (kết quả kiểm tra)" if checked else ""
    status = head.index("Tình trạng")
    own = [i for i, h in enumerate(head) if h.startswith(SELF)]
    tc = [(i, h.removeprefix("TC ").removesuffix(" (tự đánh giá)")) for i, h in enumerate(head) if h.startswith("TC ")]
    for n, (row, j, cells) in enumerate(zip(records(communes), data["communes"], body), start=1):
        assert cells[:5] == [str(n), row["province"], row["district"], f"{row['commune_kind']} {row['commune']}",
                             str(row["year"])]
        points = row["scheme"] == "points"
        assert head[status - 1].endswith(by) and cells[status - 1] == (row["class_label"] or "")
        if points:
            assert head[5] == "Tổng điểm" + by and number_cell(cells[5]) == row["total"]
        assert status == (7 if points else 6) and cells[status] == (row["status_label"] or "")
        assert len(own) == (2 if points else 1) * checked
        if checked:
            assert cells[own[-1]] == (row["self_class_label"] or "")
            if points:
                assert number_cell(cells[own[0]]) == row["self_total"]
        counted = row["status"] == "ok"
        assert cells[head.index("Đầy đủ")] == (("Có" if row["complete"] else "Không") if counted else "")
        assert [int(cells[-4]), int(cells[-3])] == [row["errors"], row["warnings"]]
        assert head[-2] == CLAIMED_HEADER and cells[-2] == (row["claimed"] or "") and cells[-1] == row["source"]
        mine = {c["id"]: c for c in j["criteria"]}
        for i, cid in tc:
            r = mine.get(cid) if counted else None
            if points:
                assert number_cell(cells[i]) == (r["score"] if r else None), (row["commune"], cid)
            else:
                level = None if r is None else r.get("level")
                assert cells[i] == ("" if level is None else ["Không đạt", "Mức độ 1", "Mức độ 2"][level])


def parquet_is_the_criteria_frame(path: Path, frame: pd.DataFrame) -> None:
    back = pd.read_parquet(path, dtype_backend="numpy_nullable")
    assert list(back.columns) == list(frame.columns) and len(back) == len(frame)
    for name in frame.columns:
        a, b = frame[name], back[name]
        if isinstance(a.dtype, pd.CategoricalDtype):
            assert list(a.cat.categories) == list(b.cat.categories) and a.cat.ordered == b.cat.ordered, name
        assert [value(x) for x in a] == [value(x) for x in b], name


def check_all(tmp_path, *inputs, extra=(), **options) -> api.District:
    _, data, rows, parquet = run_district(tmp_path, *inputs, extra=extra)
    d = api.district(list(inputs), **options)
    assert d.to_dict() == data
    communes, criteria = d.communes_frame(), d.criteria_frame()
    communes_agree_with_json(communes, data)
    criteria_agree_with_json(criteria, data)
    agree_with_csv(communes, data, rows)
    parquet_is_the_criteria_frame(parquet, criteria)
    findings = d.findings_frame()
    assert records(findings) == [{k: f.get(k) for k in findings.columns} for f in data["findings"]]
    for f in (communes, criteria, findings):
        assert {str(t) if not isinstance(t, pd.CategoricalDtype) else "category" for t in f.dtypes} <= KINDS
    return d


def test_samples_agree_with_json_csv_and_parquet(tmp_path):
    """TT 44: the clean set and the set with errors (the same commune twice: a conflict, listed, not counted)."""
    d = check_all(tmp_path, SAMPLES / "dong-thinh-2024", SAMPLES / "dong-thinh-2024-co-loi")
    communes = d.communes_frame()
    assert list(communes["status"]) == ["conflict"]
    assert list(communes["class_label"].cat.categories) == ["Tốt", "Khá", "Trung bình", "Chưa đạt", "Chưa xếp loại"]
    assert communes["class_label"].cat.ordered


def test_tt25_sample_agrees_and_has_indicator_rows(tmp_path):
    d = check_all(tmp_path, SAMPLES / "dong-thinh-2025-tt25")
    communes, criteria = d.communes_frame(), d.criteria_frame()
    assert list(communes["class_label"].cat.categories) == ["Mức độ 2", "Mức độ 1", "Chưa đạt", "Chưa xếp loại"]
    assert (communes["level"].tolist(), communes["class_code"].tolist()) == ([1], ["muc-do-1"])
    indicators = criteria[criteria["row_type"] == "indicator"]
    assert len(indicators) == 15
    below_2 = sorted(indicators.loc[indicators["level"] < 2, "id"])
    assert below_2 == ["4.2", "4.3", "5.1", "5.2"]        # samples/README.md: why it is level 1, not 2
    assert list(criteria["result"].cat.categories) == ["Đạt mức độ 2", "Đạt mức độ 1", "Không đạt"]


def test_summaries_of_several_years_and_folders(tmp_path):
    """Summaries written by `cdht merge` and a folder together; the other year's commune is left out, said."""
    summaries = tmp_path / "tong-hop"
    summaries.mkdir()
    for folder in ("dong-thinh-2024", "dong-thinh-2025-tt25"):
        code, text = run_cli("merge", SAMPLES / folder, "-o", summaries / f"{folder}.xlsx")
        assert code == 0, text
    d = check_all(tmp_path, summaries)
    assert "commune-other-year" in set(d.findings_frame()["code"]) and len(d.communes_frame()) == 1


def _benchmark_module():
    spec = importlib.util.spec_from_file_location("benchmark_district", REPO / "benchmarks" / "district.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # its worker processes find their functions by the module's name
    spec.loader.exec_module(module)
    return module


def test_a_thousand_benchmark_communes_agree(tmp_path_factory):
    """The benchmark's own generator: 1,000 real summaries (from 8 communes merged for real)."""
    root = tmp_path_factory.mktemp("bench")
    files = _benchmark_module().ensure(root, 1000, 8)
    assert len(files) == 1000
    d = check_all(tmp_path_factory.mktemp("out"), root / "summaries")
    communes = d.communes_frame()
    assert len(communes) == 1000 and len(d.criteria_frame()) == 15_000
    assert communes["class_code"].nunique() > 1 and communes["total"].nunique() > 1


# --------------------------------------------------------------------------- merge, read_report

def test_merge_is_the_command_and_reads_back(tmp_path):
    code, text = run_cli("merge", SAMPLES / "dong-thinh-2025-tt25", "-o", tmp_path / "t.xlsx", "--json",
                         tmp_path / "t.json")
    assert code == 0, text
    by_command = json.loads((tmp_path / "t.json").read_text("utf-8"))
    a = api.merge(SAMPLES / "dong-thinh-2025-tt25")
    assert a.to_dict() == by_command and (a.class_code, a.year, a.complete) == ("muc-do-1", 2025, True)
    written = api.merge([SAMPLES / "dong-thinh-2025-tt25"], output=tmp_path / "api.xlsx", json=tmp_path / "api.json")
    assert written.path == tmp_path / "api.xlsx" and json.loads((tmp_path / "api.json").read_text("utf-8")) == by_command
    from_json, from_summary = api.read_report(tmp_path / "t.json"), api.read_report(tmp_path / "t.xlsx")
    assert from_json.to_dict() == by_command
    # the summary is read by the district's reader, which keeps the report without the evidence texts
    assert from_summary.to_dict()["criteria"] == [{k: v for k, v in c.items() if k != "evidence"}
                                                 for c in by_command["criteria"]]
    pd.testing.assert_frame_equal(from_json.criteria_frame(), from_summary.criteria_frame())
    assert len(from_json.criteria_frame()) == 5 + 15 and from_json.findings_frame().empty
    assert from_json.criteria_frame()["commune_status"].isna().all()       # a lone report has no district status


def test_merge_that_reads_nothing_raises_the_findings(tmp_path):
    with pytest.raises(F.Failed) as caught:
        api.merge(tmp_path)
    assert "no-input" in [f.code for f in caught.value.findings]


def test_read_report_refuses_what_is_not_a_commune_report(tmp_path):
    _, data, _, _ = run_district(tmp_path, SAMPLES / "dong-thinh-2024")
    district_json = tmp_path / "cli" / "huyen.json"
    cases = [district_json, tmp_path / "ho-so.pdf", SAMPLES / "dong-thinh-2024" / "Hội ND - tiêu chí 8.xlsx"]
    (tmp_path / "ho-so.pdf").write_bytes(b"%PDF-1.7\n")
    for path in cases:
        with pytest.raises(F.Failed) as caught:
            api.read_report(path)
        assert [f.code for f in caught.value.findings] == ["report-unrecognised"], path
    with pytest.raises(F.Failed) as caught:
        api.read_report(tmp_path / "khong-co.json")
    assert [f.code for f in caught.value.findings] == ["input-missing"]


def test_an_edited_summary_is_not_read_as_it_stands(tmp_path):
    """read_report recomputes a summary like `cdht district` does: a hand-changed result is refused."""
    import zipfile
    code, _ = run_cli("merge", SAMPLES / "dong-thinh-2024", "-o", tmp_path / "t.xlsx")
    assert code == 0
    edited = tmp_path / "sua.xlsx"
    with zipfile.ZipFile(tmp_path / "t.xlsx") as src, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, body.replace(b'"total":87.5', b'"total":97.5'))     # the result part
    with pytest.raises(F.Failed) as caught:
        api.read_report(edited)
    assert any(f.code.startswith("summary-") for f in caught.value.findings), caught.value.findings


# --------------------------------------------------------------------------- options of district

def test_district_api_writes_the_outputs_asked(tmp_path):
    d = api.district(SAMPLES / "dong-thinh-2024", communes=["Đồng Thịnh", "Đồng Tâm"], csv=tmp_path / "h.csv",
                     parquet=tmp_path / "h.parquet")
    assert sorted(d.outputs) == ["csv", "parquet"] and (tmp_path / "h.csv").is_file()
    assert not list(tmp_path.glob("*.xlsx"))
    assert "commune-missing" in set(d.findings_frame()["code"])
    assert d.data["indicator"] is None and len(d.reports()) == 1


def test_with_the_level_above_s_check_the_frame_carries_it(tmp_path):
    """--checked: the check's status and class beside the self-assessment, as --json carries them."""
    from test_district_check import TT44_SCORES, _inbox, fill_form, same_as_self
    inbox = _inbox(tmp_path)
    form = tmp_path / "phieu.xlsx"
    api.district(inbox, check_form=form)
    values = same_as_self("xã An Bình")
    values.update({("xã Bình Minh", str(cid)): score for cid, score in {**TT44_SCORES, 3: 2, 15: 3.5}.items()})
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", values)
    d = check_all(tmp_path / "run", inbox, extra=("--checked", filled), checked=filled)
    communes = d.communes_frame()
    by_name = {r["commune"]: r for r in records(communes)}
    minh, son = by_name["Bình Minh"], by_name["Cao Sơn"]
    assert (minh["class_label"], minh["self_class_label"], minh["counted_by"], minh["check_status"]) == \
        ("Khá", "Tốt", "check", "checked")
    assert minh["total"] < minh["self_total"] and minh["complete"] is True
    assert (son["check_status"], son["class_code"], son["total"], son["counted_by"]) == \
        ("unchecked", "chua-kiem-tra", None, "check")
    assert son["self_class_label"] is not None and son["status_label"] == "Chưa kiểm tra xong"
    assert list(communes["class_code"].cat.categories)[-1] == "chua-kiem-tra"
    assert "chua-kiem-tra" not in list(communes["self_class_code"].cat.categories)
    ok = communes[communes["status"] == "ok"]
    assert ok.groupby("class_code", observed=False).size().to_dict() == d.to_dict()["counts"]
    assert ok.groupby("self_class_code", observed=False).size().to_dict() == d.to_dict()["counts_self"]


def test_communes_not_counted_have_no_result_in_the_frame(tmp_path):
    """A summary edited by hand (total 99, class Tốt: refused), a commune sent twice with different results
    (conflict) and one outside the --communes list: listed with their status and why, no total, class or
    completeness; what their files state only in `claimed`, as the CSV's column apart."""
    from test_district_counted import merged_summary
    from test_district_trust import tamper

    from commune import tt44_values, with_total
    inbox = tmp_path / "nop"
    inbox.mkdir()
    edited = inbox / "tổng hợp Đồng Thịnh.xlsx"
    code, text = run_cli("merge", SAMPLES / "dong-thinh-2024", "-o", edited)
    assert code == 0, text

    def promote(report):
        report["total"] = 99
        report["classification"] = {"code": "tot", "label": "Tốt"}
    tamper(edited, promote, cover={87.5: 99})
    area = {"district": "", "province": ""}          # as the sample: no district named, none left out by area
    merged_summary(inbox, "An Bình", **area)
    merged_summary(inbox, "An Bình", tt44_values(with_total(80)), out_name="An Bình gửi lại.xlsx", **area)
    merged_summary(inbox, "Bắc Sơn", **area)
    merged_summary(inbox, "Cao Sơn", **area)
    listed = tmp_path / "danh-sach.txt"
    listed.write_text("Đồng Thịnh\nAn Bình\nBắc Sơn\n", encoding="utf-8")
    d = check_all(tmp_path / "run", inbox, extra=("--communes", listed), communes=listed)
    rows = {r["commune"]: r for r in records(d.communes_frame())}
    assert {name: r["status"] for name, r in rows.items()} == \
        {"An Bình": "conflict", "Bắc Sơn": "ok", "Cao Sơn": "outside", "Đồng Thịnh": "invalid"}
    dong = rows["Đồng Thịnh"]
    assert (dong["total"], dong["class_label"], dong["complete"], dong["counted_by"]) == (None, None, None, None)
    assert dong["status_label"] == "Không tính: tệp tổng hợp bị sửa"
    assert dong["claimed"] == "tệp ghi: 99 điểm, Tốt; tính lại từ điểm các tiêu chí trong tệp: 87,5 điểm, Tốt"
    assert not any(r["total"] == 99 for r in rows.values())
    an = rows["An Bình"]
    assert an["total"] is None and "80 điểm, Khá" in an["claimed"] and "92,5 điểm, Tốt" in an["claimed"]
    assert (rows["Bắc Sơn"]["total"], rows["Bắc Sơn"]["counted_by"], rows["Bắc Sơn"]["claimed"]) == (92.5, "self", None)
    communes = d.communes_frame()
    assert list(communes["status"].cat.categories) == ["ok", "conflict", "invalid", "outside"]
    counted = communes[communes["status"] == "ok"].groupby("class_code", observed=False).size()
    assert counted.to_dict() == d.to_dict()["counts"]
    criteria = d.criteria_frame()
    assert set(criteria.loc[criteria["commune_status"] == "ok", "commune"]) == {"Bắc Sơn"}


def _limit_file_size():
    import resource
    import signal
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a write past the limit fails (EFBIG) instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (8000, 8000))    # the TT 25 sample's parquet is about 9 KB


def test_parquet_is_written_atomically(tmp_path):
    """A parquet that cannot be written fails with the finding (exit 2 in the command); the earlier file stays
    as it was and no temporary file is left."""
    target = tmp_path / "out" / "h.parquet"
    api.district(SAMPLES / "dong-thinh-2024", parquet=target)
    before = target.read_bytes()
    code = ("import cdht_excel\nfrom cdht_excel.rules.findings import Failed\n"
            f"try:\n    cdht_excel.district({str(SAMPLES / 'dong-thinh-2025-tt25')!r}, parquet={str(target)!r})\n"
            "except Failed as exc:\n    print([f.code for f in exc.findings])\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", cwd=REPO,
                         timeout=120, preexec_fn=_limit_file_size)
    assert run.stdout.strip() == "['output-too-large']", run.stdout + run.stderr
    assert target.read_bytes() == before and [p.name for p in target.parent.iterdir()] == ["h.parquet"]


def test_parquet_needs_its_extension(tmp_path):
    code, text = run_cli("district", SAMPLES / "dong-thinh-2024", "-o", tmp_path / "h.xlsx", "--parquet",
                         tmp_path / "h.csv")
    assert code == 2 and message_of("output-wrong-type", expected=".parquet", example="h.parquet") in text


def _without(package: str, code: str) -> subprocess.CompletedProcess:
    """Python with `package` not importable (as on a machine without it), running `code`."""
    prelude = f"import sys; sys.modules[{package!r}] = None\n"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, encoding="utf-8",
                          cwd=REPO, timeout=120)


def test_without_pyarrow_parquet_is_refused_before_any_work(tmp_path):
    out = tmp_path / "h.xlsx"
    run = _without("pyarrow", "from cdht_excel.cli import main\n"
                              f"main(['district', {str(SAMPLES / 'dong-thinh-2024')!r}, '-o', {str(out)!r}, "
                              f"'--parquet', {str(tmp_path / 'h.parquet')!r}])")
    assert run.returncode == 2, run.stderr
    text = " ".join((run.stdout + run.stderr).split())     # the terminal wraps long lines (the path's length)
    assert message_of("package-missing", package="pyarrow", purpose="ghi tệp Parquet (--parquet)", extra="parquet") \
        in text and 'pip install "cdht-excel[parquet]"' in text
    assert "Traceback" not in text and not out.exists() and not (tmp_path / "h.parquet").exists()


def test_without_pandas_the_frames_say_how_to_install():
    run = _without("pandas", "import cdht_excel\n"
                             f"d = cdht_excel.district({str(SAMPLES / 'dong-thinh-2024')!r})\n"
                             "print(d.to_dict()['communes'][0]['commune'])\n"
                             "try:\n    d.communes_frame()\nexcept ImportError as exc:\n    print(exc)\n")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "Đồng Thịnh"
    assert 'Máy này chưa cài gói pandas' in run.stdout and 'pip install "cdht-excel[pandas]"' in run.stdout


def test_import_cdht_excel_stays_cheap():
    run = subprocess.run([sys.executable, "-c", "import sys, cdht_excel, cdht_excel.cli\n"
                          "print(sorted(m for m in ('cdht_excel.api', 'pandas', 'pyarrow') if m in sys.modules))\n"
                          "cdht_excel.read_report\n"
                          "print('cdht_excel.api' in sys.modules, 'pandas' in sys.modules)"],
                         capture_output=True, text=True, timeout=60, cwd=REPO)
    assert run.stdout.split("\n")[:2] == ["[]", "True False"], run.stderr
    assert cdht_excel.district is api.district and set(cdht_excel.__all__) >= set(cdht_excel.API)
    with pytest.raises(AttributeError):
        cdht_excel.no_such_name  # noqa: B018


# --------------------------------------------------------------------------- documentation

def test_readme_documents_every_column_with_its_label():
    readme = (REPO / "README.md").read_text("utf-8")
    for table in (T.COMMUNE_COLUMNS, T.CRITERIA_COLUMNS, T.FINDING_COLUMNS):
        for column in table:
            assert f"| `{column.name}` | {column.label} | {column.kind} |" in readme, column.name


def test_the_worked_example_runs(tmp_path):
    """docs/phan-tich-vi-du.py: three years of a province made with the tools, then analysed with pandas;
    its level-2 shares equal those of `cdht district --json` on the summaries it made."""
    spec = importlib.util.spec_from_file_location("phan_tich_vi_du", REPO / "docs" / "phan-tich-vi-du.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    shares, failed = example.main(tmp_path)
    assert list(shares.index) == list(example.YEARS) and shares.is_monotonic_increasing and shares.iloc[0] < 50
    for year in example.YEARS:
        _, data, _, _ = run_district(tmp_path / f"kiem-{year}", tmp_path / f"nam-{year}")
        ok = [c for c in data["communes"] if c["status"] == "ok"]
        assert len(ok) == len(example.COMMUNES)
        level_2 = sum(c["classification"]["code"] == "muc-do-2" for c in ok)
        assert shares[year] == round(100 * level_2 / len(ok), 1)
    assert len(failed) == 5 and failed["so_lan"].is_monotonic_decreasing
    assert all(failed.index.str.fullmatch(r"\d\.\d"))

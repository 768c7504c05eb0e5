"""The analysts' face: the commands as Python calls, their results as typed objects and pandas tables.

    import cdht_excel as cdht
    d = cdht.district(["tong-hop/"])            # the engine of `cdht district`
    d.communes_frame()                          # one row per commune (pandas)
    d.criteria_frame()                          # commune × criterion / indicator (long form)
    a = cdht.merge(["phieu/"])                  # the engine of `cdht merge`
    a.to_dict()                                 # the report, as `cdht merge --json` writes it
    cdht.read_report("tong-hop.xlsx")           # a summary workbook or a merge JSON, read back

Each call runs the same code as the command (`jobs.py`): nothing here reads, checks or classifies on its
own. The frames are the tables of `outputs/tables.py`, built from the report dicts the JSON writer writes,
given pandas' nullable dtypes. pandas is optional (`pip install "cdht-excel[pandas]"`): it is imported by
the frame methods only, which say in Vietnamese how to install it when it is missing. A run that can
produce nothing raises `cdht_excel.rules.findings.Failed`, whose `.findings` say why (as the command's exit 2).

Layer: a face (like `cli.py`): may import jobs and everything below it; nothing imports it except the
package root's lazy re-export (`cdht_excel.__getattr__`), so `import cdht_excel` and the `cdht` command's
start-up never load it nor pandas.
"""
from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdht_excel import jobs as J
from cdht_excel.outputs import tables as T
from cdht_excel.rules import findings as F

PathLike = str | os.PathLike


def _paths(inputs: PathLike | Iterable[PathLike]) -> list[Path]:
    """One path or several: a folder, files, or a mix, as the commands take them."""
    if isinstance(inputs, (str, os.PathLike)):
        return [Path(inputs)]
    return [Path(p) for p in inputs]


# --------------------------------------------------------------------------- pandas, optional

def _pandas():
    try:
        import pandas
    except ImportError:
        finding = F.make("package-missing", package="pandas", purpose="tạo bảng số liệu (DataFrame)", extra="pandas")
        raise ImportError(f"{finding.message} {finding.hint}", name="pandas") from None
    return pandas


def frame(table: T.Table):
    """A pandas DataFrame of an analysts' table, each column in its dtype (see `outputs/tables.py`)."""
    pd = _pandas()
    columns = {}
    for column in table.columns:
        values = table.values[column.name]
        if column.kind == "category":
            columns[column.name] = pd.Categorical(values, categories=table.categories(column.name),
                                                  ordered=column.name in table.order)
        else:
            columns[column.name] = pd.array(values, dtype=column.kind)
    return pd.DataFrame(columns, columns=[c.name for c in table.columns])


# --------------------------------------------------------------------------- a commune

@dataclass
class Assessment:
    """A commune's result: the report of `cdht merge` (`report`, schema cdht-report/1)."""
    report: dict
    path: Path | None = None        # the file it was read from (read_report) or written to (merge output=…)

    def to_dict(self) -> dict:
        """The report as `cdht merge --json` writes it (a copy)."""
        return copy.deepcopy(self.report)

    @property
    def commune(self) -> str:
        return self.report["commune"]

    @property
    def year(self) -> int:
        return int(self.report["year"])

    @property
    def complete(self) -> bool:
        return bool(self.report.get("complete"))

    @property
    def total(self) -> float | None:
        return self.report.get("total")

    @property
    def class_code(self) -> str:
        return self.report["classification"]["code"]

    @property
    def class_label(self) -> str:
        return self.report["classification"]["label"]

    def criteria_frame(self):
        """One row per criterion and, for TT 25, per indicator (the long form of `District.criteria_frame`)."""
        return frame(T.criteria_table([({}, self.report)], T.indicator_titles))     # no district: no status

    def findings_frame(self):
        """The report's findings, one per row."""
        return frame(T.findings_table(self.report.get("findings") or []))


def merge(inputs: PathLike | Iterable[PathLike], *, output: PathLike | None = None, json: PathLike | None = None,
          prefer_newer: bool = False, with_docs: bool = False, assessing_body: str | None = None) -> Assessment:
    """`cdht merge`: the unit workbooks read, merged, checked and classified.

    `output`: also write the summary workbook (.xlsx) there, `json`: the JSON report; `prefer_newer`,
    `with_docs`, `assessing_body`: as the command's --prefer-newer, --docs and --assessing-body."""
    outputs = [(Path(output) if output else None, J.SUMMARY), (Path(json) if json else None, J.REPORT_JSON)]
    own = J.own_outputs_among_inputs(_paths(inputs), outputs)
    assessment = J.assess_inputs(_paths(inputs), prefer_newer, leave_out=own)
    if output:
        job = J.merge_outputs(assessment, Path(output), json, with_docs, assessing_body)
        return Assessment(job.report, job.summary)
    report = J.merge_report(assessment, with_docs, assessing_body)
    if json:
        from cdht_excel.atomic import write_json
        J.write_output(lambda p: write_json(p, report), Path(json))
    return Assessment(report)


# --------------------------------------------------------------------------- reading a report back

def _report_from_json(path: Path) -> dict:
    from cdht_excel.commune.report import REPORT_SCHEMA
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise _unrecognised(path, f"không đọc được JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA or "criteria" not in data:
        schema = data.get("schema") if isinstance(data, dict) else None
        raise _unrecognised(path, f"dạng “{schema}”, không phải báo cáo của một xã" if schema else
                            "không có dạng cdht-report/1")
    return data


def _report_from_summary(path: Path) -> dict:
    """A summary workbook, read and recomputed by the district's own reader (never trusted as it stands):
    its report as `cdht district --json` carries it (without the evidence texts)."""
    from cdht_excel.above.district import aggregate
    result = aggregate([path], workers=1)
    if not result.communes:
        raise F.Failed(result.findings or [_unrecognised(path, "không có kết quả của xã").findings[0]])
    commune = result.communes[0]
    if commune.kind != "summary":
        raise _unrecognised(path, "đây là phiếu của đơn vị, chưa phải tệp tổng hợp; dùng merge() để tổng hợp")
    if commune.status != "ok" or F.has_errors(result.findings):
        raise F.Failed([f for f in result.findings if f.severity == F.ERROR] or
                       [_unrecognised(path, "kết quả không khớp khi tính lại").findings[0]])
    return json.loads(result.store.get(commune.text))


def _unrecognised(path: Path, detail: str) -> F.Failed:
    return F.Failed([F.make("report-unrecognised", file=str(path), detail=detail)])


# How each kind of file gives its report, by extension. A signed dossier joins here: ".pdf" mapped to a
# function that verifies the signatures and returns the report embedded in the document.
REPORT_READERS: dict[str, Callable[[Path], dict]] = {
    ".json": _report_from_json,
    ".xlsx": _report_from_summary,
    ".xlsm": _report_from_summary,
}


def read_report(path: PathLike) -> Assessment:
    """A commune's report read back from a summary workbook (`cdht merge -o`) or a merge JSON (--json)."""
    path = Path(path)
    reader = REPORT_READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(REPORT_READERS))
        raise _unrecognised(path, f"công cụ đọc lại báo cáo từ các tệp {known}")
    if not path.is_file():
        raise F.Failed([F.make("input-missing", path=str(path))])
    return Assessment(reader(path), path)


# --------------------------------------------------------------------------- many communes

@dataclass
class District:
    """Many communes in one table: the result of `cdht district` (`data`: the district dict)."""
    data: dict
    result: Any = field(repr=False)         # above.district.DistrictResult (each commune's report kept on disk)
    outputs: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """What `cdht district --json` writes: written by the same writer (to a temporary file), read back."""
        from cdht_excel.outputs.json_out import write_district_json
        with tempfile.TemporaryDirectory(prefix="cdht-api-") as tmp:
            target = Path(tmp) / "district.json"
            write_district_json(self.result, self.data, target)
            return json.loads(target.read_bytes().decode("utf-8"))

    def reports(self) -> list[dict]:
        """Each commune's report, as --json carries it (without the evidence texts), in the table's order."""
        return [report for _, report in T.district_reports(self.result, self.data)]

    def communes_frame(self):
        """One row per commune, as --json's rows: place, year, rubric; the result that counts (null for a commune
        not counted, the check's after --checked, the self-assessment in `self_…`); status and why; source."""
        return frame(T.commune_table(self.data))

    def criteria_frame(self):
        """Long form: one row per commune × criterion and, for TT 25, per commune × indicator."""
        return frame(T.criteria_table(T.district_reports(self.result, self.data), T.indicator_titles))

    def findings_frame(self):
        """The district's findings (those of its workbook's findings sheet and of --json), one per row."""
        return frame(T.findings_table(self.data["findings"]))


def district(inputs: PathLike | Iterable[PathLike], *, communes: PathLike | Iterable[str] | None = None,
             workers: int | None = None, checked: PathLike | None = None, previous: PathLike | None = None,
             output: PathLike | None = None, json: PathLike | None = None, csv: PathLike | None = None,
             parquet: PathLike | None = None, check_form: PathLike | None = None) -> District:
    """`cdht district`: summaries and folders of unit workbooks, many communes in one table.

    `communes`: the district's list (a .txt / .xlsx file, or the names); `checked`, `previous`, `check_form`:
    as --checked, --previous, --check-form; `output`, `json`, `csv`, `parquet`: also write those files."""
    if isinstance(communes, (str, os.PathLike)):
        expected = J.read_commune_list(communes)
    else:
        expected = list(communes) if communes is not None else None
    job = J.run_district(_paths(inputs), output, json, csv, expected, workers, None, checked_form=checked,
                         previous_path=previous, check_form=check_form, parquet_path=parquet)
    written = {name: Path(p) for name, p in (("output", output), ("json", json), ("csv", csv),
                                              ("parquet", parquet), ("check_form", check_form)) if p}
    return District(job.data, job.result, written)

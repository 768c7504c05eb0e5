"""Helpers shared by the test files: real workbooks made by the project's own generator.

- ``run_cli(*args)``            run the real ``cdht_excel.cli.main`` in-process: ``(exit_code, output)``
- ``make_template(tmp_path, …)`` a standard workbook written by ``cdht template`` (returns its path)
- ``plan_with_maxima(tmp_path)`` a plan with a province's maxima typed in, and its unit templates
- ``fill(path, out, values)``   fill named cells as a unit would (``cdht_excel.commune.fill.fill_workbook``)
- ``soffice_convert(path, fmt, outdir)``  re-save with LibreOffice; ``None`` when soffice is absent
- ``workbook_snapshot(path)``   everything a template promises, as plain data (to compare workbooks)
- ``read_stamps(path)``         the A1 stamps and the parsed ``_cdht`` sheet, via openpyxl or calamine
- ``message_of(code, **ctx)``, ``says(text, code)``  compare with the findings catalogue, never retyped Vietnamese

Import them in a test file with ``from support import make_template, run_cli`` (``tests/`` is on
``sys.path`` because ``tests/conftest.py`` lives there).
"""
from __future__ import annotations

import re
import shutil
import string
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from cdht_excel.cli import main
from cdht_excel.commune.fill import fill_workbook
from cdht_excel.rules import findings as F
from cdht_excel.rules import stamp as S
from cdht_excel.rules.contract import META_SHEET, STAMP_PREFIX

REPO = Path(__file__).resolve().parents[1]
LEGAL = REPO / "docs" / "legal"          # the legal texts, copied into the project with their sources
COMMUNE = "Đồng Thịnh"

# PRODUCT §3: the seed's assignment (xã Đồng Thịnh 2024) for tt44-2014, written out here on purpose
# (not read from the package's data) so that a change in the package's defaults is caught.
SEED_UNITS_TT44 = [
    ("Văn phòng Đảng ủy xã", ["1"]),
    ("Văn phòng UBND xã", ["2", "7", "11"]),
    ("Ủy ban MTTQ xã", ["3", "10"]),
    ("Nhà trường (Trường THCS – Trường tiểu học)", ["4", "5", "6"]),
    ("Hội Nông dân xã", ["8"]),
    ("Hội Khuyến học xã", ["9"]),
    ("Hội Phụ nữ xã", ["12"]),
    ("Đoàn Thanh niên xã", ["13"]),
    ("Trạm Y tế xã", ["14"]),
    ("Công an xã", ["15"]),
]
SEED_SHEETS_TT44 = ["Văn phòng Đảng ủy xã", "Văn phòng UBND xã", "Ủy ban MTTQ xã", "Nhà trường",
                    "Hội Nông dân xã", "Hội Khuyến học xã", "Hội Phụ nữ xã", "Đoàn Thanh niên xã",
                    "Trạm Y tế xã", "Công an xã"]

# TT 25/2023: 5 criteria, 15 indicators (Điều 6 / Điều 7); the defined names of each indicator.
TT25_INDICATORS = {
    "1": ["1.1", "1.2", "1.3"], "2": ["2.1", "2.2", "2.3"], "3": ["3.1", "3.2", "3.3"],
    "4": ["4.1", "4.2", "4.3", "4.4"], "5": ["5.1", "5.2"],
}
TT25_NAMES = {
    **{f"{i}": ["RESULT", "EVIDENCE", "NOTE"] for c in ("1", "2", "3") for i in TT25_INDICATORS[c]},
    **{i: ["LEVEL", "EVIDENCE", "NOTE"] for i in TT25_INDICATORS["4"]},
    "5.1": ["BASE", "CITIZENS", "EVIDENCE", "NOTE"],
    "5.2": ["BASE", "TRAINED", "UNIVERSITY", "EVIDENCE", "NOTE"],
}


def message_of(code: str, **context) -> str:
    """The catalogue's message for `code`, filled as `findings.make` fills it (every placeholder given)."""
    return F.make(code, **context).message


def catalogue_fragments(code: str, part: str = "message") -> list[str]:
    """The fixed words of a catalogue text: what stands between its {placeholders}."""
    template = F.CATALOGUE[code][1 if part == "message" else 2]
    return [literal.strip() for literal, *_ in string.Formatter().parse(template) if literal.strip()]


def says(text: str, code: str, part: str = "message") -> bool:
    """Whether `text` carries the catalogue's message (or hint) for `code`, whatever its placeholders hold
    (and wherever a terminal line was wrapped)."""
    flat = " ".join(text.split())
    return all(" ".join(fragment.split()) in flat for fragment in catalogue_fragments(code, part))


def item_name(item_id: str, field: str) -> str:
    """'5.2', 'BASE' -> 'CDHT_C5_2_BASE'."""
    return f"CDHT_C{item_id.replace('.', '_')}_{field}"


# --------------------------------------------------------------------------- the command line

def run_cli(*args, env: dict | None = None) -> tuple[int, str]:
    """Run the real ``cdht`` entry point (``cdht_excel.cli.main``) in-process.

    Returns (exit code, stdout and stderr as the user sees them). ``main`` ends with
    ``sys.exit``; the code is taken from that ``SystemExit``. An exception escaping
    ``main`` is a test failure (users must never see a traceback).
    """
    runner = CliRunner()
    argv = [str(a) for a in args]
    # lines unwrapped unless a test asks for a width (COLUMNS=80: tests/test_terminal_width.py)
    with runner.isolation(env={"COLUMNS": "10000", **(env or {})}) as streams:
        # click ≥ 8.2 yields (stdout, stderr, interleaved output); 8.1 (stdout+stderr, None)
        output_stream = [s for s in streams if s is not None][-1]
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code
        else:
            raise AssertionError("cdht_excel.cli.main returned without sys.exit")
        output = output_stream.getvalue().decode("utf-8", errors="replace")
    if code is None:
        code = 0
    if not isinstance(code, int):
        output += str(code)
        code = 1
    return code, output


def run_module(*args, timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m cdht_excel ARGS`` in a subprocess (text output, UTF-8)."""
    return subprocess.run([sys.executable, "-m", "cdht_excel", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout,
                          env={**_clean_env(), "PYTHONIOENCODING": "utf-8"})


def _clean_env() -> dict:
    import os
    env = dict(os.environ)
    env.pop("CDHT_DEBUG", None)
    return env


def make_template(tmp_path, rubric: str = "tt44-2014", year: int = 2024, commune: str = COMMUNE,
                  name: str | None = None, plan=None, split_dir=None, hard_area: bool | None = None,
                  district: str = "", province: str = "", kind: str | None = None) -> Path:
    """A standard workbook made by ``cdht template`` (asserts success, returns its path).

    ``rubric`` is a built-in id or a rubric file; ``plan`` a plan workbook (then commune/year/rubric
    are taken from the plan).
    """
    tmp_path = Path(tmp_path)
    out = tmp_path / (name or f"mau-{Path(str(rubric)).stem}-{year}.xlsx")
    args = ["template", "-o", out]
    if plan is not None:
        args += ["--plan", plan]
    else:
        args += ["--commune", commune, "--year", year, "--rubric", rubric]
        if district:
            args += ["--district", district]
        if province:
            args += ["--province", province]
        if kind:
            args += ["--kind", kind]
        if hard_area is not None:
            args.append("--hard-area" if hard_area else "--no-hard-area")
    if split_dir is not None:
        args += ["--split-dir", split_dir]
    code, output = run_cli(*args)
    assert code == 0, f"cdht template failed ({code}):\n{output}"
    assert out.is_file(), output
    return out


def make_plan(tmp_path, rubric: str = "tt44-2014", year: int = 2024, commune: str = COMMUNE,
              name: str = "ke-hoach.xlsx", **options) -> Path:
    """A plan workbook made by ``cdht plan init`` (asserts success)."""
    out = Path(tmp_path) / name
    args = ["plan", "init", "-o", out, "--commune", commune, "--year", year, "--rubric", rubric]
    for key, value in options.items():
        args += [f"--{key.replace('_', '-')}", value]
    code, output = run_cli(*args)
    assert code == 0, f"cdht plan init failed ({code}):\n{output}"
    return out


# Maxima a province might publish for the TT 44 appendix (which the project does not have): 100 in all.
PROVINCE_MAXIMA = {1: 10, 2: 5, 3: 5, 4: 10, 5: 10, 6: 5, 7: 5, 8: 5, 9: 10, 10: 5, 11: 5, 12: 5, 13: 5, 14: 5, 15: 10}


def plan_with_maxima(tmp_path, maxima: dict | None = None) -> tuple[Path, Path]:
    """A plan whose "Điểm tối đa" sheet has the maxima typed in, as a secretary would, and the unit templates
    made from it with ``--split-dir``: (the plan, the folder of unit templates)."""
    import openpyxl
    maxima = maxima or PROVINCE_MAXIMA
    plan = make_plan(tmp_path)
    wb = openpyxl.load_workbook(plan)
    ws = wb["Điểm tối đa"]
    for row in range(2, 2 + len(maxima)):
        ws.cell(row=row, column=3, value=maxima[int(ws.cell(row=row, column=1).value)])
    wb.save(plan)
    split = Path(tmp_path) / "tach"
    make_template(Path(tmp_path) / "m", plan=plan, split_dir=split)
    return plan, split


def fill(path, out, values: dict, only_existing: bool = False) -> Path:
    """Fill ``values`` ({'C3_SCORE': 7.5, 'C3_EVIDENCE': '…'}) into a copy of the workbook at ``out``."""
    fill_workbook(path, out, values, only_existing=only_existing)
    return Path(out)


# --------------------------------------------------------------------------- LibreOffice

SOFFICE_TIMEOUT = 180


def soffice_available() -> bool:
    return shutil.which("soffice") is not None


def soffice_convert_many(paths, fmt: str, outdir, recalc: bool = False, locale: str | None = None) -> list[Path] | None:
    """Re-save every file with ``soffice --headless --convert-to FMT`` in one start-up.

    ``fmt`` is a LibreOffice target such as ``xlsx``, ``ods`` or ``xls``. Each call uses its own
    LibreOffice profile, so parallel runs do not clash. ``recalc`` makes LibreOffice recalculate every
    formula on load (it otherwise keeps the values saved in a file that says Excel wrote it); ``locale``
    (e.g. "vi-VN") is the locale LibreOffice calculates in (decimal comma). Returns the converted paths,
    or None when LibreOffice is not installed; a failed conversion raises AssertionError with soffice's output.
    """
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    paths = [Path(p).resolve() for p in paths]
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    if any(p.parent == outdir for p in paths):
        raise ValueError("convert into another folder: LibreOffice would overwrite the input")
    profile = Path(tempfile.mkdtemp(prefix="cdht-lo-profile-"))
    _lo_settings(profile, recalc, locale)
    try:
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", fmt, "--outdir", str(outdir), *map(str, paths)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    ext = fmt.split(":")[0]
    results = [outdir / f"{p.stem}.{ext}" for p in paths]
    missing = [r for r in results if not r.is_file()]
    assert not missing, (f"soffice did not write {missing} (exit {proc.returncode}):\n"
                         f"{proc.stdout}\n{proc.stderr}")
    return results


def _lo_settings(profile: Path, recalc: bool, locale: str | None) -> None:
    """Settings in a new LibreOffice profile (the registry file LibreOffice reads when it starts)."""
    items = []
    if recalc:
        items += [f'<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="{mode}" '
                  'oor:op="fuse"><value>0</value></prop></item>' for mode in ("OOXMLRecalcMode", "ODFRecalcMode")]
    if locale:
        items.append('<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" '
                     f'oor:op="fuse"><value>{locale}</value></prop></item>')
    if not items:
        return
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + "".join(items) + "</oor:items>\n", "utf-8")


def soffice_convert(path, fmt: str, outdir) -> Path | None:
    """Re-save one file with LibreOffice (see ``soffice_convert_many``); None if soffice is absent."""
    result = soffice_convert_many([path], fmt, outdir)
    return None if result is None else result[0]


def require(value):
    """``value``, or skip the test when it is None (e.g. a conversion without LibreOffice)."""
    if value is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return value


# --------------------------------------------------------------------------- reading workbooks

def unit_stamps_openpyxl(wb) -> dict[str, str]:
    """{sheet title: A1 text} of every sheet whose A1 holds a unit stamp."""
    return {ws.title: ws["A1"].value for ws in wb.worksheets
            if isinstance(ws["A1"].value, str) and ws["A1"].value.startswith(STAMP_PREFIX)}


def stamps_openpyxl(wb) -> dict:
    """``read_stamps`` of a workbook already loaded with openpyxl."""
    meta_ws = wb[META_SHEET] if META_SHEET in wb.sheetnames else None
    return {"sheets": wb.sheetnames, "visibility": {ws.title: ws.sheet_state for ws in wb.worksheets},
            "a1": unit_stamps_openpyxl(wb),
            "meta": S.parse_meta(meta_ws.iter_rows(values_only=True)) if meta_ws is not None else None}


def read_stamps(path) -> dict:
    """The stamp of a workbook as plain data, read with openpyxl (.xlsx) or python-calamine (.ods, .xls).

    ``{"sheets": [...], "visibility": {...}, "a1": {sheet: stamp text}, "meta": parse_meta(...)}``
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl
        wb = openpyxl.load_workbook(path)
        out = stamps_openpyxl(wb)
        wb.close()
        return out
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(str(path))
    a1, visibility = {}, {}
    for sheet_meta in wb.sheets_metadata:
        visibility[sheet_meta.name] = str(sheet_meta.visible).rsplit(".", 1)[-1].lower()
    meta = None
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        first = rows[0][0] if rows and rows[0] else None
        if isinstance(first, str) and first.startswith(STAMP_PREFIX):
            a1[name] = first
        if name == META_SHEET:
            meta = S.parse_meta(rows)
    return {"sheets": list(wb.sheet_names), "visibility": visibility, "a1": a1, "meta": meta}


def defined_names(wb) -> dict[str, str]:
    """Workbook-level defined names of an openpyxl workbook: {name: formula}."""
    return {name: dn.attr_text for name, dn in wb.defined_names.items()}


def destinations(wb, name: str) -> list[tuple[str, str]]:
    """[(sheet, '$E$11')] of a workbook-level defined name."""
    return list(wb.defined_names[name].destinations)


def named_cell(wb, name: str):
    """The openpyxl cell a single-cell defined name points at."""
    (sheet, coord), = destinations(wb, name)
    return wb[sheet][coord.replace("$", "")]


def validation_for(ws, coord: str):
    """The data validation covering ``coord`` on a sheet (or None)."""
    for dv in ws.data_validations.dataValidation:
        if coord in dv.sqref:
            return dv
    return None


def _validation_data(dv) -> dict:
    return {"sqref": str(dv.sqref), "type": dv.type, "operator": dv.operator, "formula1": dv.formula1,
            "formula2": dv.formula2, "allow_blank": dv.allow_blank, "prompt_title": dv.promptTitle,
            "prompt": dv.prompt, "error_title": dv.errorTitle, "error": dv.error,
            "show_error": dv.showErrorMessage, "show_input": dv.showInputMessage}


def workbook_snapshot(path) -> dict:
    """Everything a template promises, as comparable plain data (never zip bytes).

    Sheet order and visibility, every cell's content (formulas as written), merged ranges,
    hidden rows and columns, sheet protection, data validations, defined names and the stamps.
    """
    import openpyxl

    wb = openpyxl.load_workbook(path)
    sheets = {}
    for ws in wb.worksheets:
        cells = {c.coordinate: _comparable(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
        unlocked = sorted(c.coordinate for row in ws.iter_rows() for c in row
                          if c.protection is not None and c.protection.locked is False)
        sheets[ws.title] = {
            "state": ws.sheet_state,
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "hidden_columns": sorted(k for k, d in ws.column_dimensions.items() if d.hidden),
            "hidden_rows": sorted(k for k, d in ws.row_dimensions.items() if d.hidden),
            "protected": bool(ws.protection.sheet),
            "unlocked": unlocked,
            "validations": sorted((_validation_data(dv) for dv in ws.data_validations.dataValidation),
                                  key=lambda d: (d["sqref"], d["type"] or "")),
        }
    snapshot = {"sheetnames": wb.sheetnames, "sheets": sheets, "defined_names": defined_names(wb),
                "stamps": stamps_openpyxl(wb)}
    wb.close()
    return snapshot


def _comparable(value):
    """A cell's content as plain data: an array formula ({=…}) as its range and text."""
    from openpyxl.worksheet.formula import ArrayFormula
    return ("array", value.ref, value.text) if isinstance(value, ArrayFormula) else value


def first_differences(a, b, path: str = "", limit: int = 10) -> list[str]:
    """Readable differences between two nested structures (for assertion messages)."""
    out: list[str] = []

    def walk(x, y, where):
        if len(out) >= limit:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for key in sorted(set(x) | set(y), key=str):
                if key not in x:
                    out.append(f"{where}/{key}: only in the second: {y[key]!r:.200}")
                elif key not in y:
                    out.append(f"{where}/{key}: only in the first: {x[key]!r:.200}")
                else:
                    walk(x[key], y[key], f"{where}/{key}")
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (p, q) in enumerate(zip(x, y)):
                walk(p, q, f"{where}[{i}]")
        elif x != y:
            out.append(f"{where}: {x!r:.200} != {y!r:.200}")

    walk(a, b, path)
    return out


# --------------------------------------------------------------------------- text

def not_nfc(texts) -> list[str]:
    """The texts that are not in Unicode NFC."""
    return [t for t in texts if isinstance(t, str) and unicodedata.normalize("NFC", t) != t]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


TRACEBACK_RE = re.compile(r"Traceback \(most recent call last\)|^\s+File \".*\", line \d+", re.M)

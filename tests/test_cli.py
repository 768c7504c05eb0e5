"""The `cdht` command line (PRODUCT §4): help, exit codes, Vietnamese messages, no tracebacks."""
from __future__ import annotations

import configparser
import fnmatch
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import openpyxl
import pytest

from cdht_excel.cli import cli
from support import COMMUNE, REPO, TRACEBACK_RE, read_stamps, run_cli, run_module

# Phrases of click's own (English) messages; none may reach a user.
ENGLISH = re.compile(r"\b(Error|Usage|Options|No such|is not a valid|is not one of|does not exist|"
                     r"is a directory|is a file|requires an argument|Got unexpected|Missing (argument|option)|"
                     r"Invalid value|Try )\b")


def commands(group=cli, path=()):
    """Every command path of the CLI, e.g. ('rubric', 'export')."""
    yield path
    if isinstance(group, click.Group):
        for name, command in group.commands.items():
            yield from commands(command, path + (name,))


def assert_vietnamese_failure(code, output):
    assert code == 2, output
    assert "Lỗi" in output, output
    assert not TRACEBACK_RE.search(output), output
    assert not ENGLISH.search(output), output


# --------------------------------------------------------------------------- help

def test_python_m_cdht_excel_help_works():
    proc = run_module("--help")
    assert proc.returncode == 0, proc.stderr
    assert "Cách dùng" in proc.stdout
    for name in ("plan", "template", "rubric"):
        assert re.search(rf"^\s+{name}\s", proc.stdout, re.M), proc.stdout
    assert proc.stderr.strip() == "" or "Traceback" not in proc.stderr


@pytest.mark.parametrize("path", list(commands()), ids=lambda p: " ".join(p) or "cdht")
def test_every_command_has_vietnamese_help(path):
    code, output = run_cli(*path, "--help")
    assert code == 0, output
    assert "Cách dùng: cdht" in output
    assert "Tùy chọn" in output
    assert "Xem hướng dẫn này." in output


def test_version():
    code, output = run_cli("--version")
    assert code == 0 and output.startswith("cdht-excel ")


# --------------------------------------------------------------------------- bad usage → exit 2

BAD_USAGE = {
    "missing year": ["template", "--commune", COMMUNE, "-o", "{tmp}/mau.xlsx"],
    "missing output": ["template", "--commune", COMMUNE, "--year", "2024"],
    "unknown option": ["template", "--bogus"],
    "unknown command": ["frobnicate"],
    "year not a number": ["template", "--commune", COMMUNE, "--year", "năm nay", "-o", "{tmp}/mau.xlsx"],
    "bad choice": ["template", "--commune", COMMUNE, "--year", "2024", "--kind", "tỉnh", "-o", "{tmp}/m.xlsx"],
    "option without value": ["template", "-o"],
    "extra argument": ["rubric", "list", "thừa"],
    "plan file missing": ["template", "--plan", "{tmp}/khong-co.xlsx", "-o", "{tmp}/mau.xlsx"],
    "unknown rubric": ["template", "--commune", COMMUNE, "--year", "2024", "--rubric", "tt99", "-o",
                       "{tmp}/mau.xlsx"],
    "unknown rubric to export": ["rubric", "export", "tt99", "-o", "{tmp}/r.xlsx"],
    "plan init without commune": ["plan", "init", "--year", "2024", "-o", "{tmp}/p.xlsx"],
}


@pytest.mark.parametrize("args", BAD_USAGE.values(), ids=BAD_USAGE.keys())
def test_bad_usage_exits_2_in_vietnamese_without_traceback(tmp_path, args):
    code, output = run_cli(*[a.format(tmp=tmp_path) for a in args])
    assert_vietnamese_failure(code, output)
    assert [p for p in tmp_path.iterdir()] == []


OUTPUT_COMMANDS = {
    "template": ["template", "--commune", COMMUNE, "--year", "2024", "-o"],
    "plan init": ["plan", "init", "--commune", COMMUNE, "--year", "2024", "-o"],
    "rubric export": ["rubric", "export", "tt44-2014", "-o"],
}


@pytest.mark.parametrize("args", OUTPUT_COMMANDS.values(), ids=OUTPUT_COMMANDS.keys())
def test_output_to_an_existing_directory_exits_2(tmp_path, args):
    folder = tmp_path / "ket-qua.xlsx"
    folder.mkdir()
    code, output = run_cli(*args, folder)
    assert_vietnamese_failure(code, output)
    assert "ket-qua.xlsx" in output
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.parametrize("args", OUTPUT_COMMANDS.values(), ids=OUTPUT_COMMANDS.keys())
def test_unwritable_output_exits_2(tmp_path, args):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, output = run_cli(*args, blocker / "out.xlsx")
    assert_vietnamese_failure(code, output)
    assert "Không ghi được" in output


def test_split_dir_that_is_a_file_exits_2(tmp_path):
    blocker = tmp_path / "tung-don-vi"
    blocker.write_text("x")
    code, output = run_cli("template", "--commune", COMMUNE, "--year", 2024, "-o", tmp_path / "mau.xlsx",
                           "--split-dir", blocker)
    assert_vietnamese_failure(code, output)


# --------------------------------------------------------------------------- warnings

@pytest.mark.parametrize("command", [["template", "-o", "mau.xlsx"], ["plan", "init", "-o", "kh.xlsx"]])
@pytest.mark.parametrize("rubric, year, warned", [("tt44-2014", 2024, True), ("tt44-2014", 2025, True),
                                                  ("tt44-2014", 2023, False), ("tt25-2023", 2024, False)])
def test_tt44_from_2024_warns_naming_tt25(tmp_path, command, rubric, year, warned):
    args = [a if not a.endswith(".xlsx") else tmp_path / a for a in command]
    code, output = run_cli(*args, "--commune", COMMUNE, "--year", year, "--rubric", rubric)
    assert code == 0, output               # a warning, not an error
    line = [l for l in output.splitlines() if l.startswith("[Cảnh báo]")]
    if warned:
        assert len(line) == 1 and "TT 44/2014" in line[0] and "25/2023" in line[0], output
    else:
        assert line == [], output


def test_tt25_before_2024_warns_not_yet_in_force(tmp_path):
    code, output = run_cli("template", "--rubric", "tt25-2023", "--commune", COMMUNE, "--year", 2023,
                           "-o", tmp_path / "mau.xlsx")
    assert code == 0
    assert "[Cảnh báo]" in output and "12/02/2024" in output


# --------------------------------------------------------------------------- the installed command

def test_installed_console_script_writes_the_template(tmp_path):
    """`cdht template --commune "Đồng Thịnh" --year 2024 -o mau.xlsx`, as issue 2 runs it after pip install."""
    script = shutil.which("cdht", path=str(Path(sys.executable).parent)) or shutil.which("cdht")
    if script is None:
        pytest.skip("the cdht console script is not installed")
    env = {k: v for k, v in os.environ.items() if k != "CDHT_DEBUG"}
    proc = subprocess.run([script, "template", "--commune", COMMUNE, "--year", "2024", "-o", "mau.xlsx"],
                          cwd=tmp_path, capture_output=True, text=True, encoding="utf-8", timeout=60, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wb = openpyxl.load_workbook(tmp_path / "mau.xlsx")
    assert wb.sheetnames[0] == "Hướng dẫn" and wb.sheetnames[-1] == "_cdht" and len(wb.sheetnames) == 12
    assert read_stamps(tmp_path / "mau.xlsx")["meta"]["commune"] == COMMUNE


def test_setup_ships_every_data_file_and_the_entry_point():
    """`pip install .` includes the rubrics and plans (package_data) and installs `cdht`."""
    setup = REPO / "setup.cfg"
    if not setup.is_file():
        pytest.skip("no setup.cfg in this checkout")
    config = configparser.ConfigParser()
    config.read(setup, encoding="utf-8")
    patterns = [p.strip() for p in config["options.package_data"]["cdht_excel"].split(",")]
    package = REPO / "cdht_excel"
    data = [p.relative_to(package).as_posix() for p in package.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert any(d.startswith("rubrics/") for d in data) and any(d.startswith("plans/") for d in data)
    missing = [d for d in data if not any(fnmatch.fnmatch(d, pat) for pat in patterns)]
    assert missing == [], f"add to [options.package_data] in setup.cfg: {missing}"
    assert "cdht = cdht_excel.cli:main" in config["options.entry_points"]["console_scripts"]

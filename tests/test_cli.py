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
from support import COMMUNE, REPO, TRACEBACK_RE, read_stamps, run_cli, run_module, says

from cdht_excel.cli import cli

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


def cli_command(path):
    command = cli
    for name in path:
        command = command.commands[name]
    return command


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


# click's own English words (headings, markers, type names); none may appear in a help screen.
CLICK_HELP_WORDS = re.compile(r"\b(Usage|Options|Commands|Arguments|Positional|required|default|Show this message|"
                              r"and exit|Error|Try|env var|FILE|TEXT|INTEGER|FLOAT|RANGE|DIRECTORY|PATH|BOOLEAN|"
                              r"OPTIONS|COMMAND|ARGS|Choose from)\b")


@pytest.mark.parametrize("path", list(commands()), ids=lambda p: " ".join(p) or "cdht")
def test_help_has_none_of_clicks_english_words(path):
    code, output = run_cli(*path, "--help")
    assert code == 0, output
    assert not CLICK_HELP_WORDS.search(output), CLICK_HELP_WORDS.search(output).group(0) + "\n" + output


@pytest.mark.parametrize("path", [p for p in commands() if isinstance(cli_command(p), click.Group)],
                         ids=lambda p: " ".join(p) or "cdht")
def test_command_lists_show_whole_summaries(path):
    _code, output = run_cli(*path, "--help")
    flat = " ".join(output.split())
    for name, command in cli_command(path).commands.items():
        first_paragraph = " ".join(command.help.split("\n\n")[0].split())
        assert f"{name} {first_paragraph}" in flat, (name, output)
    assert "..." not in flat.replace("[THAM_SỐ]...", "").replace("merge ...", "")


@pytest.mark.parametrize("path", [p for p in commands() if any(isinstance(a, click.Argument)
                                                               for a in cli_command(p).params)],
                         ids=lambda p: " ".join(p))
def test_every_argument_is_described(path):
    _code, output = run_cli(*path, "--help")
    assert "Tham số:" in output, output
    for argument in (a for a in cli_command(path).params if isinstance(a, click.Argument)):
        assert argument.description and " ".join(argument.description.split()[:4]) in " ".join(output.split())


def test_help_marks_required_defaults_and_ranges_in_vietnamese():
    code, output = run_cli("district", "--help")
    assert re.search(r"-o, --output TỆP\.xlsx\s.*\[bắt buộc\]", output), output
    assert "[từ 1 đến 64]" in output
    _code, output = run_cli("plan", "init", "--help")
    assert "[mặc định: xã]" in output and "--year NĂM" in output


@pytest.mark.parametrize("args, meant", [
    (["mrege", "x"], "merge"), (["templat"], "template"), (["rubric", "exprot"], "export"),
    (["plan", "int"], "init"), (["merge", "--outptu", "x.xlsx", "y"], "--output"),
    (["template", "--comune", "X"], "--commune"), (["district", "--worker", "2"], "--workers"),
])
def test_mistyped_command_or_option_gets_a_suggestion(args, meant):
    code, output = run_cli(*args)
    assert_vietnamese_failure(code, output)
    assert f"Có phải ý bạn là “{meant}”" in output, output


@pytest.mark.parametrize("args", [["merge"], ["merge", "x"], ["template", "--year", "2024"],
                                  ["district", "x", "-o", "d.xlsx", "--workers", "0"],
                                  ["template", "--commune", "X", "--year", "2024", "--kind", "tỉnh", "-o", "m.xlsx"]])
def test_usage_errors_speak_vietnamese(tmp_path, args):
    code, output = run_cli(*args)
    assert_vietnamese_failure(code, output)
    assert not CLICK_HELP_WORDS.search(output), output


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
    assert says(output, "output-unwritable")


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
    # (the dossier's post-reform warning for a plan without an assessing body is tested in test_dossier_layout)
    line = [ln for ln in output.splitlines() if ln.startswith("[Cảnh báo]") and "01/07/2025" not in ln]
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
    # one pattern a line, as setuptools reads a multi-line value (a comma inside a line would be part of a pattern)
    patterns = [p.strip() for p in config["options.package_data"]["cdht_excel"].splitlines() if p.strip()]
    package = REPO / "cdht_excel"
    data = [p.relative_to(package).as_posix() for p in package.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert any(d.startswith("rules/rubrics/") for d in data) and any(d.startswith("commune/plans/") for d in data)
    missing = [d for d in data if not any(fnmatch.fnmatch(d, pat) for pat in patterns)]
    assert missing == [], f"add to [options.package_data] in setup.cfg: {missing}"
    assert "cdht = cdht_excel.cli:main" in config["options.entry_points"]["console_scripts"]


# --------------------------------------------------------------------------- output types

SAMPLE_SET = REPO / "samples" / "dong-thinh-2024"
WRONG_TYPES = {
    "merge -o .ods": (["merge", SAMPLE_SET, "-o", "{tmp}/ketqua.ods"], "ketqua.ods", ".xlsx"),
    "merge --json .txt": (["merge", SAMPLE_SET, "-o", "{tmp}/k.xlsx", "--json", "{tmp}/k.txt"], "k.txt", ".json"),
    "status --json .csv": (["status", SAMPLE_SET, "--json", "{tmp}/tien-do.csv"], "tien-do.csv", ".json"),
    "district -o .ods": (["district", SAMPLE_SET, "-o", "{tmp}/huyen.ods"], "huyen.ods", ".xlsx"),
    "district --json": (["district", SAMPLE_SET, "-o", "{tmp}/h.xlsx", "--json", "{tmp}/h.xls"], "h.xls", ".json"),
    "district --check-form .ods": (["district", SAMPLE_SET, "-o", "{tmp}/h.xlsx", "--check-form", "{tmp}/kt.ods"],
                                   "kt.ods", ".xlsx"),
    "plan init -o .ods": (["plan", "init", "--commune", COMMUNE, "--year", "2024", "-o", "{tmp}/kh.ods"],
                          "kh.ods", ".xlsx"),
    "template -o .ods": (["template", "--commune", COMMUNE, "--year", "2024", "-o", "{tmp}/x.ods"], "x.ods", ".xlsx"),
    "template -o no suffix": (["template", "--commune", COMMUNE, "--year", "2024", "-o", "{tmp}/mau"], "mau", ".xlsx"),
    "rubric export -o .ods": (["rubric", "export", "tt44-2014", "-o", "{tmp}/x.ods"], "x.ods", ".xlsx hoặc .json"),
}


@pytest.mark.parametrize("args, name, expected", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_output_name_of_another_type_is_refused(tmp_path, args, name, expected):
    from cdht_excel.rules import findings as F
    code, output = run_cli(*[str(a).format(tmp=tmp_path) for a in args])
    assert_vietnamese_failure(code, output)
    wanted = F.make("output-wrong-type", file=name, expected=expected, example="x")
    assert wanted.message in output, output
    assert f"Đặt tên kết thúc bằng {expected}" in output
    assert list(tmp_path.iterdir()) == []


def test_output_suffix_in_capitals_is_accepted(tmp_path):
    code, output = run_cli("template", "--commune", COMMUNE, "--year", "2024", "-o", tmp_path / "MAU.XLSX")
    assert code == 0, output
    assert openpyxl.load_workbook(tmp_path / "MAU.XLSX").sheetnames

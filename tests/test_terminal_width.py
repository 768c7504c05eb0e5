"""A terminal that reads at 80 columns (issue 20, item 5): lines broken at words with a hanging indent,
`status` columns within 80, a conflict as a short list, one error for a missing input path, the commands
of `cdht --help` in the order of the year. Each run is compared with the same run unwrapped: the same
words in the same order, so no word was split and nothing was lost."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from support import REPO, run_cli

SAMPLES = REPO / "samples"
CLEAN, CO_LOI, TT25 = SAMPLES / "dong-thinh-2024", SAMPLES / "dong-thinh-2024-co-loi", SAMPLES / "dong-thinh-2025-tt25"
DAMAGED = REPO / "tests" / "damaged" / "files"
WIDTH = 80


def _run(*args, columns: int = WIDTH) -> tuple[int, str]:
    return run_cli(*args, env={"COLUMNS": str(columns)})


def _fits(*args, ordered: bool = True) -> str:
    """The run at 80 columns: no line longer, the words of the unwrapped run (in the same order, unless
    a table's cell wraps)."""
    code, narrow = _run(*args)
    code_wide, wide = _run(*args, columns=10000)
    assert code == code_wide, (narrow, wide)
    long = [line for line in narrow.splitlines() if len(line) > WIDTH]
    assert not long, "\n".join(long)
    if ordered:
        assert narrow.split() == wide.split(), "a word was split or lost"
    else:
        assert sorted(narrow.split()) == sorted(wide.split()), "a word was split or lost"
    return narrow


def test_merge_of_the_faulty_set_fits_80_columns_and_shows_the_conflict_as_a_list(tmp_path):
    text = _fits("merge", CO_LOI, "-o", tmp_path / "t.xlsx")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "tiêu chí 10: các bản khác" in line)
    block = lines[at:at + 10]
    copies = [line for line in block if line.lstrip().startswith("• ")]
    assert len(copies) == 2                                             # one line (and its wrap) per copy
    said = " ".join(" ".join(block).split())
    assert "ô E12 = 6" in said and "ô E12 = 5" in said and "bản lưu sau" in said      # values, which is newer
    assert any(line.lstrip().startswith("→ ") for line in block)       # what to do
    continuation = [line for line in lines if line.startswith("  ") and not line.lstrip().startswith(("-", "•", "→"))]
    assert continuation                                                 # hanging indent, not column 0


@pytest.mark.parametrize("folder", [CLEAN, TT25], ids=["tt44", "tt25"])
def test_merge_of_the_samples_fits(tmp_path, folder):
    _fits("merge", folder, "-o", tmp_path / "t.xlsx")


def test_merge_of_damaged_copies_fits(tmp_path):
    _fits("merge", DAMAGED, "-o", tmp_path / "t.xlsx")


def test_status_columns_fit_80(tmp_path):
    text = _fits("status", CO_LOI, ordered=False)
    header = next(line for line in text.splitlines() if line.lstrip().startswith("Đơn vị"))
    assert re.fullmatch(r"  Đơn vị +Đã điền  Tình trạng  Thiếu minh chứng", header), header
    row = next(line for line in text.splitlines() if line.lstrip().startswith("Ủy ban MTTQ xã"))
    assert re.fullmatch(r"  Ủy ban MTTQ xã +2/2  1 xung đột", row), row
    assert header.index("Đã điền") + len("Đã điền") == row.index("2/2") + len("2/2")   # numbers in their column


def test_district_fits(tmp_path):
    _fits("district", CLEAN, TT25, "-o", tmp_path / "h.xlsx")


def test_a_missing_input_path_is_one_error(tmp_path):
    code, text = _run("merge", tmp_path / "không có", "-o", tmp_path / "t.xlsx")
    assert code == 2
    assert text.count("[Lỗi]") == 1 and "không có" in text, text
    code, text = _run("district", tmp_path / "không có", tmp_path / "cũng không", "-o", tmp_path / "h.xlsx")
    assert code == 2 and text.count("[Lỗi]") == 2, text                # one per missing path, nothing more


@pytest.mark.parametrize("args", [(), ("merge",), ("district",), ("status",), ("plan", "init"), ("rubric",)])
def test_help_fits(args):
    _fits(*args, "--help")


def test_help_lists_the_commands_in_the_order_of_the_year():
    _, text = _run("--help")
    commands = text[text.index("Lệnh:"):]
    names = re.findall(r"^  ([a-z-]+) ", commands, re.M)
    year = ["plan", "template", "status", "merge", "district", "web", "rubric"]
    assert [n for n in names if n in year] == year, names


def test_a_real_process_at_80_columns_wraps_too(tmp_path):
    run = subprocess.run([sys.executable, "-m", "cdht_excel", "merge", str(CO_LOI), "-o", str(tmp_path / "t.xlsx")],
                         capture_output=True, text=True, encoding="utf-8", env={**os.environ, "COLUMNS": "80"},
                         cwd=REPO, timeout=300)
    assert run.returncode == 1, run.stderr
    assert max(len(line) for line in run.stdout.splitlines()) <= WIDTH


def test_the_readme_shows_the_conflict_as_the_terminal_prints_it(tmp_path):
    readme = (REPO / "README.md").read_text("utf-8")
    quoted = readme.split("Một xung đột là một danh sách ngắn")[1].split("```")[1].strip("\n").splitlines()
    _, text = _run("merge", CO_LOI, "-o", tmp_path / "t.xlsx")
    lines = text.splitlines()
    at = lines.index(quoted[0])
    assert lines[at:at + len(quoted)] == quoted


def _counts_line(text: str) -> list[tuple[str, int]]:
    line = next(line for line in text.splitlines() if line.startswith("Xếp loại: "))
    return [(label.strip(), int(n)) for label, n in re.findall(r"([^:;]+): (\d+)", line.removeprefix("Xếp loại: "))]


def test_headlines_name_the_rubric_by_its_circular_and_classes_come_best_first(tmp_path):
    """Issue 20, item 7: "Thông tư 44/2014/TT-BGDĐT", not "tt44-2014"; the classes in the same order
    everywhere, every one shown, adding up to the communes counted."""
    for folder, name in ((CLEAN, "Thông tư 44/2014/TT-BGDĐT"), (TT25, "Thông tư 25/2023/TT-BGDĐT")):
        code, text = _run("merge", folder, "-o", tmp_path / f"{folder.name}.xlsx")
        assert code == 0, text
        first = text.splitlines()[0]
        assert first.endswith(f"– {name}") and "tt" not in first, text
        code, text = _run("district", tmp_path / f"{folder.name}.xlsx", "-o", tmp_path / f"h-{folder.name}.xlsx")
        assert code == 0, text
        assert text.splitlines()[0] == f"Tổng hợp 1 xã – năm {2024 if folder == CLEAN else 2025} – {name}", text
        counts = _counts_line(text)
        order = (["Tốt", "Khá", "Trung bình", "Chưa đạt"] if folder == CLEAN else ["Mức độ 2", "Mức độ 1", "Chưa đạt"])
        assert [label for label, _ in counts] == [*order, "Chưa xếp loại"], counts
        assert sum(n for _, n in counts) == 1


def test_a_provinces_own_rubric_is_named_as_its_own(tmp_path):
    import json

    from cdht_excel.outputs.terminal import summary_lines, terminal_summary
    code, text = _run("merge", CLEAN, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    assert code == 0, text
    report = {**json.loads((tmp_path / "t.json").read_text("utf-8")), "rubric": "thai-nguyen-2024"}
    assert terminal_summary(report)[0] == "Xã Đồng Thịnh – năm 2024 – bộ tiêu chí riêng “thai-nguyen-2024”"
    code, text = _run("district", tmp_path / "t.xlsx", "-o", tmp_path / "h.xlsx", "--json", tmp_path / "h.json")
    data = {**json.loads((tmp_path / "h.json").read_text("utf-8")), "rubric": "thai-nguyen-2024"}
    assert summary_lines(data)[0] == "Tổng hợp 1 xã – năm 2024 – bộ tiêu chí riêng “thai-nguyen-2024”"

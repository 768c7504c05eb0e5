"""Regenerate the shipped templates (PRODUCT §5): the default plans of xã Đồng Thịnh, 2024 and 2025.

    python workbook_templates/regenerate.py            # rewrite the files beside this script
    python workbook_templates/regenerate.py OUT_DIR    # write them elsewhere

The templates are generated, never edited by hand; tests/test_generated_templates.py proves the files
here equal what the generator makes now. After changing the generator, run this script again.
"""
from __future__ import annotations

import sys
from pathlib import Path

from cdht_excel.commune import plan as P
from cdht_excel.commune.template import write_template
from cdht_excel.rules import rubric as R
from cdht_excel.rules.model import Rubric

HERE = Path(__file__).resolve().parent
COMMUNE = "Đồng Thịnh"
COMMUNE_SLUG = "dong-thinh"
YEARS = (2024, 2025)


def templates() -> list[tuple[str, P.Plan, Rubric]]:
    """(file name, plan, rubric) of every shipped template: the default plan of each built-in rubric.

    For tt25-2023 the default plan says the commune is not in a hard area (hard_area=False).
    """
    out = []
    for rubric_id in R.BUILTIN_IDS:
        rubric = R.load(rubric_id)
        for year in YEARS:
            plan = P.default_plan(COMMUNE, year, rubric,
                                  hard_area=False if rubric.scheme == "levels" else None)
            problems = P.validate(plan, rubric)
            if problems:
                raise SystemExit("; ".join(f.message for f in problems))
            out.append((f"mau-{rubric_id}-{COMMUNE_SLUG}-{year}.xlsx", plan, rubric))
    return out


def regenerate(folder: str | Path = HERE) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, plan, rubric in templates():
        path = folder / name
        write_template(plan, rubric, path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    for path in regenerate(argv[0] if argv else HERE):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

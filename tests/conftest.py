"""Session fixtures: templates made once by the real CLI, and LibreOffice re-saves made once.

Tests must treat session workbooks as read-only (copy or write elsewhere to change them).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from support import make_template, soffice_available, soffice_convert_many


@pytest.fixture(scope="session")
def tt44_template(tmp_path_factory):
    """`cdht template --commune "Đồng Thịnh" --year 2024` (rubric tt44-2014, the default)."""
    return make_template(tmp_path_factory.mktemp("tt44"), rubric="tt44-2014", year=2024)


@pytest.fixture(scope="session")
def tt25_template(tmp_path_factory):
    """`cdht template --rubric tt25-2023 --commune "Đồng Thịnh" --year 2024`."""
    return make_template(tmp_path_factory.mktemp("tt25"), rubric="tt25-2023", year=2024)


@pytest.fixture(scope="session")
def resaved(tmp_path_factory, tt44_template, tt25_template):
    """Both templates re-saved by LibreOffice to .xlsx and to .ods (two soffice runs in parallel).

    {("tt44", "xlsx"): Path, ("tt44", "ods"): Path, ("tt25", "xlsx"): Path, ("tt25", "ods"): Path}
    """
    if not soffice_available():
        pytest.skip("LibreOffice (soffice) is not installed")
    sources = {"tt44": tt44_template, "tt25": tt25_template}
    base = tmp_path_factory.mktemp("libreoffice")
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {fmt: pool.submit(soffice_convert_many, list(sources.values()), fmt, base / fmt)
                for fmt in ("xlsx", "ods")}
        converted = {fmt: job.result() for fmt, job in jobs.items()}
    return {(key, fmt): converted[fmt][i] for fmt in converted for i, key in enumerate(sources)}

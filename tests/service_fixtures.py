"""The province service's pytest fixtures (helpers in service_support.py); a test module takes them with
`pytest_plugins = ("service_fixtures",)`."""
from __future__ import annotations

from pathlib import Path

import pytest

from commune import returned_set, tt44_values
from service_support import DATABASES, YEAR, Province, drop_pg_database, new_pg_database, set_up_province


@pytest.fixture(params=DATABASES)
def db_url(request):
    """None (SQLite in the data folder) or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        yield None
        return
    url = new_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture
def province(tmp_path, db_url) -> Province:
    return set_up_province(tmp_path, db_url)


@pytest.fixture(scope="session")
def tan_lap_returns(tmp_path_factory) -> list[Path]:
    """Ten units' returns of Tân Lập for the year, made by `cdht template --split-dir` and filled (92,5 points)."""
    folder = returned_set(tmp_path_factory.mktemp("tan-lap"), tt44_values(), year=YEAR, commune="Tân Lập")
    return sorted(folder.iterdir())


@pytest.fixture(scope="session")
def sa_pa_returns(tmp_path_factory) -> list[Path]:
    folder = returned_set(tmp_path_factory.mktemp("sa-pa"), tt44_values(), year=YEAR, commune="Sa Pa")
    return sorted(folder.iterdir())



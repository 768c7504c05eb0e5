"""The page and the terminal give the same result for the same files (issue 20, item 3).

Each test runs the real `cdht` command and posts the same files to the page (Flask's test client), then
compares the JSON both wrote: the later copy of a re-sent form ("Lấy bản lưu sau" / `--prefer-newer`),
last year's results and the documents settings of the district (`--previous`, `--docs-settings`), and the
plan edited on the page against `cdht plan init` edited in its workbook.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from commune import tt44_values
from support import run_cli
from test_resent import resent_set
from test_web import BASE, HOST, TOKEN, app, client, follow, post  # noqa: F401  (fixtures)

VOLATILE = {"generated", "generator", "seconds", "elapsed", "created"}


def stable(data):
    """The JSON without what differs between two runs of the same input (time, where it ran)."""
    if isinstance(data, dict):
        return {k: stable(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [stable(v) for v in data]
    return data


def download(client, page: str, key: str) -> bytes:
    link = re.search(rf'href="/r-test(/jobs/[^"]+/{key})"', page).group(1)
    answer = client.get(link, base_url=BASE)
    assert answer.status_code == 200
    return answer.data


def files_of(folder: Path):
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]


# --------------------------------------------------------------------------- re-sent copies

def test_lay_ban_luu_sau_is_prefer_newer(client, tmp_path):
    folder, _, _ = resent_set(tmp_path, {"C7_SCORE": 5.5})
    report = tmp_path / "cli.json"
    code, _ = run_cli("merge", *sorted(folder.iterdir()), "-o", tmp_path / "cli.xlsx", "--json", report, "--docs", tmp_path / "docs",
                      "--prefer-newer")
    assert code in (0, 1)
    cli = json.loads(report.read_text("utf-8"))
    page = follow(client, post(client, "/merge", files_of(folder), action="merge", prefer_newer="1"))
    web = json.loads(download(client, page, "json"))
    assert stable(web) == stable(cli)
    chosen = [f for f in web["findings"] if f["code"] == "conflicts-newer-chosen"]
    assert len(chosen) == 1 and not [f for f in web["findings"] if f["code"] == "unit-conflict"]
    assert chosen[0]["message"].split(" (")[0] in page.replace("&#34;", '"')


def test_without_the_checkbox_a_resent_copy_is_a_conflict_as_in_the_terminal(client, tmp_path):
    folder, _, _ = resent_set(tmp_path, {"C7_SCORE": 5.5})
    report = tmp_path / "cli.json"
    run_cli("merge", *sorted(folder.iterdir()), "-o", tmp_path / "cli.xlsx", "--json", report, "--docs", tmp_path / "docs")
    cli = json.loads(report.read_text("utf-8"))
    page = follow(client, post(client, "/merge", files_of(folder), action="merge"))
    web = json.loads(download(client, page, "json"))
    assert stable(web) == stable(cli)
    assert [f["code"] for f in web["findings"]].count("unit-conflict") == 1
    assert "Lấy bản lưu sau" in client.get("/merge", base_url=BASE).data.decode()

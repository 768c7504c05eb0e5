"""A form renamed to another extension (“I renamed it to convert it”) is read by its content, with a warning.

Each case takes the shipped clean sample set and replaces ONE form by a real file whose name says another
format: the form itself renamed (.xlsx → .xls, .xlsx → .ods), and the form re-saved by LibreOffice as .xls
or .ods, then named .xlsx/.xlsm. The set must still give 87,5 → Tốt, with `file-wrong-extension` naming the
file, the real format and the extension to rename to. `cdht status` and the web upload read the same way.
"""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from support import REPO, message_of, require, run_cli, soffice_convert_many

from cdht_excel.reading.read import FORMAT_LABELS

SAMPLE = REPO / "samples" / "dong-thinh-2024"
FORM = "Trạm Y tế xã - TC 14.xlsx"       # the one form of criterion 14


@pytest.fixture(scope="module")
def resaved(tmp_path_factory) -> dict[str, Path]:
    """The form re-saved by LibreOffice as a real .xls and a real .ods (one soffice start-up)."""
    out = tmp_path_factory.mktemp("resaved")
    xls = require(soffice_convert_many([SAMPLE / FORM], "xls", out / "xls"))[0]
    ods = require(soffice_convert_many([SAMPLE / FORM], "ods", out / "ods"))[0]
    return {"xls": xls, "ods": ods, "xlsx": SAMPLE / FORM}


CASES = [   # (real format of the file, the wrong extension it is given)
    ("xlsx", ".xls"), ("xlsx", ".ods"), ("xls", ".xlsx"), ("xls", ".xlsm"), ("ods", ".xlsx")]


def set_with_renamed_form(tmp_path: Path, source: Path, extension: str) -> tuple[Path, str]:
    folder = tmp_path / "phieu"
    shutil.copytree(SAMPLE, folder)
    (folder / FORM).unlink()
    renamed = Path(FORM).stem + extension
    shutil.copyfile(source, folder / renamed)
    return folder, renamed


def merged(folder: Path, tmp_path: Path) -> tuple[int, str, dict]:
    code, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    return code, text, json.loads((tmp_path / "t.json").read_text("utf-8"))


def wrong_extension(real: str, extension: str) -> str:
    fix = {"xlsx": ".xlsx", "xls": ".xls", "ods": ".ods"}[real]
    return message_of("file-wrong-extension", extension=extension, real=FORMAT_LABELS[real], fix=fix)


@pytest.mark.parametrize("real, extension", CASES)
def test_a_renamed_form_still_counts_with_a_warning(real, extension, resaved, tmp_path):
    folder, renamed = set_with_renamed_form(tmp_path, resaved[real], extension)
    code, text, report = merged(folder, tmp_path)
    assert code == 0, text
    assert report["total"] == 87.5 and report["classification"]["code"] == "tot", text
    assert "87,5" in text and "TỐT" in text
    warnings = [f for f in report["findings"] if f["code"] == "file-wrong-extension"]
    assert len(warnings) == 1, report["findings"]
    assert warnings[0]["severity"] == "warning" and warnings[0]["file"].endswith(renamed)
    assert warnings[0]["message"] == wrong_extension(real, extension)
    assert FORMAT_LABELS[real] in text and renamed in text
    assert not [f for f in report["findings"] if f["severity"] == "error"]


def test_a_rightly_named_form_gets_no_warning(resaved, tmp_path):
    folder = tmp_path / "phieu"
    shutil.copytree(SAMPLE, folder)
    (folder / FORM).unlink()
    shutil.copyfile(resaved["xls"], folder / (Path(FORM).stem + ".XLS"))     # upper case is the same name
    shutil.copyfile(resaved["ods"], tmp_path / "other.ods")
    _, text, report = merged(folder, tmp_path)
    assert report["total"] == 87.5
    assert not [f for f in report["findings"] if f["code"] == "file-wrong-extension"], text


def test_status_reads_a_renamed_form(resaved, tmp_path):
    folder, renamed = set_with_renamed_form(tmp_path, resaved["xlsx"], ".xls")
    code, text = run_cli("status", folder, "--json", tmp_path / "s.json")
    report = json.loads((tmp_path / "s.json").read_text("utf-8"))
    codes = [f["code"] for f in report["findings"]]
    assert "file-wrong-extension" in codes and "file-corrupt" not in codes, text
    assert renamed in text


def test_the_web_upload_reads_a_renamed_form(resaved, tmp_path):
    from cdht_excel.web.app import create_app
    token, host, root = "test-token-0123456789", "http://127.0.0.1:5123", "/r-test"
    base = host + root
    app = create_app(tmp_path / "private", token, 5123, root)
    app.testing = True
    client = app.test_client()
    assert client.get(f"/?token={token}", base_url=base).status_code == 303
    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLE.iterdir()) if p.name != FORM]
    files.append((Path(FORM).stem + ".xls", resaved["xlsx"].read_bytes()))
    data = {"token": token, "action": "merge", "files": [(io.BytesIO(c), n) for n, c in files]}
    answer = client.post("/merge", base_url=base, data=data, content_type="multipart/form-data")
    assert answer.status_code == 303, answer.data.decode()[:2000]
    page = client.get(answer.headers["Location"], base_url=host).data.decode()
    assert re.search(r"data-total>87,5<", page) and re.search(r"data-class>TỐT<", page)
    assert FORMAT_LABELS["xlsx"] in page

"""The sample set with ANY one form renamed to a wrong extension (an .xlsx form saved as ".xls", the
everyday "I renamed it to convert it") still gives 87,5 → Tốt, with one warning naming that file
(issue 19, "Done when"). tests/test_renamed_forms.py covers the other real formats for one form."""
from __future__ import annotations

import json
import shutil

import pytest
from support import REPO, run_cli

SAMPLE = REPO / "samples" / "dong-thinh-2024"
FORMS = sorted(p.name for p in SAMPLE.glob("*.xlsx"))


def test_the_sample_set_has_ten_forms():
    assert len(FORMS) == 10


@pytest.mark.parametrize("form", FORMS)
def test_any_one_form_renamed_to_xls_still_gives_87_5_tot(form, tmp_path):
    folder = tmp_path / "phieu"
    shutil.copytree(SAMPLE, folder)
    renamed = form[:-len(".xlsx")] + ".xls"
    (folder / form).rename(folder / renamed)
    code, text = run_cli("merge", folder, "-o", tmp_path / "t.xlsx", "--json", tmp_path / "t.json")
    report = json.loads((tmp_path / "t.json").read_text("utf-8"))
    assert code == 0, text
    assert report["total"] == 87.5 and report["classification"]["code"] == "tot", text
    warned = [f for f in report["findings"] if f["code"] == "file-wrong-extension"]
    assert len(warned) == 1 and warned[0]["file"].endswith(renamed)

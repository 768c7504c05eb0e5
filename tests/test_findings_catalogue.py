"""The findings catalogue: its generated reference is up to date and every code is exercised by a test."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from support import REPO

from cdht_excel.rules import findings as F

TESTS = Path(__file__).resolve().parent
# Where the suite names codes: test code (asserts, tables of expected codes) and the damaged-file manifest.
NAMED_IN = sorted(TESTS.rglob("*.py")) + [TESTS / "damaged" / "manifest.json"]


def test_reference_is_up_to_date():
    """docs/findings.md is what `python -m cdht_excel.rules.findings --markdown` prints (regenerate it if not)."""
    expected = F.reference_markdown()
    got = (REPO / "docs" / "findings.md").read_text("utf-8")
    assert got == expected, f"docs/findings.md is out of date: run `{F.REFERENCE_COMMAND}`"


def test_reference_command_prints_the_reference():
    result = subprocess.run([sys.executable, "-m", "cdht_excel.rules.findings", "--markdown"], capture_output=True,
                            timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8") == F.reference_markdown()


def test_every_catalogue_code_is_named_by_a_test():
    """A code no test names is a code nothing checks: add a test that makes it and asserts it."""
    this_file = Path(__file__).resolve()
    text = "\n".join(p.read_text("utf-8") for p in NAMED_IN if p.resolve() != this_file)
    named = set(re.findall(r"""["']([a-z0-9]+(?:-[a-z0-9]+)*)["']""", text))
    never = [code for code in F.CATALOGUE if code not in named]
    assert not never, f"catalogue codes no test names: {never}"


def test_every_entry_is_complete_and_fills_from_its_context():
    for code, (severity, message, hint) in F.CATALOGUE.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code), code
        assert severity in F.SEVERITY_LABEL, code
        assert message.strip() and hint.strip(), code
        finding = F.make(code, **{name: f"<{name}>" for name in F.fields(code)})
        assert "{" not in finding.message.replace("{{", "") and finding.hint, code


def test_location_text():
    assert F.location("a.xlsx", "Công an xã", "E11") == "tệp “a.xlsx”, trang “Công an xã”, ô E11"
    assert F.location("a.xlsx", None, "E11", file_word=False) == "“a.xlsx”, ô E11"
    assert F.location() == ""
    finding = F.make("value-empty", file="a.xlsx", sheet="Công an xã", cell="E11", unit="Công an xã",
                     criterion="15", what="Điểm", what_lower="điểm", item_label="tiêu chí 15")
    assert finding.where() == F.location("a.xlsx", "Công an xã", "E11")


def test_one_exception_type_carries_the_findings():
    from cdht_excel import cli
    from cdht_excel.commune import dossier, merge
    from cdht_excel.commune.assess import NoResult
    from cdht_excel.rules import rubric
    assert rubric.RubricError is merge.NothingToMerge is NoResult is cli.Failed is dossier.DossierError is F.Failed
    found = [F.make("no-input", inputs="x")]
    exc = F.Failed(found)
    assert exc.findings == found and str(exc) == found[0].message

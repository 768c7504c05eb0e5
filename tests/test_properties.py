"""Property-based tests of the pure core (hypothesis)."""
from __future__ import annotations

import shutil
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdht_excel.commune.assess import assess_books
from cdht_excel.commune.fill import fill_workbook
from cdht_excel.commune.report import report_dict
from cdht_excel.reading.book import Input, field_cells
from cdht_excel.reading.read import collect_inputs, read_workbook
from cdht_excel.rules import rubric as R
from cdht_excel.rules.results import CriterionResult, ItemResult
from cdht_excel.rules.schemes import classify
from commune import returned_set, tt44_values

TT44 = R.load("tt44-2014")
TT25 = R.load("tt25-2023")
scores = st.lists(st.integers(min_value=0, max_value=30).map(lambda n: n / 2), min_size=15, max_size=15)


def dieu_4_3(total: float, any_zero: bool) -> str:
    """TT 44/2014 Điều 4.3, written out independently of the rubric data (bands as lower bounds)."""
    if any_zero:
        return "chua-dat"
    if total >= 85:
        return "tot"
    if total >= 70:
        return "kha"
    if total >= 50:
        return "trung-binh"
    return "chua-dat"


@given(scores)
def test_tt44_classification_matches_dieu_4_3(values):
    criteria = [CriterionResult(str(i + 1), "", "", None, score=v) for i, v in enumerate(values)]
    assert classify(TT44, criteria, complete=True).code == dieu_4_3(sum(values), 0 in values)


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=15, max_size=15))
def test_tt25_decision_matches_dieu_8(passes):
    passes = [(l1, l1 and l2) for l1, l2 in passes]        # an indicator passing level 2 passes level 1
    items = iter(passes)
    criteria = []
    for c in TT25.criteria:
        results = [ItemResult(i.id, i.kind, levels=dict(zip((1, 2), next(items)))) for i in c.items]
        criteria.append(CriterionResult(c.id, "", "", None, items=results))
    expected = "muc-do-2" if all(p[1] for p in passes) else "muc-do-1" if all(p[0] for p in passes) else "chua-dat"
    assert classify(TT25, criteria, complete=True).code == expected


@given(scores)
def test_incomplete_is_classified_only_when_certain(values):
    """Issue 11: an incomplete set is classified only when the data known decides it (a criterion at 0
    rules out every class but the fallback, TT 44 Điều 4.3); otherwise it is "chưa xếp loại"."""
    criteria = [CriterionResult(str(i + 1), "", "", None, score=v) for i, v in enumerate(values)]
    result = classify(TT44, criteria, complete=False)
    if any(v == 0 for v in values):
        assert (result.code, result.certain) == ("chua-dat", True)
    else:
        assert (result.code, result.certain) == ("chua-xep-loai", False)


@pytest.fixture(scope="module")
def messy_set(tmp_path_factory):
    """A returned set with a duplicate, a conflict and a missing unit, read once."""
    tmp = tmp_path_factory.mktemp("messy")
    folder = returned_set(tmp, tt44_values(), skip=(9,))
    files = sorted(folder.glob("*.xlsx"))
    shutil.copy(files[0], folder / "bản sao.xlsx")
    fill_workbook(files[1], folder / "VP UBND sửa.xlsx", {"C2_SCORE": 9}, only_existing=True)
    inputs, _ = collect_inputs([folder])
    return [read_workbook(i) for i in inputs]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_merge_does_not_depend_on_input_order(messy_set, rnd):
    baseline = report_dict(assess_books(list(messy_set)))
    shuffled = list(messy_set)
    rnd.shuffle(shuffled)
    assert report_dict(assess_books(shuffled)) == baseline


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=9))
def test_an_identical_copy_changes_nothing(messy_set, index):
    base = report_dict(assess_books(list(messy_set)))
    original = messy_set[index]
    copy = read_workbook(Input(original.input.path, "thư mục khác/" + original.display))
    with_copy = report_dict(assess_books(list(messy_set) + [copy]))
    for key in ("total", "classification", "complete", "criteria"):
        assert with_copy[key] == base[key], key
    new_codes = {f["code"] for f in with_copy["findings"]} - {f["code"] for f in base["findings"]}
    assert new_codes <= {"unit-duplicate"}


ALPHABET = st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="=+-@\x00")
texts = st.text(alphabet=ALPHABET, min_size=1, max_size=60).filter(lambda t: t.strip() and not t[0].isspace())


@pytest.fixture(scope="module")
def blank_template(tmp_path_factory):
    from support import make_template
    return make_template(tmp_path_factory.mktemp("mau"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(score=st.integers(0, 40).map(lambda n: n / 2), evidence=texts, note=texts)
def test_reading_a_filled_template_returns_what_was_written(blank_template, tmp_path_factory, score, evidence,
                                                            note):
    out = tmp_path_factory.mktemp("f") / "phieu.xlsx"
    values = {"C7_SCORE": score, "C7_EVIDENCE": evidence, "C7_NOTE": note}
    fill_workbook(blank_template, out, values)
    book = read_workbook(Input(out, out.name))
    unit = next(u for u in book.units if u.unit_id == "van-phong-ubnd-xa")
    items = [i for i in TT44.items if i.criterion == "7"]
    cells, by_names, _ = field_cells(book, unit, items)
    assert by_names
    nfc = lambda v: unicodedata.normalize("NFC", v)
    assert cells["C7_SCORE"].value == score
    assert cells["C7_EVIDENCE"].value == nfc(evidence)
    assert cells["C7_NOTE"].value == nfc(note)

"""Who signed a commune's dossier, for which organisation, when, and the verdict, in every row the district makes
of a signed PDF (issue 22): `cdht district` (JSON `signatures`, the "Chữ ký số" column of the workbook and the
CSV, the terminal) and the local page (`cdht web`: signed PDFs among the files, the province's trust roots as
certificate files or a .zip of them, the PDF/A option of the district's own dossier).

Real cryptography throughout: the dossier is made by the real `cdht merge … --docs … --pdf` and signed by the real
`cdht sign --p12` with certificates of a throw-away CA (tests/pki.py); the page is driven through Flask's test
client with the same files a secretary would choose."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from commune import merge, tt44_values, with_total
from support import run_cli
from test_dossier import returned_from_plan
from test_faces import TECHNICAL
from test_signing import BAO_CAO, CHAIR, pki_set, sign, tt44  # noqa: F401  (fixtures)
from test_web import BASE, TOKEN, app, client, follow  # noqa: F401  (the local page's fixtures)
from test_web_district_rows import page_rows

from cdht_excel.commune.dossier import find_soffice
from cdht_excel.signing.verify import UNTRUSTED_NO_ROOTS

pytest.importorskip("pyhanko")
pytestmark = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is needed for the dossier PDFs")

ORG = "UBND xã Đồng Thịnh"
CLERK = "Văn thư UBND xã Đồng Thịnh"
ROOT_CA = "CA thử nghiệm cdht"
VIETNAM = timezone(timedelta(hours=7))
SIGNED_NAME = "Báo cáo đã ký - xã Đồng Thịnh.pdf"


@pytest.fixture(scope="module")
def dossier(tt44, pki_set, tmp_path_factory):  # noqa: F811
    """The báo cáo signed by the chair, then by the văn thư in the seal field (both under the test CA), and once
    by a stranger under another CA; with the clock read before and after signing."""
    out = tmp_path_factory.mktemp("ho-so-da-ky")
    before = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=1)
    first, second, foreign = out / "ky-1.pdf", out / "ky-2.pdf", out / "nguoi-la.pdf"
    for src, dst, p12, extra in ((tt44["docs"] / BAO_CAO, first, pki_set["chair_p12"], ()),
                                 (first, second, pki_set["clerk_p12"], ("--field", "dau-1")),
                                 (tt44["docs"] / BAO_CAO, foreign, pki_set["stranger_p12"], ())):
        done = sign(src, dst, p12, *extra)
        assert done.returncode == 0, done.stdout + done.stderr
    after = datetime.now(timezone.utc) + timedelta(seconds=1)
    return {"first": first, "second": second, "foreign": foreign, "before": before, "after": after}


def district(tmp_path, *inputs, trust=None) -> tuple[int, str, dict, dict, dict]:
    """`cdht district` with workbook, JSON and CSV: (exit code, terminal text, JSON, the "Các xã" rows of the
    workbook by commune, the CSV rows by commune)."""
    out = tmp_path / "huyen"
    out.mkdir(exist_ok=True)
    code, text = run_cli("district", *inputs, "-o", out / "h.xlsx", "--json", out / "h.json", "--csv", out / "h.csv",
                         *(("--trust", trust) if trust else ()))
    assert code in (0, 1), text
    data = json.loads((out / "h.json").read_text("utf-8"))
    ws = openpyxl.load_workbook(out / "h.xlsx")["Các xã"]
    heads = [c.value for c in ws[1]]
    book = {row[3]: dict(zip(heads, row)) for row in ws.iter_rows(min_row=2, values_only=True)}
    with open(out / "h.csv", encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == heads                                       # the CSV mirrors the sheet
    sheet = {row[3]: dict(zip(table[0], row)) for row in table[1:]}
    return code, text, data, book, sheet


def local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


# --------------------------------------------------------------------------- cdht district

def test_a_valid_dossier_row_carries_who_signed_for_whom_when_and_the_verdict(dossier, pki_set, tmp_path):  # noqa: F811
    code, text, data, book, sheet = district(tmp_path, dossier["second"], trust=pki_set["trust"])
    [row] = data["communes"]
    assert (row["total"], row["status"], row["source_kind"], data["trust_roots"]) == (92.5, "ok", "signed", 1)
    sigs = row["signatures"]
    assert [(s["field"], s["signer"], s["organisation"]) for s in sigs] == [("chu-ky-1", CHAIR, ORG),
                                                                            ("dau-1", CLERK, ORG)]
    for s in sigs:
        assert (s["intact"], s["changed_after_signing"], s["trusted"], s["issuer"], s["verdict"]) == \
            (True, False, True, ROOT_CA, "HỢP LỆ")
        assert dossier["before"] <= datetime.fromisoformat(s["signed_at"]) <= dossier["after"], s["signed_at"]
        assert s["file"] == "ky-2.pdf"
    assert sigs[0]["signed_at"] <= sigs[1]["signed_at"]
    expected = [f"{CHAIR} ({ORG}), ký {local(sigs[0]['signed_at'])} – HỢP LỆ",
                f"{CLERK} ({ORG}), ký {local(sigs[1]['signed_at'])} – HỢP LỆ"]
    cell = book["xã Đồng Thịnh"]["Chữ ký số"]
    assert cell.split("\n") == expected
    assert sheet["xã Đồng Thịnh"]["Chữ ký số"] == cell
    assert list(book["xã Đồng Thịnh"])[-2:] == ["Chữ ký số", "Nguồn"]
    assert f"xã Đồng Thịnh:\n    {expected[0]}\n    {expected[1]}" in text
    assert "chưa xác minh được cơ quan cấp" not in text


def test_without_roots_the_row_says_technically_valid_not_verified(dossier, tmp_path):
    code, text, data, book, sheet = district(tmp_path, dossier["first"])
    [row] = data["communes"]
    [sig] = row["signatures"]
    assert data["trust_roots"] is None and row["status"] == "ok" and row["total"] == 92.5
    assert (sig["signer"], sig["organisation"], sig["intact"], sig["changed_after_signing"], sig["trusted"]) == \
        (CHAIR, ORG, True, False, None)
    assert sig["verdict"] == UNTRUSTED_NO_ROOTS == "chữ ký hợp lệ về kỹ thuật, chưa xác minh được cơ quan cấp"
    line = f"{CHAIR} ({ORG}), ký {local(sig['signed_at'])} – {UNTRUSTED_NO_ROOTS}"
    assert book["xã Đồng Thịnh"]["Chữ ký số"] == line == sheet["xã Đồng Thịnh"]["Chữ ký số"]
    assert f"Chưa chỉ định chứng thư gốc tin cậy (--trust): {UNTRUSTED_NO_ROOTS}." in text
    assert f"xã Đồng Thịnh: {line}" in text


def test_a_row_made_of_a_dossier_and_the_same_summary_keeps_the_signatures(dossier, pki_set, tt44, tmp_path):  # noqa: F811
    """Unverified (no roots): the two are duplicates of one commune, whichever copy the row is made of; verified: the
    summary joins the signed dossier's row. Both rows name both files and show the signature."""
    summary = tmp_path / "a - tổng hợp.xlsx"             # named to come first: the row is made of the summary
    shutil.copy(tt44["summary"], summary)
    for trust, verdict in ((None, UNTRUSTED_NO_ROOTS), (pki_set["trust"], "HỢP LỆ")):
        code, text, data, book, _ = district(tmp_path, dossier["first"], summary, trust=trust)
        [row] = data["communes"]
        assert sorted(row["source"]) == [summary.name, "ky-1.pdf"], row["source"]
        assert [s["signer"] for s in row["signatures"]] == [CHAIR] and row["signatures"][0]["verdict"] == verdict
        assert book["xã Đồng Thịnh"]["Chữ ký số"].endswith("– " + verdict)


def test_an_unknown_root_row_names_the_issuer_and_is_not_counted(dossier, pki_set, tmp_path):  # noqa: F811
    code, text, data, book, sheet = district(tmp_path, dossier["foreign"], trust=pki_set["trust"])
    [row] = data["communes"]
    [sig] = row["signatures"]
    assert (sig["signer"], sig["organisation"], sig["issuer"], sig["intact"], sig["trusted"]) == \
        ("Người lạ", "Tổ chức lạ", "CA lạ", True, False)
    assert row["status"] == "invalid" and row["total"] is None and code == 1
    cell = book["xã Đồng Thịnh"]["Chữ ký số"]
    assert cell == (f"Người lạ (Tổ chức lạ), ký {local(sig['signed_at'])} – chữ ký còn nguyên vẹn nhưng chứng thư số "
                    "không thuộc cơ quan cấp tin cậy đã cấu hình (cấp bởi “CA lạ”)")
    assert [f["code"] for f in data["findings"] if f["code"].startswith("signed-")] == ["signed-unknown-root"]


def test_a_changed_dossier_row_says_not_valid(dossier, pki_set, tmp_path):  # noqa: F811
    data = bytearray(dossier["first"].read_bytes())
    at = data.index(b"/CreationDate") + len(b"/CreationDate(D:20")
    data[at] = ord("9") if data[at] != ord("9") else ord("8")
    bad = tmp_path / "da-sua.pdf"
    bad.write_bytes(bytes(data))
    code, text, found, book, _ = district(tmp_path, bad, trust=pki_set["trust"])
    [sig] = found["communes"][0]["signatures"]
    assert sig["verdict"].startswith("KHÔNG HỢP LỆ") and not (sig["intact"] and not sig["changed_after_signing"])
    assert book["xã Đồng Thịnh"]["Chữ ký số"].endswith("– " + sig["verdict"])
    assert found["communes"][0]["status"] == "invalid"


def test_unusable_trust_roots_are_named_and_configure_none(dossier, tmp_path):
    roots = tmp_path / "goc"
    roots.mkdir()
    (roots / "hong.pem").write_text("không phải chứng thư", encoding="utf-8")
    (roots / "rong.crt").write_bytes(b"")
    (roots / "ghi-chu.txt").write_text("chỉ là ghi chú", encoding="utf-8")       # not a certificate's name: left
    code, text, data, book, _ = district(tmp_path, dossier["first"], trust=roots)
    named = {f["file"]: f for f in data["findings"] if f["code"] == "trust-root-unreadable"}
    assert sorted(named) == ["hong.pem", "rong.crt"]
    assert named["hong.pem"]["message"] == ("Chứng thư gốc tin cậy “hong.pem” không dùng được để xác minh chữ ký số: "
                                            "nội dung không phải chứng thư số dạng PEM hoặc DER.")
    # no usable root: the signature is only technically valid, not an "unknown issuer"
    assert data["trust_roots"] is None and data["communes"][0]["signatures"][0]["trusted"] is None
    assert [f["code"] for f in data["findings"] if f["code"].startswith("signed-")] == ["signed-not-verified"]
    empty = tmp_path / "goc-rong"
    empty.mkdir()
    code, text, data, _, _ = district(tmp_path, dossier["first"], trust=empty)
    [finding] = [f for f in data["findings"] if f["code"] == "trust-root-unreadable"]
    assert finding["file"] == "goc-rong" and "không có tệp chứng thư số nào" in finding["message"]


def test_verify_names_unusable_trust_roots_too(dossier, pki_set, tmp_path):  # noqa: F811
    roots = tmp_path / "goc"
    shutil.copytree(pki_set["trust"], roots)
    (roots / "hong.pem").write_text("không phải chứng thư", encoding="utf-8")
    code, text = run_cli("verify", dossier["first"], "--trust", roots, "--json", tmp_path / "kq.json")
    assert code == 0, text                      # the good root still verifies the signature
    assert "Chứng thư gốc tin cậy “hong.pem” không dùng được" in text
    data = json.loads((tmp_path / "kq.json").read_text("utf-8"))
    assert [f["code"] for f in data["findings"]] == ["trust-root-unreadable"] and data["trust_roots"] == 1
    assert data["files"][0]["signatures"][0]["signed_at"] and data["files"][0]["signatures"][0]["ok"]


def test_summaries_alone_keep_their_layout(tt44, tmp_path):  # noqa: F811
    code, text, data, book, sheet = district(tmp_path, tt44["summary"])
    assert "trust_roots" not in data and "signatures" not in data["communes"][0]
    assert "Chữ ký số" not in book["xã Đồng Thịnh"] and list(book["xã Đồng Thịnh"])[-1] == "Nguồn"
    assert "chữ ký số" not in text


def test_without_the_sign_extra_pdfs_are_named_not_a_crash(dossier, tt44, tmp_path):  # noqa: F811
    """pyHanko hidden from a real run, as on a PC that installed only `pip install cdht-excel`."""
    hide = ("import sys; sys.modules['pyhanko'] = None; sys.modules['pdfminer'] = None; "
            "from cdht_excel.cli import main; main(sys.argv[1:])")
    done = subprocess.run([sys.executable, "-c", hide, "district", dossier["first"], tt44["summary"], "-o",
                           tmp_path / "h.xlsx", "--json", tmp_path / "h.json"], capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Lỗi không mong đợi" not in done.stdout + done.stderr and "Traceback" not in done.stderr
    data = json.loads((tmp_path / "h.json").read_text("utf-8"))
    [missing] = [f for f in data["findings"] if f["code"] == "package-missing"]
    assert missing["message"] == ("Máy này chưa cài gói pyHanko, cần để kiểm tra chữ ký số và đọc kết quả trong 1 tệp "
                                  "PDF.")
    assert 'pip install "cdht-excel[sign]"' in missing["hint"]
    assert [c["source"] for c in data["communes"]] == [["tong-hop.xlsx"]]      # the summary still counts


# --------------------------------------------------------------------------- the local page

def post_district(client, files, trust=(), **fields):  # noqa: F811
    data = {"token": TOKEN, "files": [(io.BytesIO(content), name) for name, content in files], **fields}
    if trust:
        data["trust"] = [(io.BytesIO(content), name) for name, content in trust]
    return client.post("/district", base_url=BASE, data=data, content_type="multipart/form-data")


def said_on_page(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<p class="(?:message|hint)">(.*?)</p>', page, re.S)]


def root_pem(pki_set) -> bytes:  # noqa: F811
    return (pki_set["trust"] / "goc.pem").read_bytes()


def test_the_form_offers_trust_roots_and_pdf_without_naming_an_option(client):  # noqa: F811
    page = client.get("/district", base_url=BASE).data.decode()
    assert re.search(r'<input[^>]*name="trust"[^>]*accept="\.pem,\.crt,\.cer,\.der,\.zip"[^>]*multiple', page)
    assert f"chỉ được kiểm tra về kỹ thuật: {UNTRUSTED_NO_ROOTS}." in page
    assert 'name="pdf"' in page and "PDF/A" in page
    assert not TECHNICAL.search(re.sub(r"<[^>]+>", " ", page))


def test_the_page_shows_who_signed_and_valid_with_the_provinces_root(client, dossier, pki_set, tmp_path):  # noqa: F811
    page = follow(client, post_district(client, [(SIGNED_NAME, dossier["second"].read_bytes())],
                                        trust=[("goc tin cậy.pem", root_pem(pki_set))]))
    row = page_rows(page)["Đồng Thịnh"]
    assert row["Tổng điểm"] == "92,5" and row["Xếp loại"] == "Tốt"
    # the same words as the workbook of `cdht district --trust` on the same file
    _, _, data, book, _ = district(tmp_path, dossier["second"], trust=pki_set["trust"])
    assert row["Chữ ký số"] == " ".join(book["xã Đồng Thịnh"]["Chữ ký số"].split())
    assert row["Chữ ký số"].count("– HỢP LỆ") == 2 and CHAIR in row["Chữ ký số"] and ORG in row["Chữ ký số"]
    assert "Chữ ký số được xác minh theo 1 chứng thư gốc tin cậy đã chọn." in page
    assert UNTRUSTED_NO_ROOTS not in page
    assert row["Nguồn"] == SIGNED_NAME


def test_the_page_without_roots_says_the_signature_is_only_technically_valid(client, dossier):  # noqa: F811
    page = follow(client, post_district(client, [(SIGNED_NAME, dossier["first"].read_bytes())]))
    row = page_rows(page)["Đồng Thịnh"]
    assert row["Chữ ký số"].startswith(f"{CHAIR} ({ORG}), ký ") and row["Chữ ký số"].endswith(UNTRUSTED_NO_ROOTS)
    assert f"Chưa có chứng thư gốc tin cậy nào để xác minh: {UNTRUSTED_NO_ROOTS}." in page
    said = said_on_page(page)
    assert any("hợp lệ về kỹ thuật, chưa xác minh được cơ quan cấp" in t and SIGNED_NAME in t for t in said), said
    assert any("ở ô “Chứng thư gốc tin cậy”" in t for t in said), said      # the page's own field, no option
    assert not [t for t in said if TECHNICAL.search(t)]


def test_the_page_reads_a_signed_dossier_inside_a_zip_of_commune_folders(client, dossier, pki_set, tt44):  # noqa: F811
    """A .zip with one folder per commune: the signed báo cáo is counted, the other PDFs of the folder (unsigned
    documents that carry no result) are left out without a finding."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("các xã/xã Đồng Thịnh/Báo cáo đã ký.pdf", dossier["second"].read_bytes())
        zf.writestr("các xã/xã Đồng Thịnh/Biên bản.pdf", (tt44["docs"] / "Biên bản tự kiểm tra - xã Đồng Thịnh - 2024.pdf")
                    .read_bytes())
    page = follow(client, post_district(client, [("hồ sơ các xã.zip", archive.getvalue())],
                                        trust=[("goc.pem", root_pem(pki_set))]))
    row = page_rows(page)["Đồng Thịnh"]
    assert row["Tổng điểm"] == "92,5" and row["Chữ ký số"].count("– HỢP LỆ") == 2
    assert row["Nguồn"] == "các xã/xã Đồng Thịnh/Báo cáo đã ký.pdf"
    assert "Biên bản.pdf" not in page


def test_the_page_prefers_the_signed_dossier_and_names_both_files(client, dossier, pki_set, tt44, tmp_path):  # noqa: F811
    other = returned_from_plan(tmp_path, tt44["plan"], tt44_values(with_total(80)), folder="phieu-khac")
    code, text, report = merge(other, out=tmp_path / "tong-hop-khac.xlsx")
    assert report["total"] == 80, text
    page = follow(client, post_district(client, [(SIGNED_NAME, dossier["second"].read_bytes()),
                                                 ("Tổng hợp khác.xlsx", (tmp_path / "tong-hop-khac.xlsx").read_bytes())],
                                        trust=[("goc.pem", root_pem(pki_set))]))
    row = page_rows(page)["Đồng Thịnh"]
    assert row["Tổng điểm"] == "92,5" and row["Chữ ký số"].count("– HỢP LỆ") == 2
    said = said_on_page(page)
    differ = [t for t in said if "hồ sơ đã ký" in t and "tệp tổng hợp" in t]
    assert len(differ) == 1, said
    assert f"“{SIGNED_NAME}” ghi 92,5 điểm, Tốt" in differ[0] and "“Tổng hợp khác.xlsx” ghi 80 điểm" in differ[0]
    assert '<li class="finding sev-error">' in page


def test_broken_certificate_files_are_named_and_the_good_root_still_counts(client, dossier, pki_set):  # noqa: F811
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("goc/ca-tinh.pem", root_pem(pki_set))
        zf.writestr("goc/hong.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        zf.writestr("goc/đọc tôi.txt", "hướng dẫn")
    answer = post_district(client, [(SIGNED_NAME, dossier["second"].read_bytes())],
                           trust=[("chung-thu-goc.zip", archive.getvalue()), ("sai.cer", b"\x00\x01 not DER")])
    page = follow(client, answer)
    assert page_rows(page)["Đồng Thịnh"]["Chữ ký số"].count("– HỢP LỆ") == 2
    said = " ".join(said_on_page(page))
    for name in ("hong.pem", "sai.cer", "chung-thu-goc/goc/đọc tôi.txt"):
        assert f"Chứng thư gốc tin cậy “{name}” không dùng được để xác minh chữ ký số" in said, name
    # only a broken one: no roots at all, said as such, never a server error
    page = follow(client, post_district(client, [(SIGNED_NAME, dossier["second"].read_bytes())],
                                        trust=[("sai.pem", b"garbage")]))
    assert "Chứng thư gốc tin cậy “sai.pem” không dùng được" in " ".join(said_on_page(page))
    assert page_rows(page)["Đồng Thịnh"]["Chữ ký số"].endswith(UNTRUSTED_NO_ROOTS)


def test_the_page_makes_the_districts_dossier_as_pdf_too(client, tt44):  # noqa: F811
    page = follow(client, post_district(client, [("Tổng hợp.xlsx", tt44["summary"].read_bytes())], pdf="1"))
    assert "Hồ sơ công nhận (.docx và bản PDF, nén .zip)" in page
    link = re.search(r'href="/r-test(/jobs/[^"]+/district-docs)"', page).group(1)
    answer = client.get(link, base_url=BASE)
    assert answer.status_code == 200
    with zipfile.ZipFile(io.BytesIO(answer.data)) as zf:
        names = zf.namelist()
        pdfs = [n for n in names if n.endswith(".pdf")]
        assert pdfs and {n[:-4] for n in pdfs} <= {n[:-5] for n in names if n.endswith(".docx")}, names
        assert all(zf.read(n).startswith(b"%PDF-") for n in pdfs)

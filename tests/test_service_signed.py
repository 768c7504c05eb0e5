"""Signed dossiers on the province service (issue 22; cdht_excel/service/signed.py): the secretary downloads the
dossier as signable PDF/A from the service, signs it on the PC (`cdht sign` with a .p12 here, the token's own tool
in a commune), sends it back; the province sees each signature's validity, signer, time, changes after signing and
whether it chains to the roots the province configured, and the carried result checked against the returns.
Real cryptography (tests/pki.py), real LibreOffice, real databases (SQLite and PostgreSQL)."""
from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import pytest

import pki
from commune import returned_set, tt44_values
from service_support import YEAR, Api, set_up_province
from support import soffice_available
from test_service_browser import browser, server  # noqa: F401 - the browser and a real `cdht serve`

pytest.importorskip("pyhanko")
pytestmark = pytest.mark.skipif(not soffice_available(), reason="LibreOffice makes the dossier PDFs")

pytest_plugins = ("service_fixtures",)

BASE = f"/api/v1/communes/001/years/{YEAR}"
OTHER = f"/api/v1/communes/002/years/{YEAR}"
CHAIR = "Hoàng Văn Thụ"
NOT_VERIFIED = "chữ ký hợp lệ về kỹ thuật, chưa xác minh được cơ quan cấp"


def as_user(svc, login: str) -> Api:
    api = Api(svc)
    assert api.login(login).status_code == 200
    return api


def codes(findings) -> list[str]:
    return [f["code"] for f in findings]


def _report_pdf(zip_bytes: bytes, folder: Path) -> Path:
    """The báo cáo PDF (TT 44: the document that carries the result) out of the service's dossier-pdf.zip."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        names = archive.namelist()
        [name] = [n for n in names if n.startswith("Báo cáo") or n.startswith("Bao cao")] or \
            [n for n in names if "bao" in n.lower()]
        target = folder / name
        target.write_bytes(archive.read(name))
    return target


def _sign(src: Path, out: Path, p12: Path) -> Path:
    from test_signing import sign
    done = sign(src, out, p12)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory, tan_lap_returns, sa_pa_returns):
    """Signed PDFs made once: the service (SQLite) merges each commune's returns and gives its dossier as PDF;
    the báo cáo is signed by the chair (a certificate of the test CA) and by a stranger (another CA)."""
    base = tmp_path_factory.mktemp("ky-so-tinh")
    ca, stranger_ca = pki.make_ca("CA thử nghiệm của tỉnh"), pki.make_ca("CA lạ")
    chair_p12 = pki.write_p12(pki.make_signer(ca, CHAIR, "UBND xã Tân Lập"), ca, base / "chu-tich.p12")
    stranger_p12 = pki.write_p12(pki.make_signer(stranger_ca, "Người lạ", "Tổ chức lạ"), stranger_ca, base / "la.p12")
    province = set_up_province(base / "lam-mau", None)
    svc = province.open()
    out = {"root": pki.write_root(ca, base / "goc"), "stranger_root": pki.write_root(stranger_ca, base / "goc-la"),
           "chair_p12": chair_p12}
    try:
        for login, path, returns, key in (("thuky1", BASE, tan_lap_returns, "tan_lap"),
                                          ("thuky2", OTHER, sa_pa_returns, "sa_pa")):
            api = as_user(svc, login)
            assert api.upload(f"{path}/files", returns).status_code == 200
            r = api.get(f"{path}/dossier-pdf.zip")
            assert r.status_code == 200, r.data[:300]
            folder = base / key
            folder.mkdir()
            out[f"{key}_zip"] = r.data
            unsigned = _report_pdf(r.data, folder)
            out[key] = _sign(unsigned, folder / "bao-cao-da-ky.pdf", chair_p12)
        out["stranger"] = _sign(_report_pdf(out["tan_lap_zip"], base), base / "nguoi-la-ky.pdf", stranger_p12)
        tampered = bytearray(out["tan_lap"].read_bytes())
        at = tampered.index(b"/Type /Page") - 40          # a byte inside the signed revision's objects
        tampered[at] = ord("9") if tampered[at] != ord("9") else ord("8")
        out["tampered"] = base / "bao-cao-bi-sua.pdf"
        out["tampered"].write_bytes(bytes(tampered))
    finally:
        svc.close()
    return out


@pytest.fixture
def svc(province):
    service = province.open(check=True)
    yield service
    service.close()


def trust(province, root_dir: Path) -> None:
    code, text = province.cli("service", "trust", "add", *sorted(root_dir.iterdir()), *province.args())
    assert code == 0, text
    assert "Đã thêm" in text


# --------------------------------------------------------------------------- the PDF the service gives

def test_the_service_gives_the_dossier_as_signable_pdf_carrying_the_result(dossiers):
    from pyhanko.pdf_utils.reader import PdfFileReader
    with zipfile.ZipFile(io.BytesIO(dossiers["tan_lap_zip"])) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert len(pdfs) >= 3, pdfs
        for name in pdfs:
            reader = PdfFileReader(io.BytesIO(archive.read(name)), strict=False)
            fields = [f.get_object() for f in reader.root["/AcroForm"]["/Fields"]]
            assert fields and all(f["/FT"] == "/Sig" and "/V" not in f for f in fields), name
    from cdht_excel.signing.verify import verify_pdf
    check = verify_pdf(dossiers["tan_lap"])
    assert check.result is not None and check.summary is not None and not check.carried_problem


# --------------------------------------------------------------------------- verification against the roots

def test_a_signed_dossier_is_verified_against_the_roots_the_province_configures(province, dossiers, tan_lap_returns):
    svc = province.open(check=True)
    try:
        secretary = as_user(svc, "thuky1")
        secretary.upload(f"{BASE}/files", tan_lap_returns)
        r = secretary.upload(f"{BASE}/files", [dossiers["tan_lap"]], ["Báo cáo đã ký.pdf"])
        assert r.status_code == 200, r.json
        [entry] = r.json["files"]
        assert entry["kind"] == "signed" and entry["accepted"]
        [sig] = entry["signatures"]
        assert sig["signer"] == CHAIR and sig["organisation"] == "UBND xã Tân Lập" and sig["signed_at"]
        assert sig["intact"] and not sig["changed_after_signing"] and sig["trusted"] is None
        assert sig["verdict"] == NOT_VERIFIED and codes(entry["findings"]) == ["signed-not-verified"]
        assert r.json["report"]["total"] == 92.5           # the returns' merge, unchanged by a PDF
        checker = as_user(svc, "kiemtra")
        seen = checker.get(f"{BASE}/signed").json
        assert seen["trust_roots"] == 0 and "chưa xác minh được cơ quan cấp" in seen["no_roots_note"]
        assert seen["current"] == entry["sha256"] and seen["findings"] == []
    finally:
        svc.close()
    trust(province, dossiers["root"])                    # the province adds its root: checked again
    svc = province.open(check=True)
    try:
        checker = as_user(svc, "kiemtra")
        seen = checker.get(f"{BASE}/signed").json
        [row] = seen["files"]
        [sig] = row["check"]["signatures"]
        assert sig["verdict"] == "HỢP LỆ" and sig["trusted"] is True and row["check"]["kind"] == "signed"
        assert row["check"]["findings"] == [] and seen["no_roots_note"] is None
        page = checker.get(f"/communes/001/{YEAR}").get_data(as_text=True)
        assert CHAIR in page and "HỢP LỆ" in page and "Báo cáo đã ký.pdf" in page
        listed = [f for f in checker.get(f"{BASE}/files").json if f["kind"] == "signed"]
        assert [f["sha256"] for f in listed] == [row["sha256"]]
        assert checker.get(f"{BASE}/files/{row['sha256']}").data == dossiers["tan_lap"].read_bytes()
        actions = [e["action"] for e in checker.get("/api/v1/audit").json]
        assert "signed-upload" in actions and "trust-add" in actions
    finally:
        svc.close()


def test_a_tampered_dossier_and_an_unknown_root_are_said(province, dossiers, tan_lap_returns):
    trust(province, dossiers["root"])
    svc = province.open(check=True)
    try:
        secretary = as_user(svc, "thuky1")
        secretary.upload(f"{BASE}/files", tan_lap_returns)
        files = secretary.upload(f"{BASE}/files", [dossiers["tampered"], dossiers["stranger"]]).json["files"]
        tampered, stranger = files
        assert "signed-invalid" in codes(tampered["findings"])
        assert all(not s["ok"] for s in tampered["signatures"])
        assert codes(stranger["findings"]) == ["signed-unknown-root"]
        [sig] = stranger["signatures"]
        assert sig["intact"] and sig["trusted"] is False and "CA lạ" in sig["verdict"]
        page = as_user(svc, "kiemtra").get(f"/communes/001/{YEAR}").get_data(as_text=True)
        assert "KHÔNG HỢP LỆ" in page and "không thuộc cơ quan cấp tin cậy" in page
    finally:
        svc.close()


# --------------------------------------------------------------------------- the carried result and the returns

def test_a_signed_dossier_that_differs_from_the_returns_is_an_error_naming_both(province, dossiers, tan_lap_returns,
                                                                                tmp_path):
    trust(province, dossiers["root"])
    svc = province.open(check=True)
    try:
        secretary = as_user(svc, "thuky1")
        secretary.upload(f"{BASE}/files", tan_lap_returns)
        secretary.upload(f"{BASE}/files", [dossiers["tan_lap"]], ["Báo cáo đã ký.pdf"])
        assert as_user(svc, "kiemtra").get(f"{BASE}/signed").json["findings"] == []     # the same result
        # a unit sends its return again after the signing, with another score: the signed dossier is now stale
        scores = tt44_values()
        changed = {k: (v - 1 if k == "C1_SCORE" else v) for k, v in scores.items()}
        again = returned_set(tmp_path, changed, year=YEAR, commune="Tân Lập")
        first = sorted(again.iterdir())[0]
        report = secretary.upload(f"{BASE}/files", [first]).json["report"]
        assert report["total"] == 91.5
        checker = as_user(svc, "kiemtra")
        [finding] = checker.get(f"{BASE}/signed").json["findings"]
        assert finding["code"] == "signed-differs-from-returns" and finding["severity"] == "error"
        assert "Báo cáo đã ký.pdf" in finding["message"] and "92,5" in finding["message"]
        assert "91,5" in finding["message"]
        # the province's table counts the returns and says the difference
        from cdht_excel.service import province as P
        result = P.district_result(svc, YEAR)
        [tan_lap] = [c for c in result.communes if c.report["commune"] == "Tân Lập"]
        assert tan_lap.report["total"] == 91.5
        assert "signed-differs-from-returns" in [f.code for f in result.findings]
        import html
        page = html.unescape(checker.get(f"/communes/001/{YEAR}").get_data(as_text=True))
        assert finding["message"] in page                  # the commune's page says it too
        grid = checker.get(f"/province/{YEAR}").get_data(as_text=True)
        assert 'data-signed-status="hop-le"' in grid and "Khác phiếu đơn vị" in grid
    finally:
        svc.close()


def test_a_commune_with_only_a_signed_dossier_is_counted_from_it(province, dossiers, tan_lap_returns):
    trust(province, dossiers["root"])
    svc = province.open(check=True)
    try:
        as_user(svc, "thuky1").upload(f"{BASE}/files", tan_lap_returns)
        r = as_user(svc, "thuky2").upload(f"{OTHER}/files", [dossiers["sa_pa"]])
        assert r.json["files"][0]["accepted"]
        from cdht_excel.service import province as P
        result = P.district_result(svc, YEAR)
        counted = {c.report["commune"]: (c.kind, c.status, c.report["total"]) for c in result.communes}
        assert counted == {"Tân Lập": ("folder", "ok", 92.5), "Sa Pa": ("signed", "ok", 92.5)}
        signers = {c.report["commune"]: [s["signer"] for s in c.signatures or []] for c in result.communes}
        assert signers == {"Tân Lập": [], "Sa Pa": [CHAIR]}
        # the province table says who signed, in its "Chữ ký số" column
        import openpyxl
        data = as_user(svc, "lanhdao").get(f"/api/v1/provinces/current/years/{YEAR}/district.xlsx").data
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["Các xã"]
        rows = [[str(v) if v is not None else "" for v in row] for row in sheet.iter_rows(values_only=True)]
        header = next(r for r in rows if "Chữ ký số" in r)
        column = header.index("Chữ ký số")
        [sa_pa_row] = [r for r in rows if "Sa Pa" in " ".join(r[:4])]
        assert CHAIR in sa_pa_row[column] and "HỢP LỆ" in sa_pa_row[column]
        summary = as_user(svc, "lanhdao").get(f"/api/v1/provinces/current/years/{YEAR}/summary").json
        assert sum(summary["by_class"].values()) == 2
    finally:
        svc.close()


def test_a_dossier_of_another_commune_is_kept_but_its_result_not_taken(svc, dossiers):
    r = as_user(svc, "thuky2").upload(f"{OTHER}/files", [dossiers["tan_lap"]])
    [entry] = r.json["files"]
    assert not entry["accepted"] and codes(entry["findings"])[0] == "signed-other-commune"
    assert "Tân Lập" in entry["findings"][0]["message"] and "Sa Pa" in entry["findings"][0]["message"]
    seen = as_user(svc, "kiemtra").get(f"{OTHER}/signed").json
    assert seen["current"] is None and len(seen["files"]) == 1


def test_a_unit_link_takes_workbooks_only(svc, dossiers):
    secretary = as_user(svc, "thuky1")
    token = secretary.post(f"{BASE}/unit-links", json={"unit": "hoi-nong-dan-xa"}).json["token"]
    unit = Api(svc)
    r = unit.upload(f"/api/v1/unit/{token}/files", [dossiers["tan_lap"]])
    [entry] = r.json["files"]
    assert not entry["accepted"] and codes(entry["findings"]) == ["service-unit-pdf"]
    assert as_user(svc, "kiemtra").get(f"{BASE}/signed").json["files"] == []


def test_uploads_stop_once_submitted(svc, dossiers, tan_lap_returns):
    secretary = as_user(svc, "thuky1")
    secretary.upload(f"{BASE}/files", tan_lap_returns)
    secretary.upload(f"{BASE}/files", [dossiers["tan_lap"]])
    assert secretary.post(f"{BASE}/submit").status_code == 200
    history = secretary.get(BASE).json["history"]
    assert history[-1]["detail"]["signed_sha256"] == hashlib.sha256(
        dossiers["tan_lap"].read_bytes()).hexdigest()          # the signed PDF sent with the dossier, on record
    r = secretary.upload(f"{BASE}/files", [dossiers["tan_lap"]])
    assert r.status_code == 409 and r.json["error"]["code"] == "frozen"


# --------------------------------------------------------------------------- the trust roots

def test_trust_roots_by_command_and_by_page(province, dossiers, tmp_path):
    bad = tmp_path / "không phải chứng thư.pem"
    bad.write_text("xin chào", "utf-8")
    code, text = province.cli("service", "trust", "add", bad, *province.args())
    assert code == 2 and "“không phải chứng thư.pem” không phải chứng thư số" in text and "Traceback" not in text
    trust(province, dossiers["root"])
    code, text = province.cli("service", "trust", "list", *province.args())
    assert code == 0 and "CA thử nghiệm của tỉnh" in text
    sha = text.split()[0]
    svc = province.open(check=True)
    try:
        admin = as_user(svc, "admin")
        page = admin.get("/admin/trust").get_data(as_text=True)
        assert "CA thử nghiệm của tỉnh" in page
        stranger = sorted(dossiers["stranger_root"].iterdir())[0]
        with open(stranger, "rb") as handle:
            r = admin.post("/admin/trust", data={"csrf": admin.csrf, "roots": [(handle, stranger.name)]},
                           content_type="multipart/form-data")
        assert r.status_code == 200 and "CA lạ" in r.get_data(as_text=True)
        with open(bad, "rb") as handle:
            r = admin.post("/admin/trust", data={"csrf": admin.csrf, "roots": [(handle, bad.name)]},
                           content_type="multipart/form-data")
        assert r.status_code == 400 and "không phải chứng thư số" in r.get_data(as_text=True)
        r = admin.post("/admin/trust", data={"csrf": admin.csrf, "remove": sha})
        assert r.status_code == 200 and "Đã thôi tin cậy" in r.get_data(as_text=True)
        assert as_user(svc, "thuky1").get("/admin/trust").status_code == 403
    finally:
        svc.close()
    code, text = province.cli("service", "trust", "list", *province.args())
    assert "CA thử nghiệm của tỉnh" not in text and "CA lạ" in text


def test_backup_and_restore_keep_the_signed_dossiers_and_the_roots(province, dossiers, tan_lap_returns, tmp_path):
    trust(province, dossiers["root"])
    svc = province.open(check=True)
    try:
        secretary = as_user(svc, "thuky1")
        secretary.upload(f"{BASE}/files", tan_lap_returns)
        secretary.upload(f"{BASE}/files", [dossiers["tan_lap"]])
    finally:
        svc.close()
    code, text = province.cli("service", "backup", "-o", tmp_path / "sao-luu.zip", *province.args())
    assert code == 0, text
    code, text = province.cli("service", "restore", tmp_path / "sao-luu.zip", "--data", tmp_path / "moi")
    assert code == 0, text
    from cdht_excel.service.context import open_service
    restored = open_service(tmp_path / "moi", None, check=True)
    try:
        [row] = as_user(restored, "kiemtra").get(f"{BASE}/signed").json["files"]
        assert row["check"]["signatures"][0]["verdict"] == "HỢP LỆ"
    finally:
        restored.close()
    shutil.rmtree(tmp_path / "moi", ignore_errors=True)


# --------------------------------------------------------------------------- in a real browser

def test_the_secretary_signs_and_sends_the_dossier_and_the_province_sees_it_in_chromium(
        browser, server, province, dossiers, tan_lap_returns, tmp_path):  # noqa: F811 - fixtures imported above
    """The page's own steps: download the signable PDF through the browser, sign it on the PC (`cdht sign` with
    the .p12 here), send it with the page's form; the admin adds the root on its page; the checker sees the
    signer and HỢP LỆ. Every page involved fits 390 px."""
    from test_service_browser import expect, log_in, no_overflow, shot
    base = server
    svc = province.open()
    try:
        as_user(svc, "thuky1").upload(f"{BASE}/files", tan_lap_returns)
    finally:
        svc.close()
    page = log_in(browser, base, "thuky1")
    page.goto(f"{base}/communes/001/{YEAR}#ky-so")
    with page.expect_download(timeout=180_000) as info:
        page.click("[data-download=dossier-pdf]")
    archive = tmp_path / info.value.suggested_filename
    info.value.save_as(archive)
    signed_pdf = _sign(_report_pdf(archive.read_bytes(), tmp_path), tmp_path / "Báo cáo đã ký.pdf",
                       dossiers["chair_p12"])
    page.set_input_files("#ky-so input[type=file]", str(signed_pdf))
    page.click("#ky-so button[type=submit]")
    page.wait_for_load_state()
    row = page.locator("[data-signed]").first
    expect()(row).to_contain_text(CHAIR)
    expect()(row.locator("[data-verdict]")).to_have_text(NOT_VERIFIED)
    expect()(page.locator("#ky-so [data-no-roots]")).to_be_visible()
    admin = log_in(browser, base, "admin")
    admin.goto(f"{base}/admin/trust")
    admin.set_input_files("input[name=roots]", [str(p) for p in sorted(dossiers["root"].iterdir())])
    admin.get_by_role("button", name="Thêm").click()
    expect()(admin.locator("[data-added]")).to_contain_text("CA thử nghiệm của tỉnh")
    checker = log_in(browser, base, "kiemtra")
    checker.goto(f"{base}/communes/001/{YEAR}#ky-so")
    expect()(checker.locator("[data-signed] [data-verdict]").first).to_have_text("HỢP LỆ")
    shot(checker, "ho-so-ky-so-tinh")
    for who, url in ((page, f"{base}/communes/001/{YEAR}"), (admin, f"{base}/admin/trust"),
                     (checker, f"{base}/communes/001/{YEAR}")):
        no_overflow(who, url)


def test_a_server_without_the_signing_library_says_so_and_keeps_nothing(svc, dossiers, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "pyhanko", None)         # as on a server installed without the extra
    secretary = as_user(svc, "thuky1")
    r = secretary.upload(f"{BASE}/files", [dossiers["tan_lap"]])
    assert r.status_code == 409 and r.json["error"]["code"] == "no-sign-library"
    assert 'pip install "cdht-excel[sign]"' in r.json["error"]["message"]
    assert secretary.get(f"{BASE}/files").json == []


def test_a_damaged_pdf_is_a_finding_never_a_failed_request(svc, dossiers, tmp_path):
    """A PDF cut short (a Zalo download that stopped) and bytes that are no PDF at all: each is kept with a
    finding naming it; the other file of the same request still counts."""
    cut = tmp_path / "Báo cáo tải dở.pdf"
    cut.write_bytes(dossiers["tan_lap"].read_bytes()[: 40_000])
    fake = tmp_path / "Tờ trình.pdf"
    fake.write_bytes(b"PK\x03\x04 this is a zip, not a PDF" * 100)
    r = as_user(svc, "thuky1").upload(f"{BASE}/files", [cut, fake, dossiers["tan_lap"]])
    assert r.status_code == 200
    first, second, good = r.json["files"]
    for entry, name in ((first, cut.name), (second, fake.name)):
        assert not entry["accepted"] and entry["findings"], entry
        assert entry["findings"][0]["severity"] == "error" and name in entry["findings"][0]["message"]
    assert good["accepted"] and good["signatures"][0]["signer"] == CHAIR
    assert as_user(svc, "kiemtra").get(f"{BASE}/signed").json["current"] == good["sha256"]

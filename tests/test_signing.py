"""Signed dossiers (issue 22; cdht_excel/signing): PDF/A with the NĐ 30 signature fields and the result inside,
`cdht sign` with a .p12 and with a SoftHSM2 token, `cdht verify` and `cdht district` on valid, tampered,
unknown-root and re-signed files. Real cryptography throughout: a CA and certificates made here (tests/pki.py)."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from commune import merge, tt44_values, tt25_values, returned_set, with_total
from support import run_cli, soffice_available
from test_dossier import plan_with_people, returned_from_plan

import pki

pytest.importorskip("pyhanko")
pytestmark = pytest.mark.skipif(not soffice_available() or shutil.which("pdftotext") is None,
                                reason="LibreOffice and poppler-utils are needed for the dossier PDFs")

from PIL import Image, ImageDraw  # noqa: E402
from pyhanko.pdf_utils import generic  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402

from cdht_excel.reading.result_part import find_part  # noqa: E402
from cdht_excel.signing import layout, pdfa  # noqa: E402

BAO_CAO = "Báo cáo - xã Đồng Thịnh - 2024.pdf"
TO_TRINH = "Tờ trình - xã Đồng Thịnh - 2024.pdf"
BIEN_BAN = "Biên bản tự kiểm tra - xã Đồng Thịnh - 2024.pdf"
CHAIR = "Mạc Văn Vỹ"


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def pki_set(tmp_path_factory):
    base = tmp_path_factory.mktemp("pki")
    ca = pki.make_ca()
    chair = pki.make_signer(ca, CHAIR, "UBND xã Đồng Thịnh")
    clerk = pki.make_signer(ca, "Văn thư UBND xã Đồng Thịnh", "UBND xã Đồng Thịnh")
    stranger_ca = pki.make_ca("CA lạ")
    stranger = pki.make_signer(stranger_ca, "Người lạ", "Tổ chức lạ")
    images = base / "anh"
    images.mkdir()
    signature = Image.new("RGBA", (300, 150), (255, 255, 255, 0))
    ImageDraw.Draw(signature).line([(20, 120), (90, 20), (150, 110), (210, 30), (280, 100)], fill=(0, 0, 255, 255),
                                   width=12)
    signature.save(images / "chu-ky.png")
    seal = Image.new("RGBA", (200, 200), (255, 255, 255, 0))
    ImageDraw.Draw(seal).ellipse([10, 10, 190, 190], outline=(230, 0, 0, 255), width=14)
    seal.save(images / "dau.png")
    return {"ca": ca, "trust": pki.write_root(ca, base / "goc-tin-cay"),
            "chair_p12": pki.write_p12(chair, ca, base / "chu-tich.p12"),
            "clerk_p12": pki.write_p12(clerk, ca, base / "van-thu.p12"),
            "stranger_p12": pki.write_p12(stranger, stranger_ca, base / "nguoi-la.p12"),
            "chair": chair, "signature": images / "chu-ky.png", "seal": images / "dau.png", "base": base}


@pytest.fixture(scope="module")
def tt44(tmp_path_factory):
    """A complete TT 44 set merged with --docs --pdf (report total 92,5, Tốt)."""
    base = tmp_path_factory.mktemp("ky-so-44")
    plan = plan_with_people(base)
    folder = returned_from_plan(base, plan, tt44_values())
    docs = base / "ho-so"
    code, text, report = merge(folder, out=base / "tong-hop.xlsx", extra=["--docs", docs, "--pdf"])
    assert code == 0, text
    return {"base": base, "docs": docs, "summary": base / "tong-hop.xlsx", "report": report, "plan": plan,
            "text": text, "folder": folder}


def cdht(*args, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command in a process, with a real standard input (the PIN for --pin-stdin)."""
    return subprocess.run([sys.executable, "-m", "cdht_excel", *map(str, args)], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, env=env)


def sign(src, out, p12, *extra, password=pki.P12_PASSWORD) -> subprocess.CompletedProcess:
    done = cdht("sign", src, "-o", out, "--p12", p12, "--pin-stdin", *extra, stdin=password + "\n")
    return done


def fields_of(path) -> dict[str, tuple]:
    """{field name: (page index, rect, signed?)} from the PDF's AcroForm, as a viewer's signature panel lists them."""
    reader = PdfFileReader(io.BytesIO(Path(path).read_bytes()), strict=False)
    pages = _page_ids(reader.root["/Pages"])
    out = {}
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        assert field["/FT"] == "/Sig"
        page = pages.index(field.raw_get("/P").idnum)
        out[str(field["/T"])] = (page, tuple(float(v) for v in field["/Rect"]), "/V" in field)
    return out


def _page_ids(node) -> list[int]:
    """The object numbers of the pages, in order (a walk of the page tree)."""
    out = []
    for kid in node.raw_get("/Kids"):
        page = kid.get_object()
        out += _page_ids(page) if page.get("/Type") == "/Pages" else [kid.idnum]
    return out


def xmp_part(path) -> int | None:
    reader = PdfFileReader(io.BytesIO(Path(path).read_bytes()), strict=False)
    return pdfa.pdfa_part(reader.root["/Metadata"].data)


def bbox_lines(path, page: int) -> tuple[list[tuple[float, float, float, float, str]], float]:
    """poppler's own text boxes of one page (1-based), in PDF coordinates (origin bottom left)."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', xml).group(1))
    out = []
    for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', xml,
                         re.S):
        words = " ".join(re.findall(r">([^<]*)</word>", m.group(5)))
        x0, y_top, x1, y_bottom = (float(m.group(i)) for i in range(1, 5))
        out.append((x0, height - y_bottom, x1, height - y_top, words))
    return out, height


def page_count(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def verify(*args) -> tuple[int, str]:
    return run_cli("verify", *args)


# --------------------------------------------------------------------------- PDF/A, fields, the result inside

def test_merge_pdf_writes_pdfa_with_embedded_fonts(tt44):
    for name in (TO_TRINH, BAO_CAO, BIEN_BAN):
        path = tt44["docs"] / name
        assert xmp_part(path) == (3 if name == BAO_CAO else 2), name       # 3b where files are attached
        assert b"<pdfaid:conformance>B</pdfaid:conformance>" in path.read_bytes()
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
        assert rows and all(row[-5] == "yes" for row in rows), fonts          # the "emb" column


def test_every_document_has_empty_signature_fields_a_viewer_lists(tt44):
    expected = {TO_TRINH: {"chu-ky-1", "dau-1"},                                 # TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH
                BAO_CAO: {"chu-ky-1", "dau-1", "chu-ky-2", "dau-2"},             # XÁC NHẬN … and TM. BAN CHẤP HÀNH
                BIEN_BAN: {"chu-ky-1", "chu-ky-2"}}                              # thư ký and chủ tọa: no seal
    for name, names in expected.items():
        found = fields_of(tt44["docs"] / name)
        assert set(found) == names, (name, found)
        last = page_count(tt44["docs"] / name) - 1
        assert all(page == last and not signed for page, _, signed in found.values())


def test_fields_sit_between_the_signers_title_and_name_on_the_rendered_page(tt44):
    """ô 7c: centred between title and name; ô 8: the seal over the left third of it. Checked with poppler's
    text boxes, not with the code that placed them."""
    path = tt44["docs"] / TO_TRINH
    lines, _ = bbox_lines(path, page_count(path))
    title = next(line for line in lines if line[4] == "CHỦ TỊCH")
    name = next(line for line in lines if line[4] == CHAIR)
    found = fields_of(path)
    x0, y0, x1, y1 = found["chu-ky-1"][1]
    assert name[3] <= y0 < y1 <= title[1], (name, title, (x0, y0, x1, y1))     # in the space between them
    assert y1 - y0 > 40                                                       # room for the signature image
    assert abs((x0 + x1) / 2 - (name[0] + name[2]) / 2) < 3                   # centred on the name
    assert abs((y0 + y1) / 2 - (name[3] + title[1]) / 2) < 3                  # and between the two lines
    s0, s_y0, s1, s_y1 = found["dau-1"][1]
    assert s0 < x0 < s1 and abs((s1 - x0) - (x1 - x0) / 3) < 0.5             # overlaps the left third
    assert (s_y0, s_y1) == (y0, y1)
    # two signers on one page (báo cáo): each field under its own block
    path = tt44["docs"] / BAO_CAO
    lines, _ = bbox_lines(path, page_count(path))
    names = {line[4]: line for line in lines if line[4] in (CHAIR, "Trần Văn Bình")}
    found = fields_of(path)
    for field, who in (("chu-ky-1", CHAIR), ("chu-ky-2", "Trần Văn Bình")):
        fx0, _, fx1, _ = found[field][1]
        assert abs((fx0 + fx1) / 2 - (names[who][0] + names[who][2]) / 2) < 6, (field, who)


def test_an_appendix_gets_the_organisations_field_at_the_top_right_of_page_1(tmp_path):
    """Phụ lục I Mục II.8.b: the TT 25 bản tổng hợp ("Kèm theo Báo cáo …") is an appendix in a separate file."""
    folder = returned_set(tmp_path, tt25_values(), rubric="tt25-2023", hard_area=False)
    docs = tmp_path / "ho-so"
    code, text, _ = merge(folder, out=tmp_path / "tong-hop.xlsx", extra=["--docs", docs, "--pdf"])
    assert code == 0, text
    appendix = next(docs.glob("Bản tổng hợp*.pdf"))
    found = fields_of(appendix)
    assert "dau-phu-luc" in found and "chu-ky-1" in found
    page, (x0, y0, x1, y1), _ = found["dau-phu-luc"]
    lines, height = bbox_lines(appendix, 1)
    assert page == 0
    assert y0 >= max(line[3] for line in lines)                              # above every line of page 1
    assert abs(x1 - max(line[2] for line in lines)) < 6                      # at the right edge of the text
    # the tờ trình (not an appendix) has no such field, and carries the result (TT 25)
    to_trinh = docs / TO_TRINH
    assert "dau-phu-luc" not in fields_of(to_trinh) and xmp_part(to_trinh) == 3


def test_the_report_carries_the_result_part_and_the_summary_as_associated_files(tt44):
    reader = PdfFileReader(io.BytesIO((tt44["docs"] / BAO_CAO).read_bytes()), strict=False)
    specs = [ref.get_object() for ref in reader.root["/AF"]]
    by_name = {str(s["/UF"]): s for s in specs}
    assert set(by_name) == {"ket-qua-cdht.json", "tong-hop.xlsx"}
    assert by_name["ket-qua-cdht.json"]["/AFRelationship"] == "/Data"
    assert by_name["tong-hop.xlsx"]["/AFRelationship"] == "/Source"
    embedded = dict(zip(*[iter(reader.root["/Names"]["/EmbeddedFiles"]["/Names"])] * 2))
    assert set(map(str, embedded)) == set(by_name)
    workbook = by_name["tong-hop.xlsx"]["/EF"]["/F"].get_object()
    assert workbook.data == tt44["summary"].read_bytes()
    assert workbook["/Subtype"] == "/application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with zipfile.ZipFile(tt44["summary"]) as zf:
        part = find_part(zf, set(zf.namelist()))
    carried = by_name["ket-qua-cdht.json"]["/EF"]["/F"].get_object().data
    assert carried == part                                   # the same JSON as the summary's hidden result part
    assert json.loads(carried.split(b"\n")[1])["total"] == 92.5
    for name in (TO_TRINH, BIEN_BAN):
        assert "/AF" not in PdfFileReader(io.BytesIO((tt44["docs"] / name).read_bytes()), strict=False).root


def test_a_pdf_in_memory_is_made_signable_like_a_file(tt44):
    """make_signable on bytes (no file beside it) finds the same fields as on the written file."""
    from cdht_excel.signing import prepare
    path = tt44["docs"] / TO_TRINH
    reader = PdfFileReader(io.BytesIO(path.read_bytes()), strict=False)
    pages = int(reader.root["/Pages"]["/Count"])
    assert [f.name for f in layout.document_fields(io.BytesIO(path.read_bytes()), pages)] == \
        [f.name for f in layout.document_fields(path, pages)] == ["chu-ky-1", "dau-1"]
    assert prepare.available()


def test_a_plain_pdf_gets_fields_and_files_but_no_pdfa_claim(tt44, tmp_path):
    """A PDF that does not declare PDF/A (an older LibreOffice ignores the export options) is not declared PDF/A-3
    because files were attached: fields and files are added, the XMP is left as it was."""
    from cdht_excel.signing import prepare
    plain = tmp_path / "plain"
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(plain), str(tt44["docs"] / BAO_CAO.replace(".pdf", ".docx"))],
                   capture_output=True, check=True, timeout=300)
    pdf = next(plain.glob("*.pdf"))
    assert b"pdfaid" not in pdf.read_bytes()
    fields = prepare.signable(pdf, prepare.summary_attachments(tt44["summary"]))
    assert [f.name for f in fields] == ["chu-ky-1", "dau-1", "chu-ky-2", "dau-2"]
    assert set(fields_of(pdf)) == {f.name for f in fields}
    reader = PdfFileReader(io.BytesIO(pdf.read_bytes()), strict=False)
    assert len(reader.root["/AF"]) == 2 and b"pdfaid" not in pdf.read_bytes()


def test_signer_blocks_are_found_from_title_and_name_lines():
    """The geometry alone: a title over a name with signing space between makes a block; a body line does not."""
    L = layout.Line
    lines = [L(85, 700, 538, 714, "Trên đây là báo cáo của xã./."),
             L(330, 620, 492, 634, "TM. ỦY BAN NHÂN DÂN"), L(376, 604, 446, 618, "CHỦ TỊCH"),
             L(85, 620, 137, 634, "Nơi nhận:"), L(85, 590, 180, 602, "- Lưu: VT."),
             L(378, 510, 445, 524, "Nguyễn Văn A")]
    blocks = layout.signer_blocks(lines)
    assert [(b.name.text, [t.text for t in b.title]) for b in blocks] == \
        [("Nguyễn Văn A", ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"])]
    fields = layout.fields_for(0, lines, lines, 595, 842)
    assert [f.name for f in fields] == ["chu-ky-1", "dau-1"]
    assert layout.signer_blocks([L(85, 700, 538, 714, "Đoạn văn"), L(85, 600, 538, 614, "Đoạn khác")]) == []


# --------------------------------------------------------------------------- signing and verifying

@pytest.fixture(scope="module")
def signed(tt44, pki_set, tmp_path_factory):
    """The báo cáo signed by the chair (blue image) and then by the văn thư into the seal field (red image)."""
    out = tmp_path_factory.mktemp("da-ky")
    first, second = out / "bao-cao-ky-1.pdf", out / "bao-cao-ky-2.pdf"
    done = sign(tt44["docs"] / BAO_CAO, first, pki_set["chair_p12"], "--signature-image", pki_set["signature"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chu-ky-1" in done.stdout
    done = sign(first, second, pki_set["clerk_p12"], "--field", "dau-1", "--seal-image", pki_set["seal"])
    assert done.returncode == 0, done.stdout + done.stderr
    return {"first": first, "second": second, "dir": out}


def test_a_signed_dossier_validates_against_the_configured_root(signed, pki_set, tmp_path):
    code, text = verify(signed["first"], "--trust", pki_set["trust"], "--json", tmp_path / "kq.json")
    assert code == 0, text
    assert "HỢP LỆ" in text and CHAIR in text and "UBND xã Đồng Thịnh" in text and "không thay đổi sau khi ký" in text
    assert "Kết quả mang trong hồ sơ: xã Đồng Thịnh – năm 2024 – tổng điểm 92,5, Tốt" in text
    data = json.loads((tmp_path / "kq.json").read_text("utf-8"))
    [entry] = data["files"]
    [sig] = entry["signatures"]
    assert entry["ok"] and sig["intact"] and sig["trusted"] and not sig["changed_after_signing"]
    assert sig["signer"] == CHAIR and sig["signed_at"] and entry["result"]["total"] == 92.5


def test_the_pdfa_identification_stays_after_signing(signed):
    for path in (signed["first"], signed["second"]):
        assert xmp_part(path) == 3


def test_the_second_signature_keeps_the_first_valid(signed, pki_set):
    code, text = verify(signed["second"], "--trust", pki_set["trust"])
    assert code == 0, text
    assert text.count("HỢP LỆ;") == 2 and "Văn thư UBND xã Đồng Thịnh" in text
    found = fields_of(signed["second"])
    assert found["chu-ky-1"][2] and found["dau-1"][2] and not found["chu-ky-2"][2]


def test_the_appearance_is_drawn_in_the_fields_on_the_rendered_page(signed):
    """pdftoppm at 72 dpi (one pixel a point): the blue signature inside the signer's field, the red seal inside
    the seal field, which overlaps it."""
    path = signed["second"]
    last = page_count(path)
    prefix = signed["dir"] / "trang"
    subprocess.run(["pdftoppm", "-r", "72", "-f", str(last), "-l", str(last), "-png", str(path), str(prefix)],
                   check=True)
    picture = Image.open(next(signed["dir"].glob("trang*.png"))).convert("RGB")
    height = picture.height
    found = fields_of(path)

    def pixels(rect, wanted) -> int:
        x0, y0, x1, y1 = rect
        box = picture.crop((int(x0), int(height - y1), int(x1) + 1, int(height - y0) + 1))
        return sum(1 for p in box.getdata() if wanted(p))
    blue = lambda p: p[2] > 150 and p[0] < 100 and p[1] < 100          # noqa: E731
    red = lambda p: p[0] > 150 and p[1] < 100 and p[2] < 100           # noqa: E731
    assert pixels(found["chu-ky-1"][1], blue) > 50
    assert pixels(found["dau-1"][1], red) > 50
    assert pixels(found["chu-ky-2"][1], blue) == 0                       # the other block is still empty
    assert pixels((0, 0, picture.width, height), blue) == pixels(found["chu-ky-1"][1], blue)


def test_one_changed_byte_is_detected(signed, pki_set, tmp_path):
    data = bytearray(signed["first"].read_bytes())
    at = data.index(b"/CreationDate") + len(b"/CreationDate(D:20")   # a digit of the year, inside the signed bytes
    data[at] = ord("9") if data[at] != ord("9") else ord("8")
    bad = tmp_path / "sua-1-byte.pdf"
    bad.write_bytes(bytes(data))
    code, text = verify(bad, "--trust", pki_set["trust"])
    assert code == 1, text
    assert "KHÔNG HỢP LỆ" in text


def _incremental(source: Path, target: Path, change) -> Path:
    writer = IncrementalPdfFileWriter(io.BytesIO(source.read_bytes()), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    target.write_bytes(out.getvalue())
    return target


def test_a_removed_attachment_is_detected(signed, pki_set, tmp_path):
    def remove(writer):
        root = writer.root
        del root["/AF"]
        names = root["/Names"]
        del names["/EmbeddedFiles"]
        writer.update_container(names)
        writer.update_root()
    bad = _incremental(signed["second"], tmp_path / "bo-dinh-kem.pdf", remove)
    code, text = verify(bad, "--trust", pki_set["trust"])
    assert code == 1, text
    assert "bị thay đổi sau khi ký" in text


def test_an_added_page_is_detected(signed, pki_set, tmp_path):
    def add_page(writer):
        page = generic.DictionaryObject({generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                                         generic.pdf_name("/MediaBox"): generic.ArrayObject(
                                             [generic.NumberObject(0), generic.NumberObject(0),
                                              generic.NumberObject(595), generic.NumberObject(842)]),
                                         generic.pdf_name("/Resources"): generic.DictionaryObject()})
        writer.insert_page(page)
    bad = _incremental(signed["first"], tmp_path / "them-trang.pdf", add_page)
    assert page_count(bad) == page_count(signed["first"]) + 1
    code, text = verify(bad, "--trust", pki_set["trust"])
    assert code == 1, text
    assert "KHÔNG HỢP LỆ: tệp đã bị thay đổi sau khi ký" in text


def test_an_unknown_root_is_reported_as_such(tt44, pki_set, tmp_path):
    out = tmp_path / "nguoi-la-ky.pdf"
    done = sign(tt44["docs"] / TO_TRINH, out, pki_set["stranger_p12"])      # text appearance
    assert done.returncode == 0, done.stderr
    code, text = verify(out, "--trust", pki_set["trust"])
    assert code == 1, text
    assert "không thuộc cơ quan cấp tin cậy đã cấu hình (cấp bởi “CA lạ”)" in text
    code, text = verify(out)                                                 # no roots configured
    assert code == 1, text
    assert "chữ ký hợp lệ về kỹ thuật, chưa xác minh được cơ quan cấp" in text


def test_nothing_readable_exits_2_and_a_wrong_password_is_said(tt44, pki_set, tmp_path):
    junk = tmp_path / "khong-phai.pdf"
    junk.write_bytes(b"not a pdf")
    code, text = verify(junk)
    assert code == 2 and "không đọc được tệp PDF" in text
    done = sign(tt44["docs"] / TO_TRINH, tmp_path / "x.pdf", pki_set["chair_p12"], password="sai")
    assert done.returncode == 2 and "sai mật khẩu" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "x.pdf").exists()


@pytest.mark.skipif(not pki.softhsm_available(), reason="softhsm2 and opensc (pkcs11-tool) are needed")
def test_signing_with_a_softhsm2_token(tt44, pki_set, tmp_path):
    env = pki.softhsm_token(tmp_path / "token", pki_set["chair"])
    out = tmp_path / "ky-bang-token.pdf"
    done = cdht("sign", tt44["docs"] / TO_TRINH, "-o", out, "--pkcs11-lib", pki.SOFTHSM_LIB, "--pin-stdin",
                "--signature-image", pki_set["signature"], stdin=pki.PIN + "\n", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    code, text = verify(out, "--trust", pki_set["trust"])
    assert code == 0, text
    assert CHAIR in text
    done = cdht("sign", tt44["docs"] / TO_TRINH, "-o", tmp_path / "y.pdf", "--pkcs11-lib", pki.SOFTHSM_LIB,
                "--pin-stdin", stdin="000000\n", env=env)
    assert done.returncode == 2 and "sai mã PIN" in done.stderr
    # SoftHSM2 has no PIN pad: the PIN is asked on the screen (the token's flags say so)
    check = subprocess.run([sys.executable, "-c", "import sys; from cdht_excel.signing.sign import uses_pin_pad; "
                            "print(uses_pin_pad(sys.argv[1]))", pki.SOFTHSM_LIB], capture_output=True, text=True,
                           env=env, timeout=60)
    assert check.stdout.strip() == "False", check.stderr


# --------------------------------------------------------------------------- the level above

def test_district_reports_a_signed_dossier_and_prefers_it_to_a_differing_summary(tt44, signed, pki_set, tmp_path):
    other = returned_from_plan(tmp_path, tt44["plan"], tt44_values(with_total(80)), folder="phieu-khac")
    code, text, report = merge(other, out=tmp_path / "tong-hop-khac.xlsx")
    assert report["total"] == 80
    code, text = run_cli("district", signed["second"], tmp_path / "tong-hop-khac.xlsx", "-o", tmp_path / "huyen.xlsx",
                         "--json", tmp_path / "huyen.json", "--trust", pki_set["trust"])
    data = json.loads((tmp_path / "huyen.json").read_text("utf-8"))
    [commune] = data["communes"]
    assert commune["total"] == 92.5, text                                     # the signed one wins
    differ = [f for f in data["findings"] if f["code"] == "signed-differs-from-summary"]
    assert len(differ) == 1 and differ[0]["severity"] == "error"
    assert "bao-cao-ky-2.pdf" in differ[0]["message"] and "tong-hop-khac.xlsx" in differ[0]["message"]
    assert code == 1
    # without trust roots the signature proves nothing about who signed: the two are a plain conflict
    code, text = run_cli("district", signed["second"], tmp_path / "tong-hop-khac.xlsx", "-o", tmp_path / "h2.xlsx",
                         "--json", tmp_path / "h2.json")
    data = json.loads((tmp_path / "h2.json").read_text("utf-8"))
    found = [f["code"] for f in data["findings"]]
    assert "commune-conflict" in found and "signed-differs-from-summary" not in found


def test_district_on_a_tampered_or_unverified_signed_dossier(tt44, signed, pki_set, tmp_path):
    data = bytearray(signed["first"].read_bytes())
    at = data.index(b"/CreationDate") + len(b"/CreationDate(D:20")
    data[at] = ord("9") if data[at] != ord("9") else ord("8")
    bad = tmp_path / "da-sua.pdf"
    bad.write_bytes(bytes(data))
    code, text = run_cli("district", bad, "-o", tmp_path / "h.xlsx", "--json", tmp_path / "h.json",
                         "--trust", pki_set["trust"])
    found = json.loads((tmp_path / "h.json").read_text("utf-8"))
    assert [f["code"] for f in found["findings"] if f["code"].startswith("signed-")] == ["signed-invalid"]
    code, text = run_cli("district", signed["first"], "-o", tmp_path / "h2.xlsx", "--json", tmp_path / "h2.json")
    found = json.loads((tmp_path / "h2.json").read_text("utf-8"))
    assert [f["code"] for f in found["findings"] if f["code"].startswith("signed-")] == ["signed-not-verified"]
    assert found["communes"][0]["total"] == 92.5


def test_district_names_unsigned_foreign_root_and_resultless_pdfs(tt44, pki_set, tmp_path):
    """An unsigned report given by name counts like a summary, with a warning; one signed under an unknown root is
    not counted; a PDF carrying no result is named; PDFs in a folder that are not signed dossiers are left out."""
    foreign = tmp_path / "ky-boi-nguoi-la.pdf"
    done = sign(tt44["docs"] / BAO_CAO, foreign, pki_set["stranger_p12"])
    assert done.returncode == 0, done.stderr

    def district(*inputs) -> dict:
        run_cli("district", *inputs, "-o", tmp_path / "h.xlsx", "--json", tmp_path / "h.json",
                "--trust", pki_set["trust"])
        return json.loads((tmp_path / "h.json").read_text("utf-8"))

    data = district(tt44["docs"] / BAO_CAO)
    assert [f["code"] for f in data["findings"] if f["code"].startswith("signed-")] == ["signed-unsigned"]
    assert data["communes"][0]["total"] == 92.5
    data = district(foreign)
    assert [f["code"] for f in data["findings"] if f["code"].startswith("signed-")] == ["signed-unknown-root"]
    assert "CA lạ" in next(f["message"] for f in data["findings"] if f["code"] == "signed-unknown-root")
    data = district(tt44["docs"] / BIEN_BAN, tt44["summary"])
    assert [f["code"] for f in data["findings"] if f["code"].startswith("signed-")] == ["signed-no-result"]
    folder = tmp_path / "cac-xa"
    shutil.copytree(tt44["docs"], folder)
    shutil.copy(tt44["summary"], folder / "tong-hop.xlsx")
    data = district(folder)
    assert not [f for f in data["findings"] if f["code"].startswith("signed-")]
    assert [c["total"] for c in data["communes"]] == [92.5]


def test_without_the_sign_extra_pdf_is_still_pdfa_and_says_how_to_install(tt44, tmp_path):
    """pyHanko and pdfminer hidden from a real run (as on a PC that installed only `pip install cdht-excel`)."""
    hide = ("import sys; sys.modules['pyhanko'] = None; sys.modules['pdfminer'] = None; "
            "from cdht_excel.cli import main; main(sys.argv[1:])")
    docs = tmp_path / "ho-so"
    done = subprocess.run([sys.executable, "-c", hide, "merge", tt44["folder"], "-o", tmp_path / "tong-hop.xlsx",
                           "--docs", docs, "--pdf"], capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'pip install "cdht-excel[sign]"' in done.stdout
    pdf = docs / BAO_CAO
    assert b"<pdfaid:part>2</pdfaid:part>" in pdf.read_bytes() and b"/AcroForm" not in pdf.read_bytes()
    done = subprocess.run([sys.executable, "-c", hide, "sign", pdf, "-o", tmp_path / "x.pdf", "--p12", pdf],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 2
    assert 'pip install "cdht-excel[sign]"' in done.stderr and "Traceback" not in done.stderr


def test_the_level_aboves_dossier_gets_the_fields_too(tmp_path):
    """`cdht district --docs … --pdf`: the level above's documents as PDF/A with signature fields found from their
    own signer blocks (a draft gets none)."""
    from test_district import district
    from test_district_check import _inbox, fill_form, same_as_self
    names = ("An Bình", "Bình Minh")
    inbox = _inbox(tmp_path, names=names)
    form = tmp_path / "phieu.xlsx"
    district(inbox, tmp_path=tmp_path, extra=("--check-form", form))
    values = {}
    for name in names:
        values.update(same_as_self(f"xã {name}"))
    filled = fill_form(form, tmp_path / "da-kiem-tra.xlsx", values)
    docs = tmp_path / "ho-so"
    code, text, _ = district(inbox, tmp_path=tmp_path, extra=("--checked", filled, "--docs", docs, "--pdf",
                                                              "--signer", "Nguyễn Văn Quyết"))
    pdfs = sorted(docs.glob("*.pdf"))
    assert len(pdfs) == 3, text
    for pdf in pdfs:
        assert xmp_part(pdf) == 2
        found = fields_of(pdf)
        assert any(name.startswith("chu-ky") for name in found), (pdf.name, found)
    # the decision signs before its list of communes (an appendix in the same file): the field is on that page
    decision = next(p for p in pdfs if p.name.startswith("Dự thảo quyết định"))
    page, (x0, y0, x1, y1), _ = next(v for name, v in fields_of(decision).items() if name.startswith("chu-ky"))
    assert page < page_count(decision) - 1
    lines, _ = bbox_lines(decision, page + 1)
    signer = next(line for line in lines if line[4] == "Nguyễn Văn Quyết")
    assert signer[3] <= y0 and abs((x0 + x1) / 2 - (signer[0] + signer[2]) / 2) < 6


def test_an_oversized_pdf_is_refused_before_it_is_parsed(tmp_path):
    big = tmp_path / "qua-lon.pdf"
    with open(big, "wb") as fh:
        fh.write(b"%PDF-1.7\n")
        fh.truncate(51 * 2**20)                     # over the reader's 50 MB limit (sparse: no disk used)
    code, text = verify(big)
    assert code == 2 and "qua-lon.pdf" in text
    code, text = run_cli("district", big, "-o", tmp_path / "h.xlsx", "--json", tmp_path / "h.json")
    data = json.loads((tmp_path / "h.json").read_text("utf-8")) if (tmp_path / "h.json").exists() else {}
    assert code == 2 and "file-too-large" in text + json.dumps(data)

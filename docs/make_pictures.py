"""Make the README's pictures from the samples, so they always show what the tool really writes.

    python docs/make_pictures.py            # writes docs/pictures/*.png

Needs LibreOffice (`soffice`) and poppler (`pdftoppm`, `pdftotext`). Steps: the clean sample set is
merged with the project's own command (`cdht merge … --docs`), then LibreOffice turns the workbooks and
the tờ trình into PDF and `pdftoppm` turns one page of each into a PNG:

  phieu-don-vi.png   a unit's returned form (samples/dong-thinh-2024, Văn phòng UBND xã)
  tong-hop.png       the first page of the summary workbook (sheet “Kết quả”)
  to-trinh.png       the first page of the tờ trình
  ho-so-da-ky.png    the last page of the báo cáo (PDF/A from `merge --pdf`) signed with `cdht sign` twice: the
                     chairman's blue signature image, then the organisation's red seal over its left third
                     (a throw-away demonstration certificate made here; needs `pip install ".[sign]"`)

The pages of `cdht web` are photographed in Debian's Chromium (Playwright, the system browser by path),
against the real `cdht web` started as a user starts it:

  ../web-tong-hop.png   the merge result of the clean sample set (1366 × 768)
  web-ke-hoach.png      the plan editor: units, criteria, persons (1366 × 768)
  web-nhieu-xa.png      the district page of five communes, one in each class (1366 × 768)
  web-dien-thoai.png    the merge result on a phone (390 × 844)

    python docs/make_pictures.py --web      # only the pages (no LibreOffice needed)

Each picture is kept under 150 KB (the width is lowered until it fits; a page is reduced to 256 colours).
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "pictures"
SAMPLE = ROOT / "samples" / "dong-thinh-2024"
UNIT_FORM = SAMPLE / "Phiếu đánh giá TC 2, 7, 11 - VP UBND xã.xlsx"
MAX_BYTES = 150_000
WIDTHS = (1200, 1100, 1000, 900, 800)


def run(*cmd, cwd=None, ok=(0,)) -> str:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=600,
                          check=False)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def to_pdf(sources: list[Path], outdir: Path) -> list[Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui "
                         "libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as profile:
        run(soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", outdir, *sources)
    pdfs = [outdir / f"{s.stem}.pdf" for s in sources]
    missing = [p for p in pdfs if not p.is_file()]
    if missing:
        raise SystemExit(f"LibreOffice did not write {missing}")
    return pdfs


def page_with(pdf: Path, text: str) -> int:
    """The first page of the PDF whose text contains `text` (1-based)."""
    pages = run("pdftotext", "-layout", pdf, "-").split("\f")
    for number, page in enumerate(pages, start=1):
        if text in " ".join(page.split()):
            return number
    raise SystemExit(f"“{text}” is on no page of {pdf.name}")


def picture(pdf: Path, page: int, target: Path) -> Path:
    """One page as a PNG no larger than MAX_BYTES (256 colours, as wide as that allows)."""
    with tempfile.TemporaryDirectory() as tmp:
        for width in WIDTHS:
            stem = Path(tmp) / "page"
            run("pdftoppm", "-f", page, "-l", page, "-singlefile", "-scale-to-x", width, "-scale-to-y", -1,
                pdf, stem)
            target.write_bytes(indexed_png(Path(f"{stem}.ppm").read_bytes()))
            if target.stat().st_size <= MAX_BYTES:
                return target
    raise SystemExit(f"{target.name} stays over {MAX_BYTES} bytes")


def indexed_png(ppm: bytes) -> bytes:
    """A PNG with a palette of the page's 256 most frequent colours (others: the nearest of them)."""
    magic, width, height, maxval, data = ppm.split(maxsplit=4)
    if magic != b"P6" or maxval != b"255":
        raise SystemExit("pdftoppm wrote an unexpected image")
    width, height = int(width), int(height)
    pixels = [data[i:i + 3] for i in range(0, 3 * width * height, 3)]
    palette = [colour for colour, _ in Counter(pixels).most_common(256)]
    index = {colour: i for i, colour in enumerate(palette)}
    for colour in set(pixels) - index.keys():
        index[colour] = min(range(len(palette)),
                            key=lambda i, c=colour: sum((a - b) ** 2 for a, b in zip(c, palette[i])))
    rows = bytearray()
    for y in range(height):
        rows += b"\x00" + bytes(index[p] for p in pixels[y * width:(y + 1) * width])

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"PLTE", b"".join(palette)) +
            chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def decode_png(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of an 8-bit RGB or RGBA PNG without interlacing (Chromium's screenshots)."""
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in (2, 6) or interlace:
        raise SystemExit("Chromium wrote an unexpected PNG")
    bpp = 3 if colour == 2 else 4
    stride, raw = width * bpp, zlib.decompress(idat)
    out, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride) if kind else ():
            left = line[x - bpp] if x >= bpp else 0
            up, corner = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            else:
                guess = left + up - corner
                near = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
                line[x] = (line[x] + near[2]) & 255
        out += line
        prev = line
    if bpp == 3:
        return width, height, bytes(out)
    rgb = bytearray(width * height * 3)
    for channel in range(3):
        rgb[channel::3] = out[channel::4]
    return width, height, bytes(rgb)


def screenshot_picture(png: bytes, target: Path) -> Path:
    width, height, rgb = decode_png(png)
    target.write_bytes(indexed_png(b"P6 %d %d 255\n" % (width, height) + rgb))
    if target.stat().st_size > MAX_BYTES:
        raise SystemExit(f"{target.name} is over {MAX_BYTES} bytes")
    return target


def five_communes(folder: Path) -> list[Path]:
    """Unit forms of five communes of one district, one in each TT 44 class and one more “Tốt”: the forms
    the template writer makes, filled with scores (criterion 15 carries what makes the total)."""
    from cdht_excel.commune import plan as P
    from cdht_excel.commune.template import split_file_name, write_template
    from cdht_excel.rules import rubric as R
    rubric = R.load("tt44-2014")
    communes = []
    for name, total in (("An Bình", 92.5), ("Bình Minh", 75), ("Cao Sơn", 60), ("Dạ Lê", 45), ("Đông Hòa", 88)):
        scores = {cid: 3 for cid in range(1, 15)} | {15: total - 42}
        values = {f"C{cid}_SCORE": score for cid, score in scores.items()}
        values |= {f"C{cid}_EVIDENCE": f"Báo cáo số {cid}/BC-UBND ngày 10/12/2024" for cid in scores}
        plan = P.default_plan(name, 2024, rubric, district="Đồng Hỷ", province="Thái Nguyên")
        target = folder / name
        target.mkdir(parents=True)
        for n, unit in enumerate(plan.units, start=1):
            write_template(plan, rubric, target / split_file_name(n, unit, plan), only=unit, values=values)
        communes.append(target)
    return communes


def web_pictures(work: Path) -> list[Path]:
    """The pages of `cdht web`, photographed in Chromium."""
    import os
    import re
    chromium = os.environ.get("CDHT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("the web pictures need Playwright: pip install \".[test]\"") from None
    if not Path(chromium).is_file():
        raise SystemExit("the web pictures need Chromium: apt-get install chromium")
    from cdht_excel import jobs
    summaries = [jobs.run_merge([folder], work / "xa" / f"Tổng hợp – xã {folder.name}.xlsx").summary
                 for folder in five_communes(work / "phieu")]
    server = subprocess.Popen([sys.executable, "-m", "cdht_excel", "web", "--port", "0", "--no-browser"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        match = re.search(r"(http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]+)/\?token=\S+", server.stdout.readline() if
                          server.stdout else "")
        if not match:
            raise SystemExit("cdht web printed no address")
        url, base = match.group(0), match.group(1)
        args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
            made = _photograph(browser, url, base, summaries)
            browser.close()
    finally:
        server.send_signal(2)      # Ctrl+C: the server removes its private folder
        server.wait(timeout=30)
    return made


def _photograph(browser, url: str, base: str, summaries: list[Path]) -> list[Path]:
    sample = sorted(str(p) for p in SAMPLE.iterdir())

    def new_page(width: int, height: int):
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height},
                                      device_scale_factor=1, is_mobile=width < 600, has_touch=width < 600)
        page = context.new_page()
        page.goto(url)
        return page

    def merged(page) -> None:
        page.goto(base + "/merge")
        page.set_input_files("input[name=files]", sample)
        page.get_by_role("button", name="Tổng hợp và xếp loại").click()
        page.wait_for_url("**/merge/*")

    made = []
    page = new_page(1366, 768)
    merged(page)
    made.append(screenshot_picture(page.screenshot(), HERE / "web-tong-hop.png"))
    page.goto(base + "/template")
    page.fill("input[name=commune]", "Đồng Thịnh")
    page.fill("input[name=district]", "Định Hóa")
    page.fill("input[name=province]", "Thái Nguyên")
    page.fill("input[name=year]", "2024")
    page.get_by_role("button", name="Sửa kế hoạch, phân công trước").click()
    page.wait_for_url("**/plan/*")
    page.fill("input[name=unit-1-contact]", "Lê Thị Hoa, công chức Văn phòng")
    page.fill("input[name=unit-1-phone]", "0912 345 678")
    page.locator("input[name=unit-1-phone]").blur()
    page.locator("legend", has_text="Phân công tiêu chí").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.evaluate("window.scrollBy(0, -24)")
    made.append(screenshot_picture(page.screenshot(), OUT / "web-ke-hoach.png"))
    page.goto(base + "/district")
    page.set_input_files("input[name=files]", [str(p) for p in summaries])
    page.get_by_role("button", name="Tổng hợp các xã").click()
    page.wait_for_url("**/district/*")
    made.append(screenshot_picture(page.screenshot(), OUT / "web-nhieu-xa.png"))
    page.context.close()
    page = new_page(390, 844)
    merged(page)
    made.append(screenshot_picture(page.screenshot(), OUT / "web-dien-thoai.png"))
    page.context.close()
    return made


def main() -> int:
    OUT.mkdir(exist_ok=True)
    if "--web" in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            made = web_pictures(Path(tmp))
        for path in made:
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1000} KB")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        summary, docs = work / "tong-hop.xlsx", work / "ho-so"
        run(sys.executable, "-m", "cdht_excel", "merge", SAMPLE, "-o", summary, "--docs", docs, cwd=ROOT,
            ok=(0, 1))   # 1: written, with findings
        submission = next(docs.glob("Tờ trình*.docx"))
        unit_copy = work / "phieu-don-vi.xlsx"
        shutil.copyfile(UNIT_FORM, unit_copy)
        unit_pdf, summary_pdf, submission_pdf = to_pdf([unit_copy, summary, submission], work / "pdf")
        made = [
            picture(unit_pdf, page_with(unit_pdf, "Người phụ trách (họ tên, chức vụ):"), OUT / "phieu-don-vi.png"),
            picture(summary_pdf, 1, OUT / "tong-hop.png"),
            picture(submission_pdf, 1, OUT / "to-trinh.png"),
        ]
        made.append(signed_page(work))
        made += web_pictures(work / "web")
    for path in made:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1000} KB")
    return 0


def signed_page(work: Path) -> Path:
    """The báo cáo's signer page after `cdht sign` into the chairman's field and the seal field."""
    from PIL import Image, ImageDraw

    summary, docs = work / "ky" / "tong-hop.xlsx", work / "ky" / "ho-so"
    run(sys.executable, "-m", "cdht_excel", "merge", SAMPLE, "-o", summary, "--docs", docs, "--pdf", cwd=ROOT,
        ok=(0, 1))
    report = next(docs.glob("Báo cáo*.pdf"))
    p12 = demo_p12(work / "ky" / "demo.p12", "Mạc Văn Vỹ", "UBND xã Đồng Thịnh")
    signature, seal = work / "ky" / "chu-ky.png", work / "ky" / "dau.png"
    image = Image.new("RGBA", (300, 150), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(20, 120), (70, 30), (110, 110), (160, 40), (200, 100), (280, 60)],
                               fill=(0, 40, 200, 255), width=9)
    image.save(signature)
    image = Image.new("RGBA", (240, 240), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([8, 8, 232, 232], outline=(220, 0, 0, 255), width=10)
    draw.ellipse([40, 40, 200, 200], outline=(220, 0, 0, 255), width=5)
    image.save(seal)
    once, twice = work / "ky" / "ky-1.pdf", work / "ky" / "ky-2.pdf"
    for source, target, extra in ((report, once, ["--signature-image", signature]),
                                  (once, twice, ["--field", "dau-1", "--seal-image", seal])):
        proc = subprocess.run([sys.executable, "-m", "cdht_excel", "sign", source, "-o", target, "--p12", p12,
                               "--pin-stdin", *extra], input="demo\n", capture_output=True, text=True, cwd=ROOT)
        if proc.returncode:
            raise SystemExit(f"cdht sign failed:\n{proc.stdout}\n{proc.stderr}")
    pages = int(run("pdfinfo", twice).split("Pages:")[1].split()[0])
    return picture(twice, pages, OUT / "ho-so-da-ky.png")


def demo_p12(path: Path, name: str, organisation: str) -> Path:
    """A self-signed demonstration certificate (digitalSignature + nonRepudiation) in a .p12, password "demo"."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"demo", key, cert, None,
                                                           serialization.BestAvailableEncryption(b"demo")))
    return path


if __name__ == "__main__":
    sys.exit(main())

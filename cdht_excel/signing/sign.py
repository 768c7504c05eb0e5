"""Signing a dossier PDF into one of its empty fields, on the PC where the key is (never on a server).

The key is a .p12/.pfx certificate file or a USB token through its vendor's PKCS#11 module (Ban Cơ yếu, VNPT,
Viettel …). The appearance is drawn as NĐ 30/2020 Phụ lục I wants: the signer's image (blue) in the signer's
field, the organisation's red seal image in the seal field that overlaps the left third of it, or, without an
image, the signer's name, organisation and time as text in an embedded font (PDF/A allows no other).

Each signature is an approval signature in a new revision: a later one (the organisation's, by the văn thư)
is a form filling that keeps the earlier ones valid (see `verify`).
"""
from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cdht_excel.atomic import write_bytes
from cdht_excel.signing.prepare import quiet

FONT_CANDIDATES = (
    "C:/Windows/Fonts/times.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/liberation-serif/LiberationSerif-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Times New Roman.ttf",
    "/Library/Fonts/Times New Roman.ttf",
)


class SignError(Exception):
    """What went wrong, in Vietnamese, for the user (never a traceback)."""


@dataclass(frozen=True)
class EmptyField:
    name: str
    label: str


def empty_fields(data: bytes) -> list[EmptyField]:
    """The signature fields of a PDF that are not signed yet, in document order."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    out = []
    for name, _value, ref in enumerate_sig_fields(reader, filled_status=False):
        field = ref.get_object()
        out.append(EmptyField(name, str(field.get("/TU", ""))))
    return out


def choose_field(data: bytes, wanted: str | None) -> str:
    fields = empty_fields(data)
    names = [f.name for f in fields]
    if wanted:
        if wanted not in names:
            raise SignError(f"Tệp không có ô chữ ký trống tên “{wanted}”. Các ô còn trống: "
                            f"{', '.join(names) or 'không có'}.")
        return wanted
    signer = [n for n in names if n.startswith("chu-ky")]
    if not signer and not names:
        raise SignError("Tệp không còn ô chữ ký trống: tạo lại PDF bằng “cdht merge … --docs … --pdf”, "
                        "hoặc tệp đã được ký đủ.")
    return (signer or names)[0]


def p12_signer(path, password: bytes):
    from pyhanko.sign.signers import SimpleSigner
    try:
        with quiet():
            signer = SimpleSigner.load_pkcs12(str(path), passphrase=password or None)
    except Exception as exc:          # a wrong password or a damaged file: one message
        raise SignError(f"Không mở được tệp chứng thư “{path}”: sai mật khẩu hoặc tệp hỏng ({type(exc).__name__}).") from None
    if signer is None:
        raise SignError(f"Không mở được tệp chứng thư “{path}”: sai mật khẩu hoặc tệp không chứa khóa và chứng thư.")
    return signer


def pkcs11_signer(lib: str, pin, token_label: str | None = None, key_label: str | None = None):
    """(session, signer) for the token's key; the caller closes the session."""
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
    try:
        token_label = token_label or _only_token(lib)
        with quiet():
            session = open_pkcs11_session(lib, token_criteria=TokenCriteria(label=token_label), user_pin=pin)
    except SignError:
        raise
    except Exception as exc:
        raise SignError(f"Không mở được token qua thư viện “{lib}”: {_pkcs11_reason(exc)}.") from None
    try:
        if key_label:
            return session, PKCS11Signer(session, cert_label=key_label, key_label=key_label)
        cert_id = _only_certificate(session)
        return session, PKCS11Signer(session, cert_id=cert_id, key_id=cert_id)
    except SignError:
        session.close()
        raise
    except Exception as exc:
        session.close()
        raise SignError(f"Không dùng được khóa trên token: {_pkcs11_reason(exc)}.") from None


def uses_pin_pad(lib: str, token_label: str | None = None) -> bool:
    """Whether the token takes its PIN on its own pad (PKCS#11 protected authentication path): then nothing is
    asked on the screen. False when the token cannot be looked at (the PIN is asked and the error said later)."""
    import pkcs11
    try:
        label = token_label or _only_token(lib)
        token = pkcs11.lib(lib).get_token(token_label=label)
    except Exception:          # noqa: BLE001 - looked at again, with a message, when the session opens
        return False
    return bool(token.flags & pkcs11.TokenFlag.PROTECTED_AUTHENTICATION_PATH)


def pin_pad():
    """The PIN value meaning "on the token's pad" (python-pkcs11's PROTECTED_AUTH)."""
    import pkcs11
    return pkcs11.PROTECTED_AUTH


def _only_token(lib: str) -> str:
    """The label of the one initialised token the module shows (a module also lists empty slots)."""
    import pkcs11
    tokens = [slot.get_token() for slot in pkcs11.lib(lib).get_slots(token_present=True)]
    tokens = [t for t in tokens if t.flags & pkcs11.TokenFlag.TOKEN_INITIALIZED]
    if not tokens:
        raise SignError("Không thấy token nào: cắm token vào máy rồi chạy lại.")
    if len(tokens) > 1:
        raise SignError(f"Có {len(tokens)} token ({', '.join(f'“{t.label}”' for t in tokens)}): "
                        "chọn một bằng --token-label.")
    return tokens[0].label


def _only_certificate(session) -> bytes:
    import pkcs11
    certs = list(session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE}))
    if not certs:
        raise SignError("Token không có chứng thư số nào.")
    if len(certs) > 1:
        labels = ", ".join(f"“{c[pkcs11.Attribute.LABEL]}”" for c in certs)
        raise SignError(f"Token có {len(certs)} chứng thư ({labels}): chọn một bằng --key-label.")
    return certs[0][pkcs11.Attribute.ID]


def _pkcs11_reason(exc: Exception) -> str:
    name = type(exc).__name__
    if "PinIncorrect" in name or "PinInvalid" in name:
        return "sai mã PIN"
    if "PinLocked" in name:
        return "token đã bị khóa do nhập sai PIN nhiều lần"
    if "NoSuchToken" in name or "token" in str(exc).lower() and "not" in str(exc).lower():
        return "không thấy token (đã cắm token chưa? nhãn token đúng chưa?)"
    if "NoSuchKey" in name:
        return "không thấy khóa hoặc chứng thư với nhãn đã cho"
    if isinstance(exc, OSError) or "load" in str(exc).lower():
        return f"không nạp được thư viện PKCS#11 ({exc})"
    return f"{name}: {exc}"[:200]


def _font() -> str | None:
    return next((f for f in FONT_CANDIDATES if os.path.isfile(f)), None)


def _style(signer, image: str | None, when: datetime | None = None):
    """The appearance: the image filling the field, or the signer's name, organisation and time drawn as a
    picture in blue (a picture needs no font in the PDF, which PDF/A would require embedded)."""
    from pyhanko import stamp
    from pyhanko.pdf_utils import layout as L
    from pyhanko.pdf_utils.images import PdfImage
    if image:
        from PIL import Image
        try:
            picture = Image.open(image)
            picture.load()
        except Exception as exc:
            raise SignError(f"Không đọc được ảnh “{image}” ({type(exc).__name__}): dùng tệp PNG.") from None
    else:
        picture = _text_picture(signer, when or datetime.now().astimezone())
    fit = L.SimpleBoxLayoutRule(x_align=L.AxisAlignment.ALIGN_MID, y_align=L.AxisAlignment.ALIGN_MID,
                                inner_content_scaling=L.InnerScaling.SHRINK_TO_FIT)
    return stamp.TextStampStyle(stamp_text="", border_width=0, background=PdfImage(picture), background_opacity=1.0,
                                background_layout=fit)


def _text_picture(signer, when: datetime):
    """'Ký số bởi: …', the organisation and the time, blue on transparent, as NĐ 30 wants a signature shown."""
    from PIL import Image, ImageDraw, ImageFont
    font_path = _font()
    if font_path is None:
        raise SignError("Không tìm thấy phông Times New Roman hoặc Liberation Serif để viết chữ ký dạng chữ; "
                        "dùng --signature-image (ảnh chữ ký) hoặc cài phông.")
    who = _subject(signer.signing_cert)
    lines = [f"Ký số bởi: {who['name']}"] + ([who["organisation"]] if who["organisation"] else []) + \
        [f"Thời gian: {when.strftime('%d/%m/%Y %H:%M:%S %z')}"]
    font = ImageFont.truetype(font_path, 40)
    draw = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    widths = [int(draw.textbbox((0, 0), line, font=font)[2]) for line in lines]
    picture = Image.new("RGBA", (max(widths) + 20, 52 * len(lines) + 20), (255, 255, 255, 0))
    draw = ImageDraw.Draw(picture)
    for n, line in enumerate(lines):
        draw.text((10, 10 + 52 * n), line, font=font, fill=(0, 0, 200, 255))
    return picture


def _subject(cert) -> dict:
    native = cert.subject.native
    return {"name": str(native.get("common_name") or ""), "organisation": str(native.get("organization_name") or "")}


def sign_bytes(data: bytes, signer, field: str | None = None, image: str | None = None) -> bytes:
    """The PDF with one more signature, in `field` (or the first empty signer's field)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    name = choose_field(data, field)
    meta = signers.PdfSignatureMetadata(field_name=name, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES,
                                        name=_subject(signer.signing_cert)["name"] or None)
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer, stamp_style=_style(signer, image)).sign_pdf(writer, output=out)
    return out.getvalue()


def sign_file(source, target, signer, field: str | None = None, image: str | None = None) -> str:
    """Sign `source` into `target` (written atomically; the source is never modified); the field's name."""
    data = Path(source).read_bytes()
    name = choose_field(data, field)
    write_bytes(target, sign_bytes(data, signer, name, image))
    return name


def read_pin(prompt: str, from_stdin: bool) -> str:
    """The PIN or password: one line of standard input with --pin-stdin, else asked on the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass
    return getpass.getpass(prompt)

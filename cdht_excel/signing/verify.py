"""What the level above checks in a signed PDF: every signature intact, nothing changed after it (pyHanko's
difference analysis of the later revisions), the certificate chaining to the trust roots the province
configures, who signed and when; and the commune's result the document carries (see `prepare`).

Revocation is not checked (no network: a province's office may be offline); the trust roots are the
province's own choice (`--trust DIR` of .pem/.crt/.cer/.der certificates).
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cdht_excel.signing.prepare import RESULT_NAME, XLSX_MIME, quiet

UNTRUSTED_NO_ROOTS = "chữ ký hợp lệ về kỹ thuật, chưa xác minh được cơ quan cấp"
ROOT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


@dataclass
class SignatureCheck:
    field: str
    signer: str
    organisation: str
    time: datetime | None
    intact: bool                 # the signed bytes are as signed and the cryptography holds
    changed_after: bool          # a later revision changed more than filling further signature fields
    trusted: bool | None         # chains to a configured root; None: no roots configured
    issuer: str

    @property
    def ok(self) -> bool:
        return self.intact and not self.changed_after and self.trusted is True

    def verdict(self) -> str:
        if not self.intact:
            return "KHÔNG HỢP LỆ: nội dung đã bị sửa sau khi ký hoặc chữ ký hỏng"
        if self.changed_after:
            return "KHÔNG HỢP LỆ: tệp đã bị thay đổi sau khi ký (ngoài việc ký thêm)"
        if self.trusted is None:
            return UNTRUSTED_NO_ROOTS
        if not self.trusted:
            return (f"chữ ký còn nguyên vẹn nhưng chứng thư số không thuộc cơ quan cấp tin cậy đã cấu hình "
                    f"(cấp bởi “{self.issuer}”)")
        return "HỢP LỆ"


@dataclass
class PdfCheck:
    file: str
    problem: str = ""                       # the file could not be read as a PDF (Vietnamese)
    signatures: list[SignatureCheck] = field(default_factory=list)
    result: bytes | None = None             # the carried result part (header line, report line), as attached
    summary: bytes | None = None            # the carried summary workbook
    carried_problem: str = ""               # the result and the workbook disagree, or one is missing

    @property
    def readable(self) -> bool:
        return not self.problem

    @property
    def ok(self) -> bool:
        return self.readable and bool(self.signatures) and all(s.ok for s in self.signatures) and \
            not self.carried_problem


def load_roots(folder, problems: list[tuple[str, str]] | None = None) -> list:
    """The trust roots in a folder (PEM or DER certificates); a file that is not one is skipped, and said in
    `problems` as (file name, why, in Vietnamese) when the caller gives that list."""
    from pyhanko.keys import load_certs_from_pemder
    roots = []
    for path in sorted(Path(folder).iterdir()):
        if path.suffix.lower() in ROOT_SUFFIXES and path.is_file():
            try:
                found = list(load_certs_from_pemder([str(path)]))
            except Exception:           # noqa: BLE001 - not a certificate, whatever the parser says
                if problems is not None:
                    problems.append((path.name, "nội dung không phải chứng thư số dạng PEM hoặc DER"))
                continue
            if not found and problems is not None:
                problems.append((path.name, "tệp không chứa chứng thư số nào"))
            roots.extend(found)
    return roots


def verify_pdf(path, roots: list | None = None) -> PdfCheck:
    """Check one PDF; `roots` None when the province configured no trust roots."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    check = PdfCheck(str(path))
    try:
        data = Path(path).read_bytes()
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (OSError, PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        check.problem = f"không đọc được tệp PDF ({type(exc).__name__})"
        return check
    with quiet():
        for sig in signatures:
            check.signatures.append(_check_signature(sig, roots))
    try:
        _carried(reader, check)
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        check.carried_problem = f"không đọc được tệp đính kèm ({type(exc).__name__})"
    return check


def _check_signature(sig, roots) -> SignatureCheck:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    context = ValidationContext(trust_roots=list(roots or []), allow_fetching=False, revocation_mode="soft-fail")
    cert = sig.signer_cert
    subject = cert.subject.native if cert is not None else {}
    issuer = cert.issuer.native.get("common_name", "") if cert is not None else ""
    try:
        status = validate_pdf_signature(sig, signer_validation_context=context)
    except Exception:          # noqa: BLE001 - a damaged signature of any kind is just not valid
        return SignatureCheck(sig.field_name, str(subject.get("common_name", "")),
                              str(subject.get("organization_name", "")), None, False, True,
                              None if roots is None else False, str(issuer))
    level = status.modification_level
    changed = level is None or level.value > ModificationLevel.FORM_FILLING.value or not status.docmdp_ok
    return SignatureCheck(sig.field_name, str(subject.get("common_name", "")),
                          str(subject.get("organization_name", "")), status.signer_reported_dt,
                          bool(status.intact and status.valid), changed,
                          None if roots is None else bool(status.trusted), str(issuer))


def _carried(reader, check: PdfCheck) -> None:
    """The associated files of the document (catalog /AF): the result part and the summary workbook."""
    from cdht_excel.reading.result_part import find_part
    root = reader.root
    if "/AF" not in root:
        return
    for ref in root["/AF"]:
        spec = ref.get_object()
        name = str(spec.get("/UF") or spec.get("/F") or "")
        stream = spec["/EF"]["/F"].get_object()
        data = stream.data
        if name == RESULT_NAME:
            check.result = data
        elif str(stream.get("/Subtype", "")).replace("#2f", "/").lstrip("/") == XLSX_MIME or name.endswith(".xlsx"):
            check.summary = data
    if check.summary is not None:
        with zipfile.ZipFile(io.BytesIO(check.summary)) as zf:
            part = find_part(zf, set(zf.namelist()))
        if check.result is None:
            check.carried_problem = "tệp có đính kèm tệp tổng hợp nhưng thiếu kết quả máy đọc"
        elif part != check.result:
            check.carried_problem = "kết quả máy đọc đính kèm khác kết quả trong tệp tổng hợp đính kèm"
    elif check.result is not None:
        check.carried_problem = "tệp có kết quả máy đọc nhưng thiếu tệp tổng hợp đính kèm"

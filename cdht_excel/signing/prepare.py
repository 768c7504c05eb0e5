"""A dossier PDF made signable: the commune's result carried inside as PDF/A-3 associated files, and empty
signature fields where NĐ 30 puts them (see `layout`), added as one incremental update that keeps PDF/A.

`make_signable(pdf_bytes, attachments)` returns the new bytes; `signable(path, attachments)` rewrites a file
atomically. Signing later adds further revisions and never touches what is here.
"""
from __future__ import annotations

import hashlib
import io
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cdht_excel.atomic import write_bytes
from cdht_excel.signing import layout, pdfa

RESULT_NAME = "ket-qua-cdht.json"      # the summary's result part (reading/result_part.py), verbatim
RESULT_MIME = "application/json"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INSTALL_HINT = ("Chưa thêm được ô chữ ký số vào PDF vì máy chưa có thư viện ký số: cài bằng lệnh "
                "pip install \"cdht-excel[sign]\" rồi chạy lại (tệp PDF/A vẫn được ghi, chỉ chưa có ô chữ ký).")


@dataclass(frozen=True)
class Attachment:
    name: str            # file name shown in the viewer's attachments panel
    data: bytes
    mime: str
    relationship: str    # PDF/A-3 AFRelationship: 'Data' (the result) or 'Source' (the summary workbook)
    description: str


def available() -> bool:
    """Whether the signing libraries (the optional extra `cdht-excel[sign]`) are installed."""
    try:
        import pdfminer  # noqa: F401
        import pyhanko  # noqa: F401
    except ImportError:
        return False
    return True


def signable(path, attachments: list[Attachment] | None = None) -> list[layout.Field]:
    """Rewrite the PDF at `path` with its attachments and empty fields; return the fields added."""
    path = Path(path)
    data, fields = make_signable(path.read_bytes(), list(attachments or []), path)
    write_bytes(path, data)
    return fields


def make_signable(data: bytes, attachments: list[Attachment], rendered=None) -> tuple[bytes, list[layout.Field]]:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    pages = int(writer.root["/Pages"]["/Count"])
    fields = layout.document_fields(rendered if rendered is not None else io.BytesIO(data), pages)
    if attachments:
        for attachment in attachments:
            _attach(writer, attachment)
        _declare_part(writer, pdfa.PDFA_3)
    for field in fields:
        append_signature_field(writer, SigFieldSpec(field.name, on_page=field.page,
                                                    box=tuple(round(v, 2) for v in field.box)))  # type: ignore[arg-type]
    if fields:
        _tooltips(writer, {f.name: f.label for f in fields})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), fields


def _attach(writer, attachment: Attachment) -> None:
    """One associated file (ISO 19005-3 §6.8): an embedded file stream with its MIME subtype and dates, a file
    specification with /AFRelationship, listed in the EmbeddedFiles name tree and in the catalog's /AF."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams

    stamp = datetime(2000, 1, 1, tzinfo=timezone.utc)       # fixed: same inputs, same bytes
    stream = EmbeddedFileObject.from_file_data(
        writer, attachment.data, mime_type=attachment.mime,
        params=EmbeddedFileParams(embed_size=True, embed_checksum=True, creation_date=stamp, modification_date=stamp))
    spec = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Filespec"),
        generic.pdf_name("/F"): generic.pdf_string(attachment.name),
        generic.pdf_name("/UF"): generic.pdf_string(attachment.name),
        generic.pdf_name("/Desc"): generic.pdf_string(attachment.description),
        generic.pdf_name("/AFRelationship"): generic.pdf_name("/" + attachment.relationship),
        generic.pdf_name("/EF"): generic.DictionaryObject({
            generic.pdf_name("/F"): stream.ef_stream_ref, generic.pdf_name("/UF"): stream.ef_stream_ref}),
    })
    ref = writer.add_object(spec)
    root = writer.root
    names = root["/Names"] if "/Names" in root else None
    if names is None:
        names = generic.DictionaryObject()
        root["/Names"] = writer.add_object(names)
    embedded = names["/EmbeddedFiles"] if "/EmbeddedFiles" in names else None
    if embedded is None:
        embedded = generic.DictionaryObject({generic.pdf_name("/Names"): generic.ArrayObject()})
        names["/EmbeddedFiles"] = writer.add_object(embedded)
        writer.update_container(names)
    embedded["/Names"].extend([generic.pdf_string(attachment.name), ref])
    writer.update_container(embedded)
    af = root["/AF"] if "/AF" in root else None
    if af is None:
        root["/AF"] = generic.ArrayObject([ref])
    else:
        af.append(ref)
        writer.update_container(af)
    writer.update_root()


def _declare_part(writer, part: int) -> None:
    """The catalog's XMP metadata declaring PDF/A part `part`, as a new stream object."""
    if "/Metadata" not in writer.root:
        return
    from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream
    current = writer.root["/Metadata"].data
    if pdfa.pdfa_part(current) is None:       # not PDF/A (LibreOffice before 7.4 ignores the options): no claim
        return
    xmp = pdfa.with_part(current, part)
    # pyHanko's own class: on writing, pyHanko updates the dates in this XMP and keeps the rest (pdfaid)
    stream = MetadataStream(stream_data=xmp)
    writer.root["/Metadata"] = writer.add_object(stream)
    writer.update_root()


def _tooltips(writer, labels: dict[str, str]) -> None:
    """Each field's /TU: what the signing tool shows as whose signature goes in it."""
    from pyhanko.pdf_utils import generic
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        name = str(field.get("/T", ""))
        if name in labels:
            field["/TU"] = generic.pdf_string(labels[name])
            writer.update_container(field)


def result_attachments(part: bytes, summary: bytes, summary_name: str) -> list[Attachment]:
    """The báo cáo's / tờ trình's associated files: the result part and the summary workbook it came from."""
    digest = hashlib.sha256(summary).hexdigest()[:16]
    return [Attachment(RESULT_NAME, part, RESULT_MIME, "Data",
                       "Kết quả đánh giá của xã (dữ liệu máy đọc, giống phần kết quả trong tệp tổng hợp)"),
            Attachment(summary_name, summary, XLSX_MIME, "Source",
                       f"Tệp tổng hợp kết quả của xã (SHA-256 bắt đầu {digest})")]


def summary_attachments(summary) -> list[Attachment]:
    """The associated files taken from a summary workbook written by `cdht merge` (none when it has no
    result part, e.g. an older summary)."""
    import zipfile

    from cdht_excel.reading.result_part import find_part
    summary = Path(summary)
    data = summary.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        part = find_part(zf, set(zf.namelist()))
    return result_attachments(part, data, summary.name) if part else []


@contextmanager
def quiet():
    """pyHanko logs a traceback for a certificate it cannot chain or a file it cannot open; we say it, in Vietnamese."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)

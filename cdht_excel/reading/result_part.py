"""A summary's machine-readable result as a self-contained custom XML part (fast district reading).

The summary workbook keeps its hidden sheet `_cdht_result` (read by every version and after any re-save).
Our own summary writer also adds the report — without evidence, exactly the text `cdht district` keeps —
as an Office custom XML part (`customXml/itemN.xml`, related from the workbook the way Excel relates its
own custom XML, which Excel keeps on re-save). `cdht district` reads that part and the two cover cells it
compares, from the one opening of the zip that the limits check already made: no shared-string table, no
re-encoding of the JSON. Files without the part (older summaries, re-saved by LibreOffice) are read from
the hidden sheet as before.

The part is data for the tool, never trusted more than the hidden sheet: `district` recomputes everything
it holds (see above/verify.py).
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import zipfile
import zlib
from typing import NamedTuple

from cdht_excel.sheets.parts import sheet_part

PART_SCHEMA = "cdht-result-part/1"
NAMESPACE = "urn:cdht-excel:result:1"
ROOT_OPEN = f'<cdht-result xmlns="{NAMESPACE}"><![CDATA['.encode()
ROOT_CLOSE = b"]]></cdht-result>"
XML_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CUSTOM_XML_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
PROPS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"
PROPS_TYPE = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def json_bytes(value) -> bytes:
    """Compact UTF-8 JSON, as the district keeps it; ']]>' cannot end the CDATA (it only occurs in strings)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("]]>", "]]\\u003e").encode("utf-8")


def add_result_part(path, header: dict, report: dict) -> None:
    """Rewrite the .xlsx at `path` (a temporary output) with the result part added; deterministic bytes.

    The part holds two lines: the header (schema, where the cover shows total and class, the rubric
    when it is not built in) and the report without evidence, kept verbatim by the district."""
    with open(path, "rb") as fh:
        source = fh.read()
    with zipfile.ZipFile(io.BytesIO(source)) as src:
        names = set(src.namelist())
        cover = sheet_part(src, names, str(header["visible"]["sheet"]))
        # the CRC-32 of what the cover's values depend on, as written: when the zip's directory still
        # shows them, the cover is unchanged and need not be read (see `unchanged`)
        header = dict(header, written={name: src.getinfo(name).CRC for name in sorted(WATCHED | {cover})
                                       if name in names and name != "xl/_rels/workbook.xml.rels"})
    body = json_bytes(header) + b"\n" + json_bytes(report)
    guid = hashlib.sha256(body).hexdigest()[:32].upper()
    guid = f"{{{guid[:8]}-{guid[8:12]}-{guid[12:16]}-{guid[16:20]}-{guid[20:]}}}"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/customXml/itemProps1.xml" '
                                                 f'ContentType="{PROPS_TYPE}"/></Types>'.encode())
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Id="rIdCdhtResult" Type="{CUSTOM_XML_REL}" '
                                                         f'Target="../customXml/item1.xml"/></Relationships>'.encode())
            _write(dst, info.filename, data)
        # stored, not deflated: the district reads this part from every summary, and inflating it
        # cost more than reading the file (about 8 KB more per summary)
        _write(dst, "customXml/item1.xml", XML_HEAD + ROOT_OPEN + body + ROOT_CLOSE, zipfile.ZIP_STORED)
        _write(dst, "customXml/itemProps1.xml", XML_HEAD + (
            f'<ds:datastoreItem ds:itemID="{guid}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/customXml"><ds:schemaRefs><ds:schemaRef ds:uri="{NAMESPACE}"/></ds:schemaRefs>'
            f'</ds:datastoreItem>').encode())
        _write(dst, "customXml/_rels/item1.xml.rels", XML_HEAD + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{PROPS_REL}" Target="itemProps1.xml"/></Relationships>').encode())
    with open(path, "wb") as fh:
        fh.write(out.getvalue())


def _write(dst: zipfile.ZipFile, name: str, data: bytes, method: int = zipfile.ZIP_DEFLATED) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    dst.writestr(info, data)


# --------------------------------------------------------------------------- reading

WATCHED = {"xl/workbook.xml", "xl/sharedStrings.xml"}
EOCD = b"PK\x05\x06"
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")     # central directory file header (46 bytes)


class Entry(NamedTuple):
    """One zip directory entry (a named tuple: thousands are made per district run, cheaply)."""
    filename: str
    file_size: int
    compress_size: int
    CRC: int
    method: int
    offset: int


class ZipBytes:
    """A small zip read from bytes already in memory: the central directory parsed once (as `zipfile` does,
    without its per-entry objects), parts inflated on demand with their declared size and CRC checked.
    Anything unusual (zip64, encryption, other compression, bad offsets) gives None from `parse`: the
    caller then uses the general reader, which reports the problem."""

    def __init__(self, data: bytes, infos: list[Entry]):
        self.data = data
        self._infos = infos
        self.by_name = {e.filename: e for e in infos}

    def infolist(self) -> list[Entry]:
        return self._infos

    def namelist(self) -> list[str]:
        return [e.filename for e in self._infos]

    @classmethod
    def parse(cls, data: bytes) -> ZipBytes | None:
        end = data.rfind(EOCD, max(0, len(data) - 65557))
        if end < 0 or end + 22 > len(data):
            return None
        count, size, offset = struct.unpack_from("<HII", data, end + 10)
        if count == 0xFFFF or offset == 0xFFFFFFFF or offset + size > end:
            return None
        infos: list[Entry] = []
        pos, unpack, new = offset, CENTRAL.unpack_from, tuple.__new__   # the loop runs for every entry of
        for _ in range(count):                                           # every summary: kept tight
            if pos + 46 > end:
                return None
            (sig, _, _, flags, method, _, _, crc, csize, usize, nlen, elen, clen, _, _, _, local) = unpack(data, pos)
            if sig != 0x02014B50 or flags & 1 or method not in (0, 8) or local + 30 > end:
                return None
            raw = data[pos + 46:pos + 46 + nlen]
            name = raw.decode("utf-8") if flags & 0x800 or raw.isascii() else raw.decode("cp437")
            infos.append(new(Entry, (name, usize, csize, crc, method, local)))
            pos += 46 + nlen + elen + clen
        return cls(data, infos)

    def _raw(self, name: str) -> tuple[Entry, bytes]:
        entry = self.by_name[name]
        sig, = struct.unpack_from("<I", self.data, entry.offset)
        nlen, elen = struct.unpack_from("<HH", self.data, entry.offset + 26)
        if sig != 0x04034B50:
            raise ValueError("bad local header")
        start = entry.offset + 30 + nlen + elen
        return entry, self.data[start:start + entry.compress_size]

    def read(self, name: str) -> bytes:
        entry, raw = self._raw(name)
        out = raw if entry.method == 0 else zlib.decompressobj(-15).decompress(raw, entry.file_size + 1)
        if len(out) != entry.file_size or zlib.crc32(out) != entry.CRC:
            raise ValueError(f"{name}: size or CRC differs")
        return out

    def open(self, name: str):
        entry, raw = self._raw(name)
        return _Inflating(raw, entry.method)


class _Inflating:
    """A part inflated a little at a time (for reading only the start of the shared strings)."""

    def __init__(self, raw: bytes, method: int):
        self.raw, self.pos, self.buf, self.done = raw, 0, b"", False
        self.inflate = zlib.decompressobj(-15) if method == 8 else None

    def read(self, n: int) -> bytes:
        while len(self.buf) < n and not self.done:
            piece = self.raw[self.pos:self.pos + 4096]
            self.pos += 4096
            if not piece:
                self.buf += self.inflate.flush() if self.inflate else b""
                self.done = True
            else:
                self.buf += self.inflate.decompress(piece) if self.inflate else piece
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def unchanged(infos, header: dict) -> bool:
    """Whether the parts the cover depends on are byte for byte as written (CRC-32 in the zip directory)."""
    written = header.get("written")
    if not isinstance(written, dict) or not written:
        return False
    crc = {i.filename: i.CRC for i in infos}
    return all(crc.get(name) == value for name, value in written.items())

CELL_RE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)
VALUE_RE = re.compile(rb"<v>(.*?)</v>", re.DOTALL)
SI_RE = re.compile(rb"<si>(.*?)</si>", re.DOTALL)
TEXT_RE = re.compile(rb"<t[^>]*>(.*?)</t>", re.DOTALL)


def find_part(zf, names) -> bytes | None:
    """The JSON bytes of our result part in an open zip, or None."""
    ours = "customXml/item1.xml"        # where our writer puts it: looked at first
    for name in ([ours] if ours in names else []) + zf.namelist():   # then in the zip's order
        if name in names and name.startswith("customXml/item") and name.endswith(".xml") and "Props" not in name:
            data = zf.read(name)
            start = data.find(ROOT_OPEN)
            if start >= 0:
                end = data.rfind(ROOT_CLOSE)
                return data[start + len(ROOT_OPEN):end] if end > start else None
    return None


def cover_cells(zf, names, sheet: str, cells: dict[str, str]) -> dict[str, object]:
    """The values shown now in `cells` ({key: 'B8'}) of the visible sheet named `sheet`."""
    from xml.sax.saxutils import unescape
    part = sheet_part(zf, names, sheet)
    if part is None:
        return {}
    xml = zf.read(part)
    wanted = {ref.encode(): key for key, ref in cells.items()}
    found: dict[str, object] = {}
    shared: dict[str, int] = {}
    for m in CELL_RE.finditer(xml):
        key = wanted.get(m.group(1))
        if key is None:
            continue
        attrs, inner = m.group(2), m.group(3) or b""
        value = VALUE_RE.search(inner)
        if b't="s"' in attrs and value:
            shared[key] = int(value.group(1))
        elif b't="inlineStr"' in attrs:
            found[key] = unescape(b"".join(TEXT_RE.findall(inner)).decode("utf-8"))
        elif b't="str"' in attrs and value:
            found[key] = unescape(value.group(1).decode("utf-8"))
        elif value:
            try:
                found[key] = float(value.group(1))
            except ValueError:
                found[key] = value.group(1).decode("utf-8", "replace")
        else:
            found[key] = None
        if len(found) + len(shared) == len(wanted):
            break
    for key in wanted.values():
        found.setdefault(key, None)
    if shared:
        strings = _shared_strings(zf, names, max(shared.values()))
        for key, index in shared.items():
            found[key] = strings[index] if index < len(strings) else None
    return found


def _shared_strings(zf, names, upto: int) -> list[str]:
    """The first `upto` + 1 shared strings, decompressing only as far as needed (the cover's strings
    come first in the table)."""
    from xml.sax.saxutils import unescape
    if "xl/sharedStrings.xml" not in names:
        return []
    out: list[str] = []
    buffer = b""
    with zf.open("xl/sharedStrings.xml") as fh:
        while len(out) <= upto:
            chunk = fh.read(8192)
            buffer += chunk
            end = 0
            for m in SI_RE.finditer(buffer):
                out.append(unescape(b"".join(TEXT_RE.findall(m.group(1))).decode("utf-8")))
                end = m.end()
                if len(out) > upto:
                    break
            buffer = buffer[end:]
            if not chunk:
                break
    return out

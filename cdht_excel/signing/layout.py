"""Where the signatures go, found from the rendered page's text (Nghị định 30/2020, Phụ lục I; docs/legal/nd30-2020.md).

- The signer's digital signature (ô 7c): centred in the space between the signer's title and name.
- The organisation's digital signature, its red seal image, overlapping about the left third of the signer's
  image (ô 8), for a signer who signs for the organisation ("TM.", "KT.", "TL.", "TUQ.", or a "XÁC NHẬN" block).
- An appendix in a separate file ("(Kèm theo …" on page 1): the organisation's signature at the top right of
  page 1 (Mục II.8.b).

A signer block is recognised on the last page that has one as an upper-case title line (NĐ 30 sets the authority and title in
capitals) above a name line centred under it, with the signing space (more than two blank lines) between them.
Nothing is placed at fixed page coordinates: a template whose layout changes moves the fields with it.
"""
from __future__ import annotations

from dataclasses import dataclass

SIGNING_GAP = 36.0         # points of empty space between a title and a name that make a signer block
CENTRE_TOLERANCE = 40.0    # how far apart the centres of a title and its name line may be
STACK_GAP = 8.0            # lines of one title block are at most this far apart
FIELD_WIDTH = 150.0        # the signer's field (the blue signature image)
MARGIN = 4.0
CLEARANCE = 6.0            # between a field and the text above and below it (text boxes differ by a point or so)
ORGANISATION_PREFIXES = ("TM.", "KT.", "TL.", "TUQ.", "Q.", "XÁC NHẬN")
APPENDIX_MARK = "(Kèm theo"


@dataclass(frozen=True)
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(frozen=True)
class Field:
    name: str                # the AcroForm field name (ASCII: signing tools show it)
    page: int                # 0-based
    box: tuple[float, float, float, float]     # x0, y0, x1, y1 in PDF points
    kind: str                # 'signer' or 'organisation'
    label: str               # shown as the field's tooltip: whose signature goes here


@dataclass(frozen=True)
class Block:
    title: list[Line]        # top to bottom
    name: Line


def _upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def signer_blocks(lines: list[Line]) -> list[Block]:
    """The signer blocks of a page, left to right (see the module's docstring)."""
    blocks = []
    for name in lines:
        above = [t for t in lines if t.y0 >= name.y1 and t.x0 <= name.centre <= t.x1]
        if not above:
            continue
        title = min(above, key=lambda t: t.y0)
        if title.y0 - name.y1 < SIGNING_GAP or not _upper(title.text) or \
                abs(title.centre - name.centre) > CENTRE_TOLERANCE or _upper(name.text) and len(name.text) > 40:
            continue
        stack = [title]
        while True:
            top = stack[0]
            nxt = [t for t in lines if 0 <= t.y0 - top.y1 <= STACK_GAP and abs(t.centre - top.centre) <= CENTRE_TOLERANCE
                   and _upper(t.text)]
            if not nxt:
                break
            stack.insert(0, min(nxt, key=lambda t: t.y0))
        blocks.append(Block(stack, name))
    return sorted(blocks, key=lambda b: b.name.centre)


def fields_for(last_page: int, last_lines: list[Line], first_lines: list[Line], page_width: float,
               page_height: float) -> list[Field]:
    """The empty signature fields of a document, from the text lines of its last and first pages."""
    out: list[Field] = []
    for n, block in enumerate(signer_blocks(last_lines), start=1):
        title = " – ".join(t.text for t in block.title)
        bottom, top = block.name.y1 + CLEARANCE, block.title[-1].y0 - CLEARANCE
        height = top - bottom
        centre = (block.title[-1].centre + block.name.centre) / 2
        width = min(FIELD_WIDTH, 2 * height)
        x0 = max(MARGIN, min(centre - width / 2, page_width - MARGIN - width))
        signer = (x0, bottom, x0 + width, top)
        out.append(Field(f"chu-ky-{n}", last_page, signer, "signer", f"Chữ ký số của người ký: {title}"))
        if any(t.text.upper().startswith(ORGANISATION_PREFIXES) for t in block.title):
            # the seal overlaps the left third of the signer's image (ô 8): its right edge a third in
            side = height
            right = x0 + width / 3
            out.append(Field(f"dau-{n}", last_page, (max(0.0, right - side), bottom, right, top), "organisation",
                             f"Chữ ký số của cơ quan, tổ chức (dấu): {title}"))
    if any(t.text.startswith(APPENDIX_MARK) for t in first_lines) and first_lines:
        # an appendix in a separate file: the organisation's signature at the top right of page 1 (Mục II.8.b)
        right = max(t.x1 for t in first_lines)
        bottom = max(t.y1 for t in first_lines) + MARGIN / 2
        side = min(60.0, page_height - bottom - MARGIN / 2)
        if side > 20:
            out.append(Field("dau-phu-luc", 0, (right - side, bottom, right, bottom + side), "organisation",
                             "Chữ ký số của cơ quan, tổ chức trên phụ lục (góc trên, bên phải trang đầu)"))
    return out


def page_lines(path, page: int) -> tuple[list[Line], float, float]:
    """The text lines of one page (0-based; -1 for the last) of a PDF, with the page's width and height."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextLineHorizontal

    if hasattr(path, "seek"):          # the PDF in memory
        path.seek(0)
    source = path if hasattr(path, "read") else str(path)
    pages = list(extract_pages(source, laparams=LAParams())) if page < 0 else \
        list(extract_pages(source, page_numbers=[page], laparams=LAParams()))
    layout = pages[-1] if page < 0 else pages[0]
    found: list[Line] = []

    def walk(node) -> None:
        for child in node:
            if isinstance(child, LTTextLineHorizontal):
                text = " ".join(child.get_text().split())
                if text:
                    found.append(Line(child.x0, child.y0, child.x1, child.y1, text))
            elif hasattr(child, "__iter__"):
                walk(child)
    walk(layout)
    return found, layout.width, layout.height


def document_fields(path, page_count: int) -> list[Field]:
    """The fields of a document: the signer blocks of the last page that has any (an appendix in the same file,
    such as a decision's list of communes, comes after them), and the appendix field of page 1."""
    first, width, height = page_lines(path, 0)
    for page in range(page_count - 1, -1, -1):
        lines = first if page == 0 else page_lines(path, page)[0]
        if signer_blocks(lines):
            return fields_for(page, lines, first, width, height)
    return fields_for(page_count - 1, [], first, width, height)

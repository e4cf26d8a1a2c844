"""The text of a PDF circular, laid out as the OCR text the chunker reads.

Offices send circulars as PDFs made from Word documents, with a text layer. The
chunker (`indexer.letters`, `indexer.chunker`) reads lines and takes a blank line as
the end of a paragraph, as the OCR'd seeds print them; a PDF's text layer has lines
but no blank lines, and without them a letter's header and items run together (the
seeds with their blank lines removed give no chunk at all). So each page's lines are
read with their positions (PDFium, through `pypdfium2`), and a blank line is put
before each line that starts a paragraph:

* a line indented from the text's left margin (a Thai letter indents each paragraph
  and item; centred lines, such as the signature, count too);
* a line set apart from the one above by more than the usual line spacing (layouts
  that space paragraphs instead of indenting them);
* a line starting a header field (ที่, เรื่อง, เรียน, อ้างถึง, สิ่งที่ส่งมาด้วย, ส่วนราชการ),
  which Thai letters print at the margin.

The margin, and the usual spacing, are the document's (its commonest left edge),
not each page's. Two rules were tried and dropped, on seed letters printed as PDFs
(`scripts/make_pdf_fixture.py`): a line starting with an item number starts a
paragraph (a wrapped line can start with "(๓)" mid-sentence: ว 3053 ข้อ 1 gained a
false item 1.(3); items are indented anyway), and a line after one ending well short
of the right margin does (a ragged right edge ends lines early before a long word:
ว 10303's opening paragraph split in two).

A page number alone on a page's first or last line ("- ๒ -", "๒", "หน้า ๒") is
dropped. A page's first line that starts no paragraph continues the paragraph the
page before ended with, as an item cut by a page break does.

A PDF whose pages hold no text is a scan: it needs OCR first, and the reader says so
(`DocumentProblem`) rather than indexing nothing; pages without text among pages with
text are named, so that a partly scanned PDF's missing pages are not lost silently.
Tables are read as lines of text, not rows: the chunker's table rows come from the
OCR text's tables only.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

import pypdfium2 as pdfium

from indexer.document_problem import DocumentProblem

# Points (1/72 inch). A Thai letter indents paragraphs by 2.5 cm (71 pt); OCR-free
# PDFs of other layouts indent less, and a line's first glyph may sit a point or two
# off the margin.
INDENT_POINTS = 12.0
GAP_LINES = 1.6  # baseline distance, in typical line spacings, that sets a paragraph apart
MIN_TEXT_CHARS = 20  # visible characters a PDF needs before it counts as having text
FIELD_START_RE = re.compile(r"^(?:ที่\s|เรื่อง|เรียน|อ้างถึง|สิ่งที่ส่งมาด้วย|ส่วนราชการ)")
PAGE_NUMBER_RE = re.compile(r"^(?:หน้า\s*)?[-–(]?\s*[0-9๐-๙]{1,3}\s*[-–)]?$")


@dataclass
class _Line:
    text: str
    left: float
    bottom: float  # the lowest glyph's bottom, in points from the page's foot


@dataclass(frozen=True)
class PdfText:
    text: str
    pages_without_text: list[int]  # 1-based: scanned pages among text ones, or blank


def pdf_text(data: bytes) -> PdfText:
    """The PDF's text, one line per printed line, a blank line before each paragraph,
    and the pages that hold none; `DocumentProblem` when it cannot be opened or holds no
    text at all (a scan)."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise DocumentProblem("ไฟล์ PDF มีรหัสผ่าน", "the PDF is password-protected") from None
        raise DocumentProblem("เปิดไฟล์ PDF ไม่ได้ (ไฟล์เสียหรือไม่ใช่ PDF)",
                         f"cannot open the PDF ({error})") from None
    try:
        pages = [_page_lines(document[index]) for index in range(len(document))]
    finally:
        document.close()
    visible = sum(len("".join(line.text.split())) for page in pages for line in page)
    if visible < MIN_TEXT_CHARS:
        raise DocumentProblem(
            "ไฟล์ PDF ไม่มีข้อความ (น่าจะเป็นภาพสแกน) ต้องทำ OCR ก่อน เช่น ocrmypdf -l tha",
            "the PDF has no text layer (a scan?): run OCR on it first, e.g. ocrmypdf -l tha")
    pages = [_without_page_numbers(lines) for lines in pages]
    geometry = _geometry([line for lines in pages for line in lines])
    out: list[str] = []
    for lines in pages:
        out.extend(_laid_out(lines, geometry, continues=bool(out)))
    return PdfText("\n".join(out).strip("\n") + "\n",
                   [number for number, lines in enumerate(pages, 1) if not lines])


def _page_lines(page: pdfium.PdfPage) -> list[_Line]:
    """The page's printed lines, top to bottom, with their extents."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        lines: list[_Line] = []
        start = 0
        # PDFium numbers the line breaks it generates like characters, so an index
        # into the text is an index of a character box.
        for raw in text.replace("\r\n", "\n").split("\n"):
            line = _measured(textpage, raw, start)
            if line is not None:
                lines.append(line)
            start += len(raw) + (2 if text[start + len(raw):start + len(raw) + 2] == "\r\n"
                                 else 1)
        return lines
    finally:
        textpage.close()


def _measured(textpage: pdfium.PdfTextPage, raw: str, start: int) -> _Line | None:
    boxes = [textpage.get_charbox(start + offset) for offset, ch in enumerate(raw)
             if not ch.isspace()]
    if not boxes:
        return None
    return _Line(raw.strip(), min(b[0] for b in boxes), min(b[1] for b in boxes))


def _without_page_numbers(lines: list[_Line]) -> list[_Line]:
    """The page's lines without a page number printed alone at its top or foot."""
    ends = {0, len(lines) - 1}
    return [line for index, line in enumerate(lines)
            if not (index in ends and PAGE_NUMBER_RE.match(line.text))]


@dataclass(frozen=True)
class _Geometry:
    margin: float  # the text's left edge, in points
    spacing: float  # the usual distance between baselines


def _geometry(lines: list[_Line]) -> _Geometry:
    """The document's margin and line spacing, from all its lines: most lines of a
    letter are full lines at the margin (one page of centred lines would mislead a
    page-by-page reading)."""
    lefts = Counter(round(line.left) for line in lines)
    margin = float(max(lefts, key=lambda left: (lefts[left], -left)))
    spacings = [above.bottom - below.bottom for above, below in pairwise(lines)
                if above.bottom - below.bottom > 0]
    return _Geometry(margin, statistics.median(spacings) if spacings else 0.0)


def _laid_out(lines: list[_Line], geometry: _Geometry, continues: bool) -> list[str]:
    """The page's lines with a blank line before each that starts a paragraph; the first
    gets none when `continues` and it starts no paragraph (a paragraph cut by the page
    break)."""
    out: list[str] = []
    for index, line in enumerate(lines):
        previous = lines[index - 1] if index else None
        starts = (line.left - geometry.margin > INDENT_POINTS
                  or FIELD_START_RE.match(line.text) is not None
                  or (previous is not None and _ends_paragraph(previous, line, geometry)))
        if starts and (index or continues):
            out.append("")
        out.append(line.text)
    return out


def _ends_paragraph(previous: _Line, line: _Line, geometry: _Geometry) -> bool:
    """Whether `previous` is a paragraph's last line: set apart from the next by more
    than the usual spacing."""
    return geometry.spacing > 0 and previous.bottom - line.bottom > GAP_LINES * geometry.spacing

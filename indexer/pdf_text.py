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
* a line starting a header field (ที่ before a document number, เรื่อง, เรียน, อ้างถึง,
  สิ่งที่ส่งมาด้วย, ส่วนราชการ), which Thai letters print at the margin.

The margin is each page's own (the leftmost edge three lines share; the document's,
for a page of a few centred lines). A page turned for display (/Rotate) has its lines
put back in reading order by their position. Two rules were tried and dropped, on
seed letters printed as PDFs (`scripts/make_pdf_fixture.py`): a line starting with an
item number starts a paragraph (a wrapped line can start with "(๓)" mid-sentence:
ว 3053 ข้อ 1 gained a false item 1.(3); items are indented anyway), and a line after
one ending well short of the right margin does (a ragged right edge ends lines early
before a long word: ว 10303's opening paragraph split in two).

A page number alone on a page's first or last line ("- ๒ -", "๒", "หน้า ๒") is
dropped. A page's first line that starts no paragraph continues the paragraph the
page before ended with, as an item cut by a page break does.

A PDF whose pages hold no text is a scan: it needs OCR first, and the reader says so
(`DocumentProblem`) rather than indexing nothing; pages without text among pages with
text are named, so that a partly scanned PDF's missing pages are not lost silently.
Tables: a gap of more than `CELL_GAP` font sizes between two glyphs of a line parts
two cells, kept only where another line has a cell starting at the same place (a
table's columns line up; a stretched space in running text does not). A table's
printed lines become its rows, tab-separated as the OCR text prints them and the
chunker reads them (`indexer.tables`): a cell wrapped over several lines is joined
again, and a line starts a row when it carries a row number or stands further below
the last than a line spacing (cell padding). A table running over a page break goes
on. Measured on seed 000 printed so (`tests/data/w38028.pdf`): all 12 rows of its
summary table come out with their numbers and main agencies, 9 word for word; in 3,
lines of the last column start too near the text column and join it.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from collections import Counter
from dataclasses import dataclass, replace
from itertools import pairwise

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.doc_numbers import HEADER_DOC_NO_RE
from indexer.document_problem import DocumentProblem
from indexer.layout import join_wrapped

# Points (1/72 inch). A Thai letter indents paragraphs by 2.5 cm (71 pt); OCR-free
# PDFs of other layouts indent less, and a line's first glyph may sit a point or two
# off the margin.
INDENT_POINTS = 12.0
GAP_LINES = 1.6  # baseline distance, in typical line spacings, that sets a paragraph apart
BASELINE_SHIFT = 0.5  # of the font size: a baseline moved this much is another line
CELL_GAP = 0.6  # font sizes of empty space between two glyphs that part table cells
COLUMN_POINTS = 6.0  # how far a cell may start from its column's left edge
ROW_SPACING = 1.15  # line spacings between two printed lines of a table that part rows
ROW_NUMBER_RE = re.compile(r"^[0-9๐-๙]{1,3}(?:\.[0-9๐-๙]{1,3})*\.?(?:\t|\s|$)")
MARGIN_LINES = 3  # lines that must share a left edge for it to be a page's margin
LINE_FEED, CARRIAGE_RETURN = 10, 13
NO_PAGES_RE, SOME_PAGES_RE = re.compile(rb"/Count\s*0\b"), re.compile(rb"/Count\s*[1-9]")
ENCRYPTED_RE = re.compile(rb"/Encrypt\b")
MIN_TEXT_CHARS = 20  # visible characters a PDF needs before it counts as having text
# A header field's word and the space after it. ที่ counts only as the letter parser's
# number line (`HEADER_DOC_NO_RE`): a wrapped line of the body may start with the word
# ที่ ("ที่ ๖ พฤศจิกายน").
FIELD_START_RE = re.compile(r"^(?:เรื่อง|เรียน|อ้างถึง|สิ่งที่ส่งมาด้วย|ส่วนราชการ)\s")
PAGE_NUMBER_RE = re.compile(r"^(?:หน้า\s*)?[-–(]?\s*[0-9๐-๙]{1,3}\s*[-–)]?$")


@dataclass
class _Line:
    text: str  # a table row's cells joined by tabs
    left: float  # the first character's origin, in points from the page's left
    bottom: float  # the baseline, in points from the page's foot
    cells: tuple[float, ...] = ()  # a table row's cell starts (two or more), else none


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
        # PDFium's message names its last error, which may be an earlier file's (it
        # sets none for a document without pages): the file's own bytes decide.
        if ENCRYPTED_RE.search(data):
            raise DocumentProblem("ไฟล์ PDF มีรหัสผ่าน", "the PDF is password-protected") from None
        if NO_PAGES_RE.search(data) and not SOME_PAGES_RE.search(data):
            raise DocumentProblem("ไฟล์ PDF ไม่มีหน้าใดเลย (หรือสารบัญหน้าเสีย)",
                                  "the PDF has no pages (or a broken page tree)") from None
        raise DocumentProblem("เปิดไฟล์ PDF ไม่ได้ (ไฟล์เสียหรือไม่ใช่ PDF)",
                              f"cannot open the PDF ({error})") from None
    try:
        pages = [_page_lines(document, index) for index in range(len(document))]
    finally:
        document.close()
    visible = sum(len("".join(line.text.split())) for page in pages for line in page)
    if visible < MIN_TEXT_CHARS:
        raise DocumentProblem(
            "ไฟล์ PDF ไม่มีข้อความ (น่าจะเป็นภาพสแกน) ต้องทำ OCR ก่อน เช่น ocrmypdf -l tha",
            "the PDF has no text layer (a scan?): run OCR on it first, e.g. ocrmypdf -l tha")
    pages = _confirmed_cells([_without_page_numbers(lines) for lines in pages])
    document_margin = _margin([line for lines in pages for line in lines])
    out: list[str] = []
    table: _Table | None = None
    for lines in pages:
        page_out, table = _laid_out(lines, _geometry(lines, document_margin),
                                    continues=bool(out), table=table)
        out.extend(page_out)
    if table is not None:
        out.extend(table.rows())
    return PdfText("\n".join(out).strip("\n") + "\n",
                   [number for number, lines in enumerate(pages, 1) if not lines])


def _page_lines(document: pdfium.PdfDocument, index: int) -> list[_Line]:
    """The page's printed lines, top to bottom, with their positions; none for a page
    PDFium cannot load (a damaged page object), which is then named as a page without
    text rather than failing the file."""
    try:
        page = document[index]
    except pdfium.PdfiumError:
        return []
    textpage = page.get_textpage()
    try:
        lines = _read_lines(textpage)
    finally:
        textpage.close()
    if page.get_rotation():
        # A page turned for display: PDFium orders its lines as displayed, and may cut
        # one printed line in pieces, but their positions are in the page's own upright
        # space, which the layout reads.
        lines = _joined_by_baseline(sorted(lines, key=lambda line: (-line.bottom, line.left)))
    return lines


def _joined_by_baseline(lines: list[_Line]) -> list[_Line]:
    """Lines (sorted top to bottom, left to right) with pieces on one baseline joined
    into one line."""
    joined: list[_Line] = []
    for line in lines:
        last = joined[-1] if joined else None
        if last is not None and abs(last.bottom - line.bottom) < 1.0:
            joined[-1] = replace(last, text=f"{last.text} {line.text}",
                                 cells=last.cells or line.cells)
        else:
            joined.append(line)
    return joined


@dataclass(frozen=True)
class _Char:
    text: str
    x: float  # origin: the pen position where the glyph starts, on its baseline
    y: float
    right: float  # the glyph box's right edge
    size: float  # font size, points


def _read_lines(textpage: pdfium.PdfTextPage) -> list[_Line]:
    """The text page's lines, character by character, so that each character's index
    is its position's (the text-range call may add or drop characters). A line ends
    where PDFium breaks one, or where the baseline moves by half a font size: PDFium
    runs a table's rows together when their cells go back to the left margin."""
    lines: list[_Line] = []
    current: list[_Char | None] = []  # None: a space
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    for char_index in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, char_index)
        if code == LINE_FEED:
            lines.extend(_line_of(current))
            current = []
            continue
        if not code or code == CARRIAGE_RETURN:
            continue
        if chr(code).isspace():
            current.append(None)
            continue
        pdfium_c.FPDFText_GetCharOrigin(textpage.raw, char_index, origin_x, origin_y)
        size = pdfium_c.FPDFText_GetFontSize(textpage.raw, char_index) or 1.0
        char = _Char(chr(code), origin_x.value, origin_y.value,
                     textpage.get_charbox(char_index)[2], size)
        first = next((c for c in current if c is not None), None)
        if first is not None and abs(char.y - first.y) > BASELINE_SHIFT * size:
            lines.extend(_line_of(current))
            current = []
        current.append(char)
    lines.extend(_line_of(current))
    return lines


def _line_of(chars: list[_Char | None]) -> list[_Line]:
    """The line these characters print; a gap of more than `CELL_GAP` font sizes
    between two of them is a table's cell boundary, written as a tab. None for a line
    of spaces."""
    parts: list[str] = []
    cells: list[float] = []
    right: float | None = None
    for char in chars:
        if char is None:
            if parts and parts[-1] not in (" ", "\t"):
                parts.append(" ")
            continue
        if right is None:
            cells.append(char.x)
        elif char.x - right > CELL_GAP * char.size:
            while parts and parts[-1] == " ":
                parts.pop()
            parts.append("\t")
            cells.append(char.x)
        right = char.right if right is None else max(right, char.right)
        parts.append(char.text)
    if right is None:
        return []
    first = next(c for c in chars if c is not None)
    return [_Line("".join(parts).strip(" "), first.x, first.y,
                  tuple(cells) if len(cells) > 1 else ())]


def _confirmed_cells(pages: list[list[_Line]]) -> list[list[_Line]]:
    """The pages with a line's cells kept only when another line of the document has a
    cell starting where one of its own inner cells does: a table's columns line up
    over its rows, while a wide gap in running text (stretched spacing, a glyph the
    font lacks) is a one-off."""
    starts = Counter(round(start) for lines in pages for line in lines
                     for start in line.cells[1:])

    def shared(line: _Line) -> bool:
        return any(sum(starts[round(start) + shift] for shift in range(
            -int(COLUMN_POINTS), int(COLUMN_POINTS) + 1)) > 1 for start in line.cells[1:])

    return [[line if not line.cells or shared(line) else
             replace(line, text=line.text.replace("\t", " "), cells=())
             for line in lines] for lines in pages]


def _without_page_numbers(lines: list[_Line]) -> list[_Line]:
    """The page's lines without a page number printed alone at its top or foot."""
    ends = {0, len(lines) - 1}
    return [line for index, line in enumerate(lines)
            if not (index in ends and PAGE_NUMBER_RE.match(line.text))]


@dataclass(frozen=True)
class _Geometry:
    margin: float  # the text's left edge, in points
    spacing: float  # the usual distance between baselines


def _margin(lines: list[_Line]) -> float | None:
    """The leftmost left edge at least `MARGIN_LINES` of `lines` share: a paragraph's
    lines after its first start at the margin, and only a stray line (a cell, a
    number set out) starts left of it. The commonest edge would be the indent on a
    page of short paragraphs."""
    lefts = Counter(round(line.left) for line in lines)
    shared = [left for left, count in lefts.items() if count >= MARGIN_LINES]
    return float(min(shared)) if shared else None


def _geometry(lines: list[_Line], document_margin: float | None) -> _Geometry:
    """A page's margin and line spacing. The page's own margin, when enough of its lines
    show it: a bundle may join letters of two offices, or a landscape enclosure, each
    with its own. Else the document's: a page of a few centred lines shows none."""
    margin = _margin(lines)
    if margin is None:
        margin = document_margin
    if margin is None:
        margin = min((line.left for line in lines), default=0.0)
    spacings = [above.bottom - below.bottom for above, below in pairwise(lines)
                if above.bottom - below.bottom > 0]
    return _Geometry(margin, statistics.median(spacings) if spacings else 0.0)


def _laid_out(lines: list[_Line], geometry: _Geometry, continues: bool,
              table: _Table | None = None) -> tuple[list[str], _Table | None]:
    """The page's lines with a blank line before each that starts a paragraph; the first
    gets none when `continues` and it starts no paragraph (a paragraph cut by the page
    break). A table's lines become its rows, one tab-separated line each (`_Table`);
    `table` is one the page before ended in, which the page's first lines may go on,
    and the table the page ends in is returned with the lines (its rows not yet in
    them)."""
    out: list[str] = []
    for index, line in enumerate(lines):
        if table is not None:
            if table.add(line):
                continue
            out.extend([*table.rows(), ""])  # the table ended
            table = None
        if line.cells:
            table = _Table(line, geometry.spacing)
            if out or continues:
                out.append("")
            continue
        previous = lines[index - 1] if index else None
        starts = (line.left - geometry.margin > INDENT_POINTS
                  or FIELD_START_RE.match(line.text) is not None
                  or HEADER_DOC_NO_RE.match(line.text) is not None
                  or (previous is not None and _ends_paragraph(previous, line, geometry)))
        if starts and (index or continues) and out[-1:] != [""]:
            out.append("")
        out.append(line.text)
    return out, table


class _Table:
    """A table's rows, as the chunker reads tables: one tab-separated line per row, a
    cell wrapped over several printed lines joined again. The columns are the cell
    starts seen; a printed line belongs to the row above when it follows at line
    spacing with no row number of its own, else it starts a row (a cell's padding sets
    rows further apart than a cell's lines)."""

    def __init__(self, first: _Line, spacing: float) -> None:
        self.columns = list(first.cells)
        self.spacing = spacing
        self._rows: list[list[list[str]]] = []
        self._baseline = first.bottom
        self.add(first)

    def add(self, line: _Line) -> bool:
        """Take the line into the table; False when it is no part of it (text starting
        at the table's left edge with no cells: the table has ended)."""
        starts = line.cells or (line.left,)
        indexes = [self._column(start) for start in starts]
        if any(i is None for i in indexes) or (not line.cells and indexes[0] == 0):
            return False
        gap = self._baseline - line.bottom
        numbered = indexes[0] == 0 and ROW_NUMBER_RE.match(line.text) is not None
        if (not self._rows or numbered
                or (indexes[0] == 0 and gap > ROW_SPACING * self.spacing)):
            self._rows.append([[] for _ in self.columns])
        row = self._rows[-1]
        for column, text in zip(indexes, line.text.split("\t"), strict=True):
            assert column is not None
            while len(row) <= column:
                row.append([])
            row[column].append(text)
        self._baseline = line.bottom
        return True

    def rows(self) -> list[str]:
        return ["\t".join(join_wrapped(parts) for parts in row).rstrip("\t")
                for row in self._rows]

    def _column(self, start: float) -> int | None:
        """The column a cell starting at `start` is in; a new column when a row has a
        cell where no earlier one had, None left of the table."""
        near = min(range(len(self.columns)), key=lambda i: abs(self.columns[i] - start))
        if abs(self.columns[near] - start) <= COLUMN_POINTS:
            return near
        if start < self.columns[0] - COLUMN_POINTS:
            return None
        self.columns = sorted([*self.columns, start])
        return self.columns.index(start)


def _ends_paragraph(previous: _Line, line: _Line, geometry: _Geometry) -> bool:
    """Whether `previous` is a paragraph's last line: set apart from the next by more
    than the usual spacing."""
    return geometry.spacing > 0 and previous.bottom - line.bottom > GAP_LINES * geometry.spacing

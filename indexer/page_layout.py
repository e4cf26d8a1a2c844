"""Printed lines with their positions, laid out as the OCR text the chunker reads.

The chunker (`indexer.letters`, `indexer.chunker`) reads lines and takes a blank line
as the end of a paragraph, as the OCR'd seeds print them. Text read off a page, from a
PDF's text layer (`indexer.pdf_text`) or by OCR from a scan (`indexer.ocr`), has lines
but no blank lines, and without them a letter's header and items run together (the
seeds with their blank lines removed give no chunk at all). So a blank line is put
before each printed line that starts a paragraph:

* a line indented from the text's left margin (a Thai letter indents each paragraph
  and item; centred lines, such as the signature, count too);
* a line set apart from the one above by more than the usual line spacing (layouts
  that space paragraphs instead of indenting them);
* a line starting a header field (ที่ before a document number, เรื่อง, เรียน, อ้างถึง,
  สิ่งที่ส่งมาด้วย, ส่วนราชการ), which Thai letters print at the margin.

The margin is each page's own (the leftmost edge three lines share; the document's,
for a page of a few centred lines). Two rules were tried and dropped, on seed letters
printed as PDFs (`scripts/make_pdf_fixture.py`): a line starting with an item number
starts a paragraph (a wrapped line can start with "(๓)" mid-sentence: ว 3053 ข้อ 1
gained a false item 1.(3); items are indented anyway), and a line after one ending
well short of the right margin does (a ragged right edge ends lines early before a
long word: ว 10303's opening paragraph split in two).

A page number alone on a page's first or last line ("- ๒ -", "๒", "หน้า ๒") is
dropped. A page's first line that starts no paragraph continues the paragraph the
page before ended with, as an item cut by a page break does.

Tables: a line's cells are the stretches a reader parted by a wide gap (`CELL_GAP`
font sizes), kept only where another line has a cell starting at the same place (a
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

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import pairwise

from indexer.doc_numbers import HEADER_DOC_NO_RE
from indexer.layout import join_wrapped
from indexer.letters import FIELDS
from indexer.normalize import tone_tolerant

# Points (1/72 inch). A Thai letter indents paragraphs by 2.5 cm (71 pt); PDFs of other
# layouts indent less, and a line's first glyph may sit a point or two off the margin.
INDENT_POINTS = 12.0
GAP_LINES = 1.6  # baseline distance, in typical line spacings, that sets a paragraph apart
CELL_GAP = 0.6  # font sizes of empty space between two glyphs that part table cells
COLUMN_POINTS = 6.0  # how far a cell may start from its column's left edge
ROW_SPACING = 1.15  # line spacings between two printed lines of a table that part rows
ROW_NUMBER_RE = re.compile(r"^[0-9๐-๙]{1,3}(?:\.[0-9๐-๙]{1,3})*\.?(?:\t|\s|$)")
MARGIN_LINES = 3  # lines that must share a left edge for it to be a page's margin
# A header field's word and the space after it. ที่ counts only as the letter parser's
# number line (`HEADER_DOC_NO_RE`): a wrapped line of the body may start with the word
# ที่ ("ที่ ๖ พฤศจิกายน").
FIELD_START_RE = re.compile(
    rf"^(?:{'|'.join(map(tone_tolerant, (*FIELDS, 'ส่วนราชการ')))})\s")
PAGE_NUMBER_RE = re.compile(r"^(?:หน้า\s*)?[-–(]?\s*[0-9๐-๙]{1,3}\s*[-–)]?$")


@dataclass
class PrintedLine:
    text: str  # a table row's cells joined by tabs
    left: float  # the first character's left edge, in points from the page's left
    bottom: float  # the baseline, in points from the page's foot
    cells: tuple[float, ...] = ()  # a table row's cell starts (two or more), else none


@dataclass(frozen=True)
class PagedText:
    """A paged document's text, laid out, and what could not be read of it."""

    text: str
    pages_without_text: list[int]  # 1-based: scanned pages left unread, or blank
    pages_read_by_ocr: list[int] = field(default_factory=list)  # 1-based


MIN_TEXT_CHARS = 20  # visible characters a paged document needs before it counts as text


def visible_chars(lines: list[PrintedLine]) -> int:
    """The characters the lines print, spaces and tabs not counted."""
    return sum(len("".join(line.text.split())) for line in lines)


def laid_out_text(pages: list[list[PrintedLine]]) -> str:
    """The pages' lines (each page top to bottom) as text: one line per printed line, a
    blank line before each paragraph, a table's printed lines as its rows."""
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
    return "\n".join(out).strip("\n") + "\n"


def _confirmed_cells(pages: list[list[PrintedLine]]) -> list[list[PrintedLine]]:
    """The pages with a line's cells kept only when another line of the document has a
    cell starting where one of its own inner cells does: a table's columns line up
    over its rows, while a wide gap in running text (stretched spacing, a glyph the
    font lacks) is a one-off."""
    starts = Counter(round(start) for lines in pages for line in lines
                     for start in line.cells[1:])

    def shared(line: PrintedLine) -> bool:
        return any(sum(starts[round(start) + shift] for shift in range(
            -int(COLUMN_POINTS), int(COLUMN_POINTS) + 1)) > 1 for start in line.cells[1:])

    return [[line if not line.cells or shared(line) else
             replace(line, text=line.text.replace("\t", " "), cells=())
             for line in lines] for lines in pages]


def _without_page_numbers(lines: list[PrintedLine]) -> list[PrintedLine]:
    """The page's lines without a page number printed alone at its top or foot."""
    ends = {0, len(lines) - 1}
    return [line for index, line in enumerate(lines)
            if not (index in ends and PAGE_NUMBER_RE.match(line.text))]


@dataclass(frozen=True)
class _Geometry:
    margin: float  # the text's left edge, in points
    spacing: float  # the usual distance between baselines


def _margin(lines: list[PrintedLine]) -> float | None:
    """The leftmost left edge at least `MARGIN_LINES` of `lines` share: a paragraph's
    lines after its first start at the margin, and only a stray line (a cell, a
    number set out) starts left of it. The commonest edge would be the indent on a
    page of short paragraphs."""
    lefts = Counter(round(line.left) for line in lines)
    shared = [left for left, count in lefts.items() if count >= MARGIN_LINES]
    return float(min(shared)) if shared else None


def _geometry(lines: list[PrintedLine], document_margin: float | None) -> _Geometry:
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


def _laid_out(lines: list[PrintedLine], geometry: _Geometry, continues: bool,
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

    def __init__(self, first: PrintedLine, spacing: float) -> None:
        self.columns = list(first.cells)
        self.spacing = spacing
        self._rows: list[list[list[str]]] = []
        self._baseline = first.bottom
        self.add(first)

    def add(self, line: PrintedLine) -> bool:
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


def _ends_paragraph(previous: PrintedLine, line: PrintedLine, geometry: _Geometry) -> bool:
    """Whether `previous` is a paragraph's last line: set apart from the next by more
    than the usual spacing."""
    return geometry.spacing > 0 and previous.bottom - line.bottom > GAP_LINES * geometry.spacing

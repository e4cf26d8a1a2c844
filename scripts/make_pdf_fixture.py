"""Print lines of a seed circular to a PDF laid out as a Word-made Thai letter.

    python scripts/make_pdf_fixture.py corpus/001_bc8389bb0e7e5d58.txt 381 513 \
        tests/data/w10303.pdf

The PDF tests (`tests/test_pdf_text.py`) need a real PDF with a Thai text layer whose
text is known: this prints the given lines (1-based, inclusive) of a seed as a
Word-made letter prints them: A4, each paragraph's first line indented 2.5 cm (header
fields at the margin), lines wrapped between Thai words, a page number "- ๒ -" atop
every page after the first, a new page after a continuation marker ("/กำกับ..."),
tab-separated rows as a table (cells wrapped in their columns, no rules), and no
blank lines. A paragraph the OCR broke over several lines is one paragraph
again, wrapped to the page. Needs reportlab (the dev extra) and a Thai TrueType font
(Debian's fonts-thai-tlwg). Run once; the PDF is committed.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

from pythainlp.tokenize import word_tokenize
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from indexer.items import match_marker
from indexer.layout import join_wrapped
from indexer.normalize import strip_html

FONT = "/usr/share/fonts/truetype/tlwg/Garuda.ttf"
SIZE = 13
LEADING = SIZE * 1.5
MARGIN = 72.0  # 2.5 cm
INDENT = 71.0  # 2.5 cm, as ระเบียบงานสารบรรณ lays out paragraphs
FIELD_RE = re.compile(r"^(?:ที่\s|เรื่อง|เรียน|อ้างถึง|สิ่งที่ส่งมาด้วย|ส่วนราชการ)")
CONTINUATION_RE = re.compile(r"^/\S.*\.\.\.$")
FIRST_COLUMN = 50.0  # a table's row-number column, in points
CELL_PAD = 8.0  # points kept free at a cell's right edge
ROW_GAP = 6.0  # points between table rows
WRAPPED_CHARS = 60  # an OCR'd line this long was wrapped mid-paragraph
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def wrapped(text: str, first_width: float, width: float) -> list[str]:
    """`text` broken into lines between words (newmm), the first `first_width` wide."""
    lines, current, limit = [], "", first_width
    for word in word_tokenize(text, engine="newmm", keep_whitespace=True):
        if current and pdfmetrics.stringWidth(current + word, "Thai", SIZE) > limit:
            lines.append(current.rstrip())
            current, limit = word.lstrip(), width
        else:
            current += word
    return [*lines, current.rstrip()]


def _paragraph_lines(source: list[str]) -> list[str]:
    """The source's lines with an OCR'd paragraph's hard line breaks undone: a line
    that starts no field, item or signature continues a long line above (joined as
    `indexer.layout.join_wrapped` joins them), so that Word wraps the paragraph anew.
    Short lines (a signature, a contact block) stay lines of their own."""
    out: list[str] = []
    for raw in source:
        text = raw.strip()
        continues = (out and len(out[-1]) >= WRAPPED_CHARS and text
                     and "\t" not in text and "\t" not in out[-1]
                     and not FIELD_RE.match(text)
                     and match_marker(text) is None and not text.startswith(("(", "/", "-"))
                     and not CONTINUATION_RE.match(out[-1]))
        if continues:
            out[-1] = join_wrapped([out[-1], text])
        else:
            out.append(text)
    return out


def _table(pdf: canvas.Canvas, rows: list[str], y: float, width: float,
           new_page: Callable[[], float]) -> float:
    """Tab-separated rows drawn as a table without rules: a narrow first column (the
    row number), the rest sharing the width, each cell wrapped in its column, a little
    space between rows. Returns the height reached."""
    cells = [[strip_html(cell) for cell in row.split("\t")] for row in rows]
    count = max(len(row) for row in cells)
    rest = (width - FIRST_COLUMN) / max(count - 1, 1)
    widths = [FIRST_COLUMN, *[rest] * (count - 1)]
    starts = [MARGIN + sum(widths[:index]) for index in range(count)]
    for row in cells:
        wrapped_cells = [wrapped(cell, widths[i] - CELL_PAD, widths[i] - CELL_PAD)
                         if cell else [] for i, cell in enumerate(row)]
        height = max(len(lines) for lines in wrapped_cells) * LEADING
        if y - height < MARGIN:
            y = new_page()
        for start, lines in zip(starts, wrapped_cells, strict=False):
            for number, line in enumerate(lines):
                pdf.drawString(start, y - number * LEADING, line)
        y -= height + ROW_GAP
    return y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("first", type=int)
    parser.add_argument("last", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--font", default=FONT)
    args = parser.parse_args()
    pdfmetrics.registerFont(TTFont("Thai", args.font))
    source = args.source.read_text(encoding="utf-8").split("\n")[args.first - 1:args.last]
    page_width, page_height = A4
    width = page_width - 2 * MARGIN
    pdf = canvas.Canvas(str(args.out), pagesize=A4, invariant=True)
    page, y = 1, page_height - MARGIN

    def new_page() -> float:
        nonlocal page
        pdf.showPage()
        page += 1
        pdf.setFont("Thai", SIZE)
        pdf.drawCentredString(page_width / 2, page_height - MARGIN / 2,
                              f"- {str(page).translate(THAI_DIGITS)} -")
        return page_height - MARGIN

    pdf.setFont("Thai", SIZE)
    starts_paragraph = True
    lines = _paragraph_lines(source)
    position = 0
    while position < len(lines):
        raw = lines[position]
        position += 1
        if "\t" in raw:
            rows = [raw]
            while position < len(lines) and "\t" in lines[position]:
                rows.append(lines[position])
                position += 1
            y = _table(pdf, rows, y, width, new_page)
            starts_paragraph = True
            continue
        text = " ".join(raw.split())
        if not text:
            starts_paragraph = True
            continue
        indent = INDENT if starts_paragraph and not FIELD_RE.match(text) else 0.0
        for number, line in enumerate(wrapped(text, width - indent, width)):
            if y < MARGIN:
                y = new_page()
            pdf.drawString(MARGIN + (indent if number == 0 else 0.0), y, line)
            y -= LEADING
        starts_paragraph = False
        if CONTINUATION_RE.match(text):
            y = new_page()
    pdf.save()


if __name__ == "__main__":
    main()

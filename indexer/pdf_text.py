"""The text of a PDF circular, laid out as the OCR text the chunker reads.

Offices send circulars as PDFs made from Word documents, with a text layer, and as
scans. Each page's lines are read character by character with their positions
(PDFium, through `pypdfium2`), and `indexer.page_layout` lays them out: a blank line
before each paragraph, tables as tab-separated rows. A page turned for display
(/Rotate) has its lines put back in reading order by their position.

A page without text is a scan (or blank), and so is a page with an image and a few
words of text (a page number or stamp printed over the scan). With OCR available
(`indexer.ocr`) such a page is rendered and read by Tesseract, and its lines go
through the same layout when they hold more text than its own; without, a PDF that
holds no text at all is reported as needing OCR (`DocumentProblem`), and such pages
among pages with text are named, so that a partly scanned PDF's missing pages are
not lost silently.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from indexer.document_problem import DocumentProblem
from indexer.ocr import OcrSetup
from indexer.page_layout import (
    CELL_GAP,
    MIN_TEXT_CHARS,
    PagedText,
    PrintedLine,
    laid_out_text,
    visible_chars,
)

BASELINE_SHIFT = 0.5  # of the font size: a baseline moved this much is another line
LINE_FEED, CARRIAGE_RETURN = 10, 13
NO_PAGES_RE, SOME_PAGES_RE = re.compile(rb"/Count\s*0\b"), re.compile(rb"/Count\s*[1-9]")
ENCRYPTED_RE = re.compile(rb"/Encrypt\b")
MIN_PAGE_CHARS = 20  # visible characters a page with an image needs, else it is OCR'd
MAX_PAGE_PIXELS = 60_000_000  # a page is rendered for OCR at no more than this
# (an A4 page at 300 dpi is 8.7 million; a poster-sized page would be billions)


def pdf_text(data: bytes, ocr: OcrSetup | None = None) -> PagedText:
    """The PDF's text, one line per printed line, a blank line before each paragraph,
    and the pages that hold none; pages without a text layer read by `ocr`'s engine.
    `DocumentProblem` when it cannot be opened or no text can be read from it."""
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
        # A page without text is a scan (or blank). So is a page with an image and a
        # little text (a page number or a stamp printed over the scan); a page of a
        # few words and no image ("ภาคผนวก ก") is not.
        scanned = [index for index, lines in enumerate(pages) if not lines or (
            visible_chars(lines) < MIN_PAGE_CHARS and _has_image(document, index))]
        read_by_ocr: list[int] = []
        engine = ocr.engine if ocr is not None else None
        if engine is not None and scanned:
            read = engine.read_pages(_rendered(document, scanned, engine.dpi))
            for index, lines in zip(scanned, read, strict=True):
                if visible_chars(lines) > visible_chars(pages[index]):
                    pages[index] = lines
                    read_by_ocr.append(index + 1)
    finally:
        document.close()
    unread = [index + 1 for index in scanned if index + 1 not in read_by_ocr]
    if sum(visible_chars(lines) for lines in pages) < MIN_TEXT_CHARS:
        if engine is not None:
            raise DocumentProblem(
                "อ่านข้อความจากภาพสแกนใน PDF ด้วย OCR ไม่ได้ (ภาพไม่ชัดหรือไม่ใช่ข้อความ)",
                "OCR found no text in the PDF's pages either (unclear image, or no text)")
        raise DocumentProblem(*(ocr or OcrSetup(None)).needed(
            "ไฟล์ PDF ไม่มีข้อความ (น่าจะเป็นภาพสแกน)", "the PDF has no text layer (a scan?): it"))
    return PagedText(laid_out_text(pages), unread, read_by_ocr)


def _has_image(document: pdfium.PdfDocument, index: int) -> bool:
    try:
        objects = document[index].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)
        return next(objects, None) is not None
    except pdfium.PdfiumError:
        return False


def _rendered(document: pdfium.PdfDocument, indexes: list[int], dpi: int
              ) -> Iterator[Image.Image]:
    """The pages at `indexes` as greyscale images at `dpi` (less for a page so large it
    would pass `MAX_PAGE_PIXELS`), one at a time; a page PDFium cannot render is a blank
    one (OCR finds nothing in it, and it is named)."""
    for index in indexes:
        scale = dpi / 72
        try:
            page = document[index]
            width, height = page.get_size()
            # Just under the cap: PDFium rounds the size up.
            scale = min(scale, 0.999 * (MAX_PAGE_PIXELS / max(width * height, 1.0)) ** 0.5)
            image = page.render(scale=scale, grayscale=True).to_pil()
        except pdfium.PdfiumError:
            image = Image.new("L", (8, 8), 255)
        image.info["ocr_dpi"] = scale * 72
        yield image


def _page_lines(document: pdfium.PdfDocument, index: int) -> list[PrintedLine]:
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


def _joined_by_baseline(lines: list[PrintedLine]) -> list[PrintedLine]:
    """Lines (sorted top to bottom, left to right) with pieces on one baseline joined
    into one line."""
    joined: list[PrintedLine] = []
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


def _read_lines(textpage: pdfium.PdfTextPage) -> list[PrintedLine]:
    """The text page's lines, character by character, so that each character's index
    is its position's (the text-range call may add or drop characters). A line ends
    where PDFium breaks one, or where the baseline moves by half a font size: PDFium
    runs a table's rows together when their cells go back to the left margin."""
    lines: list[PrintedLine] = []
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


def _line_of(chars: list[_Char | None]) -> list[PrintedLine]:
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
    return [PrintedLine("".join(parts).strip(" "), first.x, first.y,
                  tuple(cells) if len(cells) > 1 else ())]


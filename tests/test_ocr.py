"""Scanned circulars read by OCR: Tesseract's output laid out as printed lines, the Thai
digits its Thai data lacks read again, and scans through the real Tesseract in PDFs,
image files and the index build.

`tests/data/ocr/w10303-top.{tsv,txt}` are Tesseract 5.3.0's output (Debian's Thai
data) for the top of `tests/data/w10303.pdf`'s first page rendered at 300 dpi, rows
0-1138: `tesseract top.png top -l tha --dpi 300 tsv txt`. The tests marked `ocr` run
Tesseract itself; without it they are skipped, or fail where CIRCULARS_REQUIRE_OCR=1
(as `.ci/run` sets it).
"""

from __future__ import annotations

import difflib
import io
import os
from itertools import pairwise
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from circulars.settings import Settings
from indexer.build import build_index, page_ranges
from indexer.chunker import parse_circular
from indexer.image_text import image_text
from indexer.manifest import current_version_dir, read_manifest
from indexer.ocr import OcrSetup, OcrUnavailable, find_ocr, ocr_setup, printed_lines
from indexer.pdf_text import pdf_text
from indexer.reader import read_source
from indexer.thai_dates import parse_thai_date
from indexer.thai_digits import Box, DigitReader, thai_font_paths
from retriever.search import Searcher
from service.answer import answer_question
from tests.conftest import SEED_FILES
from tests.fakes import HashEmbedder
from tests.test_pdf_text import FIXTURE, assert_read_problem

DATA = Path(__file__).parent / "data" / "ocr"
TSV = (DATA / "w10303-top.tsv").read_text(encoding="utf-8")
TXT = (DATA / "w10303-top.txt").read_text(encoding="utf-8")
PAGE_HEIGHT_PX, TOP_ROWS, DPI = 3508, 1138, 300


def _page_image(index: int = 0, dpi: int = DPI) -> Image.Image:
    document = pdfium.PdfDocument(FIXTURE.read_bytes())
    image = document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    document.close()
    image.info["dpi"] = (dpi, dpi)
    return image


def _top_ink() -> np.ndarray:
    return np.asarray(_page_image().crop((0, 0, 2481, TOP_ROWS))) < 128


def _digit_reader() -> DigitReader:
    reader = DigitReader.from_installed_fonts()
    assert reader is not None, "no Thai fonts: apt-get install fonts-thai-tlwg"
    return reader


def test_tesseract_output_becomes_printed_lines_with_positions() -> None:
    lines = printed_lines(TSV, TXT, DPI, PAGE_HEIGHT_PX)
    # Each line's text as Tesseract spaced it, found by its characters.
    assert [line.text for line in lines] == [line for line in TXT.splitlines() if line.strip()]
    # Positions in points from the page's foot, as a PDF's: the urgency and the
    # ministry's address are indented, the header fields sit at the 1-inch margin.
    assert [round(line.left) for line in lines[:3]] == [143, 71, 143]
    assert all(above.bottom > below.bottom for above, below in pairwise(lines))
    assert lines[0].bottom == pytest.approx(842 - 270 * 72 / DPI, abs=30)
    assert not any(line.cells for line in lines)


def test_the_thai_digits_tesseract_lacks_are_read_again() -> None:
    raw = [line.text for line in printed_lines(TSV, TXT, DPI, PAGE_HEIGHT_PX)]
    # Debian's Thai data has no ๔ ๖ ๗ ๘ ๙: the number and date came out wrong.
    assert raw[1] == "ที่ มท ๐๒๑๑.๒9/ว ๑๐๓๐๓" and raw[4] == "๒๕ ตุลาคม ๒๕๒๕"
    read = [line.text for line in printed_lines(TSV, TXT, DPI, PAGE_HEIGHT_PX, _top_ink(),
                                                _digit_reader())]
    assert read[1] == "ที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓"
    assert read[4] == "๒๔ ตุลาคม ๒๕๖๗"
    assert "มท ๐๒๑๑.๖/ว ๑๐๙๐๑ ลงวันที่ ๑๑" in read[8] and read[9] == "ตุลาคม ๒๕๖๗"
    # A letter after a number (ฯ read as ซ) is not taken for a digit.
    assert read[3] == raw[3] == "ถนนอัษฎางค์ กรุงเทพซ ๑๐๒๐๐"
    letter = parse_circular("\n\n".join(read), "scan.pdf").letters[0]
    assert letter.doc_no == "มท 0211.6/ว 10303" and letter.date == "2024-10-24"


@pytest.mark.parametrize("font_name", ["Laksaman", "Garuda", "Norasi"])
def test_every_thai_digit_is_told_from_the_others(font_name: str) -> None:
    # Laksaman is TH Sarabun's design, the font of Thai government letters.
    path = next((p for p in thai_font_paths() if p.stem == font_name), None)
    assert path is not None, f"{font_name} missing: apt-get install fonts-thai-tlwg"
    font = ImageFont.truetype(str(path), 56)  # 16 pt at 250 dpi
    prefix, digits = "เลขที่ ", "๐๑๒๓๔๕๖๗๘๙"
    image = Image.new("L", (1200, 120), 255)
    ImageDraw.Draw(image).text((10, 20), f"{prefix}{digits} ข้อ", font=font, fill=0)
    left = 10 + int(font.getlength(prefix))
    ink = np.asarray(image) < 128
    rows = np.nonzero(ink.any(axis=1))[0]
    line = Box(0, int(rows[0]), 1200, int(rows[-1] - rows[0] + 1))
    run = Box(left, line.top, int(font.getlength(digits)), line.height)
    # As Tesseract's Thai data reads them: ๔ and ๘ as ๕, ๖ as ๒, ๗ and ๙ as ๓; an
    # Arabic digit it writes may stand for any Thai one, ๐ and ๑ too.
    reader = _digit_reader()
    assert reader.read_number(ink, run, line, "๐๑๒๓๕๕๒๓๕๓") == digits
    assert reader.read_number(ink, run, line, "01๒๓๕๕๒๓๕9") == digits


def _tsv(words: list[tuple[str, int, int, int, int]], line_box: tuple[int, int, int, int]
         ) -> str:
    """A Tesseract TSV of one line: its box, then its words (text, left, top, w, h)."""
    header = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\t"
              "height\tconf\ttext")
    rows = [header, "4\t1\t1\t1\t1\t0\t" + "\t".join(map(str, line_box)) + "\t-1\t"]
    rows += [f"5\t1\t1\t1\t1\t{n}\t{left}\t{top}\t{width}\t{height}\t90\t{text}"
             for n, (text, left, top, width, height) in enumerate(words, 1)]
    return "\n".join(rows) + "\n"


def test_a_line_spaced_out_by_justification_is_closed_up() -> None:
    # Thai distributed justification spaces letters out; Tesseract then puts a space
    # between every letter. The wide gap between two words stays a space.
    letters = ["ป", "ร", "ะ", "โย", "ช", "น์", "ก", "ั", "บ", "ป", "ร", "ะ", "ชา", "ชน"]
    words, left = [], 300
    for index, text in enumerate(letters):
        words.append((text, left, 1000, 30, 40))
        left += 30 + (24 if index == 8 else 6)
    line = printed_lines(_tsv(words, (300, 990, left - 300, 60)), " ".join(letters), DPI,
                         PAGE_HEIGHT_PX)
    assert [found.text for found in line] == ["ประโยชน์กับ ประชาชน"]


def test_specks_of_dirt_read_as_signs_are_dropped() -> None:
    words = [("ข้อ", 300, 1000, 60, 45), ("๑.", 380, 1010, 40, 35), ("๑", 420, 1010, 20, 35),
             ("ให้", 470, 1000, 50, 45), (".", 900, 1030, 6, 6), ("'", 1500, 990, 5, 9)]
    # A second line of nothing but a speck.
    speck_line = ("4\t1\t1\t1\t2\t0\t800\t1500\t8\t20\t-1\t\n"
                  "5\t1\t1\t1\t2\t1\t800\t1500\t8\t20\t60\t:\n")
    lines = printed_lines(_tsv(words, (300, 990, 1300, 60)) + speck_line,
                          "ข้อ ๑.๑ ให้ . '\n:", DPI, PAGE_HEIGHT_PX)
    # The point of ๑.๑ stands against its digits; the other specks stand alone.
    assert [found.text for found in lines] == ["ข้อ ๑.๑ ให้"]
    assert not lines[0].cells


def test_a_wide_gap_between_words_parts_table_cells() -> None:
    words = [("๑", 300, 1000, 25, 35), ("จังหวัด", 700, 990, 150, 45),
             ("ทุกหน่วยงาน", 1400, 990, 250, 45)]
    line = printed_lines(_tsv(words, (300, 990, 1350, 60)), "๑ จังหวัด ทุกหน่วยงาน", DPI,
                         PAGE_HEIGHT_PX)
    assert line[0].text == "๑\tจังหวัด\tทุกหน่วยงาน"
    assert line[0].cells == pytest.approx((72.0, 168.0, 336.0))


def test_a_page_scanned_askew_keeps_its_margin() -> None:
    # Each line drops 1.5% across (0.86 degrees); its left edge drifts with it.
    header = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\t"
              "height\tconf\ttext")
    rows, text = [header], []
    for number in range(1, 9):
        top = 300 + number * 80
        left = 300 - int(0.015 * top)
        rows.append(f"4\t1\t1\t1\t{number}\t0\t{left}\t{top}\t1500\t60\t-1\t")
        for word in range(10 if number % 2 else 3):  # long and short lines in turn
            x = left + word * 150
            rows.append(f"5\t1\t1\t1\t{number}\t{word + 1}\t{x}\t{top + int(0.015 * x)}\t"
                        f"120\t40\t90\tคำ{word}")
        text.append(" ".join(f"คำ{word}" for word in range(10 if number % 2 else 3)))
    lines = printed_lines("\n".join(rows) + "\n", "\n".join(text), DPI, PAGE_HEIGHT_PX)
    lefts = [line.left for line in lines]
    assert max(lefts) - min(lefts) < 1.0  # points, turned back upright
    spacings = [above.bottom - below.bottom for above, below in pairwise(lines)]
    assert max(spacings) - min(spacings) < 1.0  # long and short lines alike
    raw = [300 - int(0.015 * (300 + n * 80)) for n in range(1, 9)]
    assert (max(raw) - min(raw)) * 72 / DPI > 2.0  # as scanned, it drifted


def test_page_numbers_are_written_as_ranges() -> None:
    assert page_ranges([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"
    assert page_ranges([4]) == "4"


def test_without_tesseract_scans_are_named_with_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(OcrUnavailable) as raised:
        find_ocr("no-such-tesseract", "tha", DPI)
    assert "tesseract-ocr-tha" in raised.value.thai
    assert "install it with apt-get install" in raised.value.english
    missing = ocr_setup("auto", "no-such-tesseract", "tha", DPI)
    assert missing.engine is None and missing.engine_id == ""
    png = io.BytesIO()
    _page_image(dpi=100).save(png, format="PNG")
    path = tmp_path / "สแกน.png"
    path.write_bytes(png.getvalue())
    with pytest.raises(Exception) as read:
        read_source(path, 10_000_000, ocr=missing)
    assert "no OCR program" in str(read.value) and str(path) in str(read.value)
    off = ocr_setup("off", "tesseract", "tha", DPI)
    assert off.engine is None and "CIRCULARS_OCR=off" in str(off.missing)
    assert_read_problem(tmp_path / "เสีย.png", b"\x89PNG\r\n\x1a\nbroken", "เปิดไฟล์ภาพไม่ได้",
                        "cannot open the image")


# --- the real Tesseract -----------------------------------------------------------


@pytest.fixture(scope="module")
def ocr() -> OcrSetup:
    setup = ocr_setup("auto", "tesseract", "tha", DPI)
    if setup.engine is None:
        reason = f"Tesseract is not usable here: {setup.missing}"
        if os.environ.get("CIRCULARS_REQUIRE_OCR", "").strip() == "1":
            pytest.fail(f"{reason} (CIRCULARS_REQUIRE_OCR=1: the OCR tests must run)",
                        pytrace=False)
        pytest.skip(reason)
    assert setup.engine.digits is not None, "no Thai fonts: apt-get install fonts-thai-tlwg"
    return setup


def _scanned_pdf(pages: int) -> bytes:
    """The fixture's first pages as an image-only PDF, as a scanner makes one."""
    images = [_page_image(index) for index in range(pages)]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return out.getvalue()


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, "".join(a.split()), "".join(b.split()),
                                   autojunk=False).ratio()


@pytest.mark.ocr
def test_a_scanned_letter_reads_as_its_text(ocr: OcrSetup) -> None:
    scan = _scanned_pdf(2)
    with pytest.raises(Exception, match="needs OCR"):
        pdf_text(scan)  # no text layer, and no OCR given
    found = pdf_text(scan, ocr)
    assert found.pages_read_by_ocr == [1, 2] and found.pages_without_text == []
    layer = pdf_text(FIXTURE.read_bytes()).text
    first_pages = layer[:layer.index("๑.๓")]
    assert _similarity(first_pages, found.text[:found.text.index("๑.๓")]) > 0.9
    parsed = parse_circular(found.text, "scan.pdf")
    letter = next(le for le in parsed.letters if le.doc_no)
    assert letter.doc_no == "มท 0211.6/ว 10303" and letter.date == "2024-10-24"
    assert {"1", "1.1", "1.2"} <= {chunk.item for chunk in parsed.chunks}


@pytest.mark.ocr
def test_a_scanned_page_with_a_little_text_on_it_is_read_by_ocr(ocr: OcrSetup) -> None:
    # A scanner or an office stamps a page number as text over the page image.
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawImage(ImageReader(_page_image()), 0, 0, width=A4[0], height=A4[1])
    pdf.drawString(290, 820, "- 1 -")
    pdf.save()
    found = pdf_text(out.getvalue(), ocr)
    assert found.pages_read_by_ocr == [1]
    assert "มท ๐๒๑๑.๖/ว ๑๐๓๐๓" in found.text


@pytest.mark.ocr
def test_scans_kept_as_images_are_read(ocr: OcrSetup, tmp_path: Path) -> None:
    png = tmp_path / "page.png"
    _page_image().save(png, dpi=(DPI, DPI))
    read = read_source(png, 50_000_000, ocr=ocr)
    assert read.encoding == "image+ocr" and read.pages_read_by_ocr == [1]
    assert "มท ๐๒๑๑.๖/ว ๑๐๓๐๓" in read.text
    # A scanner's TIFF: every page a frame.
    tiff = io.BytesIO()
    pages = [_page_image(0), _page_image(1)]
    pages[0].save(tiff, format="TIFF", save_all=True, append_images=pages[1:], dpi=(DPI, DPI))
    found = image_text(tiff.getvalue(), ocr)
    assert found.pages_read_by_ocr == [1, 2]
    assert "๑.๒" in found.text


@pytest.mark.ocr
def test_the_build_reads_scans_and_reads_them_again_when_ocr_changes(
        ocr: OcrSetup, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scan.pdf").write_bytes(_scanned_pdf(2))
    (corpus / SEED_FILES[0].name).write_bytes(SEED_FILES[0].read_bytes())
    settings = Settings(index_dir=tmp_path / "index")
    embedder = HashEmbedder()
    report = build_index([corpus], settings.index_dir, settings, embedder)
    assert report.failures == []
    assert any(w.startswith("scan.pdf: หน้า 1-2 เป็นภาพสแกน อ่านด้วย OCR (tesseract")
               and "their text, numbers and dates may have errors" in w for w in report.warnings)
    manifest = read_manifest(current_version_dir(settings.index_dir))
    assert ocr.engine is not None and manifest.ocr == ocr.engine.engine_id
    searcher = Searcher(settings.index_dir, embedder, settings)
    hits = searcher.search("มท 0211.6/ว 10303 ข้อ 1.1", k=1)
    assert hits[0].source == "scan.pdf" and hits[0].item == "1.1"
    # An answer quoting the scan says so; one quoting the text file does not.
    said = answer_question(searcher, "หนังสือ มท 0211.6/ว 10303 ข้อ 1.1 ว่าอย่างไร")
    assert said.citations and said.citations[0].source == "scan.pdf"
    assert "scan.pdf: อ่านจากภาพสแกนด้วย OCR" in " ".join(said.warnings)
    other = answer_question(searcher, "ขม 0017.2/ว 38028 ข้อ 8 ว่าอย่างไร")
    assert other.citations and not any("OCR" in w for w in other.warnings)
    searcher.close()
    assert build_index([corpus], settings.index_dir, settings, embedder).up_to_date
    # OCR switched off: the scan is read again, and now named as needing it; the
    # text file is kept.
    off = Settings(index_dir=settings.index_dir, ocr="off")
    again = build_index([corpus], off.index_dir, off, embedder)
    assert not again.up_to_date
    assert len(again.failures) == 1 and again.failures[0].startswith("scan.pdf:")
    assert "CIRCULARS_OCR=off" in again.failures[0]
    assert SEED_FILES[0].name in again.files_reused


def test_header_words_read_without_their_tone_marks_still_count() -> None:
    # As Tesseract reads a scan's header: ไม้เอก dropped, ไม้โท read as ไม้เอก.
    text = ("ดวนที่สุด\n\nที มท ๐๒๑๑.๖/ว ๑๐๓๐๓\n\n๒๔ ตุลาคม ๒๕๖๗\n\n"
            "เรือง สรุปผลการประชุม\n\nเรียน ผู้วาราชการจังหวัดทุกจังหวัด\n\n"
            "อ่างถึง หนังสือกระทรวงมหาดไทย ที่ มท ๐๒๑๑.๖/ว ๑๐๙๐๑ ลงวันที่ ๑๑ ตุลาคม ๒๕๖๗\n\n"
            "๑. ให้จังหวัดดำเนินการ\n")
    letter = parse_circular(text, "scan.pdf").letters[0]
    assert (letter.doc_no, letter.date, letter.urgency) == (
        "มท 0211.6/ว 10303", "2024-10-24", "ด่วนที่สุด")
    assert letter.subject == "สรุปผลการประชุม"
    assert [ref.doc_no for ref in letter.references] == ["มท 0211.6/ว 10901"]
    # A month's name holds no tone mark: one OCR adds (ธั้นวาคม) is dropped.
    assert parse_thai_date("๑๙ ธั้นวาคม ๒๕๖๗") == "2024-12-19"


def test_a_name_like_a_header_word_is_no_field_and_a_second_letter_still_starts() -> None:
    from indexer.letters import FIELD_RE

    assert FIELD_RE.match("เรือง สรุปผล") and not FIELD_RE.match("เรืองศักดิ์ ได้รับมอบหมาย")
    bundle = ("ที่ ชย ๐๐๒๓.๖/ว ๓๐๕๓\n\nเรื่อง การขับเคลื่อนนโยบาย\n\n๑. ให้อำเภอดำเนินการ\n\n"
              "ที มท ๐๘๑๐.๖/ว ๑๒๕๐๕\n\nเรือง การขับเคลื่อนนโยบายสำคัญ\n\n๑. ให้จังหวัดดำเนินการ\n")
    letters = parse_circular(bundle, "bundle.pdf").letters
    assert [le.doc_no for le in letters] == ["ชย 0023.6/ว 3053", "มท 0810.6/ว 12505"]
    assert letters[1].doc_no_raw == "มท ๐๘๑๐.๖/ว ๑๒๕๐๕"


@pytest.mark.parametrize(("mode", "ink"), [("RGBA", (0, 0, 0, 255)), ("LA", (0, 255)),
                                           ("I;16", 6000), ("F", 0.1), ("CMYK", (0, 0, 0, 255))])
def test_scans_of_any_image_mode_become_dark_ink_on_light_paper(mode: str, ink: object) -> None:
    from indexer.ocr import greyscale

    paper = {"RGBA": (0, 0, 0, 0), "LA": (0, 0), "I;16": 0, "F": 0.0,
             "CMYK": (0, 0, 0, 0)}[mode]
    if mode == "I;16":  # a 16-bit scan: paper near full white, ink at 6000 of 65535
        paper, ink = 60000, 6000
    elif mode == "F":
        paper, ink = 1.0, 0.1
    image = Image.new(mode, (40, 20), paper)  # type: ignore[arg-type]
    ImageDraw.Draw(image).rectangle((10, 5, 30, 15), fill=ink)  # type: ignore[arg-type]
    grey = np.asarray(greyscale(image))
    # Transparent paper is white, not black; a 16-bit scan is not clipped to white.
    assert grey[0, 0] > 200 and grey[10, 20] < 60


def test_a_photo_stored_sideways_is_turned_upright() -> None:
    from indexer.image_text import _frames

    photo = Image.new("L", (30, 60), 255)
    exif = Image.Exif()
    exif[0x0112] = 8  # EXIF orientation: turned 90 degrees
    out = io.BytesIO()
    photo.save(out, format="JPEG", exif=exif, dpi=(300, 300))
    page = next(_frames(Image.open(io.BytesIO(out.getvalue()))))
    assert page.size == (60, 30) and page.info["dpi"] == (300, 300)


def _fake_tesseract(tmp_path: Path, body: str) -> str:
    """A program standing in for Tesseract: `body` runs with $2 its output base."""
    script = tmp_path / "fake-tesseract"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("body", [
    "echo 'broken' >&2; exit 1",  # Tesseract fails
    "sleep 5",  # and hangs
    "printf 'level\\tpage_num\\n5\\t1\\n' > \"$2.tsv\"; : > \"$2.txt\"",  # short rows
])
def test_a_page_tesseract_fails_on_is_a_page_without_text(
        tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from indexer.ocr import OcrEngine

    pages_folder = tmp_path / "tmp"
    pages_folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(pages_folder))
    engine = OcrEngine(_fake_tesseract(tmp_path, body), "tha", DPI, "fake", page_timeout_s=1.0)
    pages = engine.read_pages(iter([Image.new("L", (100, 100), 255)] * 5))
    assert pages == [[], [], [], [], []]
    assert list(pages_folder.iterdir()) == []  # the pages' files are gone


def test_a_number_whose_words_come_out_of_order_does_not_stop_the_page() -> None:
    words = [("ข้อ", 300, 1000, 60, 45), ("๒", 900, 1010, 30, 35), ("๕", 100, 1010, 30, 35)]
    ink = np.zeros((PAGE_HEIGHT_PX, 2481), dtype=bool)
    ink[1010:1045, 300:360] = True
    lines = printed_lines(_tsv(words, (100, 990, 900, 60)), "ข้อ ๒๕", DPI, PAGE_HEIGHT_PX,
                          ink, _digit_reader())
    # Read as it stands (the far-apart boxes part cells), not stopped.
    assert [line.text.replace("\t", " ") for line in lines] == ["ข้อ ๒๕"]


def test_a_huge_pdf_page_is_rendered_within_the_pixel_cap() -> None:
    from indexer.ocr import _dpi_of
    from indexer.pdf_text import MAX_PAGE_PIXELS, _rendered

    document = pdfium.PdfDocument.new()
    document.new_page(14_400, 14_400)  # the largest page a PDF allows
    image = next(_rendered(document, [0], DPI))
    assert image.width * image.height <= MAX_PAGE_PIXELS
    # Tesseract is told the resolution it was rendered at, however low.
    assert _dpi_of(image) == pytest.approx(image.width / 200, rel=0.01)


def test_a_tiff_cut_short_keeps_the_pages_before_the_cut() -> None:
    from indexer.image_text import _frames

    tiff = io.BytesIO()
    pages = [Image.new("L", (400, 400), shade) for shade in (200, 180, 160)]
    pages[0].save(tiff, format="TIFF", save_all=True, append_images=pages[1:])
    data = tiff.getvalue()
    frames = list(_frames(Image.open(io.BytesIO(data[:len(data) - 100_000]))))
    assert [frame.size for frame in frames[:-1]] == [(400, 400)] * (len(frames) - 1)
    assert frames[-1].size == (8, 8)  # the broken one, a blank page named as such


def test_a_short_page_of_a_pdf_made_with_text_is_not_read_by_ocr(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from indexer.ocr import OcrEngine

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for text in ("Annex A", "The annex lists the provinces that reported in time."):
        pdf.drawString(72, 700, text)
        pdf.showPage()
    pdf.save()
    marker = tmp_path / "called"
    engine = OcrEngine(_fake_tesseract(tmp_path, f"touch {marker}; exit 1"), "tha", DPI, "x")
    found = pdf_text(out.getvalue(), OcrSetup(engine))
    assert not marker.exists() and found.pages_read_by_ocr == []
    assert found.pages_without_text == [] and "Annex A" in found.text


def test_pages_left_unread_say_why_when_there_is_no_ocr(tmp_path: Path) -> None:
    from tests.test_pdf_text import _with_a_scanned_page

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "partly.pdf").write_bytes(_with_a_scanned_page())
    settings = Settings(index_dir=tmp_path / "index", ocr="off")
    report = build_index([corpus], settings.index_dir, settings, HashEmbedder())
    assert report.chunks == 47
    warning = next(w for w in report.warnings if w.startswith("partly.pdf: หน้า 2"))
    assert "a scanned page needs OCR, which is not available: OCR is off" in warning

"""PDF circulars: the text layer laid out as the chunker reads OCR text, and the
problems a PDF can have, reported by file name.

`tests/data/w10303.pdf` is seed 001's letter มท 0211.6/ว 10303 (its lines 381-513)
printed as a Word-made letter by `scripts/make_pdf_fixture.py`: paragraphs indented,
lines wrapped between words, page numbers, no blank lines.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from circulars.settings import Settings
from indexer.build import build_index
from indexer.chunker import parse_circular
from indexer.document_problem import DocumentProblem
from indexer.page_layout import PrintedLine, _confirmed_cells, _geometry, _laid_out
from indexer.pdf_text import pdf_text
from indexer.reader import ReadProblemError, read_source
from retriever.search import Searcher
from tests.conftest import SEED_FILES
from tests.fakes import HashEmbedder

FIXTURE = Path(__file__).parent / "data" / "w10303.pdf"
# Seed 000 (ขม ว 38028 and its 12-row summary table) printed the same way, the table
# as cells wrapped in their columns: `make_pdf_fixture.py corpus/000_... 1 71`.
TABLE_FIXTURE = Path(__file__).parent / "data" / "w38028.pdf"
W10303_LINES = (381, 513)  # 1-based, inclusive, in seed 001


def _seed_letter() -> str:
    lines = SEED_FILES[1].read_text(encoding="utf-8").split("\n")
    first, last = W10303_LINES
    return "\n".join(lines[first - 1:last])


def _key(chunk: object) -> tuple[str, str]:
    return chunk.item, "".join(chunk.text.split())  # type: ignore[attr-defined]


def test_a_pdf_letter_gives_the_chunks_of_its_text() -> None:
    from_text = parse_circular(_seed_letter(), "w10303.txt")
    from_pdf = parse_circular(pdf_text(FIXTURE.read_bytes()).text, "w10303.pdf")
    # Same items, same words: the paragraphs, items and header were found again.
    assert [_key(c) for c in from_pdf.chunks] == [_key(c) for c in from_text.chunks]
    assert len(from_pdf.chunks) == 47
    letter, expected = from_pdf.letters[0], from_text.letters[0]
    for field in ("doc_no", "date", "subject", "to", "references", "enclosures",
                  "signatory", "position", "urgency"):
        assert getattr(letter, field) == getattr(expected, field), field
    assert letter.doc_no == "มท 0211.6/ว 10303" and letter.date == "2024-10-24"


def test_a_pdf_table_gives_its_rows() -> None:
    from_text = parse_circular(SEED_FILES[0].read_text(encoding="utf-8"), "w38028.txt")
    from_pdf = parse_circular(pdf_text(TABLE_FIXTURE.read_bytes()).text, "w38028.pdf")
    text_rows = {c.item: c for c in from_text.chunks if c.kind == "row"}
    pdf_rows = {c.item: c for c in from_pdf.chunks if c.kind == "row"}
    # Every row, by its number, each running over several printed lines and pages.
    assert sorted(pdf_rows, key=int) == [str(n) for n in range(1, 13)]

    def words(chunk: object) -> str:
        return "".join(chunk.text.split("\nหน่วยงาน")[0].split())  # type: ignore[attr-defined]

    same = [item for item in text_rows if words(text_rows[item]) == words(pdf_rows[item])]
    # Three rows take in part of the last column, whose lines start too near the text.
    assert len(same) >= 9
    assert "ค้ำมนุษย์" in pdf_rows["9"].text
    assert pdf_rows["1"].meta["agencies"] == {"หน่วยงานหลัก": ["ทุกหน่วยงาน"]}
    # The letter's own paragraphs are untouched by the table.
    assert [_key(c) for c in from_pdf.chunks if c.kind != "row"] == [
        _key(c) for c in from_text.chunks if c.kind != "row"]


def test_a_wide_gap_in_running_text_is_no_table_cell() -> None:
    # One line with a gap (stretched spacing, a glyph the font lacks) among lines
    # without: no column lines up with it, so it stays text.
    lines = [PrintedLine("ตามหนังสือที่อ้างถึง กระทรวงมหาดไทย", 143, 700),
             PrintedLine("ขอให้ดำเนินการ\tต่อไป", 72, 682, cells=(72.0, 300.0)),
             PrintedLine("จึงเรียนมาเพื่อโปรดทราบ", 143, 664)]
    assert _confirmed_cells([lines])[0][1] == PrintedLine("ขอให้ดำเนินการ ต่อไป", 72, 682)


def test_page_numbers_and_page_breaks() -> None:
    text = pdf_text(FIXTURE.read_bytes()).text
    assert "- ๒ -" not in text and "- ๓ -" not in text
    # Item 3.1 runs over a page break after its continuation marker; the chunker
    # stitches it as it does in the OCR text.
    item = next(c for c in parse_circular(text, "w10303.pdf").chunks if c.item == "3.1")
    assert "เร่งรัดจ่ายเงินเยียวยา" in item.text and "กำกับ ติดตาม และเร่งรัด" in item.text


def _line(text: str, left: float, bottom: float) -> PrintedLine:
    return PrintedLine(text, left, bottom)


def test_paragraphs_set_apart_by_space_rather_than_indent() -> None:
    lines = [_line("ตามหนังสือที่อ้างถึง กระทรวงมหาดไทยได้จัดการประชุม", 72, 700),
             _line("มอบนโยบาย นั้น", 72, 682),
             _line("ในการนี้ ขอให้ดำเนินการ", 72, 640),  # a gap, not an indent
             _line("ต่อไป", 72, 622)]
    assert _laid_out(lines, _geometry(lines, None), continues=False)[0] == [
        "ตามหนังสือที่อ้างถึง กระทรวงมหาดไทยได้จัดการประชุม", "มอบนโยบาย นั้น", "",
        "ในการนี้ ขอให้ดำเนินการ", "ต่อไป"]


def test_a_page_that_continues_the_paragraph_before() -> None:
    lines = [_line("ต่อจากหน้าก่อน", 72, 760), _line("กำกับ ติดตาม", 72, 742),
             _line("๒. ข้อถัดไป", 143, 724)]
    geometry = _geometry(lines, None)
    assert _laid_out(lines, geometry, continues=True)[0] == [
        "ต่อจากหน้าก่อน", "กำกับ ติดตาม", "", "๒. ข้อถัดไป"]
    # A page that starts with an indented line starts a paragraph.
    assert _laid_out(lines[2:], geometry, continues=True)[0] == ["", "๒. ข้อถัดไป"]


def test_a_wrapped_line_starting_with_a_number_is_no_item() -> None:
    # "(๓)" mid-sentence, at the start of a wrapped line: not a new paragraph.
    lines = [_line("๑. ให้ส่งเสริมอัตลักษณ์ (๑) ด้านอาหาร (๒) ด้านสถานที่", 143, 700),
             _line("(๓) ด้านศิลปวัฒนธรรม (๔) ด้านสินค้า", 72, 682),
             _line("ตลอดจนการอำนวยความสะดวก", 72, 664)]
    assert "" not in _laid_out(lines, _geometry(lines, None), continues=False)[0]


def _saved(document: pdfium.PdfDocument) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_page_turned_for_display_reads_in_order() -> None:
    document = pdfium.PdfDocument(FIXTURE.read_bytes())
    document[0].set_rotation(90)
    rotated = parse_circular(pdf_text(_saved(document)).text, "rotated.pdf")
    expected = parse_circular(pdf_text(FIXTURE.read_bytes()).text, "w10303.pdf")
    assert [_key(c) for c in rotated.chunks] == [_key(c) for c in expected.chunks]
    assert rotated.letters[0].subject == expected.letters[0].subject


def _page_with_margin(margin: float) -> bytes:
    """One A4 page of two indented paragraphs, three lines each, at this margin."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    y = 760.0
    for paragraph in ("first", "second"):
        for number in range(3):
            indent = 71.0 if number == 0 else 0.0
            pdf.drawString(margin + indent, y, f"The {paragraph} paragraph, line {number + 1}")
            y -= 20
    pdf.save()
    return out.getvalue()


def test_a_page_with_its_own_margin_keeps_its_paragraphs() -> None:
    # A bundle may join letters laid out by two offices: the second page's margin is
    # not the first's.
    document = pdfium.PdfDocument(FIXTURE.read_bytes())
    document.import_pages(pdfium.PdfDocument(_page_with_margin(156.0)))
    text = pdf_text(_saved(document)).text
    last_page = text[text.index("The first paragraph"):]
    assert last_page.split("\n\n") == [
        "The first paragraph, line 1\nThe first paragraph, line 2\nThe first paragraph, line 3",
        "The second paragraph, line 1\nThe second paragraph, line 2\n"
        "The second paragraph, line 3\n"]


def _blank_pdf() -> bytes:
    document = pdfium.PdfDocument.new()
    document.new_page(*A4)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _encrypted_pdf() -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, encrypt=StandardEncryption("secret", canPrint=0))
    pdf.drawString(72, 700, "Circular W 10303 item 3.6")
    pdf.save()
    return out.getvalue()


@pytest.mark.parametrize(("data", "thai", "english"), [
    (_blank_pdf(), "ไม่มีข้อความ (น่าจะเป็นภาพสแกน) ต้องอ่านด้วย OCR", "no text layer"),
    (_encrypted_pdf(), "มีรหัสผ่าน", "password-protected"),
    (b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "เปิดไฟล์ PDF ไม่ได้",
     "cannot open the PDF"),
    (_saved(pdfium.PdfDocument.new()), "ไม่มีหน้าใดเลย", "no pages"),
])
def test_pdf_problems_are_named(tmp_path: Path, data: bytes, thai: str, english: str) -> None:
    assert_read_problem(tmp_path / "หนังสือ.pdf", data, thai, english)
    with pytest.raises(DocumentProblem):
        pdf_text(data)


def assert_read_problem(path: Path, data: bytes, thai: str, english: str) -> None:
    """Reading `data` saved at `path` fails with a problem naming the file, its reasons
    holding `thai` and `english`."""
    path.write_bytes(data)
    with pytest.raises(ReadProblemError) as raised:
        read_source(path, max_bytes=10_000_000)
    assert raised.value.problem.path == str(path)
    assert thai in raised.value.problem.reason_th
    assert english in raised.value.problem.reason_en


def _with_a_scanned_page() -> bytes:
    """The fixture with a page that has no text (a scanned page) inserted second."""
    document = pdfium.PdfDocument(FIXTURE.read_bytes())
    document.new_page(*A4, index=1)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_partly_scanned_pdf_names_its_pages_without_text(tmp_path: Path) -> None:
    found = pdf_text(_with_a_scanned_page())
    assert found.pages_without_text == [2]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "partly.pdf").write_bytes(_with_a_scanned_page())
    settings = Settings(index_dir=tmp_path / "index")
    report = build_index([corpus], settings.index_dir, settings, HashEmbedder())
    assert report.chunks == 47
    assert "partly.pdf: หน้า 2 ไม่มีข้อความ (ภาพสแกน หน้าว่าง หรือหน้าเสีย) ไม่ได้นำเข้า" in " ".join(
        report.warnings)


def test_a_pdf_without_pages_after_an_encrypted_one_is_said_to_have_none() -> None:
    # PDFium repeats its last error for a document without pages.
    with pytest.raises(DocumentProblem, match="password"):
        pdf_text(_encrypted_pdf())
    with pytest.raises(DocumentProblem, match="no pages"):
        pdf_text(_saved(pdfium.PdfDocument.new()))


def test_a_folder_of_pdfs_is_indexed_and_searched(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURE, corpus / "w10303.pdf")
    (corpus / "scan.pdf").write_bytes(_blank_pdf())
    settings = Settings(index_dir=tmp_path / "index", weak_lexical_weight=1.0)
    embedder = HashEmbedder()
    report = build_index([corpus], settings.index_dir, settings, embedder)
    # The scan is reported by name; the letter is indexed.
    assert len(report.failures) == 1 and report.failures[0].startswith("scan.pdf: ")
    assert report.letters == 1 and report.chunks == 47
    top = Searcher(settings.index_dir, embedder, settings).search(
        "มท 0211.6/ว 10303 ข้อ 3.6", k=3)[0]
    assert (top.doc_no, top.item, top.source) == ("มท 0211.6/ว 10303", "3.6", "w10303.pdf")
    assert top.text.startswith("๓.๖ เตรียมความพร้อมรับมือสถานการณ์ในช่วงฤดูฝน")

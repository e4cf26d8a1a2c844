"""Word circulars: a .docx's paragraphs and tables laid out as the chunker reads OCR
text, and the problems a Word file can have, reported by file name.

The documents are real .docx files written with python-docx from a seed's text: each
blank-line-separated block a Word paragraph (its lines kept by manual line breaks),
each run of tab-separated lines a Word table.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml

from circulars.settings import Settings
from indexer.build import build_index
from indexer.chunker import parse_circular
from indexer.document_problem import DocumentProblem
from indexer.docx_text import docx_text
from retriever.search import Searcher
from tests.conftest import SEED_FILES
from tests.fakes import HashEmbedder
from tests.test_pdf_text import assert_read_problem


def as_docx(text: str) -> bytes:
    """`text` as a Word document: blocks as paragraphs, tab-separated lines as tables."""
    document = Document()
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all("\t" in line for line in lines):
            rows = [line.split("\t") for line in lines]
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for row, cells in zip(table.rows, rows, strict=True):
                for cell, value in zip(row.cells, cells, strict=False):
                    cell.text = value
            continue
        paragraph = document.add_paragraph()
        for number, line in enumerate(lines):
            run = paragraph.add_run(line)
            if number < len(lines) - 1:
                run.add_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _key(chunk: object) -> tuple[str, str]:
    return chunk.item, "".join(chunk.text.split())  # type: ignore[attr-defined]


def test_a_word_letter_with_a_table_gives_the_chunks_of_its_text() -> None:
    seed = SEED_FILES[0].read_text(encoding="utf-8")  # ขม ว 38028 and its 12-row table
    from_text = parse_circular(seed, "seed.txt")
    from_docx = parse_circular(docx_text(as_docx(seed)), "seed.docx")
    assert [_key(c) for c in from_docx.chunks] == [_key(c) for c in from_text.chunks]
    rows = [c for c in from_docx.chunks if c.kind == "row"]
    assert len(rows) == 12 and rows[8].item == "9" and "ค้ำมนุษย์" in rows[8].text
    letter, expected = from_docx.letters[0], from_text.letters[0]
    for field in ("doc_no", "date", "subject", "to", "enclosures", "signatory", "position"):
        assert getattr(letter, field) == getattr(expected, field), field


def test_a_merged_cell_is_read_once() -> None:
    document = Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "ลำดับ"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "ประเด็น"
    table.cell(1, 0).text = "๑"
    table.cell(1, 1).text = "ให้ความสำคัญกับการปกป้องสถาบัน"
    table.cell(1, 2).text = "จังหวัด"
    out = io.BytesIO()
    document.save(out)
    assert docx_text(out.getvalue()).split("\n")[:2] == [
        "ลำดับ\tประเด็น", "๑\tให้ความสำคัญกับการปกป้องสถาบัน\tจังหวัด"]


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _with_body_xml(*fragments: str) -> bytes:
    """A .docx whose body holds these raw WordprocessingML fragments, in order."""
    document = Document()
    body = document.element.body
    for fragment in fragments:
        body.insert(len(body) - 1, parse_xml(fragment))  # before the section properties
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_tracked_changes_are_read_as_the_draft_now_stands() -> None:
    data = _with_body_xml(
        f'<w:p {W_NS}><w:r><w:t xml:space="preserve">รายงานภายในวันที่ </w:t></w:r>'
        '<w:ins w:id="1" w:author="a"><w:r><w:t>๒๕</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a"><w:r><w:delText>๒๐</w:delText></w:r></w:del>'
        '<w:moveFrom w:id="3" w:author="a"><w:r><w:t>ข้อความที่ย้ายไป</w:t></w:r></w:moveFrom>'
        '<w:r><w:t xml:space="preserve"> ของเดือน</w:t></w:r></w:p>')
    assert docx_text(data) == "รายงานภายในวันที่ ๒๕ ของเดือน\n"


def test_content_controls_and_nested_tables_are_read() -> None:
    data = _with_body_xml(
        f'<w:sdt {W_NS}><w:sdtContent><w:p><w:r><w:t>เรื่อง การป้องกันไฟป่า</w:t></w:r></w:p>'
        '</w:sdtContent></w:sdt>',
        f'<w:tbl {W_NS}><w:tr><w:tc><w:p><w:r><w:t>๑</w:t></w:r></w:p></w:tc>'
        '<w:tc><w:p><w:r><w:t>ให้เฝ้าระวัง</w:t></w:r></w:p>'
        '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>อำเภอเมือง</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
        '<w:p/></w:tc></w:tr></w:tbl>')
    assert docx_text(data) == ("เรื่อง การป้องกันไฟป่า\n\n"
                               "๑\t<p>ให้เฝ้าระวัง</p> <p>อำเภอเมือง</p>\n")


MC_NS = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'


def test_text_boxes_hyphens_and_wrapped_rows_and_cells() -> None:
    data = _with_body_xml(
        # A text box: Word writes it twice (drawn, and a fallback copy).
        f'<w:p {W_NS} {MC_NS}><w:r><w:t xml:space="preserve">ก่อน</w:t></w:r><w:r>'
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:txbxContent><w:p><w:r>'
        '<w:t>ในกรอบ</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback>'
        '<w:txbxContent><w:p><w:r><w:t>ในกรอบ</w:t></w:r></w:p></w:txbxContent>'
        '</mc:Fallback></mc:AlternateContent></w:r>'
        '<w:r><w:t>ปี ๒๕๖๗</w:t><w:noBreakHyphen/><w:t>๒๕๖๘</w:t></w:r></w:p>',
        # A content control around a row, and one around a cell; one still showing
        # its placeholder prompt.
        f'<w:tbl {W_NS}><w:sdt><w:sdtContent><w:tr>'
        '<w:tc><w:p><w:r><w:t>๑</w:t></w:r></w:p></w:tc>'
        '<w:sdt><w:sdtContent><w:tc><w:p><w:r><w:t>ให้เฝ้าระวัง</w:t></w:r></w:p></w:tc>'
        '</w:sdtContent></w:sdt></w:tr></w:sdtContent></w:sdt></w:tbl>',
        f'<w:sdt {W_NS}><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:p><w:r>'
        '<w:t>คลิกเพื่อพิมพ์ข้อความ</w:t></w:r></w:p></w:sdtContent></w:sdt>')
    assert docx_text(data) == "ก่อน\nในกรอบปี ๒๕๖๗-๒๕๖๘\n\n๑\tให้เฝ้าระวัง\n"


def _empty_docx() -> bytes:
    out = io.BytesIO()
    Document().save(out)
    return out.getvalue()


@pytest.mark.parametrize(("data", "thai", "english"), [
    (_empty_docx(), "ไม่มีข้อความ", "no text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "เปิดไฟล์ Word ไม่ได้", "old .doc"),
    (b"PK\x03\x04 broken archive", "เปิดไฟล์ Word ไม่ได้", "cannot open the Word file"),
])
def test_word_problems_are_named(tmp_path: Path, data: bytes, thai: str, english: str) -> None:
    assert_read_problem(tmp_path / "หนังสือ.docx", data, thai, english)
    with pytest.raises(DocumentProblem):
        docx_text(data)


def _truncated_docx() -> bytes:
    """A .docx whose document part is cut off mid-XML: a parser error, not an open one."""
    good = zipfile.ZipFile(io.BytesIO(as_docx("เรื่อง ทดสอบ\n\nข้อความ")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as broken:
        for item in good.infolist():
            content = good.read(item)
            broken.writestr(item, content[:len(content) // 2]
                            if item.filename == "word/document.xml" else content)
    return out.getvalue()


def test_a_file_that_fails_deeper_is_still_reported_by_name(tmp_path: Path) -> None:
    assert_read_problem(tmp_path / "cut.docx", _truncated_docx(), "อ่านไฟล์ไม่ได้ (ไฟล์เสีย)",
                        "XMLSyntaxError")


def test_a_folder_of_word_files_is_indexed_and_searched(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "w38028.docx").write_bytes(as_docx(SEED_FILES[0].read_text(encoding="utf-8")))
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 broken archive")
    (corpus / "cut.docx").write_bytes(_truncated_docx())
    settings = Settings(index_dir=tmp_path / "index", weak_lexical_weight=1.0)
    embedder = HashEmbedder()
    report = build_index([corpus], settings.index_dir, settings, embedder)
    assert sorted(f.split(":")[0] for f in report.failures) == ["broken.docx", "cut.docx"]
    assert report.letters == 1
    top = Searcher(settings.index_dir, embedder, settings).search("ขม 0017.2/ว 38028 ลำดับที่ 9",
                                                                  k=3)[0]
    assert (top.doc_no, top.item, top.source) == ("ขม 0017.2/ว 38028", "9", "w38028.docx")

"""The text of a Word (.docx) circular, laid out as the OCR text the chunker reads.

Drafts and many circulars circulate as Word files. The chunker reads lines, a blank
line ending a paragraph, and tables as tab-separated rows (`indexer.tables`), as the
OCR'd seeds print them. A .docx holds exactly that structure: body paragraphs and
tables in reading order. Each paragraph becomes its lines (a manual line break
inside it starts a new line) followed by a blank line; each table row becomes one
line of its cells joined by tabs, a cell of several paragraphs written as
"<p>...</p> <p>...</p>" (the seeds' tables print such cells so, and the chunker keeps
their paragraphs apart). Numbers that Word draws from a list style ("1.", "ก.") are
not in the text: only typed numbers are seen, as Thai letters type them.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from docx import Document
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from indexer.document_problem import DocumentProblem


def docx_text(data: bytes) -> str:
    """The document's text as the chunker reads it; `DocumentProblem` when the file is
    not a readable .docx (an old binary .doc, a broken archive) or holds no text."""
    try:
        document = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise DocumentProblem(
            "เปิดไฟล์ Word ไม่ได้ (ไฟล์เสีย หรือเป็น .doc รุ่นเก่า ให้บันทึกเป็น .docx)",
            f"cannot open the Word file (broken, or an old .doc: save it as .docx): "
            f"{type(error).__name__}") from None
    lines: list[str] = []
    for block in _blocks(document):
        if isinstance(block, Paragraph):
            text = block.text.replace("\t", " ")
            if text.strip():
                lines.extend([*text.split("\n"), ""])
        else:
            rows = [_row(row.cells) for row in block.rows]
            lines.extend([*(row for row in rows if row.strip()), ""])
    if not "".join(lines).strip():
        raise DocumentProblem("ไฟล์ Word ไม่มีข้อความ", "the Word file has no text")
    return "\n".join(lines).rstrip("\n") + "\n"


def _blocks(document: WordDocument) -> Iterator[Paragraph | Table]:
    """Body paragraphs and tables in reading order (python-docx lists them apart)."""
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, document)
        elif tag == "tbl":
            yield Table(child, document)


def _row(cells: list[_Cell]) -> str:
    """One table row as a tab-separated line; a merged cell Word repeats across the
    columns it spans is written once."""
    texts: list[str] = []
    seen: list[object] = []
    for cell in cells:
        element = cell._tc
        if any(element is other for other in seen):
            continue
        seen.append(element)
        paragraphs = [" ".join(p.text.split()) for p in cell.paragraphs if p.text.strip()]
        texts.append(paragraphs[0] if len(paragraphs) == 1 else
                     " ".join(f"<p>{text}</p>" for text in paragraphs))
    return "\t".join(texts)

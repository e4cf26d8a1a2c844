"""The text of a Word (.docx) circular, laid out as the OCR text the chunker reads.

Drafts and many circulars circulate as Word files. The chunker reads lines, a blank
line ending a paragraph, and tables as tab-separated rows (`indexer.tables`), as the
OCR'd seeds print them. A .docx holds exactly that structure: body paragraphs and
tables in reading order. Each paragraph becomes its lines (a manual line break
inside it starts a new line) followed by a blank line; each table row becomes one
line of its cells joined by tabs, a cell of several paragraphs written as
"<p>...</p> <p>...</p>" (the seeds' tables print such cells so, and the chunker keeps
their paragraphs apart).

The text is read from the XML itself, not python-docx's `.text`, which skips what
drafts carry: tracked insertions (read; tracked deletions and the old place of a
moved passage are not), content controls (their paragraphs and tables are read in
place), text boxes (read with the paragraph that anchors them) and tables nested in
a cell (read as more of the cell's paragraphs). Numbers that Word draws from a list
style ("1.", "ก.") are not in the text: only typed numbers are seen, as Thai letters
type them.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn

from indexer.document_problem import DocumentProblem

W_P, W_TBL, W_TR, W_TC, W_SDT, W_SDT_CONTENT = (
    qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt"), qn("w:sdtContent"))
W_T, W_TAB, W_BR, W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
REMOVED = frozenset({qn("w:del"), qn("w:moveFrom")})  # tracked deletions, moved-away text
TEXT_BOX = qn("w:txbxContent")


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
    for block in _blocks(document.element.body):
        if block.tag == W_P:
            text = paragraph_text(block)
            if text.strip():
                lines.extend([*text.split("\n"), ""])
        else:
            rows = [_row(row) for row in block.iterchildren(W_TR)]
            lines.extend([*(row for row in rows if row.strip()), ""])
    if not "".join(lines).strip():
        raise DocumentProblem("ไฟล์ Word ไม่มีข้อความ", "the Word file has no text")
    return "\n".join(lines).rstrip("\n") + "\n"


def _blocks(parent: Any) -> Iterator[Any]:
    """Paragraphs and tables in reading order, those inside content controls in place."""
    for child in parent.iterchildren():
        if child.tag in (W_P, W_TBL):
            yield child
        elif child.tag == W_SDT:
            for content in child.iterchildren(W_SDT_CONTENT):
                yield from _blocks(content)


def paragraph_text(paragraph: Any) -> str:
    """A paragraph's text as printed now: its runs, tracked insertions and text boxes
    included, tracked deletions left out; a line break as a new line, a tab a space."""
    parts: list[str] = []
    for node in paragraph.iter(W_T, W_TAB, W_BR, W_CR):
        if any(ancestor.tag in REMOVED for ancestor in node.iterancestors()):
            continue
        if node.tag == W_T:
            parts.append(node.text or "")
        else:
            parts.append(" " if node.tag == W_TAB else "\n")
    return "".join(parts)


def _row(row: Any) -> str:
    """One table row as a tab-separated line. Word keeps a merged cell as one cell
    (written once); a cell's paragraphs, nested tables' included, are its text."""
    texts: list[str] = []
    for cell in row.iterchildren(W_TC):
        paragraphs = [" ".join(paragraph_text(p).split()) for p in cell.iter(W_P)
                      if not any(a.tag == TEXT_BOX for a in p.iterancestors())]
        paragraphs = [text for text in paragraphs if text]
        texts.append(paragraphs[0] if len(paragraphs) == 1 else
                     " ".join(f"<p>{text}</p>" for text in paragraphs))
    return "\t".join(texts)

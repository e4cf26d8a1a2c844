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
moved passage are not), content controls and custom XML around paragraphs, tables,
rows or cells (read in place; a control still showing its placeholder prompt is
not), text boxes (read with the paragraph that anchors them, once: Word keeps a
second copy for older readers) and tables nested in a cell (read as more of the
cell's paragraphs). A non-breaking hyphen reads as "-". Numbers that Word draws from a list
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

W_P, W_TBL, W_TR, W_TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
W_T, W_SDT, W_SDT_CONTENT, W_SDT_PR = qn("w:t"), qn("w:sdt"), qn("w:sdtContent"), qn("w:sdtPr")
W_CUSTOM_XML, W_PLACEHOLDER = qn("w:customXml"), qn("w:showingPlcHdr")
# What a run prints besides its text: tabs as a space, breaks as a new line, a
# non-breaking hyphen as one (a year range "๒๕๖๗-๒๕๖๘", a telephone number).
PRINTED = {qn("w:tab"): " ", qn("w:ptab"): " ", qn("w:br"): "\n", qn("w:cr"): "\n",
           qn("w:noBreakHyphen"): "-", qn("w:softHyphen"): ""}
# Tracked deletions, moved-away text, and the copy of a text box Word keeps for
# readers that cannot draw it (the drawn copy is read).
SKIPPED = frozenset({qn("w:del"), qn("w:moveFrom"),
                     "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"})
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
    for block in _children(document.element.body, W_P, W_TBL):  # in reading order
        if block.tag == W_P:
            text = paragraph_text(block)
            if text.strip():
                lines.extend([*text.split("\n"), ""])
        else:
            rows = [_row(row) for row in _children(block, W_TR)]
            lines.extend([*(row for row in rows if row.strip()), ""])
    if not "".join(lines).strip():
        raise DocumentProblem("ไฟล์ Word ไม่มีข้อความ", "the Word file has no text")
    return "\n".join(lines).rstrip("\n") + "\n"


def _children(parent: Any, *tags: str) -> Iterator[Any]:
    """`parent`'s children with these tags, those wrapped in content controls or custom
    XML included in place; a content control still showing its placeholder prompt
    holds no text of the letter."""
    for child in parent.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag == W_SDT and not _placeholder(child):
            for content in child.iterchildren(W_SDT_CONTENT):
                yield from _children(content, *tags)
        elif child.tag == W_CUSTOM_XML:
            yield from _children(child, *tags)


def _placeholder(control: Any) -> bool:
    return any(prop.find(W_PLACEHOLDER) is not None for prop in control.iterchildren(W_SDT_PR))


def _skipped(node: Any) -> bool:
    return any(ancestor.tag in SKIPPED or (ancestor.tag == W_SDT and _placeholder(ancestor))
               for ancestor in node.iterancestors())


def paragraph_text(paragraph: Any) -> str:
    """A paragraph's text as printed now: its runs, tracked insertions and text boxes
    included (a text box's paragraphs each on a line of its own), tracked deletions
    and placeholder prompts left out; a line break as a new line, a tab a space."""
    parts: list[str] = []
    for node in paragraph.iter(W_T, W_P, *PRINTED):
        if node is paragraph or _skipped(node):
            continue
        if node.tag == W_T:
            parts.append(node.text or "")
        else:
            parts.append("\n" if node.tag == W_P else PRINTED[node.tag])
    return "".join(parts)


def _row(row: Any) -> str:
    """One table row as a tab-separated line. Word keeps a merged cell as one cell
    (written once); a cell's paragraphs, nested tables' included, are its text."""
    texts: list[str] = []
    for cell in _children(row, W_TC):
        paragraphs = [" ".join(paragraph_text(p).split()) for p in cell.iter(W_P)
                      if not _skipped(p)
                      and not any(a.tag == TEXT_BOX for a in p.iterancestors())]
        paragraphs = [text for text in paragraphs if text]
        texts.append(paragraphs[0] if len(paragraphs) == 1 else
                     " ".join(f"<p>{text}</p>" for text in paragraphs))
    return "\t".join(texts)

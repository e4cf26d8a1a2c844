"""Reading a query: validation, and the citation it names, if any.

Officials often ask for a specific letter and item ("มท 0211.6/ว 10303 ข้อ 3.6",
"หนังสือ ว๑๐๓๐๓ ข้อ ๓.๖ ว่าอย่างไร"). Those parts are recognised here so the
retriever can put the named item first, whatever the text similarity says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.doc_numbers import DOC_NO_RE, parse_match
from indexer.normalize import clean_unicode, index_form

# "item 3.6" too: a question in English, or Thai with the English word, cites the same.
ITEM_RE = re.compile(
    r"(?:ข้อ|ลำดับ|แถว|(?<![A-Za-z])(?i:(?:items?|clauses?)(?:\s*no\s?\.?)?))(?:ที่)?\s*"
    r"(?P<path>\d{1,3}(?:\s*\.\s*\d{1,3})*(?:\s*\.?\s*\(\s*\d{1,3}\s*\))?"
    r"(?:\s*\.?\s*\d{1,3}\s*\))?)"
)
RUNNING_NUMBER_RE = re.compile(r"(?<![ก-๙\d])ว\s*\.?\s*(?P<number>\d{1,6})(?!\d)")
# A letter whose number has no ว (a memo, บันทึกข้อความ "มท 0211.2/19355") is named by
# its running number after หนังสือ or บันทึก: "บันทึก 19355", "หนังสือที่ ๑๙๓๕๕".
LETTER_NUMBER_RE = re.compile(
    r"(?:หนังสือ|บันทึก)(?:ข้อความ)?\s*(?:เลขที่|ที่)?\s*(?P<number>\d{3,6})(?![\d.,/])")


class QueryError(ValueError):
    """A query we refuse, with a Thai and an English message."""

    def __init__(self, thai: str, english: str) -> None:
        super().__init__(f"{thai} / {english}")
        self.thai = thai
        self.english = english


@dataclass(frozen=True)
class Citation:
    doc_no: str | None  # full normal form, when the query names one
    running_number: str | None  # "10303" from "ว 10303" when no prefix is given
    item: str | None  # item path in the index's form: "3.6", "5.1.(4)"
    circular: bool = True  # the running number came with ว ("ว 10303", not "บันทึก 19355")

    @property
    def letter_key(self) -> str:
        """How the index looks the named letter up: its number, "/ว N" or "/N"."""
        if self.doc_no:
            return self.doc_no
        return f"/ว {self.running_number}" if self.circular else f"/{self.running_number}"


def validate_query(query: str, max_chars: int) -> str:
    """The query as searched (clean Unicode, trimmed), or QueryError saying what is wrong.

    The length limit counts that trimmed text, so the API, the UI and the CLI agree on
    what "too long" means whatever whitespace or zero-width characters surround it.
    """
    _check_encodable(query or "")
    text = clean_unicode(query or "").strip()
    if not text:
        raise QueryError("กรุณาพิมพ์คำถาม", "the query is empty")
    if len(text) > max_chars:
        raise QueryError(
            f"คำถามยาวเกิน {max_chars:,} ตัวอักษร ({len(text):,})",
            f"the query is longer than {max_chars:,} characters ({len(text):,})",
        )
    return text


def _check_encodable(query: str) -> None:
    # A lone UTF-16 surrogate (JSON "\ud800") survives JSON parsing as a Python str
    # but breaks the tokenizer, SQLite and every UTF-8 writer further on.
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as error:
        raise QueryError(
            f"คำถามมีอักขระที่ไม่ใช่ Unicode ที่ถูกต้อง (ตำแหน่งที่ {error.start + 1}) "
            "กรุณาพิมพ์ใหม่",
            f"the query has a character that is not valid Unicode (a lone surrogate at "
            f"position {error.start + 1}) and cannot be read as UTF-8",
        ) from None


def normalize_item_path(raw: str) -> str:
    path = re.sub(r"\s+", "", raw)
    path = re.sub(r"\.?\(", ".(", path)
    path = re.sub(r"(?<=\))\.?(?=\d)", ".", path)
    return path.strip(".")


def find_citation(query: str) -> Citation | None:
    text = index_form(query)
    doc_match = DOC_NO_RE.search(text)
    doc_no = parse_match(doc_match).normal if doc_match else None
    running = None
    circular = True
    if doc_no is None:
        number_match = RUNNING_NUMBER_RE.search(text)
        if number_match is None:
            number_match = LETTER_NUMBER_RE.search(text)
            circular = False
        running = number_match.group("number").lstrip("0") if number_match else None
    item_match = ITEM_RE.search(text[doc_match.end():] if doc_match else text)
    item = normalize_item_path(item_match.group("path")) if item_match else None
    if doc_no is None and running is None:
        return None
    return Citation(doc_no, running, item, circular)

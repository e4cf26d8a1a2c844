"""Data classes shared by every stage: letters, their chunks, and search hits.

They are plain dataclasses so that the indexer, the retriever, the service and
the evaluator agree on one vocabulary without importing each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reference:
    """A letter cited by another (อ้างถึง, or "ตามหนังสือ ... ที่ ..." in the body)."""

    doc_no: str
    date: str | None
    via: str  # "อ้างถึง", "สิ่งที่ส่งมาด้วย" (a copy enclosed) or "body"


@dataclass
class Letter:
    """One letter of a bundle, with the metadata read from its header and signature."""

    id: str
    source: str
    doc_no: str | None
    doc_no_raw: str | None
    date: str | None
    date_raw: str | None
    subject: str | None
    to: str | None
    references: list[Reference] = field(default_factory=list)
    enclosures: list[str] = field(default_factory=list)
    issuer: str | None = None
    signatory: str | None = None
    position: str | None = None
    contact: str | None = None
    urgency: str | None = None
    kind: str = "letter"  # "letter", "memo" (บันทึกข้อความ) or "document" (.jsonl)
    start: int = 0
    end: int = 0
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Chunk:
    """One citable unit: a directive item, a table row, or a preamble paragraph."""

    chunk_id: str
    doc_id: str
    source: str
    part: str  # "body", or the attachment's title
    part_index: int  # 0 for the body, 1.. for attachments in order
    item: str  # printed numbering with Arabic digits: "3.6", "5.1.(4)"; "p1" for preamble
    kind: str  # "item", "row", "preamble", "closing", "text", "distribution", "paragraph"
    parents: list[str]
    text: str  # original text for display
    index_text: str  # normalised text with subject and parents prepended, for matching
    start: int
    end: int
    seq: int  # order of the chunk inside its letter
    split: int = 0  # part number when a long item was split at sentences
    doc_no: str | None = None
    date: str | None = None
    subject: str | None = None
    issuer: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Hit:
    """One search result with everything needed to cite it."""

    rank: int
    score: float
    chunk_id: str
    doc_id: str
    text: str
    doc_no: str | None
    date: str | None
    subject: str | None
    issuer: str | None
    item: str
    parents: list[str]
    source: str
    start: int
    end: int
    part: str
    kind: str
    part_index: int = 0
    also_in: list[dict[str, Any]] = field(default_factory=list)
    # Lists that ranked it: "citation", "bm25", "dense"; hybrid priors "sender",
    # "addressee", "date", "amount", "letter" (retriever.search); "list" for the
    # items of a list an answer gives whole (service.lists); "overview" for the
    # passages of a letter's outline (service.overview).
    matched_by: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Citation:
    """One [n] marker of an answer, naming the letter and item it comes from."""

    marker: int
    chunk_id: str
    doc_id: str
    doc_no: str | None
    date: str | None
    date_thai: str | None
    subject: str | None
    item: str
    part: str
    part_index: int
    issuer: str | None
    source: str
    start: int
    end: int
    label: str  # readable Thai reference: "มท 0211.6/ว 10303 ลงวันที่ 24 ต.ค. 2567 ข้อ 3.6"
    # The same directive in other letters (a ministry's original, a province's copy) or
    # restated in an enclosure, as in the passage's `also_in`: the citation stands for them.
    also_in: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """A grounded answer: text with [n] markers, the citations and passages behind them."""

    question: str
    answer: str
    citations: list[Citation]
    passages: list[Hit]
    generator: str  # "extractive", "transformers:<path>", "openai:<model>"
    not_found: bool = False
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

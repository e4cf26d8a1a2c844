"""Request and response schemas of the HTTP API.

They are pydantic models apart from the core dataclasses (`circulars.models`), so
the API can validate input strictly (unknown fields are refused, k is a bounded JSON
integer: `true`, `"5"` and `5.0` are refused rather than read as 1 or 5) and
add readable fields (Thai dates, citation labels) without changing the core.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from circulars.arguments import (
    MAX_DOC_NO_PREFIX_CHARS,
    MAX_ISSUER_CHARS,
    MAX_K,
    MAX_SOURCE_CHARS,
)
from circulars.models import Answer, Chunk, Citation, Hit, Letter
from indexer.thai_dates import thai_date
from retriever.search import Filters
from service.citations import hit_label, reference_label

Mode = Literal["hybrid", "dense", "bm25"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FiltersIn(_Strict):
    date_from: dt.date | None = Field(None, description="ISO date, inclusive")
    date_to: dt.date | None = Field(None, description="ISO date, inclusive")
    issuer: str | None = Field(None, max_length=MAX_ISSUER_CHARS,
                               description="issuing office contains")
    doc_no_prefix: str | None = Field(None, max_length=MAX_DOC_NO_PREFIX_CHARS,
                                      description="e.g. 'มท 0211'")
    source: str | None = Field(None, max_length=MAX_SOURCE_CHARS, description="source file name")

    @model_validator(mode="after")
    def _ordered(self) -> FiltersIn:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("วันที่เริ่มต้นอยู่หลังวันที่สิ้นสุด / date_from is after date_to")
        return self

    def to_filters(self) -> Filters:
        return Filters(
            date_from=self.date_from.isoformat() if self.date_from else None,
            date_to=self.date_to.isoformat() if self.date_to else None,
            issuer=(self.issuer or "").strip() or None,
            doc_no_prefix=(self.doc_no_prefix or "").strip() or None,
            source=(self.source or "").strip() or None,
        )


def filters_of(body: FiltersIn | None) -> Filters | None:
    return body.to_filters() if body is not None else None


class SearchRequest(_Strict):
    query: str = Field(description="the question or keywords, Thai or English")
    k: StrictInt = Field(10, ge=1, le=MAX_K)
    mode: Mode = "hybrid"
    filters: FiltersIn | None = None
    all_copies: StrictBool = Field(
        False, description="list each relayed copy of a directive (a province's copy of a "
        "ministry letter) as its own hit, instead of once with the copies in `also_in`")


class AskRequest(_Strict):
    question: str
    k: StrictInt = Field(5, ge=1, le=MAX_K)
    filters: FiltersIn | None = None
    generator: str | None = Field(
        None, max_length=200,
        description="'extractive', or the configured generator (its kind or name); "
                    "default: the configured one")
    mode: Mode = "hybrid"


class HitOut(BaseModel):
    rank: int
    score: float
    chunk_id: str
    doc_id: str
    doc_no: str | None
    date: str | None
    date_thai: str | None
    subject: str | None
    issuer: str | None
    item: str
    part: str
    part_index: int
    parents: list[str]
    source: str
    start: int
    end: int
    kind: str
    text: str
    label: str = Field(description="readable Thai reference")
    also_in: list[dict[str, Any]]
    matched_by: list[str]

    @classmethod
    def of(cls, hit: Hit) -> HitOut:
        return cls(**hit.to_dict(), date_thai=thai_date(hit.date), label=hit_label(hit))


class CitationOut(BaseModel):
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
    label: str
    also_in: list[dict[str, Any]] = Field(
        default_factory=list, description="the same directive in other letters or restated "
        "in an enclosure, as in the passage's also_in")

    @classmethod
    def of(cls, citation: Citation) -> CitationOut:
        return cls(**citation.to_dict())


class ExpansionOut(BaseModel):
    """An everyday wording of the query and the official wordings searched with it."""

    wording: str
    official: list[str]

    @classmethod
    def all_of(cls, found: list[tuple[str, list[str]]]) -> list[ExpansionOut]:
        return [cls(wording=wording, official=official) for wording, official in found]


class SearchResponse(BaseModel):
    query: str
    mode: str
    k: int
    hits: list[HitOut]
    expansions: list[ExpansionOut] = Field(
        default_factory=list, description="everyday wordings also searched as official ones "
        "(BM25 and hybrid modes; `retriever/thesaurus.tsv`)")
    notes: list[str] = Field(
        default_factory=list, description="why the hits may not be what was asked for, Thai / "
        "English: a cited letter or item not in the index, no searchable word, filters that "
        "match nothing (`retriever/notes.py`)")


class AskResponse(BaseModel):
    question: str
    answer: str
    citations: list[CitationOut]
    passages: list[HitOut]
    generator: str
    warnings: list[str]
    not_found: bool
    expansions: list[ExpansionOut] = Field(
        default_factory=list, description="everyday wordings also matched as official ones")

    @classmethod
    def of(cls, answer: Answer, expansions: list[tuple[str, list[str]]] | None = None
           ) -> AskResponse:
        return cls(question=answer.question, answer=answer.answer,
                   citations=[CitationOut.of(c) for c in answer.citations],
                   passages=[HitOut.of(h) for h in answer.passages],
                   generator=answer.generator, warnings=answer.warnings,
                   not_found=answer.not_found,
                   expansions=ExpansionOut.all_of(expansions or []))


class ChunkOut(BaseModel):
    chunk_id: str
    doc_id: str
    doc_no: str | None
    date: str | None
    date_thai: str | None
    subject: str | None
    issuer: str | None
    source: str
    part: str
    part_index: int
    item: str
    kind: str
    parents: list[str]
    text: str
    start: int
    end: int
    seq: int
    label: str
    display_start: int | None = Field(None, description="offset in the letter's display_text")
    display_end: int | None = None

    @classmethod
    def of(cls, chunk: Chunk, display_start: int | None = None,
           display_end: int | None = None) -> ChunkOut:
        return cls(
            chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, doc_no=chunk.doc_no, date=chunk.date,
            date_thai=thai_date(chunk.date), subject=chunk.subject, issuer=chunk.issuer,
            source=chunk.source, part=chunk.part, part_index=chunk.part_index, item=chunk.item,
            kind=chunk.kind, parents=chunk.parents, text=chunk.text, start=chunk.start,
            end=chunk.end, seq=chunk.seq,
            label=reference_label(chunk.doc_no, chunk.doc_id, chunk.date, chunk.item,
                                  chunk.part, chunk.part_index),
            display_start=display_start, display_end=display_end)


class LetterOut(BaseModel):
    id: str
    source: str
    doc_no: str | None
    doc_no_raw: str | None
    date: str | None
    date_thai: str | None
    date_raw: str | None
    subject: str | None
    to: str | None
    references: list[dict[str, Any]]
    enclosures: list[str]
    issuer: str | None
    signatory: str | None
    position: str | None
    contact: str | None
    urgency: str | None
    kind: str
    url: str | None

    @classmethod
    def of(cls, letter: Letter) -> LetterOut:
        data = letter.to_dict()
        return cls(**{k: v for k, v in data.items() if k in cls.model_fields},
                   date_thai=thai_date(letter.date))


class LetterList(BaseModel):
    letters: list[LetterOut]


class LetterResponse(BaseModel):
    letter: LetterOut
    display_text: str
    chunks: list[ChunkOut]


class ChunkResponse(BaseModel):
    chunk: ChunkOut
    letter: LetterOut | None


class GeneratorHealth(BaseModel):
    configured: str
    name: str | None
    available: bool
    error: str | None


class HealthResponse(BaseModel):
    status: Literal["ok", "unavailable"]
    problem: dict[str, str] | None
    index_dir: str
    index_version: str | None
    chunks: int | None
    letters: int | None
    model: str | None
    query_runtime: str | None = None
    manifest: dict[str, Any] | None
    generator: GeneratorHealth

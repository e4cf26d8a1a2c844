"""Questions that ask for a whole list: its items become the passages.

"วัตถุประสงค์ของแนวทาง ... มีอะไรบ้าง" and "อัตลักษณ์ท้องถิ่นมีกี่ด้าน อะไรบ้าง" ask for
every item under a heading ("๒. วัตถุประสงค์": ๒.๑-๒.๔). Search ranks the one item
closest to the question first, and the answer then quotes that item alone, as if the
list had one entry. When

* the question asks for a list (อะไรบ้าง, ใครบ้าง, ใดบ้าง, มีกี่ข้อ/ด้าน/ประการ ...),
* the top passage is an item of a numbered list (`Searcher.list_around`), not one
  named by number (the citation lookup brings its sub-items already),
* the list's heading is a bare heading (`HEADING_CHARS` at most), and
* the question names it (shares a word with it),

the passages become the heading, then the list's items in reading order, then the
other passages; the extractive answer quotes the heading and each item's first
sentence (`service.extractive`), citing each item.
"""

from __future__ import annotations

import re
from dataclasses import replace

from circulars.models import Hit
from indexer.normalize import index_form
from indexer.thai_tokens import tokenize
from retriever.search import Searcher
from retriever.terms import question_terms

HEADING_CHARS = 150  # a heading that says more than this is an item of its own
ASKS_LIST_RE = re.compile(
    r"(?:อะไร|ใคร|ใด|ไหน|อย่างไร)\s?บ้าง"
    r"|(?:มี)?กี่\s?(?:ข้อ|ด้าน|ประการ|ประเภท|รูปแบบ|ขั้นตอน|แนวทาง|อย่าง|เรื่อง)")


def asks_for_list(question: str) -> bool:
    """Whether the question asks for every item of something ("มีอะไรบ้าง", "มีกี่ด้าน")."""
    return ASKS_LIST_RE.search(index_form(question)) is not None


def list_passages(searcher: Searcher, question: str, hits: list[Hit]) -> list[Hit] | None:
    """The heading and items of the list the question asks for, then the other hits,
    ranked anew; None when the question or the top passage is not such a case."""
    if not hits or "citation" in hits[0].matched_by or not asks_for_list(question):
        return None
    found = searcher.list_around(hits[0].chunk_id)
    if found is None:
        return None
    heading, items = found
    if len(heading.text) > HEADING_CHARS:
        return None
    # A word, not the item's number: "๒" of "๒. วัตถุประสงค์" is in many questions.
    words = {t for t in question_terms(question) if not t.replace(".", "").isdigit()}
    if not words & set(tokenize(heading.text)):
        return None
    retrieved = {hit.chunk_id: hit for hit in hits}
    top = hits[0].score
    listed = [_listed(retrieved.get(hit.chunk_id, hit), top) for hit in (heading, *items)]
    ids = {hit.chunk_id for hit in listed}
    ordered = [*listed, *(hit for hit in hits if hit.chunk_id not in ids)]
    # As many passages as asked for, or the whole list when it is longer.
    ordered = ordered[:max(len(hits), len(listed))]
    return [replace(hit, rank=rank) for rank, hit in enumerate(ordered, 1)]


def _listed(hit: Hit, top: float) -> Hit:
    """The hit as a list passage: the top score (the list now leads), "list" added to
    what matched it, so a retrieved item keeps its bm25/dense marks."""
    matched = hit.matched_by if "list" in hit.matched_by else [*hit.matched_by, "list"]
    return replace(hit, score=top, matched_by=matched)

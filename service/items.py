"""An item named by its number without its letter: "ข้อ 3.6 ว่าอย่างไร", "ข้อ ๓.๖".

An official reading a letter asks about its items by number, and the service keeps no
conversation, so the letter is often left unsaid. Search has no citation to look up
then, and "ข้อ 3.6" shares no word with the item: the question was refused. The
answer now gives that item of every letter that has one, each line naming the letter
and quoting the item's first line, cited:

    ข้อ 3.6 มีในหนังสือ 1 ฉบับ:
    หนังสือที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓ ข้อ 3.6: ๓.๖ เตรียมความพร้อมรับมือสถานการณ์ ... [1]

A question is such a question when it names an item (`retriever.query.ITEM_RE`), no
letter number, and no other content word but words asking what an item says
(`ITEM_WORDS`): "ข้อ 3 ของแนวทางส่งเสริมการท่องเที่ยวว่าอย่างไร" names its guideline,
and search answers it.
"""

from __future__ import annotations

from dataclasses import replace

from indexer.normalize import index_form
from retriever.query import ITEM_RE, find_citation, normalize_item_path
from retriever.search import Filters, Searcher
from retriever.terms import question_terms
from service.extractive import cut, quote
from service.overview import OVERVIEW_WORDS, LetterAnswer, first_line

MAX_LETTERS = 10
LINE_CHARS = 200
PART_CHARS = 60  # an enclosure's title, to say the item is the enclosure's
ITEM_WORDS = OVERVIEW_WORDS | {"ลำดับ", "แถว", "ข้อ"}


def item_everywhere(searcher: Searcher, question: str,
                    filters: Filters | None = None) -> LetterAnswer | None:
    """That item of each letter having one, or None when the question is not about an
    item named alone (or no letter has it)."""
    text = index_form(question)
    found = ITEM_RE.search(text)
    if found is None or find_citation(question) is not None:
        return None
    rest = text[:found.start()] + " " + text[found.end():]
    if any(term not in ITEM_WORDS for term in question_terms(rest)):
        return None
    item = normalize_item_path(found.group("path"))
    hits = searcher.items_numbered(item, filters, limit=MAX_LETTERS)
    if not hits:
        return None
    lines = [f"ข้อ {item} มีในหนังสือ {len(hits)} ฉบับ:"]
    for marker, hit in enumerate(hits, 1):
        letter = searcher.letter(hit.doc_id)
        name = (f"หนังสือที่ {letter.doc_no_raw}" if letter and letter.doc_no_raw
                else f"เอกสาร {hit.doc_id}")
        where = "" if hit.part_index == 0 else f" ({cut(hit.part, PART_CHARS)})"
        first = cut(first_line(hit.text), LINE_CHARS)
        lines.append(f"{quote(f'{name}{where} ข้อ {item}: {first}')} "
                     f"[{marker}]")
    passages = [replace(hit, rank=rank) for rank, hit in enumerate(hits, 1)]
    return LetterAnswer("\n".join(lines), passages, list(range(1, len(passages) + 1)))

"""Notes that tell a reader why a search's hits may not be what was asked for.

Search always returns its nearest passages, so a question about a letter the index
does not hold, an item its letter lacks, or a query with no word to match still gets
hits, and a filter that excludes everything gets none; an English question shares no
words with Thai letters, so the answerer, which checks shared words, mostly refuses
it. Without a note the reader cannot tell those results from real ones. Each note is
a short Thai sentence and its English translation. The API's search and ask responses
and the UI show them.
"""

from __future__ import annotations

import re

from retriever.query import find_citation
from retriever.search import Filters, Searcher
from retriever.terms import question_terms

THAI_RE = re.compile(r"[\u0e00-\u0e7f]")
LATIN_RE = re.compile(r"[A-Za-z]{3,}")


def query_notes(searcher: Searcher, text: str, filters: Filters | None = None) -> list[str]:
    """Notes on `text` (an already validated query) and `filters`; usually none."""
    notes: list[str] = []
    citation = find_citation(text)
    if citation is not None:
        gap = searcher.citation_gap(citation)
        named = citation.doc_no or (
            f"ว {citation.running_number}" if citation.circular else citation.running_number)
        if gap == "letter":
            notes.append(f"ไม่มีหนังสือ {named} ในดัชนี ผลที่แสดงเป็นข้อความใกล้เคียง / letter "
                         f"{named} is not in the index; the hits are the nearest passages")
        elif gap == "cited":
            notes.append(f"ไม่มีหนังสือ {named} ในดัชนี แต่มีหนังสือที่อ้างถึงฉบับนี้ แสดงไว้ก่อน / "
                         f"letter {named} is not in the index; the letters citing it come first")
        elif gap == "item":
            notes.append(f"หนังสือ {named} ไม่มีข้อ {citation.item} ผลที่แสดงเป็นข้ออื่นที่ใกล้เคียง "
                         f"/ letter {named} has no item {citation.item}; the hits are other "
                         "passages")
    terms = question_terms(text)
    english = LATIN_RE.search(text) is not None and not THAI_RE.search(text)
    if english:
        notes.append("คำถามภาษาอังกฤษเทียบคำกับหนังสือภาษาไทยไม่ได้ ผลเรียงตามความหมายใกล้เคียง "
                     "ถามเป็นภาษาไทยจะได้คำตอบที่ตรงกว่า / an English question shares no words "
                     "with the Thai letters: the hits are ranked by meaning alone, and the "
                     "answerer, which also checks shared words, often refuses; ask in Thai")
    if not terms and not english:
        notes.append("คำค้นไม่มีคำที่ใช้ค้นได้ ผลเรียงตามความหมายใกล้เคียงเท่านั้น / the query "
                     "has no searchable word; the hits are ranked by closeness of meaning alone")
    elif not english and not any(searcher.idf.seen(term) for term in terms):
        notes.append("ไม่มีคำใดของคำค้นอยู่ในหนังสือที่มี ผลเรียงตามความหมายใกล้เคียงเท่านั้น / "
                     "no word of the query occurs in the indexed letters; the hits are ranked "
                     "by closeness of meaning alone")
    mask = searcher.allowed_mask(filters)
    if mask is not None and not mask.any():
        notes.append("ไม่มีข้อความใดตรงกับตัวกรอง / no passage matches the filters")
    elif filters is not None and (filters.date_from or filters.date_to):
        undated = searcher.undated_letters()
        if undated:
            notes.append(f"ตัวกรองวันที่ไม่รวมหนังสือที่อ่านวันที่ไม่ได้ {undated} ฉบับ / the date "
                         f"filter leaves out {undated} letter(s) whose date cannot be read")
    return notes

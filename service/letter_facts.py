"""Answers about a letter as a document: its date, signer, cited letters, enclosures,
contact, addressees.

These facts are read from a letter's header and signature (`indexer.letters`). The
index puts them in the index text of the letter's opening paragraph
(`indexer.chunker.header_facts`), so "ว 38028 ใครลงนาม" finds that paragraph, but
the paragraph's own text does not state them: quoting it would answer with
"ด้วยกระทรวงมหาดไทยแจ้ง..." and leave the signer unsaid. So when a question asks for
one of these facts and its top passage is a letter's opening paragraph, the answer
begins with a line stating the fact from the letter's metadata, as printed, with
that passage's marker.

A generator (`service.prompt`) reads only the passages it is given, so each opening
paragraph among them carries all its letter's header facts (`header_facts`); without
them a model asked "ใครลงนาม" sees no signer and says so.
"""

from __future__ import annotations

from circulars.models import Hit, Letter
from indexer.chunker import cited_letter
from retriever.answer_types import LETTER_FACTS, asked_letter_facts
from retriever.search import Searcher, letter_keys

UNREADABLE_DATE = "(วันที่ในต้นฉบับอ่านได้ไม่ครบ ควรตรวจกับหนังสือจริง)"


def fact_lines(letter: Letter, facts: list[str]) -> list[str]:
    """One line per asked fact the letter's metadata holds, as printed, the first
    naming the letter: "อ้างถึง ..." alone would not say which letter cites it (none
    when the letter holds no asked fact)."""
    lines: list[str] = []
    name = f"หนังสือที่ {letter.doc_no_raw}" if letter.doc_no_raw else "หนังสือฉบับนี้"
    if "date" in facts and letter.date_raw:
        # A header date that does not read as a date ("๒๕๖๘ สิงหาคม ๒๕๖๘": the day lost
        # to OCR) is still quoted, since it is what the letter shows, but flagged.
        unread = "" if letter.date else f" {UNREADABLE_DATE}"
        name = f"{name} ลงวันที่ {letter.date_raw}{unread}"
        lines.append(name)
    if "signer" in facts and letter.signatory:
        lines.append(" ".join(["ลงนามโดย", letter.signatory, letter.position or ""]))
    cited = [r for r in letter.references if r.via != "สิ่งที่ส่งมาด้วย"]
    if "references" in facts and cited:
        lines.append("อ้างถึง " + ", ".join(cited_letter(r) for r in cited))
    if "enclosures" in facts and letter.enclosures:
        lines.append("สิ่งที่ส่งมาด้วย " + " ".join(letter.enclosures))
    if "contact" in facts and letter.contact:
        lines.append("ติดต่อ " + letter.contact)
    if "addressee" in facts and letter.to:
        lines.append("เรียน " + letter.to)
    if lines and lines[0] != name:
        lines.insert(0, name)
    return [" ".join(line.split()) for line in lines]


def _opening_facts(searcher: Searcher, hit: Hit, facts: list[str]) -> str | None:
    """`facts` of the hit's letter as one line, if the hit is that letter's opening
    paragraph and the letter holds any of them."""
    if not searcher.is_opening(hit.chunk_id):
        return None
    letter = searcher.letter(hit.doc_id)
    lines = fact_lines(letter, facts) if letter is not None else []
    return "; ".join(lines) if lines else None


def letter_facts(searcher: Searcher, question: str, hits: list[Hit]) -> str | None:
    """The facts line for the top passage's letter (marker 1), or None when the question
    asks none, the top passage is not a letter's opening, or the letter lacks them."""
    facts = asked_letter_facts(question)
    if not facts or not hits:
        return None
    return _opening_facts(searcher, hits[0], facts)


def header_facts(searcher: Searcher, hits: list[Hit]) -> dict[int, str]:
    """Marker -> every header fact of its letter, for the passages that are a letter's
    opening paragraph (the prompt shows them with the passage)."""
    every = list(LETTER_FACTS)
    lines = {marker: _opening_facts(searcher, hit, every) for marker, hit in enumerate(hits, 1)}
    return {marker: line for marker, line in lines.items() if line}


def letter_identity(letter: Letter) -> str:
    """The letter as an official names it: number and date as `fact_lines` states them
    (an unreadable date flagged), issuer and subject."""
    dated = fact_lines(letter, ["date"])
    parts = dated[:1] or [f"หนังสือที่ {letter.doc_no_raw}" if letter.doc_no_raw
                          else "หนังสือฉบับนี้"]
    # A .jsonl document's issuer and title are whatever its record held, blank included.
    if letter.issuer and letter.issuer.strip():
        parts.append(f"จาก {letter.issuer}")
    if letter.subject and letter.subject.strip():
        parts.append(f"เรื่อง {letter.subject}")
    return " ".join(" ".join(parts).split())


def short_number(letter: Letter) -> str:
    """How an official names the letter in a question: "ว 339" for a circular, the
    whole number otherwise ("มท 0211.2/19355"), the letter's id when it has none."""
    keys = letter_keys(letter.doc_no)
    if len(keys) > 1 and keys[1].startswith("/ว "):
        return keys[1][1:]
    return letter.doc_no or letter.id

"""Which letters the index holds, for questions about that rather than about what they say.

"มีหนังสือเวียนอะไรบ้าง", "หนังสือของจังหวัดเชียงใหม่มีกี่ฉบับ", "หนังสือปี 2567 มีอะไรบ้าง",
"หนังสือล่าสุดคือฉบับไหน", "ฉบับไหนเก่าที่สุด": no passage says which letters there are,
so search found nothing relevant ("มีหนังสือเวียนอะไรบ้าง" was refused) or quoted
whatever shared a word. The answer is the list of letters, newest first, one line each
(number, date, issuer, subject) citing the letter's opening passage:

    พบหนังสือ 8 ฉบับ (ใหม่ไปเก่า):
    หนังสือที่ มท ๐๒๑๑.๖/ว ๓๓๙ ลงวันที่ ๑๕ สิงหาคม ๒๕๖๘ จาก กระทรวงมหาดไทย เรื่อง ... [1]
    ...

or, for the newest or oldest, that letter alone. Asked what the letters say
("หนังสือล่าสุดว่าอย่างไร", "หนังสือจากจังหวัดนราธิวาสสั่งอะไรบ้าง"), the answer is their
outlines (`service.overview`) when there are at most `MAX_OUTLINED` of them. The
caller's filters apply, and so do an issuer the question names ("หนังสือของจังหวัด
เชียงใหม่", the most specific name when several match) and years ("ปี 2567", "2566-2567": Buddhist-era
calendar years; "ปีงบประมาณ 2568": 1 Oct 2024 - 30 Sep 2025). Letters without a
usable date are listed last and never taken as the newest or oldest; the answer says
how many it left out.

A question is an inventory question when it asks for letters ("หนังสือ ... อะไรบ้าง",
"หนังสือ...กี่ฉบับ", "ฉบับไหน ... ล่าสุด"), names letters (หนังสือ, หนังสือเวียน,
บันทึกข้อความ), and every content word left names the letters, the issuer or the years
(`INVENTORY_WORDS`): "หนังสือฉบับไหนบ้างที่ปลัดกระทรวงลงนามเอง" asks about their
content, "ต้องบันทึกอะไรบ้าง" and "ต้องส่งกี่ฉบับ" are not about letters at all, and
search answers those.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from circulars.models import Hit, Letter
from indexer.normalize import index_form
from indexer.thai_dates import be_to_ce
from retriever.search import Filters, Searcher
from retriever.senders import issuer_names
from retriever.terms import question_terms
from service.extractive import quote
from service.letter_facts import letter_identity, short_number
from service.overview import (
    OVERVIEW_ASK_RE,
    OVERVIEW_WORDS,
    LetterAnswer,
    outline,
    word_set,
)

MAX_LISTED = 20
# Asked what the letters say ("หนังสือจากจังหวัดนราธิวาสสั่งอะไรบ้าง"), this many or fewer
# get their outlines; more would bury the answer, so they are listed.
MAX_OUTLINED = 3
# An inventory question no held letter meets (its year, issuer or the filters): the
# answer is that there is none, not whatever search finds for its words.
NO_LETTERS = LetterAnswer("", [], [])

LETTER_WORD_RE = re.compile(r"หนังสือ|บันทึกข้อความ")
ASKS_LETTERS_RE = re.compile(
    r"(?:หนังสือ|บันทึกข้อความ|ฉบับ)[^?]{0,40}?(?:อะไร|ไหน|ใด)\s?บ้าง|กี่\s?ฉบับ"
    r"|(?:หนังสือ|บันทึกข้อความ|ฉบับ)[^?]{0,24}?"
    r"(?:ล่าสุด|ใหม่(?:ที่)?สุด|เก่า(?:ที่)?สุด|แรก(?:ที่)?สุด)")
NEWEST_RE = re.compile(r"ล่าสุด|ใหม่(?:ที่)?สุด")
OLDEST_RE = re.compile(r"เก่า(?:ที่)?สุด|แรก(?:ที่)?สุด")
# "ปี 2567", "พ.ศ. 2568", "ปีงบประมาณ 2568", "ปี 67", or a bare Buddhist-era "2567"
# ("2566-2567"); after a year word, a four-digit year below 2400 is Common Era.
YEAR_RE = re.compile(
    r"(?P<kind>ปีงบประมาณ|ปีงบ|ปี|พ\s?\.\s?ศ\s?\.?)\s*(?:พ\s?\.\s?ศ\s?\.?\s*)?"
    r"(?P<year>\d{4}|\d{2})(?!\d)|(?<!\d)(?P<bare>25\d\d)(?!\d)")
INVENTORY_WORDS = frozenset({
    "หนังสือ", "หนังสือเวียน", "เวียน", "บันทึก", "บันทึกข้อความ", "ฉบับ", "ทั้งหมด", "ระบบ",
    "ล่าสุด", "ใหม่", "ที่สุด", "สุด", "เก่า", "แรก", "ปี", "ปีงบประมาณ", "งบประมาณ", "จาก",
    "ออก", "ได้รับ", "รับ", "เข้ามา", "ส่ง", "ตอนนี้", "บ้าง", "กี่", "ลงวันที่", "เลขที่",
    "รายการ", "รายชื่อ", "อยู่", "เก็บ", "ค้น", "ได้", "ขอ", "ดู", "ช่วย", "หน่อย", "ลิสต์",
    "list", "ถึง", "-",
})


def letter_inventory(searcher: Searcher, question: str,
                     filters: Filters | None = None) -> LetterAnswer | None:
    """The letters the question asks for (`NO_LETTERS` when none is held), or None
    when it is not an inventory question."""
    text = index_form(question)
    if ASKS_LETTERS_RE.search(text) is None or LETTER_WORD_RE.search(text) is None:
        return None
    years = list(YEAR_RE.finditer(text))
    words = [w for w in question_terms(YEAR_RE.sub(" ", text)) if w not in INVENTORY_WORDS]
    asks_outline = OVERVIEW_ASK_RE.search(text) is not None
    if asks_outline:
        words = [w for w in words if w not in OVERVIEW_WORDS]
    letters = searcher.letters_held(filters)
    if words:
        named = _named_issuers(letters, text, words)
        if named is None:
            return None
        letters = named
    if years:
        spans = [year_span(found) for found in years]
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        letters = [le for le in letters if le.date and start <= le.date <= end]
    if not letters:
        return NO_LETTERS
    dated = sorted((le for le in letters if le.date), key=lambda le: le.date or "",
                   reverse=True)
    undated = [le for le in letters if not le.date]
    newest, oldest = NEWEST_RE.search(text), OLDEST_RE.search(text)
    if (newest or oldest) and not dated:
        return NO_LETTERS
    if newest or oldest:
        one = dated[0] if newest else dated[-1]
        left_out = (f"(ไม่นับ {len(undated)} ฉบับที่ไม่มีวันที่ที่อ่านได้)" if undated else "")
        if asks_outline:
            found = outline(searcher, [one], filters)
            return LetterAnswer("\n".join(filter(None, [found.text, left_out])),
                                found.passages, found.markers)
        label = "ฉบับล่าสุด" if newest else "ฉบับที่เก่าที่สุด"
        return _listing(searcher, f"{label} (ตามวันที่ของหนังสือ):", [one], left_out)
    ordered = [*dated, *undated]
    if asks_outline and len(ordered) <= MAX_OUTLINED:
        found = outline(searcher, ordered, filters)
        if found.passages:
            return found
    numbered = next((le for le in ordered if le.doc_no), None)
    hint = (f"(ถามทีละฉบับเพื่อดูเนื้อหา เช่น \"สรุปหนังสือ {short_number(numbered)}\")"
            if asks_outline and numbered else "")
    return _listing(searcher, f"พบหนังสือ {len(letters)} ฉบับ (ใหม่ไปเก่า):", ordered, hint)


def _named_issuers(letters: list[Letter], text: str, words: list[str]) -> list[Letter] | None:
    """The letters of the issuer the question names, when its words left are all that
    issuer's words; the most specific name wins ("สำนักงานจังหวัดเชียงใหม่" over
    "จังหวัดเชียงใหม่"). None when the words name no issuer."""
    matched = {le.id: max((len(n) for n in issuer_names(le.issuer) if n in text), default=0)
               for le in letters}
    longest = max(matched.values(), default=0)
    named = [le for le in letters if longest and matched[le.id] == longest
             and all(w in word_set(le.issuer or "") for w in words)]
    return named or None


def _listing(searcher: Searcher, heading: str, letters: list[Letter],
             footer: str) -> LetterAnswer:
    lines = [heading]
    passages: list[Hit] = []
    for letter in letters[:MAX_LISTED]:
        opening = searcher.letter_passages(letter.id, limit=1)
        if opening:
            passages.append(replace(opening[0], rank=len(passages) + 1))
            lines.append(f"{quote(letter_identity(letter))} [{len(passages)}]")
    if len(letters) > MAX_LISTED:
        lines.append(f"… และอีก {len(letters) - MAX_LISTED} ฉบับ")
    if footer:
        lines.append(footer)
    return LetterAnswer("\n".join(lines), passages, list(range(1, len(passages) + 1)))


def year_span(found: re.Match[str]) -> tuple[str, str]:
    """ISO dates bounding the year the question names: a calendar year, or a Thai fiscal
    year (ปีงบประมาณ 2568 runs from 1 October 2024 to 30 September 2025)."""
    year = be_to_ce(int(found.group("year") or found.group("bare")))
    if "งบ" in (found.group("kind") or ""):
        return date(year - 1, 10, 1).isoformat(), date(year, 9, 30).isoformat()
    return date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()


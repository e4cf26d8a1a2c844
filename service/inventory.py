"""Which letters the index holds, for questions about that rather than about what they say.

"มีหนังสือเวียนอะไรบ้าง", "หนังสือของจังหวัดเชียงใหม่มีกี่ฉบับ", "หนังสือปี 2567 มีอะไรบ้าง",
"หนังสือล่าสุดคือฉบับไหน", "ฉบับไหนเก่าที่สุด": no passage says which letters there are,
so search found nothing relevant ("มีหนังสือเวียนอะไรบ้าง" was refused) or quoted
whatever shared a word. The answer is the list of letters, newest first, one line each
(number, date, issuer, subject) citing the letter's opening passage:

    พบหนังสือ 8 ฉบับ (ใหม่ไปเก่า):
    หนังสือที่ มท ๐๒๑๑.๖/ว ๓๓๙ ลงวันที่ ๑๕ สิงหาคม ๒๕๖๘ จาก กระทรวงมหาดไทย เรื่อง ... [1]
    ...

or, for the newest or oldest, that letter alone. The caller's filters apply, and so do
an issuer the question names as sender ("หนังสือของจังหวัดเชียงใหม่") and a year
("ปี 2567": Buddhist-era calendar year; "ปีงบประมาณ 2568": 1 Oct 2567 - 30 Sep 2568).
Letters whose header date did not read as a date are listed last and never taken as
the newest or oldest; the answer says how many there are.

A question is an inventory question when it asks for letters ("หนังสือ ... อะไรบ้าง",
"กี่ฉบับ", "ฉบับไหน ... ล่าสุด") and every content word left names the letters, the
issuer or the year (`INVENTORY_WORDS`): "หนังสือฉบับไหนบ้างที่ปลัดกระทรวงลงนามเอง" asks
about their content, and search answers it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from functools import lru_cache

from circulars.models import Hit
from indexer.normalize import index_form
from indexer.thai_tokens import tokenize
from retriever.search import Filters, Searcher
from retriever.terms import question_terms
from service.extractive import quote
from service.letter_facts import letter_identity
from service.overview import LetterAnswer

MAX_LISTED = 20
# An inventory question no held letter meets (its year, issuer or the filters): the
# answer is that there is none, not whatever search finds for its words.
NO_LETTERS = LetterAnswer("", [], [])
BE_OFFSET = 543

ASKS_LETTERS_RE = re.compile(
    r"(?:หนังสือ|บันทึก|ฉบับ)[^?]{0,40}?(?:อะไร|ไหน|ใด)\s?บ้าง|กี่\s?ฉบับ"
    r"|(?:หนังสือ|บันทึก|ฉบับ)[^?]{0,24}?(?:ล่าสุด|ใหม่(?:ที่)?สุด|เก่า(?:ที่)?สุด|แรก(?:ที่)?สุด)")
NEWEST_RE = re.compile(r"ล่าสุด|ใหม่(?:ที่)?สุด")
OLDEST_RE = re.compile(r"เก่า(?:ที่)?สุด|แรก(?:ที่)?สุด")
# "ปี 2567", "พ.ศ. 2568", "ปีงบประมาณ 2568", "ปี 67"; a four-digit year from 2400 on is
# Buddhist era, below it Common Era.
YEAR_RE = re.compile(r"(?P<kind>ปีงบประมาณ|ปีงบ|ปี|พ\s?\.\s?ศ\s?\.?)\s*(?:พ\s?\.\s?ศ\s?\.?\s*)?"
                     r"(?P<year>\d{4}|\d{2})(?!\d)")
INVENTORY_WORDS = frozenset({
    "หนังสือ", "หนังสือเวียน", "เวียน", "บันทึก", "ฉบับ", "ทั้งหมด", "ระบบ", "ล่าสุด",
    "ใหม่", "ที่สุด", "สุด", "เก่า", "แรก", "ปี", "ปีงบประมาณ", "งบประมาณ", "จาก", "ออก",
    "ได้รับ", "รับ", "เข้ามา", "ส่ง", "ตอนนี้", "บ้าง", "กี่", "ลงวันที่", "เลขที่", "รายการ",
    "รายชื่อ", "อยู่", "เก็บ", "ค้น", "ได้", "ขอ", "ดู", "ช่วย", "หน่อย", "ลิสต์", "list",
})


def letter_inventory(searcher: Searcher, question: str,
                     filters: Filters | None = None) -> LetterAnswer | None:
    """The letters the question asks for (`NO_LETTERS` when none is held), or None
    when it is not an inventory question."""
    text = index_form(question)
    if ASKS_LETTERS_RE.search(text) is None:
        return None
    year = YEAR_RE.search(text)
    words = [w for w in question_terms(YEAR_RE.sub(" ", text))
             if w not in INVENTORY_WORDS and not w.isdigit()]
    letters = searcher.letters_held(filters)
    if words:
        # Words left may name an issuer, anywhere ("หนังสือของจังหวัดเชียงใหม่", "มีหนังสือ
        # จากจังหวัดเชียงใหม่"): the question has no other topic for its name to be.
        named = [le for le in letters if le.issuer and _issuer_name(le.issuer) in text]
        issuers = {token for le in named for token in _issuer_tokens(le.issuer or "")}
        if not named or any(w not in issuers for w in words):
            return None
        letters = named
    if year is not None:
        start, end = year_span(year)
        letters = [le for le in letters if le.date and start <= le.date <= end]
    if not letters:
        return NO_LETTERS
    dated = sorted((le for le in letters if le.date), key=lambda le: le.date or "",
                   reverse=True)
    undated = [le for le in letters if not le.date]
    if NEWEST_RE.search(text) and dated:
        chosen, heading = dated[:1], "ฉบับล่าสุด (ตามวันที่ของหนังสือ):"
    elif OLDEST_RE.search(text) and dated:
        chosen, heading = dated[-1:], "ฉบับที่เก่าที่สุด (ตามวันที่ของหนังสือ):"
    else:
        chosen, heading = [*dated, *undated], f"พบหนังสือ {len(letters)} ฉบับ (ใหม่ไปเก่า):"
    lines = [heading]
    passages: list[Hit] = []
    for letter in chosen[:MAX_LISTED]:
        opening = searcher.letter_passages(letter.id, limit=1)
        if opening:
            passages.append(replace(opening[0], rank=len(passages) + 1))
            lines.append(f"{quote(letter_identity(letter))} [{len(passages)}]")
    if len(chosen) > MAX_LISTED:
        lines.append(f"… และอีก {len(chosen) - MAX_LISTED} ฉบับ")
    if undated and len(chosen) == 1:
        lines.append(f"(ไม่นับ {len(undated)} ฉบับที่อ่านวันที่ในต้นฉบับไม่ได้)")
    return LetterAnswer("\n".join(lines), passages, list(range(1, len(passages) + 1)))


def year_span(found: re.Match[str]) -> tuple[str, str]:
    """ISO dates bounding the year the question names: a calendar year, or a Thai fiscal
    year (ปีงบประมาณ 2568 runs from 1 October 2024 to 30 September 2025)."""
    number = int(found.group("year"))
    if number < 100:
        number += 2500  # "ปี 67"
    year = number - BE_OFFSET if number >= 2400 else number
    if "งบ" in found.group("kind"):
        return date(year - 1, 10, 1).isoformat(), date(year, 9, 30).isoformat()
    return date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()


@lru_cache(maxsize=4096)
def _issuer_name(issuer: str) -> str:
    """The issuer's first word, as a question would name it ("จังหวัดเชียงใหม่")."""
    return index_form(issuer.split()[0])


@lru_cache(maxsize=4096)
def _issuer_tokens(issuer: str) -> frozenset[str]:
    return frozenset(tokenize(index_form(issuer)))

"""A letter's outline, for questions that ask what a named letter says as a whole.

"สรุปหนังสือ ว 10303 ให้หน่อย", "ว ๓๓๙ มีสาระสำคัญอย่างไร", "บันทึก 19355 มีเนื้อหาอะไร
บ้าง", "มท 0211.6/ว 10303 มีกี่ข้อ": the question names a letter and nothing of it but
the letter itself. Search ranks one item of it first (the citation lookup finds no item
to put first), and the answer then quoted that item, as if the letter said one thing.
An official asking this wants the letter's outline:

    หนังสือที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓ ลงวันที่ ๒๔ ตุลาคม ๒๕๖๗ จาก กระทรวงมหาดไทย เรื่อง ... [1]
    ตามที่กระทรวงมหาดไทยได้จัดการประชุม ... [1]
    เนื้อหา 15 ข้อ:
    ๑. ... [2]
    ...
    สิ่งที่ส่งมาด้วย: แนวทางการส่งเสริม ... (10 ข้อ) [17]

The opening paragraphs' first sentences, then the first line of each top-level item
or table row, each citing its passage. A letter whose body has no items (a cover
letter, a memo forwarding a summary table) lists its enclosures' items instead;
otherwise each enclosure is one line with its count.

A question is an overview question when it names one letter number of a letter the
index holds (and the filters allow), no item, no fact of the letter's header
(`retriever.answer_types.LETTER_FACTS`: those have their own line) and no kind of
answer (an amount, a deadline), and, the number and any date given set aside (a date
must be the letter's), every content word left is a word of asking for an overview
(`OVERVIEW_WORDS`) or a word of the letter's subject or issuer ("หนังสือจังหวัดชัยภูมิ
ว 3053 สั่งอะไรบ้าง"). "ว 10303 เรื่องน้ำท่วมว่าอย่างไร" asks about one topic, "ว 10303
ประเด็นที่ 3" about one part, "สรุป ว 339 และ ว 469" about two letters: search answers
those better.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from circulars.models import Hit, Letter
from indexer.doc_numbers import DOC_NO_RE, parse_match
from indexer.normalize import index_form
from indexer.sentences import split_sentences
from indexer.thai_dates import DATE_PATTERN, parse_thai_date
from indexer.thai_tokens import tokenize
from retriever.answer_types import asked_kinds, asked_letter_facts
from retriever.query import LETTER_NUMBER_RE, RUNNING_NUMBER_RE, find_citation
from retriever.search import Filters, Searcher
from retriever.terms import question_terms
from service.extractive import cut, quote
from service.letter_facts import letter_identity

MAX_LETTERS = 3  # a running number several held letters share
MAX_LISTED = 15  # items listed per part; the rest are counted
OPENING_PARAGRAPHS = 2
LINE_CHARS = 160
OPENING_CHARS = 260

OVERVIEW_WORDS = frozenset({
    "สรุป", "สาระสำคัญ", "สาระ", "สำคัญ", "ใจความ", "เนื้อหา", "รายละเอียด", "ภาพรวม",
    "โดยย่อ", "ย่อ", "คร่าวๆ", "คร่าว", "ๆ", "สั้นๆ", "สั้น", "หนังสือ", "หนังสือเวียน",
    "เวียน", "บันทึก", "บันทึกข้อความ", "ฉบับ", "ฉบับนี้", "นี้", "ว่าด้วย", "เกี่ยวกับ",
    "ข้อสั่งการ", "สั่งการ", "สั่ง", "ประเด็น", "หัวข้อ", "แจ้ง", "กล่าว", "ระบุ", "เขียน",
    "บอก", "อธิบาย", "ขอ", "ดู", "ช่วย", "หน่อย", "ทั้งหมด", "ไว้", "อยาก", "ทราบ", "รู้",
    "ขอทราบ", "เลขที่", "ที่", "ฉบับที่", "ด้วย", "นั้น", "ดังกล่าว", "ใจความสำคัญ",
    "พูดถึง", "พูด", "ถึง", "ขอให้", "แบบ", "โดยสรุป", "อ่าน", "ฟัง", "ข้อความ", "ทั้ง",
})
# A date given with the number names the letter ("ว 10303 ลงวันที่ 24 ต.ค. 67"); it
# does not ask for one.
_STATED_DATE_RE = re.compile(rf"(?:ลง|เมื่อ)?(?:วันที่)?\s*(?<![0-9]){DATE_PATTERN}")
# What asks for a letter's content, for `service.inventory` ("หนังสือล่าสุดว่าอย่างไร").
OVERVIEW_ASK_RE = re.compile(r"สรุป|สาระ|ใจความ|เนื้อหา|ว่า(?:ด้วย)?\s?(?:อย่างไร|ยังไง|อะไร)"
                             r"|สั่ง(?:การ)?\s?(?:อะไร|ไว้)|ให้ทำอะไร")
CLOSING_RE = re.compile(r"^\s*จึง(?:เรียน|แจ้ง)")
_TOP_ITEM_RE = re.compile(r"^\d+$")
_TRAILING_NUMBER_RE = re.compile(r"\d+$")
_OPENING_KINDS = frozenset({"preamble", "paragraph", "text"})  # .jsonl documents: paragraphs


@dataclass(frozen=True)
class LetterAnswer:
    """An answer composed from the letters' own structure, not from search: its text
    with [n] markers, the passages they name, and the markers used."""

    text: str
    passages: list[Hit]
    markers: list[int]


def letter_overview(searcher: Searcher, question: str,
                    filters: Filters | None = None) -> LetterAnswer | None:
    """The outline of the letter the question names, or None when the question is not
    an overview question or no letter it names is held (and allowed by `filters`)."""
    citation = find_citation(question)
    text = index_form(question)
    if citation is None or citation.item or len(numbers_named(text)) > 1:
        return None
    stated = [parse_thai_date(m.group(0)) for m in _STATED_DATE_RE.finditer(text)]
    text = _STATED_DATE_RE.sub(" ", text)
    if asked_letter_facts(text) or asked_kinds(text):
        return None
    letters = [le for le in searcher.letters_numbered(question)
               if searcher.letter_passages(le.id, filters, limit=1)]
    if any(stated):
        letters = [le for le in letters if le.date in stated]
    terms = question_terms(without_numbers(text))
    letters = [le for le in letters if all(t in OVERVIEW_WORDS or t in named_by(le)
                                           for t in terms)]
    if not letters:
        return None
    found = outline(searcher, letters[:MAX_LETTERS], filters)
    if not found.passages:
        return None  # nothing but headers: search quotes the text instead
    if len(letters) > MAX_LETTERS:
        note = f"(เลขนี้ตรงกับหนังสือ {len(letters)} ฉบับ แสดง {MAX_LETTERS} ฉบับแรก)"
        found = LetterAnswer(f"{found.text}\n{note}", found.passages, found.markers)
    return found


def outline(searcher: Searcher, letters: list[Letter],
            filters: Filters | None = None) -> LetterAnswer:
    """The outlines of `letters`, one after another, markers numbered across them; a
    letter with nothing to outline but its header is left out."""
    lines: list[str] = []
    shown = CitedPassages()
    for letter in letters:
        passages = searcher.letter_passages(letter.id, filters)
        own = _outline(letter, passages, shown) if passages else []
        if own and lines:
            lines.append("")
        lines.extend(own)
    return shown.answer(lines)


def numbers_named(text: str) -> set[str]:
    """The distinct running numbers of the letters the (index-form) question names
    ("ขม 0017.2/ว 38028" and "ว 38028" are one)."""
    full = {_TRAILING_NUMBER_RE.search(parse_match(m).normal) for m in DOC_NO_RE.finditer(text)}
    return ({found.group(0).lstrip("0") for found in full if found}
            | {m.group("number").lstrip("0") for m in RUNNING_NUMBER_RE.finditer(text)}
            | {m.group("number").lstrip("0") for m in LETTER_NUMBER_RE.finditer(text)})


def without_numbers(text: str) -> str:
    """The question without the letter number it names: what is left is what it asks
    (an extra number, "ประเด็นที่ 3", asks for a part of the letter)."""
    for pattern in (DOC_NO_RE, RUNNING_NUMBER_RE, LETTER_NUMBER_RE):
        text = pattern.sub(" ", text)
    return text


def named_by(letter: Letter) -> frozenset[str]:
    """Words that name the letter: its subject's and issuer's."""
    return word_set(" ".join(filter(None, (letter.subject, letter.issuer))))


@lru_cache(maxsize=4096)
def word_set(text: str) -> frozenset[str]:
    """The words of a subject or issuer (index form), cached: a few distinct ones are
    read again for every letter-level question."""
    return frozenset(tokenize(index_form(text)))


class CitedPassages:
    """The passages an answer cites, each once, numbered as first cited."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self._markers: dict[str, int] = {}

    def marker(self, hit: Hit) -> int:
        if hit.chunk_id not in self._markers:
            self.hits.append(hit)
            self._markers[hit.chunk_id] = len(self.hits)
        return self._markers[hit.chunk_id]

    def answer(self, lines: list[str]) -> LetterAnswer:
        """The answer of these lines, its passages ranked by their markers."""
        ranked = [replace(hit, rank=rank) for rank, hit in enumerate(self.hits, 1)]
        return LetterAnswer("\n".join(lines), ranked, list(range(1, len(ranked) + 1)))


def _outline(letter: Letter, passages: list[Hit], shown: CitedPassages) -> list[str]:
    """The letter's outline lines, each ending in its passage's marker in `shown`; none
    when the letter has nothing but its header to show."""
    parts: dict[int, list[Hit]] = {}
    for hit in passages:
        parts.setdefault(hit.part_index, []).append(hit)
    body = parts.pop(0, [])
    openings = [h for h in body if h.kind in _OPENING_KINDS and not CLOSING_RE.match(h.text)]
    body_units = _units(body)
    if not (openings or body_units or parts):
        return []
    marker = shown.marker
    lines = [f"{quote(letter_identity(letter))} [{marker(passages[0])}]"]
    for hit in openings[:OPENING_PARAGRAPHS]:
        lines.append(f"{quote(_first_sentence(hit.text, OPENING_CHARS))} [{marker(hit)}]")
    if body_units:
        lines.extend(_listed("เนื้อหา", body_units, marker))
    for attached in parts.values():
        title = attached[0].part
        units = _units(attached)
        if body_units or not units:
            count = f" ({len(units)} ข้อ)" if units else ""
            lines.append(f"สิ่งที่ส่งมาด้วย: {quote(cut(title, LINE_CHARS))}{count} "
                         f"[{marker(attached[0])}]")
        else:
            lines.extend(_listed(f"สิ่งที่ส่งมาด้วย: {quote(cut(title, LINE_CHARS))}",
                                 units, marker))
    return lines


def _units(hits: list[Hit]) -> list[Hit]:
    """A part's top-level items and its table rows, each once (a long item split at
    sentences is one unit), in reading order."""
    units: list[Hit] = []
    seen: set[str] = set()
    for hit in hits:
        top_item = hit.kind == "item" and _TOP_ITEM_RE.match(hit.item.split("#")[0])
        if (top_item or hit.kind == "row") and hit.item not in seen:
            seen.add(hit.item)
            units.append(hit)
    return units


def _listed(label: str, units: list[Hit], marker: Callable[[Hit], int]) -> list[str]:
    lines = [f"{label} {len(units)} ข้อ:"]
    for hit in units[:MAX_LISTED]:
        lines.append(f"{quote(_first_line(hit))} [{marker(hit)}]")
    if len(units) > MAX_LISTED:
        lines.append(f"… และอีก {len(units) - MAX_LISTED} ข้อ")
    return lines


def first_line(text: str) -> str:
    """An item's heading: its first line (the heading, when the item has one), its
    whitespace squeezed."""
    return " ".join(text.strip().split("\n", 1)[0].split())


def _first_line(hit: Hit) -> str:
    """`first_line`, at most `LINE_CHARS`. A table row's number sits in a cell of its
    own, so it is put in front ("3. ...")."""
    first = first_line(hit.text)
    if hit.kind == "row" and _TOP_ITEM_RE.match(hit.item) and not first[:1].isdigit():
        first = f"{hit.item}. {first}"
    return cut(first, LINE_CHARS)


def _first_sentence(text: str, limit: int) -> str:
    units = split_sentences(text)
    return cut(units[0] if units else " ".join(text.split()), limit)


"""Two named letters side by side: how they differ, or how they relate.

"ว 469 กับ ว 339 ต่างกันอย่างไร", "ว 52 เกี่ยวข้องกับบันทึก 19355 อย่างไร": a province
relays a ministry's directives in a letter of its own, and an official holding both
asks what the province's copy adds or leaves out. Search ranked one item of one of
them first, and the answer quoted it, which answers nothing about the pair. The
answer is now the two letters compared passage by passage, with the test that merges
relayed copies in search results (`Searcher.copies_between`):

    เปรียบเทียบหนังสือ 2 ฉบับ:
    หนังสือที่ นร ๐๐๑๗.๒/ว ๔๖๙ ... [1]
    หนังสือที่ มท ๐๒๑๑.๖/ว ๓๓๙ ... [2]
    ข้อความที่ตรงกัน: 46 จาก 52 ตอนของ นร ๐๐๑๗.๒/ว ๔๖๙ มีใน มท ๐๒๑๑.๖/ว ๓๓๙ ด้วย ...
    มีเฉพาะใน นร ๐๐๑๗.๒/ว ๔๖๙ (6 ตอน):
    ตามหนังสือที่อ้างถึง จังหวัดนราธิวาสได้เชิญ... [3]
    ...

A letter's closing line ("จึงเรียนมาเพื่อโปรดทราบ") is alike in most letters and is
left out of both the count and the lists. Two letters sharing no passage get each
letter's outline (`service.overview`) under a line saying so. One that cites the
other ("อ้างถึง") gets a line saying that as well.

A question is such a question when it names exactly two held letters and, their
numbers set aside, every content word left asks to compare them (`COMPARE_WORDS`), asks
for an overview, or names one of the two letters (its subject or issuer); asking only
for an overview of both ("สรุป ว 339 และ ว 469") gets both outlines.
"""

from __future__ import annotations

import re
from dataclasses import replace

from circulars.models import Hit, Letter
from indexer.doc_numbers import DOC_NO_RE
from indexer.normalize import index_form
from retriever.query import LETTER_NUMBER_RE, RUNNING_NUMBER_RE
from retriever.search import Filters, Searcher, letter_keys
from retriever.terms import question_terms
from service.extractive import cut, quote
from service.letter_facts import letter_identity
from service.overview import (
    CLOSING_RE,
    LINE_CHARS,
    OVERVIEW_WORDS,
    LetterAnswer,
    first_line,
    named_by,
    numbers_named,
    outline,
    without_numbers,
)

MAX_LISTED = 8  # passages listed as one letter's own; the rest are counted
# Share of the shorter letter's passages that must be copies for the two to be one
# text relayed (ว 469 holds 51 of ว 339's 69); below it, unrelated letters sharing a
# stock sentence get their outlines instead.
RELAYED_SHARE = 0.3
# Character-trigram overlap from which one item number in two letters relaying one
# another is one item reworded. ว 339 ข้อ 4.5, OCR-garbled and run into the next item,
# shares 0.25 with ว 469's; two unrelated passages of those letters share under 0.1.
REWORDED_OVERLAP = 0.2
OWN_ENCLOSURE_SHARE = 0.75
ENCLOSED = "สิ่งที่ส่งมาด้วย"  # a reference's `via` when the letter encloses the other
NUMBERED_KINDS = frozenset({"item", "row"})  # "p2" is each letter's own paragraph
COMPARE_RE = re.compile(r"ต่าง|เหมือน|เทียบ|เกี่ยว|สัมพันธ์|ตรงกัน|ซ้ำ|เดียวกัน|เพิ่ม|ขาด")
COMPARE_WORDS = OVERVIEW_WORDS | {
    "ต่าง", "ต่างกัน", "แตกต่าง", "ความแตกต่าง", "ความต่าง", "ต่างจาก", "เหมือน",
    "เหมือนกัน", "เหมือนกับ", "ความเหมือน", "เทียบ", "เปรียบเทียบ", "เทียบกับ", "เกี่ยวข้อง",
    "เกี่ยวข้องกัน", "ความเกี่ยวข้อง", "สัมพันธ์", "ความสัมพันธ์", "ตรงกัน", "ซ้ำ", "ซ้ำกัน",
    "กัน", "เดียวกัน", "กับ", "ระหว่าง", "จาก", "ตรงไหน", "ตรง", "ส่วน", "เพิ่ม", "เพิ่มเติม",
    "ขาด", "ต่อ", "ส่งต่อ", "เรื่อง", "บ้าง", "และ", "หรือ",
}


def letters_compared(searcher: Searcher, question: str,
                     filters: Filters | None = None) -> LetterAnswer | None:
    """The two letters the question names, compared (or both outlined), or None when
    the question is not about two held letters as wholes."""
    text = index_form(question)
    if len(numbers_named(text)) != 2:
        return None
    letters = _letters_named(searcher, text, filters)
    if len(letters) != 2:
        return None
    words = question_terms(without_numbers(text))
    names = named_by(letters[0]) | named_by(letters[1])
    if any(w not in COMPARE_WORDS and w not in names for w in words):
        return None
    if COMPARE_RE.search(without_numbers(text)) is None:
        if any(w not in OVERVIEW_WORDS and w not in names for w in words):
            return None
        found = outline(searcher, letters, filters)
        return found if found.passages else None
    return _compared(searcher, letters[0], letters[1], filters)


def _letters_named(searcher: Searcher, text: str, filters: Filters | None) -> list[Letter]:
    """The held letters (that `filters` allow) each number in `text` names, in the
    question's order, each once; a number naming several letters names none of them."""
    spans = sorted((m.start(), m.group(0)) for pattern in
                   (DOC_NO_RE, RUNNING_NUMBER_RE, LETTER_NUMBER_RE)
                   for m in pattern.finditer(text))
    letters: dict[str, Letter] = {}
    for _, named in spans:
        found = [le for le in searcher.letters_numbered(named)
                 if searcher.letter_passages(le.id, filters, limit=1)]
        if len(found) == 1:
            letters.setdefault(found[0].id, found[0])
    return list(letters.values())


def _compared(searcher: Searcher, first: Letter, second: Letter,
              filters: Filters | None) -> LetterAnswer:
    own = {le.id: [h for h in searcher.letter_passages(le.id, filters)
                   if not CLOSING_RE.match(h.text)] for le in (first, second)}
    copies = {first.id: set(searcher.copies_between(first.id, second.id)),
              second.id: set(searcher.copies_between(second.id, first.id))}
    shared = len([h for h in own[first.id] if h.chunk_id in copies[first.id]])
    if shared < max(2, RELAYED_SHARE * min(len(own[first.id]), len(own[second.id]))):
        return _outlined(searcher, first, second, shared, filters)
    passages: list[Hit] = []

    def marker(hit: Hit) -> int:
        passages.append(replace(hit, rank=len(passages) + 1))
        return len(passages)

    lines = ["เปรียบเทียบหนังสือ 2 ฉบับ:"]
    for letter in (first, second):
        opening = searcher.letter_passages(letter.id, filters, limit=1)[0]
        lines.append(f"{quote(letter_identity(letter))} [{marker(opening)}]")
    lines.extend(citing_lines(first, second))
    lines.append(f"ข้อความที่ตรงกัน: {shared} จาก {len(own[first.id])} ตอนของ {_name(first)} "
                 f"มีใน {_name(second)} ด้วย (ข้อความเดียวกันที่ส่งต่อกันมา)")
    alone = {le.id: [h for h in own[le.id] if h.chunk_id not in copies[le.id]]
             for le in (first, second)}
    reworded = _reworded(searcher, alone[first.id], alone[second.id])
    if reworded:
        lines.append(f"ข้อเดียวกันแต่ถ้อยคำต่างกัน ({len(reworded)} ข้อ):")
        for one, other in reworded[:MAX_LISTED]:
            lines.append(f"ข้อ {one.item}: {quote(cut(first_line(one.text), LINE_CHARS))} "
                         f"[{marker(one)}] / {quote(cut(first_line(other.text), LINE_CHARS))} "
                         f"[{marker(other)}]")
        if len(reworded) > MAX_LISTED:
            lines.append(f"… และอีก {len(reworded) - MAX_LISTED} ข้อ")
    paired = {h.chunk_id for pair in reworded for h in pair}
    for letter in (first, second):
        left = [h for h in alone[letter.id] if h.chunk_id not in paired]
        if not left:
            lines.append(f"ทุกตอนของ {_name(letter)} มีในอีกฉบับด้วย")
            continue
        lines.append(f"มีเฉพาะใน {_name(letter)} ({len(left)} ตอน):")
        whole = _whole_parts(left, searcher.letter_passages(letter.id, filters))
        shown = _heads(left, whole)
        for hit in shown[:MAX_LISTED]:
            line = cut(first_line(hit.text), LINE_CHARS)
            if hit.part_index in whole:
                line = f"สิ่งที่ส่งมาด้วย: {cut(hit.part, LINE_CHARS)} ({whole[hit.part_index]} ตอน)"
            lines.append(f"{quote(line)} [{marker(hit)}]")
        if len(shown) > MAX_LISTED:
            lines.append(f"… และอีก {len(shown) - MAX_LISTED} รายการ")
    return LetterAnswer("\n".join(lines), passages, list(range(1, len(passages) + 1)))


def _outlined(searcher: Searcher, first: Letter, second: Letter, shared: int,
              filters: Filters | None) -> LetterAnswer:
    """Two letters that do not relay one another: each one's outline, under a line
    saying how little they share."""
    found = outline(searcher, [first, second], filters)
    same = (f"มีข้อความตรงกันเพียง {shared} ตอน" if shared
            else "สองฉบับไม่มีข้อความที่ตรงกัน")
    heading = [f"เปรียบเทียบหนังสือ 2 ฉบับ: {same}", *citing_lines(first, second),
               "เนื้อหาของแต่ละฉบับ:", ""]
    return LetterAnswer("\n".join([*heading, found.text]), found.passages, found.markers)


def _reworded(searcher: Searcher, first: list[Hit], second: list[Hit]) -> list[tuple[Hit, Hit]]:
    """Passages of the two letters that hold the same numbered item in other words (an
    edit, or OCR damage beyond the copy test): same item number, and much of the
    characters shared."""
    by_item = {h.item: h for h in second}
    pairs = []
    for hit in first:
        other = by_item.get(hit.item)
        if (other is not None and hit.kind in NUMBERED_KINDS and other.kind == hit.kind
                and hit.part_index == other.part_index
                and searcher.character_overlap(hit.chunk_id, other.chunk_id) >= REWORDED_OVERLAP):
            pairs.append((hit, other))
    return pairs


def _whole_parts(alone: list[Hit], passages: list[Hit]) -> dict[int, int]:
    """The enclosures (part index: own passage count) that are mostly the letter's own:
    one line each says so, instead of a line per row. Mostly: a stock sentence or a
    short heading of an enclosure may be in the other letter too."""
    counts: dict[int, int] = {}
    for hit in passages:
        counts[hit.part_index] = counts.get(hit.part_index, 0) + 1
    own: dict[int, int] = {}
    for hit in alone:
        own[hit.part_index] = own.get(hit.part_index, 0) + 1
    return {part: n for part, n in own.items()
            if part != 0 and n >= OWN_ENCLOSURE_SHARE * counts[part]}


def _heads(alone: list[Hit], whole: dict[int, int]) -> list[Hit]:
    """The passages that stand for the letter's own text: an item whose parent item is
    its own too is said by the parent's line, and a whole enclosure by its first."""
    own_items = {(h.part_index, h.item) for h in alone}
    heads: list[Hit] = []
    seen_parts: set[int] = set()
    for hit in alone:
        if hit.part_index in whole:
            if hit.part_index not in seen_parts:
                seen_parts.add(hit.part_index)
                heads.append(hit)
            continue
        parent = hit.item.rsplit(".", 1)[0] if "." in hit.item else None
        if parent is None or (hit.part_index, parent) not in own_items:
            heads.append(hit)
    return heads


def citing_lines(first: Letter, second: Letter) -> list[str]:
    """"A อ้างถึง B" (or "A ส่ง B มาด้วย", as an enclosure) for each of the two whose
    header names the other."""
    lines = []
    for letter, other in ((first, second), (second, first)):
        keys = set(letter_keys(other.doc_no))
        for ref in letter.references:
            if keys & set(letter_keys(ref.doc_no)):
                how = ("ส่ง {} มาด้วย" if ref.via == ENCLOSED else "อ้างถึง {}").format(_name(other))
                lines.append(f"{_name(letter)} {how}")
                break
    return lines


def _name(letter: Letter) -> str:
    return letter.doc_no_raw or letter.doc_no or letter.id


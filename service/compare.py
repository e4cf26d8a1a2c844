"""Two named letters side by side: how they differ, or how they relate.

"ว 469 กับ ว 339 ต่างกันอย่างไร", "ว 3053 กับ ว 12505 สั่งเรื่องเดียวกันหรือไม่": a province
relays a ministry's directives in a letter of its own, and an official holding both
asks what the province's copy changes, adds or leaves out. Search ranked one item of
one of them first, and the answer quoted it, which answers nothing about the pair.
The answer now compares the two passage by passage. The passages the two share are
found with the test that merges relayed copies in search results
(`Searcher.copies_between`); that test is loose on purpose (OCR damages one copy), so
each shared pair is then read word by word:

    เปรียบเทียบหนังสือ 2 ฉบับ:
    หนังสือที่ ขย ๐๐๒๓.๖/ว ๓๐๕๓ ... [1]
    หนังสือที่ มท ๐๘๑๐.๖/ว ๑๒๕๐๕ ... [2]
    ข้อความที่ส่งต่อกันมา: 4 จาก 4 ตอนของ ว 3053 มีใน ว 12505 ด้วย
    ต่างกันตรงถ้อยคำหรือตัวเลข (2 ตอน):
    ว 3053 ข้อ 3: …แบบรายงานที่กำหนด ทุกวันที่ ๒๐ ของเดือน จนถึงเดือนกันยายน… [3]
    ว 12505 ข้อ 4: …Google Sheet ทุกวันที่ ๒๕ ของเดือน จนถึงเดือนกันยายน… [4]
    ...
    มีเฉพาะใน ว 12505 (...):

A pair is the same text when its words are the same, or when only OCR could have
told them apart: the same numbers, and nearly all characters shared (`SAME_OVERLAP`).
Any other pair is listed with the stretch where it differs: first the pairs where a
number stands against another (a day, an amount), then those where one has numbers
the other lacks (a deadline left out), then the rest. An item printed under the same number
in both letters but garbled past the copy test (ว 339 ข้อ 4.5) is such a pair too.
What each letter has alone follows; an enclosure that is mostly one letter's own is
one line ("สิ่งที่ส่งมาด้วย: สรุปข้อสั่งการ (13 ตอน)"), and an item under an item of its
own is said by its parent's line. Closing lines ("จึงเรียนมาเพื่อโปรดทราบ") are alike
in most letters and left out. One letter citing or enclosing the other ("อ้างถึง")
gets a line saying so. Two letters sharing little (`RELAYED_SHARE`) get each one's
outline (`service.overview`) under a line saying how much they share.

A question is such a question when it names exactly two held letters and, their
numbers set aside, every content word left asks to compare them (`COMPARE_WORDS`), asks
for an overview, or names one of the two letters (its subject or issuer); asking only
for an overview of both ("สรุป ว 339 และ ว 469", "ว 339 และ ว 469 เกี่ยวกับอะไร") gets
both outlines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from pythainlp.tokenize import word_tokenize

from circulars.models import Hit, Letter
from indexer.doc_numbers import DOC_NO_RE
from indexer.items import match_marker
from indexer.normalize import index_form
from retriever.query import LETTER_NUMBER_RE, RUNNING_NUMBER_RE
from retriever.search import Filters, Searcher, parent_item
from retriever.terms import question_terms
from service.citations import item_label
from service.extractive import cut, quote
from service.letter_facts import letter_identity, short_number
from service.overview import (
    CLOSING_RE,
    LINE_CHARS,
    OVERVIEW_WORDS,
    CitedPassages,
    LetterAnswer,
    first_line,
    named_by,
    numbers_named,
    outline,
    without_numbers,
)

MAX_LISTED = 8  # lines listed per kind of difference; the rest are counted
# Share of the shorter letter's passages that must be copies for the two to be one
# text relayed (ว 469 holds 49 of its 53 passages from ว 339); below it, unrelated
# letters sharing a stock sentence get their outlines instead.
RELAYED_SHARE = 0.3
# Character-trigram overlap from which a copy pair with the same numbers is the same
# text, its differences OCR's. Of ว 469's 49 pairs with ว 339, 15 are word for word and
# 15 more reach 0.9; below it lie the province's own rewordings (its opening, 0.72) and
# heavier OCR damage: 19 pairs are listed, one (ข้อ 2.1) with other numbers.
SAME_OVERLAP = 0.9
# From this overlap, one item number in two relaying letters is one item garbled: ว 339
# ข้อ 4.5, OCR-damaged and run into the next item, shares 0.25 with ว 469's.
REWORDED_OVERLAP = 0.2
OWN_ENCLOSURE_SHARE = 0.75
ENCLOSED = "สิ่งที่ส่งมาด้วย"  # a reference's `via` when the letter encloses the other
NUMBERED_KINDS = frozenset({"item", "row"})  # "p2" is each letter's own paragraph
CONTEXT_WORDS = 8  # tokens (words, spaces) shown on each side of where two passages differ
CHANGED_WORDS = 16  # of a long changed stretch, the tokens shown
NUMBER_ONLY = "(มีแต่เลขข้อ)"
WINDOW_CHARS = 240
DIGITS_RE = re.compile(r"\d+")
COMPARE_RE = re.compile(r"ต่าง|เหมือน|เทียบ|เกี่ยว(?!กับ)|สัมพันธ์|ตรงกัน|ซ้ำ|เดียวกัน|เพิ่ม|ขาด")
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


@dataclass(frozen=True)
class _Pair:
    first: Hit
    second: Hit
    numbers: int  # 0: a number stands against another, 1: numbers added or left out, 2: same


def _compared(searcher: Searcher, first: Letter, second: Letter,
              filters: Filters | None) -> LetterAnswer | None:
    passages = {le.id: searcher.letter_passages(le.id, filters) for le in (first, second)}
    own = {le_id: [h for h in hits if not CLOSING_RE.match(h.text)]
           for le_id, hits in passages.items()}
    copies_first = searcher.copies_between(first.id, second.id)
    shared = [h for h in own[first.id] if h.chunk_id in copies_first]
    if len(shared) < max(2, RELAYED_SHARE * min(len(own[first.id]), len(own[second.id]))):
        return _outlined(searcher, first, second, len(shared), filters)
    copies_second = searcher.copies_between(second.id, first.id)
    by_id = {h.chunk_id: h for h in own[second.id]}
    cited = CitedPassages()
    lines = ["เปรียบเทียบหนังสือ 2 ฉบับ:"]
    for letter in (first, second):
        lines.append(f"{quote(letter_identity(letter))} [{cited.marker(passages[letter.id][0])}]")
    lines.extend(citing_lines(first, second))
    names = {first.id: short_number(first), second.id: short_number(second)}
    lines.append(f"ข้อความที่ส่งต่อกันมา: {len(shared)} จาก {len(own[first.id])} ตอนของ "
                 f"{names[first.id]} มีใน {names[second.id]} ด้วย")
    alone = {first.id: [h for h in own[first.id] if h.chunk_id not in copies_first],
             second.id: [h for h in own[second.id] if h.chunk_id not in copies_second]}
    pairs = [pair for hit in shared if copies_first[hit.chunk_id] in by_id
             if (pair := _differing(searcher, hit, by_id[copies_first[hit.chunk_id]]))]
    pairs += _garbled(searcher, alone[first.id], alone[second.id])
    lines.extend(_difference_lines(pairs, names[first.id], names[second.id], cited))
    paired = {h.chunk_id for pair in pairs for h in (pair.first, pair.second)}
    for letter in (first, second):
        left = [h for h in alone[letter.id] if h.chunk_id not in paired]
        lines.extend(_alone_lines(names[letter.id], left, passages[letter.id], cited))
    return cited.answer(lines)


def _difference_lines(pairs: list[_Pair], first_name: str, second_name: str,
                      cited: CitedPassages) -> list[str]:
    """The shared passages that differ, each pair at the stretch where it differs, the
    most telling number differences first."""
    if not pairs:
        return ["ข้อความที่ส่งต่อกันมาตรงกันทุกตอน"]
    lines = [f"ต่างกันตรงถ้อยคำหรือตัวเลข ({len(pairs)} ตอน):"]
    for pair in sorted(pairs, key=lambda p: p.numbers)[:MAX_LISTED]:
        one, other = _difference(pair.first.text, pair.second.text)
        lines.append(f"{first_name} {_where(pair.first)}: {quote(one)} "
                     f"[{cited.marker(pair.first)}]")
        lines.append(f"{second_name} {_where(pair.second)}: {quote(other)} "
                     f"[{cited.marker(pair.second)}]")
    if len(pairs) > MAX_LISTED:
        lines.append(f"… และอีก {len(pairs) - MAX_LISTED} ตอน")
    lines.append("(บางจุดอาจต่างเพราะการอ่านตัวอักษรจากภาพ (OCR) ไม่ใช่เนื้อหา)")
    return lines


def _alone_lines(name: str, left: list[Hit], passages: list[Hit],
                 cited: CitedPassages) -> list[str]:
    """What one letter has that the other lacks (`left`), among all its `passages`."""
    if not left:
        return [f"ทุกตอนของ {name} มีในอีกฉบับด้วย"]
    lines = [f"มีเฉพาะใน {name} ({len(left)} ตอน):"]
    whole = _whole_parts(left, passages)
    shown = _heads(left, whole)
    for hit in shown[:MAX_LISTED]:
        line = cut(first_line(hit.text), LINE_CHARS)
        if hit.part_index in whole:
            line = f"สิ่งที่ส่งมาด้วย: {cut(hit.part, LINE_CHARS)} ({whole[hit.part_index]} ตอน)"
        lines.append(f"{quote(line)} [{cited.marker(hit)}]")
    if len(shown) > MAX_LISTED:
        lines.append(f"… และอีก {len(shown) - MAX_LISTED} รายการ")
    return lines


def _where(hit: Hit) -> str:
    """Where in its letter a passage is: "ข้อ 2.1", "แถวที่ 1", and the enclosure's
    number for an enclosure's ("สิ่งที่ส่งมาด้วย 1 แถวที่ 1")."""
    label = f"แถวที่ {hit.item.split('#')[0]}" if hit.kind == "row" else item_label(hit.item)
    return f"สิ่งที่ส่งมาด้วย {hit.part_index} {label}" if hit.part_index else label


def _outlined(searcher: Searcher, first: Letter, second: Letter, shared: int,
              filters: Filters | None) -> LetterAnswer | None:
    """Two letters that do not relay one another: each one's outline, under a line
    saying how little they share; None when neither has anything to outline."""
    found = outline(searcher, [first, second], filters)
    if not found.passages:
        return None
    same = (f"มีข้อความตรงกันเพียง {shared} ตอน" if shared
            else "สองฉบับไม่มีข้อความที่ตรงกัน")
    outlined = {hit.doc_id for hit in found.passages}
    missing = [f"({short_number(le)} ไม่มีเนื้อหาให้สรุป)"
               for le in (first, second) if le.id not in outlined]
    heading = [f"เปรียบเทียบหนังสือ 2 ฉบับ: {same}", *citing_lines(first, second),
               "เนื้อหาของแต่ละฉบับ:", *missing, ""]
    return LetterAnswer("\n".join([*heading, found.text]), found.passages, found.markers)


def _unnumbered(text: str) -> str:
    """A passage without its leading item number: a province renumbers the ministry's
    items 2-4 as 1-3, which is no difference of what they say."""
    marker = match_marker(text.strip())
    return text.strip()[len(marker.printed):] if marker else text


def _comparable(text: str) -> str:
    """A passage's words for comparison: unnumbered, index form, no spaces."""
    return index_form(_unnumbered(text)).replace(" ", "")


def _differing(searcher: Searcher, hit: Hit, other: Hit) -> _Pair | None:
    """The pair, when the copy test matched two passages that are not the same text."""
    one, two = _comparable(hit.text), _comparable(other.text)
    if one == two:
        return None
    numbers, other_numbers = DIGITS_RE.findall(one), DIGITS_RE.findall(two)
    if numbers == other_numbers and searcher.character_overlap(
            hit.chunk_id, other.chunk_id) >= SAME_OVERLAP:
        return None
    return _Pair(hit, other, _numbers_changed(numbers, other_numbers))


def _numbers_changed(numbers: list[str], other_numbers: list[str]) -> int:
    """How the two texts' numbers differ, most telling first: 0 when a number of one
    stands where the other has another (a day, an amount changed), 1 when one has
    numbers the other lacks (a deadline left out, a clause added), 2 when they agree."""
    ops = {op for op, *_ in SequenceMatcher(
        None, numbers, other_numbers, autojunk=False).get_opcodes()}
    return 0 if "replace" in ops else 1 if ops - {"equal"} else 2


def _garbled(searcher: Searcher, first: list[Hit], second: list[Hit]) -> list[_Pair]:
    """Items of the same number, part and kind in both letters that the copy test
    missed but that still share much of their characters: one item, garbled."""
    by_item = {(h.part_index, h.kind, h.item): h for h in second}
    pairs = []
    for hit in first:
        other = by_item.get((hit.part_index, hit.kind, hit.item))
        if (other is not None and hit.kind in NUMBERED_KINDS
                and searcher.character_overlap(hit.chunk_id, other.chunk_id) >= REWORDED_OVERLAP):
            pairs.append(_Pair(hit, other, _numbers_changed(
                DIGITS_RE.findall(_comparable(hit.text)),
                DIGITS_RE.findall(_comparable(other.text)))))
    return pairs


def _difference(one: str, other: str) -> tuple[str, str]:
    """The stretch of each text around where they differ (first where a number stands
    against another, if one does), with a few words of context, "…" where cut; "(มีแต่
    เลขข้อ)" for a passage that is its item number alone."""
    words_one, words_other = (
        word_tokenize(" ".join(_unnumbered(text).split()), engine="newmm", keep_whitespace=True)
        for text in (one, other))
    keys_one = [index_form(w).strip() for w in words_one]
    keys_other = [index_form(w).strip() for w in words_other]
    changes = [op for op in SequenceMatcher(None, keys_one, keys_other, autojunk=False)
               .get_opcodes() if op[0] != "equal"
               and "".join(keys_one[op[1]:op[2]] + keys_other[op[3]:op[4]])]
    if not changes:
        return (cut(first_line(one), LINE_CHARS) or NUMBER_ONLY,
                cut(first_line(other), LINE_CHARS) or NUMBER_ONLY)
    def numbers_in(op: tuple[str, int, int, int, int]) -> int:
        return sum(bool(DIGITS_RE.search("".join(keys[a:b]))) for keys, a, b in (
            (keys_one, op[1], op[2]), (keys_other, op[3], op[4])))

    # Where a number stands against another, else where one is added or left out.
    _, start, end, other_start, other_end = max(changes, key=numbers_in)
    return (_window(words_one, start, end) or NUMBER_ONLY,
            _window(words_other, other_start, other_end) or NUMBER_ONLY)


def _window(words: list[str], start: int, end: int) -> str:
    """The changed tokens (words and the spaces between; at most `CHANGED_WORDS` of a
    long rewording) with `CONTEXT_WORDS` tokens of context each side."""
    end = min(end, start + CHANGED_WORDS)
    begin, stop = max(0, start - CONTEXT_WORDS), min(len(words), end + CONTEXT_WORDS)
    text = cut("".join(words[begin:stop]).strip(), WINDOW_CHARS)
    more = "…" if stop < len(words) and not text.endswith("…") else ""
    return f"{'…' if begin else ''}{text}{more}"


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
    own_items = {(h.part_index, h.item.split("#")[0]) for h in alone}
    heads: list[Hit] = []
    seen_parts: set[int] = set()
    for hit in alone:
        if hit.part_index in whole:
            if hit.part_index not in seen_parts:
                seen_parts.add(hit.part_index)
                heads.append(hit)
            continue
        parent = parent_item(hit.item)
        if parent is None or (hit.part_index, parent) not in own_items:
            heads.append(hit)
    return heads


def citing_lines(first: Letter, second: Letter) -> list[str]:
    """"A อ้างถึง B" (or "A ส่ง B มาด้วย", as an enclosure) for each of the two whose
    header cites the other by its whole number (another office's "กษ 0201/ว 339" is
    another letter than "มท 0211.6/ว 339")."""
    lines = []
    for letter, other in ((first, second), (second, first)):
        for ref in letter.references:
            if other.doc_no and ref.doc_no == other.doc_no:
                how = f"ส่ง {short_number(other)} มาด้วย" if ref.via == ENCLOSED else \
                    f"อ้างถึง {short_number(other)}"
                lines.append(f"{short_number(letter)} {how}")
                break
    return lines

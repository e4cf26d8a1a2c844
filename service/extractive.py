"""The default answerer: quote the sentences of the top passages that best answer.

No model is involved, so nothing can be invented: every sentence of the answer is
copied from a passage and ends with that passage's marker [n].

1. The top passage answers, joined only by those of the next `MAX_PASSAGES - 1`
   that cover the question's terms at least as well (IDF-weighted, headings
   included: `service.relevance.hit_tokens`; a sub-item of the top passage on its
   own words, see `answering_markers`). Quoting a runner-up that matches
   less well mostly adds a citation to the wrong item: on the dev questions,
   quoting from any of the top 5 gave citation precision 0.64 / F1 0.69; this
   rule gives 0.86 / 0.82 (`circulars eval`). Each kept passage is cut into Thai
   sentence units (`indexer.sentences`).
2. A sentence scores the IDF-weighted share of the question's terms it contains
   (`retriever.terms`), plus a small bonus for the passage's rank and for being the
   first sentence of its item (which states what the item is about).
3. The top passage's best sentence is always taken (the one covering most of the
   question, even below `MIN_SHARE`; its opening when none carries a term); then
   the best sentences until `MAX_SENTENCES` or `MAX_CHARS`, skipping any with less
   than `MIN_SHARE` of the question's weight, and any that repeat one already
   taken, then put back in reading order. A taken sentence ending in an
   enumeration's lead-in ("... ๔ รูปแบบ ดังนี้") brings the next units of its passage
   (`ENUMERATION_UNITS`, `ENUMERATION_CHARS`), as does one with a lead-in inside
   when the question asks for a list ("ได้แก่ ภาคราชการ ..." cut three names in).
   Repeats are judged on character trigrams (Jaccard >= `DUPLICATE_SHINGLES`), not
   words: the Searcher merges relayed copies of a directive, but OCR noise can
   leave two copies of the same sentence ("หนี้ครัวเรือน" / "หนึ่นคั่วเรือน") too
   different in words to merge.

A question about the letter itself ("ว 38028 ใครลงนาม", "อ้างถึงหนังสือฉบับใด"), whose
top passage is the letter's opening paragraph, gets a first line stating the asked
facts from the letter's header and signature (`service.letter_facts`), and quotes
that paragraph only: runner-ups cited other items or letters beside the answer (on
the 140 dev questions citation F1 0.787 -> 0.799, five questions up, none down).

A question that names a letter and item ("มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร")
asks for the item itself, so when the Searcher found it, its first sentences are
quoted in order, then the first sentence of each of its sub-items among the passages
(the Searcher puts them right after it): "ว 12505 ข้อ 9" is a bare heading whose
content is 9.1-9.4. A question asking for a whole list ("...มีอะไรบ้าง") is quoted the
same way when `service.lists` has put the list's heading and items first.

A quoted passage's headings get a line of their own above it ("ภายใต้หัวข้อ ...") when
they carry what the question asks and its quoted sentences do not: a table row's
speaker or policy heads the row, and "ที่ปรึกษาปลัดฯ ท่านไหน ..." is answered by the
heading's name, not by the row (dev keyword recall 0.716 -> 0.721, citations as before).

Square brackets inside quoted text become round ones, so text of a circular can
never pose as a citation marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from circulars.models import Hit
from indexer.normalize import index_form
from indexer.sentences import split_sentences
from indexer.thai_tokens import tokenize
from retriever.answer_types import asked_letter_facts, asks_which_letter
from retriever.query import find_citation
from retriever.search import OPENING_FACTS, Searcher
from retriever.terms import WeighedTerms
from service.letter_facts import letter_facts, letter_identity
from service.lists import asks_for_list
from service.relevance import heading_tokens, hit_tokens, own_tokens

MAX_PASSAGES = 5
MAX_SENTENCES = 3
ITEM_SENTENCES = 5  # an item asked for by number is quoted further
SUB_ITEMS_CHARS = 1_400  # ... and its sub-items' first sentences after it, up to this
MAX_CHARS = 700
DUPLICATE_SHINGLES = 0.5  # Jaccard of character trigrams
MIN_SHARE = 0.1  # a sentence must carry this much of the question's weight
RANK_BONUS = 0.1  # divided by the passage's rank
FIRST_SENTENCE_BONUS = 0.05
# An enumeration's lead-in, and how much of what follows it is quoted with it.
ENUMERATION_LEAD_RE = re.compile(r"ดังนี้|ได้แก่|ประกอบด้วย|(?<![0-9๐-๙]):")
ENUMERATION_END_RE = re.compile(r"(?:ดังนี้|ได้แก่|ประกอบด้วย|คือ|:)\s*$")
ENUMERATION_CHARS = 300
ENUMERATION_UNITS = 2
# Headings above the quoted passage are shown when they add this much of the
# question's weight to what its quoted sentences carry.
HEADING_GAIN = 0.1
HEADING_CHARS = 200
HEADING_LEAD = "ภายใต้หัวข้อ"
HEADING_CHAIN_CHARS = 320
MAX_LETTER_LINES = 3  # letters named for a question asking which letter
MARKER_AT_END_RE = re.compile(r"\[(\d+)\]$")
# "ใครเป็นผู้มอบนโยบาย", "ที่ปรึกษาท่านไหน", "รัฐมนตรีชื่ออะไร" (on the index form); a
# name asked of a thing ("โครงการชื่ออะไร") is not a person asked.
ASKS_PERSON_RE = re.compile(
    r"ใคร|ผู้ใด|ท่าน(?:ไหน|ใด)"
    r"|(?:ผู้|ท่าน|รัฐมนตรี|ปลัด|อธิบดี|ผู้ว่า|นายก|ประธาน|ที่ปรึกษา|หัวหน้า)\S{0,30}?"
    r"ชื่อ(?:ว่า)?\s?(?:อะไร|ใด)")
# A person's name after a title: "นายภูมิธรรม เวชยชัย", "ผู้ช่วยศาสตราจารย์ พิเชฐ
# โสวิทยสกุล", "นายกิตติ ...". Office titles that start with นาย (นายกรัฐมนตรี,
# นายกเทศมนตรี, นายอำเภอ) are not names; nor are ทนายความ and อำเภอนางรอง. Thai runs
# words together ("โดยนายอนุทิน"), so a title needs no space before it.
_NOT_A_NAME_AFTER_NAI = (r"ก(?:รัฐมนตรี|เทศมนตรี|องค์การ|อบ|สภา|สมาคม|ฯ|\s)|อำเภอ|ทะเบียน|ช่าง"
                         r"|ด่าน|ตรวจ|ทหาร|ตำรวจ|จ้าง|ร้อย|พัน|สิบ|หน้า|ประกัน|ทุน|ความ")
PERSON_RE = re.compile(
    rf"(?:(?<!ท)นาย(?!{_NOT_A_NAME_AFTER_NAI})|นางสาว|(?<!อำเภอ)นาง(?!าน)|นพ\.|พญ\.|ดร\."
    r"|พลเอก|พล\.อ\.|พลตำรวจเอก|พล\.ต\.อ\.|ว่าที่ร้อยตรี"
    r"|ศาสตราจารย์|รองศาสตราจารย์|ผู้ช่วยศาสตราจารย์|ศ\.|รศ\.|ผศ\.)"
    r"\s?[ก-ฮเ-ไ][ก-๛]+\s[ก-ฮเ-ไ][ก-๛]+")
# Letter facts stated only by the header: an answer asking them quotes the opening alone.
HEADER_ONLY_FACTS = OPENING_FACTS | {"date"}


@dataclass
class _Sentence:
    marker: int
    position: int
    text: str
    tokens: frozenset[str]
    score: float = 0.0

    @property
    def shingles(self) -> frozenset[str]:
        squeezed = "".join(self.text.split())
        return frozenset(squeezed[i:i + 3] for i in range(max(1, len(squeezed) - 2)))


def quote(text: str) -> str:
    """Passage text made safe to place before a marker."""
    return text.replace("[", "(").replace("]", ")")


def _format(sentences: list[_Sentence]) -> str:
    """One line per run of adjacent sentences of one passage, its marker at the end.

    Thai sentence units are cut at spaces, and a long one at the first space past
    MAX_CHARS; on lines of their own the continuation read as a broken fragment
    ("ริมน้ำทั่วประเทศ ... [1]"). Adjacent units are one stretch of the passage.
    """
    runs: list[list[_Sentence]] = []
    for sentence in sentences:
        last = runs[-1][-1] if runs else None
        if last and last.marker == sentence.marker and last.position + 1 == sentence.position:
            runs[-1].append(sentence)
        else:
            runs.append([sentence])
    return "\n".join(
        f"{quote(' '.join(s.text for s in run))} [{run[0].marker}]" for run in runs)


def _repeats(sentence: _Sentence, taken: list[_Sentence]) -> bool:
    mine = sentence.shingles
    for other in taken:
        theirs = other.shingles
        union = len(mine | theirs)
        if union and len(mine & theirs) / union >= DUPLICATE_SHINGLES:
            return True
    return False


def _sentences(hit: Hit, marker: int) -> list[_Sentence]:
    return [_Sentence(marker, i, text, frozenset(tokenize(text)))
            for i, text in enumerate(split_sentences(hit.text))]


def _quote_item(searcher: Searcher, hits: list[Hit]) -> list[_Sentence]:
    """The named item's first sentences; then the first sentence of each of its
    sub-items among the passages (the search puts them next), so "ข้อ 9 มีอะไรบ้าง"
    lists 9.1-9.4 rather than quoting the bare heading "ผลที่คาดว่าจะได้รับ"."""
    taken: list[_Sentence] = []
    size = 0
    for sentence in _sentences(hits[0], 1):
        if taken and (len(taken) >= ITEM_SENTENCES or size + len(sentence.text) > MAX_CHARS):
            break
        taken.append(sentence)
        size += len(sentence.text)
    for marker, hit in enumerate(hits[1:], 2):
        marked = "citation" in hit.matched_by or "list" in hit.matched_by
        if not (marked and searcher.is_under(hit.chunk_id, hits[0].chunk_id)):
            continue
        first = next(iter(_sentences(hit, marker)), None)
        if first is None or size + len(first.text) > SUB_ITEMS_CHARS:
            break
        taken.append(first)
        size += len(first.text)
    return taken


def extractive_answer(searcher: Searcher, question: str, hits: list[Hit]) -> tuple[str, list[int]]:
    """The answer text with [n] markers (n = 1-based position in `hits`), and the markers used.

    `hits` must not be empty.
    """
    named = find_citation(question)
    terms = searcher.weighed_terms(question)
    if (named is not None and named.item and "citation" in hits[0].matched_by) or (
            "list" in hits[0].matched_by):
        chosen = _quote_item(searcher, hits)
    else:
        chosen = _best_sentences(searcher, question, terms, hits)
    facts = letter_facts(searcher, question, hits)
    if facts and set(asked_letter_facts(question)) <= HEADER_ONLY_FACTS:
        # The header's line answers what was asked of the letter; other passages'
        # sentences would only cite other items or letters beside it. Not for the
        # enclosures or contact: an item may say where to download the one or whom to
        # call ("ดาวน์โหลดสิ่งที่ส่งมาด้วยทางเว็บไซต์", a guideline's coordinator).
        chosen = [s for s in chosen if s.marker == 1]
    markers = sorted({s.marker for s in chosen})
    text = _format(chosen)
    heading = _heading_line(question, terms, hits, chosen) if chosen else None
    if heading is not None:
        # Right above the lines it heads, which need not be the first.
        marker, line = heading
        lines = text.split("\n")
        at = next(i for i, quoted in enumerate(lines) if quoted.endswith(f"[{marker}]"))
        text = "\n".join([*lines[:at], line, *lines[at:]])
    if not facts and asks_which_letter(question):
        text = _with_letter_lines(searcher, text, hits)
    if facts:
        # What the question asked of the letter, before the quoted paragraph.
        return f"{quote(facts)} [1]\n{text}" if text else f"{quote(facts)} [1]", [1]
    return text, markers


def _with_letter_lines(searcher: Searcher, text: str, hits: list[Hit]) -> str:
    """`text` with a line naming the letter (number, date, issuer, subject) above the
    first quoted line of each letter it quotes, for a question asking which letter:
    the quoted sentences rarely say which letter they are from ("หนังสือเวียนฉบับไหนที่
    อ้างพระราชบัญญัติลักษณะปกครองท้องที่" quoted ว 10303's item 10 without its number)."""
    named: set[str] = set()
    out: list[str] = []
    for line in text.split("\n"):
        found = MARKER_AT_END_RE.search(line)
        marker = int(found.group(1)) if found else 0
        hit = hits[marker - 1] if marker else None
        if hit is not None and hit.doc_id not in named and len(named) < MAX_LETTER_LINES:
            named.add(hit.doc_id)
            letter = searcher.letter(hit.doc_id)
            if letter is not None and letter.doc_no_raw:
                out.append(f"{quote(letter_identity(letter))} [{marker}]")
        out.append(line)
    return "\n".join(out)


def _heading_line(question: str, terms: WeighedTerms, hits: list[Hit],
                  chosen: list[_Sentence]) -> tuple[int, str] | None:
    """The headings above a quoted passage, as a line of their own, when they carry
    what the question asks and the quoted sentences do not: a table row's speaker or
    policy ("ที่ปรึกษาปลัดฯ ท่านไหนพูดเรื่องทฤษฎีใหม่": the name heads the row; "อยู่ใต้
    หัวข้อนโยบายอะไร": นโยบาย ๓ ไร้ทุกข์). A heading qualifies when it adds at least
    `HEADING_GAIN` of the question's weight to the quoted sentences, or names a person
    when the question asks who. The chain is shown from the outermost qualifying
    heading down, for the first quoted passage (in marker order) that has one: its
    marker and the line."""
    asks_person = ASKS_PERSON_RE.search(index_form(question)) is not None
    quoted = frozenset().union(*(s.tokens for s in chosen))
    base = terms.share(quoted)
    # A person asked and already named in the quoted lines needs no heading for it.
    person_asked = asks_person and not any(PERSON_RE.search(s.text) for s in chosen)
    for marker in sorted({s.marker for s in chosen}):
        parents = hits[marker - 1].parents
        outermost = next((i for i, parent in enumerate(parents)
                          if terms.share(quoted | _worded(heading_tokens((parent,)))) - base
                          >= HEADING_GAIN or (person_asked and PERSON_RE.search(parent))),
                         None)
        if outermost is not None:
            chain = cut(" › ".join(_heading_text(parent) for parent in parents[outermost:]),
                        HEADING_CHAIN_CHARS)
            return marker, f"{HEADING_LEAD} {quote(chain)} [{marker}]"
    return None


def _worded(tokens: frozenset[str]) -> frozenset[str]:
    """Tokens with a letter in them: a heading's item number ("๙.") matches the number
    a question names ("ว 12505 ข้อ 9") without saying anything it asks."""
    return frozenset(t for t in tokens if any(ch.isalpha() for ch in t))


def _heading_text(parent: str) -> str:
    """A heading's first sentence unit, at most `HEADING_CHARS` characters: an item's
    heading is its whole opening paragraph ("๑. การมอบนโยบาย ... ประกอบด้วย")."""
    units = split_sentences(parent)
    text = units[0] if units else parent.strip()
    return cut(text, HEADING_CHARS)


def cut(text: str, limit: int) -> str:
    """`text` up to `limit` characters, cut at a space (a Thai word or a leading vowel
    cut in half reads as a typo)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    return (head.rsplit(" ", 1)[0] if " " in head else head).rstrip() + "…"


def answering_markers(searcher: Searcher, terms: WeighedTerms, hits: list[Hit]) -> list[int]:
    """Markers of the passages to quote: the top one, and any covering the terms as well.

    A sub-item of the top passage ("1.1" under row "1") is judged on its own words:
    its headings are the top passage, so they would lend it the top's coverage
    whatever it says. On the dev questions this stopped one answer from citing two
    sub-items beside the row asked about (citation F1 0.753 -> 0.761, none lower).
    """
    if not hits:
        return []
    top = hits[0]
    shares = [terms.share(own_tokens(searcher, hit)
                          if searcher.is_under(hit.chunk_id, top.chunk_id)
                          else hit_tokens(searcher, hit))
              for hit in hits[:MAX_PASSAGES]]
    return [marker for marker, share in enumerate(shares, 1)
            if marker == 1 or share >= shares[0]]


def _best_sentences(searcher: Searcher, question: str, terms: WeighedTerms,
                    hits: list[Hit]) -> list[_Sentence]:
    # Each passage is split (and its units tokenized) once, for scoring, the top
    # passage's fallback and the enumerations carried on.
    units = {marker: _sentences(hits[marker - 1], marker)
             for marker in {1, *answering_markers(searcher, terms, hits)}}
    candidates: list[_Sentence] = []
    for marker in sorted(units):
        for sentence in units[marker]:
            share = terms.share(sentence.tokens)
            if share < MIN_SHARE:
                continue
            sentence.score = (share + RANK_BONUS / marker
                              + (FIRST_SENTENCE_BONUS if sentence.position == 0 else 0.0))
            candidates.append(sentence)
    candidates.sort(key=lambda s: (-s.score, s.marker, s.position))
    # The top passage is always quoted: hybrid search ranks the right item first far
    # more often than word overlap picks it (q028 "ผู้ประสานงาน ... เบอร์โทร": the
    # contact item says "หมายเลขโทรศัพท์", and three runners-up sharing more words
    # took all the places). Dev citation F1 0.761 -> 0.770, none lower.
    first = next((s for s in candidates if s.marker == 1), None) or _closest(units[1], terms)
    taken = [first] if first is not None else []
    size = len(first.text) if first is not None else 0
    for sentence in candidates:
        if len(taken) >= MAX_SENTENCES:
            break
        if sentence is first or (taken and size + len(sentence.text) > MAX_CHARS):
            continue
        if _repeats(sentence, taken):
            continue
        taken.append(sentence)
        size += len(sentence.text)
    taken = _with_enumerations(taken, units, asks_for_list(question))
    taken.sort(key=lambda s: (s.marker, s.position))
    return taken


def _with_enumerations(taken: list[_Sentence], units: dict[int, list[_Sentence]],
                       list_asked: bool) -> list[_Sentence]:
    """`taken` plus the units that carry on an enumeration a taken sentence opens:
    "... แฮชแท็ก ๔ รูปแบบ ดังนี้" quoted alone names no hashtag, and "ภาคีเครือข่ายทั้ง
    ๗ ภาคี ได้แก่ ภาคราชการ ภาคประชาชน ภาคเอกชน" stops where a sentence unit ends, three
    names in. A sentence ending in its lead-in is always carried on; one with a lead-in
    inside only when the question asks for a list ("มีอะไรบ้าง")."""
    result = list(taken)
    have = {(s.marker, s.position) for s in taken}
    for sentence in taken:
        lead = ENUMERATION_END_RE.search(sentence.text) or (
            list_asked and ENUMERATION_LEAD_RE.search(sentence.text))
        if not lead:
            continue
        following = units[sentence.marker][sentence.position + 1:]
        added = 0
        for unit in following[:ENUMERATION_UNITS]:
            if (unit.marker, unit.position) in have or added + len(unit.text) > ENUMERATION_CHARS:
                break
            result.append(unit)
            have.add((unit.marker, unit.position))
            added += len(unit.text)
    return result


def _closest(sentences: list[_Sentence], terms: WeighedTerms) -> _Sentence | None:
    """The sentence covering most of the question, the earliest of equals (the opening
    when none carries a term); None for a passage with no sentence (a bare "(๑)")."""
    return max(sentences, key=lambda s: (terms.share(s.tokens), -s.position),
               default=None)

"""HTML for the answer, citations, passages and letter views.

Everything that comes from a user or a document is escaped with `html.escape`;
markup (citation markers, highlights, the cited item) is built around escaped
pieces, never by inserting raw text. Highlighting marks the words of the displayed
text that are among the question's terms (`retriever.terms.question_terms`, PyThaiNLP
tokens), matching Thai and Arabic digits alike and ignoring Latin case.
"""

from __future__ import annotations

import html
import re

from pythainlp.tokenize import word_tokenize

from circulars.models import Answer, Citation, Hit
from indexer.normalize import THAI_DIGITS
from indexer.thai_dates import thai_date
from indexer.thai_tokens import ENGINE, tokenize
from retriever.terms import QUESTION_WORDS, question_terms
from service.citations import hit_label, part_label
from service.letters import LetterView

_FOLD = str.maketrans(THAI_DIGITS, "0123456789")
_MARKER_RE = re.compile(r"\[(\d{1,3})\]")
MIN_TERM_CHARS = 2
_EDGE = " \t\n()[]{}\"'“”‘’.,;:!?/-–"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _fold(text: str) -> str:
    # Same length as the input, so offsets found in the folded text apply to the original.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text.translate(_FOLD))


def term_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) spans of the words of `text` that are among `terms`.

    Whole words only: the text is segmented with the same PyThaiNLP engine as the
    index (on a copy with Arabic digits and lower case, of the same length, so the
    offsets hold), because a Thai term found as a substring is often inside another
    word ("มท" in "ร่วมทั้ง").
    """
    wanted = {_fold(t) for t in terms if len(t) >= MIN_TERM_CHARS}
    if not wanted or not text:
        return []
    spans: list[tuple[int, int]] = []
    for phrase in re.finditer(r"\S+", _fold(text)):
        # Phrase by phrase, as `indexer.thai_tokens` does, so words split the same way.
        position = phrase.start()
        for piece in word_tokenize(phrase.group(), engine=ENGINE, keep_whitespace=False):
            start = position
            position += len(piece)
            core = piece.strip(_EDGE)
            if core in wanted:
                offset = start + piece.index(core)
                spans.append((offset, offset + len(core)))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, terms: list[str]) -> str:
    """Escaped `text` with the terms wrapped in <mark>."""
    out: list[str] = []
    position = 0
    for start, end in term_spans(text, terms):
        out.append(esc(text[position:start]))
        out.append(f"<mark>{esc(text[start:end])}</mark>")
        position = end
    out.append(esc(text[position:]))
    return "".join(out)


def message(kind: str, thai: str, english: str = "") -> str:
    """A visible notice: kind is "error", "notice" or "info"."""
    english_part = f'<div class="en">{esc(english)}</div>' if english else ""
    return (f'<div class="msg msg-{esc(kind)}" role="alert"><div class="th">{esc(thai)}</div>'
            f"{english_part}</div>")


def answer_html(answer: Answer) -> str:
    if answer.not_found:
        body = message("notice", answer.answer,
                       "Nothing in the indexed circulars answers this question.")
    else:
        lines = []
        for line in answer.answer.splitlines():
            escaped = esc(line)
            lines.append("<p>" + _MARKER_RE.sub(
                lambda m: f'<sup class="cite">[{m.group(1)}]</sup>', escaped) + "</p>")
        body = f'<div class="answer-text">{"".join(lines)}</div>'
    notes = "".join(f"<li>{esc(w)}</li>" for w in answer.warnings)
    footer = (f'<div class="meta">ผู้สร้างคำตอบ: {esc(answer.generator)}</div>'
              + (f'<ul class="warnings">{notes}</ul>' if notes else ""))
    return f'<section class="answer"><h3>คำตอบ</h3>{body}{footer}</section>'


def citations_html(citations: list[Citation]) -> str:
    if not citations:
        return ""
    items = []
    for c in citations:
        detail = " · ".join(esc(x) for x in (c.subject, c.issuer) if x)
        others = ", ".join(esc(copy_label(copy)) for copy in c.also_in)
        items.append(f'<li><span class="marker">[{c.marker}]</span> '
                     f'<span class="ref">{esc(c.label)}</span>'
                     + (f'<div class="detail">เรื่อง {detail}</div>' if detail else "")
                     + (f'<div class="also">ข้อความเดียวกันใน: {others}</div>' if others else "")
                     + "</li>")
    return f'<section class="citations"><h3>แหล่งอ้างอิง</h3><ul>{"".join(items)}</ul></section>'


def copy_label(copy: dict[str, object]) -> str:
    """ "นร 0017.2/ว 469 ข้อ 4.1", with "สิ่งที่ส่งมาด้วย 1" for an enclosure's copy."""
    where = str(copy.get("doc_no") or copy.get("doc_id"))
    part_index = copy.get("part_index")
    if isinstance(part_index, int) and part_index > 0:
        where += " " + part_label("", part_index)  # copies carry no part title
    return f"{where} ข้อ {copy.get('item')}"


def expansions_html(expansions: list[tuple[str, list[str]]]) -> str:
    """The everyday wordings of the question and the official ones searched with them."""
    if not expansions:
        return ""
    pairs = "; ".join(f"{esc(wording)} → {esc(', '.join(official))}"
                      for wording, official in expansions)
    return f'<div class="expanded">ค้นรวมคำทางการ / also searched as: {pairs}</div>'


def passages_html(hits: list[Hit], question: str, heading: str = "ข้อความที่ค้นพบ",
                  expansions: list[tuple[str, list[str]]] | None = None) -> str:
    if not hits:
        return message("notice", "ไม่พบข้อความที่ตรงกับคำค้น", "no passage matched")
    expanded = expansions or []
    terms = question_terms(question) + [
        token for _, official in expanded for wording in official for token in tokenize(wording)
        if token not in QUESTION_WORDS]
    cards = []
    for number, hit in enumerate(hits, 1):
        also = ""
        if hit.also_in:
            others = ", ".join(esc(copy_label(c)) for c in hit.also_in)
            # Copies are other letters, or the letter's own enclosure restating the item.
            also = f'<div class="also">ปรากฏที่อื่นด้วย: {others}</div>'
        parents = "".join(f'<div class="parent">{esc(p)}</div>' for p in hit.parents)
        cards.append(
            f'<article class="passage"><header><span class="marker">[{number}]</span> '
            f'<span class="ref">{esc(hit_label(hit))}</span></header>{parents}'
            f'<div class="passage-text">{highlight(hit.text, terms)}</div>{also}</article>')
    return (f'<section class="passages"><h3>{esc(heading)}</h3>{expansions_html(expanded)}'
            f'{"".join(cards)}</section>')


def letter_html(view: LetterView, chunk_id: str | None) -> str:
    letter = view.letter
    rows = [("เลขที่", letter.doc_no or "-"), ("ลงวันที่", thai_date(letter.date) or letter.date_raw
            or "-"), ("เรื่อง", letter.subject or "-"), ("ส่วนราชการ", letter.issuer or "-"),
            ("ไฟล์", letter.source)]
    head = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    text = view.display_text
    cited = view.located(chunk_id) if chunk_id else None
    if cited is not None and cited.display_start is not None and cited.display_end is not None:
        start, end = cited.display_start, cited.display_end
        body = (esc(text[:start]) + f'<mark class="cited" id="cited-item">{esc(text[start:end])}'
                "</mark>" + esc(text[end:]))
        note = ('<p class="meta"><a href="#cited-item">ไปยังข้อที่อ้างถึง: '
                f"{esc(cited.chunk.item)}</a></p>")
    else:
        body = esc(text)
        note = message("info", "ไม่พบตำแหน่งของข้อที่อ้างถึงในต้นฉบับ (เช่น ข้อความจากตาราง)",
                       "the cited item could not be located in the letter text") if cited else ""
    return (f'<section class="letter"><table class="letter-meta">{head}</table>{note}'
            f'<div class="letter-text">{body}</div></section>')

"""Letters and chunks as the API and the UI show them, and where each chunk sits in
the letter's display text.

A letter's display text is its source text with Unicode repaired, so the chunk
offsets into the source file do not line up with it exactly, and a chunk's text
has its line breaks turned into spaces and page furniture removed. A chunk is
therefore found by its text, ignoring whitespace: the whole text when it is
contiguous in the letter, otherwise from its first to its last `ANCHOR_CHARS`
non-space characters. The occurrence nearest the chunk's expected offset wins
(the same sentence may be printed in the cover letter and its enclosure).

Ids are looked up in SQLite by value, never used as paths; ids that cannot be ids
(path separators, "..", control characters, too long) are refused before that.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from circulars.models import Chunk, Letter
from retriever.search import Searcher

ANCHOR_CHARS = 24
MAX_ID_CHARS = 256
_BAD_ID_RE = re.compile(r"[/\\\x00-\x1f\x7f]|\.\.|^\.$|^\s|\s$")


def valid_id(value: str) -> bool:
    return 0 < len(value) <= MAX_ID_CHARS and not _BAD_ID_RE.search(value)


@dataclass
class LocatedChunk:
    chunk: Chunk
    display_start: int | None  # offsets into LetterView.display_text, None if not found
    display_end: int | None


@dataclass
class LetterView:
    letter: Letter
    display_text: str
    chunks: list[LocatedChunk] = field(default_factory=list)

    def located(self, chunk_id: str) -> LocatedChunk | None:
        return next((c for c in self.chunks if c.chunk.chunk_id == chunk_id), None)


class _Squeezed:
    """A text without whitespace, with the original offset of each remaining character."""

    def __init__(self, text: str) -> None:
        kept = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
        self.text = "".join(ch for _, ch in kept)
        self.offsets = [i for i, _ in kept]

    def nearest(self, needle: str, expected: int, start: int = 0) -> int:
        best, position = -1, self.text.find(needle, start)
        while position >= 0:
            if best < 0 or abs(position - expected) < abs(best - expected):
                best = position
            position = self.text.find(needle, position + 1)
        return best

    def locate(self, text: str, expected: int) -> tuple[int, int] | None:
        needle = "".join(text.split())
        if not needle or not self.text:
            return None
        near = bisect.bisect_left(self.offsets, expected)
        start = self.nearest(needle, near)
        if start >= 0:
            end = start + len(needle)
        else:
            head, tail = needle[:ANCHOR_CHARS], needle[-ANCHOR_CHARS:]
            start = self.nearest(head, near)
            if start < 0:
                return None
            tail_at = self.text.find(tail, start + len(head))
            end = tail_at + len(tail) if tail_at >= 0 else start + len(head)
        return self.offsets[start], self.offsets[end - 1] + 1


def locate(display: str, text: str, expected: int = 0) -> tuple[int, int] | None:
    """(start, end) of `text` in `display`, whitespace-insensitive; None if absent."""
    return _Squeezed(display).locate(text, expected)


def letter_view(searcher: Searcher, letter_id: str) -> LetterView | None:
    letter = searcher.letter(letter_id)
    if letter is None:
        return None
    display = searcher.store.letter_display(letter_id)
    view = LetterView(letter, display)
    squeezed = _Squeezed(display)
    for chunk in searcher.store.chunks_of(letter_id):
        where = squeezed.locate(chunk.text, max(0, chunk.start - letter.start))
        view.chunks.append(LocatedChunk(chunk, *(where or (None, None))))
    return view


def issuers(searcher: Searcher) -> list[str]:
    """The issuing offices of the letters in the index, for a filter's choices."""
    return sorted({le.issuer for le in searcher.store.letters() if le.issuer})


def chunk_by_id(searcher: Searcher, chunk_id: str) -> Chunk | None:
    return searcher.store.chunk(chunk_id)

"""Checking the [n] citation markers of a generated answer against the passages given.

A model may cite a passage that does not exist ([7] when five were given), write
markers in Thai digits ([๒]) or group them ([1, 3]). Valid numbers are rewritten as
plain [n] markers; the others are removed and reported, so an answer can only cite
what it was shown. `has_content` and `states_not_found` read what is left once the
markers are gone: whether anything was said at all, and whether the model said the
passages do not answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from indexer.normalize import clean_unicode, to_arabic_digits
from service.prompt import NOT_FOUND_TEXT

MARKER_RE = re.compile(r"\[\s*([0-9๐-๙]{1,4}(?:\s*[,，、]\s*[0-9๐-๙]{1,4})*)\s*\]")
_REASONING_RE = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_SPACE_BEFORE_PUNCT_RE = re.compile(r"[ \t]+(?=[.,;:!?)]|$)", re.MULTILINE)


@dataclass
class CheckedAnswer:
    text: str
    valid: list[int] = field(default_factory=list)  # distinct, in order of first use
    invalid: list[str] = field(default_factory=list)  # as written, e.g. "[7]"


def check_markers(text: str, passages: int) -> CheckedAnswer:
    """Keep markers naming passages 1..passages; drop and report the rest."""
    text = _REASONING_RE.sub("", text)  # reasoning models' scratchpad is not the answer
    result = CheckedAnswer("")

    def rewrite(match: re.Match[str]) -> str:
        numbers = [int(to_arabic_digits(n.strip())) for n in re.split(r"[,，、]", match.group(1))]
        kept = [n for n in numbers if 1 <= n <= passages]
        if len(kept) < len(numbers):
            result.invalid.append(match.group(0))
        for n in kept:
            if n not in result.valid:
                result.valid.append(n)
        return "".join(f"[{n}]" for n in dict.fromkeys(kept))

    cleaned = MARKER_RE.sub(rewrite, text)
    result.text = _SPACE_BEFORE_PUNCT_RE.sub("", cleaned).strip()
    return result


def has_content(text: str) -> bool:
    """Whether `text`, markers aside, has a letter or a digit: "[1]", "... [2]" or "–" say
    nothing, however validly they cite."""
    bare = MARKER_RE.sub("", text)
    return any(unicodedata.category(ch)[0] in "LN" for ch in bare)


def _squeezed(text: str) -> str:
    return "".join(clean_unicode(text).split())


_NOT_FOUND_SQUEEZED = _squeezed(NOT_FOUND_TEXT)


def states_not_found(text: str) -> bool:
    """Whether `text` contains the prompt's not-found sentence, however it was spaced or
    composed (a model may break the line or write sara am as two characters)."""
    return _NOT_FOUND_SQUEEZED in _squeezed(MARKER_RE.sub("", text))

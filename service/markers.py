"""Checking the [n] citation markers of a generated answer against the passages given.

A model may cite a passage that does not exist ([7] when five were given), write
markers in Thai digits ([๒]) or group them ([1, 3]). Valid numbers are rewritten as
plain [n] markers; the others are removed and reported, so an answer can only cite
what it was shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.normalize import to_arabic_digits

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

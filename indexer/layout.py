"""Lines with their offsets, and the small text-joining rules OCR output needs.

OCR wraps a Thai paragraph over several lines without spaces at the breaks, so
wrapped lines are joined with nothing between two Thai characters and a space
otherwise. Every line keeps its character offsets into the source text so chunks
can point back at the exact span for highlighting.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexer.normalize import clean_unicode


@dataclass
class Line:
    no: int  # 1-based line number in the file
    start: int  # character offset of the line's first character
    end: int  # offset just past the line's last character (newline excluded)
    raw: str
    text: str  # display form: clean Unicode, trailing spaces removed
    category: str = ""  # coverage: chunks / metadata / furniture / blank

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    offset = 0
    for number, raw in enumerate(text.split("\n"), 1):
        display = clean_unicode(raw).strip()
        lines.append(Line(number, offset, offset + len(raw), raw, display))
        offset += len(raw) + 1
    return lines


def _is_thai(ch: str) -> bool:
    return "\u0e00" <= ch <= "\u0e7f"


def join_wrapped(parts: list[str]) -> str:
    """Join OCR line-wrapped fragments of one paragraph."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if not out:
            out = part
        elif _is_thai(out[-1]) and _is_thai(part[0]):
            out += part
        else:
            out += " " + part
    return out


def paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Group consecutive non-blank lines."""
    groups: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line.blank:
            if current:
                groups.append(current)
                current = []
        else:
            current.append(line)
    if current:
        groups.append(current)
    return groups

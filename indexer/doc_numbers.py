"""Thai government document numbers (เลขที่หนังสือ): find, parse and normalise them.

A number is printed as `ที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓`: an agency prefix (มท), the office
code (0211.6), a slash, `ว` for a circular (หนังสือเวียน), and the running number.
OCR and people write it with or without spaces, Thai or Arabic digits, and a dot
after the prefix. The normal form is `มท 0211.6/ว 10303`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.normalize import to_arabic_digits, tone_tolerant

_D = "[0-9๐-๙]"
DOC_NO_PATTERN = (
    rf"(?<![ก-๙])(?P<prefix>[ก-ฮ]{{1,4}})\.?\s*(?P<office>{_D}{{2,5}}(?:\s*\.\s*{_D}{{1,3}})*)"
    rf"\s*/\s*(?P<circ>ว\s*\.?\s*)?(?P<number>{_D}{{1,6}})"
)
DOC_NO_RE = re.compile(DOC_NO_PATTERN)
# The form used on a letter's own header line: "ที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓".
# Tone mark optional: OCR reads a scan's ที่ as ที.
HEADER_DOC_NO_RE = re.compile(rf"^\s*{tone_tolerant('ที่')}\s*{DOC_NO_PATTERN}")


@dataclass(frozen=True)
class DocNumber:
    prefix: str
    office: str
    circular: bool
    number: str

    @property
    def normal(self) -> str:
        return f"{self.prefix} {self.office}/{'ว ' if self.circular else ''}{self.number}"

    @property
    def compact(self) -> str:
        """Without spaces: what a tokenizer-free exact match compares."""
        return self.normal.replace(" ", "")


def parse_match(match: re.Match[str]) -> DocNumber:
    office = re.sub(r"\s+", "", to_arabic_digits(match.group("office")))
    return DocNumber(
        prefix=match.group("prefix"),
        office=office,
        circular=match.group("circ") is not None,
        number=to_arabic_digits(match.group("number")).lstrip("0") or "0",
    )


def parse_doc_no(text: str) -> DocNumber | None:
    match = DOC_NO_RE.search(text)
    return parse_match(match) if match else None


def normalize_doc_no(text: str) -> str | None:
    parsed = parse_doc_no(text)
    return parsed.normal if parsed else None


def find_doc_numbers(text: str) -> list[tuple[DocNumber, int, int]]:
    return [(parse_match(m), m.start(), m.end()) for m in DOC_NO_RE.finditer(text)]

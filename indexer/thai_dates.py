"""Thai dates: parse Buddhist-era dates as printed in circulars, and print them back.

Circulars print `๒๔ ตุลาคม ๒๕๖๗` in letter headers and `7 ธ.ค. 2563` in stamps and
references. Years are Buddhist era (BE = CE + 543); two-digit years mean 25xx.
"""

from __future__ import annotations

import datetime as dt
import re

from indexer.normalize import TONE_MARKS, to_arabic_digits, without_tones

MONTHS_FULL = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
MONTHS_ABBR = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)


def _month_lookup() -> dict[str, int]:
    table: dict[str, int] = {}
    for number, (full, abbr) in enumerate(zip(MONTHS_FULL, MONTHS_ABBR, strict=True), 1):
        table[full] = number
        table[abbr] = number
        table[abbr.replace(".", "")] = number
        table[abbr.replace(".", ". ").strip()] = number
    return table


MONTH_NUMBER = _month_lookup()
# No month's name has a tone mark, so one in it is OCR's (ธั้นวาคม): allowed, and
# dropped when the name is looked up.
_STRAY_TONE = f"[{TONE_MARKS}]?"
_MONTH_ALT = "|".join(
    _STRAY_TONE.join(map(re.escape, name)) if name in MONTHS_FULL else re.escape(name)
    for name in sorted(MONTH_NUMBER, key=len, reverse=True))
_D = "[0-9๐-๙]"
DATE_PATTERN = (
    rf"(?P<day>{_D}{{1,4}})\s*(?P<month>{_MONTH_ALT})\s*(?:พ\s*\.\s*ศ\s*\.\s*)?"
    rf"(?P<year>{_D}{{4}}|{_D}{{2}})(?!{_D})"
)
DATE_RE = re.compile(DATE_PATTERN)


def be_to_ce(year: int) -> int:
    if year < 100:
        year += 2500
    return year - 543 if year > 2400 else year


def parse_thai_date(text: str) -> str | None:
    """The first date in `text` as ISO `YYYY-MM-DD`, or None when there is no valid one."""
    for match in DATE_RE.finditer(text):
        iso = _match_to_iso(match)
        if iso:
            return iso
    return None


def _match_to_iso(match: re.Match[str]) -> str | None:
    day = int(to_arabic_digits(match.group("day")))
    month = MONTH_NUMBER[without_tones(match.group("month"))]
    year = be_to_ce(int(to_arabic_digits(match.group("year"))))
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def thai_date(iso: str | None, abbreviated: bool = True) -> str | None:
    """`2024-10-24` as `24 ต.ค. 2567` (or `24 ตุลาคม 2567`)."""
    if not iso:
        return None
    try:
        date = dt.date.fromisoformat(iso)
    except ValueError:
        return None
    names = MONTHS_ABBR if abbreviated else MONTHS_FULL
    return f"{date.day} {names[date.month - 1]} {date.year + 543}"

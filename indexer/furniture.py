"""Recognise page furniture in OCR'd circulars, one line at a time.

Furniture is everything printed on the page that is not the letter's content:
receipt stamps (เลขรับ / วันที่ / เวลา), page-continuation markers at the foot of a
page (`/๓. ให้สำนักงาน...`), routing notes handwritten on a forwarded cover
(เรียน นายก อบต. ... เพื่อโปรดทราบ), signature blocks and contact lines. The
predicates here only look at one line (and sometimes its neighbours); deciding
which lines are metadata worth keeping is the letter parser's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.normalize import tone_tolerant, without_tones

_D = "[0-9๐-๙]"

# "/๓. ให้สำนักงาน...", "/กำกับ...", "/๔. เป้าหมาย..." at the foot of a page.
CONTINUATION_RE = re.compile(r"^\s*/\s*\S.{0,80}?(?:\.{2,}|…)\s*$")
RECEIPT_NO_RE = re.compile(rf"^\s*(?:เลขที่รับ|เลขรับ|รับเลขที่|รับที่|เลขที่)\s*[.\s:]*{_D}")
STAMP_DATE_RE = re.compile(r"^\s*(?:วันที่|ลงวันที่|วันเดือนปี)\s*(?:\.{2,}|พ\s*\.\s*ศ)")
STAMP_TIME_RE = re.compile(rf"^\s*เวลา\s*(?:\.{{2,}}|{_D}|$)")
CHECKBOX_RE = re.compile(r"\(\s*\)")
URGENCIES = ("ด่วนที่สุด", "ด่วนมาก", "ด่วน", "ลับที่สุด", "ลับมาก", "ลับ")
# Tone marks optional: OCR reads a scan's ด่วนที่สุด as ดวนที่สุด.
URGENCY_RE = re.compile(rf"^\s*#*\s*({'|'.join(map(tone_tolerant, URGENCIES))})\s*$")
_URGENCY_NAMES = {without_tones(name): name for name in URGENCIES}
MEMO_RE = re.compile(r"^\s*บันทึกข้อความ\s*$")
PHONE_RE = re.compile(r"โทร|โทรสาร|ไปรษณีย์อิเล็กทรอนิกส์|e-?mail|@|www\.|ผู้ประสานงาน", re.I)
NAME_IN_PARENS_RE = re.compile(
    r"^\s*\(\s*(?:นาย|นาง|นางสาว|น\.ส\.|ว่าที่|พล|พ\.|ร\.|ดร\.|ศ\.|รศ\.|ผศ\.|พันตำรวจ|พ\.ต\.)"
    r"[^()]{2,60}\)\s*$"
)
CLOSING_SALUTATION_RE = re.compile(r"^\s*ขอแสดงความนับถือ\s*$")
POSITION_RE = re.compile(
    r"^(?!สำนัก|กลุ่มงาน|กอง|ฝ่าย)\S*(?:ผู้ว่าราชการ|ปลัด|อธิบดี|รองผู้|นายก|หัวหน้า|ผู้อำนวยการ|"
    r"ปฏิบัติราชการแทน|รักษาการแทน|รัฐมนตรี|นายอำเภอ|เลขาธิการ|ผู้บัญชาการ|ประธาน|ท้องถิ่นจังหวัด$)"
)
ROUTING_START_RE = re.compile(
    r"^\s*(?:[•\-–]\s*)?(?:เรียน\s+\S|เพื่อโปรด|เพื่อทราบ|ทราบ|เห็นควร|มอบ|ดำเนินการ|แจ้ง\s)"
)
DISTRIBUTION_RE = re.compile(r"^\s*(?:บัญชี(?:แนบ|แบบ)ท้าย|บัญชีรายชื่อ|รายชื่อแนบท้าย|ส่งถึง\s*$)")
ADDRESS_RE = re.compile(rf"^\s*ถนน|^\s*\S.*\s(?:{_D}{{5}})\s*$|กทม\.|กรุงเทพ")
OFFICE_RE = re.compile(
    r"^\s*(?:ศาลากลางจังหวัด|กระทรวง|กรม|สำนักงาน|สำนัก|ที่ว่าการอำเภอ|องค์การบริหาร|"
    r"เทศบาล|จังหวัด|กอง)\S*"
)


def is_continuation_marker(line: str) -> bool:
    return bool(CONTINUATION_RE.match(line))


def is_stamp_line(line: str) -> bool:
    """Receipt-stamp lines: receipt number, stamp date or time, checkbox rows."""
    return bool(
        RECEIPT_NO_RE.match(line)
        or STAMP_DATE_RE.match(line)
        or STAMP_TIME_RE.match(line)
        or len(CHECKBOX_RE.findall(line)) >= 2
    )


def is_urgency(line: str) -> bool:
    return bool(URGENCY_RE.match(line))


def urgency_of(line: str) -> str | None:
    match = URGENCY_RE.match(line)
    return _URGENCY_NAMES[without_tones(match.group(1))] if match else None


def is_name_line(line: str) -> bool:
    return bool(NAME_IN_PARENS_RE.match(line))


def is_contact_line(line: str) -> bool:
    return bool(PHONE_RE.search(line))


@dataclass(frozen=True)
class LineCategory:
    """Where a line's characters went, for the per-file coverage report."""

    CHUNK = "chunks"
    METADATA = "metadata"
    FURNITURE = "furniture"
    BLANK = "blank"

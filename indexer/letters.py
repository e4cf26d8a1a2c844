"""Split an OCR'd bundle into letters and read each letter's header and signature.

A file is often a bundle: a province's cover letter, the ministry letter it
forwards, that letter's attachments and a distribution list. A letter starts at
its own number line (`ที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓` followed by a เรื่อง line) or at a memo
heading (บันทึกข้อความ), together with the urgency mark and receipt stamps printed
just above it. Inside a letter: header fields, the body up to the signature,
the contact block, then whatever follows (routing notes, attachments, a
distribution list) until the next letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from circulars.models import Reference
from indexer import furniture as fx
from indexer.doc_numbers import HEADER_DOC_NO_RE, find_doc_numbers, parse_match
from indexer.items import match_marker
from indexer.layout import Line, join_wrapped, paragraphs, split_lines
from indexer.normalize import ocr_word, tone_tolerant, without_tones
from indexer.thai_dates import DATE_RE, parse_thai_date

FIELDS = ("เรื่อง", "เรียน", "อ้างถึง", "สิ่งที่ส่งมาด้วย")
# Tone marks optional: OCR drops them (a scan's เรื่อง read as เรือง).
FIELD_RE = re.compile(rf"^\s*[-•]?\s*({'|'.join(map(ocr_word, FIELDS))})\s*(.*)$")
SUBJECT_RE = re.compile(rf"^{ocr_word('เรื่อง')}")
_FIELD_NAMES = {without_tones(name): name for name in FIELDS}
ENCLOSURE_CONT_RE = re.compile(r"^\s*[-•]?\s*(?:ลงวันที่|จำนวน|ด่วน|ที่\s|[0-9๐-๙]{1,2}\.\s)")
NUMBERED_ENTRY_RE = re.compile(r"^\s*[-•]?\s*[0-9๐-๙]{1,2}\.\s*")
STANDALONE_DATE_RE = re.compile(rf"^\s*(?:วันที่\s*)?{DATE_RE.pattern}\s*$")
MEMO_AGENCY_RE = re.compile(rf"^\s*{ocr_word('ส่วนราชการ')}\s*(.*)$")
NUMBER_WORD_RE = re.compile(rf"^\s*{tone_tolerant('ที่')}")


@dataclass
class Part:
    name: str  # "body" or the attachment title
    index: int
    kind: str  # body / attachment / distribution
    lines: list[Line] = field(default_factory=list)


@dataclass
class LetterDraft:
    start_line: int
    end_line: int
    kind: str = "letter"
    doc_no: str | None = None
    doc_no_raw: str | None = None
    date: str | None = None
    date_raw: str | None = None
    subject: str | None = None
    to: str | None = None
    references: list[Reference] = field(default_factory=list)
    enclosures: list[str] = field(default_factory=list)
    issuer: str | None = None
    signatory: str | None = None
    position: str | None = None
    contact: str | None = None
    urgency: str | None = None
    parts: list[Part] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def mark_stamps(lines: list[Line]) -> None:
    """Receipt stamps are furniture wherever they are printed."""
    groups = paragraphs(lines)
    for position, group in enumerate(groups):
        if any(fx.RECEIPT_NO_RE.match(line.text) for line in group):
            for line in group:
                line.category = "furniture"
            previous = groups[position - 1] if position else None
            # A stamp's office name often sits alone on the line above it.
            if (
                previous
                and len(previous) == 1
                and len(previous[0].text) <= 40
                and group[0].no - previous[0].no <= 2
                and not fx.is_urgency(previous[0].text)
                and not HEADER_DOC_NO_RE.match(previous[0].text)
            ):
                previous[0].category = "furniture"
    for line in lines:
        if not line.category and not line.blank and fx.is_stamp_line(line.text):
            line.category = "furniture"


def find_letter_starts(lines: list[Line]) -> list[int]:
    anchors: list[int] = []
    last_memo = -100
    for index, line in enumerate(lines):
        if fx.MEMO_RE.match(line.text):
            anchors.append(index)
            last_memo = index
        elif HEADER_DOC_NO_RE.match(line.text) and _has_subject_after(lines, index):
            if index - last_memo <= 15 and not _has_subject_between(lines, last_memo, index):
                continue
            anchors.append(index)
    starts: list[int] = []
    for anchor in anchors:
        start = anchor
        floor = starts[-1] + 1 if starts else 0
        while start - 1 >= floor:
            previous = lines[start - 1]
            if previous.blank or fx.is_urgency(previous.text) or previous.category == "furniture":
                start -= 1
            else:
                break
        while start < anchor and lines[start].blank:
            start += 1
        starts.append(start)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return starts


def _has_subject_after(lines: list[Line], index: int) -> bool:
    return any(SUBJECT_RE.match(lines[j].text) for j in range(index, min(index + 30, len(lines))))


def _has_subject_between(lines: list[Line], start: int, end: int) -> bool:
    return any(SUBJECT_RE.match(lines[j].text) for j in range(max(start, 0), end))


def split_letters(text: str) -> tuple[list[Line], list[LetterDraft]]:
    lines = split_lines(text)
    for line in lines:
        if line.blank:
            line.category = "blank"
    mark_stamps(lines)
    starts = find_letter_starts(lines)
    bounds = list(zip(starts, [*starts[1:], len(lines)], strict=True))
    letters = [parse_letter(lines, start, end) for start, end in bounds]
    # A leading stretch with no letter structure (only blanks or stamps) is not a letter.
    if len(letters) > 1 and not any(p.lines for p in letters[0].parts) and not letters[0].subject:
        letters.pop(0)
    return lines, letters


def parse_letter(lines: list[Line], start: int, end: int) -> LetterDraft:
    letter = LetterDraft(start, end)
    body_start = _parse_header(lines, start, end, letter)
    signature = _find_signature(lines, body_start, end)
    body_end = signature if signature is not None else end
    letter.parts.append(Part("body", 0, "body", lines[body_start:body_end]))
    if signature is not None:
        tail = _parse_signature(lines, signature, end, letter)
        tail = _parse_contact(lines, tail, end, letter)
        _parse_tail(lines, tail, end, letter)
    if letter.issuer is None and letter.position:
        letter.issuer = issuer_from_position(letter.position)
    return letter


def _field_lines(lines: list[Line], index: int, end: int) -> int:
    """Index just past a header field's wrapped continuation lines."""
    j = index + 1
    while j < end and not lines[j].blank and not FIELD_RE.match(lines[j].text):
        j += 1
    return j


def _parse_header(lines: list[Line], start: int, end: int, letter: LetterDraft) -> int:
    office_candidates: list[tuple[int, str]] = []
    index = start
    while index < end:
        line = lines[index]
        text = line.text
        if line.blank or line.category == "furniture":
            index += 1
            continue
        field_match = FIELD_RE.match(text)
        if fx.is_urgency(text):
            letter.urgency = letter.urgency or fx.urgency_of(text)
        elif fx.MEMO_RE.match(text):
            letter.kind = "memo"
        elif MEMO_AGENCY_RE.match(text):
            agency = MEMO_AGENCY_RE.match(text)
            value = agency.group(1) if agency else ""
            letter.issuer = re.split(r"\s*โทร", value)[0].strip() or None
            letter.contact = value.strip() or None
        elif HEADER_DOC_NO_RE.match(text) and letter.doc_no is None:
            match = HEADER_DOC_NO_RE.match(text)
            assert match is not None
            letter.doc_no = parse_match(match).normal
            letter.doc_no_raw = NUMBER_WORD_RE.sub("", match.group(0), count=1).strip()
            rest = text[match.end() :]
            if DATE_RE.search(rest):
                letter.date_raw = DATE_RE.search(rest).group(0)  # type: ignore[union-attr]
                letter.date = parse_thai_date(rest)
        elif field_match:
            index = _parse_field(lines, index, end, field_match, letter)
            continue
        elif STANDALONE_DATE_RE.match(text):
            if text.startswith("วันที่") and letter.kind != "memo":
                # An external letter prints its date bare; "วันที่ ..." is a stamp copy.
                line.category = "furniture"
                index += 1
                continue
            if letter.date_raw is None:
                letter.date_raw = text.removeprefix("วันที่").strip()
                letter.date = parse_thai_date(text)
                if letter.date is None:
                    letter.warnings.append(f"unreadable date {text!r}")
        elif fx.OFFICE_RE.match(text) and len(text) <= 60:
            office_candidates.append((index, text))
        elif fx.ADDRESS_RE.search(text) and len(text) <= 80:
            pass
        elif len(text) <= 3:
            line.category = "furniture"
            index += 1
            continue
        else:
            break
        line.category = "metadata"
        index += 1
    if letter.issuer is None and office_candidates:
        letter.issuer = _pick_issuer(lines, office_candidates, end)
    return index


def _parse_field(
    lines: list[Line], index: int, end: int, match: re.Match[str], letter: LetterDraft
) -> int:
    name = _FIELD_NAMES[without_tones(match.group(1))]
    stop = _field_lines(lines, index, end)
    parts = [match.group(2), *[lines[j].text for j in range(index + 1, stop)]]
    for j in range(index, stop):
        lines[j].category = "metadata"
    if name == "สิ่งที่ส่งมาด้วย":
        entries = [join_wrapped(parts)]
        numbered = bool(NUMBERED_ENTRY_RE.match(match.group(2)))
        j = stop
        while j < end:
            line = lines[j]
            if line.blank:
                j += 1
                continue
            if not ENCLOSURE_CONT_RE.match(line.text) or len(line.text) > 150:
                break
            if NUMBERED_ENTRY_RE.match(line.text) and not numbered:
                break
            line.category = "metadata"
            if NUMBERED_ENTRY_RE.match(line.text):
                entries.append(line.text)
            else:
                entries[-1] = f"{entries[-1]} {line.text}"
            j += 1
            stop = j
        letter.enclosures = [re.sub(r"^[-•\s]+", "", e).strip() for e in entries if e.strip()]
        for entry in letter.enclosures:
            letter.references.extend(_references_in(entry, "สิ่งที่ส่งมาด้วย"))
        return stop
    value = join_wrapped(parts).strip()
    if name == "เรื่อง":
        letter.subject = value or None
    elif name == "เรียน":
        letter.to = value or None
    elif name == "อ้างถึง":
        letter.references.extend(_references_in(value, "อ้างถึง"))
        if not letter.references:
            letter.warnings.append(f"อ้างถึง without a readable document number: {value[:60]!r}")
    return stop


def _references_in(text: str, via: str) -> list[Reference]:
    found = find_doc_numbers(text)
    references = []
    for position, (number, _start, stop) in enumerate(found):
        until = found[position + 1][1] if position + 1 < len(found) else len(text)
        references.append(Reference(number.normal, parse_thai_date(text[stop:until]), via))
    return references


def _pick_issuer(lines: list[Line], candidates: list[tuple[int, str]], end: int) -> str:
    for index, text in candidates:
        nxt = next(
            (lines[j] for j in range(index + 1, min(index + 4, end)) if not lines[j].blank), None
        )
        if nxt is not None and fx.ADDRESS_RE.search(nxt.text):
            return normalize_issuer(text)
    return normalize_issuer(candidates[0][1])


def normalize_issuer(text: str) -> str:
    text = text.strip()
    if text.startswith("ศาลากลางจังหวัด"):
        return text.removeprefix("ศาลากลาง")
    if text.startswith("ที่ว่าการอำเภอ"):
        return text.removeprefix("ที่ว่าการ")
    return text


def issuer_from_position(position: str) -> str | None:
    """'ผู้ว่าราชการจังหวัดเชียงใหม่' -> 'จังหวัดเชียงใหม่'; used when the header names no office."""
    last = position.split("\n")[-1]
    for marker in ("จังหวัด", "กระทรวง", "กรม", "อำเภอ", "องค์การบริหาร", "เทศบาล"):
        at = last.find(marker)
        if at >= 0:
            return last[at:].strip()
    return None


def _find_signature(lines: list[Line], body_start: int, end: int) -> int | None:
    for index in range(body_start, end):
        text = lines[index].text
        if fx.CLOSING_SALUTATION_RE.match(text):
            return index
        if fx.is_name_line(text) and index > body_start:
            return index
    return None


def _parse_signature(lines: list[Line], index: int, end: int, letter: LetterDraft) -> int:
    """Consume salutation, name and position lines; returns the index after them."""
    while index < end and not fx.is_name_line(lines[index].text):
        line = lines[index]
        if not line.blank:
            # The salutation and the pen strokes OCR reads between it and the name.
            if fx.CLOSING_SALUTATION_RE.match(line.text) or len(line.text) <= 6:
                line.category = "metadata" if len(line.text) > 6 else "furniture"
            else:
                return index
        index += 1
    if index >= end:
        return index
    lines[index].category = "metadata"
    letter.signatory = lines[index].text.strip("() ")
    index += 1
    positions: list[str] = []
    previous_was_position = True
    while index < end:
        line = lines[index]
        if line.blank:
            previous_was_position = False
            index += 1
            continue
        if fx.is_contact_line(line.text) or len(line.text) > 80 or line.category == "furniture":
            break
        if fx.POSITION_RE.search(line.text) or (previous_was_position and positions):
            positions.append(line.text)
            line.category = "metadata"
            previous_was_position = True
            index += 1
            continue
        break
    letter.position = "\n".join(positions) or None
    return index


def _parse_contact(lines: list[Line], index: int, end: int, letter: LetterDraft) -> int:
    """The issuing unit and its phone lines under the signature."""
    groups = [g for g in paragraphs(lines[index:end])][:12]
    last_contact = -1
    for position, group in enumerate(groups):
        text = " ".join(line.text for line in group)
        if any(line.category == "furniture" for line in group) or fx.is_name_line(group[0].text):
            break
        if len(text) > 120:
            break
        if fx.is_contact_line(text):
            last_contact = position
    if last_contact < 0:
        return index
    contact_lines: list[str] = []
    for group in groups[: last_contact + 1]:
        for line in group:
            line.category = "metadata"
            contact_lines.append(line.text)
    contact = "\n".join(contact_lines)
    letter.contact = f"{letter.contact}\n{contact}" if letter.contact else contact
    return groups[last_contact][-1].no  # Line.no is 1-based: this is the next index


def _parse_tail(lines: list[Line], index: int, end: int, letter: LetterDraft) -> None:
    """After the signature: routing notes (furniture), attachments, distribution lists."""
    part: Part | None = None
    routing = False
    blank_run = 0
    for line in lines[index:end]:
        if line.blank:
            blank_run += 1
            if part is not None:
                part.lines.append(line)
            continue
        gap, blank_run = blank_run, 0
        if line.category == "furniture":
            continue
        text = line.text
        if fx.DISTRIBUTION_RE.match(text):
            part = Part(text, len(letter.parts), "distribution", [line])
            letter.parts.append(part)
            routing = False
            continue
        if part is None or part.kind == "distribution":
            if fx.is_name_line(text) or fx.ROUTING_START_RE.match(text) or text.startswith("•"):
                routing = True
            if (routing and len(text) <= 60) or fx.is_urgency(text) or len(text) <= 12:
                line.category = "furniture"
                continue
            routing = False
            if part is None:
                part = Part(text, len(letter.parts), "attachment", [line])
                letter.parts.append(part)
                continue
        elif gap >= 2 and len(text) <= 80 and _part_has_items(part) and match_marker(text) is None:
            part = Part(text, len(letter.parts), "attachment", [line])
            letter.parts.append(part)
            continue
        part.lines.append(line)


def _part_has_items(part: Part) -> bool:
    return any(not line.blank and match_marker(line.text) for line in part.lines[1:])

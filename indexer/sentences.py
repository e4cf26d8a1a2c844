"""Thai sentence units: quoted by extractive answers, embedded one by one for search
(`indexer.sentence_vectors`).

Thai writes no full stops: a space ends a clause or a sentence, and a newline in
these circulars is a printed line break (often mid-sentence). So a text is split at
whitespace and the pieces are glued back where a space does not end a sentence:

* the unit so far is still short (under `MIN_CHARS`): a heading-like run such as
  "๓.๖ เตรียมความพร้อม" or "ข้อ ๑" is not a sentence on its own;
* the next piece starts with a digit ("พ.ศ. ๒๕๖๘", "เวลา ๑๐.๐๐ น."), a repetition or
  abbreviation mark (ๆ ฯ), a closing bracket, or is a tiny tail ("น.", "เจ้าพระยา"):
  a printed line break inside a sentence shows up as such a space;
* the next piece continues the clause: a relative, listing or joining word (ที่, ซึ่ง,
  อาทิ, ได้แก่, เช่น, ดังนี้, ของ, และ, หรือ, ตลอดจน, รวมทั้ง);
* the unit ends with an abbreviation, a joining mark or word ("พ.ศ.", ":", ",", "/",
  "(", "และ", "หรือ", "โดย").

A sub-item marker ("(๑)", "๒)", "๒.๕)") always starts a new unit (but "๒)" closing a
bracket the unit opened, as in "(ฉบับที่ ๒)", is part of the text), and the markers are removed
from the returned sentences, since the citation already names the item. Units longer
than `MAX_CHARS` are cut at the next space regardless, so an answer stays short, and
a unit shorter than `TAIL_CHARS` joins the one before it.
"""

from __future__ import annotations

import re

MIN_CHARS = 80
MAX_CHARS = 400
TINY_PIECE = 12
TAIL_CHARS = 30
_DIGITS = "0-9๐-๙"
_SUB_MARKER_RE = re.compile(
    rf"^\(?[{_DIGITS}]{{1,3}}(?:\.[{_DIGITS}]{{1,3}})*\)$|^\([ก-ฮ]\)$")
_LEADING_MARKER_RE = re.compile(
    rf"^\s*(?:\(?[{_DIGITS}]{{1,3}}(?:\.[{_DIGITS}]{{1,3}})*\)|[{_DIGITS}]{{1,3}}(?:\.[{_DIGITS}]{{1,3}})*\.?(?=\s)"
    rf"|\([ก-ฮ]\))\s*"
)
_ATTACHED_RE = re.compile(rf"^[{_DIGITS}ๆฯ)\]]|^(?:น\.|บาท|คน|ราย|แห่ง)$")
_CONTINUATION_RE = re.compile(r"^(?:ที่|ซึ่ง|อาทิ|ได้แก่|เช่น|ดังนี้|ดังกล่าว|ของ|และ|หรือ|ตลอดจน|รวมทั้ง|รวมถึง)")
_GLUE_END_RE = re.compile(
    r"(?:[:,/(\-–]|\b[ก-ฮ]\.|พ\.ศ\.|ร\.ศ\.|จ\.|อ\.|ต\.|เลขที่|ที่|\sและ|\sหรือ|\sโดย)$")


def _closes_bracket(current: str, piece: str) -> bool:
    """Whether "๒)" closes a bracket the unit left open ("(ฉบับที่ ๒) พ.ศ. ๒๕๖๗"): a
    printed number, not a sub-item marker to cut at and strip."""
    return not piece.startswith("(") and current.count("(") > current.count(")")


def strip_marker(text: str) -> str:
    """ "๓.๖ เตรียม..." -> "เตรียม...", "(๑) กำหนด..." -> "กำหนด..."."""
    return _LEADING_MARKER_RE.sub("", text, count=1).strip()


def split_sentences(text: str) -> list[str]:
    """Sentence units of a passage, item markers removed, in order."""
    pieces = text.split()
    units: list[str] = []
    current = ""
    for piece in pieces:
        if not current:
            current = piece
            continue
        if (_SUB_MARKER_RE.match(piece) and len(strip_marker(current)) >= 1
                and not _closes_bracket(current, piece)):
            units.append(current)
            current = piece
            continue
        attached = _ATTACHED_RE.match(piece) is not None
        glue = (attached or len(strip_marker(current)) < MIN_CHARS or len(piece) <= TINY_PIECE
                or _CONTINUATION_RE.match(piece) is not None
                or _GLUE_END_RE.search(current) is not None)
        if glue and (len(current) < MAX_CHARS or attached):
            current = f"{current} {piece}"
        else:
            units.append(current)
            current = piece
    if current:
        units.append(current)
    merged: list[str] = []
    for unit in units:
        # A short tail left before the next sub-item ("ในแต่ละพื้นที่") ends the previous unit.
        if merged and len(unit) < TAIL_CHARS and not _SUB_MARKER_RE.match(unit.split()[0]):
            merged[-1] = f"{merged[-1]} {unit}"
        else:
            merged.append(unit)
    out = [strip_marker(unit) for unit in merged]
    return [unit for unit in out if unit]

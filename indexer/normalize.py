"""Thai text normalisation: one display form, one index form.

The display form is what an official reads: the printed text with Thai digits and
OCR slips intact, only repaired where Unicode itself is broken (decomposed sara am,
zero-width characters). The index form is what we match on: the display form with
Thai digits as Arabic, known OCR confusions corrected and whitespace collapsed.

Order matters: NFC first, then PyThaiNLP's `normalize` (which recomposes sara am and
drops doubled vowels). NFKC is never applied afterwards because it splits sara am
back into nikhahit + sara aa.
"""

from __future__ import annotations

import html
import re
import unicodedata

from pythainlp.util import normalize as thai_normalize

ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
SPACE_LIKE_RE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MULTISPACE_RE = re.compile(r"[ \t]+")
ANY_WHITESPACE_RE = re.compile(r"\s+")

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")

# OCR confusions seen in the seed circulars. Each is applied to the index form only,
# so the display keeps what was printed. Keep entries specific enough that they
# cannot hit correct Thai (e.g. "ปัญหานี้" alone is a real phrase, so the rule keeps
# the following word).
OCR_FIXES: tuple[tuple[str, str, str], ...] = (
    ("ค้ำมนุษย์", "ค้ามนุษย์", "seed 000 row 9: การค้ำมนุษย์"),
    ("สรุปลผล", "สรุปผล", "seed 001 มท 0211.6/ว 10303 subject"),
    ("สรุประเบิด", "สรุปประเด็น", "seed 000 subject and enclosure"),
    ("สรุปลงสาระสำคัญ", "สรุปสาระสำคัญ", "seed 004 memo subject"),
    ("ปัญหาคาความยากจน", "ปัญหาความยากจน", "seed 000 rows 5 and 9"),
    ("วิดิทัศน์", "วีดิทัศน์", "seed 000 preamble"),
    ("นายกองค้การ", "นายกองค์การ", "seed 000 เรียน line"),
    ("ภาวดล้าง", "กวาดล้าง", "seed 003 table: ภาวดล้างยาเสพติด"),
    ("ภาวดล้ำ", "กวาดล้าง", "seed 003 มท letter item 1"),
    ("ปัญหานี้ครัวเรือน", "ปัญหาหนี้ครัวเรือน", "seed 003 items 4 and 4.2"),
    ("แก้ปัญหานี้ครัวเรือน", "แก้ปัญหาหนี้ครัวเรือน", "seed 003 item 4.4"),
    ("ม้องเห็น", "มองเห็น", "seed 003 cover item 7.1"),
    ("รักษ์คิลปวัฒนธรรม", "รักษ์ศิลปวัฒนธรรม", "seed 003 table row 3"),
    ("บัญชีแบบท้าย", "บัญชีแนบท้าย", "seed 003 distribution list title"),
    ("ทำางาน", "ทำงาน", "seed 003 table row 2"),
    ("ปัญหในระดับ", "ปัญหาในระดับ", "seed 000 row 8"),
)


# Thai glyph variants that fonts keep in the Private Use Area (a tone mark set lower
# or further left, ฐ and ญ without their tails): text copied or extracted from a PDF
# set in such a font (TH Sarabun and its kin) carries them instead of the letters.
# Windows' codes and Apple's, as HarfBuzz's Thai fallback shaper lists them.
_THAI_PUA = {
    **dict.fromkeys((0xF70A, 0xF705, 0xF713, 0xF88B, 0xF88C, 0xF88A), "\u0e48"),  # mai ek
    **dict.fromkeys((0xF70B, 0xF706, 0xF714, 0xF88E, 0xF88F, 0xF88D), "\u0e49"),  # mai tho
    **dict.fromkeys((0xF70C, 0xF707, 0xF715, 0xF891, 0xF892, 0xF890), "\u0e4a"),  # mai tri
    **dict.fromkeys((0xF70D, 0xF708, 0xF716, 0xF894, 0xF895, 0xF893), "\u0e4b"),  # chattawa
    **dict.fromkeys((0xF70E, 0xF709, 0xF717, 0xF897, 0xF898, 0xF896), "\u0e4c"),  # thanthakhat
    **dict.fromkeys((0xF718, 0xF89B), "\u0e38"), **dict.fromkeys((0xF719, 0xF89C), "\u0e39"),
    **dict.fromkeys((0xF71A, 0xF89D), "\u0e3a"), **dict.fromkeys((0xF710, 0xF884), "\u0e31"),
    **dict.fromkeys((0xF701, 0xF885), "\u0e34"), **dict.fromkeys((0xF702, 0xF886), "\u0e35"),
    **dict.fromkeys((0xF703, 0xF887), "\u0e36"), **dict.fromkeys((0xF704, 0xF888), "\u0e37"),
    **dict.fromkeys((0xF712, 0xF889), "\u0e47"), **dict.fromkeys((0xF711, 0xF899), "\u0e4d"),
    **dict.fromkeys((0xF70F, 0xF89A), "\u0e0d"), **dict.fromkeys((0xF700, 0xF89E), "\u0e10"),
}

THAI_PUA_RE = re.compile("[" + "".join(map(chr, sorted(_THAI_PUA))) + "]")


TONE_MARKS = "\u0e48\u0e49\u0e4a\u0e4b"  # ่ ้ ๊ ๋
_ANY_TONE = f"[{TONE_MARKS}]?"


def tone_tolerant(word: str) -> str:
    """A regex for `word` with any tone mark, or none, where it has one: OCR drops and
    swaps them (ส่วนราชการ read as สวนราชการ, อ้างถึง as อ่างถึง), most of all in a
    scanned letter's header words."""
    return "".join(_ANY_TONE if char in TONE_MARKS else re.escape(char) for char in word)


def ocr_word(word: str) -> str:
    """A regex for a header word as printed, or as OCR read it with its tone marks
    dropped or swapped when a space or the line's end follows (a name such as
    เรืองศักดิ์ is not เรื่อง)."""
    return f"(?:{re.escape(word)}|{tone_tolerant(word)}(?=\\s|$))"


def without_tones(text: str) -> str:
    return text.translate({ord(mark): None for mark in TONE_MARKS})


def clean_unicode(text: str) -> str:
    """Repair Unicode without changing what is printed: NFC, sara am, zero-width, Thai
    glyph variants."""
    if THAI_PUA_RE.search(text):  # rare; a search is a tenth of a translate's cost
        text = text.translate(_THAI_PUA)
    text = unicodedata.normalize("NFC", text)
    text = ZERO_WIDTH_RE.sub("", text)
    text = SPACE_LIKE_RE.sub(" ", text)
    text = CONTROL_RE.sub(" ", text)
    return str(thai_normalize(text))


def to_arabic_digits(text: str) -> str:
    return text.translate(_TO_ARABIC)


def fix_ocr(text: str) -> str:
    for wrong, right, _seen in OCR_FIXES:
        if wrong in text:
            text = text.replace(wrong, right)
    return text


def collapse_spaces(text: str) -> str:
    return ANY_WHITESPACE_RE.sub(" ", text).strip()


def index_form(text: str) -> str:
    """The form used for matching: clean Unicode, Arabic digits, OCR fixes, one line."""
    return collapse_spaces(fix_ocr(to_arabic_digits(clean_unicode(text))))


_BLOCK_TAG_RE = re.compile(r"</?(?:p|li|ul|ol|br|div|tr|td|th|table)\b[^>]*>", re.IGNORECASE)
_ANY_TAG_RE = re.compile(r"</?[a-zA-Z][^>]{0,200}>")


def strip_html(text: str) -> str:
    """Drop HTML fragments that OCR tools leave in table cells, keeping list items apart."""
    if "<" not in text and "&" not in text:
        return text
    text = _BLOCK_TAG_RE.sub("\n", text)
    text = _ANY_TAG_RE.sub("", text)
    text = html.unescape(text)
    lines = [MULTISPACE_RE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def has_html(text: str) -> bool:
    return bool(_ANY_TAG_RE.search(text))

"""What kind of answer a question asks for, and whether a passage can give it.

Three kinds are recognised, each with a plain test on the passage text:

* a date or time ("จัดวันไหน", "เมื่อไร", "ช่วงไหน", "ภายในวันที่เท่าไร", "กี่โมง"): the
  passage names a month (full or abbreviated with dots), "วันที่ N", or a clock time
  ("10.00 น.");
* an amount of money ("กี่บาท", "วงเงินเท่าไร"): the passage has a number followed by
  บาท ("5,000 บาท", "หนึ่งล้านบาท");
* who prepared a document ("แนวทาง ... หน่วยงานใดเป็นผู้จัดทำ"): an office is said to have
  prepared something ("กรมส่งเสริมการปกครองท้องถิ่นจึงได้จัดทำแนวทาง"), or the passage is
  an enclosure's closing line naming its author office alone.

Hybrid search uses them within each letter: the items that can give the asked kind
go ahead of the letter's other items, so for a date question the item with the date
outranks one that only shares the topic's words (`retriever.search`). The answerer
also counts only amount-stating passages when deciding whether a money question is
answered at all (`service.relevance`). Dates are not used that way: most letters
carry dates somewhere, and on the dev questions that test refused an answerable
question without refusing an unanswerable one.

A count in a unit ("ภายในกี่วัน", "กี่คะแนน", "กี่แปลง", "ร้อยละเท่าไร") is asked for the
same way as money and tested the same way: the passage must state a number in that
unit ("ภายใน ๗ วัน", "ร้อยละ ๘๐"). `asked_unit` gives the unit a question asks for
(บาท for money), `states_unit` tests a passage; the answerer uses them (the search
does not: a count's unit is a word of the question already, so BM25 weighs it).
Enumeration classifiers (ข้อ, ด้าน, ประเภท, รูปแบบ) are not units here: a circular
answers "มีกี่ด้าน" by listing (๑) ... (๒) ..., rarely by stating "๔ ด้าน".

A question may also ask about the letter itself rather than its directives: its
date, signer, cited letters, enclosures, contact or addressees (`asked_letter_facts`). Search
puts a letter's opening paragraph first for the signer, cited letters and addressees,
and for the letter's own date when its header has a readable one (`retriever.search`);
the answerer states the asked facts from the letter's header (`service.letter_facts`).

A day ("จัดวันไหน") or a due day ("ภายในวันที่เท่าไร", "ทุกวันที่เท่าไร") is asked for in
the same spirit as a figure (`asked_day` / `states_day`): the answerer counts only
passages naming a day, or setting one for a due day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Literal

from indexer.normalize import index_form
from indexer.thai_dates import MONTHS_ABBR, MONTHS_FULL
from indexer.thai_tokens import tokenize

AnswerKind = Literal["date", "amount", "author"]

_MONTHS = "|".join(re.escape(name) for name in sorted(
    (*MONTHS_FULL, *MONTHS_ABBR), key=len, reverse=True))
_MONEY = r"(?:เงิน|บาท|ค่าใช้จ่าย|ค่าตอบแทน|เบี้ย|งบ)"
_HOW_MUCH = r"(?:เท่าไร|เท่าไหร่|เท่าใด)"
_NUMBER_WORDS = "หนึ่ง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ|ยี่สิบ|ร้อย|พัน|หมื่น|แสน|ล้าน"

_AGENCY_WORD = r"(?:หน่วยงาน|ส่วนราชการ|กรม|กระทรวง|สำนัก|กอง)"
_OFFICE = "กระทรวง|กรม|สำนัก|กอง|กลุ่มงาน|ศูนย์|สถาบัน|จังหวัด"
ASKS: dict[AnswerKind, re.Pattern[str]] = {
    "date": re.compile(
        r"วันไหน|วันใด|วันที่เท่าไ|เมื่อไร|เมื่อไหร่|ช่วงไหน|ช่วงใด|เดือนไหน|เดือนใด"
        r"|ภายในวันที่|ภายในเดือน|กี่โมง|เวลาเท่าไ"),
    # "ส่งยอดใช้เงินทุกวันที่เท่าไร" asks a day, not an amount: no วันที่ in between.
    "amount": re.compile(rf"กี่\s?บาท|{_MONEY}(?:(?!วันที่)[^\s]){{0,24}}\s?{_HOW_MUCH}"),
    # Who prepared a document ("แนวทาง ... หน่วยงานใดเป็นผู้จัดทำ", "เอกสารสรุปใครจัดทำ").
    "author": re.compile(
        rf"(?:ใคร|ผู้ใด|{_AGENCY_WORD}\s?(?:ใด|ไหน))\s?(?:เป็น(?:คน|ผู้)?)?\s?(?:จัดทำ|ทำขึ้น|เรียบเรียง)"
        rf"|ผู้จัดทำ\s?(?:คือ|เป็น)?\s?(?:ใคร|ผู้ใด|{_AGENCY_WORD}\s?(?:ใด|ไหน))"
        rf"|(?:จัดทำ|เรียบเรียง)(?:ขึ้น)?\s?โดย\s?(?:ใคร|ผู้ใด|{_AGENCY_WORD}\s?(?:ใด|ไหน))"),
}
# Passage tests run on the display text as stored, Thai or Arabic digits: bringing up
# to 200 candidates to the index form first (PyThaiNLP's normalize) cost 140 ms a
# query at 168k chunks.
_DIGIT = "[0-9๐-๙]"
STATES: dict[AnswerKind, re.Pattern[str]] = {
    "date": re.compile(
        rf"(?:{_MONTHS})|วันที่\s*{_DIGIT}|{_DIGIT}{{1,2}}\s*[.:]\s*{_DIGIT}{{2}}\s*น"),
    "amount": re.compile(rf"(?:{_DIGIT}|{_NUMBER_WORDS})\s*(?:ล้าน|แสน|หมื่น|พัน)?\s*บาท"),
    # An office said to have prepared it, or a document's closing line naming its
    # author office alone ("สำนักนโยบายและแผน สำนักงานปลัดกระทรวงมหาดไทย").
    "author": re.compile(
        rf"(?:{_OFFICE})[^\n]{{0,80}}?(?:ได้)?(?:จัดทำ|เรียบเรียง)"
        rf"|^\s*(?:{_OFFICE})[^0-9๐-๙\n]{{0,90}}\s*$"),
}


# Longest first, so that ตารางเมตร is not read as เมตร.
UNITS: tuple[str, ...] = tuple(sorted((
    "วัน", "เดือน", "ปี", "สัปดาห์", "ชั่วโมง", "นาที",
    "ตารางเมตร", "ตารางกิโลเมตร", "ไร่", "กิโลเมตร", "เมตร",
    "คน", "ราย", "ครัวเรือน", "หลังคาเรือน", "แห่ง", "ชุมชน", "หมู่บ้าน", "ตำบล", "อำเภอ",
    "จังหวัด", "แปลง", "คะแนน", "ครั้ง", "ร้อยละ", "ดาว",
), key=len, reverse=True))
MONEY_UNIT = "บาท"
PERCENT = "ร้อยละ"
_UNIT = "|".join(UNITS)
_ASKS_UNIT = re.compile(rf"กี่\s?({_UNIT})|({PERCENT})\s?(?:{_HOW_MUCH}|กี่)")
# "กี่เปอร์เซ็นต์", "กี่ %", "เปอร์เซ็นต์เท่าไร": a percentage asked in everyday words,
# spelt as people spell it (เปอร์เซนต์, เปอร์เซ็นท์, เปอเซ็นต์).
_PERCENT_WORD = r"เปอ(?:ร์)?เซ็?น(?:ต์|ท์)?"
_ASKS_PERCENT = re.compile(rf"กี่\s?(?:{_PERCENT_WORD}|%)|(?:{_PERCENT_WORD}|%)\s?{_HOW_MUCH}")
_NUMBER = rf"(?:{_DIGIT}|{_NUMBER_WORDS})"
# "ปี ๒๕๖๘ วันที่ ๗" is a date, not a count of days; a star rating ("OTOP ๕ ดาว") is not
# "ดาวน์โหลด".
_UNIT_AFTER = {"วัน": "(?!ที่)", "ดาว": "(?!น์)"}


# A day asked for ("จัดวันไหน"), not a month or a period: only a passage naming a day
# ("วันที่ ๒๐", "๖ พฤศจิกายน") can answer it. A deadline or a recurring day ("ภายใน
# วันที่เท่าไร", "ทุกวันที่เท่าไร") only one that sets it ("ภายในวันที่ ๓๑ ตุลาคม", "ทุกวันที่
# ๒๐"): a passage dating the meeting it reports does not.
DayAsked = Literal["day", "deadline"]
# Asked, not stated: "ทุกวันที่ 5 ธันวาคม ต้องจัดกิจกรรมอะไร" names its day.
ASKS_DEADLINE = re.compile(r"(?:ภายใน|ทุก|ก่อน)\s?วัน(?:ที่\s?(?:เท่าไ|ใด)|ไหน|ใด)")
ASKS_DAY = re.compile(r"วันที่\s?(?:เท่าไ|ใด)|วันไหน|วันใด")
STATES_DAY = re.compile(rf"วันที่\s*{_DIGIT}|{_DIGIT}{{1,2}}\s*(?:{_MONTHS})")
_WEEKDAYS = "จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัส|ศุกร์|เสาร์|อาทิตย์"
# A day set after its lead word: "วันที่ ๒๐", "วันศุกร์ที่ ๒๐", "๓๑ ตุลาคม".
_SET_DAY = rf"\s*(?:วัน(?:{_WEEKDAYS})?ที่\s*{_DIGIT}|{_DIGIT}{{1,2}}\s*(?:{_MONTHS}))"
STATES_DEADLINE = re.compile(rf"(?:ภายใน|ทุก|ก่อน|ไม่เกิน){_SET_DAY}|ทุกวัน(?:{_WEEKDAYS})")


# A one-off due date, not a recurring day ("ทุกวันที่ ๒๐"): it gives a number of days.
STATES_DUE_DATE = re.compile(rf"(?:ภายใน|ก่อน|ไม่เกิน){_SET_DAY}")


def asked_day(question: str) -> DayAsked | None:
    """"deadline" when the question asks by which day or on which day of each period
    something is due, "day" when it asks on which day something is, else None. Not for
    the letter's own date, which its header states (`asked_letter_facts`)."""
    text = index_form(question)
    if "date" in asked_letter_facts(question):
        return None
    if ASKS_DEADLINE.search(text):
        return "deadline"
    return "day" if ASKS_DAY.search(text) else None


def states_day(asked: DayAsked, text: str) -> bool:
    """Whether the text names a day ("วันที่ ๒๐", "๖ พฤศจิกายน ๒๕๖๓"), or for a deadline
    sets one ("ภายในวันที่ ๓๑ ตุลาคม", "ทุกวันที่ ๒๐")."""
    pattern = STATES_DEADLINE if asked == "deadline" else STATES_DAY
    return pattern.search(text) is not None


# A rate ("เดือนละกี่บาท", "ครัวเรือนละกี่บาท", "มื้อละไม่เกินกี่บาท"): a figure per month,
# household, meal. Only a passage stating a figure per the same thing can give it
# ("เดือนละ ๖๐๐ บาท", "๕๐ บาทต่อมื้อ"); one stating a sum or an average cannot.
_RATE_MARK = "ละ"
_RATE_LEAD = frozenset({"ไม่", "เกิน", "ต่ำ", "กว่า", "น้อย", "ประมาณ"})
_ASKING = frozenset({"กี่", "เท่าไร", "เท่าไหร่", "เท่าใด"})
_AT_MOST = r"(?:ไม่เกิน|ไม่ต่ำกว่า|ไม่น้อยกว่า|ประมาณ|จำนวน)?"


def asked_rate(question: str) -> str | None:
    """What the question asks a figure per ("เดือน" for "ได้เดือนละกี่บาท"), or None."""
    tokens = tokenize(question)
    for index, token in enumerate(tokens):
        if token == _RATE_MARK and index > 0:
            per = tokens[index - 1]
        elif token.endswith(_RATE_MARK) and len(token) > len(_RATE_MARK) + 1:
            per = token.removesuffix(_RATE_MARK)  # newmm keeps "คนละ" whole
        else:
            continue
        following = [t for t in tokens[index + 1:index + 5] if t not in _RATE_LEAD]
        if following and following[0] in _ASKING:
            return per
    return None


@lru_cache(maxsize=64)
def _states_rate_re(per: str) -> re.Pattern[str]:
    name = re.escape(per)
    return re.compile(rf"{name}\s*{_RATE_MARK}\s*{_AT_MOST}\s*{_NUMBER}"
                      rf"|{_NUMBER}[^\n]{{0,24}}?(?:ต่อ|/)\s*{name}")


def states_rate(per: str, text: str) -> bool:
    """Whether the text states a figure per `per` ("เดือนละ ๖๐๐ บาท", "๕๐ บาท/มื้อ")."""
    return _states_rate_re(per).search(text) is not None


# Who holds a role ("มีใครเป็นหัวหน้าคณะทำงาน", "ประธานคือใคร"): only a passage that
# mentions the role can name its holder; one about the body it heads cannot. A question
# may ask for several ("ใครเป็นประธานและเลขานุการ"); a passage naming any of them counts.
ROLES = ("รองประธาน", "ประธาน", "หัวหน้า", "เลขานุการ")
_ROLE = "|".join(ROLES)
_ROLES = rf"(?:{_ROLE})(?:\s?(?:และ|กับ|หรือ|,)\s?(?:ใคร\s?เป็น\s?)?(?:{_ROLE}))*"
ASKS_ROLE = re.compile(rf"(?:ใคร|ผู้ใด)\s?(?:เป็น|ดำรงตำแหน่ง)\s?({_ROLES})"
                       rf"|({_ROLES})\S{{0,40}}?\s?(?:คือ|เป็น)\s?(?:ใคร|ผู้ใด)")
ROLE_RE = re.compile(_ROLE)


def asked_roles(question: str) -> tuple[str, ...]:
    """The roles whose holders the question asks for (("หัวหน้า",)), or none."""
    match = ASKS_ROLE.search(index_form(question))
    if not match:
        return ()
    # The whole match: "ประธานคณะกรรมการและเลขานุการคือใคร" names a role after a noun.
    return tuple(dict.fromkeys(ROLE_RE.findall(match.group(0))))


def states_role(roles: tuple[str, ...], text: str) -> bool:
    """Whether the text mentions any of the roles at all."""
    return any(role in text for role in roles)


# Which provinces ("มีจังหวัดอะไรบ้าง"): only a passage naming provinces can list them;
# one giving their number ("ใน ๕๗ จังหวัด") cannot.
PROVINCES = (
    "กรุงเทพมหานคร", "กระบี่", "กาญจนบุรี", "กาฬสินธุ์", "กำแพงเพชร", "ขอนแก่น", "จันทบุรี",
    "ฉะเชิงเทรา", "ชลบุรี", "ชัยนาท", "ชัยภูมิ", "ชุมพร", "เชียงราย", "เชียงใหม่", "ตรัง", "ตราด",
    "ตาก", "นครนายก", "นครปฐม", "นครพนม", "นครราชสีมา", "นครศรีธรรมราช", "นครสวรรค์",
    "นนทบุรี", "นราธิวาส", "น่าน", "บึงกาฬ", "บุรีรัมย์", "ปทุมธานี", "ประจวบคีรีขันธ์",
    "ปราจีนบุรี", "ปัตตานี", "พระนครศรีอยุธยา", "พะเยา", "พังงา", "พัทลุง", "พิจิตร", "พิษณุโลก",
    "เพชรบุรี", "เพชรบูรณ์", "แพร่", "ภูเก็ต", "มหาสารคาม", "มุกดาหาร", "แม่ฮ่องสอน", "ยโสธร",
    "ยะลา", "ร้อยเอ็ด", "ระนอง", "ระยอง", "ราชบุรี", "ลพบุรี", "ลำปาง", "ลำพูน", "เลย",
    "ศรีสะเกษ", "สกลนคร", "สงขลา", "สตูล", "สมุทรปราการ", "สมุทรสงคราม", "สมุทรสาคร",
    "สระแก้ว", "สระบุรี", "สิงห์บุรี", "สุโขทัย", "สุพรรณบุรี", "สุราษฎร์ธานี", "สุรินทร์",
    "หนองคาย", "หนองบัวลำภู", "อ่างทอง", "อำนาจเจริญ", "อุดรธานี", "อุตรดิตถ์", "อุทัยธานี",
    "อุบลราชธานี",
)
# Not "หน่วยงานระดับจังหวัดใดบ้าง", "ส่วนราชการประจำจังหวัดใดบ้าง": offices, not provinces.
_PROVINCE_WORD = r"(?<!ระดับ)(?<!ประจำ)(?<!ท้องถิ่น)(?<!สำนักงาน)จังหวัด"
ASKS_PROVINCES = re.compile(
    rf"{_PROVINCE_WORD}\s?(?:อะไร|ใด|ไหน)\s?บ้าง|(?:มี|ได้แก่)\s?{_PROVINCE_WORD}\s?(?:อะไร|ใด|ไหน)")
# A name after จังหวัด / จ. or standing as a word between spaces, commas or และ: "แพร่"
# inside เผยแพร่ and "ตาก" inside ตากใบ are not provinces.
_PROVINCE_RE = re.compile(
    r"(?:(?<=จังหวัด)|(?<=จ\.)|(?<=[\s,(])|(?<=และ)|^)\s?("
    + "|".join(sorted(PROVINCES, key=len, reverse=True))
    + r")(?=[\s,.)/]|และ|$)")


def asks_provinces(question: str) -> bool:
    """Whether the question asks which provinces ("มีจังหวัดอะไรบ้าง")."""
    return ASKS_PROVINCES.search(index_form(question)) is not None


def names_provinces(text: str) -> bool:
    """Whether the text names at least two provinces: a list, not one's own name."""
    return len(set(_PROVINCE_RE.findall(text))) >= 2


def asked_unit(question: str) -> str | None:
    """The unit the question asks a number of: บาท for money ("วงเงินเท่าไร", "กี่บาท"),
    another of `UNITS` for a count ("ภายในกี่วัน", "ร้อยละเท่าไร"), else None."""
    text = index_form(question)
    # A count first: "ดอกเบี้ยร้อยละเท่าไร" asks a percentage, though "เบี้ย...เท่าไร"
    # reads as money.
    match = _ASKS_UNIT.search(text)
    if match:
        return match.group(1) or match.group(2)
    if _ASKS_PERCENT.search(text):
        return PERCENT
    return MONEY_UNIT if ASKS["amount"].search(text) else None


@lru_cache(maxsize=64)
def _states_unit_re(unit: str) -> re.Pattern[str]:
    if unit == MONEY_UNIT:
        return STATES["amount"]
    if unit == PERCENT:
        return re.compile(rf"{PERCENT}\s*{_NUMBER}|{_NUMBER}\s*(?:%|{_PERCENT_WORD})")
    return re.compile(rf"{_NUMBER}\s*(?:ล้าน|แสน|หมื่น|พัน)?\s*{re.escape(unit)}"
                      f"{_UNIT_AFTER.get(unit, '')}")


def states_unit(unit: str, text: str) -> bool:
    """Whether the text states a number of `unit` ("๗ วัน", "5,000 บาท", "ร้อยละ 80"). A
    due day ("ภายในวันที่ ๓๑ ตุลาคม ๒๕๖๗") gives a number of days too, counted from the
    letter's date: "ให้เวลาเบิกจ่ายกี่วัน"."""
    if unit == "วัน" and STATES_DUE_DATE.search(text):
        return True
    return _states_unit_re(unit).search(text) is not None


# What a question asks about a letter as a document, not about its directives
# (patterns on the index form): its date, signer, cited letters, enclosures, contact.
# The facts live in the letter's header and signature, which the index attaches to
# its opening paragraph (`indexer.chunker.header_facts`).
# Between a letter word and "เมื่อไร"/"ถึงใคร", a word that sets a task ("มีหนังสือแจ้ง
# อำเภอ ต้องรายงานผลเมื่อไร", "ให้รายงานผลถึงหน่วยงานใด") makes it a question about the
# task's deadline or recipient, not about the letter; so does a long gap.
_NO_TASK = r"(?:(?!ต้อง|ให้|ภายใน|รายงาน|กำหนด|ส่งผล)[^?])"
_LETTER_GAP = rf"{_NO_TASK}{{0,80}}?"
LETTER_FACTS: dict[str, re.Pattern[str]] = {
    "date": re.compile(
        rf"ลงวันที่|ออกเมื่อ|(?:หนังสือ|บันทึก){_LETTER_GAP}(?:เมื่อวันที่|วันที่เท่าไ|วันที่ใด)"
        rf"|(?:มี|ออก)(?:หนังสือ|บันทึก){_LETTER_GAP}(?:เมื่อไร|เมื่อไหร่|วันไหน)"),
    # Asked of the letter ("ใครลงนาม", "ลงนามโดยใคร"), not a directive to sign an MOU.
    "signer": re.compile(r"ผู้ลงนาม|ผู้ลงชื่อ|ลงนามโดย|(?:ใคร|ผู้ใด)\S{0,12}(?:ลงนาม|เซ็น)"
                         r"|(?:ลงนาม|เซ็น)\S{0,12}(?:ใคร|ผู้ใด)"),
    "references": re.compile(r"อ้างถึง|เท้าความ"),
    "enclosures": re.compile(r"สิ่งที่ส่งมาด้วย|ส่ง\S{0,24}มาด้วย|แนบ|ส่งมาพร้อม"),
    # Whom or where to contact, not "ชาวบ้านอยากติดต่อราชการผ่านมือถือ" (a service).
    "contact": re.compile(
        r"ติดต่อ\S{0,16}?(?:ที่ไหน|ที่ใด|ใคร|ผู้ใด|หน่วยงานใด|หน่วยงานไหน|สำนักใด|ส่วนใด|ได้ที่|เบอร์)"
        r"|ผู้ประสานงาน|เบอร์โทร|โทรเบอร์|โทรศัพท์|อีเมล|ไปรษณีย์อิเล็กทรอนิกส์"),
    # Asked, not described: "ส่งถึงท้องถิ่นจังหวัด" names the addressee to find a letter.
    # "ถึงใคร" only after a letter word ("หนังสือ ว 10303 ส่งถึงใคร"), not "หมายถึงใคร".
    "addressee": re.compile(
        rf"(?:(?:หนังสือ|บันทึก|ฉบับ|ส่ง|เวียน|แจ้ง){_LETTER_GAP}(?<!หมาย)(?:ถึง|เรียน)|(?:^|\s)เรียน)"
        r"\s?(?:ใคร|ผู้ใด|หน่วยงานใด|หน่วยงานไหน|ส่วนราชการใด|ที่ใด)"
        # "ผู้รับหนังสือ...คือใคร", not "ผู้รับผิดชอบคือใคร" or "ผู้รับบริการ".
        r"|ผู้รับ(?:หนังสือ\S{0,24})?\s?(?:คือ|เป็น)?\s?(?:ใคร|ผู้ใด|หน่วยงานใด)"),
}


# The summary table a letter encloses ("ตามตารางสรุปข้อสั่งการ ..."), not an area
# ("ตารางเมตร", "ตารางกิโลเมตร", "ตารางวา").
ASKS_TABLE = re.compile(r"ตาราง(?!เมตร|กิโล|วา)")


def asks_table(question: str) -> bool:
    """Whether the question points at a table: its rows say more than the items they
    restate (the responsible agencies, the speaker and policy above them)."""
    return ASKS_TABLE.search(index_form(question)) is not None


# Which letter, not what it says: "หนังสือเวียนฉบับไหนที่อ้าง ...", "อยู่ในหนังสือเลขที่อะไร",
# "ฉบับใดอ้างถึง ...". Not which law, form or plan ("พระราชบัญญัติฉบับไหน", "แบบฟอร์ม
# ฉบับไหน"), which house or deed number ("บ้านเลขที่อะไร"), nor บันทึก as a verb ("ต้อง
# บันทึกอะไร").
_NOT_LETTERS = ("บัญญัติ", "พ.ร.บ.", "ระเบียบ", "กฎหมาย", "กฎกระทรวง", "แบบ", "ฟอร์ม", "แผน",
                "ประกาศ", "คำสั่ง", "ข้อบังคับ", "สัญญา", "รัฐธรรมนูญ", "คู่มือ", "มติ")
_NOT_NUMBERED = ("บ้าน", "โฉนด", "บัญชี", "บัตร", "ห้อง", "ทะเบียน")


def _not_after(words: tuple[str, ...]) -> str:
    """Look-behinds excluding each word, right before or a space before."""
    return "".join(f"(?<!{re.escape(word)})(?<!{re.escape(word)} )" for word in words)


ASKS_WHICH_LETTER = re.compile(
    r"(?:หนังสือ(?:เวียน)?|บันทึกข้อความ)\s?(?:ฉบับ\s?)?(?:ไหน|ใด|อะไร)"
    rf"|{_not_after(_NOT_LETTERS)}ฉบับ\s?(?:ไหน|ใด)"
    rf"|{_not_after(_NOT_NUMBERED)}เลขที่\s?(?:อะไร|เท่าไ|ใด)")


def asks_which_letter(question: str) -> bool:
    """Whether the question asks which letter says something (its answer names one)."""
    return ASKS_WHICH_LETTER.search(index_form(question)) is not None


def without_which_letter(question: str) -> str:
    """The question (index form) without the words asking which letter: they say what
    kind of answer is wanted, not what it is about, and every passage lacks them
    ("หนังสือเวียนฉบับไหนสั่งเรื่องยาเสพติด" is about ยาเสพติด)."""
    return ASKS_WHICH_LETTER.sub(" ", index_form(question))


def asked_letter_facts(question: str) -> list[str]:
    """The letter facts the question asks for, in `LETTER_FACTS` order (usually none)."""
    text = index_form(question)
    return [fact for fact, pattern in LETTER_FACTS.items() if pattern.search(text)]


def asked_kinds(question: str) -> list[AnswerKind]:
    """The kinds of answer the question asks for (usually none)."""
    text = index_form(question)
    return [kind for kind, pattern in ASKS.items() if pattern.search(text)]


def states(kind: AnswerKind, text: str) -> bool:
    """Whether the text (as printed or in the index form) can give an answer of this kind."""
    return STATES[kind].search(text) is not None


@dataclass(frozen=True)
class Requirement:
    """Something the question asks for that only some passages can give: `test` reads a
    passage's text; `thai` / `english` say so in a not-found note."""

    thai: str
    english: str
    test: Callable[[str], bool]


def answer_requirements(question: str) -> list[Requirement]:
    """What a passage must state to answer the question: a figure in the asked unit, a
    day or due day, a rate, one of the roles asked about, provinces by name (usually
    nothing)."""
    unit, day = asked_unit(question), asked_day(question)
    per, roles = asked_rate(question) or "", asked_roles(question)
    several = len(roles) > 1
    role_thai, role_english = " หรือ ".join(roles), " or ".join(roles)
    counted = unit not in (None, MONEY_UNIT)
    rules: list[tuple[bool, str, str, Callable[[str], bool]]] = [
        (unit == MONEY_UNIT, "คำถามถามจำนวนเงิน จึงนับเฉพาะข้อความที่ระบุจำนวนเงิน",
         "the question asks for an amount of money, so only passages stating one count",
         partial(states_unit, MONEY_UNIT)),
        (counted, f"คำถามถามจำนวน{unit} จึงนับเฉพาะข้อความที่ระบุตัวเลขเป็น{unit}",
         f"the question asks for a number of {unit}, so only passages stating one count",
         partial(states_unit, unit or "")),
        (day == "deadline", "คำถามถามกำหนดวัน จึงนับเฉพาะข้อความที่กำหนดวันที่",
         "the question asks for a due day, so only passages setting one count",
         partial(states_day, "deadline")),
        (day == "day", "คำถามถามวันที่ จึงนับเฉพาะข้อความที่ระบุวันที่",
         "the question asks for a day, so only passages naming one count",
         partial(states_day, "day")),
        (bool(per), f"คำถามถามอัตรา{per}ละ จึงนับเฉพาะข้อความที่ระบุอัตรา{per}ละ",
         f"the question asks for a figure per {per}, so only passages stating one count",
         partial(states_rate, per)),
        (bool(roles), f"คำถามถามผู้ดำรงตำแหน่ง{role_thai} จึงนับเฉพาะข้อความที่กล่าวถึง"
         + ("ตำแหน่งใดตำแหน่งหนึ่ง" if several else role_thai),
         f"the question asks who holds the role {role_english}, so only passages naming "
         + ("one of them" if several else "it") + " count",
         partial(states_role, roles)),
        (asks_provinces(question), "คำถามถามว่าจังหวัดใดบ้าง จึงนับเฉพาะข้อความที่ระบุชื่อจังหวัด",
         "the question asks which provinces, so only passages naming them count",
         names_provinces),
    ]
    return [Requirement(thai, english, test) for wanted, thai, english, test in rules if wanted]

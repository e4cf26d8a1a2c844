"""Which letters' issuer a question names as the sender.

The same directive often reaches an office twice: in the ministry's letter and in a
province's letter relaying it. Officials then say whose letter they mean:
"กระทรวงมหาดไทยสั่งการผู้ว่าราชการจังหวัดเรื่อง...", "จังหวัดชัยภูมิสั่งให้อำเภอ...",
"หนังสือจังหวัดนราธิวาสให้ดาวน์โหลด...". Text similarity alone barely separates the two
copies (they share almost every word), so hybrid search gives the named sender's
letters a third ranked list in the fusion (see `retriever.search`).

An issuer counts as named only as a sender: followed by a verb of issuing (สั่ง, แจ้ง,
ขอให้, ให้, เวียน, ส่ง, กำหนด, จะ) or preceded by หนังสือ / ฉบับ. "นโยบายสำคัญของ
กระทรวงมหาดไทย" names the ministry as a topic, and most letters here share that topic.
Nor does a letter that another one encloses: in "หนังสือจังหวัดใดแนบสำเนาหนังสือกระทรวง
มหาดไทย" the ministry wrote the copy, and the question asks for a province's letter
(on the dev questions: one question from rank 11 to 1, none lost).
Names come from the index's own letters: the first word of each issuer
("กรมส่งเสริมการปกครองท้องถิ่น", "กระทรวงมหาดไทย", "จังหวัดเชียงใหม่") and, for a
province, the province's name alone ("เชียงใหม่ ให้...").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from circulars.models import Letter
from indexer.normalize import index_form
from retriever.letter_names import LetterNames, with_everyday_forms

PROVINCE = "จังหวัด"
MIN_NAME_CHARS = 4  # shorter "names" (OCR debris in an issuer line) would match anywhere
SENDER_VERB_RE = re.compile(r"\s?(?:สั่ง|แจ้ง|ขอให้|ให้|ขอ(?!ง)|เวียน|ส่ง|มีหนังสือ|กำหนด|จะ)")
LETTER_WORD_RE = re.compile(r"(?:หนังสือ|ฉบับ)(?:ของ)?\s?(?:จังหวัด)?\s?$")
# "แนบสำเนาหนังสือกระทรวงมหาดไทย": the named letter is what another letter encloses,
# and its issuer is not the sender asked about.
ENCLOSED_LETTER_RE = re.compile(r"สำเนา\s?(?:หนังสือ|ฉบับ)(?:ของ)?\s?(?:จังหวัด)?\s?$")
LEAD_IN_CHARS = 28


class SenderNames:
    """Issuer names of an index's letters, and the letters each name stands for."""

    def __init__(self, letters: Iterable[Letter],
                 everyday: Mapping[str, Sequence[str]] | None = None) -> None:
        """`everyday`: official wordings -> their everyday forms, for names written short."""
        named = ((name, letter.id) for letter in letters for name in issuer_names(letter.issuer))
        self._names = LetterNames(with_everyday_forms(named, everyday or {}))

    def __len__(self) -> int:
        return len(self._names)

    def letters_named(self, query: str) -> set[str]:
        """Ids of the letters whose issuer the query names as sender (often none)."""
        text = index_form(query)
        found: set[str] = set()
        for match, letter_ids in self._names.found_in(text):
            # Wide enough for the longest lead-in, "สำเนาหนังสือของจังหวัด " (23).
            before = text[max(0, match.start() - LEAD_IN_CHARS):match.start()]
            if ENCLOSED_LETTER_RE.search(before):
                continue
            if SENDER_VERB_RE.match(text, match.end()) or LETTER_WORD_RE.search(before):
                found |= letter_ids
        return found


def issuer_names(issuer: str | None) -> list[str]:
    """How a question names the issuer: its first word ("จังหวัดเชียงใหม่",
    "กระทรวงมหาดไทย"; "จังหวัด ลำปาง" as OCR spaced it is "จังหวัดลำปาง") and, for a
    province, the province's name alone; none for a name too short to tell."""
    if not issuer:
        return []
    words = index_form(issuer).split()
    head = words[0] if words else ""
    if head == PROVINCE and len(words) > 1:
        head += words[1]
    if len(head) < MIN_NAME_CHARS:
        return []
    names = [head]
    province = head.removeprefix(PROVINCE)
    if province != head and len(province) >= MIN_NAME_CHARS - 1:
        names.append(province)
    return names

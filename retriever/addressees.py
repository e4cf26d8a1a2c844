"""Which letters' addressee a question names.

A letter's header says whom it is for (เรียน ผู้ว่าราชการจังหวัด ทุกจังหวัด; เรียน
อธิบดีกรมส่งเสริมการปกครองท้องถิ่น). Officials tell letters apart that way: "บันทึกที่ส่ง
สรุปการตรวจเยี่ยมถึงอธิบดีกรมส่งเสริมการปกครองท้องถิ่น" is the ministry's memo to the
department, not the department's letter that relays the same summary to the provinces,
though both share the summary's words and both name the department (one as
addressee, the other as sender and signer).

An addressee counts as named only after a word that addresses it: ถึง, เรียน, แจ้ง,
เวียนให้, เวียนต่อให้, ส่งให้. "ผู้ว่าราชการจังหวัดต้องทำอย่างไร" names the governors as the ones
who act, as most directives do. Names come from the index's own letters: the first
word of each addressee line, at least `MIN_NAME_CHARS` long, and not a pointer to an
attached list ("(ตามบัญชีแนบท้าย)"). Hybrid search fuses the named letters' chunks in
as one more ranked list, like the named sender's (`retriever.search`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from circulars.models import Letter
from indexer.normalize import index_form
from retriever.letter_names import LetterNames, with_everyday_forms

MIN_NAME_CHARS = 6  # "นายก" or "ปลัด" alone would name half the letters
# A name most letters are addressed to (ผู้ว่าราชการจังหวัด, in a ministry's circulars)
# tells none apart; counted only once there are this many letters to tell apart.
COMMON_SHARE = 0.5
COMMON_MIN_LETTERS = 8
ADDRESSING_RE = r"(?:ถึง|เรียน|แจ้ง|เวียนต่อให้|เวียนให้|ส่งให้)\s?"


class AddresseeNames:
    """Addressee names of an index's letters, and the letters each name stands for."""

    def __init__(self, letters: Iterable[Letter],
                 everyday: Mapping[str, Sequence[str]] | None = None) -> None:
        """`everyday`: official wordings -> their everyday forms, for names written short."""
        letters = list(letters)
        named = [(name, letter.id) for letter in letters if (name := _name_of(letter.to))]
        if len(letters) >= COMMON_MIN_LETTERS:
            counts = Counter(name for name, _ in named)
            named = [(name, letter_id) for name, letter_id in named
                     if counts[name] <= COMMON_SHARE * len(letters)]
        self._names = LetterNames(with_everyday_forms(named, everyday or {}), ADDRESSING_RE)

    def __len__(self) -> int:
        return len(self._names)

    def letters_named(self, query: str) -> set[str]:
        """Ids of the letters whose addressee the query names as such (often none)."""
        found: set[str] = set()
        for _, letter_ids in self._names.found_in(index_form(query)):
            found |= letter_ids
        return found


def _name_of(to: str | None) -> str | None:
    if not to:
        return None
    # "ผู้ว่าราชการจังหวัดทุกจังหวัด" and "ผู้ว่าราชการจังหวัด ทุกจังหวัด" (OCR spacing) are
    # the same addressees.
    head = index_form(to).split(" ")[0].split("ทุก")[0]
    if len(head) < MIN_NAME_CHARS or not head[0].isalpha():
        return None
    return head

"""Names that stand for letters of an index (their issuers, their addressees), found
in a question.

`retriever.senders` and `retriever.addressees` each take names from the index's own
letters and decide when a name found in a question counts (after a verb of issuing,
after ถึง / เรียน); this holds what they share: which letters a name stands for, and
one alternation over all names, longest first, so that "จังหวัดเชียงใหม่" wins over
"เชียงใหม่" at the same place. Officials also write names the short way ("สถ. แจ้ง...",
"ส่งถึงอธิบดี สถ."): `with_everyday_forms` adds those spellings, from the thesaurus's
abbreviations (so none when query expansion, and with it the thesaurus, is off).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from indexer.normalize import index_form


class LetterNames:
    """Names -> ids of the letters each stands for, matched in normalised text."""

    def __init__(self, named: Iterable[tuple[str, str]], lead_in: str = "") -> None:
        """`named`: (name, letter id) pairs; `lead_in`: a pattern a name must follow."""
        self._letters: dict[str, set[str]] = {}
        for name, letter_id in named:
            self._letters.setdefault(name, set()).add(letter_id)
        self._lead_in = lead_in
        self._pattern = self._compile()

    def __len__(self) -> int:
        return len(self._letters)

    def found_in(self, text: str) -> Iterator[tuple[re.Match[str], set[str]]]:
        """Each name found in `text` (group 1 of the match), with the letters it names."""
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            yield match, self._letters[match.group(1)]

    def _compile(self) -> re.Pattern[str] | None:
        names = sorted(self._letters, key=len, reverse=True)
        if not names:
            return None
        return re.compile(self._lead_in + "(" + "|".join(map(re.escape, names)) + ")")


def with_everyday_forms(named: Iterable[tuple[str, str]],
                        everyday: Mapping[str, Sequence[str]]) -> Iterator[tuple[str, str]]:
    """The (name, letter id) pairs, then each again with an official wording inside the
    name (every occurrence) written as an abbreviation the thesaurus gives for it
    (`retriever.thesaurus.Thesaurus.everyday_forms`): "อธิบดีกรมส่งเสริมการปกครองท้องถิ่น"
    also as "อธิบดีสถ." and "อธิบดี สถ.".

    Only abbreviations (a form with "." or "ฯ": สถ., ผวจ., ผู้ว่าฯ). The thesaurus's
    other everyday forms are related words for query expansion, not other names:
    "ผู้ว่า" would name the governors inside ผู้ว่าจ้าง (an employer), and
    "กรมการพัฒนาชุมชน", listed for พัฒนาการจังหวัด, is another office.
    """
    # Normalised once, and each distinct name's aliases made once: an index of news
    # records has thousands of letters sharing a few issuers.
    abbreviations = {index_form(official): [f for f in forms if _abbreviation(f)]
                     for official, forms in everyday.items()}
    abbreviations = {official: forms for official, forms in abbreviations.items() if forms}
    aliases: dict[str, list[str]] = {}
    for name, letter_id in named:
        yield name, letter_id
        if name not in aliases:
            aliases[name] = list(_aliases(name, abbreviations))
        for alias in aliases[name]:
            yield alias, letter_id


def _aliases(name: str, abbreviations: Mapping[str, Sequence[str]]) -> Iterator[str]:
    for official, forms in abbreviations.items():
        if official not in name:
            continue
        for form in forms:
            yield index_form(name.replace(official, form))
            if not name.startswith(official):
                yield index_form(name.replace(official, " " + form))


def _abbreviation(form: str) -> bool:
    return "." in form or "ฯ" in form

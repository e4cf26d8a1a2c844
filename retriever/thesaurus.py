"""Everyday Thai wordings and the circulars' official ones, for query expansion.

Officials and citizens ask in everyday Thai ("น้ำท่วม", "อปท.", "ชาวบ้าน"), the circulars
answer in official register ("อุทกภัย", "องค์กรปกครองส่วนท้องถิ่น", "ประชาชน"). Such a
question shares few words with the item that answers it, so BM25 misses it and the
word-overlap relevance check refuses it. The thesaurus (`thesaurus.tsv` beside this
module, one `everyday<TAB>official|official` entry per line) lets a question's
everyday wording also match its official wordings:

* BM25 adds the official wordings' tokens to the query (`weighted_expansion`);
* the IDF-weighted coverage of a question term counts it as present in a passage
  that holds all tokens of one of its official wordings (`alternatives`).

Matching is on tokens (`indexer.thai_tokens.tokenize`), both sides segmented the
same way, so "หมอ" matches the word หมอ and not the start of หมอก. An everyday
wording of several tokens matches only as a contiguous run in the question.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.thai_tokens import tokenize

DEFAULT_PATH = Path(__file__).with_name("thesaurus.tsv")


class ThesaurusError(ValueError):
    """A thesaurus file that cannot be read; names the file and line (Thai, then English)."""


@dataclass(frozen=True)
class Match:
    """One everyday wording found in a question: its tokens' span and official forms."""

    start: int
    end: int
    officials: tuple[tuple[str, ...], ...]


class Thesaurus:
    """Everyday wordings (as token runs) to their official wordings (token runs)."""

    def __init__(self, entries: Mapping[tuple[str, ...], Sequence[tuple[str, ...]]],
                 shown: Mapping[tuple[str, ...], str] | None = None,
                 written: Mapping[tuple[str, ...], Sequence[str]] | None = None) -> None:
        self._entries = {key: tuple(values) for key, values in entries.items() if key and values}
        self._longest = max((len(key) for key in self._entries), default=0)
        # Official wordings as written in the file, for telling the user what was added.
        self._shown = dict(shown or {})
        # Everyday wordings as written ("สถ.", whose tokens are ส, ถ), for `everyday_forms`.
        self._written = {key: tuple(forms) for key, forms in (written or {}).items()}

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> Thesaurus:
        """Read a TSV thesaurus; `#` starts a comment line, blank lines are skipped."""
        entries: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        shown: dict[tuple[str, ...], str] = {}
        everyday_written: dict[tuple[str, ...], list[str]] = {}
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ThesaurusError(f"{path}: อ่านไฟล์คำพ้องความหมายไม่ได้ / cannot read the "
                                 f"thesaurus ({error})") from None
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            everyday, tab, officials = line.partition("\t")
            key = tuple(tokenize(everyday))
            written = [o.strip() for o in officials.split("|") if o.strip()]
            values = [tuple(tokenize(o)) for o in written]
            for value, text in zip(values, written, strict=True):
                shown.setdefault(value, text)
            values = [v for v in values if v and v != key]
            if not tab or not key or not values:
                raise ThesaurusError(
                    f"{path}:{number}: บรรทัดต้องเป็น 'คำทั่วไป<TAB>คำทางการ|คำทางการ' / "
                    f"expected 'everyday<TAB>official|official', got {line!r}")
            known = entries.setdefault(key, [])
            known.extend(v for v in values if v not in known)
            forms = everyday_written.setdefault(key, [])
            if everyday.strip() not in forms:
                forms.append(everyday.strip())
        return cls(entries, shown, everyday_written)

    def entries(self) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """Every everyday wording's tokens and its official wordings' tokens."""
        return dict(self._entries)

    def everyday_forms(self) -> dict[str, list[str]]:
        """Each official wording (as written) with the everyday wordings (as written)
        that stand for it: "กรมส่งเสริมการปกครองท้องถิ่น" -> ["สถ.", "กรมท้องถิ่น"]."""
        forms: dict[str, list[str]] = {}
        for key, officials in self._entries.items():
            everyday = self._written.get(key) or (_joined(key),)
            for official in officials:
                known = forms.setdefault(self._shown.get(official, _joined(official)), [])
                known.extend(form for form in everyday if form not in known)
        return forms

    def matches(self, tokens: Sequence[str]) -> list[Match]:
        """Everyday wordings in the token list, longest first at each position and
        never overlapping ("ผู้ว่าฯ" as one wording, not "ผู้" and "ว่า")."""
        found: list[Match] = []
        start = 0
        while start < len(tokens):
            for length in range(min(self._longest, len(tokens) - start), 0, -1):
                officials = self._entries.get(tuple(tokens[start:start + length]))
                if officials:
                    found.append(Match(start, start + length, officials))
                    start += length
                    break
            else:
                start += 1
        return found

    def expansion_tokens(self, tokens: Sequence[str]) -> list[str]:
        """Tokens of the official wordings of the everyday ones in `tokens`, each once
        and none already among `tokens`, in the order found."""
        return list(self.weighted_expansion(tokens, lambda _wording: 1.0))

    def weighted_expansion(self, tokens: Sequence[str],
                           weight: Callable[[Sequence[str]], float]) -> dict[str, float]:
        """`expansion_tokens` with a weight each: `weight` of the everyday wording's
        tokens, the largest where two wordings bring the same token."""
        present = set(tokens)
        extra: dict[str, float] = {}
        for match in self.matches(tokens):
            share = weight(tokens[match.start:match.end])
            for official in match.officials:
                for token in official:
                    if token not in present:
                        extra[token] = max(extra.get(token, 0.0), share)
        return extra

    def expansions(self, tokens: Sequence[str]) -> list[tuple[str, list[str]]]:
        """Each everyday wording found (as the question spells it, in the index form)
        with its official wordings as written in the thesaurus."""
        return [(_joined(tokens[m.start:m.end]),
                 [self._shown.get(o, _joined(o)) for o in m.officials])
                for m in self.matches(tokens)]

    def alternatives(self, tokens: Sequence[str]) -> dict[str, list[frozenset[str]]]:
        """For each token inside an everyday wording: the official wordings (token sets)
        whose presence in a passage counts as that token's presence."""
        found: dict[str, list[frozenset[str]]] = {}
        for match in self.matches(tokens):
            options = [frozenset(official) for official in match.officials]
            for token in tokens[match.start:match.end]:
                known = found.setdefault(token, [])
                known.extend(o for o in options if o not in known)
        return found


def _joined(tokens: Sequence[str]) -> str:
    # Thai is written without spaces between words; Latin words keep theirs.
    text = ""
    for token in tokens:
        if text and text[-1].isascii() and token[:1].isascii():
            text += " "
        text += token
    return text


EMPTY = Thesaurus({})

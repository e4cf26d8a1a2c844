"""Question terms and their weights, shared by the relevance check, the extractive
answerer and the UI's highlighting.

A question's terms are its PyThaiNLP tokens (`indexer.thai_tokens.tokenize`, the same
tokens BM25 uses) without the interrogative words (อย่างไร, ใคร, เท่าไร ...), which say
what is asked, not what it is about. Terms are weighted by inverse document frequency
over the index's chunks (read from the BM25 index's posting lists, so nothing is
tokenized again at start-up), so "การค้ามนุษย์" counts for far more than "การ" or
"จังหวัด"; a term the index has never seen gets the largest weight, which is what
makes a question about something absent from the circulars score low. The table is
the Searcher's (`Searcher.idf`, `retriever.idf`), computed once per loaded index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexer.thai_tokens import INTERROGATIVES, tokenize
from retriever.answer_types import without_which_letter
from retriever.idf import Idf

__all__ = ["QUESTION_WORDS", "Alternatives", "Idf", "WeighedTerms", "coverage",
           "question_terms"]

# Per question term, the official wordings (token sets) that count for it.
Alternatives = Mapping[str, Sequence[frozenset[str]]]

QUESTION_WORDS = INTERROGATIVES | frozenset({
    "ว่า", "คือ", "ครับ", "ค่ะ", "คะ", "นะ", "จะ", "ได้", "ต้อง", "ควร", "ให้", "ที่",
    "มี", "เป็น", "และ", "หรือ", "ของ", "ใน", "การ", "ความ", "ไป", "มา", "ทำ", "เรื่อง", "ข้อ",
    "what", "how", "who", "when", "where", "which", "why", "is", "the", "a", "of", "to", "in",
})


def question_terms(question: str) -> list[str]:
    """Distinct content tokens of the question, in order; not the words asking which
    letter (`retriever.answer_types.without_which_letter`)."""
    seen: dict[str, None] = {}
    for token in tokenize(without_which_letter(question)):
        if token not in QUESTION_WORDS:
            seen.setdefault(token, None)
    return list(seen)


class WeighedTerms:
    """A question's terms with their IDF weights, weighed once to score many passages
    and sentences (`share`).

    A term with `alternatives` (official wordings of an everyday one,
    `retriever.thesaurus`) also counts as present when all tokens of one of them are,
    and weighs no more than its most common official wording: "อปท." means
    องค์กรปกครองส่วนท้องถิ่น, a word of most circulars, not a word never seen (the
    largest weight), which would drown the question's other terms.
    """

    def __init__(self, terms: list[str], idf: Idf,
                 alternatives: Alternatives | None = None) -> None:
        options = alternatives or {}
        self.terms = terms
        self._options = [options.get(t, ()) for t in terms]
        self._weights = [_weight(t, o, idf) for t, o in zip(terms, self._options, strict=True)]
        self._total = sum(self._weights)

    def share(self, tokens: frozenset[str] | set[str]) -> float:
        """Share of the question's weight whose terms appear in `tokens` (0..1)."""
        if self._total <= 0:
            return 0.0
        found = sum(weight for term, options, weight
                    in zip(self.terms, self._options, self._weights, strict=True)
                    if term in tokens or any(official <= tokens for official in options))
        return found / self._total


def coverage(terms: list[str], tokens: frozenset[str] | set[str], idf: Idf,
             alternatives: Alternatives | None = None) -> float:
    """Share of the question's IDF weight whose terms appear in `tokens` (0..1); for
    many passages, weigh once with `WeighedTerms`."""
    return WeighedTerms(terms, idf, alternatives).share(tokens)


def _weight(term: str, officials: Sequence[frozenset[str]], idf: Idf) -> float:
    own = idf(term)
    if not officials:
        return own
    # An official wording weighs what its most telling word does.
    return min(own, min(max(idf(t) for t in official) for official in officials))

"""Question terms and their weights, shared by the relevance check, the extractive
answerer and the UI's highlighting.

A question's terms are its PyThaiNLP tokens (`indexer.thai_tokens.tokenize`, the same
tokens BM25 uses) without the interrogative words (อย่างไร, ใคร, เท่าไร ...), which say
what is asked, not what it is about. Terms are weighted by inverse document frequency
over the index's chunks (read from the BM25 index's posting lists, so nothing is
tokenized again at start-up), so "การค้ามนุษย์" counts for far more than "การ" or
"จังหวัด"; a term the index has never seen gets the largest weight, which is what
makes a question about something absent from the circulars score low.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping

from indexer.thai_tokens import INTERROGATIVES, tokenize
from retriever.search import Searcher

QUESTION_WORDS = INTERROGATIVES | frozenset({
    "ว่า", "คือ", "ครับ", "ค่ะ", "คะ", "นะ", "จะ", "ได้", "ต้อง", "ควร", "ให้", "ที่",
    "มี", "เป็น", "และ", "หรือ", "ของ", "ใน", "การ", "ความ", "ไป", "มา", "ทำ", "เรื่อง", "ข้อ",
    "what", "how", "who", "when", "where", "which", "why", "is", "the", "a", "of", "to", "in",
})


def question_terms(question: str) -> list[str]:
    """Distinct content tokens of the question, in order."""
    seen: dict[str, None] = {}
    for token in tokenize(question):
        if token not in QUESTION_WORDS:
            seen.setdefault(token, None)
    return list(seen)


class Idf:
    """Inverse document frequency over one searcher's chunks (smoothed, always > 0)."""

    def __init__(self, frequency: Mapping[str, int], count: int) -> None:
        self.count = count
        self._frequency = frequency
        self.unseen = math.log((count + 1) / 0.5)

    @classmethod
    def of_documents(cls, documents: Iterable[Iterable[str]]) -> Idf:
        frequency: Counter[str] = Counter()
        count = 0
        for tokens in documents:
            frequency.update(set(tokens))
            count += 1
        return cls(frequency, count)

    def __call__(self, token: str) -> float:
        df = self._frequency.get(token, 0)
        return math.log((self.count + 1) / (df + 0.5)) if df else self.unseen


_CACHE: weakref.WeakKeyDictionary[Searcher, Idf] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def idf_for(searcher: Searcher) -> Idf:
    """The searcher's IDF table, computed once per loaded index."""
    with _LOCK:
        idf = _CACHE.get(searcher)
        if idf is None:
            idf = Idf(searcher.bm25.document_frequencies(), len(searcher))
            _CACHE[searcher] = idf
        return idf


def coverage(terms: list[str], tokens: frozenset[str] | set[str], idf: Idf) -> float:
    """Share of the question's IDF weight whose terms appear in `tokens` (0..1)."""
    total = sum(idf(t) for t in terms)
    if total <= 0:
        return 0.0
    return sum(idf(t) for t in terms if t in tokens) / total

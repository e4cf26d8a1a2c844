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

from indexer.thai_tokens import INTERROGATIVES, tokenize
from retriever.idf import Idf

__all__ = ["QUESTION_WORDS", "Idf", "coverage", "question_terms"]

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


def coverage(terms: list[str], tokens: frozenset[str] | set[str], idf: Idf) -> float:
    """Share of the question's IDF weight whose terms appear in `tokens` (0..1)."""
    total = sum(idf(t) for t in terms)
    if total <= 0:
        return 0.0
    return sum(idf(t) for t in terms if t in tokens) / total

"""Is anything retrieved relevant enough to answer from?

Retrieval always returns its k best passages, even for a question the circulars do
not cover; the answerer must then say so instead of stitching unrelated text. The
decision uses a score that means the same thing for every question, unlike BM25
scores (unbounded, depend on the question's length) or fused ranks:

    relevance = max over the top passages of the IDF-weighted share of the
                question's content terms that occur in the passage (or its headings)

It is 0..1: 1.0 when every term of the question is in one passage, near 0 when the
key terms (the rare ones, by IDF) appear nowhere. A question that names a letter
and item present in the index ("มท 0211.6/ว 10303 ข้อ 3.6") scores 1.0, since the
citation lookup found exactly what was asked for. Word overlap behaves the same
with any embedding model, and it is cheap (token sets are cached by the Searcher).

Meaning, not words: a paraphrased question ("อยากเชิญนายกมาเปิดงาน ต้องแจ้งใคร")
shares few words with the item that answers it, and word overlap alone refused
many such questions that search had answered right. So the top passage also
counts as relevant (1.0) when the embedding model puts it very close to the
question: cosine at least `closeness_floor`, set per model. e5's cosines crowd
into 0.80-0.92 for any Thai pair, so only the very top means much. On the dev
questions (91 answerable, 11 not) this took false not-found answers from 17 to
13 and answered no unanswerable question. For a model with no calibrated floor
the rule is off and word overlap decides alone.
"""

from __future__ import annotations

from functools import lru_cache

from circulars.models import Hit
from indexer.thai_tokens import tokenize
from retriever.answer_types import asked_kinds, states
from retriever.search import Searcher
from service.terms import coverage, question_terms

RELEVANCE_DEPTH = 5  # passages considered; lower ranks rarely rescue a question
# Cosine floors per model family, set on the dev questions (`circulars eval`): no
# unanswerable dev question's top passage reaches 0.88 (highest 0.878), and the
# answerable ones it rescues lie at 0.886-0.903 and above.
CLOSENESS_FLOORS = {"multilingual-e5-small": 0.885}


def own_tokens(searcher: Searcher, hit: Hit) -> frozenset[str]:
    """The passage's own tokens (cached by the Searcher), without its headings'."""
    position = searcher.position.get(hit.chunk_id)
    return searcher.token_set(position) if position is not None else frozenset(
        tokenize(hit.text))


def hit_tokens(searcher: Searcher, hit: Hit) -> frozenset[str]:
    """The passage's tokens plus its parent headings'."""
    own = own_tokens(searcher, hit)
    if not hit.parents:
        return own
    return own | heading_tokens(tuple(hit.parents))


@lru_cache(maxsize=4096)
def heading_tokens(parents: tuple[str, ...]) -> frozenset[str]:
    """Tokens of a chain of headings. Cached: the relevance check and the answerer
    both read the same hits' headings, and sibling items share theirs."""
    return frozenset(tokenize(" ".join(parents)))


def relevance(searcher: Searcher, question: str, hits: list[Hit]) -> float:
    """How well the best of the top passages covers the question (see the module doc)."""
    if not hits:
        return 0.0
    if any("citation" in hit.matched_by for hit in hits[:RELEVANCE_DEPTH]):
        return 1.0
    terms = question_terms(question)
    candidates = hits[:RELEVANCE_DEPTH]
    if asks_amount(question):
        candidates = [hit for hit in candidates if states_amount(hit.text)]
    if not terms or not candidates:
        return 0.0
    if close_enough(searcher, question, candidates[0]):
        return 1.0
    idf = searcher.idf
    best = max(coverage(terms, hit_tokens(searcher, hit), idf) for hit in candidates)
    return round(best, 4)


def closeness_floor(searcher: Searcher) -> float | None:
    """The cosine from which a passage is close enough to answer on meaning alone:
    the configured one, else the one calibrated for the index's model, else None."""
    configured = searcher.settings.answer_closeness
    if configured is not None:
        return configured if configured <= 1.0 else None
    name = searcher.manifest.model.lower()
    return next((floor for family, floor in CLOSENESS_FLOORS.items() if family in name), None)


def close_enough(searcher: Searcher, question: str, hit: Hit) -> bool:
    """Whether the embedding model puts `hit` at least `closeness_floor` from the question."""
    floor = closeness_floor(searcher)
    if floor is None:
        return False
    similarity = searcher.closeness(question, hit.chunk_id)
    return similarity is not None and similarity >= floor


def asks_amount(question: str) -> bool:
    """Whether the question asks how much money ("กี่บาท", "วงเงินเท่าไร")."""
    return "amount" in asked_kinds(question)


def states_amount(text: str) -> bool:
    """Whether the text states an amount of money ("5,000 บาท", "หนึ่งล้านบาท")."""
    return states("amount", text)

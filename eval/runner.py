"""Running an evaluation: batch search in every mode, answers, threshold tuning.

Queries are embedded once, in batches, before searching (`CachedQueryEmbedder`
wraps the index's embedder, so the dense and hybrid modes and the answerer reuse
the same vectors); then every mode searches every question through the ordinary
`Searcher.search`, exactly as the service does. The results are plain dicts ready
for `eval.report`.
"""

from __future__ import annotations

import importlib
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from circulars.models import Answer, Hit
from eval.baseline import fingerprint, question_scores
from eval.data import SPLITS, BeirSet, EvalInputError, Question
from eval.metrics import (
    Pair,
    Ranking,
    beir_ranking,
    circular_ranking,
    citation_prf,
    compare_modes,
    mean_of,
    query_scores,
)
from indexer.embedder import Embedder
from indexer.normalize import index_form
from retriever.query import QueryError, validate_query
from retriever.search import MODES, Searcher

KIND_METRICS: tuple[str, ...] = ("hit@1", "hit@5", "mrr@10", "recall@10")
AnswerFn = Callable[..., Answer]
RelevanceFn = Callable[[Searcher, str, list[Hit]], float]


class AnswererMissing(RuntimeError):
    """service.answer is not available yet; answer metrics are skipped."""


class CachedQueryEmbedder:
    """An `Embedder` that answers `encode_queries` from vectors computed in one batch."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimension = inner.dimension
        self.query_prompt = inner.query_prompt
        self.passage_prompt = inner.passage_prompt
        self.max_tokens = inner.max_tokens
        self._cache: dict[str, np.ndarray] = {}

    def prime(self, texts: Sequence[str], batch_size: int = 32) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            vectors = self.inner.encode_queries(todo, batch_size=batch_size)
            self._cache.update(zip(todo, vectors, strict=True))

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.prime(texts, batch_size)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        return self.inner.encode_passages(texts, batch_size, show_progress)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def use_query_cache(searcher: Searcher, texts: Sequence[str], batch_size: int = 32) -> None:
    """Embed all `texts` in batches now; `searcher.search` then reuses the vectors."""
    if not isinstance(searcher.embedder, CachedQueryEmbedder):
        searcher.embedder = CachedQueryEmbedder(searcher.embedder)
    cache = searcher.embedder
    assert isinstance(cache, CachedQueryEmbedder)
    cache.prime([validate_query(t, searcher.settings.max_query_chars) for t in texts], batch_size)


def check_query_texts(searcher: Searcher, queries: Sequence[tuple[str, str]]) -> None:
    for query_id, text in queries:
        try:
            validate_query(text, searcher.settings.max_query_chars)
        except QueryError as error:
            raise EvalInputError(f"คำถาม {query_id} / query {query_id}: {error}") from None


def search_all(searcher: Searcher, queries: Sequence[tuple[str, str]], modes: Sequence[str],
               k: int, all_copies: bool = False, progress: bool = False,
               desc: str = "ค้นหา / searching") -> tuple[dict[str, dict[str, list[Hit]]],
                                                       dict[str, float]]:
    """mode -> query id -> hits, and seconds per mode (query embedding done up front)."""
    check_query_texts(searcher, queries)
    started = time.perf_counter()
    if any(mode != "bm25" for mode in modes):
        use_query_cache(searcher, [text for _, text in queries])
    embed_seconds = time.perf_counter() - started
    results: dict[str, dict[str, list[Hit]]] = {}
    seconds: dict[str, float] = {"embed_queries": round(embed_seconds, 2)}
    with tqdm(total=len(modes) * len(queries), desc=desc, unit="q", disable=not progress,
              leave=False) as bar:
        for mode in modes:
            started = time.perf_counter()
            found: dict[str, list[Hit]] = {}
            for query_id, text in queries:
                found[query_id] = searcher.search(text, k=k, mode=mode, all_copies=all_copies)
                bar.update(1)
            results[mode] = found
            seconds[mode] = round(time.perf_counter() - started, 2)
    return results, seconds


def _retrieval_tables(qrels: dict[str, dict[str, int]], rankings: dict[str, dict[str, Ranking]],
                      groups: dict[str, list[str]],
                      stat_test: str) -> tuple[dict[str, Any], dict[str, Any]]:
    table: dict[str, dict[str, dict[str, float]]] = {}
    per_query: dict[str, dict[str, dict[str, float]]] = {}
    for mode, ranked in rankings.items():
        scores = query_scores(qrels, ranked)
        per_query[mode] = scores
        table[mode] = {}
        for split, ids in groups.items():
            row = mean_of(scores, ids)
            row["n"] = len(ids)
            row["n_multi_gold"] = sum(1 for q in ids if q in scores["all_gold@10"])
            table[mode][split] = row
    significance = {
        split: [asdict(c) for c in compare_modes(qrels, rankings, ids, stat_test)]
        for split, ids in groups.items()
    }
    return {"table": table, "per_query": per_query}, significance


def evaluate_circulars(searcher: Searcher, questions: list[Question], splits: Sequence[str],
                       modes: Sequence[str] = MODES, stat_test: str = "fisher",
                       progress: bool = False) -> dict[str, Any]:
    """Retrieval metrics on the answerable questions, per mode, split and kind."""
    answerable = [q for q in questions if q.answerable]
    if not answerable:
        raise EvalInputError("ไม่มีคำถามที่ตอบได้ให้ประเมิน / no answerable questions to evaluate")
    qrels = {q.id: {g.key: 1 for g in q.gold} for q in answerable}
    hits, seconds = search_all(searcher, [(q.id, q.question) for q in answerable], modes, k=10,
                               progress=progress)
    rankings = {mode: {q.id: circular_ranking(hits[mode][q.id], set(qrels[q.id]))
                       for q in answerable} for mode in modes}
    groups = {split: [q.id for q in answerable if split == "all" or q.split == split]
              for split in splits}
    groups = {split: ids for split, ids in groups.items() if ids}
    retrieval, significance = _retrieval_tables(qrels, rankings, groups, stat_test)
    by_kind: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    kinds = sorted({q.kind for q in answerable})
    for mode in modes:
        scores = retrieval["per_query"][mode]
        by_kind[mode] = {}
        for split, ids in groups.items():
            wanted = set(ids)
            by_kind[mode][split] = {}
            for kind in kinds:
                members = [q.id for q in answerable if q.kind == kind and q.id in wanted]
                if members:
                    means = mean_of({m: scores[m] for m in KIND_METRICS}, members)
                    by_kind[mode][split][kind] = {**means, "n": len(members)}
    misses = {
        mode: [
            {"id": q.id, "split": q.split, "kind": q.kind, "question": q.question,
             "gold": [g.key for g in q.gold],
             "rank": _first_rank(rankings[mode][q.id], qrels[q.id]),
             "top": [f"{h.doc_no or h.doc_id}|{h.part_index}|{h.item}"
                     for h in hits[mode][q.id][:3]]}
            for q in answerable
            if q.id in set().union(*groups.values())
            and _first_rank(rankings[mode][q.id], qrels[q.id]) != 1
        ]
        for mode in modes
    }
    return {
        "kind": "circulars", "splits": list(groups), "modes": list(modes),
        "n_questions": len(questions), "n_answerable": len(answerable),
        "retrieval": retrieval["table"], "per_query": retrieval["per_query"],
        "question_scores": question_scores(retrieval["per_query"]),
        "questions": {q.id: {"split": q.split,
                             "fingerprint": fingerprint(q.question, [g.key for g in q.gold])}
                      for q in questions},
        "by_kind": by_kind, "significance": significance, "stat_test": stat_test,
        "seconds": seconds, "misses": misses,
    }


def _first_rank(ranking: Ranking, relevant: dict[str, int]) -> int | None:
    return next((rank for rank, entry in enumerate(ranking, 1)
                 if any(key in relevant for key in entry)), None)


def evaluate_beir(searcher: Searcher, data: BeirSet, modes: Sequence[str] = MODES,
                  stat_test: str = "fisher", progress: bool = False) -> dict[str, Any]:
    """Document-level metrics: chunks -> documents (best rank), 30 chunks -> 10 documents."""
    hits, seconds = search_all(searcher, data.queries, modes, k=30, all_copies=True,
                               progress=progress)
    rankings = {mode: {qid: beir_ranking(hits[mode][qid], keep=10) for qid, _ in data.queries}
                for mode in modes}
    groups = {"all": [qid for qid, _ in data.queries]}
    retrieval, significance = _retrieval_tables(data.qrels, rankings, groups, stat_test)
    return {
        "kind": "beir", "splits": ["all"], "modes": list(modes),
        "n_questions": len(data.queries), "corpus_documents": data.corpus_size,
        "retrieval": retrieval["table"], "per_query": retrieval["per_query"],
        "question_scores": question_scores(retrieval["per_query"]),
        "questions": {qid: {"split": "all",
                            "fingerprint": fingerprint(text, data.qrels.get(qid, {}))}
                      for qid, text in data.queries},
        "significance": significance, "stat_test": stat_test, "seconds": seconds,
        "warnings": list(data.warnings),
    }


# ------------------------------------------------------------------------ answers
def load_answerer() -> tuple[AnswerFn, RelevanceFn | None, float | None]:
    """(answer_question, relevance, DEFAULT_MIN_SCORE) from service.answer, imported lazily."""
    try:
        service_answer = importlib.import_module("service.answer")
    except ImportError as error:
        raise AnswererMissing(
            "ยังไม่มี service.answer จึงข้ามการประเมินคำตอบ / service.answer is not available "
            f"yet, answer metrics are skipped ({error})") from None
    answer_fn: AnswerFn = service_answer.answer_question
    relevance: RelevanceFn | None = getattr(service_answer, "relevance", None)
    default = getattr(service_answer, "DEFAULT_MIN_SCORE", None)
    return answer_fn, relevance, (float(default) if default is not None else None)


@dataclass
class AnswerOutcome:
    id: str
    split: str
    kind: str
    answerable: bool
    not_found: bool
    cited: list[str]
    precision: float
    recall: float
    f1: float
    keyword_recall: float | None
    gold: list[str] = field(default_factory=list)


def gold_pairs(question: Question) -> set[Pair]:
    return {(g.doc_no, g.item) for g in question.gold}


def cited_pairs(answer: Answer) -> list[set[Pair]]:
    """Each citation's (doc_no, item) pair plus those of the copies merged into its passage."""
    passages = {hit.chunk_id: hit for hit in answer.passages}
    out: list[set[Pair]] = []
    for citation in answer.citations:
        pairs = {(citation.doc_no or citation.doc_id, citation.item)}
        passage = passages.get(citation.chunk_id)
        if passage is not None:
            pairs |= {(str(c.get("doc_no") or c.get("doc_id")), str(c.get("item")))
                      for c in passage.also_in}
        out.append(pairs)
    return out


def score_answer(question: Question, answer: Answer) -> AnswerOutcome:
    cited = cited_pairs(answer)
    gold = gold_pairs(question)
    if question.answerable and not answer.not_found:
        precision, recall, f1 = citation_prf(cited, gold)
    else:
        precision = recall = f1 = 0.0
    keyword_recall = None
    if question.answerable and question.answer_keywords:
        text = index_form(answer.answer or "")
        found = sum(1 for kw in question.answer_keywords if index_form(kw) in text)
        keyword_recall = found / len(question.answer_keywords)
    return AnswerOutcome(
        id=question.id, split=question.split, kind=question.kind,
        answerable=question.answerable, not_found=bool(answer.not_found),
        cited=sorted({f"{d}|{i}" for pairs in cited for d, i in pairs}),
        precision=precision, recall=recall, f1=f1, keyword_recall=keyword_recall,
        gold=sorted(f"{d}|{i}" for d, i in gold),
    )


def summarize_answers(outcomes: Sequence[AnswerOutcome]) -> dict[str, float]:
    """Macro averages: citation P/R/F1 and false not-found over answerable questions,
    not-found accuracy over unanswerable ones (NaN when a group is empty)."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    keywords = [o.keyword_recall for o in answerable if o.keyword_recall is not None]

    def mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else math.nan

    return {
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "citation_precision": mean([o.precision for o in answerable]),
        "citation_recall": mean([o.recall for o in answerable]),
        "citation_f1": mean([o.f1 for o in answerable]),
        "false_not_found_rate": mean([float(o.not_found) for o in answerable]),
        "not_found_accuracy": mean([float(o.not_found) for o in unanswerable]),
        "keyword_recall": mean(keywords),
    }


def run_answers(searcher: Searcher, questions: Sequence[Question], k: int = 5,
                min_score: float | None = None, answer_fn: AnswerFn | None = None,
                progress: bool = False) -> list[AnswerOutcome]:
    if answer_fn is None:
        answer_fn = load_answerer()[0]
    use_query_cache(searcher, [q.question for q in questions])
    outcomes: list[AnswerOutcome] = []
    for q in tqdm(questions, desc="ตอบคำถาม / answering", unit="q", disable=not progress,
                  leave=False):
        answer = answer_fn(searcher, q.question, k=k, min_score=min_score)
        outcomes.append(score_answer(q, answer))
    return outcomes


def evaluate_answers(searcher: Searcher, questions: Sequence[Question], splits: Sequence[str],
                     k: int = 5, min_score: float | None = None,
                     answer_fn: AnswerFn | None = None, progress: bool = False) -> dict[str, Any]:
    outcomes = run_answers(searcher, questions, k, min_score, answer_fn, progress)
    table = {split: summarize_answers([o for o in outcomes if split == "all" or o.split == split])
             for split in splits}
    return {"table": {s: row for s, row in table.items()
                      if row["n_answerable"] or row["n_unanswerable"]},
            "k": k, "min_score": min_score, "outcomes": [asdict(o) for o in outcomes]}


@dataclass
class ThresholdRow:
    min_score: float
    not_found_accuracy: float
    false_not_found_rate: float
    answerable_recall: float
    balanced: float  # mean of not-found accuracy and (1 - false not-found rate)
    accuracy: float  # share of all questions whose not-found decision is right


OBJECTIVES = ("balanced", "accuracy")


def sweep_thresholds(relevances: Sequence[float], base_not_found: Sequence[bool],
                     recalls: Sequence[float], answerable: Sequence[bool]) -> list[ThresholdRow]:
    """Predicted outcomes for every useful min_score: not found when relevance < min_score.

    Candidates lie between consecutive distinct relevance values (and just below the
    lowest / above the highest), so each row is a different decision on some question.
    """
    values = sorted({round(float(r), 6) for r in relevances if math.isfinite(r)})
    if not values:
        return []
    candidates = [values[0] - 1e-3]
    candidates += [round((a + b) / 2, 6) for a, b in itertools.pairwise(values)]
    candidates.append(values[-1] + 1e-3)
    return [threshold_row(t, relevances, base_not_found, recalls, answerable)
            for t in candidates]


def best_threshold(rows: Sequence[ThresholdRow], objective: str = "balanced") -> ThresholdRow:
    """The row with the best not-found decision, then the highest recall; among equal rows
    the middle one (furthest from both neighbouring decisions).

    "balanced" weighs unanswerable and answerable questions equally (the mean of
    not-found accuracy and 1 - false not-found rate), so a handful of unanswerable
    questions counts as much as all the answerable ones; "accuracy" counts every
    question once, which favours answering.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")
    top = max((getattr(r, objective), r.answerable_recall) for r in rows)
    tied = [r for r in rows if (getattr(r, objective), r.answerable_recall) == top]
    return tied[len(tied) // 2]


def tune_threshold(searcher: Searcher, questions: Sequence[Question], k: int = 5,
                   answer_fn: AnswerFn | None = None, relevance_fn: RelevanceFn | None = None,
                   current: float | None = None, objective: str = "balanced",
                   progress: bool = False) -> dict[str, Any]:
    """Sweep min_score on the given (dev) questions; confirm the best with a real run."""
    if answer_fn is None or relevance_fn is None:
        loaded_answer, loaded_relevance, default = load_answerer()
        answer_fn = answer_fn or loaded_answer
        relevance_fn = relevance_fn or loaded_relevance
        current = default if current is None else current
    if relevance_fn is None:
        raise AnswererMissing("service.answer has no relevance(searcher, question, hits)")
    use_query_cache(searcher, [q.question for q in questions])
    relevances: list[float] = []
    base: list[bool] = []
    recalls: list[float] = []
    for q in tqdm(questions, desc="ปรับเกณฑ์ / tuning", unit="q", disable=not progress,
                  leave=False):
        answer = answer_fn(searcher, q.question, k=k, min_score=-math.inf)
        hits = answer.passages or searcher.search(q.question, k=k)
        relevances.append(float(relevance_fn(searcher, q.question, hits)))
        outcome = score_answer(q, answer)
        base.append(outcome.not_found)
        recalls.append(outcome.recall)
    answerable = [q.answerable for q in questions]
    rows = sweep_thresholds(relevances, base, recalls, answerable)
    if not rows:
        raise EvalInputError("ไม่มีค่าความเกี่ยวข้องให้ปรับ / no relevance scores to tune on")
    best = best_threshold(rows, objective)
    confirmed = summarize_answers(run_answers(searcher, questions, k, best.min_score, answer_fn))
    at_current = None
    if current is not None:
        at_current = asdict(threshold_row(current, relevances, base, recalls, answerable))
    return {"best": asdict(best), "confirmed": confirmed, "current": current,
            "at_current": at_current, "rows": [asdict(r) for r in rows],
            "objective": objective, "relevances": relevances, "n": len(questions),
            "n_unanswerable": answerable.count(False)}


def threshold_row(t: float, relevances: Sequence[float], base: Sequence[bool],
                  recalls: Sequence[float], answerable: Sequence[bool]) -> ThresholdRow:
    """The predicted row for one given min_score."""
    nf = [b or r < t for r, b in zip(relevances, base, strict=True)]
    n_ans = sum(answerable)
    n_un = len(answerable) - n_ans
    acc = sum(n for n, a in zip(nf, answerable, strict=True) if not a) / n_un if n_un else 1.0
    fnf = sum(n for n, a in zip(nf, answerable, strict=True) if a) / n_ans if n_ans else 0.0
    rec = (sum(r for r, n, a in zip(recalls, nf, answerable, strict=True) if a and not n)
           / n_ans if n_ans else 0.0)
    right = n_un * acc + n_ans * (1 - fnf)
    return ThresholdRow(t, acc, fnf, rec, (acc + 1 - fnf) / 2, right / len(answerable))


def split_names(split: str) -> list[str]:
    """Table rows for a --split choice: dev and test apart (and together) for 'all'."""
    return [*SPLITS, "all"] if split == "all" else [split]

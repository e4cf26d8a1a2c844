"""Metrics: ranx runs built from search hits, per-query scores, significance, citations.

Retrieval metrics come from ranx (`hit_rate@k`, `recall`, `mrr@10`, `ndcg@10`);
only "all gold found@k" (every gold label of a multi-gold question is among the
top k hits) is computed here, because ranx has no such metric.

A ranking is one entry per hit, best first; an entry lists the run keys the hit
stands for:

- BEIR sets: the hit's document id; chunks are mapped to documents keeping each
  document's best rank (`beir_ranking`).
- The circular set: synthetic keys "doc_no|part_index|item". A hit that merges
  relayed copies (`also_in`) stands for every gold label it carries, its own
  or a copy's (`circular_ranking`), so the first relevant key sits exactly at the
  hit's rank and hit@k / MRR are measured in hits. Recall@k is computed on the
  keys of the top k *hits* (ranx `recall` on a run cut at k hits), so a hit that
  carries two gold copies never pushes a later hit past the cutoff. nDCG@10 is
  taken over the key list as ranx sees it.

Answer citations are scored over (doc_no, item) pairs; see `citation_prf`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ranx import Qrels, Run, compare, evaluate

from circulars.models import Hit
from eval.data import label_key

Ranking = list[list[str]]
Pair = tuple[str, str]

# Our metric names -> ranx names. recall@k is special-cased (cut the run at k hits).
RANX_METRICS: dict[str, str] = {
    "hit@1": "hit_rate@1",
    "hit@5": "hit_rate@5",
    "hit@10": "hit_rate@10",
    "mrr@10": "mrr@10",
    "ndcg@10": "ndcg@10",
}
RECALL_CUTOFFS = (5, 10)
RETRIEVAL_METRICS: tuple[str, ...] = (
    "hit@1", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10",
)
ALL_GOLD_CUTOFFS = (5, 10)
SIGNIFICANCE_METRICS: tuple[str, ...] = ("hit@1", "mrr@10", "ndcg@10")
NO_HIT = "__no_hit__"


def hit_labels(hit: Hit) -> list[str]:
    """Keys of a hit: its own (doc_no, part_index, item), then its relayed copies'."""
    keys = [label_key(hit.doc_no or hit.doc_id, hit.part_index, hit.item)]
    for copy in hit.also_in:
        key = label_key(str(copy.get("doc_no") or copy.get("doc_id")),
                        int(copy.get("part_index") or 0), str(copy.get("item")))
        if key not in keys:
            keys.append(key)
    return keys


def circular_ranking(hits: Sequence[Hit], gold: set[str]) -> Ranking:
    """One entry per hit: the gold labels it carries, or else its own label.

    A label already emitted for an earlier hit (a long item split into several
    chunks, or a copy seen twice) is emitted again under a "~n" suffix, which is
    never gold, so every hit keeps its rank.
    """
    ranking: Ranking = []
    seen: set[str] = set()
    for hit in hits:
        labels = hit_labels(hit)
        entry = [key for key in labels if key in gold and key not in seen]
        if not entry:
            entry = [labels[0]]
            suffix = 2
            while entry[0] in seen:
                entry = [f"{labels[0]}~{suffix}"]
                suffix += 1
        seen.update(entry)
        ranking.append(entry)
    return ranking


def beir_ranking(hits: Sequence[Hit], keep: int = 10) -> Ranking:
    """Document ids in order of each document's best-ranked chunk, at most `keep`."""
    ranking: Ranking = []
    seen: set[str] = set()
    for hit in hits:
        if hit.doc_id not in seen:
            seen.add(hit.doc_id)
            ranking.append([hit.doc_id])
            if len(ranking) >= keep:
                break
    return ranking


def to_run(rankings: dict[str, Ranking], depth: int | None = None,
           name: str | None = None) -> Run:
    """A ranx Run whose scores reproduce the ranking order; `depth` cuts it at k hits."""
    run: dict[str, dict[str, float]] = {}
    for query_id, ranking in rankings.items():
        scores: dict[str, float] = {}
        for entry in ranking[:depth] if depth else ranking:
            for key in entry:
                if key not in scores:
                    scores[key] = float(10_000 - len(scores))
        run[query_id] = scores or {NO_HIT: 0.0}  # ranx cannot hold an empty result list
    return Run(run, name=name)


def _ranx(qrels: Qrels, run: Run, metrics: list[str]) -> dict[str, dict[str, float]]:
    with warnings.catch_warnings():  # numba's uint64 -> int64 cast notice inside ranx
        warnings.simplefilter("ignore")
        evaluate(qrels, run, metrics)
    scores = dict(run.scores)
    return {m: {q: float(v) for q, v in scores[m].items()} for m in metrics}


def query_scores(qrels: dict[str, dict[str, int]],
                 rankings: dict[str, Ranking]) -> dict[str, dict[str, float]]:
    """metric -> query id -> score, for every metric in RETRIEVAL_METRICS (plus all-gold)."""
    qrels = {q: qrels[q] for q in rankings}
    ranx_qrels = Qrels(qrels)
    found = _ranx(ranx_qrels, to_run(rankings), list(RANX_METRICS.values()))
    out = {ours: found[theirs] for ours, theirs in RANX_METRICS.items()}
    for k in RECALL_CUTOFFS:
        out[f"recall@{k}"] = _ranx(ranx_qrels, to_run(rankings, depth=k), ["recall"])["recall"]
    for k in ALL_GOLD_CUTOFFS:
        out[f"all_gold@{k}"] = all_gold_found(qrels, rankings, k)
    return out


def all_gold_found(qrels: dict[str, dict[str, int]], rankings: dict[str, Ranking],
                   k: int) -> dict[str, float]:
    """1.0 when every relevant key of a multi-gold query is among its top k hits.

    Only queries with two or more relevant keys get a score (the others are the
    same as hit@k); the mean over them is "all gold found@k".
    """
    out: dict[str, float] = {}
    for query_id, ranking in rankings.items():
        relevant = {key for key, rel in qrels.get(query_id, {}).items() if rel > 0}
        if len(relevant) < 2:
            continue
        found = {key for entry in ranking[:k] for key in entry}
        out[query_id] = float(relevant <= found)
    return out


def mean_of(scores: dict[str, dict[str, float]], query_ids: Iterable[str]) -> dict[str, float]:
    """Mean of each metric over the given queries that have a score for it (NaN when none)."""
    wanted = list(query_ids)
    means: dict[str, float] = {}
    for metric, per_query in scores.items():
        values = [per_query[q] for q in wanted if q in per_query]
        means[metric] = sum(values) / len(values) if values else math.nan
    return means


@dataclass
class Comparison:
    a: str
    b: str
    metric: str
    score_a: float
    score_b: float
    p_value: float
    n: int

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05


def compare_modes(qrels: dict[str, dict[str, int]], rankings: dict[str, dict[str, Ranking]],
                  query_ids: Sequence[str], stat_test: str = "fisher",
                  metrics: Sequence[str] = SIGNIFICANCE_METRICS) -> list[Comparison]:
    """Paired test (ranx `compare`: Fisher's randomization or Student's t) between modes.

    Identical per-query scores give a p-value of 1 (the t-test would give NaN).
    """
    modes = list(rankings)
    if len(modes) < 2 or len(query_ids) < 2:
        return []
    sub_qrels = Qrels({q: qrels[q] for q in query_ids})
    runs = [to_run({q: rankings[mode][q] for q in query_ids}, name=mode) for mode in modes]
    names = [RANX_METRICS[m] for m in metrics]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = compare(sub_qrels, runs, names, stat_test=stat_test, max_p=0.05,
                         n_permutations=2000)
    out: list[Comparison] = []
    for i, a in enumerate(modes):
        for b in modes[i + 1:]:
            found = report.comparisons[frozenset([a, b])]
            for ours, theirs in zip(metrics, names, strict=True):
                p = float(found[theirs]["p_value"])
                out.append(Comparison(
                    a, b, ours, float(report.results[a][theirs]),
                    float(report.results[b][theirs]), 1.0 if math.isnan(p) else p,
                    len(query_ids)))
    return out


def citation_prf(cited: Sequence[set[Pair]], gold: set[Pair]) -> tuple[float, float, float]:
    """Precision, recall and F1 of one answer's citations against its gold pairs.

    Each citation is the set of (doc_no, item) pairs it stands for: its own pair
    plus the pairs of relayed copies merged into the cited passage (`also_in`).
    The same directive relayed by a province is the same evidence, so a citation
    is correct when any of its pairs is gold, and a gold pair is recalled when
    any citation carries it. Citations with the same pair set count once. No
    citations (a not-found answer) scores 0 on all three.
    """
    unique: list[set[Pair]] = []
    for pairs in cited:
        if pairs and pairs not in unique:
            unique.append(pairs)
    if not unique or not gold:
        return 0.0, 0.0, 0.0
    precision = sum(1 for pairs in unique if pairs & gold) / len(unique)
    covered = set().union(*unique) & gold
    recall = len(covered) / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1

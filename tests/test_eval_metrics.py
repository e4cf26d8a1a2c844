"""Evaluation metrics: ranx wiring checked once against hand-computed numbers."""

from __future__ import annotations

import math
from typing import Any

import pytest

from circulars.models import Answer, Citation, Hit
from eval.data import Gold, Question
from eval.metrics import (
    beir_ranking,
    circular_ranking,
    citation_prf,
    compare_modes,
    mean_of,
    query_scores,
)
from eval.runner import (
    best_threshold,
    cited_pairs,
    score_answer,
    summarize_answers,
    sweep_thresholds,
)


def hit(doc_no: str, part_index: int, item: str, rank: int = 1, doc_id: str | None = None,
        also_in: list[dict[str, Any]] | None = None) -> Hit:
    return Hit(rank=rank, score=1.0 / rank, chunk_id=f"{doc_no}-{part_index}-{item}-{rank}",
               doc_id=doc_id or doc_no, text="", doc_no=doc_no, date=None, subject=None,
               issuer=None, item=item, parents=[], source="s.txt", start=0, end=0, part="body",
               kind="item", part_index=part_index, also_in=also_in or [])


def copy_of(doc_no: str, part_index: int, item: str) -> dict[str, Any]:
    return {"chunk_id": "c", "doc_id": doc_no, "doc_no": doc_no, "item": item,
            "part_index": part_index}


def fillers(n: int, start: int) -> list[Hit]:
    return [hit(f"F{i}", 0, "1", rank=start + i) for i in range(n)]


def test_known_run_gives_hand_computed_metrics() -> None:
    gold = {
        "q1": {"A|0|1"},
        "q2": {"A|0|2"},
        "q3": {"A|0|3", "B|1|4"},  # multi-gold; B's item only as a relayed copy at rank 1
        "q4": {"D|0|1"},
    }
    hits = {
        "q1": [hit("A", 0, "1", 1), hit("B", 0, "2", 2)],
        # the second B|0|1 is another chunk of the same (long) item: it keeps rank 2
        "q2": [hit("B", 0, "1", 1), hit("B", 0, "1", 2), hit("A", 0, "2", 3)],
        "q3": [hit("X", 0, "1", 1, also_in=[copy_of("B", 1, "4")]), *fillers(4, 2),
               hit("A", 0, "3", 6)],
        "q4": [],
    }
    rankings = {q: circular_ranking(h, gold[q]) for q, h in hits.items()}
    assert rankings["q2"] == [["B|0|1"], ["B|0|1~2"], ["A|0|2"]]
    assert rankings["q3"][0] == ["B|1|4"]
    qrels = {q: {key: 1 for key in keys} for q, keys in gold.items()}
    means = mean_of(query_scores(qrels, rankings), list(gold))
    # q1 rank 1, q2 rank 3, q3 rank 1 (copy), q4 never
    assert means["hit@1"] == pytest.approx(2 / 4)
    assert means["hit@5"] == pytest.approx(3 / 4)
    assert means["hit@10"] == pytest.approx(3 / 4)
    assert means["mrr@10"] == pytest.approx((1 + 1 / 3 + 1 + 0) / 4)
    # q3 finds B at hit 1 and A at hit 6: half its gold within 5 hits, all within 10
    assert means["recall@5"] == pytest.approx((1 + 1 + 0.5 + 0) / 4)
    assert means["recall@10"] == pytest.approx((1 + 1 + 1 + 0) / 4)
    q3_ndcg = (1 + 1 / math.log2(7)) / (1 + 1 / math.log2(3))
    assert means["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4) + q3_ndcg + 0) / 4)
    assert means["all_gold@5"] == 0.0 and means["all_gold@10"] == 1.0  # q3 only


def test_beir_ranking_keeps_each_documents_best_rank() -> None:
    hits = [hit("x", 0, "p1", 1, doc_id="d1"), hit("x", 0, "p2", 2, doc_id="d1"),
            hit("y", 0, "p1", 3, doc_id="d2"), hit("z", 0, "p1", 4, doc_id="d3"),
            hit("y", 0, "p2", 5, doc_id="d2")]
    assert beir_ranking(hits) == [["d1"], ["d2"], ["d3"]]
    assert beir_ranking(hits, keep=2) == [["d1"], ["d2"]]


def test_compare_modes_reports_p_values() -> None:
    qrels = {f"q{i}": {"good": 1} for i in range(30)}
    good = {q: [["good"], ["bad"]] for q in qrels}
    bad = {q: [["bad"], ["worse"], ["good"]] for q in qrels}
    for stat_test in ("fisher", "student"):
        found = compare_modes(qrels, {"a": good, "b": bad, "c": dict(good)}, list(qrels),
                              stat_test)
        by_pair = {(c.a, c.b, c.metric): c for c in found}
        assert by_pair[("a", "b", "hit@1")].p_value < 0.01
        assert by_pair[("a", "b", "hit@1")].score_a == 1.0
        assert by_pair[("a", "c", "mrr@10")].p_value == 1.0  # identical runs


def test_citation_scores_count_relayed_copies_once() -> None:
    gold = {("A", "1"), ("B", "4")}
    cited = [{("X", "1"), ("B", "4")}, {("C", "2")}, {("B", "4"), ("X", "1")}]
    precision, recall, f1 = citation_prf(cited, gold)
    assert (precision, recall, f1) == (0.5, 0.5, 0.5)
    assert citation_prf([], gold) == (0.0, 0.0, 0.0)
    assert citation_prf([{("A", "1")}, {("B", "4")}], gold) == (1.0, 1.0, 1.0)


def _citation(doc_no: str, item: str, chunk_id: str) -> Citation:
    return Citation(marker=1, chunk_id=chunk_id, doc_id=doc_no, doc_no=doc_no, date=None,
                    date_thai=None, subject=None, item=item, part="body", part_index=0,
                    issuer=None, source="s", start=0, end=0, label="")


def test_answers_scored_with_copies_and_not_found() -> None:
    passage = hit("มท 1", 0, "3", also_in=[copy_of("ขม 2", 1, "5")])
    answer = Answer(question="q", answer="ให้ขุดลอกคูคลอง [1]",
                    citations=[_citation("มท 1", "3", passage.chunk_id)], passages=[passage],
                    generator="extractive")
    assert cited_pairs(answer) == [{("มท 1", "3"), ("ขม 2", "5")}]
    question = Question("q1", "q", "copy", [Gold("ขม 2", 1, "5")], "dev", ["ขุดลอก", "สูบน้ำ"])
    outcome = score_answer(question, answer)
    assert (outcome.precision, outcome.recall, outcome.f1) == (1.0, 1.0, 1.0)
    assert outcome.keyword_recall == 0.5
    nothing = Answer(question="q", answer="ไม่พบ", citations=[], passages=[],
                     generator="extractive", not_found=True)
    unanswerable = Question("q2", "q", "unanswerable", [], "dev")
    summary = summarize_answers([outcome, score_answer(question, nothing),
                                 score_answer(unanswerable, nothing)])
    assert summary["citation_f1"] == 0.5 and summary["false_not_found_rate"] == 0.5
    assert summary["not_found_accuracy"] == 1.0 and summary["n_unanswerable"] == 1


def test_threshold_sweep_picks_the_separating_value() -> None:
    rows = sweep_thresholds([0.9, 0.8, 0.3, 0.2], [False] * 4, [1.0, 0.5, 0.0, 0.0],
                            [True, True, False, False])
    best = best_threshold(rows)
    assert best.min_score == pytest.approx(0.55)
    assert (best.not_found_accuracy, best.false_not_found_rate) == (1.0, 0.0)
    assert best.answerable_recall == 0.75
    assert rows[0].not_found_accuracy == 0.0 and rows[-1].false_not_found_rate == 1.0


def test_threshold_objectives_differ_when_unanswerables_are_few() -> None:
    relevances = [0.9, 0.8, 0.7, 0.3, 0.5]
    answerable = [True, True, True, True, False]
    rows = sweep_thresholds(relevances, [False] * 5, [1.0] * 4 + [0.0], answerable)
    balanced = best_threshold(rows, "balanced")
    assert balanced.min_score == pytest.approx(0.6)
    assert (balanced.not_found_accuracy, balanced.false_not_found_rate) == (1.0, 0.25)
    accuracy = best_threshold(rows, "accuracy")  # 4 of 5 right either way: more recall wins
    assert accuracy.min_score < 0.3 and accuracy.accuracy == pytest.approx(0.8)
    assert accuracy.answerable_recall == 1.0

"""Comparing an evaluation run with an earlier one (`eval.baseline`, `--baseline`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.baseline import (
    compare_runs,
    fingerprint,
    pack,
    paired_p_value,
    read_baseline,
)
from eval.data import EvalInputError


def _report(scores: dict[str, float], outcomes: list[dict[str, Any]] | None = None,
            changed: str | None = None, commit: str = "abc1234") -> dict[str, Any]:
    asked = [*scores, *(o["id"] for o in outcomes or [])]  # unanswerable ones have no scores
    questions = {q: {"split": "dev" if q < "q5" else "test",
                     "fingerprint": fingerprint(q + ("!" if q == changed else ""), ["g"])}
                 for q in asked}
    report: dict[str, Any] = {
        "kind": "circulars", "name": "circulars", "splits": ["dev", "test", "all"],
        "question_scores": {"hybrid": {"hit@1": scores, "mrr@10": scores}},
        "questions": questions, "meta": {"commit": commit, "date": "2026-11-24"},
    }
    if outcomes is not None:
        report["answers"] = {"outcomes": outcomes}
    return report


def _outcome(qid: str, answerable: bool, f1: float, not_found: bool) -> dict[str, Any]:
    return {"id": qid, "answerable": answerable, "f1": f1, "not_found": not_found}


def test_a_fingerprint_changes_with_the_question_or_its_gold() -> None:
    assert fingerprint("ว 10303 ข้อ 3.6", ["a", "b"]) == fingerprint("ว 10303 ข้อ 3.6", ["b", "a"])
    assert fingerprint("ว 10303 ข้อ 3.6", ["a"]) != fingerprint("ว 10303 ข้อ 3.6", ["a", "b"])
    assert fingerprint("ว 10303 ข้อ 3.6", ["a"]) != fingerprint("ว 10303 ข้อ 3.7", ["a"])


def test_the_paired_test_sees_a_consistent_shift_and_not_noise() -> None:
    assert paired_p_value([1, 0, 1], [1, 0, 1]) == 1.0
    assert paired_p_value([0.0] * 30, [1.0] * 30) < 0.01
    assert paired_p_value([0, 1] * 15, [1, 0] * 15) > 0.5


def test_runs_compared_on_the_questions_asked_the_same_way() -> None:
    old = _report({"q1": 1.0, "q2": 0.0, "q3": 1.0, "q6": 1.0, "q7": 1.0},
                  [_outcome("q1", True, 1.0, False), _outcome("q8", False, 0.0, False)])
    new = _report({"q1": 0.0, "q2": 1.0, "q3": 1.0, "q6": 1.0, "q7": 0.0, "q9": 1.0},
                  [_outcome("q1", True, 0.5, False), _outcome("q8", False, 0.0, True)],
                  changed="q7", commit="def5678")
    found = compare_runs(new, old)
    assert found["baseline"]["commit"] == "abc1234"
    assert found["moved"]["mode"] == "hybrid" and found["moved"]["hit@1_gained"] == ["q2"]
    assert found["moved"]["hit@1_lost"] == ["q1"]  # not q7: asked differently now
    assert found["changed_questions"] == ["q7"] and found["new_questions"] == ["q9"]
    dev_only = {**new, "splits": ["dev"]}
    assert compare_runs({**dev_only, "questions": {"q1": new["questions"]["q1"]}},
                        old)["baseline_only"] == ["q2", "q3"]  # not test's q6, q7
    assert found["moved"]["answers_f1_down"] == ["q1"]
    assert found["moved"]["unanswerable_now_refused"] == ["q8"]
    rows = {(d["mode"], d["split"], d["metric"]): d for d in found["differences"]}
    dev = rows[("hybrid", "dev", "hit@1")]
    assert (dev["n"], dev["baseline"], dev["now"], dev["significant"]) == (3, 2 / 3, 2 / 3, False)
    assert rows[("hybrid", "test", "hit@1")]["n"] == 1  # q6 (q7 changed, q9 new)
    assert rows[("answers", "test", "not_found_accuracy")]["now"] == 1.0
    assert found["worse"] == []


def test_a_significant_drop_is_named() -> None:
    ids = [f"q{i:03d}" for i in range(40)]
    found = compare_runs(_report(dict.fromkeys(ids, 0.0)), _report(dict.fromkeys(ids, 1.0)))
    # Only dev questions: "all" would repeat the dev rows and is left out.
    assert found["worse"] == ["hybrid.dev.hit@1", "hybrid.dev.mrr@10"]


def test_a_beir_run_compares_with_a_beir_run() -> None:
    def beir(scores: dict[str, float]) -> dict[str, Any]:
        return {"kind": "beir", "name": "xquad-th", "splits": ["all"],
                "question_scores": {"dense": {"hit@1": scores}},
                "questions": {q: {"split": "all", "fingerprint": fingerprint(q, ["d"])}
                              for q in scores}}
    found = compare_runs(beir({"a": 1.0, "b": 1.0, "c": 0.0}), beir({"a": 1.0, "b": 0.0}))
    [row] = found["differences"]
    assert (row["split"], row["n"], row["baseline"], row["now"]) == ("all", 2, 0.5, 1.0)
    assert found["moved"]["hit@1_gained"] == ["b"] and found["new_questions"] == ["c"]


def test_nan_scores_and_chance_differences_are_not_regressions() -> None:
    assert paired_p_value([float("nan"), 1.0, 0.0], [1.0, 1.0, 1.0]) == 1.0
    # One metric a little lower among many unchanged ones: p < 0.05 alone, not after
    # the adjustment for many tests.
    ids = [f"q{i:03d}" for i in range(40)]
    same = dict.fromkeys(ids, 1.0)
    old = _report(same)
    new = _report(same)
    old["question_scores"] = {m: {"hit@1": same, "mrr@10": same} for m in ("bm25", "dense")}
    new["question_scores"] = {m: {"hit@1": same, "mrr@10": same} for m in ("bm25", "dense")}
    new["question_scores"]["bm25"]["hit@1"] = {q: (0.0 if i < 6 else 1.0)
                                               for i, q in enumerate(ids)}
    found = compare_runs(new, old)
    [lower] = [d for d in found["differences"] if d["delta"] < 0]
    assert lower["p_value"] < 0.05 <= lower["p_adjusted"]
    assert found["worse"] == []


def test_another_set_or_an_old_report_is_refused(tmp_path: Path) -> None:
    beir = {**_report({"q1": 1.0}), "kind": "beir", "name": "xquad-th"}
    with pytest.raises(EvalInputError, match="another set"):
        compare_runs(_report({"q1": 1.0}), beir)
    packed = tmp_path / "packed.json"
    report = _report({"q1": 1.0, "q2": 0.5})
    packed.write_text(json.dumps({**report, "per_question": pack(
        report.pop("question_scores"), report.pop("questions"))}), encoding="utf-8")
    read = read_baseline(packed)
    assert read["question_scores"]["hybrid"]["hit@1"] == {"q1": 1.0, "q2": 0.5}
    assert read["questions"]["q2"]["split"] == "dev"
    broken = json.loads(packed.read_text(encoding="utf-8"))
    broken["per_question"]["split"].pop()
    packed.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(EvalInputError, match="broken per-question scores"):
        read_baseline(packed)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"name": "circulars", "retrieval": {}}), encoding="utf-8")
    with pytest.raises(EvalInputError, match="per-question scores"):
        read_baseline(old)
    with pytest.raises(EvalInputError, match="cannot read"):
        read_baseline(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(EvalInputError, match=r"bad\.json"):
        read_baseline(tmp_path / "bad.json")

"""This run against an earlier one: did a change make retrieval or answers better or worse?

`circulars eval --baseline REPORT.json` reads an earlier report of the same set
(any `eval/reports/*.json`, e.g. the `latest-circulars.json` the previous run
left) and compares, for every mode, split and metric both runs have, the mean
over the questions both runs scored in the same form: a question whose text or
gold labels changed since (its fingerprint differs) is left out and counted. Each
difference gets a paired randomization test on the per-question scores (SciPy's
`permutation_test`, sign flips: the same test as ranx's Fisher test between
modes), and the questions that moved are listed: hit@1 gained or lost (hybrid),
answers that changed between a citation and not found. A run compares some thirty
means at once, so what counts as worse (`--fail-on-regression`) uses p-values
adjusted for that (Benjamini-Hochberg).

A report keeps what a later comparison needs: per-question scores of the
significance metrics (`question_scores`) and each question's split and
fingerprint (`questions`), written as one compact `per_question` line (`pack`):
spelled out one value a line, they made an XQuAD-th report 500 KB instead of about
90. Reports written before this existed have none and are refused with a message
saying so.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import false_discovery_control, permutation_test

from eval.data import EvalInputError
from eval.metrics import SIGNIFICANCE_METRICS

N_RESAMPLES = 2000
ANSWER_METRICS: tuple[str, ...] = ("citation_f1", "not_found_accuracy")


def fingerprint(text: str, gold: Iterable[str]) -> str:
    """A short hash of a question and its gold labels: equal only for the same question."""
    joined = text + "\x1f" + "\x1e".join(sorted(gold))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:12]


def question_scores(per_query: Mapping[str, Mapping[str, Mapping[str, float]]]
                    ) -> dict[str, dict[str, dict[str, float]]]:
    """mode -> metric -> question id -> score, for the metrics compared between runs."""
    return {mode: {metric: {q: round(v, 4) for q, v in scores[metric].items()}
                   for metric in SIGNIFICANCE_METRICS if metric in scores}
            for mode, scores in per_query.items()}


@dataclass
class Difference:
    mode: str  # a retrieval mode, or "answers"
    split: str
    metric: str
    baseline: float
    now: float
    p_value: float
    n: int
    # p adjusted for the many differences tested together (Benjamini-Hochberg): a run
    # compares some thirty means, and at p < 0.05 one or two would pass by chance.
    p_adjusted: float = 1.0

    @property
    def delta(self) -> float:
        return self.now - self.baseline

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05

    @property
    def worse(self) -> bool:
        """Lower, and still significant after the adjustment for many tests."""
        return self.p_adjusted < 0.05 and self.delta < 0


def read_baseline(path: Path) -> dict[str, Any]:
    """An earlier report; an error names the file and what is wrong with it."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EvalInputError(f"{path}: อ่านรายงานฐานไม่ได้ / cannot read the baseline report "
                             f"({error})") from None
    if not isinstance(report, dict) or not isinstance(report.get("per_question"), dict):
        raise EvalInputError(f"{path}: รายงานนี้ไม่มีคะแนนรายคำถาม / the report has no "
                             "per-question scores (written before `--baseline` existed); "
                             "run `circulars eval` on the older commit to make one")
    try:
        report["question_scores"], report["questions"] = unpack(report["per_question"])
    except (KeyError, TypeError, ValueError) as error:
        raise EvalInputError(f"{path}: คะแนนรายคำถามเสียหาย / broken per-question scores "
                             f"({type(error).__name__}: {error})") from None
    return report


def pack(scores: Mapping[str, Mapping[str, Mapping[str, float]]],
         questions: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """Per-question scores and facts as columns in question order (null: not scored,
    as an unanswerable question in retrieval)."""
    ids = list(questions)
    return {
        "ids": ids,
        "split": [questions[q].get("split", "all") for q in ids],
        "fingerprint": [questions[q].get("fingerprint", "") for q in ids],
        "scores": {mode: {metric: [values.get(q) for q in ids]
                          for metric, values in metrics.items()}
                   for mode, metrics in scores.items()},
    }


def unpack(block: Mapping[str, Any]) -> tuple[dict[str, dict[str, dict[str, float]]],
                                               dict[str, dict[str, str]]]:
    """`pack` undone: (mode -> metric -> id -> score, id -> split and fingerprint)."""
    ids = list(block["ids"])
    splits, prints = list(block["split"]), list(block["fingerprint"])
    if not len(ids) == len(splits) == len(prints):
        raise ValueError("columns of different lengths")
    questions = {q: {"split": split, "fingerprint": found}
                 for q, split, found in zip(ids, splits, prints, strict=True)}
    scores: dict[str, dict[str, dict[str, float]]] = {}
    for mode, metrics in block["scores"].items():
        for metric, values in metrics.items():
            column = list(values)
            if len(column) != len(ids):
                raise ValueError(f"{mode}.{metric}: {len(column)} scores for {len(ids)} ids")
            scores.setdefault(mode, {})[metric] = {
                q: float(v) for q, v in zip(ids, column, strict=True) if v is not None}
    return scores, questions


def paired_p_value(before: Sequence[float], after: Sequence[float]) -> float:
    """Two-sided p-value of the mean paired difference (sign-flip randomization)."""
    differences = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    differences = differences[np.isfinite(differences)]  # a NaN score says nothing
    if len(differences) < 2 or not differences.any():
        return 1.0
    result = permutation_test(
        (differences,), np.mean, permutation_type="samples", n_resamples=N_RESAMPLES,
        alternative="two-sided", random_state=0)
    p = float(result.pvalue)
    return 1.0 if math.isnan(p) else min(1.0, p)


def compare_runs(now: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict[str, Any]:
    """Differences per mode, split and metric, and the questions that moved."""
    # The circular set's reports are named by split ("circulars-dev"); any of them
    # compares with any other on the questions both scored. A BEIR set only with itself.
    if now.get("kind") != baseline.get("kind") or (
            now.get("kind") != "circulars" and now.get("name") != baseline.get("name")):
        raise EvalInputError(f"รายงานฐานเป็นของชุด {baseline.get('name')!r} ไม่ใช่ "
                             f"{now.get('name')!r} / the baseline report is of another set")
    same = _same_questions(now["questions"], baseline["questions"])
    differences: list[Difference] = []
    for mode, metrics in now["question_scores"].items():
        for metric, scores in metrics.items():
            old = baseline["question_scores"].get(mode, {}).get(metric)
            if old is None:
                continue
            for split in now["splits"]:
                ids = [q for q in same.get(split, []) if q in scores and q in old]
                if ids and not _repeats_a_split(split, ids, same):
                    differences.append(_difference(mode, split, metric,
                                                   [old[q] for q in ids],
                                                   [scores[q] for q in ids]))
    moved: dict[str, Any] = {}
    # Which questions moved, in hybrid mode (the product's), else the first mode both ran.
    modes = [m for m in now["question_scores"] if m in baseline["question_scores"]]
    if modes:
        mode = "hybrid" if "hybrid" in modes else modes[0]
        hit_now = now["question_scores"][mode].get("hit@1", {})
        hit_old = baseline["question_scores"][mode].get("hit@1", {})
        shared = [q for q in same["all"] if q in hit_now and q in hit_old]
        moved["mode"] = mode
        moved["hit@1_gained"] = [q for q in shared if hit_now[q] > hit_old[q]]
        moved["hit@1_lost"] = [q for q in shared if hit_now[q] < hit_old[q]]
    answers_now = _outcomes(now)
    answers_old = _outcomes(baseline)
    if answers_now and answers_old:
        differences.extend(_answer_differences(now["splits"], same, answers_now, answers_old))
        moved.update(_answer_moves(same["all"], answers_now, answers_old))
    _adjust(differences)
    changed = sorted(set(now["questions"]) & set(baseline["questions"]) - set(same["all"]))
    return {
        "baseline": {key: baseline.get("meta", {}).get(key)
                     for key in ("commit", "date", "dirty", "model")},
        "differences": [{**asdict(d), "delta": d.delta, "significant": d.significant}
                        for d in differences],
        "moved": moved,
        "changed_questions": changed,
        "new_questions": sorted(set(now["questions"]) - set(baseline["questions"])),
        # Of the splits this run asked: a dev run leaves a full baseline's test alone.
        "baseline_only": sorted(q for q, facts in baseline["questions"].items()
                                if q not in now["questions"]
                                and facts.get("split", "all") in now["splits"]),
        "worse": [f"{d.mode}.{d.split}.{d.metric}" for d in differences if d.worse],
    }


def _same_questions(now: Mapping[str, Mapping[str, str]],
                    old: Mapping[str, Mapping[str, str]]) -> dict[str, list[str]]:
    """Split -> ids of the questions both runs asked in the same form (and "all")."""
    same = [q for q, facts in now.items()
            if q in old and old[q].get("fingerprint") == facts.get("fingerprint")]
    splits: dict[str, list[str]] = {"all": list(same)}
    for q in same:
        split = now[q].get("split", "all")
        if split != "all":  # a BEIR set's questions are all in "all" already
            splits.setdefault(split, []).append(q)
    return splits


def _adjust(differences: Sequence[Difference]) -> None:
    """Set each difference's Benjamini-Hochberg adjusted p-value (SciPy)."""
    if differences:
        adjusted = false_discovery_control([d.p_value for d in differences])
        for difference, p in zip(differences, adjusted, strict=True):
            difference.p_adjusted = float(p)


def _repeats_a_split(split: str, ids: Sequence[str], same: Mapping[str, list[str]]) -> bool:
    """Whether "all" holds just one split's questions (a dev run against a full one)."""
    return split == "all" and any(set(ids) <= set(same[other])
                                  for other in same if other != "all")


def _difference(mode: str, split: str, metric: str, before: Sequence[float],
                after: Sequence[float]) -> Difference:
    return Difference(mode, split, metric, float(np.mean(before)), float(np.mean(after)),
                      paired_p_value(before, after), len(before))


def _outcomes(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    answers = report.get("answers") or {}
    return {o["id"]: o for o in answers.get("outcomes", [])}


def _answer_differences(splits: Sequence[str], same: Mapping[str, list[str]],
                        now: Mapping[str, dict[str, Any]], old: Mapping[str, dict[str, Any]]
                        ) -> list[Difference]:
    out: list[Difference] = []
    for split in splits:
        ids = [q for q in same.get(split, []) if q in now and q in old]
        if _repeats_a_split(split, ids, same):
            continue
        answerable = [q for q in ids if now[q]["answerable"]]
        unanswerable = [q for q in ids if not now[q]["answerable"]]
        if answerable:
            out.append(_difference("answers", split, "citation_f1",
                                   [old[q]["f1"] for q in answerable],
                                   [now[q]["f1"] for q in answerable]))
        if unanswerable:
            out.append(_difference("answers", split, "not_found_accuracy",
                                   [float(old[q]["not_found"]) for q in unanswerable],
                                   [float(now[q]["not_found"]) for q in unanswerable]))
    return out


def _answer_moves(ids: Sequence[str], now: Mapping[str, dict[str, Any]],
                  old: Mapping[str, dict[str, Any]]) -> dict[str, list[str]]:
    shared = [q for q in ids if q in now and q in old]
    return {
        "answers_f1_up": [q for q in shared if now[q]["answerable"]
                          and now[q]["f1"] > old[q]["f1"]],
        "answers_f1_down": [q for q in shared if now[q]["answerable"]
                            and now[q]["f1"] < old[q]["f1"]],
        "unanswerable_now_refused": [q for q in shared if not now[q]["answerable"]
                                     and now[q]["not_found"] and not old[q]["not_found"]],
        "unanswerable_now_answered": [q for q in shared if not now[q]["answerable"]
                                      and old[q]["not_found"] and not now[q]["not_found"]],
    }

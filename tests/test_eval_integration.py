"""`circulars eval` end to end with the real model: the circular set and an XQuAD subset."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from circulars.settings import Settings
from eval.cli import build_parser, run_eval
from tests.conftest import CORPUS, shared_data


def _run(argv: list[str], embedder: Any, **settings: Any) -> int:
    args = build_parser().parse_args(["eval", "--quiet", *argv])
    return run_eval(args, Settings(corpus_dirs=[CORPUS], **settings), embedder)


@pytest.mark.integration
def test_circular_set_dev_end_to_end(tmp_path: Path, real_embedder: Any,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Builds a fresh index with the default model, validates, scores, reports."""
    # Agreed floors: a little under what the default model measures on dev
    # (267 questions since q634-q673: hybrid hit@1 0.896, hit@5 0.938, MRR@10 0.917;
    # bm25 hit@10 0.953; dense hit@1 0.810; answer citation recall 0.784, F1 0.794,
    # not-found accuracy 0.768). The yes/no batch q634-q673 took them down from
    # 0.912 / 0.951 / 0.931, 0.956, 0.824, 0.793 / 0.803 and 0.792 with no change to
    # the code, so the floors moved with it; a regression still fails CI.
    floors = ["--min", "hybrid.dev.hit@1=0.88", "--min", "hybrid.dev.hit@5=0.92",
              "--min", "hybrid.dev.mrr@10=0.90", "--min", "bm25.dev.hit@10=0.94",
              "--min", "dense.dev.hit@1=0.80"]
    with_answers = importlib.util.find_spec("service.answer") is not None
    if with_answers:
        floors += ["--min", "answer.dev.citation_recall=0.77",
                   "--min", "answer.dev.citation_f1=0.78",
                   "--min", "answer.dev.not_found_accuracy=0.75"]
    out = tmp_path / "reports"
    code = _run(["--split", "dev", "--out", str(out), *floors], real_embedder,
                index_dir=tmp_path / "index")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "labels OK" in captured.err
    data = json.loads((out / "latest-circulars-dev.json").read_text(encoding="utf-8"))
    assert data["meta"]["index"]["model"] == real_embedder.model_name
    assert set(data["retrieval"]["hybrid"]) == {"dev"}
    assert all(f["ok"] for f in data["floors"])
    assert (with_answers and "answer.dev.not_found_accuracy" in data["metrics"]) or (
        not with_answers and data.get("answers_skipped"))


@pytest.mark.data
@pytest.mark.integration
def test_xquad_subset(real_embedder: Any, tmp_path: Path) -> None:
    """50 XQuAD-th questions; the index is cached in <cache>/eval-index/xquad-th."""
    folder = shared_data("xquad-th", "retrieval")
    out = tmp_path / "reports"
    code = _run(["--beir", str(folder), "--limit", "50", "--out", str(out),
                 "--min", "hybrid.all.hit@5=0.7", "--min", "bm25.all.hit@5=0.6"], real_embedder)
    assert code == 0
    data = json.loads((out / "latest-xquad-th.json").read_text(encoding="utf-8"))
    row = data["retrieval"]["hybrid"]["all"]
    assert row["n"] == 50
    assert row["hit@1"] <= row["hit@5"] <= row["hit@10"]
    assert data["meta"]["index"]["counts"]["letters"] == 240

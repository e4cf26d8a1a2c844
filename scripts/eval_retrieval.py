"""Retrieval quality on a BEIR-style data set: bm25, dense and hybrid side by side.

Indexes `corpus.jsonl` as `.jsonl` documents into a cached index folder (rebuilt
only when the corpus or model changes), runs every query in each mode, maps chunk
hits to document ids (best rank per document) and prints hit@1, hit@5, MRR@10 and
nDCG@10 computed by ranx.

    python scripts/eval_retrieval.py ../shared/data/xquad-th/retrieval
    python scripts/eval_retrieval.py ../shared/data/iapp-wiki-qa/retrieval --prefix test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

from ranx import Qrels, Run, evaluate

from circulars.settings import Settings
from indexer.build import build_index
from indexer.embedder import load_embedder
from retriever.search import MODES, Searcher

METRICS = ["hit_rate@1", "hit_rate@5", "mrr@10", "ndcg@10"]


def read_jsonl(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--prefix", default="", help="file prefix, e.g. 'test.'")
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries")
    args = parser.parse_args()
    settings = Settings()
    corpus = args.folder / f"{args.prefix}corpus.jsonl"
    queries = read_jsonl(args.folder / f"{args.prefix}queries.jsonl")
    if args.limit:
        queries = queries[: args.limit]
    qrels: dict[str, dict[str, int]] = {}
    for line in (args.folder / f"{args.prefix}qrels.tsv").read_text("utf-8").splitlines()[1:]:
        query_id, doc_id, score = line.split("\t")
        qrels.setdefault(query_id, {})[doc_id] = int(score)
    embedder = load_embedder(settings.embedding_model, settings.cache_dir)
    index_dir = settings.cache_dir / "eval-index" / args.folder.parent.name
    started = time.perf_counter()
    report = build_index([corpus], index_dir, settings, embedder)
    print(f"index: {report.chunks} chunks ({'cached' if report.up_to_date else 'built'}, "
          f"{time.perf_counter() - started:.1f}s)", file=sys.stderr)
    searcher = Searcher(index_dir, embedder, settings)
    table: dict[str, dict[str, float]] = {}
    for mode in MODES:
        run: dict[str, dict[str, float]] = {}
        started = time.perf_counter()
        for query in queries:
            hits = searcher.search(query["question"], k=30, mode=mode, all_copies=True)
            docs: dict[str, float] = {}
            for hit in hits:
                if hit.doc_id not in docs:
                    docs[hit.doc_id] = 1.0 / hit.rank
            run[query["id"]] = dict(list(docs.items())[:10]) or {"__none__": 0.0}
        elapsed = time.perf_counter() - started
        scores = evaluate(Qrels({q["id"]: qrels[q["id"]] for q in queries}), Run(run), METRICS)
        table[mode] = {m: float(v) for m, v in dict(scores).items()}
        print(f"{mode}: {len(queries)} queries in {elapsed:.1f}s", file=sys.stderr)
    print(f"\n{args.folder.parent.name}: {len(queries)} queries, {report.chunks} chunks")
    print("| mode | " + " | ".join(METRICS) + " |")
    print("|---|" + "---|" * len(METRICS))
    for mode, scores in table.items():
        print(f"| {mode} | " + " | ".join(f"{scores[m]:.3f}" for m in METRICS) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

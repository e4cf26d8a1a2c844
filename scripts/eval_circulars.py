"""Hit@1 / hit@5 / MRR@10 of each mode on the Thai circular questions (eval/questions.jsonl).

A hit counts when its (doc_no, part_index, item) is a gold label; relayed copies
merged into a hit (`also_in`) count too. Unanswerable questions are skipped here
(they are judged by the answerer). Prints a table per split.

    python scripts/eval_circulars.py [--index DIR] [--split dev|test|all]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

from circulars.models import Hit
from circulars.settings import PROJECT_ROOT, Settings
from indexer.build import build_index
from indexer.embedder import load_embedder
from retriever.search import MODES, Searcher


def labels(hit: Hit) -> set[tuple[str, int, str]]:
    own = {(hit.doc_no or hit.doc_id, hit.part_index, hit.item)}
    return own | {(str(c["doc_no"] or c["doc_id"]), int(c["part_index"] or 0), str(c["item"]))
                  for c in hit.also_in}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--questions", type=Path, default=PROJECT_ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--modes", default=",".join(MODES))
    args = parser.parse_args()
    settings = Settings(**({"index_dir": args.index} if args.index else {}))
    embedder = load_embedder(settings.embedding_model, settings.cache_dir)
    build_index(list(settings.corpus_dirs), settings.index_dir, settings, embedder)
    searcher = Searcher(settings.index_dir, embedder, settings)
    questions = [json.loads(line) for line in args.questions.read_text("utf-8").splitlines()
                 if line.strip()]
    answerable = [q for q in questions if q["gold"]]
    table: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    misses: list[str] = []
    for mode in args.modes.split(","):
        for q in answerable:
            gold = {(g["doc_no"], g["part_index"], g["item"]) for g in q["gold"]}
            hits = searcher.search(q["question"], k=10, mode=mode)
            rank = next((h.rank for h in hits if labels(h) & gold), None)
            for split in (q["split"], "all"):
                row = table[(mode, split)]
                row[0] += 1
                row[1] += rank == 1
                row[2] += rank is not None and rank <= 5
                row[3] += 1.0 / rank if rank else 0.0
            if mode == "hybrid" and rank != 1:
                top = hits[0] if hits else None
                misses.append(f"{q['id']} [{q['kind']}] rank={rank} {q['question']} -> "
                              f"{top.doc_no if top else '-'} {top.item if top else ''}")
    print("| mode | split | n | hit@1 | hit@5 | MRR@10 |")
    print("|---|---|---|---|---|---|")
    for (mode, split), (n, h1, h5, mrr) in sorted(table.items()):
        print(f"| {mode} | {split} | {int(n)} | {h1 / n:.3f} | {h5 / n:.3f} | {mrr / n:.3f} |")
    print("\nhybrid misses at rank 1:", file=sys.stderr)
    for line in misses:
        print("  " + line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`circulars search`: one query printed readably or as JSON, or a batch of queries.

Batch input is JSON lines with `id` and `question` (or `query`); output lines carry
`id` and `results` (the hit fields). A malformed input line stops the batch with
an error naming the file and line, before any searching is done.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from circulars.models import Hit
from indexer.thai_dates import thai_date
from retriever.search import MODES, Filters, Searcher


def add_search_parser(sub: Any, common: Any) -> None:
    p = sub.add_parser("search", help="search the index (hybrid, dense or bm25)")
    common(p)
    p.add_argument("query", nargs="?", help="the question, in Thai or English")
    p.add_argument("-k", type=int, default=10, help="number of hits (1-100)")
    p.add_argument("--mode", choices=MODES, default="hybrid")
    p.add_argument("--json", action="store_true", help="print hits as JSON")
    p.add_argument("--queries", help="batch: JSONL file with id and question/query")
    p.add_argument("--out", help="batch: where to write results JSONL (default: stdout)")
    p.add_argument("--date-from", help="ISO date, inclusive")
    p.add_argument("--date-to", help="ISO date, inclusive")
    p.add_argument("--issuer", help="issuing office contains this text")
    p.add_argument("--doc-no-prefix", help="document number starts with this, e.g. 'มท 0211'")
    p.add_argument("--source", help="only this source file")
    p.add_argument("--all-copies", action="store_true",
                   help="list relayed copies of the same directive separately")


def read_queries(path: Path) -> list[tuple[str, str]]:
    queries: list[tuple[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: ไม่ใช่ JSON / invalid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{number}: ต้องเป็นออบเจกต์ JSON / must be a JSON object")
        question = record.get("question", record.get("query"))
        if "id" not in record or not isinstance(question, str):
            raise ValueError(
                f"{path}:{number}: ต้องมี id และ question / needs 'id' and 'question' (or 'query')")
        queries.append((str(record["id"]), question))
    if not queries:
        raise ValueError(f"{path}: ไม่มีคำถาม / no queries in the file")
    return queries


def format_hit(hit: Hit) -> str:
    date = thai_date(hit.date) or "-"
    where = f"{hit.doc_no or hit.doc_id} ลงวันที่ {date} ข้อ {hit.item}"
    if hit.part != "body":
        where += f" ({hit.part[:40]})"
    snippet = hit.text.replace("\n", " ")
    lines = [f"{hit.rank:>2}. [{hit.score:.4f}] {where}",
             f"    {snippet[:200]}{'…' if len(snippet) > 200 else ''}"]
    if hit.also_in:
        others = ", ".join(f"{c['doc_no'] or c['doc_id']} ข้อ {c['item']}" for c in hit.also_in)
        lines.append(f"    ปรากฏในหนังสืออื่นด้วย / also in: {others}")
    return "\n".join(lines)


def run_search(args: argparse.Namespace, searcher: Searcher) -> int:
    filters = Filters(args.date_from, args.date_to, args.issuer, args.doc_no_prefix, args.source)
    if args.queries:
        queries = read_queries(Path(args.queries))
        out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
        try:
            for query_id, question in queries:
                hits = searcher.search(question, k=args.k, mode=args.mode, filters=filters,
                                       all_copies=args.all_copies)
                out.write(json.dumps({"id": query_id, "results": [h.to_dict() for h in hits]},
                                     ensure_ascii=False) + "\n")
        finally:
            if out is not sys.stdout:
                out.close()
        return 0
    hits = searcher.search(args.query or "", k=args.k, mode=args.mode, filters=filters,
                           all_copies=args.all_copies)
    if args.json:
        json.dump([h.to_dict() for h in hits], sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif not hits:
        print("ไม่พบผลลัพธ์ / no results")
    else:
        expanded = searcher.expansions(args.query or "", args.mode)
        if expanded:
            print("ค้นรวมคำทางการ / also searched as: " + "; ".join(
                f"{wording} → {', '.join(official)}" for wording, official in expanded))
        print("\n".join(format_hit(h) for h in hits))
    return 0

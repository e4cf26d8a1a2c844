"""`circulars search`: one query printed readably or as JSON, or a batch of queries.

Batch input is JSON lines with `id` and `question` (or `query`); output lines carry
`id` and `results` (the hit fields). Every input line is checked before any searching
is done, and every problem is reported with its file and line; the output file is
written whole or not at all.

-k and the dates are checked as the API checks them (`service.schemas`), so a command
line the API would refuse is refused here too, with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from circulars.arguments import MAX_K, add_filter_flags, passage_count
from circulars.models import Hit
from indexer.thai_dates import thai_date
from retriever.notes import query_notes
from retriever.query import QueryError, validate_query
from retriever.search import MODES, Filters, Searcher

# A file with thousands of bad lines is still reported in a screenful.
MAX_REPORTED_PROBLEMS = 20


def add_search_parser(sub: Any, common: Any) -> None:
    p = sub.add_parser("search", help="search the index (hybrid, dense or bm25)")
    common(p)
    p.add_argument("query", nargs="?", help="the question, in Thai or English")
    p.add_argument("-k", type=passage_count, default=10, help=f"number of hits (1-{MAX_K})")
    p.add_argument("--mode", choices=MODES, default="hybrid")
    p.add_argument("--json", action="store_true", help="print hits as JSON")
    p.add_argument("--queries", help="batch: JSONL file with id and question/query")
    p.add_argument("--out", help="batch: where to write results JSONL (default: stdout)")
    add_filter_flags(p)
    p.add_argument("--all-copies", action="store_true",
                   help="list relayed copies of the same directive separately")


def check_search_args(args: argparse.Namespace, max_query_chars: int) -> None:
    """Refuse, with QueryError, flags that do not go together, before anything loads."""
    if args.queries and args.query is not None:
        raise QueryError("ใช้คำถามหรือ --queries อย่างใดอย่างหนึ่ง",
                         "give either a query or --queries, not both")
    if args.out and not args.queries:
        raise QueryError("--out ใช้คู่กับ --queries เท่านั้น", "--out needs --queries")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise QueryError("วันที่เริ่มต้นอยู่หลังวันที่สิ้นสุด", "--date-from is after --date-to")
    if not args.queries:
        validate_query(args.query or "", max_query_chars)
    if args.out:
        check_out_path(Path(args.out))


def check_out_path(path: Path) -> None:
    folder = path.parent
    if path.is_dir():
        raise QueryError(f"--out {path} เป็นโฟลเดอร์", f"--out {path} is a folder, not a file")
    if not folder.is_dir():
        raise QueryError(f"ไม่พบโฟลเดอร์ {folder} ของ --out {path}",
                         f"the folder of --out {path} does not exist")
    if not os.access(folder, os.W_OK):
        raise QueryError(f"เขียนลงโฟลเดอร์ {folder} ไม่ได้",
                         f"cannot write to the folder of --out {path}")


def read_queries(path: Path, max_query_chars: int) -> list[tuple[str, str]]:
    """(id, question) for every line of a JSONL file, or ValueError listing every bad
    line as FILE:LINE, so a batch never stops halfway on a line it could have refused."""
    text = _read_text(path)
    queries: list[tuple[str, str]] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            query_id, question = _query_line(line, max_query_chars)
        except QueryError as error:
            problems.append(f"{path}:{number}: {error}")
            continue
        first = first_line.get(query_id)
        if first is not None:
            problems.append(f"{path}:{number}: id {query_id!r} ซ้ำกับบรรทัด {first} / "
                            f"duplicate id {query_id!r}, also on line {first}")
            continue
        first_line[query_id] = number
        queries.append((query_id, question))
    if problems:
        raise ValueError(_problem_report(path, problems))
    if not queries:
        raise ValueError(f"{path}: ไม่มีคำถาม / no queries in the file")
    return queries


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise QueryError(f"ไม่พบไฟล์ --queries {path}",
                         f"--queries file {path} does not exist") from None
    except IsADirectoryError:
        raise QueryError(f"--queries {path} เป็นโฟลเดอร์",
                         f"--queries {path} is a folder, not a file") from None
    except OSError as error:
        raise QueryError(f"อ่านไฟล์ --queries {path} ไม่ได้",
                         f"cannot read --queries file {path} ({error.strerror})") from None
    try:
        return data.decode("utf-8-sig")  # -sig: a BOM from Windows editors is not JSON
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ValueError(f"{path}:{line}: ไฟล์ไม่ใช่ข้อความ UTF-8 / not UTF-8 text "
                         f"(bad byte at offset {error.start})") from None


def _query_line(line: str, max_query_chars: int) -> tuple[str, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise QueryError("ไม่ใช่ JSON", f"invalid JSON ({error.msg})") from None
    if not isinstance(record, dict):
        raise QueryError("ต้องเป็นออบเจกต์ JSON", "must be a JSON object")
    query_id = record.get("id")
    # bool is an int to Python, but `true` is no one's query id.
    if isinstance(query_id, bool) or not isinstance(query_id, str | int) \
            or not str(query_id).strip():
        raise QueryError("ไม่มี id (ข้อความหรือตัวเลข)", "missing 'id' (a string or number)")
    question = record.get("question", record.get("query"))
    if not isinstance(question, str):
        raise QueryError("ต้องมี question เป็นข้อความ",
                         "needs 'question' (or 'query') as a string")
    validate_query(question, max_query_chars)
    return str(query_id), question


def _problem_report(path: Path, problems: list[str]) -> str:
    lines = [f"{path}: พบปัญหา {len(problems)} บรรทัด ไม่ได้ค้นหา / "
             f"{len(problems)} bad line(s); nothing was searched",
             *problems[:MAX_REPORTED_PROBLEMS]]
    if len(problems) > MAX_REPORTED_PROBLEMS:
        more = len(problems) - MAX_REPORTED_PROBLEMS
        lines.append(f"... และอีก {more} บรรทัด / and {more} more")
    return "\n".join(lines)


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


def run_search(args: argparse.Namespace, searcher: Searcher,
               queries: list[tuple[str, str]] | None = None) -> int:
    """Print one search, or run the batch `queries` (read by `read_queries`)."""
    filters = Filters(args.date_from, args.date_to, args.issuer, args.doc_no_prefix, args.source)
    if queries is not None:
        if args.out:
            with atomic_output(Path(args.out)) as out:
                _run_batch(out, args, searcher, queries, filters)
        else:
            _run_batch(sys.stdout, args, searcher, queries, filters)
        return 0
    hits = searcher.search(args.query or "", k=args.k, mode=args.mode, filters=filters,
                           all_copies=args.all_copies)
    for note in query_notes(searcher, args.query or "", filters):
        print(f"หมายเหตุ / note: {note}", file=sys.stderr)
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


def _run_batch(out: IO[str], args: argparse.Namespace, searcher: Searcher,
               queries: list[tuple[str, str]], filters: Filters) -> None:
    for query_id, question in queries:
        hits = searcher.search(question, k=args.k, mode=args.mode, filters=filters,
                               all_copies=args.all_copies)
        out.write(json.dumps({"id": query_id, "results": [h.to_dict() for h in hits]},
                             ensure_ascii=False) + "\n")


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[str]]:
    """A temporary file beside `path`, renamed over it once the block succeeds: an
    interrupted or failed batch leaves the old file (or none), never half a new one."""
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (renamed, not closed, on success)
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp",
            delete=False)
    except OSError as error:
        raise QueryError(f"เขียน {path} ไม่ได้",
                         f"cannot write {path} ({error.strerror})") from None
    try:
        with handle:
            yield handle
        # mkstemp makes the file 0600; the result should be readable like any other.
        os.chmod(handle.name, 0o666 & ~_umask())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

"""The `circulars` command line: index, show, search, ask, serve, eval.

Each subcommand builds the settings once from the environment and its flags,
loads what it needs explicitly (the embedding model only when it must embed),
and prints Thai-first messages. Exit codes: 0 success, 1 nothing could be done
(e.g. no file could be indexed), 2 bad usage or a missing or mismatched index.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from circulars.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    if getattr(args, "model", None):
        overrides["embedding_model"] = args.model
    for name in ("host", "port"):
        if getattr(args, name, None) is not None:
            overrides[name] = getattr(args, name)
    return Settings(**overrides)


def _offline_env() -> None:
    # Fail fast on a missing resource instead of waiting on a network we do not have.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("PYTHAINLP_OFFLINE", "1")


def load_embedder_for(settings: Settings) -> Any:
    from indexer.embedder import load_embedder

    return load_embedder(
        settings.embedding_model, settings.cache_dir, dtype=settings.embedding_dtype,
        query_prompt=settings.query_prompt, passage_prompt=settings.passage_prompt,
        query_runtime=settings.query_runtime,
    )


def cmd_index(args: argparse.Namespace) -> int:
    from indexer.build import build_index

    settings = _settings(args)
    paths = [Path(p) for p in args.paths] if args.paths else list(settings.corpus_dirs)
    for path in paths:  # before the model loads, which takes a while
        if not path.exists():
            print(f"ไม่พบ {path} / {path} does not exist", file=sys.stderr)
            return 2
    print(f"โหลดโมเดล / loading model: {settings.embedding_model}", file=sys.stderr)
    embedder = load_embedder_for(settings)
    try:
        report = build_index(paths, settings.index_dir, settings, embedder,
                             rebuild=args.rebuild, progress=not args.quiet)
    except FileNotFoundError as error:
        print(str(error), file=sys.stderr)
        return 2
    if report.up_to_date:
        print_skipped(report.files_skipped)
        print(f"ดัชนีเป็นปัจจุบันแล้ว / index is up to date: {settings.index_dir} "
              f"({report.letters} letters, {report.chunks} chunks)")
        return 0
    for source, coverage in sorted(report.coverage.items()):
        total = coverage.get("total", 0) or 1
        print(f"  {source}: chunks {coverage['chunks']:,} / metadata {coverage['metadata']:,} / "
              f"furniture {coverage['furniture']:,} / blank {coverage['blank']:,} "
              f"of {coverage['total']:,} chars "
              f"({100 * (total - coverage.get('unclassified', 0)) / total:.0f}% accounted)")
    for warning in report.warnings:
        print(f"  คำเตือน / warning: {warning}")
    for failure in report.failures:
        print(f"  ทำดัชนีไม่ได้ / failed: {failure}", file=sys.stderr)
    print_skipped(report.files_skipped)
    seconds = report.seconds.get("total", 0.0)
    print(
        f"สรุป / summary: files {len(report.files_parsed)} parsed, {len(report.files_reused)} "
        f"unchanged, {len(report.files_removed)} removed, {len(report.failures)} failed, "
        f"{len(report.files_skipped)} skipped; "
        f"letters {report.letters}; chunks {report.chunks} ({report.embedded} embedded), "
        f"sentence vectors {report.sentences} ({report.sentences_embedded} embedded); "
        f"warnings {len(report.warnings)}; {seconds:.1f}s -> {settings.index_dir}"
    )
    if not report.ok:
        print("ไม่มีไฟล์ใดทำดัชนีได้ / nothing could be indexed", file=sys.stderr)
        return 1
    return 0


def print_skipped(names: list[str], shown: int = 20) -> None:
    """Files of a type the indexer does not read; a folder of scans stays a few lines."""
    for name in names[:shown]:
        print(f"  ข้าม / skipped: {name} (ชนิดไฟล์ที่ไม่รองรับ / unsupported type)",
              file=sys.stderr)
    if len(names) > shown:
        more = len(names) - shown
        print(f"  ข้าม / skipped: อีก {more} ไฟล์ / {more} more", file=sys.stderr)


def _open_store(settings: Settings) -> Any:
    from indexer.build import STORE_FILE
    from indexer.manifest import current_version_dir
    from indexer.store import Store

    return Store(current_version_dir(settings.index_dir) / STORE_FILE, readonly=True)


def _find_letters(store: Any, key: str) -> list[Any]:
    from indexer.doc_numbers import normalize_doc_no
    from retriever.query import find_citation
    from retriever.search import letter_keys

    letter = store.letter(key)
    if letter:
        return [letter]
    doc_no = normalize_doc_no(key)
    found = store.letters_by_doc_no(doc_no) if doc_no else []
    citation = find_citation(key)
    if found or citation is None:
        return list(found)
    # A running number alone, as people cite letters: "ว 10303", "ว ๑๐๓๐๓", "19355".
    return [le for le in store.letters() if citation.letter_key in letter_keys(le.doc_no)]


def cmd_show(args: argparse.Namespace) -> int:
    from indexer.manifest import IndexProblem

    settings = _settings(args)
    try:
        store = _open_store(settings)
    except IndexProblem as error:
        print(str(error), file=sys.stderr)
        return 2
    with store:
        letters = _find_letters(store, args.letter) if args.letter else store.letters()
        if args.letter and not letters:
            print(f"ไม่พบหนังสือ {args.letter!r} / no letter {args.letter!r}; "
                  "`circulars show --json` lists all", file=sys.stderr)
            return 2
        if args.json:
            out = []
            for letter in letters:
                record = letter.to_dict()
                record["chunks"] = [c.to_dict() for c in store.chunks_of(letter.id)]
                out.append(record)
            json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
            print()
            return 0
        for letter in letters:
            print(format_letter(letter, store.chunks_of(letter.id), full=bool(args.letter)))
    return 0


def format_letter(letter: Any, chunks: list[Any], full: bool) -> str:
    from indexer.thai_dates import thai_date

    lines = [
        f"■ {letter.id}  {letter.doc_no or '(ไม่มีเลขที่ / no number)'}  "
        f"{thai_date(letter.date) or letter.date_raw or ''}  [{letter.source}]",
        f"  เรื่อง   {letter.subject or '-'}",
    ]
    if full:
        refs = "; ".join(f"{r.doc_no} ({r.date or '?'}, {r.via})" for r in letter.references)
        lines += [
            f"  เรียน    {letter.to or '-'}",
            f"  อ้างถึง  {refs or '-'}",
            f"  สิ่งที่ส่งมาด้วย {' | '.join(letter.enclosures) or '-'}",
            f"  ส่วนราชการ {letter.issuer or '-'}   ลงนาม {letter.signatory or '-'} "
            f"({(letter.position or '-').replace(chr(10), ' ')})",
            f"  ความเร่งด่วน {letter.urgency or '-'}",
        ]
    lines.append(f"  {len(chunks)} chunks")
    if full:
        part = None
        for chunk in chunks:
            if chunk.part != part:
                part = chunk.part
                lines.append(f"  ── {part}")
            snippet = chunk.text.replace("\n", " ")
            lines.append(f"    [{chunk.item}] ({chunk.kind}) {snippet[:110]}"
                         f"{'…' if len(snippet) > 110 else ''}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="circulars", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--index", help="index folder (default: .index/default in the checkout)")
        p.add_argument("--model", help="embedding model: a sentence-transformers name or folder")

    p = sub.add_parser("index", help="build or update the index from corpus files")
    common(p)
    p.add_argument("paths", nargs="*", help="files or folders (default: corpus/)")
    p.add_argument("--rebuild", action="store_true", help="ignore the previous index")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("show", help="print parsed letters and their chunks")
    common(p)
    p.add_argument("letter", nargs="?", help="letter id or document number")
    p.add_argument("--json", action="store_true", help="JSON array of letters with chunks")
    p.set_defaults(func=cmd_show)

    _register_more(sub, common)
    return parser


def _register_more(sub: Any, common: Any) -> None:
    """Subcommands of later stages register here so the parser stays in one place."""
    from eval.cli import add_eval_parser
    from retriever.cli import add_search_parser
    from service.cli import add_ask_parser, add_serve_parser

    add_search_parser(sub, common)
    sub.choices["search"].set_defaults(func=cmd_search)
    add_serve_parser(sub, common)
    add_ask_parser(sub, common)
    add_eval_parser(sub, common)


def cmd_search(args: argparse.Namespace) -> int:
    from indexer.manifest import IndexProblem, current_version_dir
    from retriever.cli import check_search_args, read_queries, run_search
    from retriever.query import QueryError
    from retriever.search import Searcher
    from retriever.thesaurus import ThesaurusError

    settings = _settings(args)
    # Every flag and every batch line is checked before the model loads, so a typo
    # costs a second, not a model load and half a batch.
    try:
        check_search_args(args, settings.max_query_chars)
        queries = (read_queries(Path(args.queries), settings.max_query_chars)
                   if args.queries else None)
    except ValueError as error:  # QueryError, or read_queries' list of bad lines
        print(str(error), file=sys.stderr)
        return 2
    try:
        current_version_dir(settings.index_dir)  # say "build the index" before loading a model
        searcher = Searcher(settings.index_dir, load_embedder_for(settings), settings)
    except (IndexProblem, ThesaurusError) as error:
        print(str(error), file=sys.stderr)
        return 2
    try:
        return run_search(args, searcher, queries)
    except (QueryError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 2
    finally:
        searcher.close()


def main(argv: Sequence[str] | None = None) -> int:
    _offline_env()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
        sys.stdout.flush()  # here, not at exit, where a closed pipe could not be caught
    except BrokenPipeError:
        # `circulars search ... --json | head`: the reader has what it wanted. Point
        # stdout at /dev/null so the interpreter's final flush does not raise again.
        _stdout_to_devnull()
        return 141  # 128 + SIGPIPE, as a shell reports a command a pipe closed on
    return result


def _stdout_to_devnull() -> None:
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation: a capture
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())

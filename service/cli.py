"""`circulars serve` (API and UI in one process) and `circulars ask` (one answer).

Registered by `circulars.cli._register_more`. Both build `ServiceSettings` from the
environment (`CIRCULARS_*`) and their flags.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from circulars.arguments import MAX_K, add_filter_flags, passage_count
from retriever.query import QueryError
from retriever.search import MODES, Filters
from service.generators import Generator
from service.settings import ServiceSettings


def service_settings(args: argparse.Namespace) -> ServiceSettings:
    overrides: dict[str, Any] = {}
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    if getattr(args, "model", None):
        overrides["embedding_model"] = args.model
    for name in ("host", "port", "generator", "generator_model", "generator_url", "min_score"):
        if getattr(args, name, None) is not None:
            overrides[name] = getattr(args, name)
    return ServiceSettings(**overrides)


def _generator_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--generator", choices=("extractive", "transformers", "openai"),
                   help="answer generator (default: extractive, or CIRCULARS_GENERATOR)")
    p.add_argument("--generator-model", help="model folder (transformers) or name (openai)")
    p.add_argument("--generator-url", help="OpenAI-compatible base URL, e.g. "
                                           "http://127.0.0.1:11434/v1")


def add_serve_parser(sub: Any, common: Any) -> None:
    p = sub.add_parser("serve", help="serve the API (/api, /docs) and the Thai UI (/ui)")
    common(p)
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    _generator_flags(p)
    p.set_defaults(func=cmd_serve)


def add_ask_parser(sub: Any, common: Any) -> None:
    p = sub.add_parser("ask", help="answer a question with citations")
    common(p)
    p.add_argument("question", help="the question, in Thai")
    p.add_argument("-k", type=passage_count, default=5,
                   help=f"passages to answer from (1-{MAX_K})")
    add_filter_flags(p)
    p.add_argument("--mode", choices=MODES, default="hybrid",
                   help="retrieval: hybrid (default), dense or bm25")
    p.add_argument("--min-score", type=float, help="relevance threshold (0-1)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    _generator_flags(p)
    p.set_defaults(func=cmd_ask)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.app import create_app

    settings = service_settings(args)
    print(f"เปิดที่ / serving on http://{settings.host}:{settings.port}/ui "
          f"(API: /api, docs: /docs; index {settings.index_dir})", file=sys.stderr)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="warning")
    return 0


def format_answer(answer: Any) -> str:
    lines = [answer.answer, ""]
    if answer.citations:
        lines.append("อ้างอิง / sources:")
        for citation in answer.citations:
            lines.append(f"  [{citation.marker}] {citation.label}")
            if citation.subject:
                lines.append(f"      เรื่อง {citation.subject}")
    for warning in answer.warnings:
        lines.append(f"คำเตือน / warning: {warning}")
    return "\n".join(lines).rstrip()


def cmd_ask(args: argparse.Namespace) -> int:
    from indexer.manifest import IndexProblem, current_version_dir
    from retriever.query import validate_query
    from retriever.thesaurus import ThesaurusError
    from service.answer import answer
    from service.state import load_service_embedder, open_searcher

    settings = service_settings(args)
    try:
        question = validate_query(args.question, settings.max_query_chars)
        filters = _filters(args)
        current_version_dir(settings.index_dir)  # say "build the index" before loading a model
        searcher = open_searcher(settings, load_service_embedder(settings), warm=False)
    except (QueryError, IndexProblem, ThesaurusError) as error:
        print(str(error), file=sys.stderr)
        return 2
    generator, notes = _generator(settings)
    try:
        result = answer(searcher, question, k=args.k, filters=filters, generator=generator,
                        min_score=settings.min_score, mode=args.mode, notes=notes)
    except (QueryError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 2
    finally:
        searcher.close()
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print(format_answer(result))
    return 0


def _filters(args: argparse.Namespace) -> Filters:
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise QueryError("วันที่เริ่มต้นอยู่หลังวันที่สิ้นสุด",
                         "--date-from is after --date-to")
    return Filters(args.date_from, args.date_to, args.issuer, args.doc_no_prefix, args.source)


def _generator(settings: ServiceSettings) -> tuple[Generator | None, list[str]]:
    """The configured generator, or None and the reason in the answer's warnings (as the
    API reports it) when it cannot be loaded."""
    from service.generators import configured_name, try_load_generator
    from service.state import unavailable_note

    generator, reason = try_load_generator(settings)
    if reason is None:
        return generator, []
    return None, [unavailable_note(configured_name(settings) or settings.generator, reason)]

"""Generic documents from `.jsonl` files, chunked by paragraph and length.

Each line is one document: `{"id", "text"}` with optional `title`, `date`, `doc_no`,
`url` and any other metadata (BEIR's `_id` is accepted as the id). Documents land
in the same store as circulars, so other collections, and the retrieval data sets
used for evaluation, can be indexed, searched and evaluated the same way. A
malformed line is reported with its file and line number and skipped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from circulars.models import Chunk, Letter
from indexer.chunker import ParsedFile, split_long, stable_id
from indexer.doc_numbers import normalize_doc_no
from indexer.normalize import clean_unicode, index_form
from indexer.thai_dates import parse_thai_date

PARAGRAPH_RE = re.compile(r"\n\s*\n|\n")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")
KNOWN_FIELDS = {"id", "_id", "text", "title", "date", "doc_no", "url"}


def parse_jsonl(text: str, source: str, max_chars: int = 1200) -> ParsedFile:
    parsed = ParsedFile(source, [], [])
    seen: set[str] = set()
    offset = 0
    for number, line in enumerate(text.split("\n"), 1):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            parsed.warnings.append(
                f"{source}:{number}: ไม่ใช่ JSON ที่ถูกต้อง / invalid JSON ({error.msg})"
            )
            continue
        problem = _problem(record)
        if problem:
            parsed.warnings.append(f"{source}:{number}: {problem}")
            continue
        doc_id = str(record.get("id", record.get("_id")))
        if doc_id in seen:
            parsed.warnings.append(f"{source}:{number}: รหัสซ้ำ / duplicate id {doc_id!r}, skipped")
            continue
        seen.add(doc_id)
        letter, chunks = _document(record, doc_id, source, start, max_chars)
        parsed.letters.append(letter)
        parsed.chunks.extend(chunks)
    total = len(text)
    in_chunks = sum(len(c.text) for c in parsed.chunks)
    parsed.coverage = {
        "chunks": min(in_chunks, total),
        "metadata": max(total - in_chunks, 0),
        "furniture": 0,
        "blank": 0,
        "unclassified": 0,
        "total": total,
    }
    return parsed


def _problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return "บรรทัดต้องเป็นออบเจกต์ JSON / line must be a JSON object"
    if record.get("id", record.get("_id")) in (None, ""):
        return "ไม่มี id / missing 'id'"
    if not isinstance(record.get("text"), str) or not record["text"].strip():
        return "ไม่มีข้อความ / missing or empty 'text'"
    return None


def _document(
    record: dict[str, Any], doc_id: str, source: str, start: int, max_chars: int
) -> tuple[Letter, list[Chunk]]:
    # Wikipedia-style titles arrive as "Super_Bowl_50"; the model reads words.
    title = (clean_unicode(str(record["title"])).replace("_", " ").strip()
             if record.get("title") else None)
    raw_date = str(record["date"]) if record.get("date") else None
    date = (
        raw_date[:10]
        if raw_date and ISO_DATE_RE.match(raw_date)
        else (parse_thai_date(raw_date) if raw_date else None)
    )
    doc_no = normalize_doc_no(str(record["doc_no"])) if record.get("doc_no") else None
    extra = {k: v for k, v in record.items() if k not in KNOWN_FIELDS}
    letter = Letter(
        id=doc_id,
        source=source,
        doc_no=doc_no,
        doc_no_raw=record.get("doc_no"),
        date=date,
        date_raw=raw_date,
        subject=title,
        to=None,
        issuer=extra.get("issuer"),
        kind="document",
        start=start,
        end=start,
        url=record.get("url"),
        extra=extra,
    )
    text = clean_unicode(record["text"])
    pieces: list[str] = []
    for paragraph in (p.strip() for p in PARAGRAPH_RE.split(text)):
        if not paragraph:
            continue
        # Short paragraphs are packed together so a chunk carries enough context.
        if pieces and len(pieces[-1]) + len(paragraph) + 1 <= max_chars // 2:
            pieces[-1] = f"{pieces[-1]}\n{paragraph}"
        else:
            pieces.extend(split_long(paragraph, max_chars))
    chunks = [
        Chunk(
            chunk_id=stable_id(source, doc_id, str(position), piece),
            doc_id=doc_id,
            source=source,
            part="body",
            part_index=0,
            item=f"p{position}",
            kind="paragraph",
            parents=[],
            text=piece,
            index_text=index_form(f"{title} | {piece}" if title else piece),
            start=start,
            end=start,
            seq=position - 1,
            doc_no=doc_no,
            date=date,
            subject=title,
            issuer=letter.issuer,
        )
        for position, piece in enumerate(pieces, 1)
    ]
    return letter, chunks

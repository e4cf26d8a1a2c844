"""The SQLite store inside an index folder: files, letters, chunks and the chunks'
BM25 tokens (which the next build carries over for unchanged files).

SQLite keeps the parsed corpus inspectable with any SQL tool and lets the
retriever fetch chunk texts and apply metadata filters without loading
everything into memory. Rows carry the full dataclass as JSON next to the
columns that are filtered on.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from circulars.models import Chunk, Letter, Reference

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, status TEXT NOT NULL,
    encoding TEXT, letters INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,
    warnings TEXT NOT NULL DEFAULT '[]', coverage TEXT NOT NULL DEFAULT '{}', error TEXT
);
CREATE TABLE IF NOT EXISTS letters (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, doc_no TEXT, date TEXT, issuer TEXT,
    subject TEXT, data TEXT NOT NULL, display_text TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
    source TEXT NOT NULL, seq INTEGER NOT NULL, item TEXT NOT NULL, kind TEXT NOT NULL,
    doc_no TEXT, date TEXT, issuer TEXT, text TEXT NOT NULL, index_text TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunk_tokens (chunk_id TEXT PRIMARY KEY, tokens TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, seq);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
CREATE INDEX IF NOT EXISTS letters_doc_no ON letters(doc_no);
CREATE INDEX IF NOT EXISTS letters_source ON letters(source);
"""


def _file_record(row: sqlite3.Row) -> dict[str, Any]:
    record = dict(row)
    record["warnings"] = json.loads(record["warnings"])
    record["coverage"] = json.loads(record["coverage"])
    return record


def letter_from_json(data: dict[str, Any]) -> Letter:
    data = dict(data)
    data["references"] = [Reference(**ref) for ref in data.get("references", [])]
    return Letter(**data)


class Store:
    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        if readonly:
            uri = f"file:{path}?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.db = sqlite3.connect(path, check_same_thread=False)
            self.db.executescript(SCHEMA)
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Writing -----------------------------------------------------------------
    def put_file(
        self,
        path: str,
        sha256: str,
        size: int,
        status: str,
        *,
        encoding: str | None,
        letters: int,
        chunks: int,
        warnings: list[str],
        coverage: dict[str, int],
        error: str | None = None,
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                path,
                sha256,
                size,
                status,
                encoding,
                letters,
                chunks,
                json.dumps(warnings, ensure_ascii=False),
                json.dumps(coverage),
                error,
            ),
        )

    def put_letters(self, letters: Iterable[Letter], display: dict[str, str]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO letters VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    le.id,
                    le.source,
                    le.doc_no,
                    le.date,
                    le.issuer,
                    le.subject,
                    json.dumps(le.to_dict(), ensure_ascii=False),
                    display.get(le.id, ""),
                )
                for le in letters
            ],
        )

    def put_chunks(self, chunks: Iterable[Chunk]) -> None:
        self.db.executemany(
            "INSERT INTO chunks (chunk_id, doc_id, source, seq, item, kind, doc_no, date, issuer,"
            " text, index_text, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    c.chunk_id,
                    c.doc_id,
                    c.source,
                    c.seq,
                    c.item,
                    c.kind,
                    c.doc_no,
                    c.date,
                    c.issuer,
                    c.text,
                    c.index_text,
                    json.dumps(c.to_dict(), ensure_ascii=False),
                )
                for c in chunks
            ],
        )

    def delete_source(self, source: str) -> None:
        self.db.execute("DELETE FROM chunk_tokens WHERE chunk_id IN "
                        "(SELECT chunk_id FROM chunks WHERE source = ?)", (source,))
        self.db.execute("DELETE FROM chunks WHERE source = ?", (source,))
        self.db.execute("DELETE FROM letters WHERE source = ?", (source,))
        self.db.execute("DELETE FROM files WHERE path = ?", (source,))

    def commit(self) -> None:
        self.db.commit()

    # Reading -----------------------------------------------------------------
    def files(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM files ORDER BY path").fetchall()
        return [_file_record(row) for row in rows]

    def file(self, path: str) -> dict[str, Any] | None:
        """One file's record, looked up by its key: an incremental build asks this for
        every unchanged file, and listing them all each time grows with their square."""
        row = self.db.execute("SELECT * FROM files WHERE path = ?", (path,)).fetchone()
        return _file_record(row) if row is not None else None

    def letters(self, source: str | None = None) -> list[Letter]:
        query = "SELECT data FROM letters"
        args: tuple[str, ...] = ()
        if source:
            query += " WHERE source = ?"
            args = (source,)
        rows = self.db.execute(query + " ORDER BY source, rowid", args).fetchall()
        return [letter_from_json(json.loads(row["data"])) for row in rows]

    def letter(self, letter_id: str) -> Letter | None:
        row = self.db.execute("SELECT data FROM letters WHERE id = ?", (letter_id,)).fetchone()
        return letter_from_json(json.loads(row["data"])) if row else None

    def letter_display(self, letter_id: str) -> str:
        row = self.db.execute(
            "SELECT display_text FROM letters WHERE id = ?", (letter_id,)
        ).fetchone()
        return str(row["display_text"]) if row else ""

    def letters_by_doc_no(self, doc_no: str) -> list[Letter]:
        rows = self.db.execute("SELECT data FROM letters WHERE doc_no = ?", (doc_no,)).fetchall()
        return [letter_from_json(json.loads(row["data"])) for row in rows]

    def chunks_of(self, letter_id: str) -> list[Chunk]:
        rows = self.db.execute(
            "SELECT data FROM chunks WHERE doc_id = ? ORDER BY seq", (letter_id,)
        ).fetchall()
        return [Chunk(**json.loads(row["data"])) for row in rows]

    def chunk(self, chunk_id: str) -> Chunk | None:
        row = self.db.execute("SELECT data FROM chunks WHERE chunk_id = ?", (chunk_id,)).fetchone()
        return Chunk(**json.loads(row["data"])) if row else None

    def chunks_by_ids(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        return {row[0]: Chunk(**json.loads(row[1]))
                for row in self._rows_by_ids("chunk_id, data", chunk_ids)}

    def chunk_texts(self, chunk_ids: list[str]) -> dict[str, str]:
        """Display texts by chunk id (ids not in the store are left out)."""
        return {row[0]: str(row[1]) for row in self._rows_by_ids("chunk_id, text", chunk_ids)}

    def _rows_by_ids(self, columns: str, chunk_ids: list[str],
                     table: str = "chunks") -> Iterator[sqlite3.Row]:
        for start in range(0, len(chunk_ids), 500):  # SQLite caps bound parameters
            batch = chunk_ids[start : start + 500]
            marks = ",".join("?" * len(batch))
            yield from self.db.execute(
                f"SELECT {columns} FROM {table} WHERE chunk_id IN ({marks})", batch)

    def iter_chunks(self) -> Iterator[Chunk]:
        for row in self.db.execute("SELECT data FROM chunks ORDER BY source, doc_id, seq"):
            yield Chunk(**json.loads(row["data"]))

    def chunk_text(self, chunk_id: str) -> str:
        row = self.db.execute("SELECT text FROM chunks WHERE chunk_id = ?", (chunk_id,)).fetchone()
        if row is None:
            raise KeyError(chunk_id)
        return str(row[0])

    def chunk_rows(
        self, columns: str = "chunk_id, doc_id, source, doc_no, date, issuer, item"
    ) -> list[sqlite3.Row]:
        return list(self.iter_chunk_rows(columns))

    def iter_chunk_rows(
        self, columns: str = "chunk_id, doc_id, source, doc_no, date, issuer, item"
    ) -> Iterator[sqlite3.Row]:
        """Chunk rows in index order (source, letter, sequence), one at a time."""
        yield from self.db.execute(f"SELECT {columns} FROM chunks ORDER BY source, doc_id, seq")

    def put_tokens(self, rows: Iterable[tuple[str, list[str]]]) -> None:
        """Chunks' BM25 tokens, kept so that a later build reuses them for unchanged
        files instead of segmenting every chunk again."""
        self.db.executemany(
            "INSERT OR REPLACE INTO chunk_tokens VALUES (?,?)",
            [(chunk_id, json.dumps(tokens, ensure_ascii=False)) for chunk_id, tokens in rows])

    def tokens_by_ids(self, chunk_ids: list[str]) -> dict[str, list[str]]:
        """Stored BM25 tokens by chunk id; none from a store older than the table."""
        try:
            return {row["chunk_id"]: json.loads(row["tokens"]) for row in
                    self._rows_by_ids("chunk_id, tokens", chunk_ids, "chunk_tokens")}
        except sqlite3.OperationalError:  # no such table: built before tokens were kept
            return {}

    def iter_chunk_tokens(self) -> Iterator[str]:
        """Every chunk's stored BM25 tokens (JSON), in the order of `iter_chunk_rows`."""
        for chunk_id, tokens in self.db.execute(
                "SELECT c.chunk_id, t.tokens FROM chunks c "
                "LEFT JOIN chunk_tokens t ON t.chunk_id = c.chunk_id "
                "ORDER BY c.source, c.doc_id, c.seq"):
            if tokens is None:  # a build stores every chunk's tokens before BM25 reads them
                raise RuntimeError(f"chunk {chunk_id} has no stored BM25 tokens")
            yield tokens

    def counts(self) -> dict[str, int]:
        def one(sql: str) -> int:
            return int(self.db.execute(sql).fetchone()[0])

        return {
            "files": one("SELECT COUNT(*) FROM files WHERE status = 'ok'"),
            "failed_files": one("SELECT COUNT(*) FROM files WHERE status != 'ok'"),
            "letters": one("SELECT COUNT(*) FROM letters"),
            "chunks": one("SELECT COUNT(*) FROM chunks"),
        }

"""Build or update an index folder from corpus files.

An index folder holds versions side by side and a `CURRENT` file naming the one
in use. A build writes a new version in a hidden folder and only then switches
`CURRENT` with an atomic rename, so Ctrl-C or kill -9 in the middle of a build
leaves the previous version usable. Unchanged files (same SHA-256, same model and
chunker) reuse their stored chunks and vectors; only new or changed files are
parsed and embedded, and chunks of deleted files disappear with them. The FAISS
indexes of the previous version are updated (`_dense_index`); BM25 is rebuilt from
the chunks' stored tokens.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import fcntl
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from circulars.models import Letter
from circulars.settings import Settings
from indexer import dense_index
from indexer.bm25_index import BM25Index
from indexer.chunker import CHUNKER_VERSION, ParsedFile, parse_circular
from indexer.dense_index import DenseIndex, choose_kind, gather
from indexer.embedder import Embedder
from indexer.image_text import IMAGE_SUFFIXES
from indexer.jsonl_docs import parse_jsonl
from indexer.manifest import (
    TOKENIZER_ID,
    IndexProblem,
    Manifest,
    current_version_dir,
    point_current,
    read_manifest,
)
from indexer.normalize import clean_unicode
from indexer.ocr import OcrSetup, ocr_setup
from indexer.reader import SUPPORTED_SUFFIXES, ReadProblemError, SourceText, read_source
from indexer.sentence_vectors import SENTENCE_RULES, SentenceVectors
from indexer.store import Store
from indexer.thai_tokens import SEGMENTER, tokenize

STORE_FILE = "store.sqlite"
DENSE_DIR = "dense"
SENTENCE_DIR = "dense_sentences"


@dataclass
class BuildReport:
    index_dir: Path
    version: str | None = None
    up_to_date: bool = False
    files_parsed: list[str] = field(default_factory=list)
    files_reused: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Files under the given folders that are not read at all (e.g. "scan.tif"), so a
    # summary can say so instead of leaving them out silently.
    files_skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)
    letters: int = 0
    chunks: int = 0
    embedded: int = 0
    sentences: int = 0
    sentences_embedded: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.up_to_date or self.chunks > 0


def discover(paths: list[Path]) -> tuple[list[tuple[Path, str]], list[str]]:
    """(path, source name) for every supported file under the given files and folders,
    and the names of the other files found there, which are not indexed."""
    found: list[tuple[Path, str]] = []
    skipped: list[str] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                name = file.relative_to(path).as_posix()
                if file.name.startswith("."):
                    continue
                if file.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.append((file, name))
                elif not any(part.startswith(".") for part in file.relative_to(path).parts):
                    # Hidden folders (.git) hold tool files, not documents anyone
                    # expects indexed: listing them would bury the real ones.
                    skipped.append(name)
        elif path.exists():
            found.append((path, path.name))
        else:
            raise FileNotFoundError(f"ไม่พบ {path} / {path} does not exist")
    return found, skipped


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bm25_tokens(index_text: str, doc_no: str | None, item: str) -> list[str]:
    """Index text tokens plus the letter's number and the item path, so both are searchable."""
    return tokenize(f"{index_text} {doc_no or ''} ข้อ {item}")


def _previous(index_dir: Path, model: str, chunk_chars: list[int]
              ) -> tuple[Path, Manifest] | None:
    try:
        version = current_version_dir(index_dir)
    except IndexProblem:
        return None
    manifest = read_manifest(version)
    if (
        manifest.model != model
        or manifest.chunker_version != CHUNKER_VERSION
        or manifest.chunk_chars != chunk_chars
    ):
        return None
    return version, manifest


def _tokens_current(manifest: Manifest) -> bool:
    """The index's stored BM25 tokens are what this program's tokenizer makes. Vectors
    do not depend on them: when they differ, a build segments every chunk again and
    keeps every vector."""
    return manifest.tokenizer == TOKENIZER_ID and manifest.segmenter == SEGMENTER


def _sentences_current(manifest: Manifest) -> bool:
    """The index holds sentence vectors split by this program's rules."""
    return manifest.sentence_vectors and manifest.sentence_rules == SENTENCE_RULES


OCR_SUFFIXES = {".pdf", *IMAGE_SUFFIXES}  # files whose reading may depend on OCR


def _parse(path: Path, source: str, settings: Settings, ocr: OcrSetup
           ) -> tuple[ParsedFile, SourceText]:
    text = read_source(path, settings.max_file_bytes, display_name=source, ocr=ocr)
    if path.suffix.lower() == ".jsonl":
        parsed = parse_jsonl(text.text, source, settings.max_document_chunk_chars)
    else:
        parsed = parse_circular(text.text, source, settings.max_chunk_chars)
    if text.pages_read_by_ocr:
        pages = page_ranges(text.pages_read_by_ocr)
        parsed.warnings.append(
            f"{source}: หน้า {pages} เป็นภาพสแกน อ่านด้วย OCR ({ocr.engine_id}) ข้อความ เลขที่ "
            f"และวันที่อาจคลาดเคลื่อน / page(s) {pages} are scans, read by OCR "
            f"({ocr.engine_id}): their text, numbers and dates may have errors")
        if (ocr.engine is not None and ocr.engine.digits is None
                and "tha" in ocr.engine.languages.split("+")):
            parsed.warnings.append(
                f"{source}: ไม่พบฟอนต์ไทย ตัวเลข ๔ ๖ ๗ ๘ ๙ จึงอาจอ่านผิด ติดตั้ง fonts-thai-tlwg / "
                "no Thai fonts, so the digits ๔ ๖ ๗ ๘ ๙ may be misread: install fonts-thai-tlwg")
    if text.pages_without_text:
        pages = page_ranges(text.pages_without_text)
        thai, english = ("", "")
        if ocr.engine is None:
            thai, english = ocr.needed("หน้าที่เป็นภาพสแกน", "a scanned page")
            thai, english = f" ({thai})", f" ({english})"
        parsed.warnings.append(
            f"{source}: หน้า {pages} ไม่มีข้อความ (ภาพสแกน หน้าว่าง หรือหน้าเสีย) ไม่ได้นำเข้า{thai} / "
            f"page(s) {pages} have no readable text (scanned, blank or damaged) and are not "
            f"indexed{english}")
    if text.truncated_utf8:
        parsed.warnings.append(
            f"{source}: ไฟล์ถูกตัดกลางอักขระ ตัดส่วนท้ายที่เสียออก / file ends mid-character; "
            "the broken tail was dropped"
        )
    return parsed, text


def page_ranges(pages: list[int]) -> str:
    """1-based page numbers as runs: [1, 2, 3, 5] -> "1-3, 5"."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def _reads_by_ocr(record: dict[str, Any], source: str) -> bool:
    """Whether a file's reading depended on OCR, or on its absence: read by it, or a PDF
    or image that failed or had pages without text (a scan, when there was none)."""
    if str(record.get("encoding") or "").endswith("+ocr"):
        return True
    return Path(source).suffix.lower() in OCR_SUFFIXES and (
        record["status"] == "error" or bool(record["warnings"]))


def build_index(
    paths: list[Path],
    index_dir: Path,
    settings: Settings,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    progress: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport(index_dir)
    say = on_stage or (lambda _message: None)
    files, report.files_skipped = discover(paths)
    hashes = {source: sha256_of(path) for path, source in files}
    chunk_chars = [settings.max_chunk_chars, settings.max_document_chunk_chars]
    previous = None if rebuild else _previous(index_dir, embedder.model_name, chunk_chars)
    # Tesseract is looked for only when a file may need it.
    ocr = (ocr_setup(settings.ocr, settings.ocr_command, settings.ocr_languages,
                     settings.ocr_dpi)
           if any(Path(source).suffix.lower() in OCR_SUFFIXES for source in hashes)
           else OcrSetup(None))
    if (previous and previous[1].files == hashes and previous[1].ocr == ocr.engine_id
            and _tokens_current(previous[1])
            and previous[1].sentence_vectors == settings.sentence_vectors
            and (not settings.sentence_vectors or _sentences_current(previous[1]))):
        report.up_to_date = True
        report.version = previous[0].name
        report.letters = previous[1].counts.get("letters", 0)
        report.chunks = previous[1].counts.get("chunks", 0)
        report.sentences = previous[1].counts.get("sentences", 0)
        return report

    index_dir.mkdir(parents=True, exist_ok=True)
    with build_lock(index_dir):
        return _build_locked(files, hashes, index_dir, settings, embedder, previous,
                             chunk_chars, report, progress, say, started, ocr)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build per index folder at a time; a second waits rather than corrupting the first."""
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_locked(
    files: list[tuple[Path, str]], hashes: dict[str, str], index_dir: Path,
    settings: Settings, embedder: Embedder, previous: tuple[Path, Manifest] | None,
    chunk_chars: list[int], report: BuildReport, progress: bool,
    say: Callable[[str], None], started: float, ocr: OcrSetup,
) -> BuildReport:
    for stale in index_dir.glob(".building-*"):
        shutil.rmtree(stale, ignore_errors=True)
    version = f"v{dt.datetime.now().strftime('%Y%m%d-%H%M%S-%f')}"
    work = index_dir / f".building-{version}"
    work.mkdir()
    store = Store(work / STORE_FILE)
    old_store = Store(previous[0] / STORE_FILE, readonly=True) if previous else None
    old_vectors = _load_vectors(previous[0], DENSE_DIR) if previous else {}
    vectors: dict[str, np.ndarray] = {}
    # Only what embedding needs (id, index text), not whole parsed chunks: at 10^6
    # chunks those held several GB through the rest of the build.
    pending: list[tuple[str, str]] = []
    sentences: SentenceVectors | None = None
    if settings.sentence_vectors:
        sentences = SentenceVectors(
            _load_vectors(previous[0], SENTENCE_DIR) if previous else {},
            same_rules=previous is not None and _sentences_current(previous[1]))
    keep_tokens = previous is not None and _tokens_current(previous[1])

    say("parse")
    iterator = tqdm(files, desc="อ่านไฟล์ / reading", unit="file", disable=not progress)
    for path, source in iterator:
        unchanged = (old_store.file(source) if old_store and previous
                     and previous[1].files.get(source) == hashes[source] else None)
        if (unchanged and previous and previous[1].ocr != ocr.engine_id
                and _reads_by_ocr(unchanged, source)):
            unchanged = None  # OCR came, went or changed: read the scan again
        if old_store and unchanged:
            error = _reuse(old_store, store, unchanged, old_vectors, vectors, sentences,
                           keep_tokens)
            if error:
                report.failures.append(error)
            else:
                report.files_reused.append(source)
            continue
        try:
            parsed, text = _parse(path, source, settings, ocr)
        except ReadProblemError as error:
            report.failures.append(str(error.problem))
            store.put_file(
                source,
                hashes[source],
                path.stat().st_size,
                "error",
                encoding=None,
                letters=0,
                chunks=0,
                warnings=[],
                coverage={},
                error=str(error.problem),
            )
            continue
        # Its warnings (e.g. every line of a .jsonl bad) say why; it counts once, as failed.
        report.warnings.extend(parsed.warnings)
        if not parsed.chunks:
            problem = f"{source}: ไม่พบเนื้อหาที่ใช้ทำดัชนีได้ / no indexable content"
            report.failures.append(problem)
            store.put_file(source, hashes[source], path.stat().st_size, "error",
                           encoding=text.encoding, letters=0, chunks=0,
                           warnings=parsed.warnings, coverage=parsed.coverage, error=problem)
            continue
        display = _display_texts(path, text, parsed.letters)
        store.put_letters(parsed.letters, display)
        store.put_chunks(parsed.chunks)
        store.put_tokens((c.chunk_id, bm25_tokens(c.index_text, c.doc_no, c.item))
                         for c in parsed.chunks)
        store.put_file(
            source,
            hashes[source],
            path.stat().st_size,
            "ok",
            encoding=text.encoding,
            letters=len(parsed.letters),
            chunks=len(parsed.chunks),
            warnings=parsed.warnings,
            coverage=parsed.coverage,
        )
        report.files_parsed.append(source)
        report.coverage[source] = parsed.coverage
        pending.extend((chunk.chunk_id, chunk.index_text) for chunk in parsed.chunks)
        if sentences is not None:
            for chunk in parsed.chunks:
                sentences.add(chunk)
    if previous:
        report.files_removed = sorted(set(previous[1].files) - set(hashes))
    store.commit()
    report.seconds["parse"] = time.perf_counter() - started

    say("embed")
    embed_started = time.perf_counter()
    missing = [(chunk_id, text) for chunk_id, text in pending if chunk_id not in vectors]
    embedded_ids: set[str] = set()
    del pending
    missing_sentences = sentences.missing if sentences is not None else []
    if missing or missing_sentences:
        # One pass over both: sentence-transformers sorts a batch list by length, so
        # short sentences and long chunks pad least when they are encoded together.
        encoded = embedder.encode_passages(
            [text for _, text in missing] + [text for _, text in missing_sentences],
            batch_size=settings.embedding_batch_size,
            show_progress=progress,
        )
        for (chunk_id, _), vector in zip(missing, encoded[: len(missing)], strict=True):
            vectors[chunk_id] = vector
            embedded_ids.add(chunk_id)
        if sentences is not None:
            sentences.fill(encoded[len(missing):])
        # Rows of it stay referenced from `vectors` and `sentences` until those are
        # gathered into the FAISS matrices; the batch is freed with the last of them.
        del encoded
    report.embedded = len(missing)
    report.sentences = len(sentences.ids) if sentences is not None else 0
    report.sentences_embedded = len(missing_sentences)
    del missing, missing_sentences
    _return_freed_memory()
    report.seconds["embed"] = time.perf_counter() - embed_started

    say("index")
    index_started = time.perf_counter()
    ids = [row["chunk_id"] for row in store.chunk_rows("chunk_id")]
    kind = choose_kind(len(ids), settings.faiss_kind, settings.faiss_auto_threshold)
    # The dense folder keeps its float32 vectors; the next build reuses them from there.
    _dense_index(previous[0] / DENSE_DIR if previous else None, ids, vectors, embedded_ids,
                 kind, embedder.dimension).save(work / DENSE_DIR)
    del vectors
    sentence_count = 0
    if sentences is not None:
        sentence_ids = sentences.ids
        sentence_count = len(sentence_ids)
        sentence_kind = choose_kind(sentence_count, settings.faiss_kind,
                                    settings.faiss_auto_threshold)
        _dense_index(previous[0] / SENTENCE_DIR if previous else None, sentence_ids,
                     sentences.vectors, set(), sentence_kind, embedder.dimension).save(
            work / SENTENCE_DIR)
        del sentences, sentence_ids
    report.seconds["faiss"] = time.perf_counter() - index_started
    say("bm25")
    bm25_started = time.perf_counter()
    # Streamed from SQLite in the same order as `ids`: never all token lists at once.
    # Every chunk's tokens are in the store by now: parsed files' new ones, and unchanged
    # files' carried over, or segmented again in `_reuse` when the old ones came from
    # another tokenizer or PyThaiNLP release, or from an index before tokens were kept.
    token_lists = (json.loads(tokens) for tokens in store.iter_chunk_tokens())
    BM25Index.build(token_lists, ids).save(work / "bm25")
    report.seconds["bm25"] = time.perf_counter() - bm25_started
    report.seconds["index"] = time.perf_counter() - index_started

    counts = store.counts()
    if settings.sentence_vectors:
        counts["sentences"] = sentence_count
    store.close()
    if old_store:
        old_store.close()
    report.letters, report.chunks = counts["letters"], counts["chunks"]
    if report.chunks == 0:
        shutil.rmtree(work, ignore_errors=True)
        return report
    manifest = Manifest(
        model=embedder.model_name,
        dimension=embedder.dimension,
        query_prompt=embedder.query_prompt,
        passage_prompt=embedder.passage_prompt,
        tokenizer=TOKENIZER_ID,
        segmenter=SEGMENTER,
        chunker_version=CHUNKER_VERSION,
        chunk_chars=chunk_chars,
        ocr=ocr.engine_id,
        faiss_kind=kind,
        sentence_vectors=settings.sentence_vectors,
        sentence_rules=SENTENCE_RULES if settings.sentence_vectors else "",
        files=hashes,
        counts=counts,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
    )
    (work / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    final = index_dir / version
    work.rename(final)
    point_current(index_dir, version)
    for old in index_dir.glob("v*"):
        if old.is_dir() and old.name != version:
            shutil.rmtree(old, ignore_errors=True)
    report.version = version
    report.seconds["total"] = time.perf_counter() - started
    return report


def _dense_index(previous: Path | None, ids: list[str], vectors: dict[str, np.ndarray],
                 embedded: set[str], kind: str, dimension: int) -> DenseIndex:
    """The FAISS index over `ids`, from `vectors` by id, which it empties once they are
    gathered: they are rows of the build's encoded batch, and that can then be freed
    before FAISS copies the matrix.

    When the previous build left one of the same kind, it is updated rather than
    built again: the ids it should no longer hold, and those embedded anew
    (`embedded`), are removed (tombstones, compacted past `COMPACT_FRACTION`), and the
    new ones added. Building HNSW over the 190k sentence vectors of a 34k-chunk index
    took 101 s; adding one letter's vectors to it takes about a second. The ids'
    order then differs from the store's, which the Searcher maps (`_dense_rows`).
    """
    old = (DenseIndex.load(previous)
           if previous is not None and (previous / dense_index.META_FILE).is_file() else None)
    if old is None or old.kind != kind:
        matrix = gather(vectors, ids, dimension)
        vectors.clear()
        return DenseIndex.build(matrix, ids, kind=kind, copy=False)
    wanted = set(ids)
    old.remove([i for i in old.ids if i not in wanted or i in embedded])
    present = set(old.ids)
    added = [i for i in ids if i not in present]
    matrix = gather(vectors, added, dimension)
    vectors.clear()
    old.add(matrix, added)
    return old


def _return_freed_memory() -> None:
    """Hand the heap that parsing and embedding freed back to the OS (glibc only).

    Those stages free about a million small text objects at 10^5 chunks. glibc keeps
    their pages mapped, so without this the FAISS stage's matrices came on top of them.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to trim, and nothing lost
        return
    libc.malloc_trim(0)


def _display_texts(path: Path, source: SourceText, letters: list[Letter]) -> dict[str, str]:
    """Each letter's span of the source, for the letter view (documents have none)."""
    if path.suffix.lower() == ".jsonl":
        return {}
    return {le.id: clean_unicode(source.text[le.start : le.end]) for le in letters}


def _load_vectors(version: Path, folder: str) -> dict[str, np.ndarray]:
    ids_path = version / folder / dense_index.IDS_FILE
    vectors_path = version / folder / dense_index.VECTORS_FILE
    if not ids_path.is_file() or not vectors_path.is_file():
        return {}
    slots = json.loads(ids_path.read_text(encoding="utf-8"))
    matrix = np.load(vectors_path, mmap_mode="r")
    return {chunk_id: matrix[row] for row, chunk_id in enumerate(slots) if chunk_id}


def _reuse(
    old: Store,
    new: Store,
    record: dict[str, Any],
    old_vectors: dict[str, np.ndarray],
    vectors: dict[str, np.ndarray],
    sentences: SentenceVectors | None,
    keep_tokens: bool,
) -> str | None:
    """Copy an unchanged file's rows, vectors and sentence vectors (`record`: its row
    in the old store), and its BM25 tokens when `keep_tokens`; returns its error if it
    failed before."""
    source = record["path"]
    letters = old.letters(source)
    new.put_letters(letters, {le.id: old.letter_display(le.id) for le in letters})
    chunks = [c for le in letters for c in old.chunks_of(le.id)]
    new.put_chunks(chunks)
    kept = old.tokens_by_ids([c.chunk_id for c in chunks]) if keep_tokens else {}
    new.put_tokens((c.chunk_id, kept[c.chunk_id] if c.chunk_id in kept
                    else bm25_tokens(c.index_text, c.doc_no, c.item)) for c in chunks)
    new.put_file(
        source,
        record["sha256"],
        record["size"],
        record["status"],
        encoding=record["encoding"],
        letters=record["letters"],
        chunks=record["chunks"],
        warnings=record["warnings"],
        coverage=record["coverage"],
        error=record["error"],
    )
    for chunk in chunks:
        if chunk.chunk_id in old_vectors:
            vectors[chunk.chunk_id] = np.asarray(old_vectors[chunk.chunk_id])
        if sentences is not None:
            sentences.add_unchanged(chunk)
    return record["error"] if record["status"] != "ok" else None

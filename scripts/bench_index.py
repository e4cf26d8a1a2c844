"""Indexing and query speed, index size and memory, printed as tables.

1. Seeds and real thaigov-moi chunks: the whole indexing path (read, parse,
   embed, FAISS, BM25, store) in chunks/s next to the raw `encode()` throughput of
   the same model on the same texts.
2. Scale: real BM25 over real thaigov-moi chunk texts (repeated with a counter to
   reach the size), FAISS over synthetic unit vectors (embedding that many texts
   on 2 CPU cores takes hours), the real model for query embedding, and query
   latency p50/p95 per mode through the real `Searcher`.

    python scripts/bench_index.py [--embed-chunks 2000] [--sizes 10000,100000]
                                  [--faiss-kind ivfpq] [--keep DIR] [--incremental]
                                  [--records-per-file 1]
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

import numpy as np

from circulars.settings import PROJECT_ROOT, Settings
from indexer.build import build_index
from indexer.embedder import Embedder, load_embedder
from indexer.jsonl_docs import parse_jsonl
from indexer.sentence_vectors import sentence_texts
from retriever.search import MODES, Searcher

THAIGOV = PROJECT_ROOT.parent / "shared" / "data" / "thaigov-moi" / "thaigov-moi.jsonl.gz"
QUERIES = [
    "การป้องกันและแก้ไขปัญหายาเสพติดในพื้นที่", "มท 0211.6/ว 10303 ข้อ 3.6",
    "ผู้ว่าราชการจังหวัดต้องเตรียมรับมืออุทกภัยอย่างไร", "โครงการหนึ่งตำบลหนึ่งผลิตภัณฑ์",
    "การแก้ไขปัญหาหนี้ครัวเรือน", "ศูนย์ดำรงธรรมรับเรื่องร้องเรียน", "ฝุ่นละออง PM2.5",
    "การส่งเสริมการท่องเที่ยวชุมชน Soft Power", "น้ำดื่มสะอาดบริการประชาชน",
    "การออกโฉนดที่ดิน", "จิตอาสาพระราชทาน", "การประเมิน ITA ของหน่วยงานภาครัฐ",
]

# Questions asking for a date or an amount: hybrid mode reads and tests the texts of
# the top 50 candidates for them (retriever.answer_types), timed separately.
ASKED_KIND_QUERIES = [
    "การประชุมแก้ไขปัญหายาเสพติดจัดวันไหน", "แก้ไขปัญหาหนี้ครัวเรือนต้องเสร็จภายในวันที่เท่าไร",
    "โครงการหนึ่งตำบลหนึ่งผลิตภัณฑ์เริ่มเมื่อไร", "เบี้ยยังชีพผู้สูงอายุได้เดือนละกี่บาท",
]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident memory now (peak RSS is the build's; this shows what serving holds)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def thaigov_records(limit: int) -> list[dict[str, str]]:
    records = []
    with gzip.open(THAIGOV, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("text"):
                records.append({"id": record["id"], "title": record.get("title") or "",
                                "text": record["text"], "date": record.get("date") or ""})
            if len(records) >= limit:
                break
    return records


class SyntheticPassages:
    """Real model for queries, random unit vectors for passages (see module docstring)."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.model_name = f"synthetic+{real.model_name}"
        self.dimension = real.dimension
        self.query_prompt = real.query_prompt
        self.passage_prompt = real.passage_prompt
        self.max_tokens = real.max_tokens
        self.rng = np.random.default_rng(0)

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self.real.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        # float32 from the start and normalised in place: float64 draws and their
        # temporaries once made this fake, not the index build, the peak RSS.
        vectors = self.rng.standard_normal((len(texts), self.dimension), dtype=np.float32)
        vectors /= np.sqrt(np.einsum("ij,ij->i", vectors, vectors))[:, None]
        return vectors

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)


def throughput(settings: Settings, embedder: Embedder, source: Path, label: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        report = build_index([source], Path(tmp) / "index", settings, embedder,
                             rebuild=True)
        total = time.perf_counter() - started
        version = Path(tmp) / "index" / str(report.version)
        size = folder_mb(version)
        from indexer.store import Store

        with Store(version / "store.sqlite", readonly=True) as store:
            chunks = list(store.iter_chunks())
    # The same texts the build embedded: every chunk's index text and, with sentence
    # vectors on, the sentences of its many-sentence chunks.
    texts = [c.index_text for c in chunks]
    if settings.sentence_vectors:
        texts += [t for c in chunks for t in sentence_texts(c.text, c.subject, c.parents)]
    started = time.perf_counter()
    embedder.encode_passages(texts, batch_size=settings.embedding_batch_size)
    raw = time.perf_counter() - started
    return {"corpus": label, "chunks": f"{report.chunks:,}",
            "sentences": f"{report.sentences:,}",
            "index path chunks/s": f"{report.chunks / total:.1f}",
            "raw encode chunks/s": f"{report.chunks / raw:.1f}",
            "ratio": f"{100 * raw / total:.0f}%", "index MB": f"{size:.1f}"}


def latency(searcher: Searcher, rounds: int = 10) -> dict[str, tuple[float, float]]:
    """p50/p95 ms per mode (and for hybrid asked-kind questions); modes take turns on
    each query so machine drift hits all alike."""
    runs = [(query, mode, mode) for query in QUERIES for mode in MODES]
    runs += [(query, "hybrid", "hybrid, date/amount questions") for query in ASKED_KIND_QUERIES]
    times: dict[str, list[float]] = {label: [] for _, _, label in runs}
    for query, mode, _ in runs:  # warm-up: first touches of the index pages are not steady
        searcher.search(query, k=10, mode=mode)
    for _ in range(rounds):
        for query, mode, label in runs:
            started = time.perf_counter()
            searcher.search(query, k=10, mode=mode)
            times[label].append((time.perf_counter() - started) * 1000)
    out = {}
    for mode, values in times.items():
        values.sort()
        out[mode] = (statistics.median(values), values[int(0.95 * (len(values) - 1))])
    return out


def table(rows: list[dict[str, str]]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row[h] for h in head) + " |" for row in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embed-chunks", type=int, default=2000,
                        help="real thaigov-moi chunks to embed for the throughput table")
    parser.add_argument("--sizes", default="10000,100000",
                        help="scale sizes in chunks, comma-separated; empty for no scale table")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--keep", type=Path,
                        help="keep scale indexes in this folder and reuse them on later runs "
                             "(latency before/after a change without rebuilding)")
    parser.add_argument("--faiss-kind", default="auto", choices=["auto", "flat", "hnsw", "ivfpq"],
                        help="FAISS index for the scale builds (auto: flat below 50k, HNSW above)")
    parser.add_argument("--records-per-file", type=int, default=2000,
                        help="news records per scale corpus file (1: one file per "
                        "record, as a folder of single circulars)")
    parser.add_argument("--incremental", action="store_true",
                        help="after each scale build, time an incremental build that adds "
                             "one news item")
    args = parser.parse_args()
    settings = Settings(max_file_bytes=1 << 30, faiss_kind=args.faiss_kind)
    embedder = load_embedder(settings.embedding_model, settings.cache_dir,
                             query_runtime=settings.query_runtime)
    print(f"{embedder!r}, {os.cpu_count()} cpus", file=sys.stderr)

    if not args.skip_throughput:
        throughput_table(settings, embedder, args.embed_chunks)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    if sizes:
        scale_table(settings, embedder, sizes, args.keep, args.incremental,
                    args.records_per_file)
    return 0


def throughput_table(settings: Settings, embedder: Embedder, embed_chunks: int) -> None:
    rows = [throughput(settings, embedder, PROJECT_ROOT / "corpus", "seeds")]
    with tempfile.TemporaryDirectory() as tmp:
        records, chunks = [], 0
        for record in thaigov_records(20_000):
            # Split as the build will split it, or the sample holds fewer chunks than
            # asked (the parser's default size is smaller than the settings').
            parsed = parse_jsonl(json.dumps(record, ensure_ascii=False), "x.jsonl",
                                 settings.max_document_chunk_chars)
            if chunks + len(parsed.chunks) > embed_chunks:
                break
            chunks += len(parsed.chunks)
            records.append(record)
        sample = Path(tmp) / "thaigov-sample.jsonl"
        sample.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records),
                          encoding="utf-8")
        rows.append(throughput(settings, embedder, sample, "thaigov-moi"))
    print("\n## Indexing throughput (real model, 2 CPU cores)\n")
    print(table(rows))


def add_one_file(settings: Settings, synthetic: SyntheticPassages, source: Path,
                 index_dir: Path, record: dict[str, str]) -> str:
    """Time an incremental build that adds one news item to the collection."""
    (source / "zz-added.jsonl").write_text(
        json.dumps({**record, "id": f"{record['id']}#added"}, ensure_ascii=False),
        encoding="utf-8")
    started = time.perf_counter()
    report = build_index([source], index_dir, settings, synthetic)
    total = time.perf_counter() - started
    seconds = report.seconds
    return (f"{total:.0f} ({seconds.get('parse', 0):.0f} / {seconds.get('faiss', 0):.0f} / "
            f"{seconds.get('bm25', 0):.0f})")


def scale_table(settings: Settings, embedder: Embedder, sizes: list[int],
                keep: Path | None = None, incremental: bool = False,
                records_per_file: int = 2000) -> None:
    scale_rows = []
    synthetic = SyntheticPassages(embedder)
    base = thaigov_records(14_000)
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            tmp = str(keep / f"scale-{size}") if keep else scratch
            if keep and (Path(tmp) / "index" / "CURRENT").exists():
                row = measure_scale(settings, synthetic, Path(tmp) / "index", None)
                scale_rows.append(row)
                print(table([row]), file=sys.stderr)
                continue
            docs, count, round_no = [], 0, 0
            while count < size:
                for record in base:
                    parsed_chunks = max(1, len(record["text"]) // 1000)
                    docs.append({**record, "id": f"{record['id']}#{round_no}"})
                    count += parsed_chunks
                    if count >= size:
                        break
                round_no += 1
            source = Path(tmp) / "scale"
            source.mkdir(parents=True, exist_ok=True)
            for start in range(0, len(docs), records_per_file):
                part = docs[start:start + records_per_file]
                (source / f"part-{start:07d}.jsonl").write_text(
                    "\n".join(json.dumps(d, ensure_ascii=False) for d in part),
                    encoding="utf-8")
            started = time.perf_counter()
            report = build_index([source], Path(tmp) / "index", settings, synthetic,
                                 rebuild=True)
            build_s = time.perf_counter() - started
            if not report.chunks:
                raise SystemExit(f"scale build failed: {report.failures[:3]}")
            added = add_one_file(settings, synthetic, source, Path(tmp) / "index", base[0]) \
                if incremental else None
            row = measure_scale(settings, synthetic, Path(tmp) / "index", build_s)
            if added is not None:
                row["add 1 file s (parse / faiss / bm25)"] = added
            scale_rows.append(row)
            print(table([row]), file=sys.stderr)
    print("\n## Query latency at scale (real BM25 text, synthetic FAISS vectors, real query "
          "embedding)\n")
    print(table(scale_rows))


def measure_scale(settings: Settings, synthetic: SyntheticPassages, index_dir: Path,
                  build_s: float | None) -> dict[str, str]:
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    searcher = Searcher(index_dir, synthetic, settings)
    load_s = time.perf_counter() - started
    timings = latency(searcher)
    # The loaded index after its queries: what a server process adds for it.
    searcher_mb = rss_mb() - before
    row = {"chunks": f"{len(searcher):,}", "faiss": searcher.manifest.faiss_kind,
           "build s (no embedding)": "reused" if build_s is None else f"{build_s:.0f}",
           "load s": f"{load_s:.1f}",
           "index MB": f"{folder_mb(index_dir):.0f}"}
    searcher.close()
    for mode, (p50, p95) in timings.items():
        row[f"{mode} p50/p95 ms"] = f"{p50:.1f} / {p95:.1f}"
    row["searcher RSS MB"] = f"{searcher_mb:.0f}"
    row["peak RSS MB"] = f"{peak_rss_mb():.0f}"
    return row


if __name__ == "__main__":
    sys.exit(main())

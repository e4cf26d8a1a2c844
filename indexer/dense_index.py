"""Dense vector search over FAISS, keyed by string chunk ids.

Vectors are L2-normalised float32 and compared by inner product, so scores are cosine
similarities. Three FAISS structures are offered:

* "flat": `IndexFlatIP`, exact; the default, and fast enough up to a few hundred
  thousand chunks on two cores.
* "hnsw": `IndexHNSWFlat` (M 32, efConstruction 80, efSearch 64 by default), an
  approximate graph search for larger collections.
* "ivfpq": a trained `IndexIVFPQ` (nlist about 4*sqrt(n); up to 64 sub-quantizers of at
  least 4 dimensions, 8 bits each) for collections too large to search as floats. It
  needs `IVFPQ_MIN_VECTORS` to train; below that `build` falls back to "flat", logged.

Ids. FAISS labels are row numbers into a "slot" table (`ids.json`), which also keeps the
float32 vectors (`vectors.npy`). The copy makes rebuilds, re-training and incremental
updates simple and exact. A loaded index maps that file rather than reading it
(`load(mmap=True)`): searching touches only the rows it scores exactly, so the copy
costs page cache, not process memory (the sentence vectors of a 168k-chunk index
fill over a GB).

Deletes. HNSW cannot delete, and IVF deletes would break the label = row rule, so
`remove` marks slots as tombstones (null in `ids.json`) and searches exclude them with an
`IDSelectorBitmap`. Once tombstones reach `COMPACT_FRACTION` of the slots (immediately
for "flat", where a rebuild is a memory copy) the index is rebuilt from the stored
vectors, without re-training for IVF-PQ.

`allowed` is a boolean mask over the live chunks in `ids` order, the same convention as
`BM25Index` (both are built from one chunk list, so one mask serves both). Small allowed
sets (up to `EXACT_FILTER_LIMIT`) are scored exactly with NumPy, because a filtered
HNSW or IVF search can miss them; larger ones go to FAISS as a bitmap selector.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

log = logging.getLogger(__name__)
# The stubs bundled with faiss-cpu lag its SWIG API (no SearchParametersHNSW, no `sel=`).
_faiss: Any = faiss

KINDS = ("flat", "hnsw", "ivfpq")
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
DEFAULT_EF_SEARCH = 64
DEFAULT_NPROBE = 16
IVFPQ_MIN_VECTORS = 10_000  # k-means wants ~39 points per list, PQ 256 per centroid set
EXACT_FILTER_LIMIT = 8_192
COMPACT_FRACTION = 0.2
CHECK_BLOCK_ROWS = 65_536
MAX_THREADS = 2
INDEX_FILE, VECTORS_FILE, IDS_FILE, META_FILE = (
    "index.faiss",
    "vectors.npy",
    "ids.json",
    "meta.json",
)

Hits = list[tuple[str, float]]


def choose_kind(n: int, setting: str, threshold: int) -> str:
    """The FAISS kind for `n` vectors: `setting` itself, or for "auto" flat below
    `threshold` and HNSW from it on."""
    setting = setting.strip().lower()
    if setting == "auto":
        return "flat" if n < threshold else "hnsw"
    if setting not in KINDS:
        raise ValueError(f"unknown FAISS kind {setting!r}; use auto or one of {KINDS}")
    return setting


class DenseIndex:
    def __init__(
        self,
        index: Any,
        vectors: np.ndarray,
        slots: list[str | None],
        kind: str,
        ef_search: int = DEFAULT_EF_SEARCH,
        nprobe: int = DEFAULT_NPROBE,
    ) -> None:
        _limit_threads()
        self._index = index
        self._vectors = vectors
        self._slots = slots
        self.kind = kind
        self.ef_search = ef_search
        self.nprobe = nprobe
        self._refresh()

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        ids: list[str],
        kind: str = "flat",
        *,
        ef_search: int = DEFAULT_EF_SEARCH,
        nprobe: int = DEFAULT_NPROBE,
        copy: bool = True,
    ) -> DenseIndex:
        """An index of `vectors` (normalised here). `copy=False` hands the array over
        to the index, which normalises it in place and keeps it: a build at scale
        then holds the matrix once, not twice."""
        matrix = _as_matrix(vectors, None, "vectors", copy=copy)
        _check_new_ids(ids, len(matrix), set())
        if kind not in KINDS:
            raise ValueError(f"unknown FAISS kind {kind!r}; use one of {KINDS}")
        if kind == "ivfpq" and len(matrix) < IVFPQ_MIN_VECTORS:
            log.info(
                "ivfpq needs %d vectors to train, got %d: using flat",
                IVFPQ_MIN_VECTORS,
                len(matrix),
            )
            kind = "flat"
        _limit_threads()  # before training, which is the slow part
        index = _new_index(kind, matrix)
        index.add(matrix)
        return cls(index, matrix, list(ids), kind, ef_search, nprobe)

    def add(self, vectors: np.ndarray, ids: list[str]) -> None:
        matrix = _as_matrix(vectors, self.dimension, "vectors")
        _check_new_ids(ids, len(matrix), self._row.keys())
        if not len(matrix):
            return
        self._index.add(matrix)
        self._vectors = np.concatenate([self._vectors, matrix])
        self._slots.extend(ids)
        self._refresh()

    def remove(self, ids: Iterable[str]) -> int:
        """Delete chunks by id; unknown ids are ignored. Returns how many were removed."""
        rows = {self._row[i] for i in ids if i in self._row}
        for row in rows:
            self._slots[row] = None
        self._refresh()
        dead = len(self._slots) - len(self._row)
        if rows and (self.kind == "flat" or dead >= COMPACT_FRACTION * len(self._slots)):
            self.compact()
        return len(rows)

    def compact(self) -> None:
        """Drop tombstones by rebuilding the FAISS structure from the stored vectors."""
        if len(self._row) == len(self._slots):
            return
        live = self._live_rows
        self._vectors = np.ascontiguousarray(self._vectors[live])
        self._slots = [self._slots[i] for i in live]
        if self.kind == "ivfpq":
            self._index.reset()  # keeps the trained quantizers
        else:
            self._index = _new_index(self.kind, self._vectors)
        self._index.add(self._vectors)
        self._refresh()

    def _refresh(self) -> None:
        self._row = {chunk_id: i for i, chunk_id in enumerate(self._slots) if chunk_id is not None}
        self._live_rows = np.fromiter(self._row.values(), dtype=np.int64, count=len(self._row))

    # ------------------------------------------------------------------- reading
    @property
    def dimension(self) -> int:
        return int(self._vectors.shape[1])

    @property
    def ids(self) -> list[str]:
        return list(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def mask_for(self, allowed_ids: Iterable[str]) -> np.ndarray:
        wanted = set(allowed_ids)
        return np.fromiter((i in wanted for i in self._row), dtype=bool, count=len(self._row))

    def similarity(self, query_vec: np.ndarray, chunk_id: str) -> float | None:
        """Inner product of the query with one stored chunk (its cosine: vectors are unit
        length), exact whatever the FAISS kind; None for an unknown id."""
        row = self._row.get(chunk_id)
        if row is None:
            return None
        return float(np.asarray(query_vec, dtype=np.float32).reshape(-1) @ self._vectors[row])

    def search(self, query_vec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> Hits:
        query = np.asarray(query_vec)
        if query.ndim == 1:
            query = query[None, :]
        if query.shape[0] != 1:
            raise ValueError(f"search takes one query vector; got shape {query.shape}")
        return self.search_batch(query, k, allowed)[0]

    def search_batch(
        self, query_vecs: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[Hits]:
        queries = _as_matrix(query_vecs, self.dimension, "query vectors")
        empty: list[Hits] = [[] for _ in range(len(queries))]
        if k <= 0 or not len(self) or not len(queries):
            return empty
        rows: np.ndarray | None = None
        if allowed is not None:
            if allowed.dtype != np.bool_ or allowed.shape != (len(self),):
                raise ValueError(
                    f"allowed must be a boolean mask of shape ({len(self)},); "
                    f"got {allowed.dtype} {allowed.shape}"
                )
            rows = self._live_rows[allowed]
            if rows.size == 0:
                return empty
            if rows.size <= EXACT_FILTER_LIMIT:
                return self._exact(queries, rows, k)
        elif len(self._row) < len(self._slots):
            rows = self._live_rows
        k = min(k, len(self) if rows is None else rows.size)
        bitmap = None if rows is None else _bitmap(rows, len(self._slots))
        selector = (
            None if bitmap is None else faiss.IDSelectorBitmap(bitmap.size, faiss.swig_ptr(bitmap))
        )
        scores, labels = self._index.search(queries, k, params=self._params(selector))
        return [self._hits(s, lab) for s, lab in zip(scores, labels, strict=True)]

    def _params(self, selector: Any) -> Any:
        if self.kind == "hnsw":
            return _faiss.SearchParametersHNSW(sel=selector, efSearch=self.ef_search)
        if self.kind == "ivfpq":
            return _faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)
        return None if selector is None else _faiss.SearchParameters(sel=selector)

    def _exact(self, queries: np.ndarray, rows: np.ndarray, k: int) -> list[Hits]:
        scores = queries @ self._vectors[rows].T
        k = min(k, rows.size)
        out = []
        for row_scores in scores:
            top = np.argpartition(-row_scores, k - 1)[:k] if k < rows.size else np.arange(k)
            top = top[np.lexsort((top, -row_scores[top]))]
            out.append(self._hits(row_scores[top], rows[top]))
        return out

    def _hits(self, scores: np.ndarray, labels: np.ndarray) -> Hits:
        hits = []
        for score, label in zip(scores.tolist(), labels.tolist(), strict=True):
            chunk_id = self._slots[label] if label >= 0 else None
            if chunk_id is not None:
                hits.append((chunk_id, float(score)))
        return hits

    # --------------------------------------------------------------- persistence
    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / INDEX_FILE))
        target = folder / VECTORS_FILE
        if isinstance(self._vectors, np.memmap) and target.exists() and target.samefile(
                str(self._vectors.filename)):
            # np.save truncates the file first: a map of it would lose its pages.
            self._vectors = np.array(self._vectors)
        np.save(target, self._vectors)
        (folder / IDS_FILE).write_text(
            json.dumps(self._slots, ensure_ascii=False), encoding="utf-8"
        )
        meta = {
            "kind": self.kind,
            "dim": self.dimension,
            "count": len(self),
            "slots": len(self._slots),
            "metric": "inner_product",
            "normalized": True,
            "ef_search": self.ef_search,
            "nprobe": self.nprobe,
            "hnsw_m": HNSW_M,
            "hnsw_ef_construction": HNSW_EF_CONSTRUCTION,
            "faiss_version": faiss.__version__,
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> DenseIndex:
        """The saved index; its float vectors mapped read-only unless `mmap` is False
        (see the module docstring). Adding or compacting makes an in-memory copy."""
        folder = Path(folder)
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        slots = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r" if mmap else None)
        index = faiss.read_index(str(folder / INDEX_FILE))
        if (
            not (index.ntotal == len(slots) == len(vectors) == meta["slots"])
            or index.d != meta["dim"]
            or vectors.shape[1] != meta["dim"]
        ):
            raise ValueError(
                f"{folder}: index ({index.ntotal}x{index.d}), vectors "
                f"{vectors.shape}, ids ({len(slots)}) and meta disagree"
            )
        return cls(index, vectors, slots, meta["kind"], meta["ef_search"], meta["nprobe"])


def _limit_threads() -> None:
    # More OpenMP threads than free cores makes FAISS slower, not faster (spin-waiting).
    faiss.omp_set_num_threads(min(MAX_THREADS, os.cpu_count() or 1))


def _new_index(kind: str, vectors: np.ndarray) -> Any:
    dim = vectors.shape[1]
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        hnsw: Any = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        return hnsw
    n = len(vectors)
    nlist = max(1, min(int(4 * math.sqrt(n)), n // 39))
    # At least 4 dimensions per sub-quantizer; fewer wastes codes on noise.
    m = max((d for d in range(1, 65) if dim % d == 0 and dim // d >= 4), default=1)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFPQ(quantizer, dim, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(n, size=min(n, 64 * nlist), replace=False)
    index.train(vectors[np.sort(sample)])
    return index


def _bitmap(rows: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[rows] = True
    return np.packbits(mask, bitorder="little")


def gather(by_id: Mapping[str, np.ndarray], ids: Sequence[str], dimension: int) -> np.ndarray:
    """One float32 matrix of `by_id`'s vectors in `ids` order, filled row by row:
    `np.stack(...).astype(...)` would hold two more copies of it at once."""
    matrix = np.empty((len(ids), dimension), dtype=np.float32)
    for row, key in enumerate(ids):
        matrix[row] = by_id[key]
    return matrix


def _as_matrix(vectors: np.ndarray, dim: int | None, what: str, copy: bool = True) -> np.ndarray:
    if not isinstance(vectors, np.ndarray):
        raise ValueError(f"{what} must be a numpy array, got {type(vectors).__name__}")
    if vectors.ndim != 2:
        raise ValueError(f"{what} must be 2-D (n, dim); got shape {vectors.shape}")
    if not np.issubdtype(vectors.dtype, np.floating):
        raise ValueError(f"{what} must be floating point; got {vectors.dtype}")
    if dim is not None and vectors.shape[1] != dim:
        raise ValueError(f"{what} have dimension {vectors.shape[1]}; the index has {dim}")
    if vectors.shape[1] == 0:
        raise ValueError(f"{what} have dimension 0")
    matrix = (np.array(vectors, dtype=np.float32, order="C", copy=True) if copy
              else np.ascontiguousarray(vectors, dtype=np.float32))
    # In blocks, and norms by einsum: whole-matrix temporaries (a boolean mask, the
    # squares) would cost a quarter and a whole matrix more at peak.
    for start in range(0, len(matrix), CHECK_BLOCK_ROWS):
        block = matrix[start:start + CHECK_BLOCK_ROWS]
        if not np.isfinite(block).all():
            raise ValueError(f"{what} contain NaN or infinity")
        norms = np.sqrt(np.einsum("ij,ij->i", block, block))[:, None]
        # Re-normalising is cheap insurance: inner product is only cosine on unit vectors.
        block /= np.where(norms > 0, norms, 1.0)
    return matrix


def _check_new_ids(ids: list[str], n: int, existing: Iterable[str]) -> None:
    if len(ids) != n:
        raise ValueError(f"{n} vectors but {len(ids)} ids")
    if not all(isinstance(i, str) for i in ids):
        raise ValueError("ids must be strings")
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate ids")
    clash = set(ids).intersection(existing)
    if clash:
        raise ValueError(f"ids already in the index (remove them first): {sorted(clash)[:5]}")

"""BM25 over pre-tokenized Thai chunks, on top of bm25s.

bm25s precomputes every (term, document) BM25 weight into a sparse matrix at build time,
so a query is a sum of a few columns. Tokens come from `indexer.thai_tokens`, never from
bm25s's own tokenizer: its default pattern `(?u)\\b\\w\\w+\\b` treats a whole run of Thai
as one word.

Scoring defaults to Lucene's BM25 (k1 1.5, b 0.75); "bm25+" is available for very short
chunks. A document is returned only if it contains at least one query token, so bm25+'s
constant lower bound never lifts non-matching chunks into the results.

`allowed` is a boolean mask over the documents in build order (`ids`), the same
convention as `DenseIndex`: filters are computed once over chunk rows and handed to
both indexes. `mask_for(ids)` builds one from chunk ids.

A saved index is a folder: bm25s's own files (`params.index.json`, `vocab.index.json`,
`*.csc.index.npy`), `ids.json` (chunk ids in document order) and `meta.json`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np

METHODS = ("lucene", "bm25+")
IDS_FILE = "ids.json"
META_FILE = "meta.json"


class BM25Index:
    def __init__(
        self,
        model: bm25s.BM25 | None,
        ids: list[str],
        method: str = "lucene",
        k1: float = 1.5,
        b: float = 0.75,
    ) -> None:
        self._model = model
        self._ids = ids
        self._position = _positions(ids)
        self.method, self.k1, self.b = method, k1, b

    @classmethod
    def build(
        cls,
        token_lists: Iterable[Sequence[str]],
        ids: list[str],
        method: str = "lucene",
        k1: float = 1.5,
        b: float = 0.75,
    ) -> BM25Index:
        """Index the documents' tokens, in the order of `ids`.

        `token_lists` may be a generator: each document's tokens become an int32 array
        of vocabulary ids as they arrive, and bm25s indexes those. Holding every
        token as a Python string instead (8-byte pointers in lists, then bm25s's own
        copy) took several GB per million chunks.
        """
        if method not in METHODS:
            raise ValueError(f"unknown BM25 method {method!r}; use one of {METHODS}")
        ids = list(ids)
        _positions(ids)  # reject duplicates before the slow part
        vocab: dict[str, int] = {}
        documents = [
            np.fromiter((vocab.setdefault(token, len(vocab)) for token in tokens),
                        dtype=np.int32, count=len(tokens))
            for tokens in token_lists
        ]
        if len(documents) != len(ids):
            raise ValueError(f"{len(documents)} token lists but {len(ids)} ids")
        model: bm25s.BM25 | None = None
        # bm25s cannot index an empty vocabulary; such an index simply matches nothing.
        if vocab:
            model = bm25s.BM25(method=method, k1=k1, b=b)
            model.index((documents, vocab), show_progress=False)
        return cls(model, ids, method, k1, b)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def mask_for(self, allowed_ids: Iterable[str]) -> np.ndarray:
        mask = np.zeros(len(self._ids), dtype=bool)
        rows = [self._position[i] for i in allowed_ids if i in self._position]
        mask[rows] = True
        return mask

    def search(
        self, query_tokens: list[str], k: int, allowed: np.ndarray | None = None,
        weights: Sequence[float] | None = None,
    ) -> list[tuple[str, float]]:
        """Top-k (id, score), best first; only documents sharing a token with the query.

        `weights`, one per query token, scale each token's contribution (1.0 each when
        not given): expansion tokens count for less than the words typed.
        """
        model = self._model
        if model is None or k <= 0 or not query_tokens:
            return []
        _check_mask(allowed, len(self._ids))
        if weights is not None and len(weights) != len(query_tokens):
            raise ValueError(f"{len(weights)} weights for {len(query_tokens)} query tokens")
        weight_of = dict(zip(query_tokens, weights, strict=True)) if weights is not None else {}
        known = [t for t in query_tokens if t in model.vocab_dict]
        token_ids = np.asarray(model.get_tokens_ids(known), dtype=np.int64)
        if token_ids.size == 0:
            return []
        token_weights = (np.asarray([weight_of[t] for t in known], dtype=np.float32)
                         if weights is not None else None)
        scores_of, candidates = _score(model, token_ids, token_weights)
        if allowed is not None:
            candidates = candidates[allowed[candidates]]
        if candidates.size == 0:
            return []
        scores = scores_of[candidates]
        keep = scores > 0
        candidates, scores = candidates[keep], scores[keep]
        k = min(k, candidates.size)
        top = np.argpartition(-scores, k - 1)[:k] if k < candidates.size else np.arange(k)
        # Ties break by document order so results are stable across runs and reloads.
        order = top[np.lexsort((candidates[top], -scores[top]))]
        return [(self._ids[int(candidates[i])], float(scores[i])) for i in order]

    def document_frequencies(self) -> dict[str, int]:
        """How many documents contain each token (read from the posting lists)."""
        if self._model is None:
            return {}
        indptr = self._model.scores["indptr"]
        counts = np.diff(indptr)
        return {token: int(counts[i]) for token, i in self._model.vocab_dict.items()
                if token and i < counts.size}

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if self._model is not None:
            self._model.save(str(folder), show_progress=False)
        (folder / IDS_FILE).write_text(json.dumps(self._ids, ensure_ascii=False), encoding="utf-8")
        meta = {
            "count": len(self._ids),
            "method": self.method,
            "k1": self.k1,
            "b": self.b,
            "empty_vocabulary": self._model is None,
            "bm25s_version": bm25s.__version__,
            "tokens": "pre-tokenized (indexer.thai_tokens); bm25s tokenizer unused",
        }
        (folder / META_FILE).write_text(
            json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        folder = Path(folder)
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        ids = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
        if len(ids) != meta["count"]:
            raise ValueError(f"{folder}: {len(ids)} ids but meta says {meta['count']}")
        model = None
        if not meta["empty_vocabulary"]:
            model = bm25s.BM25.load(str(folder), show_progress=False)
            if model.scores["num_docs"] != len(ids):
                raise ValueError(
                    f"{folder}: bm25s has {model.scores['num_docs']} documents "
                    f"but ids.json has {len(ids)}"
                )
        return cls(model, ids, meta["method"], meta["k1"], meta["b"])


def _score(model: bm25s.BM25, token_ids: np.ndarray, token_weights: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Scores of all documents, and the documents containing at least one query token.

    Reads bm25s's precomputed CSC matrix (column = token, rows = documents) directly:
    `np.bincount` over the query's posting lists is several times faster than bm25s's
    `np.add.at`, and the posting lists give the matching documents for free.
    """
    indptr, indices, data = (model.scores[key] for key in ("indptr", "indices", "data"))
    spans = [(indptr[t], indptr[t + 1]) for t in token_ids]  # repeats count, as in bm25s
    docs = np.concatenate([indices[a:b] for a, b in spans])
    if token_weights is None:
        weights = np.concatenate([data[a:b] for a, b in spans])
    else:
        weights = np.concatenate([data[a:b] * w for (a, b), w in zip(spans, token_weights,
                                                                        strict=True)])
    num_docs = model.scores["num_docs"]
    scores = np.bincount(docs, weights=weights, minlength=num_docs).astype(np.float32)
    if model.nonoccurrence_array is not None:  # bm25+: every document gets a floor
        scores += model.nonoccurrence_array[token_ids].sum()
    hit = np.zeros(num_docs, dtype=bool)
    hit[docs] = True
    return scores, np.flatnonzero(hit)


def _positions(ids: list[str]) -> dict[str, int]:
    position = {chunk_id: i for i, chunk_id in enumerate(ids)}
    if len(position) != len(ids):
        dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
        raise ValueError(f"duplicate ids: {dupes[:5]}")
    return position


def _check_mask(allowed: np.ndarray | None, size: int) -> None:
    if allowed is None:
        return
    if allowed.dtype != np.bool_ or allowed.shape != (size,):
        raise ValueError(
            f"allowed must be a boolean mask of shape ({size},); "
            f"got {allowed.dtype} {allowed.shape}"
        )

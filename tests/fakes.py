"""Small deterministic stand-ins used by unit tests through the real interfaces."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from indexer.thai_tokens import tokenize


class HashEmbedder:
    """Bag-of-words vectors from hashed Thai tokens: similar texts get similar vectors."""

    model_name = "test-hash-embedder"
    dimension = 64
    query_prompt = "query: "
    passage_prompt = "passage: "
    max_tokens = 512

    def __init__(self) -> None:
        self.calls = 0
        self.encoded = 0

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for token in tokenize(text):
            bucket = int(hashlib.md5(token.encode("utf-8")).hexdigest()[:8], 16) % self.dimension
            vector[bucket] += 1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            vector[0] = 1.0
            norm = 1.0
        return vector / norm

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32,
                        show_progress: bool = False) -> np.ndarray:
        return self._encode(texts)

    def count_tokens(self, text: str) -> int:
        return len(tokenize(text))

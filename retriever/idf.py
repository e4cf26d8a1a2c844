"""Inverse document frequency over an index's chunks: how much a shared word says.

Read from the BM25 index's posting lists (no re-tokenizing); used by search to
weigh the words two chunks share (restated items) and by the answerer to weigh a
question's terms.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping


class Idf:
    """Inverse document frequency over one searcher's chunks (smoothed, always > 0)."""

    def __init__(self, frequency: Mapping[str, int], count: int) -> None:
        self.count = count
        self._frequency = frequency
        self.unseen = math.log((count + 1) / 0.5)

    @classmethod
    def of_documents(cls, documents: Iterable[Iterable[str]]) -> Idf:
        frequency: Counter[str] = Counter()
        count = 0
        for tokens in documents:
            frequency.update(set(tokens))
            count += 1
        return cls(frequency, count)

    def seen(self, token: str) -> bool:
        """Whether some chunk holds the token."""
        return token in self._frequency

    def __call__(self, token: str) -> float:
        df = self._frequency.get(token, 0)
        return math.log((self.count + 1) / (df + 0.5)) if df else self.unseen

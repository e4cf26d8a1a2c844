"""Sentence vectors: each sentence of a many-sentence chunk embedded on its own.

A directive item or a Wikipedia paragraph holds several clauses, and its one vector
is their blend. A question usually restates one clause, so the chunk's vector can
sit further from it than a neighbour's. Dense search therefore also embeds every
sentence (`indexer.sentences`) of a chunk that has two or more, with the chunk's
context in front (its subject and parent headings, as in its index text), and
scores a chunk by the better of its own cosine and its best sentence's.

Measured with the query-time max (the index stores both sets of vectors):

| set | dense nDCG@10 / MRR@10 | hybrid |
|---|---|---|
| circulars dev (91), MRR@10 | 0.903 -> 0.931 | 0.953 -> 0.950 |
| XQuAD-th (1,190), nDCG@10 | 0.934 -> 0.960 | 0.970 -> 0.976 |
| iapp-wiki-qa test (739), nDCG@10 | 0.969 -> 0.977 | 0.980 -> 0.983 |

The variant (context in front, max rather than mean) was chosen on the circular
dev questions' dense scores and iapp-wiki-qa; XQuAD-th was not used to choose.

A chunk with a single sentence gets no sentence vector: its own vector already is
that sentence's, with the same context. Sentence ids are "<chunk id>:<n>:<hash of
its index text>": chunk ids are hex digests, and the hash lets the next build reuse a
vector only for the very same text, even if the sentence rules change.

A file that did not change keeps its chunks, and with the same `SENTENCE_RULES` its
chunks' sentences are the previous build's ids as they stand: splitting and
normalising them again cost about 0.8 ms a chunk, most of an incremental build at
30k chunks. When the rules change, the next build splits every chunk again and the
hashes pick out the vectors it can keep.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from circulars.models import Chunk
from indexer.normalize import index_form
from indexer.sentences import split_sentences

SEPARATOR = ":"
# Bump on any change to what `sentence_texts` returns (the splitting rules in
# `indexer.sentences`, the context, `index_form`); a test pins its output on the seeds.
SENTENCE_RULES = "sentences-2"  # 2: a number closing a bracket stays in its unit


def sentence_id(chunk_id: str, number: int, text: str) -> str:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return SEPARATOR.join((chunk_id, str(number), digest))


def chunk_of(sentence: str) -> str:
    """The chunk id a sentence id belongs to."""
    return sentence.partition(SEPARATOR)[0]


def sentence_texts(text: str, subject: str | None, parents: Sequence[str]) -> list[str]:
    """Index texts of a chunk's sentences, context first; [] for fewer than two."""
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return []
    # The context is normalised once, not with every sentence: it repeats in each.
    context = index_form(" ".join(part for part in (subject or "", *parents) if part))
    texts = (index_form(sentence) for sentence in sentences)
    return [f"{context} {text}" if context else text for text in texts]


def sentence_entries(chunk_id: str, text: str, subject: str | None,
                     parents: Sequence[str]) -> list[tuple[str, str]]:
    """(sentence id, index text) of each sentence of one chunk (see `sentence_texts`)."""
    return [(sentence_id(chunk_id, n, t), t)
            for n, t in enumerate(sentence_texts(text, subject, parents), 1)]


class SentenceVectors:
    """One build's sentence vectors: reused by id from the previous build, the rest
    listed with their texts for embedding. Texts are kept only for those: at 10^6
    chunks, every sentence's text with its context in front would take GBs.

    `same_rules`: the previous build split sentences as this one does, so an
    unchanged chunk's sentences can be taken from its ids (`add_unchanged`)."""

    def __init__(self, previous: Mapping[str, np.ndarray], same_rules: bool = False) -> None:
        self._previous = previous
        self._vectors: dict[str, np.ndarray] = {}
        self.ids: list[str] = []
        self.missing: list[tuple[str, str]] = []
        self._previous_by_chunk: dict[str, list[str]] | None = None
        if same_rules:
            self._previous_by_chunk = {}
            for sentence in previous:
                self._previous_by_chunk.setdefault(chunk_of(sentence), []).append(sentence)

    def add(self, chunk: Chunk) -> None:
        for sentence, text in sentence_entries(chunk.chunk_id, chunk.text, chunk.subject,
                                                chunk.parents):
            self.ids.append(sentence)
            old = self._previous.get(sentence)
            if old is None:
                self.missing.append((sentence, text))
            else:
                self._vectors[sentence] = np.asarray(old)

    def add_unchanged(self, chunk: Chunk) -> None:
        """A chunk copied from the previous build: its sentence ids and vectors as
        they stand, or, when the rules changed, split again like a new chunk."""
        if self._previous_by_chunk is None:
            self.add(chunk)
            return
        # In sentence order: after incremental updates the previous ids are in the
        # order they were added, not necessarily by number.
        for sentence in sorted(self._previous_by_chunk.get(chunk.chunk_id, ()),
                               key=_sentence_number):
            self.ids.append(sentence)
            self._vectors[sentence] = np.asarray(self._previous[sentence])

    def fill(self, encoded: np.ndarray) -> None:
        """The vectors of `missing`, in its order."""
        for (sentence, _), vector in zip(self.missing, encoded, strict=True):
            self._vectors[sentence] = vector
        self.missing = []

    @property
    def vectors(self) -> dict[str, np.ndarray]:
        """Every sentence's vector by id (after `fill`); the build empties it."""
        return self._vectors


def _sentence_number(sentence: str) -> int:
    return int(sentence.split(SEPARATOR)[1])


def best_per_chunk(chunk_hits: Iterable[tuple[str, float]],
                   sentence_hits: Iterable[tuple[str, float]], k: int) -> list[tuple[str, float]]:
    """Merge chunk and sentence search results: each chunk scored by the best of its
    own score and its sentences', best first (ties keep the chunk results' order), at
    most k."""
    best: dict[str, float] = {}
    for chunk_id, score in chunk_hits:
        if score > best.get(chunk_id, float("-inf")):
            best[chunk_id] = score
    for sentence, score in sentence_hits:
        chunk_id = chunk_of(sentence)
        if score > best.get(chunk_id, float("-inf")):
            best[chunk_id] = score
    return sorted(best.items(), key=lambda item: -item[1])[:k]

"""Hybrid search over an index folder: BM25 + dense, fused, with citation lookup.

One `Searcher` loads an index version once (manifest check, SQLite store, FAISS,
BM25, and small metadata arrays for filters) and answers queries:

1. A query naming a letter and item ("มท 0211.6/ว 10303 ข้อ 3.6"; a memo as
   "บันทึก 19355") puts that item first; naming only a letter that is not in the
   index but is cited by others ("ฉบับใดอ้างถึง ว 10901") puts the citing letters'
   opening paragraphs first.
2. BM25 over PyThaiNLP word tokens and dense inner-product search each return a
   ranked list; hybrid mode fuses them by reciprocal rank fusion, BM25's list
   weighted down when its best hit shares little of the question's words
   (`lexical_weight`). Dense search
   scores a chunk by the better of its own vector and its closest sentence's, when
   the index holds sentence vectors (`indexer.sentence_vectors`). In hybrid mode
   BM25 runs in a worker thread while the query is embedded (torch releases the
   GIL), so a hybrid query costs about as much as a dense one.
3. In hybrid mode, what the question says beyond its words is used too: a letter's
   issuer named as sender ("จังหวัดชัยภูมิสั่ง...") fuses in that issuer's chunks as
   one more ranked list (`retriever.senders`), and the kind of answer asked for
   ("จัดวันไหน") puts a letter's date-stating items ahead of its other items, the
   letters keeping their places (`retriever.answer_types`); a question about the
   letter itself ("ใครลงนาม", "อ้างถึงฉบับใด") puts its opening paragraph first,
   which carries the header's facts (`indexer.chunker.header_facts`).
4. The same directive relayed in several letters (a ministry letter and a
   province's copy) comes back once, the other copies listed in `also_in`; the
   copy ranked first (by the question's wording and named sender) represents it.
   A longer chunk ranked below an item and holding 80% of its words, weighted by
   IDF (typically the row of a summary table in an enclosure that restates it), is
   listed with it the same way.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from circulars.models import Chunk, Hit, Letter
from circulars.settings import Settings
from indexer.bm25_index import BM25Index
from indexer.build import DENSE_DIR, SENTENCE_DIR, STORE_FILE
from indexer.chunker import CHUNKER_VERSION
from indexer.dense_index import DenseIndex
from indexer.embedder import Embedder
from indexer.manifest import (
    check_compatible,
    current_version_dir,
    incomplete_index,
    read_manifest,
)
from indexer.normalize import index_form
from indexer.sentence_vectors import best_per_chunk, chunk_of
from indexer.store import Store
from indexer.thai_tokens import query_tokens, tokenize
from retriever.addressees import AddresseeNames
from retriever.answer_types import (
    asked_kinds,
    asked_letter_facts,
    asks_table,
    states,
    without_which_letter,
)
from retriever.idf import Idf
from retriever.query import Citation, find_citation, validate_query
from retriever.senders import SenderNames
from retriever.terms import WeighedTerms, question_terms
from retriever.thesaurus import DEFAULT_PATH as THESAURUS_PATH
from retriever.thesaurus import EMPTY as EMPTY_THESAURUS
from retriever.thesaurus import Thesaurus

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[str, ...] = ("hybrid", "dense", "bm25")
RRF_K = 60
DUPLICATE_JACCARD = 0.6  # word-token (or character-trigram) overlap of relayed copies
ANSWER_KIND_DEPTH = 50  # fused candidates tested for the kind of answer asked
NEAR_DUPLICATE_JACCARD = 0.45  # word overlap below which the character test is not tried
CONTAINED_SHARE = 0.8  # IDF share of an item's words a longer chunk must hold to restate it
CONTAINED_MIN_TOKENS = 20  # distinct words an item needs before containment is tested
TOKEN_CACHE_SIZE = 50_000  # chunks' token sets kept in memory (a few KB each)
OPENING_ITEM = "p1"  # a letter's opening paragraph (its header facts ride on it)
# Letter facts for which the opening paragraph goes first within its letter: the
# signer and the cited letters are stated nowhere else. Not the date, enclosures or
# contact: items also give them ("ดาวน์โหลดสิ่งที่ส่งมาด้วยทางเว็บไซต์", a guideline's
# coordinator and phone, a date the OCR lost from the header but kept in the
# distribution list), and on the dev questions preferring the opening for them lost
# four questions (hit@1 0.908 -> 0.882). The date only when the question asks for
# it and the header has one, the contact only when it names the letter by number
# (`Searcher._prefer_asked_kind`).
NAMED_LETTER_CONTACT = "contact of a named letter"
TABLE_ROW = "row"  # the chunk kind of a table row (`indexer.tables`)
OPENING_FACTS = frozenset({"signer", "references", "addressee", NAMED_LETTER_CONTACT})
# An addressee line that sends the reader to a list attached to the letter
# ("(ตามบัญชีแนบท้าย)"): the list answers "ถึงใครบ้าง", not the opening paragraph.
ATTACHED_LIST_RE = re.compile(r"ตามบัญชี|บัญชีแนบ|แนบท้าย|รายชื่อ")  # not กรมบัญชีกลาง
DISTRIBUTION_ITEM = "list"  # a letter's distribution list (`indexer.chunker`)
MAX_SUB_ITEMS = 20  # sub-items that follow an item named by number
SENTENCE_DEPTH = 3  # sentence hits read per chunk hit wanted
QUERY_CACHE_SIZE = 2048  # recent query vectors: questions, and passage sentences (/ask)
WARM_UP_CHUNKS = 2_000  # indexes up to this size are tokenized in the background at load


@dataclass(frozen=True)
class Filters:
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    issuer: str | None = None  # substring of the issuing office
    doc_no_prefix: str | None = None  # "มท 0211", "มท"
    source: str | None = None  # source file name

    def empty(self) -> bool:
        return not any((self.date_from, self.date_to, self.issuer, self.doc_no_prefix,
                        self.source))


class Searcher:
    def __init__(self, index_dir: Path, embedder: Embedder, settings: Settings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.version_dir = current_version_dir(index_dir)
        self.manifest = read_manifest(self.version_dir)
        check_compatible(self.manifest, embedder.model_name, CHUNKER_VERSION, index_dir)
        self.store = Store(self.version_dir / STORE_FILE, readonly=True)
        self.dense = DenseIndex.load(self.version_dir / DENSE_DIR)
        self.bm25 = BM25Index.load(self.version_dir / "bm25")
        # Whether sentences are searched is the index's choice (its manifest), made
        # when it was built (`Settings.sentence_vectors`).
        sentence_dir = self.version_dir / SENTENCE_DIR
        if self.manifest.sentence_vectors and not sentence_dir.is_dir():
            raise incomplete_index(index_dir)
        self.sentence_index = (DenseIndex.load(sentence_dir)
                               if self.manifest.sentence_vectors else None)
        rows = self.store.chunk_rows("chunk_id, doc_id, source, doc_no, date, issuer, item, "
                                     "kind, json_extract(data, '$.part_index') AS part_index")
        self.ids = [row["chunk_id"] for row in rows]
        self.position = {chunk_id: i for i, chunk_id in enumerate(self.ids)}
        self.doc_ids = np.array([row["doc_id"] for row in rows], dtype=object)
        self.sources = np.array([row["source"] for row in rows], dtype=object)
        self.doc_nos = np.array([row["doc_no"] or "" for row in rows], dtype=object)
        self.dates = np.array([row["date"] or "" for row in rows], dtype=object)
        # Issuers are few and repeat; normalise each distinct one once for the filter.
        issuer_forms = {name: index_form(name) for name in {row["issuer"] or "" for row in rows}}
        self.issuers = np.array([issuer_forms[row["issuer"] or ""] for row in rows], dtype=object)
        self.items = [row["item"] for row in rows]
        self.part_indexes = np.array([row["part_index"] for row in rows], dtype=np.int32)
        self.table_rows = np.array([row["kind"] == TABLE_ROW for row in rows], dtype=bool)
        # Files read from scans by OCR: answers quoting them say their text may be off.
        self.scanned_sources = {record["path"] for record in self.store.files()
                                if str(record["encoding"] or "").endswith("+ocr")}
        # Each chunk vector's and each sentence vector's chunk row, to carry a filter
        # mask over: an incrementally updated FAISS index keeps its own order.
        dense_ids = self.dense.ids
        try:
            self._dense_rows = np.array([self.position[c] for c in dense_ids], dtype=np.int64)
        except KeyError:  # a vector for a chunk the store does not hold
            raise incomplete_index(index_dir) from None
        if len(dense_ids) != len(self.ids):
            raise incomplete_index(index_dir)
        self._sentence_rows = np.array(
            [self.position[chunk_of(s)] for s in self.sentence_index.ids]
            if self.sentence_index is not None else [], dtype=np.int64)
        self._positions: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            self._positions.setdefault(row["doc_id"], []).append(i)
        self._letters = {le.id: le for le in self.store.letters()}
        # Counted once: a date-filtered query's note names them (`retriever.notes`).
        self._undated = sum(1 for letter in self._letters.values() if not letter.date)
        # Letters by document number and by running number ("/ว 10303"), and the letters
        # citing each: a citation lookup is then a dict read, not a scan of every letter.
        self._named: dict[str, list[Letter]] = {}
        self._citing: dict[str, list[Letter]] = {}
        for letter in self._letters.values():
            for key in letter_keys(letter.doc_no):
                self._named.setdefault(key, []).append(letter)
            cited = {key for ref in letter.references for key in letter_keys(ref.doc_no)}
            for key in cited:
                self._citing.setdefault(key, []).append(letter)
        self.thesaurus = (Thesaurus.load(settings.thesaurus_path or THESAURUS_PATH)
                          if settings.query_expansion else EMPTY_THESAURUS)
        everyday = self.thesaurus.everyday_forms()
        self._senders = SenderNames(self._letters.values(), everyday)
        self._addressees = AddresseeNames(self._letters.values(), everyday)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bm25")
        self._token_cache: OrderedDict[int, frozenset[str]] = OrderedDict()
        self._trigram_cache: OrderedDict[int, frozenset[str]] = OrderedDict()
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._idf: Idf | None = None
        self._weight_cache: dict[int, tuple[float, float]] = {}
        self._token_lock = threading.Lock()
        self._closing = threading.Event()
        self._pool.submit(self._warm_token_cache)
        # Items printed out of sequence answer to the number that was meant, too.
        self._likely: dict[tuple[str, str], int] = {}
        self._meant: dict[int, str] = {}
        duplicated = [self.ids[i] for i, item in enumerate(self.items) if "#" in item]
        for chunk in self.store.chunks_by_ids(duplicated).values():
            if "likely_item" in chunk.meta:
                position = self.position[chunk.chunk_id]
                self._likely[(chunk.doc_id, chunk.meta["likely_item"])] = position
                self._meant[position] = chunk.meta["likely_item"]

    def close(self) -> None:
        self._closing.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.store.close()

    def __len__(self) -> int:
        return len(self.ids)

    def _warm_token_cache(self) -> None:
        """Tokenize a small index's chunks in the background after loading, so its
        first queries do not pay for tokenizing their hits.

        Only below WARM_UP_CHUNKS (about a second of work): tokenizing holds the GIL,
        and warming a 168k-chunk index this way slowed every query for minutes
        (hybrid p50 43 ms against 20 ms without it). Larger indexes tokenize hits on
        first use, a few milliseconds per query.
        """
        if len(self.ids) > WARM_UP_CHUNKS:
            return
        for position in range(len(self.ids)):
            if self._closing.is_set():
                return
            self.token_set(position)

    def token_set(self, position: int) -> frozenset[str]:
        """The word tokens of one chunk's text, for copy detection and the answerer.

        Cached (bounded) and tokenized on first use or by the background warm-up:
        tokenizing every chunk before answering took minutes at 10^5 chunks.
        """
        return self._cached(self._token_cache, position, tokenize)

    def trigram_set(self, position: int) -> frozenset[str]:
        """Character trigrams of one chunk's index-form text without spaces: the copy
        test's second opinion when OCR damaged a few words of one copy."""
        return self._cached(self._trigram_cache, position, _trigrams)

    def _cached(self, cache: OrderedDict[int, frozenset[str]], position: int,
                compute: Callable[[str], Iterable[str]]) -> frozenset[str]:
        with self._token_lock:
            cached = cache.get(position)
            if cached is not None:
                cache.move_to_end(position)
                return cached
        value = frozenset(compute(self.store.chunk_text(self.ids[position])))
        with self._token_lock:
            cache[position] = value
            if len(cache) > TOKEN_CACHE_SIZE:
                cache.popitem(last=False)
        return value

    @property
    def idf(self) -> Idf:
        """IDF of words over this index's chunks, read from BM25's posting lists once."""
        with self._token_lock:
            if self._idf is None:
                self._idf = Idf(self.bm25.document_frequencies(), len(self.ids))
            return self._idf

    def _weights(self, position: int, tokens: frozenset[str]) -> tuple[float, float]:
        """Total and largest IDF of one chunk's words (cached with its token set's bound)."""
        weights = self._weight_cache.get(position)
        if weights is None:
            idf = self.idf
            values = [idf(token) for token in tokens]
            weights = (sum(values), max(values, default=0.0))
            if len(self._weight_cache) >= TOKEN_CACHE_SIZE:
                self._weight_cache.clear()
            self._weight_cache[position] = weights
        return weights

    def query_vector(self, text: str) -> np.ndarray:
        """The embedded query (recent ones cached: the answerer asks again for the same
        question's closeness to its passages)."""
        return self.query_vectors([text])[0]

    def query_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Short texts embedded as queries (query prompt), one row each, in order.

        Recent ones are cached, and the misses are embedded in one batch: the answerer
        also embeds its passages' sentences this way to compare them with the question
        (`service.relevance`), and neighbouring questions share passages.
        """
        found: dict[str, np.ndarray] = {}
        with self._token_lock:
            for text in texts:
                cached = self._query_vectors.get(text)
                if cached is not None:
                    self._query_vectors.move_to_end(text)
                    found[text] = cached
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            embedded = np.asarray(self.embedder.encode_queries(missing), dtype=np.float32)
            with self._token_lock:
                for text, vector in zip(missing, embedded, strict=True):
                    # A copy: a row view would keep its whole batch alive in the cache.
                    found[text] = self._query_vectors[text] = vector.copy()
                while len(self._query_vectors) > QUERY_CACHE_SIZE:
                    self._query_vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dense.dimension), dtype=np.float32)
        return np.stack([found[text] for text in texts])

    def closeness(self, query: str, chunk_id: str) -> float | None:
        """Cosine of the query and one chunk under the index's embedding model."""
        return self.dense.similarity(self.query_vector(validate_query(
            query, self.settings.max_query_chars)), chunk_id)

    def _dense_search(self, vector: np.ndarray, depth: int,
                      allowed: np.ndarray | None) -> list[tuple[str, float]]:
        """Chunks by cosine, each scored by the better of its own vector and its best
        sentence's (`indexer.sentence_vectors`) when the index has sentence vectors."""
        found = self.dense.search(vector, depth,
                                  allowed=None if allowed is None else allowed[self._dense_rows])
        if self.sentence_index is None:
            return found
        sentence_allowed = None if allowed is None else allowed[self._sentence_rows]
        # A few chunks' sentences can fill the top places; reading deeper lets the
        # chunks near the cut be scored by their best sentence too.
        sentences = self.sentence_index.search(vector, SENTENCE_DEPTH * depth, sentence_allowed)
        return best_per_chunk(found, sentences, depth)

    # ------------------------------------------------------------------ filters
    def allowed_mask(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.empty():
            return None
        mask = np.ones(len(self.ids), dtype=bool)
        if filters.date_from:
            mask &= (self.dates != "") & (self.dates >= _iso(filters.date_from))
        if filters.date_to:
            mask &= (self.dates != "") & (self.dates <= _iso(filters.date_to))
        if filters.issuer:
            needle = index_form(filters.issuer)
            mask &= np.array([needle in issuer for issuer in self.issuers], dtype=bool)
        if filters.doc_no_prefix:
            prefix = index_form(filters.doc_no_prefix).replace(" ", "")
            mask &= np.array([d.replace(" ", "").startswith(prefix) for d in self.doc_nos],
                             dtype=bool)
        if filters.source:
            mask &= self.sources == filters.source
        return mask

    # ------------------------------------------------------------------- search
    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               filters: Filters | None = None, all_copies: bool = False) -> list[Hit]:
        text = validate_query(query, self.settings.max_query_chars)
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        k = max(1, min(int(k), 100))
        allowed = self.allowed_mask(filters)
        citation = find_citation(text)
        depth = max(100, k * 10)
        ranked: dict[str, list[str]] = {}
        scores: dict[str, dict[str, float]] = {}
        lexical: Future[list[tuple[str, float]]] | None = None
        if mode in ("bm25", "hybrid"):
            # "หนังสือฉบับไหน" asks for a letter; its words would rank passages saying
            # "หนังสือฉบับนี้" ("รายละเอียดปรากฏตาม QR Code แนบท้ายหนังสือฉบับนี้").
            lexical = self._pool.submit(self._bm25_search, without_which_letter(text), depth,
                                        allowed)
        if mode in ("dense", "hybrid"):
            vector = self.query_vector(text)
            found = self._dense_search(vector, depth, allowed)
            ranked["dense"] = [chunk_id for chunk_id, _ in found]
            scores["dense"] = dict(found)
        if lexical is not None:
            found = lexical.result()
            ranked = {"bm25": [chunk_id for chunk_id, _ in found], **ranked}
            scores["bm25"] = dict(found)
        if mode == "hybrid":
            weights = {"bm25": self.lexical_weight(text, ranked["bm25"])}
            fused = (_fuse_convex(scores, self.settings.dense_weight)
                     if self.settings.fusion == "convex" else _fuse(
                         ranked, self.settings.rrf_k, weights))
            fused = self._prefer_named_sender(text, fused, ranked, weights)
            fused = self._prefer_asked_kind(text, fused, ranked, citation)
        else:
            fused = [
                (chunk_id, scores[mode][chunk_id]) for chunk_id in ranked[mode]]
        cited = self._citation_hits(citation, allowed, fused)
        if cited:
            top = (fused[0][1] if fused else 1.0) + 1.0
            cited_ids = {chunk_id for chunk_id, _ in cited}
            fused = [(c, top + s) for c, s in cited] + [p for p in fused if p[0] not in cited_ids]
        return self._hits(fused, k, ranked, cited, all_copies)

    def letter(self, letter_id: str) -> Letter | None:
        """A letter of the index, from the table loaded at start-up (no store read)."""
        return self._letters.get(letter_id)

    def is_opening(self, chunk_id: str) -> bool:
        """Whether the chunk is a letter's opening paragraph, which carries its header."""
        position = self.position[chunk_id]
        return self.items[position] == OPENING_ITEM and self.part_indexes[position] == 0

    def lexical_weight(self, text: str, lexical: list[str]) -> float:
        """BM25's weight in the fusion: 1, or `weak_lexical_weight` when its best hit
        covers less than `weak_lexical_coverage` of the question's terms (IDF-weighted,
        `retriever.terms.coverage`).

        A paraphrase ("ชาวบ้านรู้ว่าใครขายยาบ้าแต่ไม่กล้าบอก") shares few words with the
        item that answers it, and BM25 then ranks whatever shares the common ones;
        fused at full weight, that noise pulls the dense model's right answer down.
        Chosen on the dev questions (111 answerable): hit@1 0.892 -> 0.928, MRR@10
        0.923 -> 0.944. The same on a plateau: coverage cut 0.4-0.6, weight
        0.15-0.3; a weight lowered for every question gained nothing. XQuAD-th hybrid
        nDCG@10 0.9757 -> 0.9771, iapp-wiki-qa test 0.9832 -> 0.9825.
        """
        weak = self.settings.weak_lexical_weight
        if weak >= 1.0 or not lexical:
            return 1.0
        terms = question_terms(text)
        if not terms:
            return 1.0
        covered = self.weighed_terms(text).share(self.token_set(self.position[lexical[0]]))
        return weak if covered < self.settings.weak_lexical_coverage else 1.0

    def _prefer_named_sender(self, text: str, fused: list[tuple[str, float]],
                             ranked: dict[str, list[str]], weights: dict[str, float]
                             ) -> list[tuple[str, float]]:
        """Fuse in, as one more ranked list, the chunks of the letters whose issuer the
        question names as sender (`retriever.senders`), so "กระทรวงมหาดไทยสั่งการ..."
        puts the ministry's copy of a relayed directive ahead of a province's. On the dev
        questions: hit@1 0.896 -> 0.910, MRR 0.928 -> 0.937, no question lost.

        Likewise the letters whose addressee it names ("...ถึงอธิบดีกรมส่งเสริมการปกครอง
        ท้องถิ่น", `retriever.addressees`): on the 140 dev questions it fired on four,
        all for the right letter; hit@1 0.900 -> 0.907, MRR 0.918 -> 0.922, none lost."""
        named = {"sender": self._senders.letters_named(text),
                 "addressee": self._addressees.letters_named(text)}
        named = {name: letters for name, letters in named.items() if letters}
        if not named:
            return fused
        for name, letters in named.items():
            ranked[name] = [chunk_id for chunk_id, _ in fused
                            if self.doc_ids[self.position[chunk_id]] in letters]
        if self.settings.fusion == "convex":
            return _fuse({"hybrid": [c for c, _ in fused], **{n: ranked[n] for n in named}},
                         self.settings.rrf_k)
        return _fuse(ranked, self.settings.rrf_k, weights)

    def _prefer_asked_kind(self, text: str, fused: list[tuple[str, float]],
                           ranked: dict[str, list[str]], citation: Citation | None
                           ) -> list[tuple[str, float]]:
        """Within each document, put first the chunks able to give the kind of answer
        the question asks for (`retriever.answer_types`: a date for "จัดวันไหน"; the
        letter's opening paragraph, which carries its header, for "ใครลงนาม" and
        "อ้างถึงฉบับใด": dev hit@1 0.908 -> 0.916, the one signer question, none lost).

        Documents keep the places they hold: the question's words choose the letter,
        the asked kind chooses among its items ("ระยะเวลาดำเนินการ ... คือช่วงไหน":
        item 5 with the period, not item 3.1.2 that shares more words). Across
        documents a date says little; letting it move whole documents lowered
        XQuAD-th hybrid nDCG@10 from 0.970 to 0.963. Dev questions: hit@1 0.910 ->
        0.925, MRR 0.937 -> 0.945, no question lost.

        A question for the letter's own date ("จังหวัดชัยภูมิมีหนังสือแจ้งอำเภอเมื่อไร",
        "...ลงวันที่เท่าไร": a letter fact and a date asked) counts the letter's opening as
        stating a date, and puts it first, when the letter's header has one: the date is
        there, not in the paragraph's text, while an item may state another date (a
        reporting deadline). A letter whose header date the OCR lost is left alone.
        Dev hit@1 0.916 -> 0.924, MRR 0.932 -> 0.938, none lost.

        A question pointing at a table ("ตามตารางสรุปข้อสั่งการ ...", `asks_table`) puts
        the letter's table rows first: a row restates a body item with the agencies
        responsible, under the speaker and policy that gave it, and the answer quotes
        those (dev keyword recall 0.721 -> 0.730, citation F1 0.803 -> 0.805).
        """
        kinds = asked_kinds(text)
        letter_facts = set(asked_letter_facts(text))
        if "contact" in letter_facts and citation is not None:
            # Whom to call about a letter named by its number ("หนังสือ ว ๔๖๙ ... เจ้าของ
            # เรื่องคือกลุ่มงานไหน โทรเบอร์อะไร"): its header's contact block. Without a
            # number the contact asked is often a guideline's own (its item 10).
            letter_facts.add(NAMED_LETTER_CONTACT)
        about_letter = bool(letter_facts & OPENING_FACTS)
        table = asks_table(text)
        if not kinds and not about_letter and not table:
            return fused
        # Only the head of the list: reading and testing every candidate's text costs
        # time (200 candidates: +10 ms a query at 168k chunks).
        head = fused[:ANSWER_KIND_DEPTH]
        texts = self.store.chunk_texts([chunk_id for chunk_id, _ in head]) if kinds else {}
        dated_openings = ({c for c, _ in head if self.is_opening(c) and self._dated(c)}
                          if "date" in letter_facts and "date" in kinds else set())
        fitting: dict[str, list[str]] = {
            kind: [c for c, _ in head if states(kind, texts[c])
                   or (kind == "date" and c in dated_openings)] for kind in kinds}
        if about_letter or dated_openings:
            fitting["letter"] = [c for c, _ in head if (self.is_opening(c) and (
                c in dated_openings or self._opening_answers(c, letter_facts))) or (
                "addressee" in letter_facts and self._lists_addressees(c))]
        if table:
            fitting["table"] = [c for c, _ in head if self.table_rows[self.position[c]]]
        boosted = dict(_fuse({"fused": [c for c, _ in head], **fitting}, self.settings.rrf_k))
        ranked.update(fitting)
        places: dict[str, list[int]] = {}
        for index, (chunk_id, _) in enumerate(head):
            places.setdefault(self.doc_ids[self.position[chunk_id]], []).append(index)
        reordered = list(head)
        for indexes in places.values():
            members = sorted((head[i][0] for i in indexes), key=lambda c: -boosted[c])
            for index, chunk_id in zip(indexes, members, strict=True):
                reordered[index] = (chunk_id, head[index][1])
        return reordered + fused[ANSWER_KIND_DEPTH:]

    def _opening_answers(self, chunk_id: str, facts: set[str]) -> bool:
        """Whether the header on this opening paragraph states one of the asked letter
        facts that only a header states."""
        if facts & OPENING_FACTS - {"addressee"}:
            return True
        if "addressee" not in facts:
            return False
        return self._addressed_to_list(chunk_id) is False

    def _addressed_to_list(self, chunk_id: str) -> bool | None:
        """Whether the chunk's letter sends its addressees to an attached list; None when
        the letter has no addressee line."""
        letter = self._letter_of(chunk_id)
        if letter is None or not letter.to:
            return None
        return ATTACHED_LIST_RE.search(letter.to) is not None

    def _letter_of(self, chunk_id: str) -> Letter | None:
        return self._letters.get(self.doc_ids[self.position[chunk_id]])

    def _lists_addressees(self, chunk_id: str) -> bool:
        """Whether the chunk is the distribution list that its letter's addressee line
        points to ("เรียน (ตามบัญชีแนบท้าย)"): it, not the opening, says whom it went to."""
        return (self.items[self.position[chunk_id]] == DISTRIBUTION_ITEM
                and self._addressed_to_list(chunk_id) is True)

    def _dated(self, chunk_id: str) -> bool:
        """Whether the chunk's letter has a readable date in its header. One the parser
        could not read is OCR-damaged ("๒๕๖๘ สิงหาคม ๒๕๖๘" in ว 469: the day lost), and
        the letter's distribution list states it whole."""
        letter = self._letter_of(chunk_id)
        return letter is not None and letter.date is not None

    def _bm25_search(self, text: str, depth: int,
                     allowed: np.ndarray | None) -> list[tuple[str, float]]:
        tokens = query_tokens(text)
        extra = self._expansion_weights(tokens)
        weights = [1.0] * len(tokens) + list(extra.values())
        return self.bm25.search(tokens + list(extra), depth, allowed=allowed, weights=weights)

    def _expansion_weights(self, tokens: list[str]) -> dict[str, float]:
        """The official wordings' tokens added to BM25's query, with their weights:
        `expansion_weight` beside an everyday wording the letters also use, full weight
        in place of one they never use ("เฟคนิวส์" for ข่าวปลอม), whose own tokens match
        nothing and would leave the question's filler words to rank the passages."""
        def weight(wording: Sequence[str]) -> float:
            used = any(self.idf.seen(token) for token in wording)
            return self.settings.expansion_weight if used else 1.0

        return self.thesaurus.weighted_expansion(tokens, weight)

    def expansions(self, text: str, mode: str | None = None) -> list[tuple[str, list[str]]]:
        """The query's everyday wordings and the official wordings searched with them
        (`retriever.thesaurus`), to show the user. For a search `mode`: none in dense
        mode, which reads no words; None (the answerer's word overlap): every mode."""
        if mode == "dense":
            return []
        return self.thesaurus.expansions(query_tokens(text))

    def weighed_terms(self, text: str) -> WeighedTerms:
        """The question's terms weighed by this index's IDF, with the thesaurus's
        official wordings for its everyday ones, for word overlap with passages."""
        return WeighedTerms(question_terms(text), self.idf, self.term_alternatives(text))

    def term_alternatives(self, text: str) -> dict[str, list[frozenset[str]]]:
        """Official wordings that count for the question's everyday ones in word overlap
        (`retriever.terms.coverage`)."""
        return self.thesaurus.alternatives(query_tokens(text))

    def _citation_hits(self, citation: Citation | None, allowed: np.ndarray | None,
                       fused: list[tuple[str, float]]) -> list[tuple[str, float]]:
        if citation is None:
            return []
        wanted = citation.letter_key
        letters = self._named.get(wanted, [])
        hits: list[tuple[str, float]] = []
        if letters and citation.item:
            for letter in letters:
                found = self._positions_of(letter.id, citation.item)
                taken = set(found)
                for position in found:
                    hits.append((self.ids[position], 0.5))
                    # Then its sub-items, in reading order: "ข้อ 9" printed as a bare
                    # heading ("๙. ผลที่คาดว่าจะได้รับ") says what it holds only through them.
                    below = self._descendants(letter.id, position, taken)
                    taken.update(below)
                    hits.extend((self.ids[i], 0.25) for i in below)
        elif letters:
            # A letter named without an item: its chunks first, in the order the
            # question's wording ranks them ("ว 10303 ให้ดาวน์โหลดได้ที่เว็บไซต์ใด").
            named = {letter.id for letter in letters}
            hits = [(chunk_id, 0.0) for chunk_id, _ in fused
                    if self.doc_ids[self.position[chunk_id]] in named][:20]
        else:
            # Not a letter we hold: the letters that cite it answer "which letter refers to ...".
            for letter in self._citing.get(wanted, []):
                hits.extend((self.ids[p], 0.0) for p in self._positions_of(letter.id, "p1"))
        if allowed is not None:
            hits = [h for h in hits if allowed[self.position[h[0]]]]
        return hits

    def letters_numbered(self, text: str) -> list[Letter]:
        """The letters a document number in `text` names, in full ("มท 0211.6/ว 10303")
        or by its running number ("ว 10303", "บันทึก 19355"); none without a number."""
        citation = find_citation(text)
        return list(self._named.get(citation.letter_key, [])) if citation else []

    def letter_passages(self, letter_id: str, filters: Filters | None = None,
                        limit: int | None = None) -> list[Hit]:
        """The letter's chunks (the first `limit`, or all), in reading order, as hits
        marked "overview"; none when the letter holds no chunk or `filters` leave it
        out (`service.overview`, `service.inventory`)."""
        positions = self._positions.get(letter_id, [])[:limit]
        allowed = self.allowed_mask(filters)
        if not positions or (allowed is not None and not allowed[positions[0]]):
            return []
        chunks = self.store.chunks_by_ids([self.ids[i] for i in positions])
        return [_hit(0, 0.0, chunks[self.ids[i]], ["overview"], []) for i in positions]

    def items_numbered(self, item: str, filters: Filters | None = None,
                       limit: int = 10) -> list[Hit]:
        """The first chunk numbered `item` ("3.6", as `retriever.query` normalises it;
        the body's before an enclosure's) of every letter the filters allow, at most
        `limit`, in index order: an item named without its letter (`service.items`)."""
        allowed = self.allowed_mask(filters)
        found: list[int] = []
        for doc_id in self._positions:
            found += [p for p in self._positions_of(doc_id, item)
                      if allowed is None or allowed[p]][:1]
            if len(found) >= limit:
                break
        chunks = self.store.chunks_by_ids([self.ids[p] for p in found])
        return [_hit(0, 0.0, chunks[self.ids[p]], ["citation"], []) for p in found]

    def letters_held(self, filters: Filters | None = None) -> list[Letter]:
        """The letters with chunks in the index that `filters` allow, in index order."""
        allowed = self.allowed_mask(filters)
        return [letter for letter in self._letters.values()
                if (positions := self._positions.get(letter.id))
                and (allowed is None or allowed[positions[0]])]

    def citation_gap(self, citation: Citation) -> Literal["letter", "cited", "item"] | None:
        """What of a cited letter and item the index lacks: "letter" when no letter of
        that number is held ("cited" when held letters cite it: search shows those),
        "item" when none of the held ones has the item, else None."""
        letters = self._named.get(citation.letter_key, [])
        if not letters:
            return "cited" if self._citing.get(citation.letter_key) else "letter"
        if citation.item and not any(self._positions_of(le.id, citation.item) for le in letters):
            return "item"
        return None

    def undated_letters(self) -> int:
        """Letters whose header date does not read as a date (a date filter leaves them out)."""
        return self._undated

    def list_around(self, chunk_id: str) -> tuple[Hit, list[Hit]] | None:
        """The item heading `chunk_id`'s list and the list's items in reading order
        (the chunk among them), as hits marked "list"; None when the chunk is not an
        item of a numbered list under a heading item of its own.

        "วัตถุประสงค์ ... มีอะไรบ้าง" ranks ๒.๑ first, while the answer is ๒.๑-๒.๔ under the
        heading "๒. วัตถุประสงค์" (`service.lists` decides when to use it)."""
        position = self.position.get(chunk_id)
        if position is None:
            return None
        parent = parent_item(self.meant_item(chunk_id))
        if parent is None:
            return None
        doc_id, part = self.doc_ids[position], self.part_indexes[position]
        same_part = [i for i in self._positions.get(doc_id, []) if self.part_indexes[i] == part]
        head = next((i for i in same_part if self.items[i] == parent), None)
        # By the number meant: ว 339's list 8 holds 8.4, printed ๔.๕ out of sequence; other
        # repeated numbers ("1#2": a table restating an item) are not members.
        members = [i for i in same_part
                   if ("#" not in self.items[i] or i in self._meant)
                   and parent_item(self.meant_item(self.ids[i])) == parent][:MAX_SUB_ITEMS]
        if head is None or len(members) < 2:
            return None
        chunks = self.store.chunks_by_ids([self.ids[i] for i in [head, *members]])
        hits = [_hit(0, 0.0, chunks[self.ids[i]], ["list"], [])
                for i in [head, *members]]
        return hits[0], hits[1:]

    def meant_item(self, chunk_id: str) -> str:
        """The item number the chunk stands for: as printed, or, for an item printed
        out of sequence ("๔.๕" between ๘.๓ and ๙, kept as "4.5#2"), the one meant ("8.4")."""
        position = self.position[chunk_id]
        return self._meant.get(position) or self.items[position].split("#")[0]

    def is_under(self, chunk_id: str, parent_id: str) -> bool:
        """Whether the chunk is a sub-item of the other, in the same part of one letter."""
        position, parent = self.position.get(chunk_id), self.position.get(parent_id)
        if position is None or parent is None:
            return False
        return (self.doc_ids[position] == self.doc_ids[parent]
                and self.part_indexes[position] == self.part_indexes[parent]
                and self.meant_item(chunk_id).startswith(self.meant_item(parent_id) + "."))

    def _descendants(self, doc_id: str, position: int, taken: set[int]) -> list[int]:
        """Positions of the sub-items of the item at `position` (not among `taken`), in
        reading order, at most `MAX_SUB_ITEMS`."""
        below = [i for i in self._positions.get(doc_id, [])
                 if i not in taken and self.is_under(self.ids[i], self.ids[position])]
        return below[:MAX_SUB_ITEMS]

    def _positions_of(self, doc_id: str, item: str | None) -> list[int]:
        positions = self._positions.get(doc_id, [])
        if item is None:
            return positions[:1]
        # "ข้อ 8.4" finds the item printed out of sequence as ๔.๕ (kept as "4.5#2"); so
        # does "ข้อ 4.5", as printed, after the real 4.5.
        same = [i for i in positions if self.items[i].split("#")[0] == item]
        if (doc_id, item) in self._likely:
            same.append(self._likely[(doc_id, item)])
        if not same:
            # People write "ข้อ 5.1 (4)" for an item printed "๕.๑ ๔)" and vice versa.
            same = [i for i in positions if _loose(self.items[i]) == _loose(item)]
        return same

    def _hits(self, fused: list[tuple[str, float]], k: int, ranked: dict[str, list[str]],
              cited: list[tuple[str, float]], all_copies: bool) -> list[Hit]:
        kept: list[tuple[str, float]] = []
        copies: dict[str, list[str]] = {}
        # A named sender's (or addressee's) copy of a relayed item ranks well above the
        # other copies, which then lie anywhere further down the list (50 places down,
        # seen on the seeds): search all candidates for them. Queries that name neither
        # stop at the last kept hit; their copies rank next to each other.
        copy_scan = len(fused) if "sender" in ranked or "addressee" in ranked else 0
        full_at: int | None = None
        for index, (chunk_id, score) in enumerate(fused):
            if full_at is not None and index > full_at + copy_scan:
                break
            if not all_copies:
                twin = self._duplicate_of(chunk_id, [c for c, _ in kept])
                if twin is not None:
                    copies.setdefault(twin, []).append(chunk_id)
                    continue
            if full_at is not None:
                continue  # past the kept hits: only their copies are collected
            kept.append((chunk_id, score))
            if len(kept) >= k and all_copies:
                break
            if len(kept) >= k + 5:
                full_at = index
        kept = kept[:k]
        chunks = self.store.chunks_by_ids(
            [c for c, _ in kept] + [x for c, _ in kept for x in copies.get(c, [])])
        cited_ids = {c for c, _ in cited}
        tops = {name: set(ids[:100]) for name, ids in ranked.items()}
        hits = []
        for rank, (chunk_id, score) in enumerate(kept, 1):
            chunk = chunks[chunk_id]
            matched = [name for name, top in tops.items() if chunk_id in top]
            if chunk_id in cited_ids:
                matched.insert(0, "citation")
            hits.append(_hit(rank, score, chunk, matched,
                             [_copy(chunks[c]) for c in copies.get(chunk_id, []) if c in chunks]))
        return hits

    def _duplicate_of(self, chunk_id: str, kept: list[str]) -> str | None:
        """The kept chunk this one repeats (a relayed copy in another letter) or restates
        (a longer chunk holding nearly all its words), if any."""
        position = self.position[chunk_id]
        tokens = self.token_set(position)
        if len(tokens) < 8:
            return None
        idf = self.idf
        for other in kept:
            other_position = self.position[other]
            other_tokens = self.token_set(other_position)
            if self.doc_ids[other_position] == self.doc_ids[position]:
                # A letter's own enclosure may restate its items (ว 339's summary table
                # repeats its body's directives), never the same part.
                if (self.part_indexes[other_position] != self.part_indexes[position]
                        and _holds(tokens, other_tokens, idf,
                                   self._weights(other_position, other_tokens))):
                    return other
                continue
            if self._relays(position, tokens, other_position, other_tokens):
                return other
            if _holds(tokens, other_tokens, idf, self._weights(other_position, other_tokens)):
                return other
        return None

    def _relays(self, position: int, tokens: frozenset[str], other_position: int,
                other_tokens: frozenset[str]) -> bool:
        """Whether two chunks of different letters are copies of one text (a directive
        relayed), by their words, or their characters when OCR damaged the words."""
        similarity = _jaccard(tokens, other_tokens)
        if similarity >= DUPLICATE_JACCARD:
            return True
        # OCR damage in one copy ("ปัญหาร่องหนึ่นคั่วเรือน" for "ปัญหาหนี้ครัวเรือน")
        # breaks whole words but few characters: near misses get a character test.
        return similarity >= NEAR_DUPLICATE_JACCARD and _jaccard(
            self.trigram_set(position), self.trigram_set(other_position)) >= DUPLICATE_JACCARD

    def copies_between(self, letter_id: str, other_id: str) -> dict[str, str]:
        """The chunks of `letter_id` that are copies of a chunk of `other_id` (the same
        directive relayed: what `also_in` merges), each mapped to one such chunk."""
        others = [(p, self.token_set(p)) for p in self._positions.get(other_id, [])]
        copies: dict[str, str] = {}
        for position in self._positions.get(letter_id, []):
            tokens = self.token_set(position)
            # A short heading ("๕.๑ ด้านสุขภาพ") is a copy only word for word: a few
            # shared words are no evidence.
            twin = next((p for p, other_tokens in others
                         if (tokens == other_tokens if len(tokens) < 8 else
                             self._relays(position, tokens, p, other_tokens))), None)
            if twin is not None:
                copies[self.ids[position]] = self.ids[twin]
        return copies

    def character_overlap(self, chunk_id: str, other_id: str) -> float:
        """The share of character trigrams two chunks have in common (Jaccard): high for
        one text in two wordings, or OCR damage in one copy."""
        return _jaccard(self.trigram_set(self.position[chunk_id]),
                        self.trigram_set(self.position[other_id]))


def _holds(longer: frozenset[str], shorter: frozenset[str],
           weight: Callable[[str], float], shorter_weights: tuple[float, float]) -> bool:
    """Whether `longer` restates `shorter`: a summary-table row with several directives
    holding one item's words (`weight`: IDF, so shared common words count little;
    `shorter_weights`: the total and the largest weight of `shorter`'s words).

    Only the longer one folds under the shorter, which is the precise citation; the
    reverse would hide the item under a row. Short items are left alone: with fewer
    than CONTAINED_MIN_TOKENS words, "๓. การสร้างอาชีพ เพิ่มรายได้ให้ประชาชน" is
    "held" by any row on the economy.
    """
    if len(shorter) < CONTAINED_MIN_TOKENS or len(longer) <= len(shorter):
        return False
    total, largest = shorter_weights
    shared_tokens = longer & shorter
    # Most pairs share too few words to reach the share even at the largest weight:
    # settled without summing (this test runs for every candidate against every hit).
    if total <= 0 or len(shared_tokens) * largest < CONTAINED_SHARE * total:
        return False
    return sum(weight(token) for token in shared_tokens) >= CONTAINED_SHARE * total


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _trigrams(text: str) -> Iterator[str]:
    joined = index_form(text).replace(" ", "")
    return (joined[i:i + 3] for i in range(len(joined) - 2))


def letter_keys(doc_no: str | None) -> list[str]:
    """The keys a citation may name a letter by: its number, and "/ว N" for a ว number
    or "/N" for another ("มท 0211.2/19355")."""
    if not doc_no:
        return []
    keys = [doc_no]
    if "/ว " in doc_no:
        keys.append("/ว " + doc_no.rsplit("/ว ", 1)[1])
    elif "/" in doc_no:
        keys.append("/" + doc_no.rsplit("/", 1)[1])
    return keys


def parent_item(item: str) -> str | None:
    """The item path one level up ("3.3.1.(1).1)" -> "3.3.1.(1)"), None for a top item."""
    base = item.split("#")[0]
    return base.rsplit(".", 1)[0] if "." in base else None


def _loose(item: str) -> str:
    return item.split("#")[0].replace("(", "").replace(")", "")


def _fuse(ranked: dict[str, list[str]], rrf_k: int = RRF_K,
          weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for name, ids in ranked.items():
        weight = weights.get(name, 1.0) if weights else 1.0
        for rank, chunk_id in enumerate(ids, 1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def _fuse_convex(scores: dict[str, dict[str, float]], dense_weight: float
                 ) -> list[tuple[str, float]]:
    """Min-max normalise each list's scores, then mix: keeps how far ahead a hit is."""
    weights = {"dense": dense_weight, "bm25": 1.0 - dense_weight}
    fused: dict[str, float] = {}
    for name, found in scores.items():
        if not found:
            continue
        low, high = min(found.values()), max(found.values())
        span = (high - low) or 1.0
        for chunk_id, score in found.items():
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weights[name] * (score - low) / span
    return sorted(fused.items(), key=lambda pair: -pair[1])


def _iso(value: str) -> str:
    return dt.date.fromisoformat(value[:10]).isoformat()


def _copy(chunk: Chunk) -> dict[str, str | int | None]:
    return {"chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "doc_no": chunk.doc_no,
            "date": chunk.date, "issuer": chunk.issuer, "item": chunk.item,
            "part_index": chunk.part_index, "source": chunk.source}


def _hit(rank: int, score: float, chunk: Chunk, matched: list[str],
         also_in: list[dict[str, str | int | None]]) -> Hit:
    return Hit(
        rank=rank, score=round(float(score), 6), chunk_id=chunk.chunk_id, doc_id=chunk.doc_id,
        text=chunk.text, doc_no=chunk.doc_no, date=chunk.date, subject=chunk.subject,
        issuer=chunk.issuer, item=chunk.item, parents=chunk.parents, source=chunk.source,
        start=chunk.start, end=chunk.end, part=chunk.part, kind=chunk.kind,
        part_index=chunk.part_index, also_in=also_in,
        matched_by=matched,
    )

"""Hand-kept version names against what the code makes of the seeds.

A build reuses an unchanged file's chunks, letters and BM25 tokens while the
manifest's `chunker_version` and `tokenizer` match this program's. A change to what
the chunker or the tokenizer makes, without a new name, would leave an index holding
old and new forms side by side, and nothing would notice. Each test digests what
the code makes of the four seed circulars and pins the digest to the name, so such a
change fails here with what to do. (`SENTENCE_RULES` has its pin beside the sentence
vectors, in `test_sentence_vectors.py`.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

import pytest

from indexer.build import bm25_tokens
from indexer.chunker import CHUNKER_VERSION, ParsedFile
from indexer.jsonl_docs import parse_jsonl
from indexer.manifest import TOKENIZER_ID
from indexer.thai_tokens import SEGMENTER

# Long enough to be split into several chunks, with Thai digits and a document number.
JSONL_DOCUMENT = json.dumps({
    "id": "doc-1", "title": "ข้อสั่งการ", "date": "2024-10-24", "doc_no": "มท ๐๒๑๑.๖/ว ๑๐๓๐๓",
    "text": "\n\n".join(
        f"ข้อ {n} ให้จังหวัดเตรียมความพร้อมด้านเครื่องจักรกล วัสดุ อุปกรณ์ ในพื้นที่เสี่ยงภัย"
        f"ล่วงหน้า ๗ วัน และรายงานกระทรวงมหาดไทยทราบภายในวันที่ ๒๔ ตุลาคม ๒๕๖๗ " * 3
        for n in range(1, 9)),
}, ensure_ascii=False)

PINNED_CHUNKS = ("circulars-chunker-5", "56f6b4cf99cf302e")
PINNED_TOKENS = ("pythainlp-newmm+digits+docno-1", "pythainlp 5.4.0 newmm", "f568791045efbd25")


def _seed_files(seeds: dict[str, ParsedFile]) -> list[ParsedFile]:
    return [seeds[name] for name in sorted(seeds)[:4]]  # not files added to corpus/ later


def _digest(values: object) -> str:
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, sort_keys=True)
                          .encode("utf-8")).hexdigest()[:16]


def test_chunker_version_names_the_chunks(seeds: dict[str, ParsedFile]) -> None:
    parsed = [*_seed_files(seeds), parse_jsonl(JSONL_DOCUMENT, "docs.jsonl")]
    made = [{"letters": [asdict(letter) for letter in p.letters],
             "chunks": [asdict(chunk) for chunk in p.chunks]} for p in parsed]
    assert (CHUNKER_VERSION, _digest(made)) == PINNED_CHUNKS, (
        "the letters or chunks made from the seeds changed: give CHUNKER_VERSION "
        "(indexer/chunker.py) a new name, so that indexes built before are rebuilt, and "
        "pin the new digest with it")


def test_tokenizer_id_names_the_tokens(seeds: dict[str, ParsedFile]) -> None:
    if PINNED_TOKENS[1] != SEGMENTER:
        # newmm's dictionary is PyThaiNLP's: another release may segment differently,
        # which the manifest's `segmenter` already handles by segmenting again.
        pytest.skip(f"the tokens are pinned under {PINNED_TOKENS[1]}, this is {SEGMENTER}")
    tokens = [bm25_tokens(chunk.index_text, chunk.doc_no, chunk.item)
              for p in _seed_files(seeds) for chunk in p.chunks]
    assert (TOKENIZER_ID, SEGMENTER, _digest(tokens)) == PINNED_TOKENS, (
        "the BM25 tokens of the seeds changed: give TOKENIZER_ID (indexer/manifest.py) a "
        "new name, so that the next build segments unchanged files again, and pin the new "
        "digest with it")

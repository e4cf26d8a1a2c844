"""Sentence vectors: what gets embedded, how the build stores and reuses them, and how
dense search scores a chunk by its best sentence."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from circulars.settings import Settings
from indexer import sentence_vectors as sentence_vectors_module
from indexer.build import SENTENCE_DIR, BuildReport, build_index
from indexer.chunker import ParsedFile, parse_circular
from indexer.sentence_vectors import (
    SENTENCE_RULES,
    best_per_chunk,
    chunk_of,
    sentence_entries,
    sentence_id,
    sentence_texts,
)
from indexer.sentences import split_sentences
from retriever.search import Filters, Searcher
from tests.conftest import CORPUS, SEED_FILES
from tests.fakes import HashEmbedder

# ว 10303 ข้อ 3.4, as printed: two sentences.
ITEM_3_4 = (
    "๓.๔ ขับเคลื่อนเชิงบูรณาการร่วมกับหน่วยงานที่เกี่ยวข้องในการติดตามประเมิน "
    "สถานการณ์และปัจจัยเสี่ยงต่าง ๆ ที่จะทำให้เกิดภัยพิบัติ เพื่อเป็นข้อมูลในการแจ้งเตือนภัย "
    "ล่วงหน้าให้ประชาชนได้รับทราบ และเตรียมการป้องกันและบรรเทาผลกระทบได้อย่างทันท่วงที "
    "โดยให้เตรียมความพร้อมด้านเครื่องจักรกล วัสดุ อุปกรณ์ ในพื้นที่เสี่ยงภัยล่วงหน้า ๗ วัน"
)
SUBJECT = "ข้อสั่งการของรัฐมนตรีว่าการกระทรวงมหาดไทย"
PARENTS = ["๓. การป้องกันและบรรเทาสาธารณภัย"]


def test_sentences_carry_the_chunks_context_in_index_form() -> None:
    sentences = split_sentences(ITEM_3_4)
    assert len(sentences) >= 2
    texts = sentence_texts(ITEM_3_4, SUBJECT, PARENTS)
    assert len(texts) == len(sentences)
    for text in texts:
        assert text.startswith(SUBJECT + " 3. การป้องกัน")  # Thai digits as Arabic
    assert "7 วัน" in texts[-1] and "๗" not in texts[-1]
    # One sentence: the chunk's own vector already is that sentence's.
    assert sentence_texts("๑) ด้านอาหารของท้องถิ่น", SUBJECT, PARENTS) == []
    assert sentence_texts(ITEM_3_4, None, [])[0] == texts[0].removeprefix(
        SUBJECT + " " + PARENTS[0].replace("๓", "3") + " ")


# What `sentence_texts` returns for every chunk of the four seeds under these rules.
PINNED_SENTENCE_TEXTS = ("sentences-2", "fee32247a8a22df8")


def test_sentence_rules_name_the_sentence_texts(seeds: dict[str, ParsedFile]) -> None:
    """An unchanged file's sentences are reused by id while SENTENCE_RULES stays the
    same, so a change to what `sentence_texts` returns must come with a new name."""
    digest = hashlib.sha256()
    for name in sorted(seeds)[:4]:  # the four seed circulars, not files added later
        for chunk in seeds[name].chunks:
            texts = sentence_texts(chunk.text, chunk.subject, chunk.parents)
            digest.update(json.dumps(texts, ensure_ascii=False).encode("utf-8"))
    assert (SENTENCE_RULES, digest.hexdigest()[:16]) == PINNED_SENTENCE_TEXTS, (
        "the sentence texts changed: give SENTENCE_RULES a new name, so the next build "
        "splits unchanged files again, and pin the new digest with it")


def test_sentence_ids_name_their_chunk_and_text() -> None:
    entries = sentence_entries("00b6d70aa6ef496c", ITEM_3_4, SUBJECT, PARENTS)
    assert [chunk_of(s) for s, _ in entries] == ["00b6d70aa6ef496c"] * len(entries)
    assert len({s for s, _ in entries}) == len(entries)
    # The same position with other text is another id: a build never reuses a vector
    # embedded from different words.
    assert sentence_id("00b6d70aa6ef496c", 1, "ก") != sentence_id("00b6d70aa6ef496c", 1, "ข")


def test_best_per_chunk_takes_each_chunks_better_score() -> None:
    chunks = [("a", 0.80), ("b", 0.78), ("c", 0.70)]
    sentences = [("c:1:x", 0.90), ("b:2:y", 0.75), ("d:1:z", 0.79), ("c:2:w", 0.60)]
    assert best_per_chunk(chunks, sentences, 10) == [
        ("c", 0.90), ("a", 0.80), ("d", 0.79), ("b", 0.78)]
    assert best_per_chunk(chunks, sentences, 2) == [("c", 0.90), ("a", 0.80)]
    assert best_per_chunk([], [], 5) == []


def _build(index_dir: Path, embedder: HashEmbedder, sentence_vectors: bool = True
           ) -> BuildReport:
    settings = Settings(index_dir=index_dir, sentence_vectors=sentence_vectors)
    return build_index([CORPUS], index_dir, settings, embedder)


def _version(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().strip()


def test_build_stores_sentence_vectors_and_reuses_them(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    embedder = HashEmbedder()
    first = _build(index_dir, embedder, sentence_vectors=False)
    assert not (_version(index_dir) / SENTENCE_DIR).exists()
    manifest = json.loads((_version(index_dir) / "manifest.json").read_text())
    assert manifest["sentence_vectors"] is False
    searcher = Searcher(index_dir, embedder, Settings(index_dir=index_dir))
    assert searcher.sentence_index is None
    searcher.close()

    # Turning them on rebuilds: chunk vectors are reused, only sentences are embedded.
    second = _build(index_dir, embedder)
    assert not second.up_to_date
    assert second.embedded == 0
    assert second.sentences == second.sentences_embedded > 100
    version = _version(index_dir)
    assert json.loads((version / "manifest.json").read_text())["sentence_vectors"] is True
    ids = json.loads((version / SENTENCE_DIR / "ids.json").read_text())
    assert len(ids) == second.sentences
    searcher = Searcher(index_dir, embedder, Settings(index_dir=index_dir))
    try:
        assert searcher.sentence_index is not None and len(searcher.sentence_index) == len(ids)
        assert {chunk_of(s) for s in ids} <= set(searcher.ids)
        # Every many-sentence chunk has its sentences, and no other chunk has any.
        chunks = searcher.store.chunks_by_ids(searcher.ids)
        expected = sum(len(sentence_texts(c.text, c.subject, c.parents))
                       for c in chunks.values())
        assert expected == len(ids)
    finally:
        searcher.close()

    third = _build(index_dir, embedder)
    assert third.up_to_date
    rebuilt = build_index([CORPUS], index_dir, Settings(index_dir=index_dir), embedder,
                          rebuild=True)
    assert rebuilt.sentences == len(ids) and rebuilt.sentences_embedded == len(ids)
    assert first.sentences == 0


def test_unchanged_chunks_keep_their_sentences_until_the_rules_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEED_FILES[:2]:
        (corpus / seed.name).write_bytes(seed.read_bytes())
    index_dir = tmp_path / "index"
    settings = Settings(index_dir=index_dir)
    embedder = HashEmbedder()
    build_index([corpus], index_dir, settings, embedder)
    split: list[str] = []

    def counting(chunk_id: str, text: str, subject: str | None,
                 parents: list[str]) -> list[tuple[str, str]]:
        split.append(chunk_id)
        return original(chunk_id, text, subject, parents)

    original = sentence_vectors_module.sentence_entries
    monkeypatch.setattr(sentence_vectors_module, "sentence_entries", counting)
    added = SEED_FILES[2]
    (corpus / added.name).write_bytes(added.read_bytes())
    report = build_index([corpus], index_dir, settings, embedder)
    new_chunks = parse_circular(added.read_text(encoding="utf-8"), added.name).chunks
    assert sorted(split) == sorted(c.chunk_id for c in new_chunks)
    kept_ids = json.loads((_version(index_dir) / SENTENCE_DIR / "ids.json").read_text())
    fresh = build_index([corpus], tmp_path / "fresh", Settings(index_dir=tmp_path / "fresh"),
                        HashEmbedder(), rebuild=True)
    fresh_ids = json.loads((_version(tmp_path / "fresh") / SENTENCE_DIR / "ids.json").read_text())
    assert sorted(kept_ids) == sorted(fresh_ids)
    assert report.sentences == fresh.sentences

    # An index split by other rules (here: before they had a name) is not up to
    # date: every chunk is split again, and the hashes keep every vector.
    manifest_path = _version(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["sentence_rules"] == SENTENCE_RULES
    manifest["sentence_rules"] = ""
    manifest_path.write_text(json.dumps(manifest))
    split.clear()
    again = build_index([corpus], index_dir, settings, embedder)
    assert not again.up_to_date and again.sentences_embedded == 0 and again.embedded == 0
    assert len(split) == again.chunks
    assert build_index([corpus], index_dir, settings, embedder).up_to_date


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    index_dir = tmp_path_factory.mktemp("sentences") / "index"
    embedder = HashEmbedder()
    _build(index_dir, embedder)
    return Searcher(index_dir, embedder, Settings(index_dir=index_dir))


def test_dense_search_scores_a_chunk_by_its_best_sentence(searcher: Searcher) -> None:
    assert searcher.sentence_index is not None
    chunks = searcher.store.chunks_by_ids(searcher.ids)
    long_item = next(c for c in chunks.values()
                     if c.doc_no == "มท 0211.6/ว 10303" and c.item == "3.4")
    sentences = sentence_texts(long_item.text, long_item.subject, long_item.parents)
    assert len(sentences) >= 2
    question = split_sentences(long_item.text)[0]
    own = searcher.closeness(question, long_item.chunk_id)
    vector = searcher.query_vector(question)
    best_sentence = float(np.max(searcher.embedder.encode_passages(sentences) @ vector))
    assert own is not None and best_sentence > own
    hits = searcher.search(question, k=5, mode="dense", all_copies=True)
    top = next(h for h in hits if h.chunk_id == long_item.chunk_id)
    assert top.score == pytest.approx(best_sentence, abs=1e-5)


def test_filters_reach_the_sentence_vectors(searcher: Searcher) -> None:
    question = "เตรียมความพร้อมด้านเครื่องจักรกล วัสดุ อุปกรณ์ ในพื้นที่เสี่ยงภัย"
    for issuer in ("จังหวัดเชียงใหม่", "กระทรวงมหาดไทย"):
        hits = searcher.search(question, k=10, mode="dense", filters=Filters(issuer=issuer))
        assert hits and all(issuer in (h.issuer or "") for h in hits)
    hits = searcher.search(question, k=10, mode="dense",
                           filters=Filters(doc_no_prefix="มท 0211.6/ว 10303"))
    assert hits and all(h.doc_no == "มท 0211.6/ว 10303" for h in hits)

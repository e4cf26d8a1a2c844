"""Bad input loses nothing: odd text, broken files, interrupted builds (PyThaiNLP-style)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Literal

import numpy as np
import pytest

from circulars.settings import Settings
from indexer import build as build_module
from indexer import dense_index
from indexer.build import SENTENCE_DIR, build_index
from indexer.chunker import parse_circular
from indexer.manifest import IndexMismatch, IndexMissing, current_version_dir, read_manifest
from indexer.reader import ReadProblemError, decode_bytes, read_source
from indexer.sentence_vectors import sentence_entries
from indexer.store import Store
from retriever.search import Filters, Searcher
from tests.conftest import SEED_FILES
from tests.fakes import HashEmbedder

SEED_001 = SEED_FILES[1]


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\n\n", "\u200b\ufeff", "\u0e4d\u0e32", "๑๒๓๔๕", "\t\t\t", "(((", "/...",
     "ที่ มท", "เรื่อง", "ขอแสดงความนับถือ", "\x00\x01\x02", "🙂" * 50, "ก" * 20_000],
)
def test_parser_survives_odd_text(text: str) -> None:
    parsed = parse_circular(text, "odd.txt")
    assert parsed.coverage["total"] == len(text)
    assert parsed.coverage["unclassified"] == 0


def test_decomposed_sara_am_and_thai_digits_in_a_letter() -> None:
    text = SEED_001.read_text(encoding="utf-8").replace("ำ", "\u0e4d\u0e32")
    parsed = parse_circular(text, "decomposed.txt")
    item = next(c for c in parsed.chunks if c.item == "3.6" and c.doc_no == "มท 0211.6/ว 10303")
    assert "ทำนบ" in item.text and "\u0e4d" not in item.index_text


def test_five_megabyte_bundle(tmp_path: Path) -> None:
    body = SEED_001.read_text(encoding="utf-8")
    big = "\n\n".join([body] * 65)
    assert len(big.encode("utf-8")) > 5_000_000
    parsed = parse_circular(big, "big.txt")
    assert len(parsed.letters) == 3 * 65
    assert parsed.coverage["unclassified"] == 0


def test_reader_errors_name_the_file(tmp_path: Path) -> None:
    cases = {
        "empty.txt": b"",
        "blank.txt": b"  \n\t\n",
        "binary.txt": bytes(range(256)) * 10,
        "invisible.txt": "\u200b\ufeff\n".encode(),
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ReadProblemError) as error:
            read_source(path, max_bytes=1_000_000)
        assert name in str(error.value)
        assert error.value.problem.reason_th and error.value.problem.reason_en
    huge = tmp_path / "huge.txt"
    huge.write_bytes("ก".encode() * 1000)
    with pytest.raises(ReadProblemError, match="too large"):
        read_source(huge, max_bytes=100)


def test_tis620_and_truncated_utf8_are_read() -> None:
    thai = "เรื่อง สรุปผลการประชุม"
    assert decode_bytes(thai.encode("cp874")) == (thai, "cp874", False)
    cut = thai.encode("utf-8")[:-1]
    text, encoding, truncated = decode_bytes(cut)
    assert encoding == "utf-8" and truncated and thai.startswith(text)
    assert decode_bytes(b"\xef\xbb\xbf" + thai.encode())[0] == thai


def _settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEED_FILES[:2]:
        (corpus / seed.name).write_bytes(seed.read_bytes())
    return corpus


def test_broken_files_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\x01PK\x03\x04" * 100)
    (corpus / "docs.jsonl").write_text(
        '{"id": "a", "text": "การป้องกันยาเสพติด"}\nnot json\n{"id": "b"}\n', encoding="utf-8")
    settings = _settings(tmp_path)
    report = build_index([corpus], settings.index_dir, settings, HashEmbedder())
    assert report.ok and report.chunks > 100
    failed = " ".join(report.failures)
    assert "empty.txt" in failed and "binary.txt" in failed
    assert any("docs.jsonl:2" in w for w in report.warnings)
    assert any("docs.jsonl:3" in w for w in report.warnings)
    with Store(current_version_dir(settings.index_dir) / "store.sqlite", readonly=True) as store:
        assert {f["path"]: f["status"] for f in store.files()}["empty.txt"] == "error"
        assert store.letter("a") is not None
        assert [store.file(f["path"]) for f in store.files()] == store.files()
        assert store.file("no-such-file.txt") is None
    # The next build takes the broken files' records from the last one, unread, and
    # reports them again.
    (corpus / "new.txt").write_bytes(SEED_FILES[3].read_bytes())
    again = build_index([corpus], settings.index_dir, settings, HashEmbedder())
    assert again.files_parsed == ["new.txt"]
    assert sorted(again.failures) == sorted(report.failures)


def test_rerun_over_unchanged_files_does_no_work(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    settings = _settings(tmp_path)
    embedder = HashEmbedder()
    first = build_index([corpus], settings.index_dir, settings, embedder)
    encoded = embedder.encoded
    second = build_index([corpus], settings.index_dir, settings, embedder)
    assert second.up_to_date and second.version == first.version
    assert embedder.encoded == encoded


def test_incremental_update_embeds_only_changed_files(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    settings = _settings(tmp_path)
    embedder = HashEmbedder()
    first = build_index([corpus], settings.index_dir, settings, embedder)
    old_sentences = _sentence_vectors(settings.index_dir)
    (corpus / SEED_FILES[0].name).unlink()
    (corpus / SEED_FILES[3].name).write_bytes(SEED_FILES[3].read_bytes())
    before = embedder.encoded
    second = build_index([corpus], settings.index_dir, settings, embedder)
    assert second.files_reused == [SEED_FILES[1].name]
    assert second.files_parsed == [SEED_FILES[3].name]
    assert second.files_removed == [SEED_FILES[0].name]
    added = parse_circular(SEED_FILES[3].read_text(encoding="utf-8"), SEED_FILES[3].name).chunks
    added_sentences = [s for c in added
                       for s in sentence_entries(c.chunk_id, c.text, c.subject, c.parents)]
    assert len(added_sentences) == second.sentences_embedded > 0
    assert second.embedded == len(added)
    assert embedder.encoded - before == len(added) + len(added_sentences)
    # The unchanged file's sentence vectors are carried over row for row; the removed
    # file's are gone.
    new_sentences = _sentence_vectors(settings.index_dir)
    kept = set(new_sentences) - {s for s, _ in added_sentences}
    assert kept and kept < set(old_sentences)
    # (Equal up to rounding: building an index normalises its vectors once more.)
    assert all(np.allclose(new_sentences[s], old_sentences[s], atol=1e-6) for s in kept)
    assert len(new_sentences) == second.sentences == len(kept) + len(added_sentences)
    manifest = read_manifest(current_version_dir(settings.index_dir))
    assert set(manifest.files) == {SEED_FILES[1].name, SEED_FILES[3].name}
    assert manifest.counts["chunks"] < first.chunks + 200


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_incremental_build_updates_the_faiss_indexes(tmp_path: Path,
                                                     kind: Literal["flat", "hnsw"]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in (SEED_FILES[1], SEED_FILES[3]):
        (corpus / seed.name).write_bytes(seed.read_bytes())
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache",
                        faiss_kind=kind)
    embedder = HashEmbedder()
    build_index([corpus], settings.index_dir, settings, embedder)
    old_ids = json.loads((current_version_dir(settings.index_dir) / SENTENCE_DIR
                          / dense_index.IDS_FILE).read_text(encoding="utf-8"))
    # Seed 000 sorts first: the store lists its chunks first, the updated FAISS
    # indexes last, behind the ones they already held.
    (corpus / SEED_FILES[0].name).write_bytes(SEED_FILES[0].read_bytes())
    build_index([corpus], settings.index_dir, settings, embedder)
    new_ids = json.loads((current_version_dir(settings.index_dir) / SENTENCE_DIR
                          / dense_index.IDS_FILE).read_text(encoding="utf-8"))
    assert new_ids[:len(old_ids)] == old_ids and len(new_ids) > len(old_ids)
    _assert_same_search(tmp_path, corpus, settings, embedder, SEED_FILES[0].name)
    # A removed file's vectors go (HNSW: as tombstones, which searches skip).
    (corpus / SEED_FILES[3].name).unlink()
    build_index([corpus], settings.index_dir, settings, embedder)
    _assert_same_search(tmp_path, corpus, settings, embedder, SEED_FILES[1].name)


def _assert_same_search(tmp_path: Path, corpus: Path, settings: Settings,
                              embedder: HashEmbedder, source: str) -> None:
    """The incrementally updated index searches as one rebuilt from scratch does,
    filtered or not, though its FAISS indexes hold the chunks in another order and
    its BM25 index was built from tokens carried over from the previous build."""
    fresh = settings.model_copy(update={"index_dir": tmp_path / f"fresh-{source}"})
    build_index([corpus], fresh.index_dir, fresh, embedder, rebuild=True)
    updated = Searcher(settings.index_dir, embedder, settings)
    rebuilt = Searcher(fresh.index_dir, embedder, fresh)
    try:
        assert updated.dense.ids != updated.ids and set(updated.dense.ids) == set(updated.ids)
        assert set(updated.dense.ids) == set(rebuilt.dense.ids)
        for query, mode in itertools.product(
                ("การค้ามนุษย์", "ผู้ว่าราชการจังหวัดเตรียมรับมืออุทกภัย", "ยาเสพติด"),
                ("dense", "bm25")):
            for filters in (None, Filters(source=source)):
                hits = updated.search(query, k=5, mode=mode, filters=filters)
                want = rebuilt.search(query, k=5, mode=mode, filters=filters)
                assert [(h.chunk_id, round(h.score, 4)) for h in hits] == [
                    (h.chunk_id, round(h.score, 4)) for h in want], (query, filters)
                if filters is not None:
                    assert {h.source for h in hits} == {source}
    finally:
        updated.close()
        rebuilt.close()


def _count_segmenting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the item path of every chunk a build segments for BM25."""
    segmented: list[str] = []
    original = build_module.bm25_tokens

    def counting(index_text: str, doc_no: str | None, item: str) -> list[str]:
        segmented.append(item)
        return original(index_text, doc_no, item)

    monkeypatch.setattr(build_module, "bm25_tokens", counting)
    return segmented


def test_unchanged_files_keep_their_bm25_tokens(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _corpus(tmp_path)
    settings = _settings(tmp_path)
    build_index([corpus], settings.index_dir, settings, HashEmbedder())
    segmented = _count_segmenting(monkeypatch)
    (corpus / SEED_FILES[3].name).write_bytes(SEED_FILES[3].read_bytes())
    report = build_index([corpus], settings.index_dir, settings, HashEmbedder())
    added = parse_circular(SEED_FILES[3].read_text(encoding="utf-8"), SEED_FILES[3].name).chunks
    assert len(segmented) == len(added) < report.chunks
    # A store from before tokens were kept: its unchanged files are segmented again...
    with Store(current_version_dir(settings.index_dir) / "store.sqlite") as store:
        store.db.execute("DROP TABLE chunk_tokens")
        store.commit()
    segmented.clear()
    (corpus / SEED_FILES[2].name).write_bytes(SEED_FILES[2].read_bytes())
    again = build_index([corpus], settings.index_dir, settings, HashEmbedder())
    assert len(segmented) == again.chunks
    # ... and stored, so the build after that segments only what changed.
    with Store(current_version_dir(settings.index_dir) / "store.sqlite") as store:
        stored = store.db.execute("SELECT COUNT(*) FROM chunk_tokens").fetchone()[0]
    assert stored == again.chunks


@pytest.mark.parametrize("field", ["segmenter", "tokenizer"])
def test_other_tokens_are_segmented_again_keeping_the_vectors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str) -> None:
    """An index whose BM25 tokens came from another PyThaiNLP release (its newmm
    dictionary) or another TOKENIZER_ID is not up to date; the next build segments
    every chunk again and embeds nothing."""
    corpus = _corpus(tmp_path)
    settings = _settings(tmp_path)
    embedder = HashEmbedder()
    first = build_index([corpus], settings.index_dir, settings, embedder)
    manifest_path = current_version_dir(settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["segmenter"].startswith("pythainlp ")
    manifest[field] = "other"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    if field == "tokenizer":
        with pytest.raises(IndexMismatch, match=f"circulars index --index {settings.index_dir}`"):
            Searcher(settings.index_dir, embedder, settings)
    segmented = _count_segmenting(monkeypatch)
    again = build_index([corpus], settings.index_dir, settings, embedder)
    assert not again.up_to_date
    assert again.embedded == 0 and again.sentences_embedded == 0
    assert len(segmented) == again.chunks == first.chunks
    assert build_index([corpus], settings.index_dir, settings, embedder).up_to_date
    fresh_settings = Settings(index_dir=tmp_path / "fresh", cache_dir=tmp_path / "cache")
    build_index([corpus], fresh_settings.index_dir, fresh_settings, embedder)
    updated = Searcher(settings.index_dir, embedder, settings)
    fresh = Searcher(fresh_settings.index_dir, embedder, fresh_settings)
    try:
        query = "การป้องกันและปราบปรามการค้ามนุษย์"
        found = [(h.chunk_id, round(h.score, 6)) for h in updated.search(query, mode="bm25")]
        assert found and found == [(h.chunk_id, round(h.score, 6))
                                   for h in fresh.search(query, mode="bm25")]
    finally:
        updated.close()
        fresh.close()


def test_dense_ids_that_disagree_with_the_store_are_refused(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    settings = _settings(tmp_path)
    embedder = HashEmbedder()
    build_index([corpus], settings.index_dir, settings, embedder)
    ids_file = current_version_dir(settings.index_dir) / "dense" / dense_index.IDS_FILE
    ids = json.loads(ids_file.read_text(encoding="utf-8"))
    ids[0] = "not-a-chunk"
    ids_file.write_text(json.dumps(ids), encoding="utf-8")
    with pytest.raises(IndexMissing, match="circulars index"):
        Searcher(settings.index_dir, embedder, settings)


class ExplodingEmbedder(HashEmbedder):
    def encode_passages(self, texts, batch_size=32, show_progress=False):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt


def test_interrupted_build_leaves_previous_index_usable(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    settings = _settings(tmp_path)
    first = build_index([corpus], settings.index_dir, settings, HashEmbedder())
    (corpus / SEED_FILES[3].name).write_bytes(SEED_FILES[3].read_bytes())
    with pytest.raises(KeyboardInterrupt):
        build_index([corpus], settings.index_dir, settings, ExplodingEmbedder())
    version = current_version_dir(settings.index_dir)
    assert version.name == first.version
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["chunks"] == first.chunks
    # The next build cleans the half-written folder and succeeds.
    again = build_index([corpus], settings.index_dir, settings, HashEmbedder())
    assert again.ok and not list(settings.index_dir.glob(".building-*"))


def _sentence_vectors(index_dir: Path) -> dict[str, np.ndarray]:
    """Sentence id -> stored vector of the index's current version."""
    folder = current_version_dir(index_dir) / SENTENCE_DIR
    ids = json.loads((folder / dense_index.IDS_FILE).read_text(encoding="utf-8"))
    vectors = np.load(folder / dense_index.VECTORS_FILE)
    return {s: vectors[row] for row, s in enumerate(ids) if s}

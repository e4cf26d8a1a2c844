"""FAISS dense index: exact and HNSW search, deletes, filters, persistence, validation."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from indexer import dense_index
from indexer.dense_index import DenseIndex, choose_kind
from tests.fakes import HashEmbedder

DIM = 16
N = 300


def unit_vectors(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def make(kind: str, n: int = N) -> tuple[DenseIndex, np.ndarray, list[str]]:
    vectors = unit_vectors(n)
    ids = [f"chunk-{i}" for i in range(n)]
    return DenseIndex.build(vectors, ids, kind=kind), vectors, ids


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_each_vector_finds_itself(kind: str) -> None:
    index, vectors, ids = make(kind)
    assert len(index) == N and index.dimension == DIM and index.kind == kind
    for row in (0, 17, N - 1):
        hits = index.search(vectors[row], 5)
        assert hits[0][0] == ids[row] and hits[0][1] == pytest.approx(1.0, abs=1e-5)
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_hnsw_agrees_with_exact_search() -> None:
    flat, _, _ = make("flat")
    hnsw, _, _ = make("hnsw")
    queries = unit_vectors(20, seed=1)
    exact = flat.search_batch(queries, 10)
    approx = hnsw.search_batch(queries, 10)
    overlap = np.mean(
        [
            len({i for i, _ in a} & {i for i, _ in e}) / 10
            for a, e in zip(approx, exact, strict=True)
        ]
    )
    assert overlap >= 0.9


def test_search_batch_matches_single_search() -> None:
    index, vectors, _ = make("flat")
    batch = index.search_batch(vectors[:4], 3)
    assert batch == [index.search(v, 3) for v in vectors[:4]]
    assert index.search(vectors[:1], 3) == index.search(vectors[0], 3)


def test_k_is_capped_and_zero_k_is_empty() -> None:
    index, vectors, _ = make("flat", n=5)
    assert len(index.search(vectors[0], 50)) == 5
    assert index.search(vectors[0], 0) == []


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_remove_hides_ids_and_survives_save(kind: str, tmp_path: Path) -> None:
    index, vectors, ids = make(kind)
    assert index.remove([ids[3], ids[4], "never-added"]) == 2
    assert len(index) == N - 2 and ids[3] not in index.ids
    hits = index.search(vectors[3], N)
    assert ids[3] not in {i for i, _ in hits} and len(hits) <= N - 2
    index.save(tmp_path / kind)
    loaded = DenseIndex.load(tmp_path / kind)
    assert loaded.search(vectors[3], 10) == index.search(vectors[3], 10)
    assert len(loaded) == N - 2


def test_hnsw_compacts_after_many_removals(tmp_path: Path) -> None:
    index, vectors, ids = make("hnsw")
    index.remove(ids[:10])
    index.save(tmp_path / "a")
    meta = json.loads((tmp_path / "a" / "meta.json").read_text(encoding="utf-8"))
    assert meta["slots"] == N and meta["count"] == N - 10  # tombstones, no rebuild yet
    slots = json.loads((tmp_path / "a" / "ids.json").read_text(encoding="utf-8"))
    assert slots[:10] == [None] * 10
    index.remove(ids[10:100])
    index.save(tmp_path / "b")
    meta = json.loads((tmp_path / "b" / "meta.json").read_text(encoding="utf-8"))
    assert meta["slots"] == meta["count"] == N - 100
    assert index.search(vectors[150], 1)[0][0] == ids[150]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_add_after_build_and_after_remove(kind: str) -> None:
    index, vectors, ids = make(kind)
    index.remove(ids[:5])
    extra = unit_vectors(3, seed=7)
    index.add(extra, ["new-0", "new-1", "new-2"])
    assert len(index) == N - 5 + 3
    assert index.search(extra[1], 1)[0][0] == "new-1"
    with pytest.raises(ValueError, match="already"):
        index.add(extra[:1], [ids[10]])
    index.add(vectors[:1], [ids[0]])  # a removed id may come back
    assert index.search(vectors[0], 1)[0][0] == ids[0]


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
@pytest.mark.parametrize("exact_limit", [dense_index.EXACT_FILTER_LIMIT, 0])
def test_allowed_mask_filters(kind: str, exact_limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense_index, "EXACT_FILTER_LIMIT", exact_limit)
    index, vectors, ids = make(kind)
    index.remove([ids[0]])
    wanted = set(ids[1::7])
    mask = index.mask_for(wanted)
    assert mask.sum() == len(wanted)
    hits = index.search(vectors[8], 5, allowed=mask)
    assert hits[0][0] == ids[8] and {i for i, _ in hits} <= wanted and len(hits) == 5
    assert index.search(vectors[8], 5, allowed=np.zeros(len(index), dtype=bool)) == []
    with pytest.raises(ValueError, match="boolean mask"):
        index.search(vectors[8], 5, allowed=np.ones(len(index) + 1, dtype=bool))


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_save_load_round_trip(kind: str, tmp_path: Path) -> None:
    index, _, _ = make(kind)
    index.ef_search = 100
    index.save(tmp_path / kind)
    assert {p.name for p in (tmp_path / kind).iterdir()} == {
        "index.faiss",
        "vectors.npy",
        "ids.json",
        "meta.json",
    }
    loaded = DenseIndex.load(tmp_path / kind)
    assert loaded.kind == kind and loaded.ef_search == 100 and loaded.ids == index.ids
    queries = unit_vectors(5, seed=3)
    assert loaded.search_batch(queries, 7) == index.search_batch(queries, 7)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_a_loaded_index_maps_its_vectors_and_can_be_saved_over(kind: str, tmp_path: Path) -> None:
    index, vectors, _ = make(kind)
    index.save(tmp_path / kind)
    loaded = DenseIndex.load(tmp_path / kind)
    assert isinstance(loaded._vectors, np.memmap) and not loaded._vectors.flags.writeable
    assert loaded.similarity(vectors[4], "chunk-4") == pytest.approx(1.0, abs=1e-5)
    in_memory = DenseIndex.load(tmp_path / kind, mmap=False)
    assert not isinstance(in_memory._vectors, np.memmap)
    # Saving into the folder it maps must not truncate the file under the map.
    loaded.save(tmp_path / kind)
    queries = unit_vectors(5, seed=3)
    assert DenseIndex.load(tmp_path / kind).search_batch(queries, 7) == index.search_batch(
        queries, 7)
    loaded.remove(["chunk-0"])
    loaded.add(unit_vectors(2, seed=9), ["new-1", "new-2"])
    loaded.save(tmp_path / kind)
    again = DenseIndex.load(tmp_path / kind)
    assert again.search_batch(queries, 7) == loaded.search_batch(queries, 7)
    assert "chunk-0" not in again.ids and again.similarity(vectors[4], "chunk-4") == (
        pytest.approx(1.0, abs=1e-5))


def test_build_without_copy_takes_the_array_over() -> None:
    vectors = unit_vectors(40) * 2.0
    index = DenseIndex.build(vectors, [str(i) for i in range(40)], copy=False)
    assert index._vectors is vectors  # the caller's array, normalised in place
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    copied = unit_vectors(40) * 2.0
    DenseIndex.build(copied, [str(i) for i in range(40)])
    assert np.allclose(np.linalg.norm(copied, axis=1), 2.0, atol=1e-5)  # left alone


def test_gather_orders_rows_by_id() -> None:
    by_id = {"b": np.array([0.0, 1.0]), "a": np.array([1.0, 0.0], dtype=np.float64)}
    matrix = dense_index.gather(by_id, ["a", "b", "a"], 2)
    assert matrix.dtype == np.float32 and matrix.tolist() == [[1, 0], [0, 1], [1, 0]]
    assert dense_index.gather({}, [], 3).shape == (0, 3)


def test_non_finite_values_are_found_in_any_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense_index, "CHECK_BLOCK_ROWS", 7)
    vectors = unit_vectors(30)
    vectors[23, 5] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        DenseIndex.build(vectors, [str(i) for i in range(30)])
    fine = unit_vectors(30) * 3.0
    index = DenseIndex.build(fine, [str(i) for i in range(30)])
    assert np.allclose(np.linalg.norm(index._vectors, axis=1), 1.0, atol=1e-6)


def test_ivfpq_trains_searches_and_removes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(dense_index, "IVFPQ_MIN_VECTORS", 500)
    vectors = unit_vectors(800)
    ids = [str(i) for i in range(800)]
    index = DenseIndex.build(vectors, ids, kind="ivfpq", nprobe=64)
    assert index.kind == "ivfpq"
    assert sum(index.search(vectors[r], 5)[0][0] == ids[r] for r in range(20)) >= 15
    index.remove(ids[:5])  # tombstones
    assert "0" not in {i for i, _ in index.search(vectors[0], 20)}
    index.remove(ids[5:200])  # past COMPACT_FRACTION: re-encoded, not re-trained
    assert len(index) == 600 and "7" not in {i for i, _ in index.search(vectors[7], 20)}
    assert sum(index.search(vectors[r], 5)[0][0] == ids[r] for r in range(200, 220)) >= 15
    index.save(tmp_path / "ivf")
    loaded = DenseIndex.load(tmp_path / "ivf")
    assert loaded.search(vectors[9], 5) == index.search(vectors[9], 5)


def test_ivfpq_falls_back_to_flat_when_small(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="indexer.dense_index"):
        index, _, _ = make("ivfpq", n=50)
    assert index.kind == "flat" and "using flat" in caplog.text


def test_thai_snippets_with_hash_embedder() -> None:
    embedder = HashEmbedder()
    texts = {  # corpus/001, items 1.2, 1.4 and 1.5
        "1.2": "การป้องกันและแก้ไขปัญหายาเสพติด โดยขอให้บูรณาการปราบปรามยาเสพติด",
        "1.4": "การส่งเสริมการท่องเที่ยวชุมชน สร้างความเข้มแข็งของเศรษฐกิจฐานราก",
        "1.5": "น้ำดื่มสะอาดบริการประชาชน ขยายท่อส่งน้ำประปาให้ได้มากยิ่งขึ้น",
    }
    index = DenseIndex.build(embedder.encode_passages(list(texts.values())), list(texts))
    query = embedder.encode_queries(["ปัญหายาเสพติด"])[0]
    assert index.search(query, 1)[0][0] == "1.2"


def test_empty_index() -> None:
    index = DenseIndex.build(np.zeros((0, DIM), dtype=np.float32), [])
    assert len(index) == 0 and index.dimension == DIM
    assert index.search(unit_vectors(1)[0], 5) == []
    assert index.search_batch(unit_vectors(2), 5) == [[], []]
    index.add(unit_vectors(2), ["a", "b"])
    assert len(index.search(unit_vectors(1)[0], 5)) == 2


def test_vectors_are_normalised_and_float64_is_accepted() -> None:
    vectors = unit_vectors(10).astype(np.float64) * 3.0
    index = DenseIndex.build(vectors, [str(i) for i in range(10)])
    assert index.search(vectors[2] * 5, 1)[0][1] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("vectors", "ids", "message"),
    [
        (np.ones(DIM, dtype=np.float32), ["a"], "2-D"),
        (np.ones((2, DIM), dtype=np.int64), ["a", "b"], "floating"),
        (np.full((1, DIM), np.nan, dtype=np.float32), ["a"], "NaN"),
        (np.ones((2, DIM), dtype=np.float32), ["a"], "ids"),
        (np.ones((2, DIM), dtype=np.float32), ["a", "a"], "duplicate"),
        ([[1.0] * DIM], ["a"], "numpy"),
    ],
)
def test_build_validates(vectors: np.ndarray, ids: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DenseIndex.build(vectors, ids)


def test_dimension_mismatch_is_a_clear_error() -> None:
    index, _, _ = make("flat", n=5)
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.ones(DIM + 1, dtype=np.float32), 1)
    with pytest.raises(ValueError, match="dimension"):
        index.add(np.ones((1, DIM - 1), dtype=np.float32), ["x"])
    with pytest.raises(ValueError, match="one query"):
        index.search(unit_vectors(2), 1)
    with pytest.raises(ValueError, match="kind"):
        DenseIndex.build(unit_vectors(2), ["a", "b"], kind="lsh")


def test_choose_kind() -> None:
    assert choose_kind(10, "auto", 1000) == "flat"
    assert choose_kind(1000, "auto", 1000) == "hnsw"
    assert choose_kind(10, "HNSW", 1000) == "hnsw"
    assert choose_kind(10**6, "flat", 1000) == "flat"
    assert choose_kind(10**6, "ivfpq", 1000) == "ivfpq"
    with pytest.raises(ValueError):
        choose_kind(10, "annoy", 1000)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivfpq"])
def test_similarity_is_the_exact_cosine_with_a_stored_chunk(kind: str) -> None:
    index, vectors, ids = make(kind, n=12_000 if kind == "ivfpq" else N)
    query = unit_vectors(1, seed=5)[0]
    for row in (0, 7):
        assert index.similarity(query, ids[row]) == pytest.approx(float(query @ vectors[row]),
                                                                  abs=1e-6)
    assert index.similarity(query, "no-such-chunk") is None
    index.remove([ids[7]])
    assert index.similarity(query, ids[7]) is None
    assert index.similarity(query, ids[0]) == pytest.approx(float(query @ vectors[0]), abs=1e-6)

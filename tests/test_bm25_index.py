"""BM25 over PyThaiNLP tokens: Thai ranking, doc-number lookup, filters, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.bm25_index import BM25Index
from indexer.thai_tokens import tokenize

# Sentences from corpus/001 (มท 0211.6/ว 10303) and corpus/004.
CHUNKS = {
    "header": "ด่วนที่สุด ที่ มท ๐๒๑๑.๖/ว ๑๐๓๐๓ กระทรวงมหาดไทย ถนนอัษฎางค์ กรุงเทพฯ ๑๐๒๐๐",
    "1.1": "๑.๑ การจัดระเบียบสังคมปราบปรามผู้มีอิทธิพล โดยขอให้ดำเนินการจัดระเบียบสังคม "
    "ควบคุมการเปิดสถานบริการให้เป็นไปตามระเบียบและกฎหมาย ปราบปรามการพนันที่ผิดกฎหมาย "
    "การค้ำมนุษย์ การก่ออาชญากรรม การกระทำผิดทางเพศ ปัญหาสังคม",
    "1.2": "๑.๒ การป้องกันและแก้ไขปัญหายาเสพติด โดยขอให้บูรณาการปราบปรามยาเสพติด "
    "ร่วมกับภาคส่วนอื่น ๆ อย่างต่อเนื่อง ทั้งนี้ ต้องดำเนินการปราบปรามควบคู่กับการตรวจตรา"
    "กวาดล้างอย่างเต็มที่",
    "1.3": "๑.๓ การสร้างอาชีพ เพิ่มรายได้ให้ประชาชน โดยขอให้ค้นหาจุดแข็งของจังหวัด "
    "รวมทั้งร่วมมือกับภาคเอกชนในการขยายโอกาสทางการค้า เพื่อสร้างความเข้มแข็งของเศรษฐกิจฐานราก",
    "1.4": "๑.๔ การส่งเสริมการท่องเที่ยวชุมชน สร้างความเข้มแข็งของเศรษฐกิจฐานราก "
    "โดยขอให้ส่งเสริมการท่องเที่ยวที่เน้นการท่องเที่ยวชุมชน",
    "1.5": "๑.๕ น้ำดื่มสะอาดบริการประชาชน โดยขอให้สนับสนุนการดำเนินการให้สำเร็จเป็นรูปธรรม "
    "รวมทั้งขอให้มีการขยายท่อส่งน้ำประปาให้ได้มากยิ่งขึ้น",
    "memo": "ที่ มท ๐๒๑๑.๒/๑๙๓๕๕ เรื่อง สรุปรายการสำคัญการมอบนโยบายการปฏิบัติราชการ"
    "/ข้อสั่งการของปลัดกระทรวงมหาดไทย",
}
IDS = list(CHUNKS)


@pytest.fixture(scope="module")
def index() -> BM25Index:
    return BM25Index.build([tokenize(t) for t in CHUNKS.values()], IDS)


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("แก้ไขปัญหายาเสพติด", "1.2"),
        ("การท่องเที่ยวชุมชน", "1.4"),
        ("น้ำประปา น้ำดื่ม", "1.5"),
        ("ปราบปรามการค้ามนุษย์", "1.1"),
        ("การค้ำมนุษย์", "1.1"),
        ("เพิ่มรายได้ อาชีพ", "1.3"),
        ("ข้อสั่งการของปลัดกระทรวง", "memo"),
    ],
)
def test_thai_query_ranks_the_right_sentence_first(index: BM25Index, query: str, best: str) -> None:
    hits = index.search(tokenize(query), 3)
    assert hits[0][0] == best


@pytest.mark.parametrize(
    "query", ["ว 10303", "ว ๑๐๓๐๓", "ว๑๐๓๐๓", "มท ๐๒๑๑.๖/ว ๑๐๓๐๓", "หนังสือ มท 0211.6/ว 10303"]
)
def test_doc_number_query_finds_the_letter(index: BM25Index, query: str) -> None:
    assert index.search(tokenize(query), 3)[0][0] == "header"


def test_scores_are_positive_sorted_and_k_is_capped(index: BM25Index) -> None:
    hits = index.search(tokenize("การ ส่งเสริม ประชาชน เศรษฐกิจฐานราก"), 100)
    assert 0 < len(hits) <= len(index)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert len({i for i, _ in hits}) == len(hits)


def test_nothing_matches(index: BM25Index) -> None:
    assert index.search([], 5) == []
    assert index.search(tokenize("ฟุตบอลโลก"), 5) == []
    assert index.search(["token-not-in-vocabulary"], 5) == []
    assert index.search(tokenize("ยาเสพติด"), 0) == []


def test_allowed_mask_filters(index: BM25Index) -> None:
    query = tokenize("เศรษฐกิจฐานราก")
    assert {i for i, _ in index.search(query, 10)} == {"1.3", "1.4"}
    mask = index.mask_for(["1.4", "1.2"])
    assert mask.tolist() == [i in ("1.4", "1.2") for i in IDS]
    assert [i for i, _ in index.search(query, 10, allowed=mask)] == ["1.4"]
    assert index.search(query, 10, allowed=np.zeros(len(index), dtype=bool)) == []
    with pytest.raises(ValueError, match="boolean mask"):
        index.search(query, 10, allowed=np.ones(3, dtype=bool))


def test_save_load_round_trip(index: BM25Index, tmp_path: Path) -> None:
    index.save(tmp_path / "bm25")
    names = {p.name for p in (tmp_path / "bm25").iterdir()}
    assert {"params.index.json", "vocab.index.json", "ids.json", "meta.json"} <= names
    assert json.loads((tmp_path / "bm25" / "ids.json").read_text(encoding="utf-8")) == IDS
    loaded = BM25Index.load(tmp_path / "bm25")
    assert len(loaded) == len(index) and loaded.ids == IDS
    for query in ["ยาเสพติด", "ว 10303", "การท่องเที่ยวชุมชน เศรษฐกิจ"]:
        assert loaded.search(tokenize(query), 5) == index.search(tokenize(query), 5)


def test_bm25_plus_returns_only_matching_documents() -> None:
    index = BM25Index.build(
        [tokenize(t) for t in CHUNKS.values()], IDS, method="bm25+", k1=1.2, b=0.5
    )
    hits = index.search(tokenize("ยาเสพติด"), 10)
    assert [i for i, _ in hits] == ["1.2"]


def test_empty_corpus_and_empty_documents(tmp_path: Path) -> None:
    empty = BM25Index.build([], [])
    assert len(empty) == 0 and empty.search(["ยาเสพติด"], 5) == []
    blank = BM25Index.build([[], []], ["a", "b"])
    assert blank.search(["ยาเสพติด"], 5) == []
    blank.save(tmp_path / "blank")
    assert BM25Index.load(tmp_path / "blank").ids == ["a", "b"]
    mixed = BM25Index.build([[], tokenize("ยาเสพติด")], ["a", "b"])
    assert mixed.search(tokenize("ยาเสพติด"), 5)[0][0] == "b"


def test_invalid_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        BM25Index.build([["ก"], ["ข"]], ["x", "x"])
    with pytest.raises(ValueError, match="ids"):
        BM25Index.build([["ก"]], ["x", "y"])
    with pytest.raises(ValueError, match="method"):
        BM25Index.build([["ก"]], ["x"], method="tfidf")


def test_document_frequencies_match_a_direct_count(index: BM25Index, tmp_path: Path) -> None:
    from retriever.terms import Idf

    token_lists = [tokenize(text) for text in CHUNKS.values()]
    direct = Idf.of_documents(token_lists)
    frequencies = index.document_frequencies()
    assert frequencies == {t: direct._frequency[t] for t in frequencies}
    assert set(frequencies) == {t for tokens in token_lists for t in tokens}
    index.save(tmp_path / "bm25")
    assert BM25Index.load(tmp_path / "bm25").document_frequencies() == frequencies
    assert BM25Index.build([[]], ["empty"]).document_frequencies() == {}


def test_streamed_tokens_index_the_same_as_lists(index: BM25Index) -> None:
    """The build reads token lists one at a time from SQLite: a generator must index
    exactly what the lists do, and a count mismatch is still caught."""
    streamed = BM25Index.build((tokenize(t) for t in CHUNKS.values()), IDS)
    for query in ("ยาเสพติด", "การท่องเที่ยวชุมชน", "มท 0211.6/ว 10303", "น้ำดื่มสะอาด"):
        assert streamed.search(tokenize(query), 10) == index.search(tokenize(query), 10)
    assert streamed.document_frequencies() == index.document_frequencies()
    with pytest.raises(ValueError, match="token lists"):
        BM25Index.build((tokenize(t) for t in CHUNKS.values()), IDS[:-1])


def test_token_weights_scale_each_tokens_share(index: BM25Index) -> None:
    tokens = tokenize("ยาเสพติด การท่องเที่ยวชุมชน")
    plain = dict(index.search(tokens, k=5))
    weighted = dict(index.search(tokens, k=5, weights=[1.0] * len(tokens)))
    assert weighted == pytest.approx(plain)
    # Drugs at half weight: the drugs item scores half, the tourism item as before.
    drugs, tourism = tokenize("ยาเสพติด"), tokenize("การท่องเที่ยวชุมชน")
    halved = index.search(drugs + tourism, k=5,
                          weights=[0.5] * len(drugs) + [1.0] * len(tourism))
    assert dict(halved)["1.2"] == pytest.approx(plain["1.2"] / 2)
    assert dict(halved)["1.4"] == pytest.approx(plain["1.4"])
    # An unknown token and its weight are dropped together.
    assert index.search(["ไม่มีคำนี้", *drugs], k=5, weights=[9.0, 1.0]) == index.search(drugs, k=5)
    with pytest.raises(ValueError, match="weights"):
        index.search(drugs, k=5, weights=[1.0, 1.0, 1.0])

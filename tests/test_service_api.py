"""The HTTP API through FastAPI's TestClient: routes, response shapes, bad input,
and a missing, mismatched or rebuilt index."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.build import build_index
from service.app import create_app
from service.settings import ServiceSettings
from tests.fakes import HashEmbedder
from tests.test_service_helpers import build_seed_index, seed_searcher

CITATION_FIELDS = {"marker", "chunk_id", "doc_id", "doc_no", "date", "date_thai", "subject",
                   "item", "part", "part_index", "issuer", "source", "start", "end", "label",
                   "also_in"}
HIT_FIELDS = {"rank", "score", "chunk_id", "doc_id", "doc_no", "date", "date_thai", "subject",
              "issuer", "item", "part", "part_index", "parents", "source", "start", "end",
              "kind", "text", "label", "also_in", "matched_by"}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_index(tmp_path_factory.mktemp("api-index"))


@pytest.fixture(scope="module")
def client(index_dir: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(index_dir=index_dir)
    app = create_app(settings, searcher=seed_searcher(index_dir), with_ui=False)
    with TestClient(app) as test_client:
        yield test_client


def detail(response: Any) -> dict[str, Any]:
    """The error body, checked for the one shape every error has."""
    body = response.json()
    assert set(body) == {"detail"}, body
    found: dict[str, Any] = body["detail"]
    assert {"code", "th", "en"} <= set(found), found
    assert found["th"] and found["en"]
    return found


# ------------------------------------------------------------------- search
def test_search_returns_citable_hits(client: TestClient) -> None:
    response = client.post("/api/search", json={"query": "มท 0211.6/ว 10303 ข้อ 3.6", "k": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "hybrid" and body["k"] == 3 and len(body["hits"]) == 3
    top = body["hits"][0]
    assert set(top) == HIT_FIELDS
    assert (top["doc_no"], top["item"], top["date_thai"]) == (
        "มท 0211.6/ว 10303", "3.6", "24 ต.ค. 2567")
    assert top["label"] == "มท 0211.6/ว 10303 ลงวันที่ 24 ต.ค. 2567 ข้อ 3.6"
    assert top["matched_by"][0] == "citation"


def test_search_and_ask_say_which_official_wordings_they_added(client: TestClient) -> None:
    body = client.post("/api/search", json={"query": "กล้องวงจรปิด", "k": 3, "mode": "bm25"}).json()
    assert body["expansions"] == [{"wording": "กล้องวงจรปิด", "official": ["กล้องโทรทัศน์วงจรปิด"]}]
    assert "กล้องโทรทัศน์วงจรปิด" in body["hits"][0]["text"]
    dense = client.post("/api/search", json={"query": "ติดกล้องวงจรปิด", "mode": "dense"})
    assert dense.json()["expansions"] == []  # dense search reads no words
    asked = client.post("/api/ask", json={"question": "ติดกล้องวงจรปิดในพื้นที่เสี่ยง"}).json()
    assert [e["wording"] for e in asked["expansions"]] == ["กล้องวงจรปิด"]
    plain = client.post("/api/search", json={"query": "ยาเสพติด"}).json()
    assert plain["expansions"] == []


def test_search_modes_and_filters(client: TestClient) -> None:
    for mode in ("hybrid", "dense", "bm25"):
        response = client.post("/api/search", json={"query": "ยาเสพติด", "mode": mode, "k": 5})
        assert response.status_code == 200 and len(response.json()["hits"]) == 5
    filters = {"date_from": "2025-01-01", "issuer": "กระทรวงมหาดไทย"}
    response = client.post("/api/search", json={"query": "ยาเสพติด", "k": 20,
                                                "filters": filters})
    hits = response.json()["hits"]
    assert hits and all(h["date"] >= "2025-01-01" and "มหาดไทย" in h["issuer"] for h in hits)


def test_a_citation_names_the_relayed_copies_of_its_directive(client: TestClient) -> None:
    body = client.post("/api/ask", json={
        "question": "จังหวัดนราธิวาสขอให้ขยายผลศูนย์จัดการกองทุนชุมชน"}).json()
    first = body["citations"][0]
    assert (first["doc_no"], first["item"]) == ("นร 0017.2/ว 469", "4.1")
    assert ("มท 0211.6/ว 339", "4.1") in {(c["doc_no"], c["item"]) for c in first["also_in"]}


def test_search_lists_relayed_copies_separately_when_asked(client: TestClient) -> None:
    query = {"query": "ขยายผลศูนย์จัดการกองทุนชุมชน", "k": 10}
    merged = client.post("/api/search", json=query).json()["hits"]
    copies = client.post("/api/search", json={**query, "all_copies": True}).json()["hits"]
    merged_pairs = {(h["doc_no"], h["item"]) for h in merged}
    copy_pairs = {(h["doc_no"], h["item"]) for h in copies}
    assert {("นร 0017.2/ว 469", "4.1"), ("มท 0211.6/ว 339", "4.1")} <= copy_pairs
    assert not {("นร 0017.2/ว 469", "4.1"), ("มท 0211.6/ว 339", "4.1")} <= merged_pairs
    assert all(not h["also_in"] for h in copies)
    response = client.post("/api/search", json={**query, "all_copies": "yes"})
    assert response.status_code == 422


def test_search_and_ask_say_why_hits_may_not_answer(client: TestClient) -> None:
    def notes(query: str, **extra: Any) -> list[str]:
        response = client.post("/api/search", json={"query": query, **extra})
        assert response.status_code == 200
        found: list[str] = response.json()["notes"]
        return found

    assert notes("ยาเสพติด") == []
    assert notes("มท 0211.6/ว 10303 ข้อ 99 ว่าอย่างไร") == [
        "หนังสือ มท 0211.6/ว 10303 ไม่มีข้อ 99 ผลที่แสดงเป็นข้ออื่นที่ใกล้เคียง / letter "
        "มท 0211.6/ว 10303 has no item 99; the hits are other passages"]
    assert "is not in the index; the hits are the nearest" in notes("มท 0211.6/ว 99999")[0]
    assert "the letters citing it come first" in notes("ฉบับใดอ้างถึง ว 10901")[0]
    assert "no searchable word" in notes("🙂🔥👍")[0]
    assert "no word of the query occurs" in notes("ฟหกดฟหกด")[0]
    assert "an English question" in notes("'; DROP TABLE chunks; --")[0]
    assert notes("What does the circular say about floods?") == [
        "คำถามภาษาอังกฤษเทียบคำกับหนังสือภาษาไทยไม่ได้ ผลเรียงตามความหมายใกล้เคียง ถามเป็น"
        "ภาษาไทยจะได้คำตอบที่ตรงกว่า / an English question shares no words with the Thai "
        "letters: the hits are ranked by meaning alone, and the answerer, which also checks "
        "shared words, often refuses; ask in Thai"]
    assert notes("ยาเสพติด", filters={"issuer": "สำนักงานปลัดกระทรวงมหาดไทย"}) == [
        "ไม่มีข้อความใดตรงกับตัวกรอง / no passage matches the filters"]
    assert "whose date cannot be read" in notes("ยาเสพติด", filters={"date_from": "2024-01-01"})[0]
    asked = client.post("/api/ask", json={"question": "มท 0211.6/ว 10303 ข้อ 99 ว่าอย่างไร"}).json()
    assert asked["not_found"] and "has no item 99" in asked["warnings"][0]


# ---------------------------------------------------------------------- ask
def test_ask_answers_with_citations(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"question", "answer", "citations", "passages", "generator",
                         "warnings", "not_found", "expansions"}
    assert body["generator"] == "extractive" and body["not_found"] is False
    assert "[1]" in body["answer"] and len(body["passages"]) == 5
    citation = body["citations"][0]
    assert set(citation) == CITATION_FIELDS
    assert (citation["doc_no"], citation["item"], citation["date"]) == (
        "มท 0211.6/ว 10303", "3.6", "2024-10-24")
    assert citation["chunk_id"] == body["passages"][0]["chunk_id"]


def test_ask_not_found_and_generator_choice(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "quantum chromodynamics lattice"})
    body = response.json()
    assert response.status_code == 200 and body["not_found"] is True
    assert body["answer"] == "ไม่พบข้อมูลในหนังสือเวียนที่มีอยู่" and body["citations"] == []
    response = client.post("/api/ask", json={"question": "ยาเสพติด", "generator": "extractive",
                                             "k": 2, "mode": "bm25"})
    assert response.status_code == 200 and len(response.json()["passages"]) == 2
    response = client.post("/api/ask", json={"question": "ยาเสพติด", "generator": "gpt-9"})
    assert response.status_code == 422
    assert detail(response)["code"] == "unknown_generator"


@pytest.fixture(scope="module")
def broken_openai(index_dir: Path) -> Iterator[TestClient]:
    """CIRCULARS_GENERATOR=openai with a model but no URL: configured, cannot load."""
    settings = ServiceSettings(index_dir=index_dir, generator="openai",
                               generator_model="llama3")
    app = create_app(settings, searcher=seed_searcher(index_dir), with_ui=False)
    with TestClient(app) as test_client:
        yield test_client


def test_configured_but_broken_generator_falls_back_with_a_warning(
        broken_openai: TestClient) -> None:
    health = broken_openai.get("/api/health").json()["generator"]
    assert health["available"] is False and "CIRCULARS_GENERATOR_URL" in health["error"]
    for requested in (None, "openai", "openai:llama3"):
        body: dict[str, Any] = {"question": "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร"}
        if requested:
            body["generator"] = requested
        response = broken_openai.post("/api/ask", json=body)
        assert response.status_code == 200, (requested, response.text)
        answer = response.json()
        assert answer["generator"] == "extractive" and answer["citations"], answer
        warning = answer["warnings"][0]
        assert f"generator {requested or 'openai'} is unavailable" in warning, warning
        assert "CIRCULARS_GENERATOR_URL" in warning and "ตัวสร้างคำตอบ" in warning
    response = broken_openai.post("/api/ask", json={"question": "quantum chromodynamics"})
    assert response.json()["not_found"] and "unavailable" in response.json()["warnings"][0]
    response = broken_openai.post("/api/ask", json={"question": "ยาเสพติด",
                                                    "generator": "extractive"})
    assert response.status_code == 200 and response.json()["warnings"] == []
    response = broken_openai.post("/api/ask", json={"question": "ยาเสพติด", "generator": "gpt-9"})
    assert response.status_code == 422 and detail(response)["code"] == "unknown_generator"


def test_broken_local_model_folder_falls_back_with_a_warning(index_dir: Path,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "config.json").write_text("{broken", encoding="utf-8")
    settings = ServiceSettings(index_dir=index_dir, generator="transformers",
                               generator_model=str(folder))
    app = create_app(settings, searcher=seed_searcher(index_dir), with_ui=False)
    with TestClient(app) as client:
        response = client.post("/api/ask", json={"question": "ยาเสพติด"})
        assert response.status_code == 200
        warning = response.json()["warnings"][0]
        assert "generator transformers is unavailable" in warning and str(folder) in warning
        response = client.post("/api/ask", json={"question": "ยาเสพติด",
                                                 "generator": "transformers:not-a-model"})
        assert response.status_code == 200 and "unavailable" in response.json()["warnings"][0]


def test_known_generator_not_configured_falls_back(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "ยาเสพติด", "generator": "openai"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["generator"] == "extractive"
    assert "not configured on this server (CIRCULARS_GENERATOR=extractive)" in (
        answer["warnings"][0])


# ------------------------------------------------------------ letters, chunks
def test_letters_are_found_by_their_number(client: TestClient) -> None:
    for number in ("มท 0211.6/ว 10303", "ว ๑๐๓๐๓", "ว 10303"):
        response = client.get("/api/letters", params={"doc_no": number})
        assert response.status_code == 200, number
        assert [le["doc_no"] for le in response.json()["letters"]] == ["มท 0211.6/ว 10303"]
    letter_id = response.json()["letters"][0]["id"]
    assert client.get(f"/api/letters/{letter_id}").status_code == 200
    missing = client.get("/api/letters", params={"doc_no": "ว 99999"})
    assert missing.status_code == 404 and detail(missing)["code"] == "no_letter"
    assert client.get("/api/letters").status_code == 422


def test_letter_view_locates_its_chunks(client: TestClient) -> None:
    hit = client.post("/api/search", json={"query": "มท 0211.6/ว 10303 ข้อ 3.6", "k": 1}
                      ).json()["hits"][0]
    response = client.get(f"/api/letters/{hit['doc_id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["letter"]["doc_no"] == "มท 0211.6/ว 10303"
    assert body["letter"]["date_thai"] == "24 ต.ค. 2567"
    assert "กระทรวงมหาดไทย" in body["display_text"]
    cited = next(c for c in body["chunks"] if c["chunk_id"] == hit["chunk_id"])
    span = body["display_text"][cited["display_start"]:cited["display_end"]]
    assert "".join(span.split()) == "".join(cited["text"].split())
    located = [c for c in body["chunks"] if c["display_start"] is not None]
    assert len(located) >= 0.9 * len(body["chunks"])


def test_chunk_view(client: TestClient) -> None:
    hit = client.post("/api/search", json={"query": "ฝุ่นละอองขนาดเล็ก PM2.5", "k": 1}
                      ).json()["hits"][0]
    response = client.get(f"/api/chunks/{hit['chunk_id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["chunk"]["text"] == hit["text"] and body["chunk"]["label"] == hit["label"]
    assert body["letter"]["id"] == hit["doc_id"]


def test_health(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["problem"] is None
    assert body["chunks"] > 200 and body["letters"] == 8
    assert body["model"] == "test-hash-embedder"
    assert body["query_runtime"] is None  # the fake embedder has no fast path
    assert body["manifest"]["model"] == "test-hash-embedder"
    assert body["generator"] == {"configured": "extractive", "name": None, "available": True,
                                 "error": None}


def test_openapi_and_home(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/ask", "/api/health", "/api/letters/{letter_id}",
            "/api/chunks/{chunk_id}"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200
    assert client.get("/", follow_redirects=False).status_code in (302, 307)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("payload, status, code, words", [
    ({"question": ""}, 422, "bad_query", "empty"),
    ({"question": "   \n\t\u200b"}, 422, "bad_query", "empty"),
    ({"question": "ก" * 2_001}, 422, "bad_query", "2,000"),
    ({"question": "ยาเสพติด", "k": 0}, 422, "invalid", "at least 1"),
    ({"question": "ยาเสพติด", "k": 51}, 422, "invalid", "at most 50"),
    ({"question": "ยาเสพติด", "k": "ห้า"}, 422, "invalid", "integer"),
    ({"question": "ยาเสพติด", "k": True}, 422, "invalid", "k must be an integer"),
    ({"question": "ยาเสพติด", "k": "5"}, 422, "invalid", "k must be an integer"),
    ({"question": "ยาเสพติด", "k": 5.0}, 422, "invalid", "k must be an integer"),
    ({"question": "  " + "ก" * 2_001 + "\n"}, 422, "bad_query", "(2,001)"),
    ({"question": "ยาเสพติด", "mode": "magic"}, 422, "invalid", "mode must be one of"),
    ({"question": 42}, 422, "invalid", "must be a string"),
    ({}, 422, "invalid", "question is required"),
    ({"question": "ยาเสพติด", "colour": "red"}, 422, "invalid", "unknown field colour"),
    ({"question": "ยาเสพติด", "filters": {"date_from": "24/10/2567"}}, 422, "invalid",
     "YYYY-MM-DD"),
    ({"question": "ยาเสพติด", "filters": {"date_from": "2025-01-01", "date_to": "2024-01-01"}},
     422, "invalid", "date_from is after date_to"),
    ({"question": "ยาเสพติด", "filters": "issuer"}, 422, "invalid", "JSON object"),
])
def test_bad_ask_requests(client: TestClient, payload: dict[str, Any], status: int, code: str,
                          words: str) -> None:
    response = client.post("/api/ask", json=payload)
    assert response.status_code == status, response.text
    found = detail(response)
    assert found["code"] == code and words in found["en"], found
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in found["th"])


@pytest.mark.parametrize("body", [b"{not json", b"", b"[1, 2]", b'"question"', b"\xff\xfe"])
def test_malformed_bodies(client: TestClient, body: bytes) -> None:
    for path in ("/api/ask", "/api/search"):
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 422), (path, body, response.text)
        detail(response)


def test_thai_error_messages_read_as_thai(client: TestClient) -> None:
    low = detail(client.post("/api/ask", json={"question": "ยาเสพติด", "k": 0}))
    assert low["th"] == "จำนวนผลลัพธ์ (k) ต้องไม่น้อยกว่า 1"
    mode = detail(client.post("/api/ask", json={"question": "ยาเสพติด", "mode": "magic"}))
    assert " or " not in mode["th"] and " หรือ " in mode["th"] and " or " in mode["en"]


def test_bad_search_requests(client: TestClient) -> None:
    for payload in ({"query": " "}, {"query": "x", "k": 1000}, {"query": "x", "mode": "BM25"},
                    {"q": "ยา"}, {"query": "x", "k": True}, {"query": "x", "k": "5"},
                    {"query": "x", "k": 5.0}):
        response = client.post("/api/search", json=payload)
        assert response.status_code == 422, payload
        detail(response)


def test_length_limit_counts_the_trimmed_question(client: TestClient) -> None:
    padded = "\n  " + "ก" * 2_000 + " \t\u200b"
    for path, body in (("/api/ask", {"question": padded}),
                       ("/api/search", {"query": padded, "k": 1})):
        response = client.post(path, json=body)
        assert response.status_code == 200, (path, response.text)


def post_raw(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    """POST `body` as ASCII JSON, so a lone surrogate travels as the escape "\\ud800"
    (httpx cannot encode one as UTF-8 itself)."""
    return client.post(path, content=json.dumps(body).encode("ascii"),
                       headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("text", ["\ud800x", "\ud800", "ยาเสพติด\udfff", "\udc00\ud800"])
def test_lone_surrogates_are_refused_not_500(client: TestClient, text: str) -> None:
    requests = [("/api/ask", {"question": text}), ("/api/ask", {"question": text, "mode": "bm25"})]
    requests += [("/api/search", {"query": text, "mode": mode})
                 for mode in ("hybrid", "dense", "bm25")]
    for path, body in requests:
        response = post_raw(client, path, body)
        assert response.status_code == 422, (path, body, response.text)
        found = detail(response)
        assert found["code"] == "bad_query" and "not valid Unicode" in found["en"], found
        assert "Unicode" in found["th"] and any("\u0e00" <= ch <= "\u0e7f" for ch in found["th"])
    response = post_raw(client, "/api/search", {"query": "ยา", "filters": {"issuer": text}})
    assert response.status_code == 422 and "not valid Unicode" in detail(response)["en"]


@pytest.mark.parametrize("path, status", [
    ("/api/letters/no-such-letter", 404),
    ("/api/chunks/0000000000000000", 404),
    ("/api/letters/..%2F..%2Fetc%2Fpasswd", 400),
    ("/api/letters/%2e%2e%2f%2e%2e%2fetc%2fpasswd", 400),
    ("/api/chunks/..%5C..%5Cwindows", 400),
    ("/api/letters/a%00b", 400),
    ("/api/letters/" + "a" * 300, 400),
    ("/api/letters/%20", 400),
    ("/api/chunks/%2E%2E", 400),
    ("/api/chunks/%252e%252e%252f", 400),  # TestClient decodes twice: "../"
    ("/api/nothing-here", 404),
])
def test_bad_ids_and_paths(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text
    found = detail(response)
    assert "root:" not in response.text
    assert found["code"] in ("no_letter", "no_chunk", "bad_id", "not_found")


def test_wrong_method(client: TestClient) -> None:
    response = client.get("/api/ask")
    assert response.status_code == 405
    assert detail(response)["code"] == "method_not_allowed"


# -------------------------------------------------- missing and changing index
def test_missing_index_is_503_then_served_once_built(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    settings = ServiceSettings(index_dir=index_dir, index_retry_seconds=0)
    app = create_app(settings, embedder=HashEmbedder(), with_ui=False)
    with TestClient(app) as client:
        for method, path, payload in (("post", "/api/search", {"query": "ยาเสพติด"}),
                                      ("post", "/api/ask", {"question": "ยาเสพติด"}),
                                      ("get", "/api/letters/x", None),
                                      ("get", "/api/health", None)):
            response = getattr(client, method)(path, **({"json": payload} if payload else {}))
            assert response.status_code == 503, (path, response.text)
            message = (response.json().get("detail") or response.json()["problem"])
            assert "circulars index" in message["en"] and "circulars index" in message["th"]
        # bad input is still reported as such, before the index is needed
        assert client.post("/api/ask", json={"question": ""}).status_code == 422
        build_seed_index(index_dir)
        response = client.post("/api/search", json={"query": "ยาเสพติด", "k": 2})
        assert response.status_code == 200 and len(response.json()["hits"]) == 2
        assert client.get("/api/health").json()["status"] == "ok"


def test_mismatched_index_says_how_to_rebuild(index_dir: Path) -> None:
    class OtherModel(HashEmbedder):
        model_name = "another-model"

    settings = ServiceSettings(index_dir=index_dir)
    with TestClient(create_app(settings, embedder=OtherModel(), with_ui=False)) as client:
        response = client.post("/api/search", json={"query": "ยาเสพติด"})
        assert response.status_code == 503
        assert "--rebuild" in detail(response)["en"]


def test_rebuilt_index_is_swapped_in(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "index")
    settings = ServiceSettings(index_dir=index_dir, index_retry_seconds=0)
    with TestClient(create_app(settings, embedder=HashEmbedder(), with_ui=False)) as client:
        first = client.get("/api/health").json()["index_version"]
        build_index([Path(__file__).parent.parent / "corpus"], index_dir,
                    ServiceSettings(index_dir=index_dir), HashEmbedder(), rebuild=True,
                    progress=False)
        deadline = time.monotonic() + 60
        version = first
        while version == first and time.monotonic() < deadline:
            response = client.post("/api/search", json={"query": "ยาเสพติด"})
            assert response.status_code == 200  # the old version answers meanwhile
            version = client.get("/api/health").json()["index_version"]
            time.sleep(0.05)
        assert version != first


@pytest.mark.parametrize("question", [
    "!!!???", "🙂🙂🙂", "\x00\x07 ยาเสพติด", "'; DROP TABLE chunks; --", "<script>alert(1)</script>",
    "มท ๐๘๐๘.๒/ว 1234 ข้อ ๒", "ข้อ", "ว", "1" * 500, "\ufeffน้ำท่วม\u200b", "นํ้าท่วม",
    "ว 99999 ข้อ 99.99", "drug prevention policy", "ก" * 2_000, "\ud800x", "น้ำ\udfffท่วม",
])
def test_odd_questions_are_answered_or_refused_cleanly(client: TestClient, question: str) -> None:
    for path, body in (("/api/ask", {"question": question}),
                       ("/api/search", {"query": question, "k": 3})):
        response = post_raw(client, path, body)
        assert response.status_code in (200, 422), (path, question, response.text)
        if response.status_code == 200 and path == "/api/ask":
            answer = response.json()
            cited = {c["marker"] for c in answer["citations"]}
            assert cited <= set(range(1, len(answer["passages"]) + 1))
            assert answer["not_found"] or cited


def test_missing_model_is_503_with_its_message(index_dir: Path) -> None:
    settings = ServiceSettings(index_dir=index_dir, embedding_model="/nonexistent/model")
    with TestClient(create_app(settings, with_ui=False)) as client:
        response = client.post("/api/search", json={"query": "ยาเสพติด"})
        assert response.status_code == 503
        found = detail(response)
        assert "not available offline" in found["en"] and "ไม่พบโมเดล" in found["th"]

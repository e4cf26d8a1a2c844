"""The service through a real uvicorn server on a loopback port: API and UI from one
process, raw paths, 32 concurrent clients; and, with the real model, the example
questions, `circulars ask` and `circulars serve`."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from circulars.settings import Settings
from indexer.build import build_index
from retriever.search import Searcher
from service.answer import answer_question
from service.app import create_app
from service.settings import ServiceSettings
from tests.conftest import CORPUS, ROOT
from tests.test_service_helpers import running_server

QUESTIONS = [
    "น้ำท่วมต้องเตรียมรับมืออย่างไร",
    "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร",
    "ใครรับผิดชอบเรื่องการค้ามนุษย์ในเชียงใหม่",
    "การป้องกันและแก้ไขปัญหายาเสพติด",
    "ฝุ่นละอองขนาดเล็ก PM2.5",
    "ขยายผลศูนย์จัดการกองทุนชุมชนให้ครอบคลุมพื้นที่ที่มีปัญหาหนี้ครัวเรือน",
    "Soft Power ส่งเสริมการท่องเที่ยว",
    "ศูนย์ดำรงธรรมรับเรื่องร้องเรียน",
]


def raw_get(url: str, path: str) -> tuple[int, str]:
    """GET with the path sent exactly as written (no client-side normalisation)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_api_and_ui_from_one_process(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        assert client.get("/api/health").json()["status"] == "ok"
        response = client.post("/api/ask", json={"question": QUESTIONS[1]})
        body = response.json()
        assert response.status_code == 200
        assert body["citations"][0]["label"] == "มท 0211.6/ว 10303 ลงวันที่ 24 ต.ค. 2567 ข้อ 3.6"
        page = client.get("/ui/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert client.get("/", follow_redirects=True).url.path.startswith("/ui")
        assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("path, status", [
    ("/api/letters/../../etc/passwd", 400),
    ("/api/letters/..%2F..%2Fetc%2Fpasswd", 400),
    ("/api/chunks/%2e%2e/%2e%2e/etc/passwd", 400),
    ("/api/letters/%252e%252e%252f", 404),  # decoded once: an id that does not exist
    ("/api/../../../etc/passwd", 404),
    ("/api/letters/x?y=%00", 404),
])
def test_raw_paths_never_reach_files(server: str, path: str, status: int) -> None:
    code, text = raw_get(server, path)
    assert code == status, text
    assert "root:" not in text and '"th"' in text


def _answers(client: httpx.Client, question: str) -> tuple[list[str], list[str], str]:
    searched = client.post("/api/search", json={"query": question, "k": 5})
    asked = client.post("/api/ask", json={"question": question, "k": 5})
    assert searched.status_code == 200 and asked.status_code == 200
    hits = [h["chunk_id"] for h in searched.json()["hits"]]
    cited = [c["chunk_id"] for c in asked.json()["citations"]]
    return hits, cited, asked.json()["answer"]


def _check_concurrent_clients(url: str, questions: list[str], requests: int,
                              clients: int = 32) -> None:
    """`clients` clients at once get exactly the answers one client got alone."""
    with httpx.Client(base_url=url, timeout=60) as client:
        expected = {q: _answers(client, q) for q in questions}
    jobs = [questions[i % len(questions)] for i in range(requests)]

    def worker(batch: list[str]) -> list[tuple[str, Any]]:
        with httpx.Client(base_url=url, timeout=120) as client:
            return [(q, _answers(client, q)) for q in batch]

    batches = [jobs[i::clients] for i in range(clients)]
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = [pair for batch in pool.map(worker, batches) for pair in batch]
    assert len(results) == requests
    for question, got in results:
        assert got == expected[question], question


def test_32_concurrent_clients_get_the_right_answers(server: str) -> None:
    _check_concurrent_clients(server, QUESTIONS, 96)


# ------------------------------------------------------------- real model
@pytest.fixture(scope="module")
def real_index(tmp_path_factory: pytest.TempPathFactory, real_embedder: Any) -> Path:
    index_dir = tmp_path_factory.mktemp("real-service-index")
    build_index([CORPUS], index_dir, Settings(index_dir=index_dir), real_embedder,
                progress=False)
    return index_dir


@pytest.mark.integration
def test_real_model_answers_the_examples(real_index: Path, real_embedder: Any) -> None:
    settings = ServiceSettings(index_dir=real_index)
    app = create_app(settings, searcher=Searcher(real_index, real_embedder, settings))
    with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        cases = [("มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร", "มท 0211.6/ว 10303", "3.6"),
                 ("ใครรับผิดชอบเรื่องการค้ามนุษย์ในเชียงใหม่", "ขม 0017.2/ว 38028", "9")]
        for question, doc_no, item in cases:
            body = client.post("/api/ask", json={"question": question}).json()
            assert not body["not_found"]
            assert (body["citations"][0]["doc_no"], body["citations"][0]["item"]) == (
                doc_no, item), body["citations"]
        body = client.post("/api/ask", json={"question": QUESTIONS[0]}).json()
        assert not body["not_found"] and "น้ำ" in body["answer"]
        # A letter as a whole: its outline; which letter: the answer names it.
        body = client.post("/api/ask", json={"question": "สรุปหนังสือ ว 10303 ให้หน่อย"}).json()
        assert "\nเนื้อหา 15 ข้อ:\n" in body["answer"] and len(body["citations"]) == 17
        body = client.post("/api/ask",
                           json={"question": "หนังสือเวียนฉบับไหนสั่งเรื่องยาเสพติด"}).json()
        assert not body["not_found"]
        assert body["answer"].startswith("หนังสือที่ มท ๐๒๑๑.๖/ว ๓๓๙ ลงวันที่ ๑๕ สิงหาคม ๒๕๖๘")
        # Two letters: what they share, and what each has alone.
        body = client.post("/api/ask", json={"question": "ว 469 กับ ว 339 ต่างกันอย่างไร"}).json()
        assert body["answer"].startswith("เปรียบเทียบหนังสือ 2 ฉบับ:\n")
        assert "\nต่างกันตรงถ้อยคำหรือตัวเลข (" in body["answer"]
        assert "\nว 469 ข้อ 2.1: …" in body["answer"]  # ว 339's 3-month deadline, dropped
        assert {c["doc_no"] for c in body["citations"]} == {"นร 0017.2/ว 469", "มท 0211.6/ว 339"}
        health = client.get("/api/health").json()
        assert health["model"].startswith("multilingual-e5-small")
        assert health["query_runtime"] == "onnx"  # the real model takes the fast query path
        # The real encoder (ONNX Runtime session, tokenizer) under 32 concurrent clients.
        _check_concurrent_clients(url, [q for q, _, _ in cases] + QUESTIONS[:2], 32)


@pytest.mark.integration
@pytest.mark.parametrize(("question", "cited", "rules_off"), [
    # Shares few words with item 5 of ว 10303 ("ประสงค์จะเรียนเชิญนายกรัฐมนตรีให้เกียรติเป็น
    # ประธานเปิดงาน ... มีหนังสือแจ้งให้กระทรวงมหาดไทยทราบ"): the word overlap alone is
    # under the floor, the item's closeness is over e5-small's calibrated floor.
    ("จังหวัดจะจัดงานใหญ่แล้วอยากเชิญนายกรัฐมนตรีมาเปิดงาน ต้องแจ้งใครก่อน",
     ("มท 0211.6/ว 10303", "5"), {"answer_closeness": 2.0, "answer_sentence_closeness": 2.0}),
    # Restates one clause of ว 10303 ข้อ 3.4 ("ติดตามประเมินสถานการณ์และปัจจัยเสี่ยง ... เพื่อ
    # เป็นข้อมูลในการแจ้งเตือนภัย") in other words: too few shared words, and the whole
    # item's vector is not close enough; one of its sentences is.
    ("ต้องร่วมกับหน่วยงานอื่นคอยจับตาความเสี่ยงภัยพิบัติเพื่อเตือนภัยประชาชนไหม",
     ("มท 0211.6/ว 10303", "3.4"), {"answer_sentence_closeness": 2.0}),
])
def test_real_model_answers_paraphrases_on_closeness(
        real_index: Path, real_embedder: Any, question: str, cited: tuple[str, str],
        rules_off: dict[str, float]) -> None:
    settings = ServiceSettings(index_dir=real_index)
    searcher = Searcher(real_index, real_embedder, settings)
    try:
        answered = answer_question(searcher, question)
        assert not answered.not_found, answered.warnings
        assert cited in {(c.doc_no, c.item) for c in answered.citations}
        searcher.settings = settings.model_copy(update=rules_off)
        refused = answer_question(searcher, question)
        assert refused.not_found and "relevance" in refused.warnings[-1]
        # Questions the circulars do not answer stay refused with the rules on.
        searcher.settings = settings
        for unrelated in ("อบต. จะซื้อรถดับเพลิงได้ไหม",
                          "ค่าตอบแทนกรรมการสอบคัดเลือกพนักงานจ้างได้กี่บาท"):
            assert answer_question(searcher, unrelated).not_found, unrelated
    finally:
        searcher.close()


@pytest.mark.integration
def test_real_model_dense_search_reads_sentence_vectors(real_index: Path,
                                                        real_embedder: Any) -> None:
    # ว 10303 ข้อ 3.6 ("... ตรวจสอบความปลอดภัยของคันกันน้ำ ทำนบ พนังกันน้ำ และการทรุดตัว
    # ของ ...") scores by that sentence, closer to this question than the whole item.
    searcher = Searcher(real_index, real_embedder, ServiceSettings(index_dir=real_index))
    try:
        assert searcher.sentence_index is not None and len(searcher.sentence_index) > 0
        question = "ตรวจสอบคันกันน้ำ ทำนบ พนังกันน้ำ ว่าทรุดตัวหรือไม่"
        top = searcher.search(question, k=5, mode="dense")[0]
        assert (top.doc_no, top.item) == ("มท 0211.6/ว 10303", "3.6")
        own = searcher.closeness(question, top.chunk_id)
        assert own is not None and top.score > own + 0.01
    finally:
        searcher.close()


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHAINLP_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


@pytest.mark.integration
def test_cli_ask(real_index: Path, tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "circulars.cli"]
    done = subprocess.run([*cli, "ask", "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร", "--index",
                           str(real_index)], capture_output=True, text=True, env=_env(),
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "[1]" in done.stdout and "มท 0211.6/ว 10303 ลงวันที่ 24 ต.ค. 2567 ข้อ 3.6" in done.stdout
    missing = subprocess.run([*cli, "ask", "น้ำท่วม", "--index", str(tmp_path / "none")],
                             capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=600)
    assert missing.returncode == 2 and "circulars index" in missing.stderr
    empty = subprocess.run([*cli, "ask", "  "], capture_output=True, text=True, env=_env(),
                           cwd=ROOT, timeout=600)
    assert empty.returncode == 2 and "empty" in empty.stderr


@pytest.mark.integration
def test_cli_serve(real_index: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "circulars.cli", "serve", "--index", str(real_index),
         "--port", str(port)], env=_env(), cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.5)
        ui = httpx.get(f"http://127.0.0.1:{port}/ui/", timeout=30)
        assert ui.status_code == 200
        asked = httpx.post(f"http://127.0.0.1:{port}/api/ask", timeout=60,
                           json={"question": "มท 0211.6/ว 10303 ข้อ 3.6 ว่าอย่างไร"})
        assert asked.json()["citations"][0]["item"] == "3.6"
    finally:
        process.terminate()
        process.wait(timeout=30)

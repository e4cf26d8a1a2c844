"""The optional generators through their real code paths: a tiny transformers model
saved to a folder, and an OpenAI-compatible chat server on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from retriever.search import Searcher
from service.answer import answer_question
from service.generators import (
    GeneratorError,
    OpenAIChatGenerator,
    TransformersGenerator,
    load_generator,
)
from service.settings import ServiceSettings
from tests.test_service_helpers import (
    FakeChat,
    build_seed_index,
    fake_openai_server,
    seed_searcher,
    tiny_causal_lm,
)

QUESTION = "ใครรับผิดชอบเรื่องการค้ามนุษย์ในเชียงใหม่"


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    return seed_searcher(build_seed_index(tmp_path_factory.mktemp("generator-index")))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-models")
    return {
        "random": tiny_causal_lm(root / "random"),
        "plain": tiny_causal_lm(root / "plain", chat_template=False),
        "scripted": tiny_causal_lm(root / "scripted", scripted="ตอบ [1]"),
    }


# -------------------------------------------------------------- transformers
def test_tiny_model_loads_and_generates(models: dict[str, Path]) -> None:
    for name in ("random", "plain"):
        generator = TransformersGenerator(models[name], max_new_tokens=12)
        assert generator.name == f"transformers:{name}"
        text = generator.generate("คำถาม: น้ำท่วม", timeout=30)
        assert isinstance(text, str) and 0 < len(text) <= 40


def test_scripted_model_answer_is_kept(searcher: Searcher, models: dict[str, Path]) -> None:
    generator = TransformersGenerator(models["scripted"], max_new_tokens=20, timeout=60)
    result = answer_question(searcher, QUESTION, generator=generator)
    assert result.generator == "transformers:scripted" and not result.warnings
    assert result.answer == "ตอบ [1]"
    assert [c.marker for c in result.citations] == [1]
    assert result.citations[0].chunk_id == result.passages[0].chunk_id


def test_random_model_output_falls_back(searcher: Searcher, models: dict[str, Path]) -> None:
    generator = TransformersGenerator(models["random"], max_new_tokens=24, timeout=60)
    result = answer_question(searcher, QUESTION, generator=generator)
    assert result.generator == "extractive"
    assert any("transformers:random" in w for w in result.warnings)
    assert result.citations and "[1]" in result.answer


def test_transformers_timeout_and_limits(searcher: Searcher, models: dict[str, Path]) -> None:
    generator = TransformersGenerator(models["random"], max_new_tokens=8_000, timeout=60)
    result = answer_question(searcher, QUESTION, generator=generator)  # prompt + 8000 > 8192
    assert result.generator == "extractive"
    assert any("does not fit" in w for w in result.warnings), result.warnings
    slow = TransformersGenerator(models["random"], max_new_tokens=4_000, timeout=0.05)
    result = answer_question(searcher, "ยาเสพติด", generator=slow)
    assert result.generator == "extractive"
    assert any("timed out" in w for w in result.warnings), result.warnings


def test_missing_model_folder(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="no model folder"):
        TransformersGenerator(tmp_path / "nothing")
    (tmp_path / "broken").mkdir()
    with pytest.raises(GeneratorError, match="cannot load"):
        TransformersGenerator(tmp_path / "broken")


# -------------------------------------------------------------------- openai
def test_openai_endpoint_answer(searcher: Searcher) -> None:
    chat = FakeChat(reply="สำนักงานพัฒนาสังคมฯ เป็นหน่วยงานหลัก [1] ร่วมกับฝ่ายปกครอง [2][6]")
    with fake_openai_server(chat) as url:
        generator = OpenAIChatGenerator(url, "qwen-test", api_key="local-key", timeout=10)
        result = answer_question(searcher, QUESTION, generator=generator)
    assert result.generator == "openai:qwen-test"
    assert result.answer.endswith("[1] ร่วมกับฝ่ายปกครอง [2]")
    assert [c.marker for c in result.citations] == [1, 2]
    assert any("[6]" in w for w in result.warnings)
    request = chat.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer local-key"
    body = request["body"]
    assert body["model"] == "qwen-test" and body["temperature"] == 0
    assert body["messages"][0]["role"] == "user"
    assert '<passage n="1"' in body["messages"][0]["content"]


@pytest.mark.parametrize("chat, reason", [
    (FakeChat(reply="ตอบ [1]", delay=2.0), "timed out"),
    (FakeChat(reply="oops", status=500), "HTTP 500"),
    (FakeChat(reply="HACKED"), "no valid citation"),
])
def test_openai_failures_fall_back(searcher: Searcher, chat: FakeChat, reason: str) -> None:
    with fake_openai_server(chat) as url:
        generator = OpenAIChatGenerator(url, "m", timeout=0.5)
        result = answer_question(searcher, QUESTION, generator=generator)
    assert result.generator == "extractive" and result.citations
    assert any(reason in w for w in result.warnings), result.warnings


def test_openai_unreachable(searcher: Searcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    generator = OpenAIChatGenerator(f"http://127.0.0.1:{port}/v1", "m", timeout=2)
    result = answer_question(searcher, QUESTION, generator=generator)
    assert result.generator == "extractive"
    assert any("cannot reach" in w for w in result.warnings), result.warnings


def test_load_generator_from_settings(tmp_path: Path, models: dict[str, Path]) -> None:
    assert load_generator(ServiceSettings()) is None
    with pytest.raises(GeneratorError, match="CIRCULARS_GENERATOR_MODEL"):
        load_generator(ServiceSettings(generator="openai"))
    with pytest.raises(GeneratorError, match="CIRCULARS_GENERATOR_URL"):
        load_generator(ServiceSettings(generator="openai", generator_model="m"))
    remote = load_generator(ServiceSettings(generator="openai", generator_model="m",
                                            generator_url="http://127.0.0.1:9/v1/",
                                            generator_timeout=3))
    assert isinstance(remote, OpenAIChatGenerator)
    assert remote.endpoint == "http://127.0.0.1:9/v1/chat/completions" and remote.timeout == 3
    local = load_generator(ServiceSettings(generator="transformers",
                                           generator_model=str(models["plain"])))
    assert isinstance(local, TransformersGenerator) and local.name == "transformers:plain"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCULARS_GENERATOR", "openai")
    monkeypatch.setenv("CIRCULARS_GENERATOR_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("CIRCULARS_GENERATOR_MODEL", "qwen2.5:7b")
    monkeypatch.setenv("CIRCULARS_MIN_SCORE", "0.4")
    settings = ServiceSettings()
    assert (settings.generator, settings.generator_model, settings.min_score) == (
        "openai", "qwen2.5:7b", 0.4)

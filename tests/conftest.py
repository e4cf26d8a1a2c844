"""Shared fixtures: the seed corpus, parsed once, and a fake embedder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

from indexer.chunker import ParsedFile, parse_circular
from tests.fakes import HashEmbedder

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED_DATA = ROOT.parent / "shared" / "data"
SEED_FILES = sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def seeds() -> dict[str, ParsedFile]:
    return {p.name: parse_circular(p.read_text(encoding="utf-8"), p.name) for p in SEED_FILES}


@pytest.fixture()
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


def shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data sets live in ../shared/data")
    return path


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The real default model, loaded once; converted into the user cache on first use."""
    from circulars.settings import Settings
    from indexer.embedder import load_embedder

    settings = Settings()
    return load_embedder(settings.embedding_model, settings.cache_dir)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, serving the seed index (fake embedder)."""
    from service.app import create_app
    from service.settings import ServiceSettings
    from tests.test_service_helpers import build_seed_index, running_server, seed_searcher

    index_dir = build_seed_index(tmp_path_factory.mktemp("server-index"))
    app = create_app(ServiceSettings(index_dir=index_dir), searcher=seed_searcher(index_dir))
    with running_server(app) as url:
        yield url

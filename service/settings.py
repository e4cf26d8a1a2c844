"""Settings of the service on top of the shared `circulars.settings.Settings`.

The answer generator and the relevance threshold only matter to the service, so
they live in this subclass; the environment prefix stays `CIRCULARS_`
(e.g. `CIRCULARS_GENERATOR=openai`, `CIRCULARS_GENERATOR_URL=http://127.0.0.1:11434/v1`).
"""

from __future__ import annotations

from typing import Literal

from circulars.settings import Settings

GeneratorKind = Literal["extractive", "transformers", "openai"]


class ServiceSettings(Settings):
    """`Settings` plus the answerer's options; every default runs with no model at all."""

    # "extractive" needs no model. "transformers": a causal LM folder in
    # generator_model. "openai": an OpenAI-compatible chat endpoint (Ollama, vLLM,
    # llama.cpp server) at generator_url serving generator_model.
    generator: GeneratorKind = "extractive"
    generator_model: str | None = None
    generator_url: str | None = None
    generator_api_key: str | None = None  # only for servers started with an API key
    generator_timeout: float = 60.0
    generator_max_tokens: int = 400

    # None means `service.answer.DEFAULT_MIN_SCORE`.
    min_score: float | None = None
    # How often a request may retry loading a missing index, and check for a new version.
    index_retry_seconds: float = 5.0

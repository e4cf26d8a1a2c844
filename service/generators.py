"""Optional answer generators: a local transformers causal LM, or an OpenAI-compatible
chat endpoint (Ollama, vLLM, llama.cpp server).

A generator only turns a prompt into text within a time limit; everything that makes
the answer trustworthy (the prompt's data blocks, checking the [n] markers, falling
back to the extractive answer) happens in `service.answer`. Both implementations
send the prompt as one user message: through the tokenizer's chat template when it
has one, as plain text otherwise.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx

from service.settings import ServiceSettings

DEFAULT_TIMEOUT = 60.0


class GeneratorError(RuntimeError):
    """The generator could not be loaded or produced no text."""


@runtime_checkable
class Generator(Protocol):
    """Turns a prompt into text. An optional `timeout` attribute (seconds) is the limit
    `service.answer` passes to `generate`; without one it passes `DEFAULT_TIMEOUT`."""

    name: str

    def generate(self, prompt: str, timeout: float) -> str:
        """The model's reply to `prompt`; TimeoutError past `timeout` seconds."""
        ...


class TransformersGenerator:
    """A causal LM loaded from a local folder (nothing is downloaded); greedy decoding."""

    def __init__(self, path: str | Path, max_new_tokens: int = 400,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        folder = Path(path)
        if not folder.is_dir():
            raise GeneratorError(f"ไม่พบโฟลเดอร์โมเดล {folder} / no model folder at {folder}")
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            self._tokenizer: Any = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            self._model: Any = AutoModelForCausalLM.from_pretrained(
                folder, local_files_only=True, dtype=torch.float32)
        except (OSError, ValueError) as error:
            raise GeneratorError(f"โหลดโมเดลไม่ได้ / cannot load {folder}: {error}") from error
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        self._model.eval()
        self._torch = torch
        self.name = generator_name("transformers", str(folder))
        self.max_new_tokens = max_new_tokens
        self.timeout = timeout
        # One generation at a time: a second one would only halve the speed of both.
        self._lock = threading.Lock()

    def _inputs(self, prompt: str) -> Any:
        tokenizer = self._tokenizer
        if getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], add_generation_prompt=True,
                return_tensors="pt", return_dict=True)
        return tokenizer(prompt, return_tensors="pt")

    def generate(self, prompt: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        if not self._lock.acquire(timeout=max(0.0, timeout)):
            raise TimeoutError(f"the model was busy for {timeout:.0f}s")
        try:
            inputs = self._inputs(prompt)
            length = int(inputs["input_ids"].shape[1])
            limit = getattr(self._model.config, "max_position_embeddings", None)
            if limit and length + self.max_new_tokens > limit:
                raise GeneratorError(
                    f"prompt of {length} tokens does not fit the model's {limit} positions")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no time left after {timeout:.0f}s")
            pad = self._tokenizer.pad_token_id
            if pad is None:
                pad = self._tokenizer.eos_token_id
            with self._torch.inference_mode():
                output = self._model.generate(
                    **inputs, max_new_tokens=self.max_new_tokens, do_sample=False,
                    max_time=remaining, pad_token_id=pad)
            if time.monotonic() >= deadline:
                # max_time stops generation mid-sentence; a cut answer is not an answer.
                raise TimeoutError(f"generation took longer than {timeout:.0f}s")
            text: str = self._tokenizer.decode(output[0, length:], skip_special_tokens=True)
            return text
        finally:
            self._lock.release()


class OpenAIChatGenerator:
    """POST {url}/chat/completions on an OpenAI-compatible server (temperature 0)."""

    def __init__(self, url: str, model: str, api_key: str | None = None,
                 max_tokens: int = 400, timeout: float = DEFAULT_TIMEOUT) -> None:
        base = url.rstrip("/")
        self.endpoint = base if base.endswith("/chat/completions") else f"{base}/chat/completions"
        self.model = model
        self.name = generator_name("openai", model)
        self.max_tokens = max_tokens
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def generate(self, prompt: str, timeout: float) -> str:
        body = {"model": self.model, "temperature": 0, "max_tokens": self.max_tokens,
                "stream": False, "messages": [{"role": "user", "content": prompt}]}
        try:
            # A non-streamed reply arrives at once, so the read timeout bounds the whole call.
            response = httpx.post(self.endpoint, json=body, headers=self._headers,
                                  timeout=httpx.Timeout(timeout))
        except httpx.TimeoutException as error:
            raise TimeoutError(f"no reply from {self.endpoint} within {timeout:.0f}s") from error
        except httpx.HTTPError as error:
            raise GeneratorError(f"cannot reach {self.endpoint}: {error}") from error
        if response.status_code != 200:
            raise GeneratorError(
                f"{self.endpoint} answered HTTP {response.status_code}: {response.text[:200]}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise GeneratorError(f"unexpected reply from {self.endpoint}") from error
        if not isinstance(content, str):
            raise GeneratorError(f"no text in the reply from {self.endpoint}")
        return content


def generator_name(kind: str, model: str) -> str:
    """How answers and /api/health name a generator: "transformers:<folder name>" or
    "openai:<model>"."""
    return f"transformers:{Path(model).name}" if kind == "transformers" else f"{kind}:{model}"


def configured_name(settings: ServiceSettings) -> str | None:
    """The name the configured generator has once loaded (None for extractive), so a
    request can ask for it by name even when it failed to load."""
    model = settings.generator_model
    if settings.generator == "extractive" or not model:
        return None
    return generator_name(settings.generator, model)


def try_load_generator(settings: ServiceSettings) -> tuple[Generator | None, str | None]:
    """`load_generator`, or None and the reason: an optional model must not stop the
    service or the command that asked for it (the reason goes into warnings)."""
    try:
        return load_generator(settings), None
    except GeneratorError as error:
        return None, str(error)
    except Exception as error:  # a broken model folder can fail in many ways
        return None, f"{type(error).__name__}: {error}"


def load_generator(settings: ServiceSettings) -> Generator | None:
    """The configured generator, or None for the extractive answerer."""
    if settings.generator == "extractive":
        return None
    if not settings.generator_model:
        raise GeneratorError(
            "ตั้ง CIRCULARS_GENERATOR_MODEL ด้วย / CIRCULARS_GENERATOR_MODEL is required for "
            f"generator {settings.generator!r}")
    if settings.generator == "transformers":
        return TransformersGenerator(settings.generator_model, settings.generator_max_tokens,
                                     settings.generator_timeout)
    if not settings.generator_url:
        raise GeneratorError(
            "ตั้ง CIRCULARS_GENERATOR_URL ด้วย (เช่น http://127.0.0.1:11434/v1) / "
            "CIRCULARS_GENERATOR_URL is required for the openai generator")
    return OpenAIChatGenerator(settings.generator_url, settings.generator_model,
                               settings.generator_api_key, settings.generator_max_tokens,
                               settings.generator_timeout)

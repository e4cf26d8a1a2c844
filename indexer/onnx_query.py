"""Query embeddings through ONNX Runtime: the same encoder, about three times faster.

A search query is one short text on the latency path of every request. PyTorch's
eager forward pass of e5-small takes 25-30 ms on two cores, most of it per-operator
overhead around small matrix products; ONNX Runtime runs the same graph in about
10 ms. So the embedder exports its loaded encoder once and runs queries through it.
Passages stay on PyTorch: batches of long texts are compute-bound, and there this
graph (eager attention) was slower, 5.0 against 7.5 passages/s.

- What is exported is the transformer from input embeddings to the last hidden
  state, with eager attention so the attention mask stays a graph input instead of
  a constant traced for one length. The word-embedding lookup (250k x 384 floats for
  e5, most of the model's memory) stays a NumPy view of the PyTorch weights, so the
  process does not hold that table twice.
- The graph is cached under `cache_dir/onnx/` keyed by the model's configuration, a
  sample of its weights and the library versions, and written atomically.
- Before use it is checked against PyTorch on probe texts (Thai, English, digits, a
  padded batch): any difference beyond float rounding, or any export error, raises
  `OnnxUnavailable` and the embedder keeps its PyTorch path.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

EXPORT_VERSION = "1"
PROBES = (
    "query: น้ำท่วมต้องเตรียมการอย่างไร",
    "query: หนังสือ มท ๐๒๑๑.๖/ว ๑๐๓๐๓ ข้อ ๓.๖ ลงวันที่ 24 ต.ค. 2567",
    "query: how should provinces prepare for floods?",
)
MIN_PROBE_COSINE = 0.99999


class OnnxUnavailable(RuntimeError):
    """The encoder could not be exported to, or run identically in, ONNX Runtime."""


class OnnxQueryEncoder:
    """Token ids in, L2-normalised mean-pooled embeddings out, via ONNX Runtime."""

    def __init__(self, encoder: Any, tokenizer: Any, cache_dir: Path, threads: int,
                 max_length: int) -> None:
        try:
            import onnxruntime as ort
        except ImportError as error:
            raise OnnxUnavailable(f"onnxruntime is not installed ({error})") from error
        self._tokenizer = tokenizer
        self._max_length = max_length
        self._word_embeddings = encoder.get_input_embeddings().weight.detach().numpy()
        path = Path(cache_dir) / "onnx" / f"{model_key(encoder)}.onnx"
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if not path.exists():
            export_encoder(encoder, path)
        try:
            self._session = ort.InferenceSession(str(path), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception:
            # A damaged cache file (a disk filled up, a hand edit): export it afresh once.
            export_encoder(encoder, path)
            try:
                self._session = ort.InferenceSession(str(path), options,
                                                     providers=["CPUExecutionProvider"])
            except Exception as error:
                raise OnnxUnavailable(f"cannot load {path.name}: {error}") from error
        self.path = path
        self._check_against(encoder)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised float32 vectors of `texts` (prompts already added)."""
        batch = self._tokenizer(texts, padding=True, truncation=True,
                                max_length=self._max_length, return_tensors="np")
        mask = batch["attention_mask"].astype(np.int64)
        embeds = self._word_embeddings[batch["input_ids"]]
        (hidden,) = self._session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.ascontiguousarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

    def _check_against(self, encoder: Any) -> None:
        import torch

        texts = list(PROBES)
        # One by one, and as one padded batch (the shorter rows carry padding).
        for group in [[text] for text in texts] + [texts]:
            batch = self._tokenizer(group, padding=True, truncation=True,
                                    max_length=self._max_length, return_tensors="pt")
            with torch.inference_mode():
                hidden = encoder(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).float()
            expected = ((hidden * mask).sum(1) / mask.sum(1)).numpy()
            expected /= np.linalg.norm(expected, axis=1, keepdims=True)
            cosine = float((self.encode(group) * expected).sum(axis=1).min())
            if cosine < MIN_PROBE_COSINE:
                raise OnnxUnavailable(
                    f"ONNX output differs from PyTorch (cosine {cosine:.6f} on {group[0]!r})")


def model_key(encoder: Any) -> str:
    """Names this exact model: its config, a sample of every weight, library versions."""
    import onnxruntime
    import torch

    digest = hashlib.sha256()
    config = encoder.config.to_dict()
    config.pop("_attn_implementation_autoset", None)
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    for name, tensor in encoder.state_dict().items():
        flat = tensor.detach().reshape(-1)
        # Hashing ~100M floats takes seconds; the ends of every tensor tell models apart.
        sample = np.concatenate([flat[:64].float().numpy(), flat[-64:].float().numpy()])
        digest.update(f"{name}{tuple(tensor.shape)}".encode())
        digest.update(sample.tobytes())
    digest.update(f"{torch.__version__}|{onnxruntime.__version__}|{EXPORT_VERSION}".encode())
    return digest.hexdigest()[:20]


def export_encoder(encoder: Any, path: Path) -> None:
    """Write the encoder (input embeddings + mask -> last hidden state) to `path`."""
    import copy

    import torch

    class _FromEmbeddings(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, inputs_embeds: torch.Tensor,
                    attention_mask: torch.Tensor) -> torch.Tensor:
            out = self.inner(inputs_embeds=inputs_embeds, attention_mask=attention_mask)
            return out.last_hidden_state

    eager = copy.deepcopy(encoder).float().eval()
    try:
        eager.set_attn_implementation("eager")
    except (AttributeError, ValueError):
        eager.config._attn_implementation = "eager"
    hidden_size = int(encoder.config.hidden_size)
    example = (torch.zeros(1, 8, hidden_size), torch.ones(1, 8, dtype=torch.int64))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".onnx.part")
    os.close(handle)
    try:
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about Python-side branches
            torch.onnx.export(
                _FromEmbeddings(eager), example, temporary,
                input_names=["inputs_embeds", "attention_mask"], output_names=["hidden"],
                dynamic_axes={"inputs_embeds": {0: "batch", 1: "tokens"},
                              "attention_mask": {0: "batch", 1: "tokens"},
                              "hidden": {0: "batch", 1: "tokens"}},
                opset_version=17, dynamo=False)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the cache is shared
        os.replace(temporary, path)
    except Exception as error:
        raise OnnxUnavailable(f"export failed: {type(error).__name__}: {error}") from error
    finally:
        Path(temporary).unlink(missing_ok=True)

"""Shared helpers for the service, answer and UI tests (this module holds no tests).

A seed index built with the HashEmbedder, a uvicorn server on a free loopback port
in a background thread, a fake OpenAI-compatible chat server, and a tiny random
transformers model saved to a folder with a tokenizer built offline.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

import uvicorn

from circulars.settings import Settings
from indexer.build import build_index
from retriever.search import Searcher
from service.settings import ServiceSettings
from tests.conftest import CORPUS
from tests.fakes import HashEmbedder


def build_seed_index(index_dir: Path) -> Path:
    build_index([CORPUS], index_dir, Settings(index_dir=index_dir), HashEmbedder(),
                progress=False)
    return index_dir


def seed_searcher(index_dir: Path) -> Searcher:
    # The hash embedder's dense list is noise; weighing BM25 down for paraphrases
    # (`Searcher.lexical_weight`) would let it decide, so BM25 keeps its full weight.
    return Searcher(index_dir, HashEmbedder(),
                    ServiceSettings(index_dir=index_dir, weak_lexical_weight=1.0))


@contextmanager
def running_server(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_keep_alive=30)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@dataclass
class FakeChat:
    """What the fake OpenAI-compatible server answers, and what it was asked."""

    reply: str = "คำตอบ [1]"
    delay: float = 0.0
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def fake_openai_server(chat: FakeChat) -> Iterator[str]:
    """A tiny OpenAI-compatible /v1/chat/completions server; yields its base URL (.../v1)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            chat.requests.append({"path": self.path, "body": body,
                                  "auth": self.headers.get("Authorization")})
            if chat.delay:
                time.sleep(chat.delay)
            if self.path != "/v1/chat/completions":
                self.send_response(404)
                self.end_headers()
                return
            payload = json.dumps({
                "id": "fake", "object": "chat.completion", "model": body.get("model"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": chat.reply}}],
            }).encode("utf-8")
            try:
                self.send_response(chat.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def tiny_causal_lm(folder: Path, chat_template: bool = True, scripted: str | None = None) -> Path:
    """A tiny Llama with a character tokenizer, saved to `folder`, built entirely offline.

    The vocabulary is ASCII, the Thai block and a few specials; a Split pre-tokenizer
    makes every character a token. Weights are random, unless `scripted` is given:
    then attention and MLP outputs are zero, embeddings are one-hot and the output
    layer maps each character to the next one of `scripted` (whose characters must be
    distinct), so greedy decoding after the chat template's final newline writes
    exactly `scripted` and stops.
    """
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    chars = [chr(c) for c in range(32, 127)] + [chr(c) for c in range(0x0E01, 0x0E5C)] + ["\n"]
    vocab = {token: i for i, token in enumerate(specials + chars)}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex("[\\s\\S]"), behavior="isolated")
    tokenizer.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>",
                                   eos_token="</s>", unk_token="<unk>", pad_token="<pad>")
    if chat_template:
        fast.chat_template = (
            "{% for m in messages %}<s>{{ m['role'] }}\n{{ m['content'] }}</s>{% endfor %}"
            "{% if add_generation_prompt %}<s>assistant\n{% endif %}")
    torch.manual_seed(0)
    hidden = len(vocab) + len(vocab) % 2 if scripted else 16
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=hidden, intermediate_size=8,
                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=8192, bos_token_id=1, eos_token_id=2,
                         pad_token_id=0, tie_word_embeddings=False)
    model = LlamaForCausalLM(config)
    if scripted:
        assert len(set(scripted)) == len(scripted), "scripted characters must be distinct"
        with torch.no_grad():
            for layer in model.model.layers:
                layer.self_attn.o_proj.weight.zero_()
                layer.mlp.down_proj.weight.zero_()
            model.model.embed_tokens.weight.zero_()
            model.model.embed_tokens.weight[:, : len(vocab)] = torch.eye(len(vocab))
            head = torch.zeros(len(vocab), hidden)
            chain = ["\n", *scripted, "</s>"]
            for current, following in pairwise(chain):
                head[vocab[following], vocab[current]] = 1.0
            model.lm_head.weight.copy_(head)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder

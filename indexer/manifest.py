"""The index manifest: how an index folder was made, and whether it can be used.

An index folder records the embedding model, its dimension and prompts, the
tokenizer, the chunker version, the hash of every corpus file and the counts. A
search with a different model or chunker than the index was built with would
return nonsense silently, so loading refuses it with a message that says how to
rebuild.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from circulars import __version__

CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
TOKENIZER_ID = "pythainlp-newmm+digits+docno-1"


class IndexProblem(Exception):
    """Base for index problems; messages are Thai first, then English."""


class IndexMissing(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


@dataclass
class Manifest:
    model: str
    dimension: int
    query_prompt: str
    passage_prompt: str
    tokenizer: str
    chunker_version: str
    faiss_kind: str
    # Sentences of many-sentence chunks embedded too (`indexer.sentence_vectors`);
    # False for indexes built before they existed.
    sentence_vectors: bool = False
    # `indexer.sentence_vectors.SENTENCE_RULES` they were split by; "" before it existed.
    sentence_rules: str = ""
    # `indexer.thai_tokens.SEGMENTER` (PyThaiNLP release) that made the stored BM25
    # tokens; "" before it was recorded.
    segmenter: str = ""
    chunk_chars: list[int] = field(default_factory=list)  # circular, document split sizes
    # `indexer.ocr.OcrEngine.engine_id` scans were read with; "" when there was none.
    ocr: str = ""
    files: dict[str, str] = field(default_factory=dict)  # source -> sha256
    counts: dict[str, int] = field(default_factory=dict)
    created: str = ""
    package_version: str = __version__
    build_seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def current_version_dir(index_dir: Path) -> Path:
    """The folder of the index version in use, or IndexMissing naming the command to build it."""
    pointer = index_dir / CURRENT_FILE
    if not pointer.is_file():
        raise IndexMissing(
            f"ไม่พบดัชนีที่ {index_dir} — สร้างด้วยคำสั่ง `circulars index --index {index_dir}` / "
            f"no index at {index_dir}: build it with `circulars index --index {index_dir}`"
        )
    version = index_dir / pointer.read_text(encoding="utf-8").strip()
    if not (version / MANIFEST_FILE).is_file():
        raise incomplete_index(index_dir)
    return version


def incomplete_index(index_dir: Path) -> IndexMissing:
    """The error for an index folder missing a part its manifest promises."""
    return IndexMissing(
        f"ดัชนีที่ {index_dir} ไม่สมบูรณ์ — สร้างใหม่ด้วย `circulars index --index {index_dir}` / "
        f"index at {index_dir} is incomplete: rebuild with "
        f"`circulars index --index {index_dir}`"
    )


def read_manifest(version_dir: Path) -> Manifest:
    return Manifest.from_dict(json.loads((version_dir / MANIFEST_FILE).read_text("utf-8")))


def check_compatible(manifest: Manifest, model: str, chunker_version: str, index_dir: Path) -> None:
    fix = f"`circulars index --index {index_dir} --rebuild`"
    if manifest.chunker_version != chunker_version:
        raise IndexMismatch(
            f"ดัชนีสร้างด้วยตัวแบ่งข้อความรุ่น {manifest.chunker_version} แต่โปรแกรมนี้ใช้ "
            f"{chunker_version} — สร้างใหม่ด้วย {fix} / index was built with chunker "
            f"{manifest.chunker_version}, this program uses {chunker_version}: rebuild with {fix}"
        )
    if manifest.model != model:
        raise IndexMismatch(
            f"ดัชนีสร้างด้วยโมเดล {manifest.model} แต่ตั้งค่าไว้เป็น {model} — สร้างใหม่ด้วย {fix} "
            f"หรือตั้ง CIRCULARS_EMBEDDING_MODEL={manifest.model} / index was built with model "
            f"{manifest.model} but {model} is configured: rebuild with {fix} or set "
            f"CIRCULARS_EMBEDDING_MODEL={manifest.model}"
        )
    if manifest.tokenizer != TOKENIZER_ID:
        # Only BM25's tokens differ: an incremental build segments again, keeps vectors.
        update = f"`circulars index --index {index_dir}`"
        raise IndexMismatch(
            f"ดัชนีใช้ตัวตัดคำ {manifest.tokenizer} — ปรับดัชนีด้วย {update} / index uses "
            f"tokenizer {manifest.tokenizer}, this program uses {TOKENIZER_ID}: update it "
            f"with {update} (segments the text again, keeps the vectors)"
        )


def point_current(index_dir: Path, version_name: str) -> None:
    """Switch the index to a finished version in one atomic rename."""
    temporary = index_dir / f".{CURRENT_FILE}.{os.getpid()}"
    temporary.write_text(version_name, encoding="utf-8")
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, index_dir / CURRENT_FILE)

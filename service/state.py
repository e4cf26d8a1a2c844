"""What the running service holds: settings, the embedder, the Searcher, the generator.

Built cheaply when the app is created; `load()` (run by the lifespan handler, in a
worker thread) loads the embedding model, opens the index and loads the optional
generator, then runs one query so the first real request does not pay for
PyThaiNLP's dictionary or the model's first pass.

A missing, incomplete or mismatched index does not stop the server: requests that
need it get a 503 naming the command that fixes it, and the index is opened as
soon as it exists (retried at most every `index_retry_seconds`). A rebuilt index
(a new version named by CURRENT) is loaded in the background and swapped in; the
old one keeps answering meanwhile, so a rebuild never interrupts the service.

Concurrency. Requests run in FastAPI's thread pool and share one Searcher. Its
parts are safe to share for reading: the embedder serialises model calls with its
own lock, FAISS and the BM25 matrices are read-only, and the SQLite connection is
opened with check_same_thread=False in a Python built with SQLite's serialized
threading mode (sqlite3.threadsafety == 3), which serialises calls on it; only
writes would need more, and the service never writes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import asdict
from typing import Any, get_args

from indexer.embedder import Embedder
from indexer.manifest import CURRENT_FILE, IndexProblem
from retriever.search import Searcher
from service.errors import ApiError, split_message
from service.generators import (
    Generator,
    configured_name,
    try_load_generator,
)
from service.settings import GeneratorKind, ServiceSettings

log = logging.getLogger(__name__)
WARM_UP_QUERY = "การเตรียมความพร้อมรับมือสาธารณภัย"
EXTRACTIVE = "extractive"
_KINDS = frozenset(get_args(GeneratorKind))


def load_service_embedder(settings: ServiceSettings) -> Embedder:
    from indexer.embedder import load_embedder

    return load_embedder(
        settings.embedding_model, settings.cache_dir, dtype=settings.embedding_dtype,
        query_prompt=settings.query_prompt, passage_prompt=settings.passage_prompt,
        query_runtime=settings.query_runtime)


def open_searcher(settings: ServiceSettings, embedder: Embedder, warm: bool = True) -> Searcher:
    """A Searcher over the current index version (IndexProblem if there is none)."""
    searcher = Searcher(settings.index_dir, embedder, settings)
    if warm:
        try:
            searcher.search(WARM_UP_QUERY, k=1)
        except Exception as error:  # warming up is an optimisation only
            log.warning("warm-up query failed: %s", error)
    return searcher


def unavailable_note(name: str, reason: str) -> str:
    """The warning for an answer that is extractive because generator `name` cannot be
    used; `reason` is "Thai / English", as GeneratorError messages are, or one text."""
    thai, english = split_message(reason)
    return (f"ตัวสร้างคำตอบ {name} ใช้ไม่ได้: {thai}; ใช้คำตอบแบบคัดข้อความแทน / "
            f"generator {name} is unavailable: {english}; extractive answer instead")


class IndexUnavailable(ApiError):
    def __init__(self, thai: str, english: str) -> None:
        super().__init__(503, "index_unavailable", thai, english)


class ServiceState:
    def __init__(self, settings: ServiceSettings, searcher: Searcher | None = None,
                 embedder: Embedder | None = None, generator: Generator | None = None) -> None:
        self.settings = settings
        self.embedder = embedder if embedder is not None else (
            searcher.embedder if searcher is not None else None)
        self._searcher = searcher
        self._owned: Searcher | None = None  # closed at shutdown; a given one is the caller's
        self.generator = generator
        self.generator_error: str | None = None
        self._generator_given = generator is not None
        self._problem = (
            "กำลังเริ่มระบบ กรุณาลองใหม่อีกครั้ง", "the service is starting; try again shortly")
        self._load_lock = threading.Lock()
        self._checked = 0.0
        self._reloading = False
        if sqlite3.threadsafety != 3:  # pragma: no cover - depends on how Python was built
            log.warning("SQLite is not in serialized mode; concurrent requests may fail")

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        """Load everything that is missing; never raises (problems become 503s)."""
        with self._load_lock:
            self._load_searcher()
        if not self._generator_given:
            self.generator, self.generator_error = try_load_generator(self.settings)
            if self.generator_error:
                log.warning("generator unavailable: %s", self.generator_error)

    def _open(self) -> Searcher:
        if self.embedder is None:
            self.embedder = load_service_embedder(self.settings)
        return open_searcher(self.settings, self.embedder)

    def _load_searcher(self) -> None:
        if self._searcher is not None:
            return
        try:
            self._searcher = self._owned = self._open()
        except IndexProblem as error:
            self._problem = split_message(str(error))
        except Exception as error:  # e.g. the embedding model is missing: say why, keep serving
            log.exception("cannot load the index")
            thai, english = split_message(str(error))
            self._problem = (f"โหลดดัชนีหรือโมเดลไม่ได้: {thai}",
                             f"cannot load the index or the model: {english}")

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            if self._searcher is self._owned:
                self._searcher = None
            self._owned = None

    # ---------------------------------------------------------------- requests
    def searcher(self) -> Searcher:
        """The loaded Searcher, or IndexUnavailable (503) saying what to do."""
        now = time.monotonic()
        if now - self._checked >= self.settings.index_retry_seconds:
            self._checked = now
            self._refresh()
        current = self._searcher
        if current is None:
            raise IndexUnavailable(*self._problem)
        return current

    def _refresh(self) -> None:
        current = self._searcher
        if current is None:
            if not self._load_lock.acquire(blocking=False):
                raise IndexUnavailable("กำลังโหลดดัชนี กรุณาลองใหม่อีกครั้ง",
                                       "the index is loading; try again shortly")
            try:
                self._load_searcher()
            finally:
                self._load_lock.release()
            return
        try:
            wanted = (self.settings.index_dir / CURRENT_FILE).read_text("utf-8").strip()
        except OSError:
            return  # the folder was removed: keep answering from what is loaded
        if wanted != current.version_dir.name and not self._reloading:
            self._reloading = True
            threading.Thread(target=self._swap, name="index-reload", daemon=True).start()

    def _swap(self) -> None:
        try:
            with self._load_lock:
                # The old version is not closed: requests may still be reading from it.
                self._searcher = self._owned = self._open()
            log.info("loaded index version %s", self._searcher.version_dir.name)
        except Exception as error:  # keep the old version; retry at the next check
            log.warning("cannot load the new index version: %s", error)
        finally:
            self._reloading = False

    def generator_for(self, requested: str | None) -> tuple[Generator | None, list[str]]:
        """The generator a request asks for (None: extractive), and a warning when it is a
        known one that cannot be used, so the answer says why it is extractive.

        Known: the generator kinds and the configured generator's name. Any other name
        is a mistake in the request (422 unknown_generator), not a reason to fall back.
        """
        generator = self.generator
        wanted = (requested or "").strip()
        if not wanted:
            if generator is not None or self.settings.generator == EXTRACTIVE:
                return generator, []
            wanted = self.settings.generator
        if wanted == EXTRACTIVE:
            return None, []
        if generator is not None and wanted in (generator.name, self.settings.generator):
            return generator, []
        if wanted in _KINDS or wanted == configured_name(self.settings):
            return None, [unavailable_note(wanted, self._unavailable_reason(wanted))]
        available = [EXTRACTIVE] + ([generator.name] if generator is not None else [])
        raise ApiError(422, "unknown_generator",
                       f"ไม่มีตัวสร้างคำตอบ {wanted!r} ใช้ได้: {', '.join(available)}",
                       f"no generator {wanted!r}; available: {', '.join(available)}",
                       available=available)

    def _unavailable_reason(self, wanted: str) -> str:
        configured = self.settings.generator
        if wanted.split(":", 1)[0] != configured:
            return (f"ไม่ได้ตั้งค่าไว้ในเซิร์ฟเวอร์นี้ (CIRCULARS_GENERATOR={configured}) / "
                    f"not configured on this server (CIRCULARS_GENERATOR={configured})")
        if self.generator_error:
            return self.generator_error
        return "ยังโหลดไม่เสร็จ / not loaded (yet)"

    def health(self) -> tuple[bool, dict[str, Any]]:
        try:
            searcher: Searcher | None = self.searcher()
            problem = None
        except ApiError as error:
            searcher, problem = None, {"th": error.thai, "en": error.english}
        generator = self.generator
        usable = generator is not None or self.settings.generator == EXTRACTIVE
        return searcher is not None, {
            "status": "ok" if searcher is not None else "unavailable",
            "problem": problem,
            "index_dir": str(self.settings.index_dir),
            "index_version": searcher.version_dir.name if searcher else None,
            "chunks": len(searcher) if searcher else None,
            "letters": searcher.manifest.counts.get("letters") if searcher else None,
            "model": self.embedder.model_name if self.embedder is not None else None,
            # "onnx" or "torch": whether queries got the fast path (see indexer.onnx_query)
            "query_runtime": getattr(self.embedder, "query_runtime", None),
            "manifest": asdict(searcher.manifest) if searcher else None,
            "generator": {"configured": self.settings.generator,
                          "name": generator.name if generator is not None else None,
                          "available": usable,
                          "error": self.generator_error},
        }

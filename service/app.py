"""The FastAPI application: the /api routes and the Gradio UI at /ui, in one process.

    app = create_app(settings)                      # `circulars serve` does this
    app = create_app(settings, searcher=searcher)   # tests: a Searcher over a seed index

Nothing heavy happens at creation: the lifespan handler loads the embedding model,
the index and the optional generator (in a worker thread, so the event loop stays
free), and closes the index at shutdown. OpenAPI documentation is at /docs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from indexer.embedder import Embedder
from retriever.search import Searcher
from service.api import router
from service.errors import install_error_handlers
from service.generators import Generator
from service.settings import ServiceSettings
from service.state import ServiceState

UI_PATH = "/ui"


def create_app(settings: ServiceSettings | None = None, searcher: Searcher | None = None,
               embedder: Embedder | None = None, *, generator: Generator | None = None,
               with_ui: bool = True) -> FastAPI:
    """The app; `searcher`, `embedder` and `generator` are loaded from settings if not given."""
    state = ServiceState(settings or ServiceSettings(), searcher=searcher, embedder=embedder,
                         generator=generator)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(state.load)
        yield
        state.close()

    app = FastAPI(
        title="circulars", lifespan=lifespan,
        summary="ค้นหาและถามตอบหนังสือเวียน / search and Q&A over Thai government circulars",
        description="Every error is `{\"detail\": {\"code\", \"th\", \"en\"}}`. "
                    f"The Thai web interface is at {UI_PATH}.")
    app.state.service = state
    install_error_handlers(app)
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse(f"{UI_PATH}/" if with_ui else "/docs")

    if with_ui:
        from ui.app import mount_ui

        mount_ui(app, state, UI_PATH)
    return app

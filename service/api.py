"""HTTP routes under /api: validate the request, call the core, shape the response.

Routes are plain functions run in FastAPI's thread pool; the work is in
`retriever.search.Searcher`, `service.answer` and `service.letters`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from retriever.notes import query_notes
from retriever.query import validate_query
from service.answer import answer
from service.errors import ApiError
from service.letters import chunk_by_id, letter_view, valid_id
from service.schemas import (
    AskRequest,
    AskResponse,
    ChunkOut,
    ChunkResponse,
    ExpansionOut,
    HealthResponse,
    HitOut,
    LetterList,
    LetterOut,
    LetterResponse,
    SearchRequest,
    SearchResponse,
    filters_of,
)
from service.state import ServiceState

router = APIRouter(prefix="/api")


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


State = Annotated[ServiceState, Depends(get_state)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "bad input (Thai and English message in detail)"},
    404: {"description": "no such letter or chunk"},
    422: {"description": "invalid field (Thai and English message in detail)"},
    503: {"description": "no index yet, or it is loading: the message says what to do"},
}


def _checked_id(value: str, thai: str, english: str) -> str:
    if not valid_id(value):
        raise ApiError(400, "bad_id", f"รหัส{thai}ไม่ถูกต้อง: ห้ามมี / \\ .. หรืออักขระควบคุม",
                       f"invalid {english} id: no / \\ .. or control characters")
    return value


@router.post("/search", response_model=SearchResponse, responses=_ERRORS)
def search(body: SearchRequest, state: State) -> SearchResponse:
    """The retrieval hits for a query, with every field needed to cite them."""
    query = validate_query(body.query, state.settings.max_query_chars)
    searcher = state.searcher()
    filters = filters_of(body.filters)
    hits = searcher.search(query, k=body.k, mode=body.mode, filters=filters,
                           all_copies=body.all_copies)
    return SearchResponse(query=query, mode=body.mode, k=body.k,
                          hits=[HitOut.of(h) for h in hits],
                          expansions=ExpansionOut.all_of(searcher.expansions(query, body.mode)),
                          notes=query_notes(searcher, query, filters))


@router.post("/ask", response_model=AskResponse, responses=_ERRORS)
def ask(body: AskRequest, state: State) -> AskResponse:
    """A grounded Thai answer with [n] markers, its citations and the passages behind it."""
    question = validate_query(body.question, state.settings.max_query_chars)
    generator, notes = state.generator_for(body.generator)
    searcher = state.searcher()
    result = answer(searcher, question, k=body.k, filters=filters_of(body.filters),
                    generator=generator, min_score=state.settings.min_score, mode=body.mode,
                    notes=notes)
    return AskResponse.of(result, searcher.expansions(question))


@router.get("/letters", response_model=LetterList, responses=_ERRORS)
def find_letters(state: State, doc_no: Annotated[str, Query(
        max_length=200, description="a document number, in full or by its running number: "
        "'มท 0211.6/ว 10303', 'ว ๑๐๓๐๓', 'บันทึก 19355'")]) -> LetterList:
    """The letters a document number names (an id for /letters/{id}), or 404."""
    letters = state.searcher().letters_numbered(doc_no)
    if not letters:
        raise ApiError(404, "no_letter", f"ไม่พบหนังสือเลขที่ {doc_no} ในดัชนี",
                       f"no letter numbered {doc_no} in the index")
    return LetterList(letters=[LetterOut.of(letter) for letter in letters])


@router.get("/letters/{letter_id:path}", response_model=LetterResponse, responses=_ERRORS)
def get_letter(letter_id: str, state: State) -> LetterResponse:
    """A letter's metadata, its full display text, and its chunks located in that text."""
    _checked_id(letter_id, "หนังสือ", "letter")
    view = letter_view(state.searcher(), letter_id)
    if view is None:
        raise ApiError(404, "no_letter", f"ไม่พบหนังสือรหัส {letter_id}",
                       f"no letter with id {letter_id}")
    return LetterResponse(
        letter=LetterOut.of(view.letter), display_text=view.display_text,
        chunks=[ChunkOut.of(c.chunk, c.display_start, c.display_end) for c in view.chunks])


@router.get("/chunks/{chunk_id:path}", response_model=ChunkResponse, responses=_ERRORS)
def get_chunk(chunk_id: str, state: State) -> ChunkResponse:
    """One chunk (a directive item, table row or paragraph) and its letter's metadata."""
    _checked_id(chunk_id, "ข้อความ", "chunk")
    searcher = state.searcher()
    chunk = chunk_by_id(searcher, chunk_id)
    if chunk is None:
        raise ApiError(404, "no_chunk", f"ไม่พบข้อความรหัส {chunk_id}",
                       f"no chunk with id {chunk_id}")
    letter = searcher.letter(chunk.doc_id)
    return ChunkResponse(chunk=ChunkOut.of(chunk),
                         letter=LetterOut.of(letter) if letter else None)


@router.get("/health", response_model=HealthResponse,
            responses={503: {"model": HealthResponse, "description": "index not usable"}})
def health(state: State) -> JSONResponse:
    """Index size and version, embedding model, manifest, and the answer generator."""
    ok, body = state.health()
    return JSONResponse(status_code=200 if ok else 503,
                        content=HealthResponse(**body).model_dump(mode="json"))

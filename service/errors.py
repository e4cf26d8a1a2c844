"""One shape for every error the API returns, in Thai and English.

    {"detail": {"code": "bad_request", "th": "...", "en": "...", ...}}

Bad input is a 4xx with a message a person can act on (malformed JSON 400, a
field out of range 422, an unknown id 404, an id that cannot be one 400), a missing
or loading index is a 503 naming the command that fixes it, and anything
unexpected is a 500 in the same shape, without internals.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.manifest import IndexProblem
from retriever.query import QueryError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered as-is: HTTP status, a code and a Thai and an English message."""

    def __init__(self, status: int, code: str, thai: str, english: str,
                 **extra: Any) -> None:
        super().__init__(f"{thai} / {english}")
        self.status = status
        self.code = code
        self.thai = thai
        self.english = english
        self.extra = extra


def problem(status: int, code: str, thai: str, english: str, **extra: Any) -> JSONResponse:
    return JSONResponse(status_code=status,
                        content={"detail": {"code": code, "th": thai, "en": english, **extra}})


def split_message(message: str) -> tuple[str, str]:
    """Project messages are "Thai / English" or Thai and English lines; split them
    (or repeat a message that is neither)."""
    for separator in (" / ", "\n"):
        thai, sep, english = message.strip().partition(separator)
        if sep and thai.strip() and english.strip():
            return thai.strip(), " ".join(english.split())
    return message, message


_FIELD_TH = {"query": "คำค้น", "question": "คำถาม", "k": "จำนวนผลลัพธ์ (k)", "mode": "โหมดค้นหา",
             "filters": "ตัวกรอง", "date_from": "วันที่เริ่มต้น", "date_to": "วันที่สิ้นสุด",
             "issuer": "ส่วนราชการ", "doc_no_prefix": "เลขที่หนังสือ", "source": "ไฟล์ต้นทาง",
             "generator": "ตัวสร้างคำตอบ"}


def _field(loc: Sequence[Any]) -> str:
    names = [str(part) for part in loc if part != "body"]
    return ".".join(names) or "body"


def translate_error(error: dict[str, Any]) -> dict[str, str]:
    """One pydantic error as a field name with Thai and English messages."""
    field = _field(error.get("loc", ()))
    label = _FIELD_TH.get(field.rsplit(".", 1)[-1], field)
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        th, en = f"ต้องระบุ{label}", f"{field} is required"
    elif kind in ("string_type",):
        th, en = f"{label} ต้องเป็นข้อความ", f"{field} must be a string"
    elif kind == "string_unicode":
        th, en = (f"{label} มีอักขระที่ไม่ใช่ Unicode ที่ถูกต้อง",
                  f"{field} has a character that is not valid Unicode (e.g. a lone surrogate)")
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        th, en = f"{label} ต้องเป็นจำนวนเต็ม", f"{field} must be an integer"
    elif kind == "greater_than_equal":
        th, en = (f"{label} ต้องไม่น้อยกว่า {ctx.get('ge')}",
                  f"{field} must be at least {ctx.get('ge')}")
    elif kind == "less_than_equal":
        th, en = f"{label} ต้องไม่เกิน {ctx.get('le')}", f"{field} must be at most {ctx.get('le')}"
    elif kind == "literal_error":
        # pydantic joins the choices with an English "or".
        choices = str(ctx.get("expected", "")).replace(" or ", " หรือ ")
        th, en = (f"{label} ต้องเป็นหนึ่งใน {choices}",
                  f"{field} must be one of {ctx.get('expected')}")
    elif kind == "string_too_long":
        th, en = (f"{label} ยาวเกิน {ctx.get('max_length')} ตัวอักษร",
                  f"{field} is longer than {ctx.get('max_length')} characters")
    elif kind.startswith(("date_", "datetime_")):
        th, en = (f"{label} ต้องเป็นวันที่แบบ ปปปป-ดด-วว (ค.ศ.) เช่น 2024-10-24",
                  f"{field} must be a date as YYYY-MM-DD (Common Era), e.g. 2024-10-24")
    elif kind == "extra_forbidden":
        th, en = f"ไม่รู้จักช่อง {field}", f"unknown field {field}"
    elif kind in ("model_attributes_type", "dict_type", "model_type"):
        th, en = f"{label} ต้องเป็นออบเจกต์ JSON", f"{field} must be a JSON object"
    elif kind == "value_error":
        th, en = split_message(str(ctx.get("error", error.get("msg", ""))))
    else:
        th, en = f"{label}ไม่ถูกต้อง: {error.get('msg', '')}", f"{field}: {error.get('msg', '')}"
    return {"field": field, "th": th, "en": en}


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(400, "bad_json", "เนื้อหาคำขอไม่ใช่ JSON ที่ถูกต้อง",
                       "the request body is not valid JSON")
    if any(tuple(e.get("loc", ())) == ("body",) for e in errors):
        return problem(400, "bad_body", "เนื้อหาคำขอต้องเป็นออบเจกต์ JSON",
                       "the request body must be a JSON object")
    details = [translate_error(dict(e)) for e in errors]
    return problem(422, "invalid", "; ".join(d["th"] for d in details),
                   "; ".join(d["en"] for d in details), errors=details)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem(exc.status, exc.code, exc.thai, exc.english, **exc.extra)


async def _query_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, QueryError)
    return problem(422, "bad_query", exc.thai, exc.english)


async def _index_problem(request: Request, exc: Exception) -> JSONResponse:
    thai, english = split_message(str(exc))
    return problem(503, "index_unavailable", thai, english)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return problem(404, "not_found", f"ไม่พบ {request.url.path}",
                       f"nothing at {request.url.path}; see /docs")
    if exc.status_code == 405:
        return problem(405, "method_not_allowed",
                       f"ใช้เมธอด {request.method} กับ {request.url.path} ไม่ได้",
                       f"{request.method} is not allowed on {request.url.path}")
    return problem(exc.status_code, "http_error", str(exc.detail), str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return problem(500, "internal", "เกิดข้อผิดพลาดภายในระบบ", "internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(QueryError, _query_error)
    app.add_exception_handler(IndexProblem, _index_problem)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

"""One error body for every 4xx/5xx, as /openapi.json documents it, and the one place domain
errors become HTTP statuses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from onwatch.core.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    OnwatchError,
    RateLimited,
    Unauthorized,
)
from onwatch.integrations.body import parse_json

STATUS: dict[type[OnwatchError], int] = {
    Invalid: 422,
    NotFound: 404,
    Conflict: 409,
    Unauthorized: 401,
    Forbidden: 403,
    RateLimited: 429,
}


class FieldProblem(BaseModel):
    field: str  # a JSON path (`teams[2].tech_lead`), a parameter or a form field
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[FieldProblem]


class ErrorBody(BaseModel):
    """What every refusal answers (the intake routes of a wire format answer in its own shape)."""

    error: ErrorDetail


# Every operation's refusals, in /openapi.json (FastAPI's own 422 body is not what we send).
RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "Refused: `fields` names each field at fault."}
}


def error_body(code: str, message: str, fields: list[FieldError] | None = None) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "fields": [{"field": f.field, "message": f.message} for f in fields or []],
        }
    }


def unreadable_body(error: Invalid) -> dict[str, Any]:
    """The 400 answer to a body that is not JSON (body.parse_json), with the field it names."""
    return error_body("invalid_json", error.message, [e for e in error.errors if e.field])


def status_of(error: OnwatchError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def location(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'teams', 2, 'tech_lead') -> 'teams[2].tech_lead'; ('body',) -> 'body' (the
    whole body is missing or of the wrong type)."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "body":
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def validation_fields(errors: list[dict[str, Any]]) -> list[FieldError]:
    return [FieldError(location(e.get("loc", ())), e.get("msg", "invalid")) for e in errors]


def install(app: FastAPI) -> None:
    @app.exception_handler(OnwatchError)
    async def _domain(_request: Request, error: OnwatchError) -> JSONResponse:
        fields = error.errors if isinstance(error, Invalid) else None
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            headers = {"Retry-After": str(error.retry_after)}
        return JSONResponse(
            error_body(error.code, error.message, fields),
            status_code=status_of(error),
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        raw = list(error.errors())
        if any(e.get("type") == "json_invalid" for e in raw):
            return JSONResponse(error_body("invalid_json", "body: not valid JSON"), 400)
        fields = validation_fields(raw)
        return JSONResponse(error_body("invalid", "; ".join(map(str, fields)), fields), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.__cause__ is not None:
            # FastAPI could not decode the JSON body (nested past the interpreter's recursion
            # limit, an integer too long to read): parse_json says which field, if it can.
            try:
                parse_json(await request.body())
            except Invalid as invalid:
                return JSONResponse(unreadable_body(invalid), 400)
        return JSONResponse(
            error_body(f"http_{error.status_code}", str(error.detail)),
            status_code=error.status_code,
            headers=error.headers,
        )

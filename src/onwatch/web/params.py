"""What every route reads alike: an id in the range of an id column on both databases, and no
NUL character in any text a request carries (path, query, form fields, JSON body), because
PostgreSQL cannot store one. Each refusal names its field."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from fastapi import Request

from onwatch.core.errors import FieldError, Invalid
from onwatch.integrations.body import NUL_MESSAGE, parse_json

# PostgreSQL's integer, the id columns' type; SQLite's reach further, but an id means the same
# on both.
MAX_ID = 2**31 - 1
Id = Annotated[int, Ge(1), Le(MAX_ID)]
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def before_id(cursor: str | None) -> int | None:
    """The id in a page cursor this API handed out: opaque to clients, today the last id seen."""
    if not cursor:
        return None
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= len(str(MAX_ID))):
        raise Invalid("not a cursor this API handed out", "cursor")
    before = int(cursor)
    if not 1 <= before <= MAX_ID:
        raise Invalid("not a cursor this API handed out", "cursor")
    return before


async def storable_text(request: Request) -> None:
    """A dependency of every route: Invalid naming each path parameter, query parameter or
    form field with a NUL character, and the first value of a JSON body that could not be
    stored (body.parse_json: NUL, NaN, nesting too deep…), before the route reads any of them.
    Intake routes read their raw bodies through parse_json themselves."""
    problems = [
        FieldError(name, NUL_MESSAGE)
        for name, value in request.path_params.items()
        if isinstance(value, str) and "\x00" in value
    ]
    problems += _fields_with_nul(request.query_params.multi_items())
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type.startswith(FORM_TYPES):
        problems += _fields_with_nul((await request.form()).multi_items())
    elif _is_json(content_type) and getattr(request.scope.get("route"), "body_field", None):
        body = await request.body()
        if body:
            try:
                parse_json(body)
            except Invalid as error:
                problems += error.errors
    if problems:
        raise Invalid(problems)


def _fields_with_nul(items: list[tuple[str, object]]) -> list[FieldError]:
    return [
        FieldError(name.replace("\x00", "\\u0000"), NUL_MESSAGE)
        for name, value in items
        if "\x00" in name or (isinstance(value, str) and "\x00" in value)
    ]


def _is_json(content_type: str) -> bool:
    """As FastAPI decides whether to decode a body as JSON."""
    kind, _, subtype = content_type.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))

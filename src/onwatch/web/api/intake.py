"""Where monitors post: PagerDuty Events v2 (`/v2/enqueue`, `/v2/change/enqueue`, answered as
PagerDuty answers) and webhooks (`/api/v1/intake/{type}/{key}`, or the key as a bearer token).
A 2xx is sent only after the transaction that stored the events has committed."""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from onwatch.core.errors import Forbidden, Invalid, OnwatchError, RateLimited, Unauthorized
from onwatch.integrations import intake, pagerduty
from onwatch.integrations.body import parse_json
from onwatch.integrations.intake import Delivery
from onwatch.integrations.limits import RateLimits
from onwatch.web.api.intake_bodies import (
    PAGERDUTY_CHANGE,
    PAGERDUTY_EVENT,
    PAGERDUTY_RESPONSES,
    WEBHOOK_BODIES,
    request_body,
)
from onwatch.web.api.intake_writer import IntakeWriter
from onwatch.web.context import AppContext
from onwatch.web.errors import error_body, status_of, unreadable_body
from onwatch.web.middleware import DirectEndpoint
from onwatch.web.security import context

router = APIRouter(tags=["intake"])
RETRY_AFTER = {"Retry-After": "1"}
WEBHOOKS = "/api/v1/intake/"


class _JSON(JSONResponse):
    """JSONResponse's bytes from orjson, which writes the str, int, list and dict answers here
    exactly as json.dumps(ensure_ascii=False, separators=(",", ":")) does (checked for every
    code point), 0.3 us against 6.6 for a PagerDuty answer; what orjson refuses (an unpaired
    surrogate) goes JSONResponse's way."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            return super().render(content)


def writer(request: Request) -> IntakeWriter:
    return request.app.state.intake_writer


@router.post(
    "/v2/enqueue",
    status_code=202,
    openapi_extra=request_body(PAGERDUTY_EVENT),
    responses=PAGERDUTY_RESPONSES,
)
async def pagerduty_event(request: Request) -> JSONResponse:
    """PagerDuty Events API v2 alert event: trigger, acknowledge or resolve."""
    raw = await request.body()
    return await _pagerduty_event(writer(request), raw)


@router.post(
    "/v2/change/enqueue",
    status_code=202,
    openapi_extra=request_body(PAGERDUTY_CHANGE),
    responses=PAGERDUTY_RESPONSES,
)
async def pagerduty_change(request: Request) -> JSONResponse:
    """PagerDuty Events API v2 change event: stored on the service as context (deploys…)."""
    raw = await request.body()
    ctx, limits = context(request), writer(request).limits
    return await run_in_threadpool(_pagerduty_change, ctx, limits, raw)


def _webhook_routes(kind: str) -> None:
    """POST /api/v1/intake/{kind}/{key}, and /api/v1/intake/{kind} with a bearer key. One route
    per wire format rather than a `{kind}` catch-all, so other intake paths stay free."""

    async def with_key(key: str, request: Request) -> JSONResponse:
        raw = await request.body()
        return await _webhook(writer(request), kind, key, raw)

    async def with_bearer(request: Request) -> JSONResponse:
        key = _bearer(request.headers.get("authorization", ""))
        raw = await request.body()
        return await _webhook(writer(request), kind, key, raw)

    for path, endpoint, how in (
        (f"/api/v1/intake/{kind}/{{key}}", with_key, "the key in the URL"),
        (f"/api/v1/intake/{kind}", with_bearer, "the key as `Authorization: Bearer <key>`"),
    ):
        router.add_api_route(
            path,
            endpoint,
            methods=["POST"],
            status_code=202,
            name=f"{kind}_{endpoint.__name__}",
            summary=f"{kind.capitalize()} webhook, {how}",
            openapi_extra=request_body(WEBHOOK_BODIES[kind]),
        )


for _kind in intake.WEBHOOK_PARSERS:
    _webhook_routes(_kind)


class DirectIntake:
    """The routes above for middleware.DirectRoutes, which serves them without FastAPI: found
    with a dict lookup, given the body, answered by the same functions as the routes."""

    def __init__(self, ctx: AppContext, writer: IntakeWriter) -> None:
        self.ctx, self.writer = ctx, writer
        self._exact: dict[str, tuple[str, DirectEndpoint]] = {
            "/v2/enqueue": ("/v2/enqueue", self.pagerduty_event),
            "/v2/change/enqueue": ("/v2/change/enqueue", self.pagerduty_change),
        }
        self._with_key: dict[str, tuple[str, DirectEndpoint]] = {}
        for kind in intake.WEBHOOK_PARSERS:
            bearer_path = f"{WEBHOOKS}{kind}"
            self._exact[bearer_path] = (bearer_path, partial(self.webhook_with_bearer, kind))
            self._with_key[kind] = (f"{bearer_path}/{{key}}", partial(self.webhook_with_key, kind))

    def find(self, path: str) -> tuple[str, DirectEndpoint] | None:
        found = self._exact.get(path)
        if found is None and path.startswith(WEBHOOKS):
            # /api/v1/intake/{kind}/{key}: a key is one non-empty path segment.
            kind, slash, key = path[len(WEBHOOKS) :].partition("/")
            if slash and key and "/" not in key:
                return self._with_key.get(kind)
        return found

    async def pagerduty_event(self, _scope: Scope, raw: bytes) -> JSONResponse:
        return await _pagerduty_event(self.writer, raw)

    async def pagerduty_change(self, _scope: Scope, raw: bytes) -> JSONResponse:
        return await run_in_threadpool(_pagerduty_change, self.ctx, self.writer.limits, raw)

    async def webhook_with_key(self, kind: str, scope: Scope, raw: bytes) -> JSONResponse:
        return await _webhook(self.writer, kind, scope["path"].rpartition("/")[2], raw)

    async def webhook_with_bearer(self, kind: str, scope: Scope, raw: bytes) -> JSONResponse:
        authorization = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break  # the first one, as Request.headers.get() reads it
        return await _webhook(self.writer, kind, _bearer(authorization), raw)


def _uuid4_hex() -> str:
    """uuid.uuid4().hex, the same bits set on the same random bytes, without building a UUID
    (3 us of its 7 on the event loop for every PagerDuty event)."""
    random = int.from_bytes(os.urandom(16))
    return f"{random & ~(0xF000 << 64) & ~(0xC000 << 48) | (0x4000 << 64) | (0x8000 << 48):032x}"


def _bearer(authorization: str) -> str:
    scheme, _, key = authorization.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


async def _pagerduty_event(writer: IntakeWriter, raw: bytes) -> JSONResponse:
    try:
        delivery = writer.seen.delivery("pagerduty", None, raw)
        if delivery is None:
            delivery = Delivery("pagerduty", None, parse_json(raw), _uuid4_hex(), raw)
        receipt = await writer.store(delivery)
    except OnwatchError as error:
        return _pagerduty_error(error)
    [outcome] = receipt.outcomes
    return _JSON(pagerduty.accepted_body(outcome.dedup_key), status_code=202)


def _pagerduty_change(ctx: AppContext, rate: RateLimits, raw: bytes) -> JSONResponse:
    try:
        body = parse_json(raw)
        with ctx.db.transaction() as session:
            intake.receive_change(session, body, now=ctx.clock.now(), limits=rate)
    except OnwatchError as error:
        return _pagerduty_error(error)
    return _JSON(pagerduty.change_accepted_body(), status_code=202)


async def _webhook(writer: IntakeWriter, kind: str, key: str, raw: bytes) -> JSONResponse:
    try:
        if not key:
            raise Unauthorized("an integration key is required, in the URL or as a bearer token")
        delivery = writer.seen.delivery(kind, key, raw)
        if delivery is None:
            try:
                delivery = Delivery(kind, key, parse_json(raw), raw=raw)
            except Invalid as error:
                return _JSON(unreadable_body(error), status_code=400)
        receipt = await writer.store(delivery)
    except OnwatchError as error:
        return _error(error)
    summary = {"status": "accepted", "events": len(receipt.outcomes), **receipt.counts()}
    return _JSON(summary, status_code=202)


def _error(error: OnwatchError) -> JSONResponse:
    fields = error.errors if isinstance(error, Invalid) else None
    headers = RETRY_AFTER if isinstance(error, RateLimited) else None
    body = error_body(error.code, error.message, fields)
    return _JSON(body, status_code=status_of(error), headers=headers)


def _pagerduty_error(error: OnwatchError) -> JSONResponse:
    """PagerDuty's answer shape, which PD clients parse: status, message, errors."""
    body: dict[str, Any]
    if isinstance(error, Invalid):
        return _JSON(pagerduty.invalid_event_body(error), status_code=400)
    if isinstance(error, Unauthorized | Forbidden):
        return _JSON(pagerduty.invalid_routing_key_body(), status_code=400)
    if isinstance(error, RateLimited):
        body = {"status": "throttle event", "message": error.message, "errors": []}
        return _JSON(body, status_code=429, headers=RETRY_AFTER)
    body = {"status": error.code, "message": error.message, "errors": [error.message]}
    return _JSON(body, status_code=status_of(error))

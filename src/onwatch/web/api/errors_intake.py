"""Where the Sentry SDKs post: `POST /api/{project_id}/envelope/` and `/store/`, keyed by a DSN's
public key (X-Sentry-Auth or ?sentry_key=), gzip or deflate or plain, with CORS for browser SDKs.
Parsed and grouped on the event loop, stored by a group-commit writer (web/group_commit.py: the
requests that arrive together share one transaction, each in a savepoint); 200
`{"id": event_id}` only once that transaction has committed."""

from __future__ import annotations

import math
import re
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qs

import orjson
from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session
from starlette.types import Scope

from onwatch.core.errors import Invalid, OnwatchError, RateLimited
from onwatch.errors import actions, envelope, items, keys
from onwatch.integrations import sentry_checkins
from onwatch.integrations.limits import RateLimits
from onwatch.web.context import AppContext
from onwatch.web.errors import error_body, status_of
from onwatch.web.group_commit import GroupCommit
from onwatch.web.middleware import DirectEndpoint
from onwatch.web.params import MAX_ID, Id

router = APIRouter(tags=["errors intake"])
PATH = re.compile(r"^/api/(\d{1,18})/(envelope|store)/?$")
CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"x-sentry-error, x-sentry-rate-limits, retry-after"),
]
PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "x-sentry-auth, content-type, content-encoding, "
    "sentry-trace, baggage",
    "Access-Control-Max-Age": "86400",
}
STATUS = {envelope.TooLarge: 413, envelope.UnsupportedEncoding: 415, Invalid: 400}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": 'Stored and committed: `{"id": event_id}`.'},
    400: {"description": "Not an envelope (or event), naming the item at fault."},
    401: {"description": "No DSN key, or one onwatch does not know."},
    403: {"description": "The key belongs to another project."},
    413: {"description": "The body, or what it decompresses to, is over the limit."},
    415: {"description": "A Content-Encoding other than gzip or deflate."},
    429: {"description": "Over the key's rate: Retry-After and X-Sentry-Rate-Limits say when."},
}


class _Answer(Response):
    media_type = "application/json"


class ErrorsIntake:
    """The two endpoints, served by middleware.DirectRoutes (a dict lookup and a regex, no
    FastAPI in the way) and by the routes below when the app runs behind a root path."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.limits = RateLimits(ctx.settings.errors_rate_limit)
        self.writer = GroupCommit(ctx.db, ctx.clock, name="onwatch-errors-intake")

    def find(self, path: str) -> tuple[str, DirectEndpoint] | None:
        if not path.startswith("/api/") or path.startswith("/api/v1/"):
            return None
        found = PATH.match(path)
        # An id no service can have is left to the routes below, which refuse it (422).
        if found is None or not 1 <= int(found.group(1)) <= MAX_ID:
            return None
        return f"/api/{{project_id}}/{found.group(2)}/", self.direct

    async def direct(self, scope: Scope, body: bytes) -> Response:
        found = PATH.match(scope["path"])
        assert found is not None  # find() matched it
        headers = {n.decode("latin-1"): v.decode("latin-1") for n, v in scope["headers"]}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        client = scope.get("client")
        return await self.answer(
            int(found.group(1)),
            found.group(2),
            headers,
            (query.get("sentry_key") or [None])[0],
            client[0] if client else None,
            body,
        )

    async def answer(
        self,
        project_id: int,
        endpoint: str,
        headers: dict[str, str],
        query_key: str | None,
        peer: str | None,
        body: bytes,
    ) -> Response:
        settings = self.ctx.settings
        try:
            raw = envelope.decompress(
                body,
                headers.get("content-encoding", ""),
                settings.errors_max_decompressed_bytes,
            )
            parsed = (
                envelope.parse_envelope(raw)
                if endpoint == "envelope"
                else envelope.event_envelope(raw)
            )
            auth = headers.get("x-sentry-auth", "")
            fallback = query_key or envelope.dsn_key(parsed.headers)
            public_key = envelope.sentry_key(auth, fallback)
            events, counts = actions.parse_events(parsed)
            kept = items.read(
                parsed,
                items.Limits(
                    settings.errors_attachment_max_bytes,
                    settings.errors_envelope_attachments_max_bytes,
                ),
            )
            checkins = sentry_checkins.read(parsed)
            receipt = await self.writer.run(
                partial(self._store, project_id, public_key, events, counts, kept, checkins, peer)
            )
        except OnwatchError as error:
            return _refusal(error)
        event_id = receipt.event_id or parsed.headers.get("event_id")
        answer = {"id": event_id} if isinstance(event_id, str) else {}
        return _Answer(orjson.dumps(answer), headers=dict(_text(CORS)))

    def _store(
        self,
        project_id: int,
        public_key: str,
        events: list[actions.ParsedEvent],
        counts: dict[str, tuple[int, int]],
        kept: list[items.Kept],
        checkins: list[sentry_checkins.CheckIn],
        peer: str | None,
        session: Session,
        now: datetime,
    ) -> actions.Receipt:
        """One request's unit of work, in the writer's transaction (a savepoint of its own).
        The key is looked up once a transaction: the requests of a batch mostly share one."""
        grants = session.info.setdefault("errors_intake_grants", {})
        grant = grants.get((public_key, project_id))
        if grant is None:
            grant = grants[public_key, project_id] = keys.grant_for(session, public_key, project_id)
        if not self.limits.admit(grant.key_id, max(len(events), 1), grant.rate_limit, now):
            raise RateLimited(
                "this DSN key is over its rate limit",
                _retry_after(grant.rate_limit, self.limits.default_per_minute),
            )
        receipt = actions.receive(
            session,
            grant,
            events,
            counts,
            peer=peer,
            now=now,
            keep_samples=self.ctx.settings.errors_samples,
            kept=kept,
        )
        # Check-ins beat heartbeats (alerts/), which errors/ may not import: kept here.
        sentry_checkins.keep(session, grant, checkins, now)
        return receipt


def _retry_after(rate: int | None, default: int) -> int:
    per_minute = default if rate is None else rate
    return max(1, math.ceil(60 / per_minute)) if per_minute > 0 else 1


def _refusal(error: OnwatchError) -> Response:
    status = next((s for kind, s in STATUS.items() if isinstance(error, kind)), None)
    status = status or status_of(error)
    fields = error.errors if isinstance(error, Invalid) else None
    headers = dict(_text(CORS))
    headers["X-Sentry-Error"] = error.message[:200]
    if isinstance(error, RateLimited):
        seconds = str(error.retry_after or 1)
        headers["Retry-After"] = seconds
        # Sentry's header: retry_after:categories:scope; no categories means every category.
        headers["X-Sentry-Rate-Limits"] = f"{seconds}::key"
    body = orjson.dumps(error_body(error.code, error.message, fields))
    return _Answer(body, status_code=status, headers=headers)


def _text(pairs: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode(), value.decode()) for name, value in pairs]


def _intake(request: Request) -> ErrorsIntake:
    return request.app.state.errors_intake


async def _posted(project_id: int, endpoint: str, request: Request) -> Response:
    headers = {name.lower(): value for name, value in request.headers.items()}
    peer = request.client.host if request.client else None
    body = await request.body()
    key = request.query_params.get("sentry_key")
    return await _intake(request).answer(project_id, endpoint, headers, key, peer, body)


@router.post("/api/{project_id}/envelope/", responses=RESPONSES)
async def post_envelope(project_id: Id, request: Request) -> Response:
    """A Sentry envelope: events are grouped into issues, every other item type is counted."""
    return await _posted(project_id, "envelope", request)


@router.post("/api/{project_id}/store/", responses=RESPONSES)
async def post_store(project_id: Id, request: Request) -> Response:
    """A bare Sentry event (the older endpoint)."""
    return await _posted(project_id, "store", request)


@router.options("/api/{project_id}/envelope/", include_in_schema=False)
@router.options("/api/{project_id}/store/", include_in_schema=False)
async def preflight(project_id: Id) -> Response:
    """CORS preflight for browser SDKs."""
    return Response(status_code=204, headers=PREFLIGHT)

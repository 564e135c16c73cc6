"""Metric samples for SLI rules (`/api/v1/intake/metrics/{key}`, or the key as a bearer token,
with an integration key of type `metrics`), and reading the rules' state. 202 after commit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from onwatch.alerts import metrics, metrics_rules
from onwatch.auth.roles import Principal
from onwatch.core.errors import Invalid, OnwatchError, Unauthorized
from onwatch.integrations.body import parse_json
from onwatch.integrations.keys import authenticate_key, note_events
from onwatch.web.api.intake_bodies import METRIC_SAMPLES, request_body
from onwatch.web.context import AppContext
from onwatch.web.errors import error_body, status_of, unreadable_body
from onwatch.web.security import context, viewer

router = APIRouter(tags=["sli"])


@router.post(
    "/api/v1/intake/metrics/{key}", status_code=202, openapi_extra=request_body(METRIC_SAMPLES)
)
async def samples_with_key(key: str, request: Request) -> JSONResponse:
    """Samples for the key's service: one object `{at, requests, errors, p50, p95, p99,
    breaker_open}` or `{"samples": [...]}`; latencies in seconds."""
    raw = await request.body()
    return await run_in_threadpool(_receive, context(request), key, raw)


@router.post("/api/v1/intake/metrics", status_code=202, openapi_extra=request_body(METRIC_SAMPLES))
async def samples_with_bearer(request: Request) -> JSONResponse:
    """The same, with the key sent as `Authorization: Bearer <key>`."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    raw = await request.body()
    key = key.strip() if scheme.lower() == "bearer" else ""
    return await run_in_threadpool(_receive, context(request), key, raw)


def _receive(ctx: AppContext, key: str, raw: bytes) -> JSONResponse:
    try:
        if not key:
            raise Unauthorized("an integration key is required, in the URL or as a bearer token")
        try:
            body = parse_json(raw)
        except Invalid as error:
            return JSONResponse(unreadable_body(error), status_code=400)
        samples = metrics.read_samples(body)
        now = ctx.clock.now()
        with ctx.db.transaction() as session:
            integration = authenticate_key(session, key, "metrics")
            stored = metrics.record_samples(session, integration.service_id, samples, now)
            note_events(session, [(integration.id, integration.last_event_at)], now)
    except OnwatchError as error:
        fields = error.errors if isinstance(error, Invalid) else None
        body = error_body(error.code, error.message, fields)
        return JSONResponse(body, status_code=status_of(error))
    return JSONResponse({"status": "accepted", "samples": stored}, status_code=202)


@router.get("/api/v1/sli-rules")
def list_rules(request: Request, _: Principal = Depends(viewer)) -> list[dict[str, Any]]:
    """Every SLI rule with its spec and the state the engine last evaluated it to."""
    with context(request).db.read() as session:
        return [
            {
                "service": service,
                "name": row.name,
                "spec": row.spec,
                "firing": row.firing,
                "value": row.value,
                "reason": row.reason,
                "changed_at": row.changed_at,
            }
            for row, service in metrics_rules.rule_states(session)
        ]

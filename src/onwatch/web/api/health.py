"""Liveness, readiness and Prometheus metrics, for load balancers and scrapers: unauthenticated,
but for /metrics when ONWATCH_METRICS_TOKEN is set."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from onwatch import __version__
from onwatch.core.errors import Unauthorized
from onwatch.core.tokens import same
from onwatch.web import state_metrics
from onwatch.web.security import context

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    try:
        with context(request).db.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:
        return JSONResponse({"status": "unavailable", "database": type(error).__name__}, 503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    """Request counts and latencies by route template, and what the database holds: the
    outbox and delivery latency (docs/operations.md and docs/delivery.md say what else)."""
    ctx = context(request)
    token = ctx.settings.metrics_token.get_secret_value()
    if token:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not same(sent.strip(), token):
            raise Unauthorized("/metrics needs `Authorization: Bearer` and the metrics token")
    body = generate_latest(ctx.registry) + state_metrics.exposition(ctx.db, ctx.clock.now())
    return Response(body, media_type=CONTENT_TYPE_LATEST)

"""The public status endpoints: no credential, CORS open to any origin for GET, so a client app
can warn its users about maintenance and outages. They show only services marked `public`, an
incident only once a person has acknowledged it (alerts.status), and no authors, titles or
people."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from onwatch.alerts.maintenance import Announced
from onwatch.alerts.status import PublicStatus, public_status
from onwatch.web.security import context

router = APIRouter(prefix="/api/v1/status", tags=["status"])
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Max-Age": "86400",
    # Shared caches may keep it briefly: it is public, and a status page gets stampedes.
    "Cache-Control": "public, max-age=30",
}


def _window(window: Announced) -> dict[str, Any]:
    return {
        "id": window.id,
        "service": window.service,
        "service_name": window.service_name,
        "starts_at": window.starts_at,
        "ends_at": window.ends_at,
        "message": window.message,
        "affected_services": window.affected_services,
    }


def _read(request: Request) -> PublicStatus:
    ctx = context(request)
    with ctx.db.read() as session:
        return public_status(session, ctx.clock.now())


@router.get("/maintenance")
def maintenance(request: Request, response: Response) -> dict[str, Any]:
    """Running (`active`) and upcoming maintenance windows of public services (or of services a
    public one depends on), each with its service, start, end, the message for users, and the
    public services that depend on it."""
    status = _read(request)
    response.headers.update(CORS)
    return {
        "generated_at": status.now,
        "active": [_window(w) for w in status.maintenance if w.active],
        "upcoming": [_window(w) for w in status.maintenance if not w.active],
    }


@router.get("")
def summary(request: Request, response: Response) -> dict[str, Any]:
    """Public services impacted now (an open incident a person has acknowledged: since when,
    major or minor), every public service with its status (`operational`, `maintenance`,
    `minor` or `major`), and the maintenance windows, as the public status page shows them."""
    status = _read(request)
    response.headers.update(CORS)
    return {
        "generated_at": status.now,
        "impacted": [
            {
                "service": i.service,
                "service_name": i.service_name,
                "since": i.since,
                "impact": i.impact,
            }
            for i in status.impacted
        ],
        "services": [
            {"service": s.service, "service_name": s.service_name, "status": s.status}
            for s in status.services
        ],
        "maintenance": {
            "active": [_window(w) for w in status.maintenance if w.active],
            "upcoming": [_window(w) for w in status.maintenance if not w.active],
        },
    }


@router.options("/maintenance", status_code=204)
@router.options("", status_code=204)
def preflight() -> Response:
    return Response(status_code=204, headers=CORS)

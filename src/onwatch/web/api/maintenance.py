"""Maintenance windows: reading needs viewer; creating and cancelling need responder (the
engineer handling an upstream outage sets one, as seed 001 asks) and are audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from onwatch.alerts import maintenance
from onwatch.alerts.models import MaintenanceWindow
from onwatch.alerts.silences import held_counts
from onwatch.alerts.windows import State
from onwatch.auth.roles import Principal
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["maintenance"])


def window_view(
    window: MaintenanceWindow, service: str, now: datetime, held: int
) -> dict[str, Any]:
    return {
        "id": window.id,
        "service": service,
        "starts_at": window.starts_at,
        "ends_at": window.ends_at,
        "state": maintenance.state_of(window, now),
        "message": window.message,
        "author": window.author,
        "created_at": window.created_at,
        "cancelled_at": window.cancelled_at,
        "held_alerts": held,
    }


@router.get("/maintenance")
def list_windows(
    request: Request,
    state: list[State] = Query(["active", "pending"], description="Repeat to ask for several."),
    _: Principal = Depends(viewer),
) -> list[dict[str, Any]]:
    """Running windows first (ending soonest), then upcoming ones, then recently ended."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found = maintenance.list_windows(session, now, state)
        held = held_counts(session, "maintenance", [w.id for w, _ in found])
    return [window_view(w, s.name, now, held.get(w.id, 0)) for w, s in found]


@router.get("/maintenance/{window_id}")
def get_window(window_id: Id, request: Request, _: Principal = Depends(viewer)) -> dict[str, Any]:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        window, service = maintenance.get_window_with_service(session, window_id)
        held = held_counts(session, "maintenance", [window_id])
    return window_view(window, service, now, held.get(window_id, 0))


@router.post("/maintenance", status_code=201)
def create_window(
    body: maintenance.MaintenanceRequest, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    """Alerts of the service are held while it runs and released when it ends; users see the
    message through the public `/api/v1/status/maintenance` and `/status`."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        window = maintenance.create_window(session, body, actor=who.actor, now=now)
    return window_view(window, body.service, now, 0)


@router.post("/maintenance/{window_id}/cancel")
def cancel_window(
    window_id: Id, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    """End a running window now or drop an upcoming one."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        window = maintenance.cancel_window(session, window_id, actor=who.actor, now=now)
        _, service = maintenance.get_window_with_service(session, window_id)
        held = held_counts(session, "maintenance", [window_id])
    ctx.engine_wakeup.set()
    return window_view(window, service, now, held.get(window_id, 0))

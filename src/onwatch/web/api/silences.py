"""Silences: reading needs viewer; creating and expiring need responder (people on call silence
noise while they work) and are audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from onwatch.alerts import silences
from onwatch.alerts.models import Silence
from onwatch.alerts.windows import State, state_at
from onwatch.auth.roles import Principal
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["silences"])


def silence_view(silence: Silence, now: datetime, held: int) -> dict[str, Any]:
    return {
        "id": silence.id,
        "matchers": list(silence.matchers.get("matchers", [])),
        "starts_at": silence.starts_at,
        "ends_at": silence.ends_at,
        "state": state_at(silence.starts_at, silence.ends_at, now),
        "author": silence.author,
        "reason": silence.reason,
        "created_at": silence.created_at,
        "held_alerts": held,
    }


@router.get("/silences")
def list_silences(
    request: Request,
    state: list[State] = Query(["active", "pending"], description="Repeat to ask for several."),
    _: Principal = Depends(viewer),
) -> list[dict[str, Any]]:
    """Active silences first (ending soonest), then pending ones, then recently expired."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found = silences.list_silences(session, now, state)
        held = silences.held_counts(session, "silence", [s.id for s in found])
    return [silence_view(s, now, held.get(s.id, 0)) for s in found]


@router.get("/silences/{silence_id}")
def get_silence(silence_id: Id, request: Request, _: Principal = Depends(viewer)) -> dict[str, Any]:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        silence = silences.get_silence(session, silence_id)
        held = silences.held_counts(session, "silence", [silence_id])
    return silence_view(silence, now, held.get(silence_id, 0))


@router.post("/silences", status_code=201)
def create_silence(
    body: silences.SilenceRequest, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    """Matching alerts that start firing while it is active are stored but page no one; if
    they still fire when it ends, they open an incident then."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        silence = silences.create_silence(session, body, actor=who.actor, now=now)
    return silence_view(silence, now, 0)


@router.post("/silences/{silence_id}/expire")
def expire_silence(
    silence_id: Id, request: Request, who: Principal = Depends(responder)
) -> dict[str, Any]:
    """End it now. What it held opens incidents at the engine's next tick if still firing."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        silence = silences.expire_silence(session, silence_id, actor=who.actor, now=now)
        held = silences.held_counts(session, "silence", [silence_id])
    ctx.engine_wakeup.set()
    return silence_view(silence, now, held.get(silence_id, 0))

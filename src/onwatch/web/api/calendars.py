"""Calendars: business hours, holidays and acknowledgement deadlines, and what a calendar says
about an instant. Reads need viewer; changes need admin and are audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from onwatch.auth.roles import Principal
from onwatch.calendars import actions, queries
from onwatch.calendars.fields import duration_text
from onwatch.calendars.instants import parse_instant
from onwatch.calendars.specs import CalendarSpec
from onwatch.calendars.status import calendar_status
from onwatch.core.errors import Conflict, Invalid
from onwatch.web.security import admin, context, viewer

router = APIRouter(prefix="/api/v1", tags=["calendars"])


class CalendarStatusView(BaseModel):
    calendar: str
    at: datetime
    open: bool
    next_change_at: datetime | None  # when it next opens (if closed) or closes (if open)
    holiday: str | None  # the holiday on the calendar's local date
    ack_deadline: str | None  # "15m": the time to acknowledge something arriving at `at`
    ack_deadline_seconds: int | None
    ack_due_at: datetime | None


@router.get("/calendars")
def list_calendars(request: Request, _: Principal = Depends(viewer)) -> list[CalendarSpec]:
    with context(request).db.read() as session:
        return queries.calendar_specs(session)


@router.get("/calendars/{name}")
def get_calendar(name: str, request: Request, _: Principal = Depends(viewer)) -> CalendarSpec:
    with context(request).db.read() as session:
        return queries.get_calendar_spec(session, name)


@router.get("/calendars/{name}/status")
def status(
    name: str,
    request: Request,
    at: str | None = Query(None, description="ISO 8601 instant with its offset; default: now."),
    _: Principal = Depends(viewer),
) -> CalendarStatusView:
    """Open or closed at `at`, until when, and the acknowledgement deadline (with its rule
    applied) of something that arrives then."""
    ctx = context(request)
    when = parse_instant(at, "at") if at else ctx.clock.now()
    with ctx.db.read() as session:
        found = calendar_status(queries.get_calendar_spec(session, name), when)
    deadline = found.ack_deadline
    return CalendarStatusView(
        calendar=found.calendar,
        at=found.at,
        open=found.is_open,
        next_change_at=found.next_change_at,
        holiday=found.holiday,
        ack_deadline=duration_text(deadline) if deadline is not None else None,
        ack_deadline_seconds=int(deadline.total_seconds()) if deadline is not None else None,
        ack_due_at=found.ack_due_at,
    )


@router.post("/calendars", status_code=201)
def create_calendar(
    spec: CalendarSpec, request: Request, who: Principal = Depends(admin)
) -> CalendarSpec:
    ctx = context(request)
    with ctx.db.transaction() as session:
        if queries.calendar_row(session, spec.name) is not None:
            raise Conflict(f"name: a calendar {spec.name!r} already exists")
        actions.put_calendar(session, spec, actor=who.actor, now=ctx.clock.now())
    return spec


@router.put("/calendars/{name}")
def put_calendar(
    name: str, spec: CalendarSpec, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    if name != spec.name:
        raise Invalid(f"must match the URL ({name!r})", "name")
    ctx = context(request)
    with ctx.db.transaction() as session:
        change = actions.put_calendar(session, spec, actor=who.actor, now=ctx.clock.now())
    if change is None:
        return {"changed": False}
    return {"changed": True, "action": change.action, "fields": sorted(change.fields)}


@router.delete("/calendars/{name}", status_code=204)
def delete_calendar(name: str, request: Request, who: Principal = Depends(admin)) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        actions.delete_calendar(session, name, actor=who.actor, now=ctx.clock.now())
    return Response(status_code=204)

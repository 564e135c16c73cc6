"""Schedules and who is on call. Reads need viewer; changing a schedule needs admin; adding or
removing an override (for yourself or someone else) needs responder. Every change is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from onwatch.auth.roles import Principal
from onwatch.calendars.instants import parse_instant
from onwatch.core.errors import Conflict, Invalid
from onwatch.schedules import actions, lookups, queries
from onwatch.schedules.specs import NewOverrideSpec, ScheduleSpec
from onwatch.web.params import Id
from onwatch.web.security import admin, context, responder, viewer

router = APIRouter(prefix="/api/v1", tags=["schedules"])


def _at(text: str | None, now: datetime) -> datetime:
    return parse_instant(text, "at") if text else now


@router.get("/schedules")
def list_schedules(request: Request, _: Principal = Depends(viewer)) -> list[ScheduleSpec]:
    with context(request).db.read() as session:
        return queries.schedule_specs(session)


@router.get("/schedules/{name}")
def get_schedule(name: str, request: Request, _: Principal = Depends(viewer)) -> ScheduleSpec:
    """The schedule as declared: layers and the overrides its config manages (see /overrides
    for every override, including those added at run time)."""
    with context(request).db.read() as session:
        return queries.schedule_spec(session, queries.get_schedule_row(session, name))


@router.post("/schedules", status_code=201)
def create_schedule(
    spec: ScheduleSpec, request: Request, who: Principal = Depends(admin)
) -> ScheduleSpec:
    ctx = context(request)
    with ctx.db.transaction() as session:
        if queries.schedule_row(session, spec.name) is not None:
            raise Conflict(f"name: a schedule {spec.name!r} already exists")
        actions.put_schedule(session, spec, actor=who.actor, now=ctx.clock.now())
    return spec


@router.put("/schedules/{name}")
def put_schedule(
    name: str, spec: ScheduleSpec, request: Request, who: Principal = Depends(admin)
) -> dict[str, Any]:
    if name != spec.name:
        raise Invalid(f"must match the URL ({name!r})", "name")
    ctx = context(request)
    with ctx.db.transaction() as session:
        change = actions.put_schedule(session, spec, actor=who.actor, now=ctx.clock.now())
    if change is None:
        return {"changed": False}
    return {"changed": True, "action": change.action, "fields": sorted(change.fields)}


@router.delete("/schedules/{name}", status_code=204)
def delete_schedule(name: str, request: Request, who: Principal = Depends(admin)) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        actions.delete_schedule(session, name, actor=who.actor, now=ctx.clock.now())
    return Response(status_code=204)


@router.get("/oncall")
def everyone_on_call(
    request: Request,
    at: str | None = Query(None, description="ISO 8601 instant with its offset; default: now."),
    _: Principal = Depends(viewer),
) -> list[lookups.OnCall]:
    """Every role of every schedule and who holds it now (or at `at`)."""
    ctx = context(request)
    with ctx.db.read() as session:
        return lookups.everyone_on_call(session, _at(at, ctx.clock.now()))


@router.get("/schedules/{name}/oncall")
def on_call(
    name: str,
    request: Request,
    role: str | None = Query(None, description="Only this role."),
    at: str | None = Query(None, description="ISO 8601 instant with its offset; default: now."),
    _: Principal = Depends(viewer),
) -> list[lookups.OnCall]:
    """Who holds each role of the schedule (or `role`) at `at`; `holder` null is a gap."""
    ctx = context(request)
    with ctx.db.read() as session:
        return lookups.on_call_at(session, name, _at(at, ctx.clock.now()), role)


@router.get("/schedules/{name}/shifts")
def shifts(
    name: str,
    request: Request,
    start: str | None = Query(None, alias="from", description="Default: now."),
    end: str | None = Query(None, alias="to", description="Default: four weeks on; max a year."),
    role: str | None = Query(None, description="Only this role."),
    _: Principal = Depends(viewer),
) -> lookups.Shifts:
    """The resolved shifts (layers, restrictions and overrides applied) tiling [from, to); a
    bare date is midnight in the schedule's zone. `holder` null is a gap."""
    ctx = context(request)
    with ctx.db.read() as session:
        return lookups.shifts_between(session, name, start, end, ctx.clock.now(), role)


@router.get("/schedules/{name}/gaps")
def gaps(
    name: str,
    request: Request,
    start: str | None = Query(None, alias="from", description="Default: now."),
    end: str | None = Query(None, alias="to", description="Default: four weeks on; max a year."),
    _: Principal = Depends(viewer),
) -> lookups.Shifts:
    """Time nobody covers in [from, to), within the schedule's coverage calendar if it has one."""
    ctx = context(request)
    with ctx.db.read() as session:
        return lookups.gaps_between(session, name, start, end, ctx.clock.now())


@router.get("/schedules/{name}/handoffs/next")
def next_handoff(
    name: str,
    request: Request,
    role: str | None = Query(None, description="Only this role."),
    at: str | None = Query(None, description="After this instant; default: now."),
    _: Principal = Depends(viewer),
) -> lookups.HandOffView | None:
    ctx = context(request)
    with ctx.db.read() as session:
        return lookups.coming_handoff(session, name, _at(at, ctx.clock.now()), role)


@router.get("/schedules/{name}/handoffs")
def recorded_handoffs(
    name: str,
    request: Request,
    start: str | None = Query(None, alias="from", description="Default: four weeks ago."),
    end: str | None = Query(None, alias="to", description="Default: now."),
    _: Principal = Depends(viewer),
) -> list[lookups.HandOffView]:
    """Hand-offs as the engine recorded them when they happened."""
    ctx = context(request)
    with ctx.db.read() as session:
        return lookups.recorded_handoffs(session, name, start, end, ctx.clock.now())


@router.get("/schedules/{name}/overrides")
def list_overrides(
    name: str,
    request: Request,
    since: str | None = Query(None, description="Those still running after; default: now."),
    _: Principal = Depends(viewer),
) -> list[lookups.OverrideView]:
    ctx = context(request)
    with ctx.db.read() as session:
        when = parse_instant(since, "since") if since else ctx.clock.now()
        return lookups.overrides_of(session, name, when)


@router.post("/schedules/{name}/overrides", status_code=201)
def add_override(
    name: str, spec: NewOverrideSpec, request: Request, who: Principal = Depends(responder)
) -> lookups.OverrideView:
    """Someone covers a person (or a role) from `start_at` to `end_at`; it wins over every
    override made before it, and `onwatch apply` keeps it."""
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.transaction() as session:
        row = actions.add_override(session, name, spec, actor=who.actor, now=now)
        return lookups.OverrideView(
            id=row.id,
            schedule=name,
            covering=spec.covering,
            covered=spec.covered,
            role=spec.role,
            start_at=row.start_at,
            end_at=row.end_at,
            reason=row.reason,
            author=row.author,
            origin=row.origin,
            created_at=row.created_at,
        )


@router.delete("/schedules/{name}/overrides/{override_id}", status_code=204)
def delete_override(
    name: str, override_id: Id, request: Request, who: Principal = Depends(responder)
) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        actions.delete_override(session, name, override_id, actor=who.actor, now=ctx.clock.now())
    return Response(status_code=204)

"""Schedule pages: every schedule with who is on call now and "my shifts"; one schedule's
timeline with its overrides and gaps; the "cover me" override form and removing an override
(responder, CSRF)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.calendars.fields import invalid_from
from onwatch.calendars.instants import EARLIEST, LATEST, OUT_OF_RANGE, wall_instant
from onwatch.core.errors import FieldError, Invalid
from onwatch.schedules import actions, lookups, queries
from onwatch.schedules.coverage import gap_warnings
from onwatch.schedules.specs import NewOverrideSpec
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.pages.schedule_timeline import agenda, range_of, timeline, week_start
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Schedules", "/schedules", 30),)
MAX_WEEKS = 12
MY_SHIFTS = timedelta(weeks=4)
MARGIN = timedelta(weeks=8)


@router.get("/schedules", response_class=HTMLResponse)
def schedules(request: Request, who: Principal = Depends(viewer)) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        on_call = lookups.everyone_on_call(session, now)
        mine = _my_shifts(session, who.person_handle, now) if who.person_handle else []
        warnings = _warnings(session, now)
    return page(
        request,
        "schedules/list.html",
        on_call=on_call,
        mine=mine,
        person=who.person_handle,
        warnings=warnings,
        now=now,
    )


@router.get("/schedules/{name}", response_class=HTMLResponse)
def schedule(
    name: str,
    request: Request,
    start: str = "",
    weeks: int = 4,
    _: Principal = Depends(viewer),
) -> Response:
    return _schedule_page(request, name, start, weeks)


@router.post("/schedules/{name}/overrides", response_class=HTMLResponse)
def add_override(
    name: str,
    request: Request,
    covering: str = Form(""),
    covered: str = Form(""),
    role: str = Form(""),
    start_at: str = Form(""),
    end_at: str = Form(""),
    reason: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    """The "cover me" form: local times in the schedule's zone."""
    ctx = context(request)
    now = ctx.clock.now()
    form = {
        "covering": covering,
        "covered": covered,
        "role": role,
        "start_at": start_at,
        "end_at": end_at,
        "reason": reason,
    }
    try:
        with ctx.db.transaction() as session:
            zone = ZoneInfo(queries.get_schedule_row(session, name).time_zone)
            spec = _override_spec(form, zone)
            actions.add_override(session, name, spec, actor=who.actor, now=now)
    except Invalid as error:
        return _schedule_page(request, name, "", 4, status=422, errors=error.errors, form=form)
    return RedirectResponse(f"/schedules/{name}#overrides", status_code=303)


@router.post("/schedules/{name}/overrides/{override_id}/remove", response_class=HTMLResponse)
def remove_override(
    name: str,
    override_id: Id,
    request: Request,
    confirm: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    """Remove an override added at run time; `confirm` repeats its id (the confirming form in
    the overrides table sends it). One from the config file is changed in the file."""
    ctx = context(request)
    try:
        if confirm != str(override_id):
            raise Invalid("the override was not removed: confirm it", "confirm")
        with ctx.db.transaction() as session:
            actions.delete_override(
                session, name, override_id, actor=who.actor, now=ctx.clock.now()
            )
    except Invalid as error:
        return _schedule_page(request, name, "", 4, status=422, override_errors=error.errors)
    return RedirectResponse(f"/schedules/{name}#overrides", status_code=303)


def _schedule_page(
    request: Request,
    name: str,
    start: str,
    weeks: int,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    form: dict[str, str] | None = None,
    override_errors: list[FieldError] | None = None,
) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    weeks = min(max(weeks, 1), MAX_WEEKS)
    with ctx.db.read() as session:
        loaded = queries.Schedules(session)
        zone = ZoneInfo(loaded.time_zone(name))
        first = _first_day(start, now, zone)
        found = lookups.shifts_between(session, name, *range_of(first, weeks, zone), now)
        spec = queries.schedule_spec(session, queries.get_schedule_row(session, name))
        schedule_now = loaded.get(name)
        gaps = lookups.gaps_between(session, name, *range_of(first, weeks, zone), now).shifts
        drawing = timeline(found, sorted(schedule_now.people), now, gaps)
        days = agenda(found, sorted(schedule_now.people), now, gaps)
        on_call = lookups.on_call_at(session, name, now)
        overrides = lookups.overrides_of(session, name, now)
    who = request.state.principal
    return page(
        request,
        "schedules/schedule.html",
        status=status,
        spec=spec,
        found=found,
        drawing=drawing,
        days=days,
        on_call=on_call,
        overrides=overrides,
        gaps=gaps,
        zone=zone,
        people=sorted(schedule_now.people),
        roles=list(schedule_now.roles),
        first=first,
        weeks=weeks,
        earlier=(first - timedelta(weeks=weeks)).isoformat(),
        later=(first + timedelta(weeks=weeks)).isoformat(),
        can_cover=has_role(who.role, Role.responder),
        errors=errors or [],
        override_errors=override_errors or [],
        form=form or _blank_form(who, now, zone),
    )


def _first_day(start: str, now: datetime, zone: ZoneInfo) -> date:
    try:
        day = date.fromisoformat(start) if start else now.astimezone(zone).date()
    except ValueError:
        raise Invalid(f"not a date: {start!r} (use YYYY-MM-DD)", "start") from None
    if not EARLIEST.date() <= day < LATEST.date():
        raise Invalid(OUT_OF_RANGE, "start")
    return week_start(day)


def _blank_form(who: Principal, now: datetime, zone: ZoneInfo) -> dict[str, str]:
    """ "Cover me": the logged-in person is the one covered, from the next hour for a day."""
    local = now.astimezone(zone).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        "covering": "",
        "covered": who.person_handle or "",
        "role": "",
        "start_at": local.strftime("%Y-%m-%dT%H:%M"),
        "end_at": (local + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "",
    }


def _override_spec(form: dict[str, str], zone: ZoneInfo) -> NewOverrideSpec:
    errors: list[FieldError] = []
    instants: dict[str, Any] = {}
    for field in ("start_at", "end_at"):
        try:
            wall = datetime.fromisoformat(form[field]).replace(tzinfo=None)
            instants[field] = wall_instant(wall, zone)
        except ValueError:
            errors.append(FieldError(field, "give a date and time"))
    if errors:
        raise Invalid(errors)
    try:
        return NewOverrideSpec(
            covering=form["covering"],
            covered=form["covered"] or None,
            role=form["role"] or None,
            reason=form["reason"],
            **instants,
        )
    except ValidationError as error:
        raise invalid_from(error) from None


def _my_shifts(session: Session, handle: str, now: datetime) -> list[dict[str, Any]]:
    """The person's shifts over the coming four weeks, in every schedule, soonest first."""
    found = []
    # Looked up over a wider range so that a shift keeps its true start and end.
    start, end = (now - MARGIN).isoformat(), (now + MY_SHIFTS + MARGIN).isoformat()
    for name in queries.Schedules(session).names():
        shifts = lookups.shifts_between(session, name, start, end, now)
        for shift in shifts.shifts:
            if shift.holder == handle and shift.end_at > now and shift.start_at < now + MY_SHIFTS:
                found.append({"schedule": name, "zone": ZoneInfo(shifts.time_zone), "shift": shift})
    return sorted(found, key=lambda item: item["shift"].start_at)


def _warnings(session: Session, now: datetime) -> list[str]:
    loaded = queries.Schedules(session)
    found = []
    for schedule in loaded.all(since=now):
        zone = ZoneInfo(loaded.time_zone(schedule.name))
        found += gap_warnings(schedule, now, now + queries.GAP_HORIZON, zone)
    return found

"""The maintenance page: running, upcoming and recently ended windows; a form to plan one on
any service, ours or upstream, with the message users will see; cancelling (responder, CSRF)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from onwatch.alerts import maintenance
from onwatch.alerts.silences import held_counts
from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import FieldError, Invalid
from onwatch.directory.queries import list_services
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.pages.silences import shown, utc_instant
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Maintenance", "/maintenance", 45),)
BLANK = {"service": "", "starts_at": "", "ends_at": "", "duration": "2h", "message": ""}


def request_from(form: dict[str, str]) -> maintenance.MaintenanceRequest:
    errors: list[FieldError] = []
    values: dict[str, Any] = {"service": form["service"], "message": form["message"].strip()}
    for field in ("starts_at", "ends_at"):
        try:
            values[field] = utc_instant(form[field], field)
        except Invalid as error:
            errors += error.errors
    if form["duration"].strip() and not form["ends_at"].strip():
        values["duration"] = form["duration"].strip()
    try:
        request = maintenance.MaintenanceRequest.model_validate(values)
    except ValidationError as error:
        errors += [
            FieldError(".".join(map(str, e["loc"])), e["msg"].removeprefix("Value error, "))
            for e in error.errors()
        ]
    if errors:
        raise Invalid(errors)
    return request


def _page(
    request: Request,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found = maintenance.list_windows(session, now, ("active", "pending", "expired"))
        held = held_counts(session, "maintenance", [w.id for w, _ in found])
        services = [(s.name, s.controlled) for s in list_services(session)]
    who = request.state.principal
    return page(
        request,
        "maintenance/list.html",
        status=status,
        rows=[(w, s, held.get(w.id, 0)) for w, s in found],
        services=services,
        now=now,
        can_change=has_role(who.role, Role.responder),
        form=form or dict(BLANK),
        errors=shown(errors or []),
    )


@router.get("/maintenance", response_class=HTMLResponse)
def maintenance_page(
    request: Request, service: str = "", _: Principal = Depends(viewer)
) -> Response:
    return _page(request, form={**BLANK, "service": service})


@router.post("/maintenance", response_class=HTMLResponse)
def add_window(
    request: Request,
    service: str = Form(""),
    starts_at: str = Form(""),
    ends_at: str = Form(""),
    duration: str = Form(""),
    message: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    form = {
        "service": service,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "duration": duration,
        "message": message,
    }
    try:
        body = request_from(form)
        with ctx.db.transaction() as session:
            made = maintenance.create_window(session, body, actor=who.actor, now=ctx.clock.now())
    except Invalid as error:
        return _page(request, status=422, form=form, errors=error.errors)
    return RedirectResponse(f"/maintenance#window-{made.id}", status_code=303)


@router.post("/maintenance/{window_id}/cancel")
def cancel_window(window_id: Id, request: Request, who: Principal = Depends(responder)) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        maintenance.cancel_window(session, window_id, actor=who.actor, now=ctx.clock.now())
    ctx.engine_wakeup.set()
    return RedirectResponse(f"/maintenance#window-{window_id}", status_code=303)

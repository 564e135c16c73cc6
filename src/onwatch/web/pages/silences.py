"""The silences page: active, pending and recently expired silences with the alerts each holds;
a form to add one (matchers one per line) and a button to expire one (responder, CSRF)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from onwatch.alerts import silences
from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import FieldError, Invalid
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Silences", "/silences", 40),)
FORM_FIELDS = ("matchers", "starts_at", "ends_at", "duration", "reason")


def utc_instant(value: str, field: str) -> datetime | None:
    """A `datetime-local` field read as UTC (the forms say so); None when left empty."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=UTC)
    except ValueError:
        raise Invalid("give a date and time, or leave it empty", field) from None


def shown(errors: list[FieldError]) -> list[str]:
    """Errors as a person reads them next to the form: `matchers[1]` is line 2."""
    out = []
    for error in errors:
        field = error.field
        if field.startswith("matchers[") and field.endswith("]"):
            field = f"matchers, line {int(field[9:-1]) + 1}"
        out.append(f"{field.replace('_', ' ')}: {error.message}" if field else error.message)
    return out


def request_from(form: dict[str, str]) -> silences.SilenceRequest:
    errors: list[FieldError] = []
    instants: dict[str, datetime | None] = {}
    for field in ("starts_at", "ends_at"):
        try:
            instants[field] = utc_instant(form[field], field)
        except Invalid as error:
            errors += error.errors
    lines = [line.strip() for line in form["matchers"].splitlines() if line.strip()]
    try:  # checked here too, so a bad date does not hide a bad matcher
        silences.checked_matchers(lines)
    except Invalid as error:
        errors += error.errors
    values: dict[str, Any] = {"matchers": lines, "reason": form["reason"].strip(), **instants}
    if form["duration"].strip():
        values["duration"] = form["duration"].strip()
    try:
        request = silences.SilenceRequest.model_validate(values)
    except ValidationError as error:
        errors += [
            FieldError(".".join(map(str, e["loc"])), e["msg"].removeprefix("Value error, "))
            for e in error.errors()
            if e["loc"][:1] != ("matchers",)
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
        found = silences.list_silences(session, now, ("active", "pending", "expired"))
        held = silences.held_counts(session, "silence", [s.id for s in found])
    who = request.state.principal
    return page(
        request,
        "silences/list.html",
        status=status,
        rows=[(s, held.get(s.id, 0)) for s in found],
        now=now,
        can_change=has_role(who.role, Role.responder),
        form=form
        or {"matchers": "", "starts_at": "", "ends_at": "", "duration": "2h", "reason": ""},
        errors=shown(errors or []),
    )


@router.get("/silences", response_class=HTMLResponse)
def silences_page(
    request: Request,
    matcher: list[str] = Query([], description="Prefill the form, e.g. from an alert."),
    _: Principal = Depends(viewer),
) -> Response:
    form = {
        "matchers": "\n".join(matcher),
        "starts_at": "",
        "ends_at": "",
        "duration": "2h",
        "reason": "",
    }
    return _page(request, form=form)


@router.post("/silences", response_class=HTMLResponse)
def add_silence(
    request: Request,
    matchers: str = Form(""),
    starts_at: str = Form(""),
    ends_at: str = Form(""),
    duration: str = Form(""),
    reason: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    form = dict(zip(FORM_FIELDS, (matchers, starts_at, ends_at, duration, reason), strict=True))
    if ends_at.strip():
        form["duration"] = ""  # an end given in the form wins over the default duration
    try:
        body = request_from(form)
        with ctx.db.transaction() as session:
            made = silences.create_silence(session, body, actor=who.actor, now=ctx.clock.now())
    except Invalid as error:
        return _page(request, status=422, form=form, errors=error.errors)
    return RedirectResponse(f"/silences#silence-{made.id}", status_code=303)


@router.post("/silences/{silence_id}/expire")
def expire_silence(
    silence_id: Id, request: Request, who: Principal = Depends(responder)
) -> Response:
    ctx = context(request)
    with ctx.db.transaction() as session:
        silences.expire_silence(session, silence_id, actor=who.actor, now=ctx.clock.now())
    ctx.engine_wakeup.set()
    return RedirectResponse(f"/silences#silence-{silence_id}", status_code=303)

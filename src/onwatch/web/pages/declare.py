"""The "Declare an incident" page, /incidents/new, for responders: service, title, severity,
priority and summary. The form carries an idempotency key made when it is shown, so a double
click or a resent form declares once. A refused field re-renders the form naming it (422)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from onwatch.auth.roles import Principal
from onwatch.core.errors import Invalid
from onwatch.incidents import declaring
from onwatch.incidents.models import PRIORITIES, SEVERITIES, SeverityLevel
from onwatch.web.pages.alerts import service_names
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.security import context, responder

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()
FIELDS = ("service", "title", "severity", "priority", "summary")


def _new_page(
    request: Request,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    key: str | None = None,
    error: str | None = None,
) -> Response:
    with context(request).db.read() as session:
        services = service_names(session)
        names = dict(session.execute(select(SeverityLevel.code, SeverityLevel.name)).all())
    severities = [(code, f"{code.upper()} · {names[code]}" if code in names else code.upper())
                  for code in SEVERITIES]  # fmt: skip
    shown = {name: "" for name in FIELDS} | {"severity": declaring.DEFAULT_SEVERITY}
    return page(
        request,
        "declare/new.html",
        status=status,
        services=services,
        severities=severities,
        priorities=PRIORITIES,
        values=shown | (values or {}),
        errors=errors or {},
        error=error
        or (
            "Nothing was declared yet: please correct the fields marked below." if errors else None
        ),
        key=key or str(uuid.uuid4()),
        max_title=declaring.MAX_TITLE,
        max_summary=declaring.MAX_SUMMARY,
    )


@router.get("/incidents/new", response_class=HTMLResponse)
def new_incident(request: Request, _: Principal = Depends(responder)) -> Response:
    return _new_page(request)


@router.post("/incidents/new", response_class=HTMLResponse)
def declare_incident(
    request: Request,
    service: str = Form(""),
    title: str = Form(""),
    severity: str = Form(declaring.DEFAULT_SEVERITY),
    priority: str = Form(""),
    summary: str = Form(""),
    key: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    values = {"service": service, "title": title, "severity": severity, "priority": priority}
    values["summary"] = summary
    try:
        with ctx.db.transaction() as session:
            done = declaring.declare(
                session,
                service=service,
                title=title,
                severity=severity,
                priority=priority or None,
                summary=summary,
                actor=who.actor,
                source="ui",
                now=ctx.clock.now(),
                key=f"ui:{key}" if key else None,
            )
            incident_id = done.incident.id
    except Invalid as refused:
        errors = {e.field: e.message for e in refused.errors}
        if declaring.KEY_FIELD in errors:
            # This form, sent before, declared an incident; changed and sent again, it gets a
            # new key, so that sending it once more declares the changed one.
            said = errors[declaring.KEY_FIELD].replace("was already used", "This form was used")
            return _new_page(request, status=422, values=values, error=said.split(";")[0] + ".")
        return _new_page(request, status=422, values=values, errors=errors, key=key)
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)

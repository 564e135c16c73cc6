"""Integrations for admins: each one's URL to paste and a curl to test it; create one, rotate its
key (a new key is shown once, only its hash is kept) or delete it. Each change goes through
integrations.keys or integrations.specs, which audit it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth.roles import Principal, Role
from onwatch.core.errors import Conflict, Invalid, NotFound
from onwatch.directory.queries import service_names
from onwatch.integrations import keys, specs
from onwatch.integrations.endpoints import SENDING_KINDS, Endpoint, endpoint
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.security import admin, context

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Integrations", "/admin/integrations", 91, Role.admin),)
HOME = "/admin/integrations"
KIND_LABELS = {
    "pagerduty": "PagerDuty Events API v2",
    "alertmanager": "Prometheus Alertmanager",
    "grafana": "Grafana alerting",
    "datadog": "Datadog webhook",
    "generic": "Generic JSON",
    "metrics": "Metric samples (SLI rules)",
    "heartbeat": "Heartbeat",
}


@dataclass(frozen=True)
class Row:
    """One integration as the page shows it."""

    name: str
    service: str
    kind: str
    created_at: datetime
    last_event_at: datetime | None
    disabled: bool
    routes: int
    endpoint: Endpoint | None


@dataclass(frozen=True)
class Issued:
    """A key just made (created or rotated): shown on this answer only."""

    name: str
    verb: str  # "created" or "rotated"
    key: str
    row: Row


def _rows(request: Request, key_for: dict[str, str] | None = None) -> list[Row]:
    base = context(request).settings.resolved_base_url()
    key_for = key_for or {}
    with context(request).db.read() as session:
        service_of = service_names(session)
        return [
            Row(
                name=i.name,
                service=service_of[i.service_id],
                kind=i.kind,
                created_at=i.created_at,
                last_event_at=i.last_event_at,
                disabled=i.disabled_at is not None,
                routes=len((i.routes or {}).get("routes", [])),
                endpoint=endpoint(i.kind, base, i.name, key_for.get(i.name)),
            )
            for i in keys.list_integrations(session)
        ]


def _page(
    request: Request,
    *,
    status: int = 200,
    issued: tuple[str, str, str] | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The page; `issued` is (name, "created" or "rotated", key) right after a key was made."""
    rows = _rows(request, {issued[0]: issued[2]} if issued else None)
    shown = None
    if issued is not None:
        name, verb, key = issued
        shown = Issued(name, verb, key, next(row for row in rows if row.name == name))
    with context(request).db.read() as session:
        services = sorted(service_names(session).values())
    return page(
        request,
        "integrations/list.html",
        status=status,
        rows=[row for row in rows if shown is None or row.name != shown.name],
        issued=shown,
        error=error,
        form=form or {"name": "", "service": "", "kind": ""},
        services=services,
        kinds=[(kind, KIND_LABELS[kind]) for kind in SENDING_KINDS],
        labels=KIND_LABELS,
    )


@router.get(HOME, response_class=HTMLResponse)
def integrations(request: Request, _: Principal = Depends(admin)) -> Response:
    return _page(request)


@router.post(HOME, response_class=HTMLResponse)
def create_integration(
    request: Request,
    name: str = Form(""),
    service: str = Form(""),
    kind: str = Form(""),
    who: Principal = Depends(admin),
) -> Response:
    ctx = context(request)
    form = {"name": name.strip(), "service": service, "kind": kind}
    try:
        with ctx.db.transaction() as session:
            issued = keys.create_integration(
                session,
                name=form["name"],
                service=service,
                kind=kind,
                actor=who.actor,
                now=ctx.clock.now(),
            )
    except (Invalid, Conflict, NotFound) as error:
        status = 409 if isinstance(error, Conflict) else 422
        return _page(request, status=status, error=error.message, form=form)
    # Rendered, not redirected: the key must never travel in a URL or be shown twice.
    return _page(request, status=201, issued=(form["name"], "created", issued.key))


@router.post(f"{HOME}/rotate", response_class=HTMLResponse)
def rotate_key(
    request: Request,
    name: str = Form(""),
    confirm: str = Form(""),
    who: Principal = Depends(admin),
) -> Response:
    """A new key; the old one stops working at once. `confirm` must repeat the name (the
    confirming form sends it)."""
    ctx = context(request)
    if confirm != name:
        return _page(request, status=422, error=f"the key of {name!r} was not rotated: confirm it")
    with ctx.db.transaction() as session:
        issued = keys.rotate_key(session, name=name, actor=who.actor, now=ctx.clock.now())
    return _page(request, issued=(name, "rotated", issued.key))


@router.post(f"{HOME}/delete")
def delete_integration(
    request: Request,
    name: str = Form(""),
    confirm: str = Form(""),
    who: Principal = Depends(admin),
) -> Response:
    """Delete it: its key stops working at once; the alerts it sent are kept. `confirm` must
    repeat the name (the confirming form sends it)."""
    ctx = context(request)
    if confirm != name:
        return _page(request, status=422, error=f"{name!r} was not deleted: confirm it")
    with ctx.db.transaction() as session:
        specs.delete_integration(session, name, actor=who.actor, now=ctx.clock.now())
    return RedirectResponse(HOME, status_code=303)

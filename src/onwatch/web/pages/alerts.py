"""Pages for alerts: the list (filter by service and state, newest first, a page at a time; it
polls for fresh rows) and one alert with its labels, links and newest events."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.alerts import queries
from onwatch.auth.roles import Principal
from onwatch.core.errors import Invalid
from onwatch.directory.models import Service
from onwatch.web.api.alerts import before_id
from onwatch.web.pages.live import page_or_part
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.params import Id
from onwatch.web.security import context, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Alerts", "/alerts", 20),)
PAGE_SIZE = 50
EVENTS_SHOWN = 50
# What the state filter offers: a stored status, "open", or held by a silence/maintenance.
STATES = ("open", "firing", "acknowledged", "resolved", "held", "all")


def service_names(session: Session) -> list[str]:
    return list(session.scalars(select(Service.name).order_by(Service.name)))


def older_link(path: str, cursor: int | None, *, limit: int, **filters: str) -> str | None:
    """The URL of the next (older) page, keeping the filters; None on the last page."""
    if cursor is None:
        return None
    query = {k: v for k, v in filters.items() if v}
    if limit != PAGE_SIZE:
        query["limit"] = str(limit)
    return f"{path}?{urlencode({**query, 'cursor': cursor})}"


@router.get("/alerts", response_class=HTMLResponse)
def alerts(
    request: Request,
    service: str = "",
    state: str = "open",
    cursor: str | None = Query(None),
    limit: int = Query(PAGE_SIZE, ge=1, le=500),
    _: Principal = Depends(viewer),
) -> Response:
    if state not in STATES:
        state = "open"
    error = None
    with context(request).db.read() as session:
        services = service_names(session)
        if service and service not in services:
            error, service = f"There is no service “{service}”; showing every service.", ""
        try:
            found = queries.list_alerts(
                session,
                service=service or None,
                status=state if state not in ("held", "all") else None,
                held=True if state == "held" else None,
                before=before_id(cursor),
                limit=limit,
            )
        except Invalid:
            found = queries.list_alerts(session, service=service or None, limit=limit)
    return page_or_part(
        request,
        "alerts/list.html",
        "alerts/_results.html",
        rows=found.items,
        services=services,
        states=STATES,
        service=service,
        state=state,
        error=error,
        first_page=cursor is None,
        older=older_link("/alerts", found.next_before, service=service, state=state, limit=limit),
    )


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert(alert_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    with context(request).db.read() as session:
        row = queries.get_alert(session, alert_id)
        events = queries.alert_events(session, alert_id, EVENTS_SHOWN)
    repeats = queries.event_repeats(events, row.alert.event_count)
    return page(
        request,
        "alerts/detail.html",
        row=row,
        a=row.alert,
        events=list(zip(events, repeats, strict=True)),
    )

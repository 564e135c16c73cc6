"""The outbox and dead letters, for admins: messages by state with their last error, and a
retry button for each dead letter (a form with the CSRF token; the retry is audited)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth.roles import Principal, Role
from onwatch.core.errors import Conflict, Invalid, NotFound
from onwatch.notifications import deliveries
from onwatch.notifications.models import NOTIFICATION_STATES
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page
from onwatch.web.params import Id
from onwatch.web.security import admin, context

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV = (NavLink("Outbox", "/admin/outbox", 93, Role.admin),)
HOME = "/admin/outbox"


def _outbox_page(
    request: Request, state: str, *, status: int = 200, error: str | None = None
) -> Response:
    with context(request).db.read() as session:
        try:
            rows = deliveries.list_rows(session, None if state == "all" else state, 200)
        except Invalid:
            state, rows = "dead", deliveries.list_rows(session, "dead", 200)
        counts = deliveries.counts(session)
    return page(
        request,
        "admin/outbox.html",
        status=status,
        rows=rows,
        state=state,
        states=[s for s in NOTIFICATION_STATES],
        counts=counts,
        error=error,
        retried=request.query_params.get("retried"),
    )


@router.get("/admin/outbox", response_class=HTMLResponse)
def outbox(request: Request, state: str = "dead", _: Principal = Depends(admin)) -> Response:
    return _outbox_page(request, state)


@router.post("/admin/outbox/{notification_id}/retry")
def retry(
    request: Request,
    notification_id: Id,
    state: str = Form("dead"),
    who: Principal = Depends(admin),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            deliveries.retry(session, notification_id, actor=who.actor, now=ctx.clock.now())
    except (NotFound, Conflict) as error:
        code = 404 if isinstance(error, NotFound) else 409
        return _outbox_page(request, state, status=code, error=error.message)
    ctx.engine_wakeup.set()
    return RedirectResponse(f"{HOME}?state={state}&retried={notification_id}", status_code=303)

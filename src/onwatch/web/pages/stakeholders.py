"""Pages of stakeholder communication: the incident page's "Stakeholder updates" card (composer
with preview, send, the updates sent, the next reminder, the first update's deadline or breach),
the subscriber lists, and RFC 8058's one-click unsubscribe (`/unsubscribe/<token>`): a GET
shows a button and changes nothing; a POST, from that button or a mail client, unsubscribes.
The signed token is the POST's credential (mail clients post without a session or CSRF token)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import Conflict, Invalid, NotFound
from onwatch.core.signing import signing_key
from onwatch.directory.actors import display_names
from onwatch.incidents import queries as incident_queries
from onwatch.stakeholders import announcements, lists, queries, reminders, unsubscribe, updates
from onwatch.web.api.stakeholders import comms_state, mailing
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, is_htmx, page, problem
from onwatch.web.params import Id
from onwatch.web.security import context, responder, viewer

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()  # linked from the incident page's card: the bar is full
SNOOZES = {"30m": timedelta(minutes=30), "1h": timedelta(hours=1), "2h": timedelta(hours=2)}


def _can_respond(request: Request) -> bool:
    who = request.state.principal
    return who is not None and has_role(who.role, Role.responder)


def _card(
    request: Request,
    incident_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    draft: str = "",
    summary: str | None = None,
    preview: object = None,
) -> Response:
    ctx = context(request)
    with ctx.db.read() as session:
        row = incident_queries.get_incident(session, incident_id)
        sent = queries.updates(session, incident_id)
        comms = comms_state(session, incident_id)
        names = display_names(session, {u.author for u in sent})
    template = "incidents/_updates.html" if is_htmx(request) else "stakeholders/updates.html"
    return page(
        request,
        template,
        status=status,
        i=row.incident,
        row=row,
        sent=list(reversed(sent)),
        names=names,
        comms=comms,
        can_respond=_can_respond(request),
        error=error,
        draft=draft,
        summary=row.incident.summary if summary is None else summary,
        preview=preview,
        snoozes=list(SNOOZES),
    )


@router.get("/incidents/{incident_id}/updates", response_class=HTMLResponse)
def updates_card(incident_id: Id, request: Request, _: Principal = Depends(viewer)) -> Response:
    """The card (htmx: the incident page loads it), or a page of its own."""
    return _card(request, incident_id)


@router.post("/incidents/{incident_id}/updates", response_class=HTMLResponse)
def send(
    incident_id: Id,
    request: Request,
    status: str = Form(""),
    summary: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            updates.send_update(
                session, incident_id, status, summary=summary or None, actor=who.actor,
                source="ui", now=ctx.clock.now(), mailing=mailing(ctx.settings),
            )  # fmt: skip
    except Invalid as error:
        return _card(request, incident_id, status=422, error=error.message, draft=status,
                     summary=summary)  # fmt: skip
    except Conflict as error:
        return _card(request, incident_id, status=409, error=error.message, draft=status)
    if is_htmx(request):
        return _card(request, incident_id)
    return RedirectResponse(f"/incidents/{incident_id}#updates", status_code=303)


@router.post("/incidents/{incident_id}/updates/preview", response_class=HTMLResponse)
def preview(
    incident_id: Id,
    request: Request,
    status: str = Form(""),
    summary: str = Form(""),
    _: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.read() as session:
            composed = updates.preview(
                session, incident_id, status, now=ctx.clock.now(),
                base_url=ctx.settings.resolved_base_url(),
            )  # fmt: skip
    except Invalid as error:
        return _card(request, incident_id, status=422, error=error.message, draft=status)
    return _card(request, incident_id, draft=status, summary=summary, preview=composed)


@router.post("/incidents/{incident_id}/updates/snooze", response_class=HTMLResponse)
def snooze(
    incident_id: Id,
    request: Request,
    duration: str = Form("30m"),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    if duration not in SNOOZES:
        return _card(request, incident_id, status=422, error=f"snooze for {', '.join(SNOOZES)}")
    try:
        with ctx.db.transaction() as session:
            reminders.snooze(
                session, incident_id, SNOOZES[duration], actor=who.actor, source="ui",
                now=ctx.clock.now(),
            )  # fmt: skip
    except Conflict as error:
        return _card(request, incident_id, status=409, error=error.message)
    if is_htmx(request):
        return _card(request, incident_id)
    return RedirectResponse(f"/incidents/{incident_id}#updates", status_code=303)


# Subscriber lists.


def _lists_page(
    request: Request, *, status: int = 200, error: str | None = None, announced: object = None
) -> Response:
    with context(request).db.read() as session:
        entries = queries.list_subscribers(session)
    return page(
        request,
        "stakeholders/subscribers.html",
        status=status,
        entries=entries,
        can_respond=_can_respond(request),
        error=error,
        announced=announced,
    )


@router.get("/subscribers", response_class=HTMLResponse)
def subscribers(request: Request, _: Principal = Depends(viewer)) -> Response:
    return _lists_page(request)


@router.post("/subscribers", response_class=HTMLResponse)
def add_subscriber(
    request: Request,
    address: str = Form(""),
    list_name: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    kind, _, name = list_name.partition(":")
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            lists.subscribe(
                session, address=address, team=name if kind == "team" else None,
                service=name if kind == "service" else None, actor=who.actor,
                now=ctx.clock.now(),
            )  # fmt: skip
    except (Invalid, NotFound) as error:
        return _lists_page(request, status=422, error=error.message)
    return RedirectResponse("/subscribers", status_code=303)


@router.post("/subscribers/{subscriber_id}/delete", response_class=HTMLResponse)
def remove_subscriber(
    subscriber_id: Id, request: Request, who: Principal = Depends(responder)
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            lists.remove(session, subscriber_id, actor=who.actor, now=ctx.clock.now())
    except Conflict as error:
        return _lists_page(request, status=409, error=error.message)
    return RedirectResponse("/subscribers", status_code=303)


@router.post("/announcements", response_class=HTMLResponse)
def announce(
    request: Request,
    service: str = Form(""),
    release: str = Form(""),
    notes: str = Form(""),
    who: Principal = Depends(responder),
) -> Response:
    ctx = context(request)
    try:
        with ctx.db.transaction() as session:
            row = announcements.announce(
                session, service, release, notes=notes, release_at=None, actor=who.actor,
                now=ctx.clock.now(), mailing=mailing(ctx.settings),
            )  # fmt: skip
            session.expunge(row)
    except (Invalid, NotFound) as error:
        return _lists_page(request, status=422, error=error.message)
    return _lists_page(request, announced=row)


# One-click unsubscribe.


def _key(request: Request) -> bytes:
    state = request.app.state
    if getattr(state, "unsubscribe_key", None) is None:
        state.unsubscribe_key = signing_key(context(request).settings)
    return state.unsubscribe_key


def _address(request: Request, token: str) -> str | Response:
    try:
        return unsubscribe.read(token, _key(request))
    except Invalid as error:
        return problem(request, 400, "Link not valid", error.message)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def confirm_unsubscribe(token: str, request: Request) -> Response:
    """What the button would do; opening the link changes nothing (mail scanners open it)."""
    address = _address(request, token)
    if isinstance(address, Response):
        return address
    with context(request).db.read() as session:
        subscribed = lists.is_subscribed(session, address)
    return page(
        request,
        "stakeholders/unsubscribe.html",
        state="confirm" if subscribed else "already",
        address=address,
        form_action=f"{unsubscribe.PATH}{token}",
    )


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def one_click_unsubscribe(token: str, request: Request) -> Response:
    """RFC 8058: a POST (body `List-Unsubscribe=One-Click`) takes the address off every list."""
    address = _address(request, token)
    if isinstance(address, Response):
        return address
    ctx = context(request)
    with ctx.db.transaction() as session:
        count = lists.unsubscribe(session, address, now=ctx.clock.now())
    return page(
        request,
        "stakeholders/unsubscribe.html",
        state="done" if count else "already",
        address=address,
        form_action="",
    )

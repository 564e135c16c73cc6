"""The pages behind the signed accept and decline links of a responder request
(`/l/accept/<token>`, `/l/decline/<token>`): no login, the link is the credential for its one
incident, person and answer. A GET only shows what the button would do; the POST from that page
answers, as the person. An expired link is a 410, a changed one or one for a person with no
request on the incident a 403, and nothing changes."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from onwatch.core.errors import NotFound
from onwatch.core.tokens import same
from onwatch.directory.actors import link_actor
from onwatch.directory.models import Person
from onwatch.incidents import responders
from onwatch.incidents.models import Incident, ResponderRequest
from onwatch.notifications import links
from onwatch.web.pages.links import _key
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page, problem
from onwatch.web.security import context

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()
ANSWERS: dict[str, links.Action] = {"accept": "accept", "decline": "decline"}
NOT_ASKED = "this link answers a request to join that does not exist (or not for this person)"


@router.get("/l/accept/{token}", response_class=HTMLResponse)
def confirm_accept(token: str, request: Request) -> Response:
    return _confirm("accept", token, request)


@router.get("/l/decline/{token}", response_class=HTMLResponse)
def confirm_decline(token: str, request: Request) -> Response:
    return _confirm("decline", token, request)


@router.post("/l/accept/{token}", response_class=HTMLResponse)
def accept(token: str, request: Request, confirm: str = Form("")) -> Response:
    return _answer("accept", token, request, confirm)


@router.post("/l/decline/{token}", response_class=HTMLResponse)
def decline(token: str, request: Request, confirm: str = Form("")) -> Response:
    return _answer("decline", token, request, confirm)


def _confirm(word: str, token: str, request: Request) -> Response:
    ctx = context(request)
    claim = _claim(request, word, token, ctx.clock.now())
    if isinstance(claim, Response):
        return claim
    with ctx.db.read() as session:
        found = _subjects(session, claim)
        if found is None:
            return problem(request, 403, "Link not valid", NOT_ASKED)
        values = _shown(*found)
    state = "already" if values["request_state"] == _state(claim) else "confirm"
    return _render(
        request, state, claim, values,
        form_action=links.link_path(claim.action, token),
        form_token=links.form_token(token, _key(request)),
    )  # fmt: skip


def _answer(word: str, token: str, request: Request, confirm: str) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    claim = _claim(request, word, token, now)
    if isinstance(claim, Response):
        return claim
    if not same(confirm, links.form_token(token, _key(request))):
        return problem(
            request, 403, "Not confirmed",
            "this button works only on the link's own page: open the link again and press it there",
        )  # fmt: skip
    with ctx.db.transaction() as session:
        found = _subjects(session, claim)
        if found is None:
            return problem(request, 403, "Link not valid", NOT_ASKED)
        person = found[1]
        _, changed = responders.answer(
            session, claim.incident_id, person.id, claim.action == "accept",
            actor=link_actor(person.handle, claim.via), now=now, source="link",
        )  # fmt: skip
        values = _shown(*_subjects(session, claim))  # type: ignore[misc]
    return _render(request, "done" if changed else "already", claim, values, at=now)


def _claim(request: Request, word: str, token: str, now: datetime) -> links.Claim | Response:
    """The link's claim, or the 4xx page that says why it may not act at `now`."""
    try:
        return links.read(token, _key(request), action=ANSWERS[word], now=now)
    except links.ExpiredLink as error:
        return problem(request, 410, "Link expired", error.message)
    except links.BadLink as error:
        return problem(request, 403, "Link not valid", error.message)


def _state(claim: links.Claim) -> str:
    return "accepted" if claim.action == "accept" else "declined"


def _subjects(
    session: Session, claim: links.Claim
) -> tuple[Incident, Person, ResponderRequest] | None:
    incident = session.get(Incident, claim.incident_id)
    if incident is None:
        raise NotFound(f"incident {claim.incident_id} is no longer in onwatch")
    person = session.get(Person, claim.person_id)
    row = session.scalar(
        select(ResponderRequest).where(
            ResponderRequest.incident_id == claim.incident_id,
            ResponderRequest.person_id == claim.person_id,
        )
    )
    if person is None or row is None:
        return None
    return incident, person, row


def _shown(incident: Incident, person: Person, row: ResponderRequest) -> dict[str, object]:
    return {
        "incident_id": incident.id,
        "title": incident.title,
        "incident_status": incident.status,
        "person": person.name,
        "message": row.message,
        "request_state": row.state,
    }


def _render(
    request: Request, state: str, claim: links.Claim, values: dict[str, object], **extra: object
) -> Response:
    return page(
        request, "links/responder.html", state=state, action=claim.action,
        expires_at=claim.expires_at, **values, **extra,
    )  # fmt: skip

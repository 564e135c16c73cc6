"""The pages behind signed ack and resolve links (`/l/ack/<token>`, `/l/resolve/<token>`): no
login, the link is the credential for its one incident, person and action. A GET only shows
what the button would do (mail scanners follow links); the POST from that page acts, as the
person, through the same action as the UI, API and CLI. A link that may not act is a 4xx page
with one sentence, and shows nothing of the incident."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from onwatch.alerts import responding
from onwatch.core.errors import Conflict, NotFound
from onwatch.core.signing import signing_key
from onwatch.core.tokens import same
from onwatch.directory.actors import link_actor
from onwatch.directory.models import Person
from onwatch.incidents.models import Incident
from onwatch.notifications import links
from onwatch.web.pages.nav import NavLink
from onwatch.web.pages.render import PageRoute, page, problem
from onwatch.web.security import context

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NAV: tuple[NavLink, ...] = ()
# What each action leaves nothing to do for: the state it brings about, and beyond.
DONE: dict[links.Action, tuple[str, ...]] = {
    "acknowledge": ("acknowledged", "mitigated", "resolved", "closed"),
    "resolve": ("resolved", "closed"),
}
ACT = {"acknowledge": responding.acknowledge_incident, "resolve": responding.resolve_incident}
# Accept and decline links have their own pages (web/pages/responder_links.py).
ACTIONS: dict[str, links.Action] = {links.PATH_WORDS[action]: action for action in ACT}  # type: ignore[index]


@router.get("/l/{word}/{token}", response_class=HTMLResponse)
def confirm(word: str, token: str, request: Request) -> Response:
    ctx = context(request)
    claim = _claim(request, word, token, ctx.clock.now())
    if isinstance(claim, Response):
        return claim
    with ctx.db.read() as session:
        incident, person = _subjects(session, claim)
    if incident.status in DONE[claim.action]:
        return _page(request, "already", claim, incident, person)
    return _page(
        request,
        "confirm",
        claim,
        incident,
        person,
        form_action=links.link_path(claim.action, token),
        form_token=links.form_token(token, _key(request)),
    )


@router.post("/l/{word}/{token}", response_class=HTMLResponse)
def act(word: str, token: str, request: Request, confirm: str = Form("")) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    claim = _claim(request, word, token, now)
    if isinstance(claim, Response):
        return claim
    if not same(confirm, links.form_token(token, _key(request))):
        return problem(
            request,
            403,
            "Not confirmed",
            "this button works only on the link's own page: open the link again and press it there",
        )
    try:
        with ctx.db.transaction() as session:
            # Not the incident: the action reads it under its row lock, and a copy read before
            # would stand in for it (an acknowledgement racing this one would be missed).
            person = _person(session, claim)
            actor = link_actor(person.handle, claim.via)
            incident, changed = ACT[claim.action](
                session, claim.incident_id, actor=actor, now=now, source="link"
            )
            state = "done" if changed else "already"
            values = _shown(incident, person)
    except Conflict:  # acknowledging a resolved incident: nothing to do either
        with ctx.db.read() as session:
            incident, person = _subjects(session, claim)
            state, values = "already", _shown(incident, person)
    return _render(request, state, claim, values, at=now)


def _key(request: Request) -> bytes:
    """The signing key, read once per app (from the setting or the data directory's file)."""
    state = request.app.state
    if getattr(state, "link_key", None) is None:
        state.link_key = signing_key(context(request).settings)
    return state.link_key


def _claim(request: Request, word: str, token: str, now: datetime) -> links.Claim | Response:
    """The link's claim, or the 4xx page that says why it may not act at `now`."""
    action = ACTIONS.get(word)
    if action is None:
        raise NotFound(f"there is no page at {request.url.path}")
    try:
        return links.read(token, _key(request), action=action, now=now)
    except links.ExpiredLink as error:
        return problem(request, 410, "Link expired", error.message)
    except links.BadLink as error:
        return problem(request, 403, "Link not valid", error.message)


def _subjects(session: Session, claim: links.Claim) -> tuple[Incident, Person]:
    person = _person(session, claim)
    incident = session.get(Incident, claim.incident_id)
    if incident is None:
        raise NotFound(f"incident {claim.incident_id} is no longer in onwatch")
    return incident, person


def _person(session: Session, claim: links.Claim) -> Person:
    person = session.get(Person, claim.person_id)
    if person is None:
        raise NotFound("the person this link was made for is no longer in onwatch's directory")
    return person


def _shown(incident: Incident, person: Person) -> dict[str, object]:
    """All the page shows: the incident's number, title and state, and whose link it is."""
    return {
        "incident_id": incident.id,
        "title": incident.title,
        "incident_status": incident.status,
        "person": person.name,
    }


def _page(
    request: Request,
    state: str,
    claim: links.Claim,
    incident: Incident,
    person: Person,
    **extra: object,
) -> Response:
    return _render(request, state, claim, _shown(incident, person), **extra)


def _render(
    request: Request, state: str, claim: links.Claim, values: dict[str, object], **extra: object
) -> Response:
    return page(
        request,
        "links/page.html",
        state=state,
        action=claim.action,
        expires_at=claim.expires_at,
        **values,
        **extra,
    )

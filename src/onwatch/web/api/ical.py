"""iCal feeds that calendar apps subscribe to, one per schedule and one per person, at a URL with
a secret token instead of a login; and issuing those tokens (shown once, stored hashed). A wrong
token, an unknown name and a token for another feed all get the same bare 404."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from onwatch.auth.roles import Principal, Role, has_role
from onwatch.core.errors import Forbidden
from onwatch.core.tokens import hash_secret
from onwatch.directory import queries as directory_queries
from onwatch.schedules import actions, queries
from onwatch.schedules.ical import person_feed, schedule_feed
from onwatch.web.security import context, responder, viewer

router = APIRouter(tags=["ical"])

# What a subscribed calendar shows: the recent past and the months ahead.
PAST = timedelta(days=30)
AHEAD = timedelta(days=180)
MAX_TOKEN = 200


class FeedURL(BaseModel):
    """Shown once: onwatch keeps only the token's hash. Issuing again replaces it."""

    url: str
    token: str


def _not_found() -> Response:
    return Response("Not Found", status_code=404, media_type="text/plain")


def _calendar(text: str) -> Response:
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        # The URL is a secret: shared caches must not keep a copy.
        headers={"cache-control": "private, max-age=300"},
    )


@router.get("/ical/schedules/{name}.ics", include_in_schema=False)
def schedule_ics(
    name: str, request: Request, token: str = Query("", max_length=MAX_TOKEN)
) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found = queries.feed_token(session, hash_secret(token)) if token else None
        row = queries.schedule_row(session, name)
        if found is None or row is None or found.schedule_id != row.id:
            return _not_found()
        schedule = queries.Schedules(session).get(name)
    return _calendar(schedule_feed(schedule, now - PAST, now + AHEAD, now))


@router.get("/ical/people/{handle}.ics", include_in_schema=False)
def person_ics(
    handle: str, request: Request, token: str = Query("", max_length=MAX_TOKEN)
) -> Response:
    ctx = context(request)
    now = ctx.clock.now()
    with ctx.db.read() as session:
        found = queries.feed_token(session, hash_secret(token)) if token else None
        person = directory_queries.person_by_handle(session, handle)
        if found is None or person is None or found.person_id != person.id:
            return _not_found()
        schedules = queries.Schedules(session).all()
    return _calendar(person_feed(schedules, handle, now - PAST, now + AHEAD, now))


@router.post("/api/v1/schedules/{name}/feed-token", status_code=201)
def issue_schedule_feed(
    name: str, request: Request, who: Principal = Depends(responder)
) -> FeedURL:
    """A new secret URL for the schedule's iCal feed; the previous one stops working."""
    ctx = context(request)
    with ctx.db.transaction() as session:
        issued = actions.issue_feed_token(
            session, "schedules", name, actor=who.actor, now=ctx.clock.now()
        )
    return _url(request, issued)


@router.post("/api/v1/people/{handle}/feed-token", status_code=201)
def issue_person_feed(handle: str, request: Request, who: Principal = Depends(viewer)) -> FeedURL:
    """A new secret URL for the iCal feed of one person's shifts: for yourself (your login's
    person), or for anyone with the admin role. The previous URL stops working."""
    if who.person_handle != handle and not has_role(who.role, Role.admin):
        raise Forbidden("only that person or an admin may issue their feed")
    ctx = context(request)
    with ctx.db.transaction() as session:
        issued = actions.issue_feed_token(
            session, "people", handle, actor=who.actor, now=ctx.clock.now()
        )
    return _url(request, issued)


def _url(request: Request, issued: actions.IssuedFeed) -> FeedURL:
    base = context(request).settings.resolved_base_url()
    return FeedURL(
        url=f"{base}/ical/{issued.kind}/{issued.key}.ics?token={issued.token}", token=issued.token
    )

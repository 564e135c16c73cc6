"""iCal feeds over HTTP: a secret URL per schedule and per person, valid RFC 5545 under two
independent parsers (icalendar and vobject), and a wrong token that learns nothing but 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar
import pytest
import vobject
from fastapi.testclient import TestClient
from sqlalchemy import select

from onwatch.auth import actions as auth
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.core.tokens import hash_secret
from onwatch.directory.actions import put_person
from onwatch.directory.specs import PersonSpec
from onwatch.schedules.models import FeedToken
from onwatch.web.security import SESSION_COOKIE, csrf_token_for
from tests.conftest import bearer

SPRINTS: dict[str, Any] = {
    "name": "platform",
    "time_zone": "America/New_York",
    "layers": [
        {
            "members": ["ann", "bob", "cy"],
            "shift_length": "2w",
            "handoff_time": "09:00",
            "start_date": "2026-01-07",
            "roles": ["primary", "secondary"],
        }
    ],
    "overrides": [
        {
            "covering": "cy",
            "covered": "ann",
            "start_at": "2026-04-01T09:00:00-04:00",
            "end_at": "2026-04-02T09:00:00-04:00",
            "reason": "PTO",
        }
    ],
}


@pytest.fixture
def admin(
    client: TestClient, tokens: dict[str, str], db: Database, clock: FakeClock
) -> dict[str, str]:
    with db.transaction() as session:
        for handle in ("ann", "bob", "cy"):
            spec = PersonSpec(handle=handle, name=handle.title(), email=f"{handle}@example.org")
            put_person(session, spec, actor="test", now=clock.now())
    headers = bearer(tokens["admin"])
    assert client.post("/api/v1/schedules", json=SPRINTS, headers=headers).status_code == 201
    return headers


def feed_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def issue(client: TestClient, path: str, headers: dict[str, str]) -> dict[str, str]:
    response = client.post(path, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def events_by_icalendar(text: str) -> list[tuple[str, datetime, datetime, str]]:
    calendar = icalendar.Calendar.from_ical(text)
    return sorted(
        (str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend"), str(e["uid"]))
        for e in calendar.walk("VEVENT")
    )


def events_by_vobject(text: str) -> list[tuple[str, datetime, datetime, str]]:
    calendar = vobject.readOne(text, validate=True)
    return sorted(
        (e.summary.value, e.dtstart.value, e.dtend.value, e.uid.value) for e in calendar.vevent_list
    )


def test_schedule_feed_is_valid_under_two_parsers_and_lists_the_shifts(
    client: TestClient, admin: dict[str, str], tokens: dict[str, str], clock: FakeClock
) -> None:
    issued = issue(client, "/api/v1/schedules/platform/feed-token", bearer(tokens["responder"]))
    assert issued["url"].startswith("http://127.0.0.1:8080/ical/schedules/platform.ics?token=")
    response = client.get(feed_path(issued["url"]))  # no login: the token is the credential
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "\r\n" in response.text

    by_icalendar = events_by_icalendar(response.text)
    assert by_icalendar == events_by_vobject(response.text)
    primary = sorted((start, s) for s, start, _, _ in by_icalendar if "(primary)" in s)
    # From the shift running 30 days ago (the feed's window starts then) on.
    assert primary[:7] == [
        (datetime(2026, 1, 21, 14, tzinfo=UTC), "bob on call (primary): platform"),
        (datetime(2026, 2, 4, 14, tzinfo=UTC), "cy on call (primary): platform"),
        (datetime(2026, 2, 18, 14, tzinfo=UTC), "ann on call (primary): platform"),
        (datetime(2026, 3, 4, 14, tzinfo=UTC), "bob on call (primary): platform"),
        (datetime(2026, 3, 18, 13, tzinfo=UTC), "cy on call (primary): platform"),
        (datetime(2026, 4, 1, 13, tzinfo=UTC), "cy on call (primary): platform"),
        (datetime(2026, 4, 2, 13, tzinfo=UTC), "ann on call (primary): platform"),
    ]
    # ann's PTO: cy covers her first day as primary, marked as an override.
    calendar = icalendar.Calendar.from_ical(response.text)
    [cover] = [e for e in calendar.walk("VEVENT") if "Override" in str(e.get("description"))]
    assert cover.decoded("dtstart") == datetime(2026, 4, 1, 13, tzinfo=UTC)
    assert str(cover["description"]) == "Override, covering for ann: PTO"
    # Fetched again later, the same shifts keep their UIDs, so calendar apps update in place.
    clock.advance(timedelta(days=3))
    again = client.get(feed_path(issued["url"]))
    assert {u for *_, u in events_by_icalendar(again.text)} & {u for *_, u in by_icalendar}


def test_a_wrong_token_gets_a_bare_404_like_an_unknown_schedule(
    client: TestClient, admin: dict[str, str]
) -> None:
    issued = issue(client, "/api/v1/schedules/platform/feed-token", admin)
    answers = [
        client.get("/ical/schedules/platform.ics?token=owf_wrong"),
        client.get("/ical/schedules/platform.ics"),
        client.get(f"/ical/schedules/nope.ics?token={issued['token']}"),
        client.get(f"/ical/people/ann.ics?token={issued['token']}"),  # another feed's token
    ]
    for answer in answers:
        assert (answer.status_code, answer.text) == (404, "Not Found")


def test_rotating_a_feed_token_retires_the_old_url_and_only_a_hash_is_kept(
    client: TestClient, admin: dict[str, str], db: Database
) -> None:
    first = issue(client, "/api/v1/schedules/platform/feed-token", admin)
    second = issue(client, "/api/v1/schedules/platform/feed-token", admin)
    assert client.get(feed_path(first["url"])).status_code == 404
    assert client.get(feed_path(second["url"])).status_code == 200
    with db.read() as session:
        stored = session.scalars(select(FeedToken.token_hash)).all()
    assert stored == [hash_secret(second["token"])]


def test_a_person_feed_is_for_that_person_or_an_admin(
    client: TestClient,
    admin: dict[str, str],
    tokens: dict[str, str],
    db: Database,
    clock: FakeClock,
) -> None:
    with db.transaction() as session:
        user = auth.create_user(
            session,
            username="ann",
            password="correct horse battery",
            role="viewer",
            actor="test",
            now=clock.now(),
            person_handle="ann",
        )
        cookie = auth.start_session(session, user, clock.now(), timedelta(hours=1)).cookie
    client.cookies.set(SESSION_COOKIE, cookie)
    as_ann = {"x-csrf-token": csrf_token_for(cookie)}
    own = issue(client, "/api/v1/people/ann/feed-token", as_ann)
    refused = client.post("/api/v1/people/bob/feed-token", headers=as_ann)
    assert refused.status_code == 403
    client.cookies.clear()
    assert (
        client.post(
            "/api/v1/people/bob/feed-token", headers=bearer(tokens["responder"])
        ).status_code
        == 403
    )
    issue(client, "/api/v1/people/bob/feed-token", admin)

    response = client.get(feed_path(own["url"]))
    assert response.status_code == 200
    events = events_by_icalendar(response.text)
    assert events == events_by_vobject(response.text)
    assert {summary for summary, *_ in events} == {
        "On call (primary): platform",
        "On call (secondary): platform",
    }
    # ann's PTO day is not in her feed: cy holds it.
    starts = {start for _, start, _, _ in events}
    assert datetime(2026, 4, 2, 13, tzinfo=UTC) in starts
    assert datetime(2026, 4, 1, 13, tzinfo=UTC) not in starts

"""Schedule pages in the browser's shoes: on call now (home and schedules), my shifts, the
timeline drawing (a colour per person, overrides marked, gaps in red, no inline styles), and the
"cover me" form with its CSRF token."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from onwatch.auth import actions as auth
from onwatch.calendars.actions import put_calendar
from onwatch.calendars.specs import CalendarSpec
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_person
from onwatch.directory.specs import PersonSpec
from onwatch.schedules.actions import put_schedule
from onwatch.schedules.specs import ScheduleSpec
from onwatch.web.security import SESSION_COOKIE, csrf_token_for

SPRINTS: dict[str, Any] = {
    "name": "platform",
    "time_zone": "America/New_York",
    "layers": [
        {
            "members": ["ann", "bob", "cy", "dee"],
            "shift_length": "2w",
            "handoff_time": "09:00",
            "start_date": "2026-03-04",
            "roles": ["primary", "secondary"],
        }
    ],
}


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def platform(db: Database, clock: FakeClock) -> None:
    """The sprint pair starting Wednesday 2026-03-04; the clock is Monday 2026-03-02 09:00 EST,
    so nobody is on call until then."""
    with db.transaction() as session:
        for handle in ("ann", "bob", "cy", "dee"):
            spec = PersonSpec(handle=handle, name=handle.title(), email=f"{handle}@example.org")
            put_person(session, spec, actor="test", now=clock.now())
        put_schedule(session, ScheduleSpec.model_validate(SPRINTS), actor="test", now=clock.now())


def sign_in(
    client: TestClient, db: Database, clock: FakeClock, role: str, person: str | None
) -> dict[str, str]:
    """A web session as `person`; returns the CSRF header for its posts."""
    with db.transaction() as session:
        user = auth.create_user(
            session,
            username=f"{role}-{person or 'nobody'}",
            password="correct horse battery",
            role=role,
            actor="test",
            now=clock.now(),
            person_handle=person,
        )
        cookie = auth.start_session(session, user, clock.now(), timedelta(days=30)).cookie
    client.cookies.set(SESSION_COOKIE, cookie)
    return {"x-csrf-token": csrf_token_for(cookie)}


def test_home_and_schedules_show_who_is_on_call_now(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    sign_in(client, db, clock, "viewer", "ann")
    clock.set(clock.now() + timedelta(days=3))  # Thursday: the first sprint has begun
    home = text_of(client.get("/").text)
    assert (
        "On call now Schedule Role On call Until "
        "platform primary ann until Wed 2026-03-18 09:00 EDT "
        "platform secondary bob until Wed 2026-03-18 09:00 EDT"
    ) in home
    schedules = client.get("/schedules")
    assert schedules.status_code == 200
    assert 'aria-current="page">Schedules</a>' in schedules.text


def test_my_shifts_lists_the_logged_in_persons_coming_shifts(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    sign_in(client, db, clock, "viewer", "bob")
    page = text_of(client.get("/schedules").text)
    mine = page.split("My shifts", 1)[1]
    # bob is secondary from the first sprint and primary from the second.
    assert "platform secondary Wed 04 Mar 09:00 EST Wed 18 Mar 09:00 EDT" in mine
    assert "platform primary Wed 18 Mar 09:00 EDT" in mine
    # Nobody is on call before the first sprint: the schedules page warns.
    assert "schedule platform: nobody is primary from Mon 2026-03-02 09:00 EST" in page


def test_timeline_draws_people_in_colours_gaps_in_red_and_overrides_marked(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    headers = sign_in(client, db, clock, "responder", "ann")
    cover = {
        "covering": "cy",
        "covered": "ann",
        "role": "",
        "start_at": "2026-03-05T09:00",
        "end_at": "2026-03-06T09:00",
        "reason": "PTO",
        "csrf_token": headers["x-csrf-token"],
    }
    posted = client.post("/schedules/platform/overrides", data=cover, follow_redirects=False)
    assert (posted.status_code, posted.headers["location"]) == (
        303,
        "/schedules/platform#overrides",
    )

    page = client.get("/schedules/platform").text
    assert "style=" not in page  # the CSP forbids inline styles
    assert '<link rel="stylesheet" href="/static/schedules.css">' in page
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    # Mon 2 Mar to Mon 30 Mar: a gap until Wednesday 09:00, then the sprint pair.
    assert re.search(
        r'<g class="shift gap">\s*<title>primary: nobody \(gap\), '
        r"Mon 02 Mar 00:00 EST to Wed 04 Mar 09:00 EST</title>",
        svg,
    )
    colours = dict(re.findall(r'<g class="shift (p\d)[^"]*">\s*<title>\w+: (\w+),', svg)[::-1])
    assert {colours[c] for c in ("p0", "p1", "p2")} == {"ann", "bob", "cy"}
    assert re.search(
        r'<g class="shift p2 override">\s*<title>primary: cy, '
        r"Thu 05 Mar 09:00 EST to Fri 06 Mar 09:00 EST \(override for ann: PTO\)</title>",
        svg,
    )
    legend = text_of(page.split('<ul class="legend">', 1)[1].split("</ul>", 1)[0])
    assert legend == "ann bob cy nobody on call override now"  # dee is not on in these weeks
    overrides = text_of(page.split('id="overrides-title"', 1)[1].split("</section>", 1)[0])
    assert "cy ann Thu 05 Mar 09:00 EST Fri 06 Mar 09:00 EST PTO user:responder-ann" in overrides
    assert client.get("/static/schedules.css").status_code == 200


def test_the_override_form_needs_csrf_and_the_responder_role(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    cover = {
        "covering": "cy",
        "covered": "ann",
        "start_at": "2026-03-05T09:00",
        "end_at": "2026-03-06T09:00",
    }
    headers = sign_in(client, db, clock, "viewer", "ann")
    refused = client.post(
        "/schedules/platform/overrides", data={**cover, "csrf_token": headers["x-csrf-token"]}
    )
    assert refused.status_code == 403
    assert "Cover me" not in client.get("/schedules/platform").text
    headers = sign_in(client, db, clock, "responder", "bob")
    assert client.post("/schedules/platform/overrides", data=cover).status_code == 403


def test_a_bad_override_is_shown_back_with_its_field_and_nothing_is_stored(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    headers = sign_in(client, db, clock, "responder", "ann")
    cover = {
        "covering": "cy",
        "covered": "ann",
        "start_at": "2026-03-06T09:00",
        "end_at": "2026-03-05T09:00",
        "reason": "PTO",
        "csrf_token": headers["x-csrf-token"],
    }
    response = client.post("/schedules/platform/overrides", data=cover)
    assert response.status_code == 422
    page = text_of(response.text)
    assert "end_at: the override must end after it starts" in page
    assert 'value="2026-03-06T09:00"' in response.text  # what was typed stays in the form
    assert "No overrides running or to come." in page


def test_an_unknown_schedule_is_a_page_not_json(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    sign_in(client, db, clock, "viewer", None)
    response = client.get("/schedules/nope", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "No schedule 'nope'." in text_of(response.text)
    mine = text_of(client.get("/schedules").text).split("My shifts", 1)[1]
    assert mine.startswith(" Your login is not tied to a person")


def test_time_outside_coverage_is_off_hours_not_a_red_gap(
    client: TestClient, db: Database, clock: FakeClock, platform: None
) -> None:
    hours = {"name": "office-hours", "time_zone": "America/New_York", "hours": [
        {"days": "mon-fri", "opens": "09:00", "closes": "17:00"}]}  # fmt: skip
    office = {**SPRINTS, "name": "office", "coverage": "office-hours"}
    office["layers"] = [{**SPRINTS["layers"][0], "restrict_to": {"calendar": "office-hours"}}]
    with db.transaction() as session:
        put_calendar(session, CalendarSpec.model_validate(hours), actor="test", now=clock.now())
        put_schedule(session, ScheduleSpec.model_validate(office), actor="test", now=clock.now())
    sign_in(client, db, clock, "viewer", "ann")
    page = client.get("/schedules/office?start=2026-03-09").text
    assert '<g class="shift off">' in page and '<g class="shift gap">' not in page
    assert "off hours" in text_of(page.split('<ul class="legend">', 1)[1].split("</ul>", 1)[0])
    clock.set(clock.now() + timedelta(hours=10))  # Monday 19:00 in New York
    assert "office primary nobody (off hours)" in text_of(client.get("/").text)

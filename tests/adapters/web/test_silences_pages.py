"""The silences and maintenance pages: lists for viewers; add and expire/cancel forms for
responders, CSRF-guarded, with every mistake shown next to the form and nothing stored."""

from __future__ import annotations

import html
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onwatch.alerts.models import MaintenanceWindow, Silence
from onwatch.core.clock import FakeClock
from onwatch.core.db import Database
from onwatch.directory.actions import put_service
from onwatch.directory.specs import ServiceSpec
from onwatch.web.security import csrf_token_for
from tests.adapters.web.test_pages import sign_in, text_of


def count(db: Database, table: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_a_responder_adds_a_silence_and_expires_it(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    cookie = sign_in(client, db, clock, role="responder")
    form = {
        "csrf_token": csrf_token_for(cookie),
        "matchers": 'service="reader"\nenv=~"prod.*"',
        "duration": "90m",
        "reason": "Replica rebuild",
        "starts_at": "",
        "ends_at": "",
    }
    made = client.post("/silences", data=form, follow_redirects=False)
    assert made.status_code == 303
    with db.read() as session:
        silence = session.scalar(select(Silence))
    assert silence.matchers == {"matchers": ['service="reader"', 'env=~"prod.*"']}
    assert (silence.ends_at - silence.starts_at, silence.author) == (
        timedelta(minutes=90),
        "user:responder-user",
    )
    page = text_of(client.get("/silences").text)
    assert 'service="reader" env=~"prod.*" active' in page and "Replica rebuild" in page
    assert "Expire" in page

    expired = client.post(
        f"/silences/{silence.id}/expire",
        data={"csrf_token": csrf_token_for(cookie)},
        follow_redirects=False,
    )
    assert expired.status_code == 303
    assert "expired" in text_of(client.get("/silences").text)


def test_mistakes_are_shown_next_to_the_form_and_nothing_is_stored(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    cookie = sign_in(client, db, clock, role="responder")
    form = {
        "csrf_token": csrf_token_for(cookie),
        "matchers": 'app="ok"\napp=~"(broken"',
        "duration": "",
        "ends_at": "",
        "starts_at": "someday",
        "reason": "r",
    }
    response = client.post("/silences", data=form)
    assert response.status_code == 422
    page = text_of(response.text)
    assert "matchers, line 2: invalid regular expression" in page
    assert "starts at: give a date and time" in page
    assert 'app="ok"' in page  # what was typed is kept
    assert count(db, Silence) == 0


def test_the_form_can_be_prefilled_from_an_alert(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    sign_in(client, db, clock, role="responder")
    page = client.get("/silences", params={"matcher": ['alertname="DiskFull"', "app=reader"]})
    assert 'alertname="DiskFull"\napp=reader</textarea>' in html.unescape(page.text)


def test_viewers_see_silences_but_no_form_and_cannot_post(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    cookie = sign_in(client, db, clock)
    page = client.get("/silences")
    assert page.status_code == 200 and "Add silence" not in page.text
    refused = client.post(
        "/silences",
        data={
            "csrf_token": csrf_token_for(cookie),
            "matchers": "a=b",
            "duration": "1h",
            "reason": "r",
        },
    )
    assert refused.status_code == 403


def test_a_form_without_the_csrf_token_is_refused(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    sign_in(client, db, clock, role="responder")
    response = client.post("/silences", data={"matchers": "a=b", "duration": "1h", "reason": "r"})
    assert response.status_code == 403
    assert count(db, Silence) == 0


def test_a_responder_plans_maintenance_on_an_upstream_service_and_cancels_it(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    with db.transaction() as session:
        put_service(
            session, ServiceSpec(name="vet-records", controlled=False), actor="t", now=clock.now()
        )
    cookie = sign_in(client, db, clock, role="responder")
    token = csrf_token_for(cookie)
    page = client.get("/maintenance")
    assert "vet-records (upstream)" in page.text
    form = {
        "csrf_token": token,
        "service": "vet-records",
        "starts_at": "2026-03-03T02:00",
        "duration": "",
        "ends_at": "2026-03-03T04:00",
        "message": "Records read-only",
    }
    assert client.post("/maintenance", data=form, follow_redirects=False).status_code == 303
    with db.read() as session:
        window = session.scalar(select(MaintenanceWindow))
    assert (window.starts_at.isoformat(), window.ends_at.isoformat()) == (
        "2026-03-03T02:00:00+00:00",
        "2026-03-03T04:00:00+00:00",
    )
    listed = text_of(client.get("/maintenance").text)
    assert "vet-records upstream upcoming" in listed and "Records read-only" in listed
    cancel = client.post(
        f"/maintenance/{window.id}/cancel", data={"csrf_token": token}, follow_redirects=False
    )
    assert cancel.status_code == 303
    assert "cancelled" in text_of(client.get("/maintenance").text)

    bad = client.post("/maintenance", data={**form, "service": "", "message": ""})
    assert bad.status_code == 422
    assert "service:" in text_of(bad.text) and "message:" in text_of(bad.text)
    assert count(db, MaintenanceWindow) == 1
